"""What every value from outside must be before anything else reads it.

A request body, a query argument, a device payload or a file can come from anyone on the
venue network. Whatever the endpoint, the same limits hold, checked here once:

- JSON nests at most :data:`MAX_JSON_DEPTH` levels, has finite numbers of at most
  :data:`MAX_NUMBER_DIGITS` digits, and no NUL character in any string or member name;
- text carries no NUL character (PostgreSQL cannot store one);
- integers fit PostgreSQL's ``integer`` (every id, mark and count is one);
- dates lie between :data:`EARLIEST_DAY` and :data:`LATEST_DAY`, and UTC offsets within
  ±15:59 (PostgreSQL's limit; Python would accept up to ±23:59).

A breach raises :class:`InputError`, a ``ValueError`` naming where and what (so JSON readers
that expect a ``ValueError``, Flask's among them, answer 400). :class:`StrictSchema` is the
base of every load schema: it applies the integer and date limits to its fields.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from marshmallow import RAISE, Schema, fields, validate
from marshmallow import ValidationError as SchemaError

MAX_JSON_DEPTH = 32
MAX_NUMBER_DIGITS = 40
INTEGER_MIN = -(2**31)
INTEGER_MAX = 2**31 - 1
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)
NUL = "\x00"


class InputError(ValueError):
    """A value from outside breaks one of the limits; ``where`` names it ("" for the whole)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where = where
        self.problem = problem


# -- JSON --------------------------------------------------------------------------------------
def _number(text: str) -> str:
    if sum(c.isdigit() for c in text) > MAX_NUMBER_DIGITS:
        raise InputError("", f"a number has more than {MAX_NUMBER_DIGITS} digits")
    return text


def _parse_int(text: str) -> int:
    return int(_number(text))


def _parse_float(text: str) -> float:
    value = float(_number(text))
    if value in (float("inf"), float("-inf")):
        raise InputError("", f"the number {text} is out of range")
    return value


def _parse_constant(name: str) -> Any:
    raise InputError("", f"{name} is not a JSON number")


def json_decoder(**hooks: Any) -> json.JSONDecoder:
    """A decoder refusing ``NaN``/``Infinity``, overlong and infinite numbers."""
    return json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float,
                            parse_constant=_parse_constant, **hooks)


_DECODER = json_decoder()


def decode_json_value(decoder: json.JSONDecoder, text: str, position: int = 0) -> tuple[Any, int]:
    """``decoder.raw_decode`` of one value, then :func:`check_json`; InputError beyond limits.

    Python's decoder recurses once per level: a body nested a hundred thousand deep ends in a
    RecursionError, which is this limit too.
    """
    try:
        value, end = decoder.raw_decode(text, position)
    except RecursionError:
        raise InputError("", f"the JSON nests deeper than {MAX_JSON_DEPTH} levels") from None
    check_json(value)
    return value, end


def load_json(raw: str | bytes, **hooks: Any) -> Any:
    """One JSON document within the limits; ``ValueError`` (often :class:`InputError`) else.

    ``hooks`` (``object_hook``…) go to the decoder, as with :func:`json.loads`.
    """
    text = raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw
    start = len(text) - len(text.lstrip())
    value, end = decode_json_value(json_decoder(**hooks) if hooks else _DECODER, text, start)
    if text[end:].strip():
        raise InputError("", f"extra data after the JSON value (character {end + 1})")
    return value


def check_json(document: Any) -> None:
    """Depth and NUL limits of a decoded JSON value (walked without recursion)."""
    stack: list[tuple[Any, str, int]] = [(document, "", 1)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, where)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise InputError(where, f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                check_text(key, f"{where}.{key!r}" if where else "a member name")
                stack.append((item, f"{where}.{key}" if where else key, depth + 1))
        else:
            stack.extend((item, f"{where}[{index}]", depth + 1)
                         for index, item in enumerate(value))


# -- single values -----------------------------------------------------------------------------
def check_text(value: str, where: str) -> None:
    if NUL in value:
        raise InputError(where, "contains a NUL character")


def whole_number(text: str) -> int | None:
    """``text`` as an int when it is ASCII digits only and fits ``integer``; None otherwise.

    ``str.isdigit`` alone would let ``"²"`` through to ``int()`` (a ValueError), and a long
    run of digits through to the database (out of range).
    """
    if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(INTEGER_MAX)):
        return None
    value = int(text)
    return value if value <= INTEGER_MAX else None


def integer_problem(value: int) -> str | None:
    if INTEGER_MIN <= value <= INTEGER_MAX:
        return None
    return f"must be between {INTEGER_MIN} and {INTEGER_MAX}"


def day_problem(value: date) -> str | None:
    if EARLIEST_DAY <= (value.date() if isinstance(value, datetime) else value) <= LATEST_DAY:
        return None
    return f"must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"


def moment_problem(value: datetime) -> str | None:
    """Out of the date range, or a UTC offset beyond ±15:59 (None when fine)."""
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return "the UTC offset must be within ±15:59"
    return day_problem(value)


def check_integer(value: int, where: str) -> int:
    problem = integer_problem(value)
    if problem:
        raise InputError(where, problem)
    return value


# -- schemas -----------------------------------------------------------------------------------
def _validator(problem_of: Any) -> Any:
    def check(value: Any) -> None:
        problem = problem_of(value)
        if problem:
            raise SchemaError(problem[0].upper() + problem[1:] + ".")

    return check


INTEGER_RANGE = validate.Range(min=INTEGER_MIN, max=INTEGER_MAX)
_LIMITS: tuple[tuple[type[fields.Field], Any], ...] = (
    (fields.Integer, INTEGER_RANGE),
    (fields.DateTime, _validator(moment_problem)),
    (fields.Date, _validator(day_problem)),
)


class StrictSchema(Schema):
    """The base of load schemas: unknown fields refused, integers and dates within limits."""

    class Meta:
        unknown = RAISE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        for kind, limit in _LIMITS:
            # a field object may be bound more than once (filters share theirs): add it once
            if isinstance(field_obj, kind) and limit not in field_obj.validators:
                field_obj.validators.append(limit)
