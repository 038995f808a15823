
import pytest

from athsys.errors import ConflictError, ValidationError
from athsys.timing.rules import (
    SOURCE_CHIP,
    SOURCE_LIF,
    SOURCE_MANUAL,
    ChipAssignment,
    EntryRead,
    HeatClock,
    MatRead,
    ReadFlag,
    ResultTimes,
    collapse_duplicates,
    decide_update,
    match_chips,
    official_crossings,
    race_time,
    time_reads,
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


def test_time_reads_with_waves_unknown_chips_and_pre_gun_start_reads():
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
        read("ZZ", "finish", HOUR, read_id="nobody"),  # nobody's chip
    ]
    timed = time_reads(
        reads,
        [ChipAssignment("C1", 1), ChipAssignment("C2", 2)],
        {1: [HeatClock(10, GUN)], 2: [HeatClock(20, wave_b_gun)]},
    )
    first, second = timed.times[(10, 1)], timed.times[(20, 2)]
    assert (first.gun_time_ms, first.net_time_ms) == (HOUR, HOUR - 2 * SECOND)
    assert (second.gun_time_ms, second.net_time_ms) == (
        HOUR - 5 * 60 * SECOND,
        HOUR - 5 * 60 * SECOND - 30 * SECOND,
    )
    assert timed.flags["nobody"] is ReadFlag.UNKNOWN_CHIP
    assert [f for r, f in timed.flags.items() if r != "nobody"] == [None] * 6
    assert timed.entries == {1, 2}


def test_time_reads_flags_reads_of_no_heat_and_new_reads_of_an_official_heat():
    reads = [
        read("C1", "finish", HOUR, read_id="old"),
        read("C1", "finish", HOUR + 20 * SECOND, read_id="new"),
        read("C3", "finish", HOUR, read_id="heatless"),
    ]
    timed = time_reads(
        reads, [ChipAssignment("C1", 1), ChipAssignment("C3", 3)],
        {1: [HeatClock(10, GUN, official=True)]}, new_reads={"new"},
    )
    # the old read keeps whatever flag it had: it is not in the answer at all
    assert timed.flags == {"new": ReadFlag.AFTER_OFFICIAL, "heatless": ReadFlag.NO_HEAT}
    assert timed.times == {} and timed.counted == {}
    assert timed.entries == {1, 3}


def test_time_reads_puts_each_read_in_the_heat_running_at_the_time():
    final_gun = GUN + 2 * HOUR
    reads = [read("C1", "finish", 11 * SECOND), read("C1", "finish", 2 * HOUR + 10 * SECOND)]
    timed = time_reads(
        reads, [ChipAssignment("C1", 1)],
        {1: [HeatClock(10, GUN), HeatClock(11, final_gun)]},
    )
    assert timed.times[(10, 1)].gun_time_ms == 11 * SECOND
    assert timed.times[(11, 1)].gun_time_ms == 10 * SECOND


def test_a_chip_result_whose_net_time_alone_changed_is_replaced():
    stored = ResultTimes(SOURCE_CHIP, 2, HOUR, HOUR - 5 * SECOND)
    later_start_read = ResultTimes(SOURCE_CHIP, 2, HOUR, HOUR - 3 * SECOND)
    assert decide_update(stored, later_start_read).reason == "net time changed"
    assert decide_update(stored, ResultTimes(SOURCE_CHIP, 2, HOUR, HOUR - 5 * SECOND)).reason \
        == "unchanged"
    # a photo-finish mark carries no net time: the same mark is no change
    assert not decide_update(ResultTimes(SOURCE_LIF, 1, HOUR, HOUR),
                             ResultTimes(SOURCE_LIF, 1, HOUR)).replace


# --- late and replayed reads ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "computed", "replace"),
    [
        (None, ResultTimes(SOURCE_CHIP, None, HOUR), True),
        # replayed read: same result, nothing to do
        (ResultTimes(SOURCE_CHIP, 2, HOUR), ResultTimes(SOURCE_CHIP, 2, HOUR), False),
        # a late read from a box that was offline gives an earlier, better finish read
        (ResultTimes(SOURCE_CHIP, 2, HOUR), ResultTimes(SOURCE_CHIP, 2, HOUR - 1_000), True),
        # computed against revision 1, but revision 2 was stored meanwhile
        (ResultTimes(SOURCE_CHIP, 2, HOUR), ResultTimes(SOURCE_CHIP, 1, FASTER), False),
        # a result appeared after the computation looked
        (ResultTimes(SOURCE_CHIP, 1, HOUR), ResultTimes(SOURCE_CHIP, None, FASTER), False),
        # a manual correction is never overwritten by chips or photo finish
        (ResultTimes(SOURCE_MANUAL, 3, HOUR), ResultTimes(SOURCE_CHIP, 3, FASTER), False),
        (ResultTimes(SOURCE_MANUAL, 3, HOUR), ResultTimes(SOURCE_LIF, 3, FASTER), False),
        # photo finish outranks chips, and replaces them
        (ResultTimes(SOURCE_LIF, 1, 10_430), ResultTimes(SOURCE_CHIP, 1, 10_500), False),
        (ResultTimes(SOURCE_CHIP, 1, 10_500), ResultTimes(SOURCE_LIF, 1, 10_430), True),
        (ResultTimes(SOURCE_LIF, 1, 10_430), ResultTimes(SOURCE_MANUAL, 1, 10_440), True),
    ],
)
def test_decide_update(current, computed, replace):
    assert decide_update(current, computed).replace is replace


def test_decide_update_gives_a_reason():
    decision = decide_update(
        ResultTimes(SOURCE_MANUAL, 3, 1), ResultTimes(SOURCE_CHIP, 3, 2)
    )
    assert decision.reason == "a manual result outranks a chip result"


def test_unknown_source_is_rejected():
    with pytest.raises(ValidationError, match="unknown result source 'gps'"):
        decide_update(None, ResultTimes("gps", None, 1))
