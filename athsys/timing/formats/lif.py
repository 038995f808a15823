"""FinishLynx ``.lif`` result files: one heat, a header line then one line per competitor.

Header: ``event, round, heat, name, wind, wind unit, template, ?, ?, distance, start time``.
Result: ``place|DNS|DNF|DQ, id, lane, last, first, affiliation, time, licence, delta,
reaction time, splits…, time-trial start, user1, user2, user3``. Comma-separated, quoted when
a field holds a comma (read with :mod:`csv`). A ``DQ`` may carry the rule after the code
(``DQ R163.3a``). Split columns are the ones between reaction time and the last four columns,
so only rows of 15 or more fields carry splits.

Times are integers from the moment they are read: ``10.43`` → 10430 ms, ``10.428`` → 10428,
``1:45.123`` → 105123. Wind is kept in signed tenths of m/s (``+1.2`` → 12; ``NWI`` or blank →
None). The start time of day is milliseconds since midnight.

Thousandths: many files print the time column in hundredths (already rounded up) and the
delta column in thousandths, the delta being the gap to the winner in some files and to the
previous finisher in others. :func:`reconstruct_thousandths` recovers the times to 1/1000 so
ties can be broken: with the winner's unknown true time ``w``, finisher *i* finished at
``w + D_i`` where ``D_i`` is the delta (gap to winner) or the running sum of deltas (gap to
previous). Each published time ``T_i`` was rounded up, so ``T_i - 9 <= w + D_i <= T_i``;
a convention is consistent when some ``w`` satisfies every finisher (and, for gaps to the
winner, the deltas never decrease). The winner convention is tried first, then the
previous-finisher one; ``w`` is the latest consistent value (every value in the range
reproduces the published hundredths; the latest never makes anyone faster than the file
proves). When neither fits, or a delta is missing, no thousandths are invented.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from itertools import accumulate

from athsys.errors import ValidationError
from athsys.inputs import integer_problem, whole_number
from athsys.timing.formats.lynx_export import parse_evt
from athsys.timing.passing import (
    DEFAULT_MAX_LINES,
    ErrorCollector,
    decode_body,
    fail,
    numbered_lines,
)

FORMAT_LABEL = "FinishLynx LIF"
OK = "OK"
DNS = "DNS"
DNF = "DNF"
DQ = "DQ"
NM = "NM"
STATUS_CODES = (DNS, DNF, DQ, NM)
#: Codes the Lynx templates of other languages write, as ours: French ``AB`` (abandon) and
#: ``NP`` (non partant), Italian ``NP`` (non partito) and ``NA`` (non arrivato), ``DSQ``.
STATUS_ALIASES = {"AB": DNF, "NP": DNS, "NA": DNF, "DSQ": DQ}
DELTA_TO_WINNER = "winner"
DELTA_TO_PREVIOUS = "previous"
NO_WIND_INFORMATION = "NWI"
MAX_WIND_TENTHS = 999
_SPLIT_START = 10
_TRAILING_COLUMNS = 4
_MIN_FIELDS_WITH_SPLITS = _SPLIT_START + _TRAILING_COLUMNS + 1
_RACE_TIME = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+)(?:\.(\d{1,3}))?$")
_START_TIME = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?$")
_DQ_WITH_RULE = re.compile(r"^DQ\b[\s:\-]*(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class LifHeat:
    event: int
    round: int
    heat: int
    name: str
    wind_tenths: int | None
    wind_unit: str | None
    distance: str | None
    start_ms: int | None
    delta_convention: str | None
    line: int


@dataclass(frozen=True)
class LifResult:
    """One competitor line. ``time_ms`` is the time column as published; ``precise_time_ms``
    is a placed finisher's time to 1/1000 (the time column when it has thousandths, else
    reconstructed from the deltas, else None)."""

    line: int
    place: int | None
    status: str
    dq_rule: str | None
    bib: str | None
    lane: int | None
    last_name: str
    first_name: str
    affiliation: str
    time_ms: int | None
    time_digits: int
    precise_time_ms: int | None
    licence: str | None
    delta_ms: int | None
    delta_digits: int
    reaction_ms: int | None
    splits_ms: tuple[int, ...]


@dataclass(frozen=True)
class LifFile:
    heat: LifHeat
    results: tuple[LifResult, ...]


def parse_race_time(value: str) -> tuple[int, int]:
    """``[[h:]m:]s[.f]`` → (milliseconds, number of fraction digits); ValueError otherwise."""
    match = _RACE_TIME.match(value)
    if not match:
        raise ValueError(f"'{value}' is not a time")
    hours, minutes, seconds = (int(match.group(i) or 0) for i in (1, 2, 3))
    if (match.group(2) is not None and seconds > 59) or (match.group(1) and minutes > 59):
        raise ValueError(f"'{value}' is not a valid time")
    fraction = match.group(4) or ""
    milliseconds = int(fraction.ljust(3, "0")) if fraction else 0
    total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + milliseconds
    if integer_problem(total):
        raise ValueError(f"'{value}' is longer than any race")
    return total, len(fraction)


def parse_lif(body: str | bytes, *, max_lines: int = DEFAULT_MAX_LINES) -> LifFile:
    """The heat and its results, or one ValidationError listing every bad line."""
    text = decode_body(body, FORMAT_LABEL)
    errors = ErrorCollector(FORMAT_LABEL)
    rows = [
        (number, [value.strip() for value in next(csv.reader([line], skipinitialspace=True))])
        for number, line in numbered_lines(text, max_lines, FORMAT_LABEL)
    ]
    rows = [(number, values) for number, values in rows if any(values)]
    if not rows:
        raise fail(FORMAT_LABEL, None, None, "file holds no header and no results")
    if _is_start_list(rows, body, max_lines):
        raise fail(
            FORMAT_LABEL, rows[1][0], None,
            "this is a lynx.evt start list (event lines, then competitor lines with no time), "
            "not a result file: results come in the .lif file FinishLynx writes after the race",
        )
    header_line, header_values = rows[0]
    if not _looks_like_header(header_values):
        raise fail(
            FORMAT_LABEL,
            header_line,
            None,
            "missing header: the first line must be 'event,round,heat,name,wind,…'",
        )
    heat = _parse_header(header_line, header_values, errors)
    results = [
        result
        for number, values in rows[1:]
        if (result := _parse_result(number, values, errors)) is not None
    ]
    if errors or heat is None:
        raise errors.error()
    convention, precise = reconstruct_thousandths(results)
    return LifFile(
        heat=replace(heat, delta_convention=convention),
        results=tuple(
            replace(result, precise_time_ms=precise.get(result.line)) for result in results
        ),
    )


def reconstruct_thousandths(results: list[LifResult]) -> tuple[str | None, dict[int, int]]:
    """(delta convention used, precise time per result line) — see the module docstring."""
    finishers = sorted(
        (r for r in results if r.status == OK and r.place is not None and r.time_ms is not None),
        key=lambda r: (r.place, r.line),
    )
    if not finishers:
        return None, {}
    if all(r.precise_time_ms is not None for r in finishers):
        return None, {r.line: r.time_ms for r in finishers if r.time_ms is not None}
    followers = finishers[1:]
    if finishers[0].delta_ms not in (None, 0) or any(
        r.delta_ms is None or r.delta_digits != 3 for r in followers
    ):
        return None, {}
    deltas = [0] + [r.delta_ms for r in followers if r.delta_ms is not None]
    running = list(accumulate(deltas))
    candidates = (
        (DELTA_TO_WINNER, deltas, all(a <= b for a, b in zip(deltas, deltas[1:], strict=False))),
        (DELTA_TO_PREVIOUS, running, all(gap >= 0 for gap in deltas)),
    )
    # A time published with n fraction digits was rounded up: t in (T - 10**(3-n), T].
    bounds = [
        (r.time_ms - 10 ** (3 - r.time_digits) + 1, r.time_ms)
        for r in finishers
        if r.time_ms is not None
    ]
    for convention, offsets, plausible in candidates:
        earliest = max(low - d for (low, _), d in zip(bounds, offsets, strict=True))
        latest = min(high - d for (_, high), d in zip(bounds, offsets, strict=True))
        if plausible and earliest <= latest:
            return convention, {
                r.line: latest + d for r, d in zip(finishers, offsets, strict=True)
            }
    return None, {}


def _looks_like_header(values: list[str]) -> bool:
    """A header starts with three numbers and has no race time where results have theirs."""
    if len(values) < 4 or any(whole_number(v) is None for v in values[:3]):
        return False
    if len(values) > 6 and values[6]:
        try:
            parse_race_time(values[6])
        except ValueError:
            return True
        return False
    return True


def _parse_header(number: int, values: list[str], errors: ErrorCollector) -> LifHeat | None:
    event, round_, heat, name, wind, wind_unit, _, _, _, distance, start = _padded(values, 11)
    before = len(errors.errors)
    wind_tenths = _wind(wind, number, errors)
    start_ms = _start_time(start, number, errors)
    if len(errors.errors) > before:
        return None
    return LifHeat(
        event=int(event),  # whole numbers: _looks_like_header checked them
        round=int(round_),
        heat=int(heat),
        name=name,
        wind_tenths=wind_tenths,
        wind_unit=wind_unit or None,
        distance=distance or None,
        start_ms=start_ms,
        delta_convention=None,
        line=number,
    )


def _parse_result(number: int, values: list[str], errors: ErrorCollector) -> LifResult | None:
    place_code, bib, lane_raw, last, first, affiliation, time, licence, delta, reaction = (
        _padded(values, 10)
    )
    before = len(errors.errors)
    place, status, dq_rule = _place(place_code, time, number, errors)
    lane = whole_number(lane_raw)
    if lane is None and lane_raw:
        errors.add(number, "lane", f"'{lane_raw}' is not a lane number")
    time_ms, time_digits = _time(time, status, number, errors)
    if status == OK and place is not None and not time:
        errors.add(number, "time", f"place {place} without a time")
    delta_ms, delta_digits = _optional_time(delta.lstrip("+"), number, "delta", errors)
    reaction_ms, _ = _optional_time(reaction, number, "reaction_time", errors)
    splits: list[int] = []
    if len(values) >= _MIN_FIELDS_WITH_SPLITS:
        for index, raw in enumerate(values[_SPLIT_START:-_TRAILING_COLUMNS], start=1):
            split_ms, _ = _optional_time(raw, number, f"split {index}", errors)
            if split_ms is not None:
                splits.append(split_ms)
    if len(errors.errors) > before:
        return None
    return LifResult(
        line=number,
        place=place,
        status=status,
        dq_rule=dq_rule,
        bib=bib or None,
        lane=lane,
        last_name=last,
        first_name=first,
        affiliation=affiliation,
        time_ms=time_ms,
        time_digits=time_digits,
        precise_time_ms=time_ms if time_digits == 3 else None,
        licence=licence or None,
        delta_ms=delta_ms,
        delta_digits=delta_digits,
        reaction_ms=reaction_ms,
        splits_ms=tuple(splits),
    )


def _padded(values: list[str], count: int) -> list[str]:
    """The first ``count`` columns, blank where the line stops early."""
    return (values + [""] * count)[:count]


def _status(value: str) -> tuple[str, str | None] | None:
    """(status, DQ rule) of a status code in any of the forms files use; None if it is none."""
    upper = value.strip().upper()
    if upper in (DNS, DNF, NM):
        return upper, None
    if upper in STATUS_ALIASES:
        return STATUS_ALIASES[upper], None
    dq = _DQ_WITH_RULE.match(value.strip())
    if dq:
        return DQ, dq.group(1).strip() or None
    return None


def _place(value: str, time: str, number: int,
           errors: ErrorCollector) -> tuple[int | None, str, str | None]:
    """The place, or the status written in the place column or, with the place blank, in
    the time column."""
    place = whole_number(value)
    if place:
        return place, OK, None
    found = _status(value) or (None if value else _status(time))
    if found is not None:
        return None, *found
    errors.add(
        number, "place", f"unknown place code '{value}' (a place, {', '.join(STATUS_CODES)}, "
        f"or a status in the time column)"
    )
    return None, OK, None


def _time(
    value: str, status: str, number: int, errors: ErrorCollector
) -> tuple[int | None, int]:
    if status != OK and _status(value) is not None:
        return None, 0
    return _optional_time(value, number, "time", errors)


def _optional_time(
    value: str, number: int, field: str, errors: ErrorCollector
) -> tuple[int | None, int]:
    if not value:
        return None, 0
    try:
        return parse_race_time(value)
    except ValueError as exc:
        errors.add(number, field, f"{exc}: expected seconds like 10.43, 10.428 or 1:45.123")
        return None, 0


def _wind(value: str, number: int, errors: ErrorCollector) -> int | None:
    if not value or value.upper() == NO_WIND_INFORMATION:
        return None
    try:
        tenths = Decimal(value) * 10
    except InvalidOperation:
        errors.add(number, "wind", f"'{value}' is not a wind reading like +1.2")
        return None
    if not tenths.is_finite() or abs(tenths) > MAX_WIND_TENTHS:
        errors.add(number, "wind", f"'{value}' is not a wind reading (at most ±99.9 m/s)")
        return None
    if tenths != tenths.to_integral_value():
        errors.add(number, "wind", f"'{value}' is not a wind reading to 0.1 m/s")
        return None
    return int(tenths)


def _start_time(value: str, number: int, errors: ErrorCollector) -> int | None:
    if not value:
        return None
    match = _START_TIME.match(value)
    hours, minutes, seconds = (int(match.group(i)) for i in (1, 2, 3)) if match else (99, 0, 0)
    if not match or hours > 23 or minutes > 59 or seconds > 59:
        errors.add(number, "start_time", f"'{value}' is not a time of day hh:mm:ss.ffff")
        return None
    fraction = (match.group(4) or "")[:3].ljust(3, "0")
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + int(fraction)


def _is_start_list(rows: list[tuple[int, list[str]]], body: str | bytes, max_lines: int) -> bool:
    """A ``lynx.evt`` sent where results are expected: after its first event line come
    competitor lines (an empty first field) and no line has a time (a result file's seventh
    field), and it reads as a start list."""
    after = [values for _, values in rows[1:]]
    if not any(not values[0] for values in after):
        return False
    if any(len(values) > 6 and values[6] for values in after):
        return False
    try:
        parse_evt(body, max_lines=max_lines)
    except ValidationError:
        return False
    return True
