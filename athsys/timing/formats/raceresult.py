"""RACE RESULT decoder passings (System/Ubidium TCP protocol, port 3601), one per line.

Field order (``;``-separated)::

    PassingNo; Bib/Transponder; Date yyyy-MM-dd; Time hh:mm:ss.kkk; EventID; Hits; MaxRSSI;
    InternalData; IsActive; Channel; LoopID; LoopOnly; WakeupCounter; Battery; Temperature;
    InternalActiveData; BoxName; FileNumber; MaxRSSIAntenna; BoxId

Pushed passings carry a ``#P;`` prefix, requested ones start with the number. Older firmware
sends fewer trailing fields, so only the first four are required. ``Hits`` and ``MaxRSSI`` are
hexadecimal (as the open-source metarace reader decodes them); ``rssi`` keeps the raw value.
The passing number restarts with every decoder file, so the read id is
``FileNumber:PassingNo`` (just ``PassingNo`` when the file number is absent). An active-loop
``LoopID`` becomes the timing point; the box name is the reader.
"""

from __future__ import annotations

from datetime import date

from athsys.inputs import integer_problem, whole_number
from athsys.timing.passing import (
    ErrorCollector,
    ParseOptions,
    Passing,
    check_window,
    local_moment,
    parse_clock_ms,
    parse_line_format,
)

FORMAT_LABEL = "RACE RESULT"
PUSH_PREFIX = "#P"
FIELDS = (
    "passing_no",
    "transponder",
    "date",
    "time",
    "event_id",
    "hits",
    "max_rssi",
    "internal_data",
    "is_active",
    "channel",
    "loop_id",
    "loop_only",
    "wakeup_counter",
    "battery",
    "temperature",
    "internal_active_data",
    "box_name",
    "file_number",
    "max_rssi_antenna",
    "box_id",
)
_REQUIRED = 4


def parse_raceresult(body: str | bytes, options: ParseOptions | None = None) -> list[Passing]:
    """All passings of a RACE RESULT payload, or one ValidationError listing every bad line."""
    return parse_line_format(body, options, FORMAT_LABEL, _parse_line)


def _parse_line(
    number: int, line: str, options: ParseOptions, errors: ErrorCollector
) -> Passing | None:
    values = [value.strip() for value in line.split(";")]
    if values[0] == PUSH_PREFIX:
        values = values[1:]
    if not _REQUIRED <= len(values) <= len(FIELDS):
        errors.add(
            number,
            None,
            f"expected {_REQUIRED} to {len(FIELDS)} ';'-separated fields, got {len(values)}",
        )
        return None
    field = dict(zip(FIELDS, values, strict=False))
    before = len(errors.errors)

    if whole_number(field["passing_no"]) is None:
        errors.add(number, "passing_no", f"'{field['passing_no']}' is not a passing number")
    if not field["transponder"]:
        errors.add(number, "transponder", "missing")
    try:
        day = date.fromisoformat(field["date"])
    except ValueError:
        errors.add(number, "date", f"'{field['date']}' is not a date yyyy-MM-dd")
        day = None
    try:
        ms_of_day = parse_clock_ms(field["time"])
    except ValueError as exc:
        errors.add(number, "time", str(exc))
        ms_of_day = None
    hits = _optional_int(field.get("hits", ""), 16, number, "hits", errors)
    rssi = _optional_int(field.get("max_rssi", ""), 16, number, "max_rssi", errors)
    antenna = _optional_int(
        field.get("max_rssi_antenna", ""), 10, number, "max_rssi_antenna", errors
    )
    if len(errors.errors) > before or day is None or ms_of_day is None:
        return None

    timestamp = local_moment(day, ms_of_day, options.tz)
    check_window(timestamp, options, errors, number, "time")
    file_number = field.get("file_number", "")
    read_id = f"{file_number}:{field['passing_no']}" if file_number else field["passing_no"]
    return Passing(
        read_id=read_id,
        timestamp=timestamp,
        chip=field["transponder"],
        timing_point=field.get("loop_id") or None,
        reader=field.get("box_name") or field.get("box_id") or None,
        antenna=antenna,
        hits=hits,
        rssi=rssi,
        line=number,
    )


def _optional_int(
    value: str, base: int, number: int, name: str, errors: ErrorCollector
) -> int | None:
    if not value:
        return None
    kind = "hexadecimal" if base == 16 else "whole"
    try:
        result = int(value, base)
    except ValueError:
        errors.add(number, name, f"'{value}' is not a {kind} number")
        return None
    if problem := integer_problem(result):
        errors.add(number, name, f"'{value}': {problem}")
        return None
    return result
