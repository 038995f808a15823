from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from athsys.errors import ValidationError
from athsys.sport.combined import (
    competition_keys,
    event_points,
    get_competition,
    score_competition,
)

pytestmark = pytest.mark.unit

# Kevin Mayer, decathlon world record, Talence, 16 Sep 2018: 9126 points.
# Published breakdown: mark, points.
MAYER_TALENCE_2018 = [
    ("100m", 10_550, 963),  # 10.55
    ("LJ", 7_800, 1010),  # 7.80
    ("SP", 16_000, 851),  # 16.00
    ("HJ", 2_050, 850),  # 2.05
    ("400m", 48_420, 889),  # 48.42
    ("110mH", 13_750, 1007),  # 13.75
    ("DT", 50_540, 882),  # 50.54
    ("PV", 5_450, 1051),  # 5.45
    ("JT", 71_900, 918),  # 71.90
    ("1500m", 276_110, 705),  # 4:36.11
]

# Jackie Joyner-Kersee, heptathlon world record, Seoul, 23-24 Sep 1988: 7291 points.
JOYNER_KERSEE_SEOUL_1988 = [
    ("100mH", 12_690, 1172),  # 12.69
    ("HJ", 1_860, 1054),  # 1.86
    ("SP", 15_800, 915),  # 15.80
    ("200m", 22_560, 1123),  # 22.56
    ("LJ", 7_270, 1264),  # 7.27
    ("JT", 45_660, 776),  # 45.66
    ("800m", 128_510, 987),  # 2:08.51
]


@pytest.mark.parametrize(("event", "mark", "points"), MAYER_TALENCE_2018)
def test_mayer_world_record_event_points(event: str, mark: int, points: int) -> None:
    assert event_points("men_decathlon", event, mark) == points


def test_mayer_world_record_total_and_running_totals() -> None:
    score = score_competition(
        "men_decathlon", {event: mark for event, mark, _ in MAYER_TALENCE_2018}
    )
    assert score.total == 9126
    assert [s.event for s in score.events] == [event for event, _, _ in MAYER_TALENCE_2018]
    assert [s.points for s in score.events] == [points for _, _, points in MAYER_TALENCE_2018]
    assert [s.running_total for s in score.events] == [
        963,
        1973,
        2824,
        3674,
        4563,
        5570,
        6452,
        7503,
        8421,
        9126,
    ]


@pytest.mark.parametrize(("event", "mark", "points"), JOYNER_KERSEE_SEOUL_1988)
def test_joyner_kersee_world_record_event_points(event: str, mark: int, points: int) -> None:
    assert event_points("women_heptathlon", event, mark) == points


def test_joyner_kersee_world_record_total_and_first_day() -> None:
    score = score_competition(
        "women_heptathlon", {event: mark for event, mark, _ in JOYNER_KERSEE_SEOUL_1988}
    )
    assert score.total == 7291
    first_day = get_competition("women_heptathlon").first_day_events
    assert score.events[first_day - 1].running_total == 4264


def test_eaton_indoor_heptathlon_world_record() -> None:
    # Ashton Eaton, Istanbul 2012: 6.79, 8.16, 14.56, 2.03, 7.68, 5.20, 2:32.77 = 6645.
    marks = {
        "60m": 6_790,
        "LJ": 8_160,
        "SP": 14_560,
        "HJ": 2_030,
        "60mH": 7_680,
        "PV": 5_200,
        "1000m": 152_770,
    }
    assert score_competition("men_indoor_heptathlon", marks).total == 6645


def test_thiam_pentathlon_european_indoor_2023() -> None:
    # Nafissatou Thiam, Istanbul 2023: 8.23, 1.92, 15.54, 6.59, 2:13.60 = 5055.
    marks = {"60mH": 8_230, "HJ": 1_920, "SP": 15_540, "LJ": 6_590, "800m": 133_600}
    assert score_competition("women_indoor_pentathlon", marks).total == 5055


def test_skujyte_womens_decathlon_world_record() -> None:
    # Austra Skujyte, Columbia (Missouri), 15 Apr 2005: 8358 points.
    marks = {
        "100m": 12_490,
        "DT": 46_190,
        "PV": 3_100,
        "JT": 48_780,
        "400m": 57_190,
        "100mH": 14_220,
        "LJ": 6_120,
        "SP": 16_420,
        "HJ": 1_780,
        "1500m": 315_860,
    }
    assert score_competition("women_decathlon", marks).total == 8358


@pytest.mark.parametrize(
    ("competition", "order"),
    [
        ("men_decathlon", ["100m", "LJ", "SP", "HJ", "400m", "110mH", "DT", "PV", "JT", "1500m"]),
        ("women_heptathlon", ["100mH", "HJ", "SP", "200m", "LJ", "JT", "800m"]),
        ("men_indoor_heptathlon", ["60m", "LJ", "SP", "HJ", "60mH", "PV", "1000m"]),
        ("women_indoor_pentathlon", ["60mH", "HJ", "SP", "LJ", "800m"]),
        ("women_decathlon", ["100m", "DT", "PV", "JT", "400m", "100mH", "LJ", "SP", "HJ", "1500m"]),
    ],
)
def test_event_order_of_each_competition(competition: str, order: list[str]) -> None:
    assert get_competition(competition).event_keys == order


def test_competition_keys_and_tables_loaded_once() -> None:
    assert sorted(competition_keys()) == [
        "men_decathlon",
        "men_indoor_heptathlon",
        "women_decathlon",
        "women_heptathlon",
        "women_indoor_pentathlon",
    ]
    assert get_competition("men_decathlon") is get_competition("men_decathlon")


@pytest.mark.parametrize(
    ("competition", "event", "mark"),
    [
        ("men_decathlon", "100m", 18_000),  # T = B = 18 s
        ("men_decathlon", "100m", 25_000),  # slower than B
        ("men_decathlon", "LJ", 2_200),  # M = B = 220 cm
        ("men_decathlon", "LJ", 2_209),  # still 220 cm: measured to the cm below
        ("men_decathlon", "PV", 0),
        ("men_decathlon", "SP", 1_500),  # D = B = 1.5 m
        ("men_decathlon", "1500m", 480_000),  # 8:00.00 = B
        ("women_heptathlon", "JT", 3_800),  # D = B = 3.8 m
        ("women_heptathlon", "800m", 300_000),
    ],
)
def test_marks_at_or_beyond_the_threshold_score_zero(
    competition: str, event: str, mark: int
) -> None:
    assert event_points(competition, event, mark) == 0


def test_just_inside_the_threshold_scores_a_point() -> None:
    # JT: 10.14 * (8.00 - 7)^1.08 = 10.14 -> 10; a throw of 7.00 scores 0.
    assert event_points("men_decathlon", "JT", 8_000) == 10
    assert event_points("men_decathlon", "JT", 7_000) == 0


def test_missing_events_score_zero() -> None:
    score = score_competition("men_decathlon", {"100m": 10_550, "LJ": None})
    assert [s.points for s in score.events] == [963] + [0] * 9
    assert score.events[1].mark is None
    assert score.total == 963
    assert event_points("men_decathlon", "HJ", None) == 0


def test_no_marks_at_all_totals_zero() -> None:
    assert score_competition("women_indoor_pentathlon", {}).total == 0


def test_fully_automatic_times_are_rounded_up_to_the_hundredth() -> None:
    assert event_points("men_decathlon", "100m", 10_541) == event_points(
        "men_decathlon", "100m", 10_550
    )
    assert event_points("men_decathlon", "100m", 10_551) == event_points(
        "men_decathlon", "100m", 10_560
    )
    assert event_points("men_decathlon", "100m", 10_551) < 963


def test_distances_are_measured_to_the_centimetre_below() -> None:
    assert event_points("men_decathlon", "LJ", 7_809) == 1010
    assert event_points("men_decathlon", "SP", 16_009) == 851


@pytest.mark.parametrize(
    ("competition", "event", "hand_time", "points"),
    [
        # Worked examples in the coefficients file: hand time + 0.24 s (<= 200 m, hurdles)
        # or + 0.14 s (400 m) after rounding up to 1/10 s.
        ("men_decathlon", "100m", 10_600, 897),  # scored as 10.84
        ("men_decathlon", "100m", 10_520, 897),  # 10.52 -> 10.6h -> 10.84
        ("men_decathlon", "400m", 48_000, 902),  # scored as 48.14
        ("men_decathlon", "110mH", 14_200, 918),  # scored as 14.44
        ("women_heptathlon", "100mH", 13_400, 1030),  # scored as 13.64
    ],
)
def test_hand_times(competition: str, event: str, hand_time: int, points: int) -> None:
    assert event_points(competition, event, hand_time, hand_timed=True) == points


def test_hand_time_in_the_1500m_is_only_rounded_up_to_the_tenth() -> None:
    assert event_points("men_decathlon", "1500m", 276_110, hand_timed=True) == event_points(
        "men_decathlon", "1500m", 276_200
    )


def test_hand_timed_events_in_a_whole_competition() -> None:
    score = score_competition("men_decathlon", {"100m": 10_600, "LJ": 7_800}, hand_timed={"100m"})
    assert [s.points for s in score.events[:2]] == [897, 1010]


@pytest.mark.parametrize(
    "call",
    [
        lambda: get_competition("mens_decathlon"),
        lambda: event_points("octathlon", "100m", 10_550),
        lambda: event_points("men_decathlon", "100mH", 13_000),
        lambda: event_points("women_heptathlon", "110mH", 13_000),
        lambda: score_competition("men_decathlon", {"100 m": 10_550}),
        lambda: score_competition("men_decathlon", {}, hand_timed={"200m"}),
        lambda: event_points("men_decathlon", "LJ", 7_800, hand_timed=True),
        lambda: event_points("men_decathlon", "100m", -1),
        lambda: event_points("men_decathlon", "100m", 0),
        lambda: event_points("men_decathlon", "100m", 10.55),  # type: ignore[arg-type]
        lambda: event_points("men_decathlon", "100m", "10.55"),  # type: ignore[arg-type]
        lambda: event_points("men_decathlon", "HJ", True),
    ],
)
def test_bad_input_is_a_validation_error(call: Callable[[], object]) -> None:
    with pytest.raises(ValidationError):
        call()


def test_unknown_event_error_names_the_event_and_competition() -> None:
    with pytest.raises(ValidationError) as raised:
        score_competition("women_heptathlon", {"PV": 4_000})
    details = raised.value.details
    assert isinstance(details, dict)
    assert details["event"] == "PV"
    assert details["competition"] == "women_heptathlon"


@given(st.integers(1, 30_000), st.integers(1, 30_000))
def test_faster_never_scores_less(first: int, second: int) -> None:
    faster, slower = sorted((first, second))
    assert (
        event_points("men_decathlon", "100m", faster)
        >= event_points("men_decathlon", "100m", slower)
        >= 0
    )


@given(st.integers(0, 100_000), st.integers(0, 100_000))
def test_farther_never_scores_less(first: int, second: int) -> None:
    shorter, longer = sorted((first, second))
    assert (
        event_points("women_heptathlon", "JT", longer)
        >= event_points("women_heptathlon", "JT", shorter)
        >= 0
    )
