import pytest
from hypothesis import given
from hypothesis import strategies as st

from athsys.errors import ValidationError
from athsys.sport.marks import (
    Measure,
    format_gap,
    format_mark,
    format_wind,
    official_mark,
    parse_mark,
    parse_wind,
    round_down_to_centimetre,
    round_up_to_hundredth,
    round_up_to_second,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("10.43", 10_430),
        ("9.991", 9_991),
        ("9.58", 9_580),
        ("10", 10_000),
        ("0.5", 500),
        ("1:45.12", 105_120),
        ("3:26.00", 206_000),
        ("29:13", 1_753_000),
        ("2:09:45", 7_785_000),
        ("2:09:44.3", 7_784_300),
        ("1:02:03.45", 3_723_450),
        ("1:59:40.2", 7_180_200),
        ("  10.43 ", 10_430),
    ],
)
def test_parse_time(text: str, ms: int) -> None:
    assert parse_mark(text, Measure.TIME) == ms


@pytest.mark.parametrize(
    ("text", "measure", "mm"),
    [
        ("8.41", Measure.DISTANCE, 8_410),
        ("8.95", Measure.DISTANCE, 8_950),
        ("71.90", Measure.DISTANCE, 71_900),
        ("98.48", Measure.DISTANCE, 98_480),
        ("8.417", Measure.DISTANCE, 8_417),
        ("8", Measure.DISTANCE, 8_000),
        ("8.4", Measure.DISTANCE, 8_400),
        ("2.05", Measure.HEIGHT, 2_050),
        ("6.26", Measure.HEIGHT, 6_260),
    ],
)
def test_parse_distance_and_height(text: str, measure: Measure, mm: int) -> None:
    assert parse_mark(text, measure) == mm


def test_parse_points() -> None:
    assert parse_mark("9126", Measure.POINTS) == 9126
    assert parse_mark("7291", Measure.POINTS) == 7291


@pytest.mark.parametrize(
    ("text", "measure", "problem"),
    [
        ("abc", Measure.TIME, "is not a time mark"),
        ("", Measure.TIME, "is required"),
        ("   ", Measure.DISTANCE, "is required"),
        ("-10.43", Measure.TIME, "cannot be negative"),
        ("-8.41", Measure.DISTANCE, "cannot be negative"),
        ("2:09:45", Measure.DISTANCE, "written in metres"),
        ("1:45.12", Measure.HEIGHT, "written in metres"),
        ("1:75.00", Measure.TIME, "two digits from 00 to 59"),
        ("1:60", Measure.TIME, "two digits from 00 to 59"),
        ("1:5.12", Measure.TIME, "two digits from 00 to 59"),
        ("2:61:00", Measure.TIME, "minutes after hours"),
        ("2:9:45", Measure.TIME, "minutes after hours"),
        ("1:02:03:04", Measure.TIME, "at most hours, minutes and seconds"),
        ("8.4123", Measure.DISTANCE, "too many decimals"),
        ("8,41", Measure.DISTANCE, "is not a distance mark"),
        ("10.", Measure.TIME, "is not a time mark"),
        (".43", Measure.TIME, "is not a time mark"),
        ("1e3", Measure.TIME, "is not a time mark"),
        ("١٠.٤٣", Measure.TIME, "is not a time mark"),
        ("9126.5", Measure.POINTS, "whole number"),
        ("+8.41", Measure.DISTANCE, "is not a distance mark"),
    ],
)
def test_parse_rejects(text: str, measure: Measure, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_mark(text, measure, field="line 3, mark")
    assert problem in caught.value.message
    assert caught.value.message.startswith("line 3, mark:")
    assert caught.value.details["value"] == text


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (9_991, 10_000),
        (10_210, 10_210),
        (10_211, 10_220),
        (9_572, 9_580),
        (0, 0),
        (1, 10),
    ],
)
def test_round_up_to_hundredth(ms: int, expected: int) -> None:
    assert round_up_to_hundredth(ms) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(7_784_300, 7_785_000), (7_785_000, 7_785_000), (7_785_001, 7_786_000), (0, 0)],
)
def test_round_up_to_second(ms: int, expected: int) -> None:
    assert round_up_to_second(ms) == expected


def test_round_down_to_centimetre() -> None:
    assert round_down_to_centimetre(8_417) == 8_410
    assert round_down_to_centimetre(8_410) == 8_410
    assert round_down_to_centimetre(8_419) == 8_410


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (9_991, "10.00"),
        (9_580, "9.58"),
        (10_430, "10.43"),
        (10_421, "10.43"),
        (59_991, "1:00.00"),
        (105_120, "1:45.12"),
        (206_000, "3:26.00"),
        (3_599_999, "1:00:00.00"),
        (3_723_450, "1:02:03.45"),
        (7_784_301, "2:09:44.31"),
    ],
)
def test_format_track_time_rounds_up_to_hundredth(ms: int, expected: str) -> None:
    assert format_mark(ms, Measure.TIME) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (7_784_300, "2:09:45"),  # the marathon example of the rules: 2:09:44.3 -> 2:09:45
        (7_785_000, "2:09:45"),
        (1_752_001, "29:13"),
        (1_753_000, "29:13"),
        (3_599_001, "1:00:00"),
        (45_000, "0:45"),
    ],
)
def test_format_road_time_rounds_up_to_second(ms: int, expected: str) -> None:
    assert format_mark(ms, Measure.TIME, road=True) == expected


@pytest.mark.parametrize(
    ("mm", "measure", "expected"),
    [
        (8_410, Measure.DISTANCE, "8.41"),
        (8_419, Measure.DISTANCE, "8.41"),
        (71_900, Measure.DISTANCE, "71.90"),
        (98_480, Measure.DISTANCE, "98.48"),
        (2_050, Measure.HEIGHT, "2.05"),
        (6_005, Measure.HEIGHT, "6.00"),
        (90, Measure.DISTANCE, "0.09"),
        (9_126, Measure.POINTS, "9126"),
    ],
)
def test_format_field_and_points(mm: int, measure: Measure, expected: str) -> None:
    assert format_mark(mm, measure) == expected


def test_format_refuses_negative_and_road_for_field() -> None:
    with pytest.raises(ValidationError, match="cannot be negative"):
        format_mark(-1, Measure.TIME)
    with pytest.raises(ValidationError, match="road rounding applies to times"):
        format_mark(8_410, Measure.DISTANCE, road=True)


def test_official_mark() -> None:
    assert official_mark(9_572, Measure.TIME) == 9_580
    assert official_mark(7_784_300, Measure.TIME, road=True) == 7_785_000
    assert official_mark(8_417, Measure.DISTANCE) == 8_410
    assert official_mark(9_126, Measure.POINTS) == 9_126


def test_measure_direction() -> None:
    assert not Measure.TIME.higher_is_better
    assert Measure.DISTANCE.higher_is_better
    assert Measure.HEIGHT.higher_is_better
    assert Measure.POINTS.higher_is_better


@pytest.mark.parametrize(
    ("text", "tenths", "published"),
    [("+1.2", 12, "+1.2"), ("1.2", 12, "+1.2"), ("-0.5", -5, "-0.5"), ("0.0", 0, "+0.0"),
     ("+2", 20, "+2.0"), ("-2.1", -21, "-2.1")],
)
def test_wind(text: str, tenths: int, published: str) -> None:
    assert parse_wind(text) == tenths
    assert format_wind(tenths) == published


@pytest.mark.parametrize("text", ["", "+1.25", "1,2", "calm", "--1.0"])
def test_wind_rejects(text: str) -> None:
    with pytest.raises(ValidationError, match="wind reading"):
        parse_wind(text)


def _hundredths_text(hundredths: int) -> str:
    seconds, fraction = divmod(hundredths, 100)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{seconds:02d}.{fraction:02d}"
    if minutes:
        return f"{minutes}:{seconds:02d}.{fraction:02d}"
    return f"{seconds}.{fraction:02d}"


@given(st.integers(min_value=0, max_value=10 * 3600 * 100))
def test_track_time_round_trips_at_hundredths(hundredths: int) -> None:
    text = _hundredths_text(hundredths)
    assert format_mark(parse_mark(text, Measure.TIME), Measure.TIME) == text


@given(st.integers(min_value=0, max_value=100_000))
def test_distance_round_trips_at_centimetres(centimetres: int) -> None:
    text = f"{centimetres // 100}.{centimetres % 100:02d}"
    assert format_mark(parse_mark(text, Measure.DISTANCE), Measure.DISTANCE) == text


@given(st.integers(min_value=0, max_value=10**9))
def test_rounding_never_goes_down_and_stays_within_one_step(ms: int) -> None:
    hundredth = round_up_to_hundredth(ms)
    second = round_up_to_second(ms)
    assert ms <= hundredth < ms + 10 and hundredth % 10 == 0
    assert ms <= second < ms + 1000 and second % 1000 == 0
    assert parse_mark(format_mark(ms, Measure.TIME), Measure.TIME) == hundredth
    assert parse_mark(format_mark(ms, Measure.TIME, road=True), Measure.TIME) == second


@pytest.mark.parametrize(("mark", "leader", "measure", "road", "expected"), [
    (10_450, 10_431, Measure.TIME, False, "+0.01"),  # 10.45 behind 10.44: published marks
    (10_449, 10_431, Measure.TIME, False, "+0.01"),
    (10_440, 10_431, Measure.TIME, False, ""),  # both publish as 10.44: a tie shows no gap
    (132_150, 71_050, Measure.TIME, False, "+1:01.10"),
    (1_805_200, 1_800_000, Measure.TIME, True, "+0:06"),  # 30:06 behind 30:00 on the road
    (8_220, 8_412, Measure.DISTANCE, False, "-0.19"),
    (2_300, 2_350, Measure.HEIGHT, False, "-0.05"),
    (8_893, 9_126, Measure.POINTS, False, "-233"),
])
def test_gaps_are_published_in_the_marks_notation(mark: int, leader: int, measure: Measure,
                                                  road: bool, expected: str) -> None:
    assert format_gap(mark, leader, measure, road=road) == expected


@pytest.mark.parametrize(("text", "ms"), [
    ("10.4321", 10_433),  # rounded up to the millisecond, never refused
    ("10.4320", 10_432),
    ("10.43200001", 10_433),
    ("1:45.1234", 105_124),
    ("2:09:45.0001", 7_785_001),
])
def test_readings_finer_than_a_millisecond_are_rounded_up(text: str, ms: int) -> None:
    assert parse_mark(text, Measure.TIME) == ms
