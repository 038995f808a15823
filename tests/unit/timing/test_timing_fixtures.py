"""Every timing sample in ``samples/`` through its parser, one row per file (issue 16).

Each row names the parser and what the file must read as: the number of reads (or results,
or heats), the first and the last of them (chip/bib, times in milliseconds, statuses), or the
lines and fields of its refusal. A sample without a row fails the test below the table, so a
fixture cannot be added without its expected values. Where each file comes from:
``samples/SOURCES.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from athsys.errors import ValidationError
from athsys.timing.formats import parse_passings
from athsys.timing.formats.lif import DNS, OK, LifFile, LifResult, parse_lif
from athsys.timing.formats.lynx_export import StartListHeat, StartListLane, parse_evt
from athsys.timing.passing import ParseOptions, Passing

pytestmark = pytest.mark.unit

SAMPLES = Path(__file__).parent / "samples"
NOT_A_SAMPLE = {"SOURCES.md"}


def ms(clock: str) -> int:
    """``hh:mm:ss.fff`` → milliseconds since midnight."""
    hours, minutes, seconds = clock.split(":")
    whole, fraction = seconds.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(whole)) * 1000 + int(fraction)


def passings(fmt: str, day: date | None = None) -> Callable[[bytes], Any]:
    def read(body: bytes) -> Any:
        reads = parse_passings(body, fmt, ParseOptions(day=day))
        return len(reads), _read(reads[0]), _read(reads[-1])
    return read


def _read(passing: Passing) -> tuple[Any, ...]:
    """(chip, bib, local date, local time of day in ms, gun?, FS/LS)."""
    moment = passing.timestamp
    of_day = ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1000
    return (passing.chip, passing.bib, moment.date(), of_day + moment.microsecond // 1000,
            passing.is_gun, passing.seen)


def lif(body: bytes) -> Any:
    parsed: LifFile = parse_lif(body)
    return len(parsed.results), _result(parsed.results[0]), _result(parsed.results[-1])


def _result(result: LifResult) -> tuple[Any, ...]:
    """(bib, status, place, time ms, time to 1/1000 ms, splits ms, user 1-3)."""
    return (result.bib, result.status, result.place, result.time_ms, result.precise_time_ms,
            result.splits_ms, result.user_fields)


def evt(body: bytes) -> Any:
    heats: list[StartListHeat] = parse_evt(body)
    return len(heats), _lane(heats[0].lanes[0]), _lane(heats[-1].lanes[-1])


def _lane(lane: StartListLane) -> tuple[Any, ...]:
    return (lane.bib, lane.lane, lane.last_name, lane.first_name, lane.affiliation)


def refused(parser: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    """The (line, field) of every problem of a file its parser refuses."""
    def read(body: bytes) -> Any:
        with pytest.raises(ValidationError) as info:
            parser(body)
        return [(e["line"], e["field"]) for e in info.value.details["errors"]]
    return read


OCT_13 = date(2024, 10, 13)
NO_NAME = ("", "", "")
TABLE: list[tuple[str, Callable[[bytes], Any], Any]] = [
    ("binary_upload.bin", refused(lambda body: parse_passings(body)), [(1, None)]),
    ("chronotrack_ctp01_session.txt", passings("chronotrack", date(2026, 2, 1)), (
        3,
        ("1234", None, date(2026, 2, 1), ms("14:02:15.310"), False, None),
        ("UNKNOWN", None, date(2026, 2, 1), ms("14:02:16.020"), False, None))),
    ("chronotrack_reads.txt", passings("chronotrack", OCT_13), (
        4,
        (None, None, OCT_13, ms("07:45:01.010"), True, None),
        ("50102", None, OCT_13, ms("08:31:02.050"), False, None))),
    ("ipico_reads.txt", passings("ipico"), (
        2,
        ("000000012345", None, date(2001, 12, 30), ms("18:45:59.390"), False, None),
        ("000000012345", None, date(2001, 12, 30), ms("18:45:59.390"), False, "FS"))),
    ("ipico_tag_status_reads.txt", passings("ipico"), (
        5,
        ("058000123b32", None, date(2026, 3, 8), ms("12:22:02.470"), False, "FS"),
        ("058000128608", None, date(2026, 3, 8), ms("12:21:47.400"), False, None))),
    ("json_batch_malformed.json", refused(passings("json")), [(3, None)]),
    ("json_batch_valid.json", passings("json"), (
        3,
        ("058812", None, OCT_13, ms("09:47:12.347"), False, None),
        (None, None, OCT_13, ms("08:00:00.000"), True, None))),
    ("lif_800m_splits.lif", lif, (
        2,
        ("301", OK, 1, 116_720, None, (56_100, 116_720), NO_NAME),
        ("302", OK, 2, 117_150, None, (56_510, 117_150), NO_NAME))),
    ("lif_bad_lines.lif", refused(parse_lif), [(2, "time"), (3, "time"), (4, "place")]),
    ("lif_hundredths_delta_to_previous.lif", lif, (
        5,
        ("101", OK, 1, 10_430, 10_428, (), NO_NAME),
        ("105", OK, 5, 10_570, 10_561, (), NO_NAME))),
    ("lif_hundredths_delta_to_winner.lif", lif, (
        8,
        ("101", OK, 1, 10_430, 10_428, (), NO_NAME),
        ("108", DNS, None, None, None, (), NO_NAME))),
    ("lif_missing_header.lif", refused(parse_lif), [(1, None)]),
    ("lif_paris2024_100m_hundredths.lif", lif, (
        2,
        (None, OK, 1, 9_790, 9_785, (), NO_NAME),
        (None, OK, 2, 9_790, 9_790, (), NO_NAME))),
    ("lif_paris2024_100m_thousandths.lif", lif, (
        2,
        (None, OK, 1, 9_784, 9_784, (), NO_NAME),
        (None, OK, 2, 9_789, 9_789, (), NO_NAME))),
    ("lif_relay_4x100_full_layout.lif", lif, (
        3,
        ("72", OK, 1, 55_390, None, (), NO_NAME),
        ("20", DNS, None, None, None, (), NO_NAME))),
    ("lif_relay_4x100_verbatim.lif", lif, (  # its 0x19 read as U+FFFD, not refused
        3,
        ("72", OK, 1, 55_390, None, (), NO_NAME),
        ("20", DNS, None, None, None, (), NO_NAME))),
    ("lynx_start_list.evt", evt, (
        2,
        (None, 1, "Riverview", "", "RICO  A"),
        ("868", 3, "Lucarelli", "Ava", "Monroe, St. Mary CC"))),
    ("mylaps_passings.txt", passings("mylaps"), (
        3,
        ("0000041", "41", date(2012, 6, 6), ms("13:11:30.904"), False, None),
        (None, None, date(2012, 6, 6), ms("12:30:00.120"), True, None))),
    ("raceresult_passings.txt", passings("raceresult"), (
        3,
        ("NHHAK17", None, OCT_13, ms("09:47:12.347"), False, None),
        ("NHHAK19", None, OCT_13, ms("09:47:15.500"), False, None))),
]


@pytest.mark.parametrize(("name", "read", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_sample_reads_as_expected(name: str, read: Callable[[bytes], Any],
                                  expected: Any) -> None:
    assert read((SAMPLES / name).read_bytes()) == expected


def test_every_sample_has_one_row() -> None:
    on_disk = {path.name for path in SAMPLES.iterdir()} - NOT_A_SAMPLE
    assert on_disk == {row[0] for row in TABLE}
    assert len(TABLE) == len(on_disk)
