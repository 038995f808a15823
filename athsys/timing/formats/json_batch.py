"""JSON batches of passings, the format our own device agents and third-party bridges post.

A batch is a JSON array of objects::

    [{"read_id": "F1-000123", "chip": "058812", "timing_point": "finish",
      "timestamp": "2024-10-13T09:47:12.347+02:00", "hits": 12, "rssi": -61, "antenna": 2}]

``read_id`` (string, unique per device) and ``timestamp`` (ISO-8601, at most millisecond
precision; without an offset it is read in :attr:`ParseOptions.tz`) are required; a passing
needs ``chip`` or ``bib`` unless it is a gun marker (``"is_gun": true``). Optional: ``hits``,
``rssi``, ``antenna`` (integers), ``timing_point``. Any other member is rejected, as are
duplicate keys, ``NaN``/``Infinity`` and more than :attr:`ParseOptions.max_lines` items
(default 10,000). A plainly valid batch is read in one typed pass (msgspec, in C) and the
device API stores it without a Python object per read; any other is read item by item, each
validated with marshmallow, and the errors name the line the item starts on and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any

import msgspec
from marshmallow import ValidationError as SchemaError
from marshmallow import fields, validate, validates, validates_schema
from msgspec import UNSET, Meta, UnsetType

from athsys.inputs import (
    EARLIEST_DAY,
    INTEGER_MAX,
    INTEGER_MIN,
    LATEST_DAY,
    InputError,
    StrictSchema,
    decode_json_value,
    integer_problem,
    json_decoder,
    moment_problem,
)
from athsys.timing.passing import (
    ErrorCollector,
    ParseOptions,
    Passing,
    check_duplicate_read_ids,
    check_window,
    decode_body,
    fail,
)

FORMAT_LABEL = "JSON batch"


class PassingSchema(StrictSchema):
    """One passing of a JSON batch (unknown members raise: marshmallow's default)."""

    read_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    chip = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 32))
    bib = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 12))
    timing_point = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(1, 64)
    )
    timestamp = fields.DateTime(required=True, format="iso")
    hits = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0)
    )
    rssi = fields.Integer(strict=True, load_default=None, allow_none=True)
    antenna = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0)
    )
    is_gun = fields.Boolean(load_default=False, truthy={True}, falsy={False})

    @validates("timestamp")
    def _millisecond_precision(self, value: datetime, **_: Any) -> None:
        if value.microsecond % 1000:
            raise SchemaError("more precise than milliseconds")

    @validates_schema
    def _chip_or_bib(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("is_gun") and not data.get("chip") and not data.get("bib"):
            raise SchemaError("a passing needs a chip or a bib", field_name="chip")


_KNOWN_FIELDS = frozenset(PassingSchema().fields)


def parse_json_batch(body: str | bytes, options: ParseOptions | None = None) -> list[Passing]:
    """All passings of a JSON batch, or one ValidationError listing every bad item."""
    options = options or ParseOptions()
    plain = read_plain_batch(body, options)
    passings = plain.passings() if plain is not None else None
    return passings if passings is not None else _item_by_item(decode_body(body, FORMAT_LABEL),
                                                                options)


def _item_by_item(text: str, options: ParseOptions) -> list[Passing]:
    """The batch read one item at a time: each problem named with its line and field."""
    items = _decode_items(text, options.max_lines)
    schema = PassingSchema()
    errors = ErrorCollector(FORMAT_LABEL)
    passings: list[Passing] = []
    for line, item in items:
        if not isinstance(item, dict):
            errors.add(line, None, f"expected an object, got {type(item).__name__}")
            continue
        data = _plain_item(item)
        try:
            data = data if data is not None else schema.load(item)
        except SchemaError as exc:
            for field, problem in _flatten(exc.messages):
                errors.add(line, field, problem)
            continue
        timestamp: datetime = data["timestamp"]
        if timestamp.tzinfo is None:
            timestamp = timestamp.replace(tzinfo=options.tz)
        check_window(timestamp, options, errors, line, "timestamp")
        passings.append(
            Passing(
                read_id=data["read_id"],
                timestamp=timestamp,
                chip=data["chip"],
                bib=data["bib"],
                timing_point=data["timing_point"],
                antenna=data["antenna"],
                hits=data["hits"],
                rssi=data["rssi"],
                is_gun=data["is_gun"],
                line=line,
            )
        )
    check_duplicate_read_ids(passings, errors)
    errors.raise_if_any()
    return passings


_FIELD_LENGTHS = {"read_id": 64, "chip": 32, "bib": 12, "timing_point": 64}
_INTEGER_FIELDS = ("hits", "rssi", "antenna")
PLAIN_TIMESTAMP_FORM = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,3})?"
    r"(?:Z|[+-](?:0[0-9]|1[0-5]):[0-5][0-9])?"
)
"""The timestamps read without marshmallow (others are read by its schema): ISO 8601 to
the millisecond, with an offset of at most ±15:59 (:func:`athsys.inputs.moment_problem`)
or none."""
_ReadId = Annotated[str, Meta(min_length=1, max_length=_FIELD_LENGTHS["read_id"])]
_Chip = Annotated[str, Meta(min_length=1, max_length=_FIELD_LENGTHS["chip"])]
_Bib = Annotated[str, Meta(min_length=1, max_length=_FIELD_LENGTHS["bib"])]
_PointName = Annotated[str, Meta(min_length=1, max_length=_FIELD_LENGTHS["timing_point"])]
_Count = Annotated[int, Meta(ge=0, le=INTEGER_MAX)]
_Signed = Annotated[int, Meta(ge=INTEGER_MIN, le=INTEGER_MAX)]


class _PlainRead(msgspec.Struct, forbid_unknown_fields=True):
    """One passing as :class:`PassingSchema` accepts it, stricter where that is simpler (a
    timestamp of :data:`PLAIN_TIMESTAMP_FORM`). A member left out is ``UNSET``."""

    read_id: _ReadId
    timestamp: Annotated[str, Meta(pattern=rf"\A{PLAIN_TIMESTAMP_FORM.pattern}\Z")]
    chip: _Chip | None | UnsetType = UNSET
    bib: _Bib | None | UnsetType = UNSET
    timing_point: _PointName | None | UnsetType = UNSET
    hits: _Count | None | UnsetType = UNSET
    rssi: _Signed | None | UnsetType = UNSET
    antenna: _Count | None | UnsetType = UNSET
    is_gun: bool | UnsetType = UNSET


_PLAIN_READS = msgspec.json.Decoder(list[_PlainRead])
_EARLIEST = datetime.combine(EARLIEST_DAY + timedelta(days=1), time(), UTC)
_LATEST = datetime.combine(LATEST_DAY, time(), UTC)


@dataclass(frozen=True)
class PlainBatch:
    """A plainly valid JSON batch, read in one pass (:func:`read_plain_batch`).

    ``text`` is the payload's text, every item of which is valid: storing can hand it to
    PostgreSQL as it is. ``reads`` are its items (members left out are ``UNSET``),
    ``read_at`` the timestamp of each in ISO 8601 with its offset (the competition's time
    zone attached to one sent without). No :class:`Passing` is made unless asked for
    (:meth:`passings`): a batch of 1,000 reads is checked in a few milliseconds.
    """

    text: str
    reads: list[_PlainRead]
    read_at: list[str]
    moments: list[datetime]

    def __len__(self) -> int:
        return len(self.reads)

    def timing_points(self) -> list[str | None]:
        return [r.timing_point or None for r in self.reads]

    def gun_markers(self) -> list[bool]:
        return [r.is_gun is True for r in self.reads]

    def passings(self) -> list[Passing] | None:
        """The batch's passings, each with the line its item starts on; None when the lines
        cannot be told by counting: the n-th ``{`` starts the n-th item only when no string
        holds one."""
        text = self.text
        if text.count("{") != len(self.reads):
            return None
        passings: list[Passing] = []
        line, counted_to, position = 1, 0, -1
        for read, moment in zip(self.reads, self.moments, strict=True):
            position = text.find("{", position + 1)
            line += text.count("\n", counted_to, position)
            counted_to = position
            passings.append(Passing(
                read_id=read.read_id, timestamp=moment, chip=_or_none(read.chip),
                bib=_or_none(read.bib), timing_point=_or_none(read.timing_point),
                antenna=_or_none(read.antenna), hits=_or_none(read.hits),
                rssi=_or_none(read.rssi), is_gun=read.is_gun is True, line=line,
            ))
        return passings


def _or_none(value: Any) -> Any:
    return None if value is UNSET else value


def read_plain_batch(body: str | bytes, options: ParseOptions) -> PlainBatch | None:
    """The batch when it is plainly valid, else None (then :func:`parse_json_batch` reads it
    item by item and names each problem's line and field).

    One typed C decode (msgspec) checks the array, every member's name, type and length
    and the timestamps' form; then, over whole columns, the chip-or-bib rule, the
    competition window, the read ids' uniqueness and that no member is named twice in an
    item. That last check compares the colons of the payload with those of the items
    encoded again: each member has one, strings keep theirs, and a member named twice is
    one colon more in the payload. A payload with a backslash (an escape in a string) is
    left to the item-by-item reading, so every string is as it is written. What passes is
    exactly what the item-by-item reading accepts, and reads the same.
    """
    text = decode_body(body, FORMAT_LABEL)
    if "\\" in text:
        return None
    try:
        reads = _PLAIN_READS.decode(text)
    except msgspec.MsgspecError:
        return None
    if not reads or len(reads) > options.max_lines:
        return None
    read_ids = [r.read_id for r in reads]
    if (len(set(read_ids)) != len(read_ids)
            or text.count(":") != _ENCODER.encode(reads).count(b":")):
        return None
    if any(not (r.chip or r.bib or r.is_gun) for r in reads):
        return None
    read_at = [r.timestamp for r in reads]
    try:
        moments = list(map(datetime.fromisoformat, read_at))
    except ValueError:
        return None
    if None in [m.tzinfo for m in moments]:
        moments = [m if m.tzinfo is not None else m.replace(tzinfo=options.tz) for m in moments]
        if any(moment_problem(m) for m in moments):
            return None
        read_at = [m.isoformat() for m in moments]
    earliest, latest = min(moments), max(moments)
    if (earliest < _EARLIEST or latest >= _LATEST
            or (options.valid_from is not None and earliest < options.valid_from)
            or (options.valid_until is not None and latest > options.valid_until)):
        return None
    return PlainBatch(text, reads, read_at, moments)


_ENCODER = msgspec.json.Encoder()


def _plain_item(item: dict[str, Any]) -> dict[str, Any] | None:
    """The loaded item when it is plainly valid, else None (then marshmallow validates it
    and words the errors). Accepts only what :class:`PassingSchema` accepts, with the same
    result: a batch of 10,000 well-formed passings is read in a fraction of the time."""
    if not item.keys() <= _KNOWN_FIELDS:
        return None
    data: dict[str, Any] = {}
    for name, limit in _FIELD_LENGTHS.items():
        value = item.get(name)
        if value is not None and not (isinstance(value, str) and 1 <= len(value) <= limit):
            return None
        data[name] = value
    for name in _INTEGER_FIELDS:
        value = item.get(name)
        if value is not None and (
            type(value) is not int or (name != "rssi" and value < 0) or integer_problem(value)
        ):
            return None
        data[name] = value
    is_gun = item.get("is_gun", False)
    raw_time = item.get("timestamp")
    if (
        data["read_id"] is None
        or type(is_gun) is not bool
        or not isinstance(raw_time, str)
        or not PLAIN_TIMESTAMP_FORM.fullmatch(raw_time)
        or not (is_gun or data["chip"] or data["bib"])
    ):
        return None
    try:
        data["timestamp"] = datetime.fromisoformat(raw_time)
    except ValueError:
        return None
    if moment_problem(data["timestamp"]):
        return None
    data["is_gun"] = is_gun
    return data


def _decode_items(text: str, max_items: int) -> list[tuple[int, Any]]:
    """The array's items with the line each starts on; malformed JSON names line and column."""
    decoder = json_decoder(object_pairs_hook=_object_without_duplicate_keys)
    position = _skip_blanks(text, 0)
    if position >= len(text) or text[position] != "[":
        raise fail(FORMAT_LABEL, _line_at(text, position), None, "expected a JSON array")
    position = _skip_blanks(text, position + 1)
    items: list[tuple[int, Any]] = []
    if position < len(text) and text[position] == "]":
        raise fail(FORMAT_LABEL, _line_at(text, position), None, "batch has no passings")
    line, counted_to = _line_at(text, position), position
    while True:
        # count newlines only since the previous item: linear in the payload, not quadratic
        line += text.count("\n", counted_to, position)
        counted_to = position
        try:
            item, position = decode_json_value(decoder, text, position)
        except json.JSONDecodeError as exc:
            raise fail(
                FORMAT_LABEL, exc.lineno, None, f"malformed JSON: {exc.msg} (column {exc.colno})"
            ) from None
        except InputError as exc:
            raise fail(FORMAT_LABEL, line, exc.where or None, exc.problem) from None
        except ValueError as exc:
            raise fail(FORMAT_LABEL, line, None, f"malformed JSON: {exc}") from None
        items.append((line, item))
        if len(items) > max_items:
            raise fail(FORMAT_LABEL, line, None, f"more than {max_items} passings in one batch")
        position = _skip_blanks(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_blanks(text, position + 1)
            continue
        if position < len(text) and text[position] == "]":
            break
        raise fail(
            FORMAT_LABEL, _line_at(text, position), None, "malformed JSON: expected ',' or ']'"
        )
    if _skip_blanks(text, position + 1) != len(text):
        raise fail(
            FORMAT_LABEL,
            _line_at(text, position + 1),
            None,
            "malformed JSON: extra data after the array",
        )
    return items


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate member '{key}'")
        result[key] = value
    return result


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _flatten(messages: Any, field: str | None = None) -> list[tuple[str | None, str]]:
    """marshmallow's nested error messages as (field, problem) pairs."""
    if isinstance(messages, dict):
        pairs: list[tuple[str | None, str]] = []
        for key, value in messages.items():
            name = None if key == "_schema" else str(key)
            pairs.extend(_flatten(value, name if field is None else f"{field}.{name}"))
        return pairs
    if isinstance(messages, list):
        return [pair for message in messages for pair in _flatten(message, field)]
    return [(field, str(messages))]
