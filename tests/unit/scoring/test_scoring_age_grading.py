from decimal import Decimal

import pytest

from athsys.errors import ValidationError
from athsys.sport.age_grading import ROAD_EDITIONS, age_factor, age_grade, age_grade_events

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("sex", "age", "event", "factor", "edition"),
    [
        # wma2023_track_field_factors_M.csv, row 60: 100 -> 0.8429, LH -> 1.1628, HJ -> 1.2981
        ("M", 60, "100m", "0.8429", "2025"),
        ("M", 60, "LH", "1.1628", "2025"),
        ("M", 60, "HJ", "1.2981", "2025"),
        # wma2023_track_field_factors_F.csv, row 70: SP -> 1.6631, MAR -> 0.7142
        ("F", 70, "SP", "1.6631", "2025"),
        ("F", 70, "MAR", "0.7142", "2025"),
        # every event is 1 at 30
        ("F", 30, "10000m", "1", "2025"),
        # row 110 (last): PV -> 50
        ("M", 110, "PV", "50", "2025"),
        # road_agegrade_AlanJones_2020_M.csv, row 73: "H. Mar" -> 0.7102, "Marathon" -> 0.7104
        ("M", 73, "ROAD_HM", "0.7102", "2020"),
        ("M", 73, "ROAD_MAR", "0.7104", "2020"),
        # road_agegrade_AlanJones_2020_F.csv, row 50: "10 km" -> 0.8822, "1 Mile" -> 0.8937
        ("F", 50, "ROAD_10K", "0.8822", "2020"),
        ("F", 50, "ROAD_1MI", "0.8937", "2020"),
        # first and last road rows
        ("F", 5, "ROAD_5K", "0.722", "2020"),
        ("M", 100, "ROAD_200K", "0.1903", "2020"),
        # road_agegrade_AlanJones_2025_M.csv, row 73: "H. Mar" 0.704, "Marathon" 0.7063,
        # "7 Mile" (new in 2025) 0.7116; _F.csv row 50: "1 Mile" 0.8985; first and last rows
        ("M", 73, "ROAD_HM", "0.704", "2025"),
        ("M", 73, "ROAD_MAR", "0.7063", "2025"),
        ("M", 73, "ROAD_7MI", "0.7116", "2025"),
        ("F", 50, "ROAD_1MI", "0.8985", "2025"),
        ("F", 5, "ROAD_5K", "0.6903", "2025"),
        ("M", 100, "ROAD_200K", "0.1919", "2025"),
    ],
)
def test_age_factor_is_the_table_cell(sex: str, age: int, event: str, factor: str,
                                      edition: str) -> None:
    assert age_factor(sex, age, event, edition) == Decimal(factor)


def test_running_m60_100m() -> None:
    # factor 0.8429, OC 9.58 s; 12.50 s:
    # age standard 9580 / 0.8429 = 11365.52 -> 11366 ms (up)
    # age-graded time 12500 * 0.8429 = 10536.25 -> 10537 ms (up)
    # grade 9580 / (0.8429 * 12500) = 90.9241... % -> 90.92
    graded = age_grade("M", 60, "100m", 12_500)
    assert graded.table == "WMA 2023"
    assert graded.factor == Decimal("0.8429")
    assert graded.open_standard == 9_580
    assert graded.age_standard == 11_366
    assert graded.age_graded_mark == 10_537
    assert graded.percentage == Decimal("90.92")


def test_running_with_a_factor_above_one_m60_long_hurdles() -> None:
    # M60 run 300 m hurdles against the 400 m hurdles standard: factor 1.1628, OC 45.94 s;
    # 45.00 s -> 45940 / (1.1628 * 45000) = 87.7957... % -> 87.79; standard 39508.08 -> 39509 ms
    graded = age_grade("M", 60, "LH", 45_000)
    assert graded.percentage == Decimal("87.79")
    assert graded.age_standard == 39_509
    assert graded.age_graded_mark == 52_326


def test_field_event_f70_shot_put() -> None:
    # factor 1.6631, OC 21.24 m; 10.50 m:
    # age-graded mark 10500 * 1.6631 = 17462.55 -> 17462 mm (down)
    # age standard 21240 / 1.6631 = 12771.33 -> 12771 mm (down)
    # grade 10500 * 1.6631 / 21240 = 82.2153... % -> 82.21
    graded = age_grade("F", 70, "SP", 10_500)
    assert graded.age_graded_mark == 17_462
    assert graded.age_standard == 12_771
    assert graded.open_standard == 21_240
    assert graded.percentage == Decimal("82.21")


def test_field_event_m50_high_jump() -> None:
    # wma2023 M row 50, HJ factor 1.1724, OC 2.45 m; 1.80 m -> 1800 * 1.1724 / 2450 = 86.1355... %
    graded = age_grade("M", 50, "HJ", 1_800)
    assert graded.factor == Decimal("1.1724")
    assert graded.age_graded_mark == 2_110
    assert graded.age_standard == 2_089
    assert graded.percentage == Decimal("86.13")


def test_road_f50_10k() -> None:
    # factor 0.8822, OC 1783 s; 45:00 -> 1783 / (0.8822 * 2700) = 74.8549... % -> 74.85
    graded = age_grade("F", 50, "ROAD_10K", 2_700_000, edition="2020")
    assert graded.table == "Alan Jones 2020 road"
    assert graded.open_standard == 1_783_000
    assert graded.age_standard == 2_021_084  # 2021083.65 up
    assert graded.age_graded_mark == 2_381_940
    assert graded.percentage == Decimal("74.85")


def test_whitlock_m73_marathon_toronto_2004() -> None:
    # Ed Whitlock, 2:54:48 at 73 (Toronto 2004). Factor 0.7104, OC 7299 s:
    # 7299 / (0.7104 * 10488) = 97.964... % ; age-graded time 10488 * 0.7104 = 7450.6752 s.
    graded = age_grade("M", 73, "ROAD_MAR", 10_488_000, edition="2020")
    assert graded.percentage == Decimal("97.96")
    assert graded.age_graded_mark == 7_450_676
    # Published with the earlier tables (New York Times, 2010): "equivalent to 2:03:57".
    assert abs(graded.age_graded_mark - 7_437_000) < 30_000


def test_the_2025_road_tables_are_the_default() -> None:
    # 2025: F50 10 km factor 0.8822, OC 1726 s (2020: 1783 s); 45:00 ->
    # 1726 / (0.8822 * 2700) = 72.4618... % -> 72.46; standard 1956472.4 -> 1956473 ms (up)
    graded = age_grade("F", 50, "ROAD_10K", 2_700_000)
    assert graded.table == "Alan Jones 2025 road"
    assert (graded.open_standard, graded.age_standard) == (1_726_000, 1_956_473)
    assert graded.percentage == Decimal("72.46")
    # Whitlock's 2:54:48 at 73 with the 2025 marathon (factor 0.7063, OC 7235 s, the 2:00:35
    # world record): 7235 / (0.7063 * 10488) = 97.669... % -> 97.66
    whitlock = age_grade("M", 73, "ROAD_MAR", 10_488_000)
    assert whitlock.percentage == Decimal("97.66") and whitlock.age_graded_mark == 7_407_675
    assert age_grade("M", 50, "100m", 12_000) == age_grade("M", 50, "100m", 12_000, "2020")


def test_an_unknown_edition_is_refused_naming_the_editions() -> None:
    with pytest.raises(ValidationError, match="2020, 2025"):
        age_grade("M", 50, "ROAD_10K", 2_400_000, edition="2015")


def test_the_open_standard_at_30_grades_exactly_100_and_the_percentage_is_cut() -> None:
    assert age_grade("M", 30, "100m", 9_580).percentage == Decimal("100.00")
    # 9580 / 9581 = 99.9895... %: cut to 99.98, not rounded to 99.99
    assert age_grade("M", 30, "100m", 9_581).percentage == Decimal("99.98")


def test_event_keys_and_measures() -> None:
    events = age_grade_events()
    assert len(events) == 30 + 22  # 2025 adds 7 miles
    assert len(age_grade_events("2020")) == 30 + 21
    assert events["100m"] == "time"
    assert events["PV"] == "distance"
    assert events["WT"] == "distance"
    assert events["ROAD_MAR"] == "time"
    assert {key for key, measure in events.items() if measure == "distance"} == {
        "HJ",
        "PV",
        "LJ",
        "TJ",
        "SP",
        "DT",
        "HT",
        "JT",
        "WT",
    }


@pytest.mark.parametrize("edition", ROAD_EDITIONS)
def test_every_cell_is_usable(edition: str) -> None:
    for event in age_grade_events(edition):
        ages = range(30, 111) if not event.startswith("ROAD_") else range(5, 101)
        for sex in ("M", "F"):
            for age in ages:
                assert age_factor(sex, age, event, edition) > 0
            assert age_grade(sex, ages[0], event, 60_000, edition).open_standard > 0


@pytest.mark.parametrize(
    ("sex", "age", "event", "mark", "field"),
    [
        ("M", 29, "100m", 12_000, "age"),
        ("M", 111, "100m", 12_000, "age"),
        ("F", 4, "ROAD_5K", 1_500_000, "age"),
        ("F", 101, "ROAD_5K", 1_500_000, "age"),
        ("M", 50.0, "100m", 12_000, "age"),
        ("X", 50, "100m", 12_000, "sex"),
        ("m", 50, "100m", 12_000, "sex"),
        ("M", 50, "100", 12_000, "event"),
        ("M", 50, "ROAD_42K", 12_000, "event"),
        ("M", 50, "100m", 0, "mark"),
        ("M", 50, "100m", -12_000, "mark"),
        ("M", 50, "100m", 12.5, "mark"),
    ],
)
def test_bad_input_names_the_field(
    sex: str, age: object, event: str, mark: object, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        age_grade(sex, age, event, mark)  # type: ignore[arg-type]
    assert field in raised.value.details


def test_age_outside_the_table_names_its_range() -> None:
    with pytest.raises(ValidationError) as raised:
        age_factor("F", 25, "HJ")
    details = raised.value.details
    assert isinstance(details, dict)
    assert (details["min_age"], details["max_age"]) == (30, 110)
