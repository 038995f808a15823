"""FinishLynx ``.lif`` result files: one heat, a header line then one line per competitor.

Header: ``event, round, heat, name, wind, wind unit, template, ?, ?, distance, start time``.
Result: ``place|DNS|DNF|DQ, id, lane, last, first, affiliation, time, licence, delta,
reaction time, splits…, time-trial start, user1, user2, user3`` and, in files written with
every field, ``delta 2, delta 3, speed, pace`` (FinishLynx online manual, "Database Files").
Comma-separated, quoted when a field holds a comma (read with :mod:`csv`). A ``DQ`` may carry
the rule after the code (``DQ R163.3a``). FinishLynx can also stop each line after a chosen
field (time, licence, delta, reaction time or splits), and other writers add empty trailing
fields, so nothing is counted from the end of a line.

Splits and user fields are found from the left. The split columns start at the eleventh
field; how many there are is the same for every line and is read from the data: the splits
run until the first column in which some line holds something that is no split of that line,
a split being a race time no later than the line's own time (for a line without one, than
the longest time of the file) and no earlier than the line's previous split. When that
column holds a later time, it is the time-trial start (FinishLynx writes the heat's start
time of day there, e.g. ``15:19:53.38``), so the splits end just before it, blank split
columns included (a real file holds one empty split column for a race without splits).
When it holds text or an earlier time, or the lines end first, the blank columns after the
last split value are not splits: the first of them is the (blank) time-trial start. User 1-3
follow the time-trial start; anything after them is not read. A file whose time-trial start
and user fields are all blank, with a race time in a later column (FinishLynx's delta 2),
may have its user fields misplaced; its splits are still right.

Times are integers from the moment they are read: ``10.43`` → 10430 ms, ``10.428`` → 10428,
``1:45.123`` → 105123. Wind is kept in signed tenths of m/s (``+1.2`` → 12; ``NWI`` or blank →
None). The start time of day is milliseconds since midnight.

Thousandths: many files print the time column in hundredths (already rounded up) and the
delta column in thousandths, the delta being the gap to the winner in some files and to the
previous finisher in others; the winner's own delta is blank, zero or the winner's full
time (written to 1/1000 it is the winner's true time and pins ``w`` below).
:func:`reconstruct_thousandths` recovers the times to 1/1000 so
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
SPLIT_START = 10
"""Index of the first split column (the eleventh field, after reaction time)."""
USER_FIELDS = 3
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
    user_fields: tuple[str, ...] = ()


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
    parsed = [
        (result, values)
        for number, values in rows[1:]
        if (result := _parse_result(number, values, errors)) is not None
    ]
    if errors or heat is None:
        raise errors.error()
    results = _with_splits_and_user_fields(parsed)
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
    usable, winner_exact = _winner_delta(finishers[0])
    if not usable or any(r.delta_ms is None or r.delta_digits != 3 for r in followers):
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
    if winner_exact is not None:  # the winner's delta is the winner's time to 1/1000
        bounds[0] = (winner_exact, winner_exact)
    for convention, offsets, plausible in candidates:
        earliest = max(low - d for (low, _), d in zip(bounds, offsets, strict=True))
        latest = min(high - d for (_, high), d in zip(bounds, offsets, strict=True))
        if plausible and earliest <= latest:
            return convention, {
                r.line: latest + d for r, d in zip(finishers, offsets, strict=True)
            }
    return None, {}


@dataclass
class _SplitScan:
    """One line while its split columns are scanned: the latest its splits may be, its
    splits so far as (column, ms)."""

    limit: int | None
    values: list[str]
    splits: list[tuple[int, int]]


def _split_columns(rows: list[tuple[LifResult, list[str]]]) -> tuple[int, list[_SplitScan]]:
    """(split count, each line's scan): every field is looked at once at most."""
    longest = max((r.time_ms for r, _ in rows if r.time_ms is not None), default=None)
    scans = [_SplitScan(result.time_ms if result.time_ms is not None else longest, values, [])
             for result, values in rows]
    active = [scan for scan in scans if len(scan.values) > SPLIT_START]
    last_filled = SPLIT_START - 1
    index = SPLIT_START
    while active:
        verdicts = {_split_verdict(scan, index) for scan in active}
        if _TIME_OF_DAY in verdicts:  # the time-trial start: the splits end just before
            return index - SPLIT_START, scans
        if _NOT_A_SPLIT in verdicts:  # blank columns before it are the time-trial start's
            break
        if _SPLIT in verdicts:
            last_filled = index
        index += 1
        active = [scan for scan in active if len(scan.values) > index]
    return last_filled + 1 - SPLIT_START, scans


_SPLIT = "split"
_BLANK = "blank"
_TIME_OF_DAY = "time of day"
_NOT_A_SPLIT = "not a split"


def _split_verdict(scan: _SplitScan, index: int) -> str:
    """What field ``index`` of a line can be: a split (no later than the line's time, or
    than every finish for a line without one, and no earlier than its previous split), blank,
    a later time (the time-trial start's time of day), or something else (text, or a time
    earlier than the previous split)."""
    raw = scan.values[index]
    if not raw:
        return _BLANK
    try:
        value, _ = parse_race_time(raw)
    except ValueError:
        return _NOT_A_SPLIT
    if scan.limit is not None and value > scan.limit:
        return _TIME_OF_DAY
    if scan.splits and value < scan.splits[-1][1]:
        return _NOT_A_SPLIT
    scan.splits.append((index, value))
    return _SPLIT


def _with_splits_and_user_fields(rows: list[tuple[LifResult, list[str]]]) -> list[LifResult]:
    """The results with their splits and user 1-3, by position from the left: the splits,
    then the time-trial start, then user 1-3; whatever follows is not read."""
    count, scans = _split_columns(rows)
    end = SPLIT_START + count
    users = end + 1
    return [
        replace(
            result,
            splits_ms=tuple(value for index, value in scan.splits if index < end),
            user_fields=tuple(_padded(values[users:users + USER_FIELDS], USER_FIELDS)),
        )
        for (result, values), scan in zip(rows, scans, strict=True)
    ]


def _winner_delta(winner: LifResult) -> tuple[bool, int | None]:
    """Whether the winner's delta fits a reconstruction: blank, zero, or the winner's own
    time (rounded up to the time column's digits it gives that column); with the time to
    1/1000 in it, that time too."""
    delta = winner.delta_ms
    if delta is None or delta == 0:
        return True, None
    if winner.time_ms is None:
        return False, None
    published_low = winner.time_ms - 10 ** (3 - winner.time_digits) + 1
    if not published_low <= delta <= winner.time_ms:
        return False, None
    return True, delta if winner.delta_digits == 3 else None


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
        splits_ms=(),
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
