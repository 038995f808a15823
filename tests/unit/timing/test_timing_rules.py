from datetime import UTC, datetime

import pytest

from athsys.errors import ConflictError, ValidationError
from athsys.timing.passing import Passing
from athsys.timing.rules import (
    SOURCE_CHIP,
    SOURCE_LIF,
    SOURCE_MANUAL,
    ChipAssignment,
    ComputedResult,
    EntryRead,
    MatRead,
    StoredResult,
    collapse_duplicates,
    decide_update,
    match_chips,
    official_crossings,
    process_reads,
    race_time,
)

pytestmark = pytest.mark.unit

GUN = 1_728_806_400_000  # 2024-10-13 08:00:00 UTC
SECOND = 1_000
HOUR = 3_600_000
FASTER = HOUR - 10_000


def read(chip, point, at, *, backup=False, read_id=None):
    return MatRead(read_id or f"{chip}-{point}-{at}-{backup}", chip, point, GUN + at, backup)


def entry_reads(*reads, entry=1):
    return [EntryRead(entry, r) for r in reads]


# --- chip → entry ------------------------------------------------------------------------


def test_chip_maps_to_the_entry_assigned_at_the_read_time():
    assignments = [
        ChipAssignment("C1", 11, valid_until_ms=GUN + HOUR),
        ChipAssignment("C1", 22, valid_from_ms=GUN + HOUR),
    ]
    early, late = read("C1", "finish", HOUR - 1), read("C1", "finish", HOUR)
    match = match_chips([early, late], assignments)
    assert [(a.entry_id, a.read) for a in match.assigned] == [(11, early), (22, late)]
    assert match.unknown == ()


def test_unknown_chips_are_kept_and_reported():
    known, stray, stray_again = read("C1", "finish", 0), read("X9", "finish", 5), read(
        "X9", "5k", 1
    )
    match = match_chips([known, stray, stray_again], [ChipAssignment("C1", 11)])
    assert [a.entry_id for a in match.assigned] == [11]
    assert match.unknown == (stray, stray_again)
    assert match.unknown_chips == ("X9",)


def test_chip_assigned_to_two_entries_at_once_is_a_conflict():
    assignments = [ChipAssignment("C1", 11), ChipAssignment("C1", 22, valid_from_ms=GUN)]
    with pytest.raises(ConflictError, match="entries \\[11, 22\\]"):
        match_chips([read("C1", "finish", 0)], assignments)


# --- duplicates, primary and backup mats --------------------------------------------------


def test_duplicate_reads_within_ten_seconds_collapse_to_the_first():
    reads = entry_reads(*(read("C1", "finish", t) for t in (3_000, 0, 9_999, 10_000, 25_000)))
    kept = collapse_duplicates(reads)
    assert [item.read.time_ms - GUN for item in kept] == [0, 10_000, 25_000]


def test_duplicate_window_is_configurable():
    reads = entry_reads(*(read("C1", "finish", t) for t in (0, 3_000, 6_000)))
    assert [i.read.time_ms - GUN for i in collapse_duplicates(reads, 5_000)] == [0, 6_000]


def test_duplicates_are_per_entry_and_point():
    reads = entry_reads(read("C1", "finish", 0), read("C1", "5k", 1_000)) + entry_reads(
        read("C2", "finish", 500), entry=2
    )
    assert len(collapse_duplicates(reads)) == 3


def test_backup_mat_never_overrides_an_earlier_primary_read():
    primary = read("C1", "finish", HOUR)
    later_backup = read("C1", "finish", HOUR + 400, backup=True)
    crossings = official_crossings(entry_reads(later_backup, primary))
    assert crossings[1]["finish"] == primary


def test_primary_read_wins_even_over_an_earlier_backup_read():
    primary = read("C1", "finish", HOUR)
    earlier_backup = read("C1", "finish", HOUR - 300, backup=True)
    assert official_crossings(entry_reads(earlier_backup, primary))[1]["finish"] == primary


def test_backup_read_is_used_when_the_primary_has_none():
    backup = read("C1", "finish", HOUR, backup=True)
    other_point = read("C1", "5k", HOUR // 4)
    crossings = official_crossings(entry_reads(backup, other_point))
    assert crossings[1] == {"finish": backup, "5k": other_point}


# --- gun and net time ----------------------------------------------------------------------


def test_gun_time_is_official_and_net_time_uses_the_own_start_read():
    crossings = {
        "start": read("C1", "start", 45 * SECOND),
        "10k": read("C1", "10k", 30 * 60 * SECOND),
        "finish": read("C1", "finish", 2 * HOUR + 9 * 60 * SECOND + 44_300),
    }
    result = race_time(7, crossings, gun_ms=GUN, split_points=("10k", "21k"))
    assert result.gun_time_ms == 7_784_300  # 2:09:44.3, published 2:09:45
    assert result.net_time_ms == 7_739_300
    assert result.net_from_start_mat
    (split,) = result.splits
    assert (split.point, split.gun_time_ms, split.net_time_ms) == ("10k", 1_800_000, 1_755_000)


def test_net_time_falls_back_to_the_gun_without_a_start_read():
    result = race_time(7, {"finish": read("C1", "finish", HOUR)}, gun_ms=GUN)
    assert result.gun_time_ms == result.net_time_ms == HOUR
    assert not result.net_from_start_mat


def test_without_gun_only_net_time():
    crossings = {"start": read("C1", "start", 10 * SECOND), "finish": read("C1", "finish", HOUR)}
    result = race_time(7, crossings, gun_ms=None)
    assert (result.gun_time_ms, result.net_time_ms) == (None, HOUR - 10 * SECOND)


def test_not_finished_yet():
    crossings = {"5k": read("C1", "5k", 20 * 60 * SECOND)}
    result = race_time(7, crossings, gun_ms=GUN, split_points=["5k"])
    assert (result.gun_time_ms, result.net_time_ms) == (None, None)
    assert result.splits[0].gun_time_ms == 1_200_000


def test_process_reads_with_waves_unknown_chips_and_pre_gun_start_reads():
    wave_b_gun = GUN + 10 * 60 * SECOND
    reads = [
        # entry 1, wave A: standing on the start mat 3 s before the gun, crossing 2 s after
        read("C1", "start", -3 * SECOND),
        read("C1", "start", 2 * SECOND),
        read("C1", "finish", HOUR),
        read("C1", "finish", HOUR + 4 * SECOND),  # duplicate
        # entry 2, wave B: its own gun ten minutes later; finish only on the backup mat
        read("C2", "start", 10 * 60 * SECOND + 30 * SECOND),
        read("C2", "finish", HOUR + 5 * 60 * SECOND, backup=True),
        read("ZZ", "finish", HOUR),  # nobody's chip
    ]
    processed = process_reads(
        reads,
        [ChipAssignment("C1", 1), ChipAssignment("C2", 2)],
        entry_waves={1: "A", 2: "B"},
        wave_guns={"A": GUN, "B": wave_b_gun},
    )
    first, second = processed.times[1], processed.times[2]
    assert (first.gun_time_ms, first.net_time_ms) == (HOUR, HOUR - 2 * SECOND)
    assert (second.gun_time_ms, second.net_time_ms) == (
        HOUR - 5 * 60 * SECOND,
        HOUR - 5 * 60 * SECOND - 30 * SECOND,
    )
    assert [r.chip for r in processed.unknown] == ["ZZ"]


def test_mat_read_from_a_passing():
    passing = Passing(
        "r1",
        datetime(2024, 10, 13, 9, 0, 0, 250000, tzinfo=UTC),
        chip="C1",
        timing_point="finish",
    )
    assert MatRead.from_passing(passing) == MatRead("r1", "C1", "finish", GUN + HOUR + 250)
    assert MatRead.from_passing(passing, point="finish-b", backup=True).point == "finish-b"
    gun = Passing("g", passing.timestamp, timing_point="start", is_gun=True)
    with pytest.raises(ValidationError):
        MatRead.from_passing(gun)


# --- late and replayed reads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "computed", "replace"),
    [
        (None, ComputedResult(SOURCE_CHIP, HOUR, None), True),
        # replayed read: same result, nothing to do
        (StoredResult(SOURCE_CHIP, 2, HOUR), ComputedResult(SOURCE_CHIP, HOUR, 2), False),
        # a late read from a box that was offline gives an earlier, better finish read
        (StoredResult(SOURCE_CHIP, 2, HOUR), ComputedResult(SOURCE_CHIP, HOUR - 1_000, 2), True),
        # computed against revision 1, but revision 2 was stored meanwhile
        (StoredResult(SOURCE_CHIP, 2, HOUR), ComputedResult(SOURCE_CHIP, FASTER, 1), False),
        # a result appeared after the computation looked
        (StoredResult(SOURCE_CHIP, 1, HOUR), ComputedResult(SOURCE_CHIP, FASTER, None), False),
        # a manual correction is never overwritten by chips or photo finish
        (StoredResult(SOURCE_MANUAL, 3, HOUR), ComputedResult(SOURCE_CHIP, FASTER, 3), False),
        (StoredResult(SOURCE_MANUAL, 3, HOUR), ComputedResult(SOURCE_LIF, FASTER, 3), False),
        # photo finish outranks chips, and replaces them
        (StoredResult(SOURCE_LIF, 1, 10_430), ComputedResult(SOURCE_CHIP, 10_500, 1), False),
        (StoredResult(SOURCE_CHIP, 1, 10_500), ComputedResult(SOURCE_LIF, 10_430, 1), True),
        (StoredResult(SOURCE_LIF, 1, 10_430), ComputedResult(SOURCE_MANUAL, 10_440, 1), True),
    ],
)
def test_decide_update(current, computed, replace):
    assert decide_update(current, computed).replace is replace


def test_decide_update_gives_a_reason():
    decision = decide_update(
        StoredResult(SOURCE_MANUAL, 3, 1), ComputedResult(SOURCE_CHIP, 2, 3)
    )
    assert decision.reason == "a manual result outranks a chip result"


def test_unknown_source_is_rejected():
    with pytest.raises(ValidationError, match="unknown result source 'gps'"):
        decide_update(None, ComputedResult("gps", 1, None))
