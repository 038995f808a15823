"""Hand times: published to the tenth rounded up (TR 19.24), no record, bests as the rules
compare them (athsys.sport.marks, athsys.results.records)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from athsys.results.records import (
    ExistingRecords,
    RecordKind,
    compare_with_best,
    hand_comparable,
    records_earned,
)
from athsys.sport.marks import (
    Measure,
    format_gap,
    format_mark,
    format_result_time,
    official_mark,
    parse_mark,
    round_up_to_tenth,
)

pytestmark = pytest.mark.unit

WR, NR, MR, PB, SB = RecordKind.WR, RecordKind.NR, RecordKind.MR, RecordKind.PB, RecordKind.SB
TIME = Measure.TIME


@pytest.mark.parametrize(("ms", "published"), [
    (10_110, "10.2"),  # TR 19.24: 10.11 -> 10.2
    (10_100, "10.1"),  # 10.10 -> 10.1
    (10_101, "10.2"),
    (9_991, "10.0"),
    (59_901, "1:00.0"),
    (105_200, "1:45.2"),
    (225_001, "3:45.1"),
    (3_723_401, "1:02:03.5"),
])
def test_a_hand_time_is_published_to_the_tenth_rounded_up(ms: int, published: str) -> None:
    assert format_mark(ms, TIME, hand=True) == published
    assert format_result_time(ms, TIME, hand=True) == published + "h"


def test_a_hand_reading_finer_than_the_millisecond_is_rounded_then_published() -> None:
    # 10.1001 is taken as 10.101 at input, then published as a hand time: 10.2
    assert format_mark(parse_mark("10.1001", TIME), TIME, hand=True) == "10.2"
    assert format_mark(parse_mark("10.1000", TIME), TIME, hand=True) == "10.1"


def test_automatic_times_keep_their_hundredths_and_no_letter() -> None:
    assert format_result_time(10_110, TIME) == "10.11"
    assert official_mark(10_110, TIME) == 10_110
    assert official_mark(10_110, TIME, hand=True) == 10_200


def test_on_the_road_every_time_is_to_the_second_hand_or_not() -> None:
    assert format_result_time(7_784_300, TIME, road=True, hand=True) == "2:09:45"


def test_a_distance_is_never_hand_timed() -> None:
    assert format_result_time(8_417, Measure.DISTANCE, hand=True) == "8.41"


def test_a_hand_gap_is_to_the_tenth() -> None:
    assert format_gap(10_310, 10_110, TIME, hand=True) == "+0.2"
    assert format_gap(10_150, 10_110, TIME, hand=True) == ""  # both publish 10.2


@given(st.integers(min_value=1, max_value=10_000_000))
def test_round_up_to_tenth_never_makes_a_time_faster(ms: int) -> None:
    rounded = round_up_to_tenth(ms)
    assert rounded % 100 == 0
    assert ms <= rounded < ms + 100


def test_a_hand_time_makes_no_record_but_a_best() -> None:
    existing = ExistingRecords(world=10_490, national=10_700, meeting=10_620)
    assert records_earned(10_000, TIME, existing, hand=True) == (PB, SB)
    assert records_earned(10_000, TIME, existing) == (WR, NR, MR, PB, SB)


def test_in_a_sprint_a_hand_time_never_beats_an_automatic_best() -> None:
    existing = ExistingRecords(personal_best=10_620, season_best=10_700)
    assert records_earned(10_100, TIME, existing, hand=True, comparable=False) == ()
    assert compare_with_best(10_100, 10_620, TIME, hand=True, comparable=False) == -1


def test_in_a_sprint_the_first_automatic_time_replaces_a_hand_best() -> None:
    existing = ExistingRecords(personal_best=10_400, personal_best_hand=True,
                               season_best=10_400, season_best_hand=True)
    assert records_earned(10_620, TIME, existing, comparable=False) == (PB, SB)


def test_a_hand_time_against_a_hand_best_is_compared_at_the_tenth() -> None:
    existing = ExistingRecords(personal_best=10_400, personal_best_hand=True,
                               season_best=10_300, season_best_hand=True)
    # 10.31 by hand publishes 10.4: equals the PB (flag), does not reach the SB 10.3
    assert records_earned(10_310, TIME, existing, hand=True, comparable=False) == (PB,)
    assert compare_with_best(10_310, 10_400, TIME, hand=True, best_hand=True) == 0
    assert compare_with_best(10_290, 10_400, TIME, hand=True, best_hand=True) == 1


def test_from_800_metres_a_hand_time_is_compared_with_an_automatic_best() -> None:
    assert hand_comparable("800m") and hand_comparable("1500m")
    assert not hand_comparable("100m") and not hand_comparable("400mH")
    best = ExistingRecords(personal_best=110_010, season_best=109_950)
    # 1:49.9h beats the automatic 1:50.01 (PB) and 1:49.95 (SB)
    assert records_earned(109_900, TIME, best, hand=True) == (PB, SB)
    # 1:50.01 by hand publishes 1:50.1, slower than the automatic 1:50.01
    assert records_earned(110_010, TIME, best, hand=True) == ()


def test_a_first_hand_mark_is_a_personal_best() -> None:
    assert records_earned(10_400, TIME, ExistingRecords(), hand=True, comparable=False) == (
        PB, SB)
