"""MYLAPS Timing & Scoring TCP protocol v2: ``@Passing@`` and ``@Marker@`` messages.

A message is ``Location@Kind@record@record@…@msgNo@$``; each record is ``key=value`` pairs
joined by ``|``. Passing keys used: ``t`` time hh:mm:ss.kkk, ``c`` chip, ``b`` bib, ``d`` date
YYMMDD (else :attr:`ParseOptions.day`), ``dv`` device, ``an`` antenna (a BibTag reports an
8-digit antenna bit mask there: then ``ans``, the strongest antenna, is used), ``h`` hits,
``am`` amplitude. A ``Marker`` record with ``mt=gun`` (or ``ext-gun``, ``ext-1``, ``ext-2``,
the external gun inputs) is a gun passing; other markers (``mark``, ``loc``) carry no time
for results and are skipped. Marker times may also be ``YYYY-MM-DD hh:mm:ss.kkk``.

The protocol has no per-passing id, so the read id is built from what identifies the read:
``location|device|chip|date|time``. The host must acknowledge each message, or the device
sends it again: :func:`acknowledgements` gives ``Name@AckPassing@msgNo@$`` per passing
message (``Name@AckMarker@msgNo@$`` for marker messages, as open-source hosts answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from athsys.inputs import whole_number
from athsys.timing.passing import (
    ErrorCollector,
    ParseOptions,
    Passing,
    check_duplicate_read_ids,
    check_window,
    decode_body,
    local_moment,
    numbered_lines,
    parse_clock_ms,
)

FORMAT_LABEL = "MYLAPS"
PASSING = "Passing"
MARKER = "Marker"
GUN_MARKER_TYPES = frozenset({"gun", "ext-gun", "ext-1", "ext-2"})
_MESSAGE = re.compile(r"[^$]*\$")
_BIT_MASK = re.compile(r"^[01]{8}$")


@dataclass(frozen=True)
class MylapsMessage:
    """The envelope of one message: ``location@kind@records…@number@$``."""

    location: str
    kind: str
    number: str  # as the device wrote it (some write a leading space): the ack echoes it
    records: tuple[str, ...]
    line: int


def split_messages(body: str | bytes, max_lines: int) -> list[MylapsMessage]:
    """The messages of a payload; a malformed envelope raises naming its line."""
    text = decode_body(body, FORMAT_LABEL)
    numbered_lines(text, max_lines, FORMAT_LABEL)  # the line count and length limits
    errors = ErrorCollector(FORMAT_LABEL)
    messages: list[MylapsMessage] = []
    end = 0
    for match in _MESSAGE.finditer(text):
        end = match.end()
        raw = match.group()[:-1]
        stripped = raw.strip()
        leading = len(raw) - len(raw.lstrip())
        line = text.count("\n", 0, match.start() + leading) + 1
        parts = stripped.split("@")
        if parts and parts[-1] == "":
            parts.pop()
        if len(parts) < 3:
            errors.add(line, None, "expected 'Location@Kind@…@msgNo@$'")
            continue
        location, kind, *records, number = parts
        if not number.strip().isdigit():
            errors.add(line, "message_number", f"'{number}' is not a message number")
            continue
        messages.append(MylapsMessage(location, kind, number, tuple(records), line))
    rest = text[end:]
    if rest.strip():
        start = end + len(rest) - len(rest.lstrip())
        errors.add(text.count("\n", 0, start) + 1, None, "message not terminated by '$'")
    if not messages and not errors:
        errors.add(None, None, "payload is empty")
    errors.raise_if_any()
    return messages


def acknowledgements(body: str | bytes, server_name: str) -> list[str]:
    """What the host answers for each message of the payload, in order."""
    return [
        f"{server_name}@{'AckMarker' if message.kind == MARKER else 'AckPassing'}"
        f"@{message.number}@$"
        for message in split_messages(body, max_lines=ParseOptions().max_lines)
    ]


def parse_mylaps(body: str | bytes, options: ParseOptions | None = None) -> list[Passing]:
    """All passings (and gun markers) of a MYLAPS payload, or one ValidationError."""
    options = options or ParseOptions()
    errors = ErrorCollector(FORMAT_LABEL)
    passings: list[Passing] = []
    for message in split_messages(body, options.max_lines):
        if message.kind not in (PASSING, MARKER):
            errors.add(message.line, "kind", f"unsupported message '{message.kind}'")
            continue
        if not message.records:
            errors.add(message.line, None, f"{message.kind} message without records")
        for index, record in enumerate(message.records, start=1):
            passing = _parse_record(message, index, record, options, errors)
            if passing is not None:
                passings.append(passing)
    check_duplicate_read_ids(passings, errors)
    errors.raise_if_any()
    return passings


def _parse_record(
    message: MylapsMessage,
    index: int,
    record: str,
    options: ParseOptions,
    errors: ErrorCollector,
) -> Passing | None:
    line = message.line
    where = f"record {index}"
    values: dict[str, str] = {}
    for pair in record.split("|"):
        key, separator, value = pair.partition("=")
        if not separator or not key:
            errors.add(line, where, f"'{pair}' is not key=value")
            return None
        values[key] = value
    is_marker = message.kind == MARKER
    if is_marker and values.get("mt") not in GUN_MARKER_TYPES:
        return None
    before = len(errors.errors)
    chip, bib = values.get("c") or None, values.get("b") or None
    if not is_marker and chip is None and bib is None:
        errors.add(line, f"{where} c", "a passing needs a chip (c=) or a bib (b=)")
    day, ms_of_day = _moment(values, options, line, where, errors)
    antenna = _antenna(values, line, where, errors)
    hits = _optional_int(values.get("h"), line, f"{where} h", errors)
    rssi = _optional_int(values.get("am"), line, f"{where} am", errors)
    if len(errors.errors) > before or day is None or ms_of_day is None:
        return None
    timestamp = local_moment(day, ms_of_day, options.tz)
    check_window(timestamp, options, errors, line, f"{where} t")
    device = values.get("dv", "")
    identity = f"marker:{values.get('n', '')}" if is_marker else (chip or f"bib:{bib}")
    return Passing(
        read_id=f"{message.location}|{device}|{identity}|{day.isoformat()}|{values['t']}",
        timestamp=timestamp,
        chip=None if is_marker else chip,
        bib=None if is_marker else bib,
        timing_point=message.location or None,
        reader=device or None,
        antenna=antenna,
        hits=hits,
        rssi=rssi,
        is_gun=is_marker,
        line=line,
    )


def _moment(
    values: dict[str, str], options: ParseOptions, line: int, where: str, errors: ErrorCollector
) -> tuple[date | None, int | None]:
    raw = values.get("t")
    if not raw:
        errors.add(line, f"{where} t", "missing time")
        return None, None
    day_part, _, clock = raw.rpartition(" ")
    try:
        ms_of_day = parse_clock_ms(clock)
    except ValueError as exc:
        errors.add(line, f"{where} t", str(exc))
        ms_of_day = None
    day: date | None = None
    if day_part:
        try:
            day = date.fromisoformat(day_part)
        except ValueError:
            errors.add(line, f"{where} t", f"'{day_part}' is not a date YYYY-MM-DD")
    elif "d" in values:
        day = _yymmdd(values["d"], line, f"{where} d", errors)
    elif options.day is not None:
        day = options.day
    else:
        errors.add(line, f"{where} d", "no date in the record and none given")
    return day, ms_of_day


def _yymmdd(value: str, line: int, field: str, errors: ErrorCollector) -> date | None:
    if len(value) == 6 and value.isdigit():
        try:
            return date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
        except ValueError:
            pass
    errors.add(line, field, f"'{value}' is not a date YYMMDD")
    return None


def _antenna(values: dict[str, str], line: int, where: str, errors: ErrorCollector) -> int | None:
    raw = values.get("an")
    if raw and _BIT_MASK.match(raw):
        return _optional_int(values.get("ans"), line, f"{where} ans", errors)
    return _optional_int(raw, line, f"{where} an", errors)


def _optional_int(value: str | None, line: int, field: str, errors: ErrorCollector) -> int | None:
    if not value:
        return None
    number = whole_number(value.removeprefix("-"))
    if number is None:
        errors.add(line, field, f"'{value}' is not a whole number")
        return None
    return -number if value.startswith("-") else number
