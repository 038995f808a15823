from datetime import date
from fractions import Fraction

import pytest

from athsys.errors import ValidationError
from athsys.leaderboards import exports, rules, teams
from athsys.sport.age_categories import age_category
from athsys.sport.marks import Measure
from athsys.sport.ranking import ResultStatus

pytestmark = pytest.mark.unit

OK, DNF, DNS, DQ, NM = (ResultStatus.OK, ResultStatus.DNF, ResultStatus.DNS, ResultStatus.DQ,
                        ResultStatus.NM)


def P(entry_id, mark, status=OK):  # noqa: N802
    return rules.Performance(entry_id, mark, status)


def test_rank_times_ties_gaps_and_unplaced_order():
    board = rules.rank([P(1, 10_071), P(2, None, DNS), P(3, 10_065), P(4, 10_071),
                        P(5, None, DNF), P(6, 10_200), P(7, None, DQ)], Measure.TIME)
    assert [(s.entry_id, s.place, s.gap, s.tied) for s in board] == [
        (3, 1, 0, False), (1, 2, 6, True), (4, 2, 6, True), (6, 4, 135, False),
        (5, None, None, False), (7, None, None, False), (2, None, None, False)]


def test_rank_distances_higher_is_better():
    board = rules.rank([P(1, 8_410), P(2, 8_950), P(3, None, NM)], Measure.DISTANCE)
    assert [(s.entry_id, s.place, s.gap) for s in board] == [(2, 1, 0), (1, 2, 540),
                                                             (3, None, None)]


def test_places_of_a_page_from_one_count():
    # whole order: 10, 20, 20, 20, 30 -> places 1, 2, 2, 2, 5; page = lines 3..5
    assert rules.places_of_page(1, 2, [20, 20, 30]) == [(2, True), (2, True), (5, False)]
    assert rules.places_of_page(0, 0, [10, 20, 20]) == [(1, False), (2, True), (2, True)]
    assert rules.places_of_page(0, 0, []) == []


@pytest.mark.parametrize("birth, day, sex, expected", [
    (date(1990, 6, 1), date(2025, 5, 31), "M", "SEN"),   # 34 the day before the birthday
    (date(1990, 6, 1), date(2025, 6, 1), "M", "M35"),
    (date(1980, 1, 1), date(2025, 7, 1), "F", "W45"),
    (date(2007, 12, 31), date(2025, 1, 1), "M", "U20"),  # 18 on 31 December
    (date(2008, 1, 1), date(2025, 1, 1), "F", "U18"),
    (None, date(2025, 1, 1), "M", "SEN"),
])
def test_age_category(birth, day, sex, expected):
    assert age_category(sex, birth, day) == expected


def test_team_scores_share_points_of_tied_places():
    standings = rules.rank([P(1, 100), P(2, 100), P(3, 120), P(4, 130), P(5, None, DNF)],
                           Measure.TIME)
    team_of = {1: "A", 2: "B", 3: "A", 4: "B", 5: "B"}
    scheme = teams.PointsScheme((8, 7, 6, 5))
    assert teams.place_points(standings, scheme) == {1: Fraction(15, 2), 2: Fraction(15, 2),
                                                     3: 6, 4: 5}
    scores = teams.team_scores(standings, team_of, scheme)
    assert [(s.team, s.place, s.points) for s in scores] == [
        ("A", 1, Fraction(27, 2)), ("B", 2, Fraction(25, 2))]
    assert teams.format_points(Fraction(27, 2)) == "13.5"
    best_one = teams.team_scores(standings, team_of, teams.PointsScheme((8, 7, 6, 5), 1))
    assert [(s.team, s.place, s.scorers) for s in best_one] == [("A", 1, (1,)), ("B", 1, (2,))]


@pytest.mark.parametrize("points, scorers", [("10,x", None), ("", "0"), ("1," * 101, None)])
def test_bad_points_schemes_are_named(points, scorers):
    with pytest.raises(ValidationError):
        teams.parse_points_scheme(points, scorers)


def test_parse_points_scheme():
    assert teams.parse_points_scheme("10,8,6", "3") == teams.PointsScheme((10, 8, 6), 3)
    assert teams.parse_points_scheme(None, None) == teams.DEFAULT_POINTS


LINES = [
    {"place": 1, "bib": "7", "name": "Ann Lee", "first_name": "Ann", "last_name": "Lee",
     "club": "HAR", "club_name": "Harriers; North", "mark_text": "10.07", "status": "OK",
     "wind": "+1.2", "records": ["MR", "PB"], "gap": 0, "gap_text": "", "heat": 1,
     "official": True},
    {"place": None, "bib": "9", "name": "Bo Kim", "first_name": "Bo", "last_name": "Kim",
     "club": "", "mark_text": "DNF", "status": "DNF", "heat": 1, "official": True},
]


def test_results_csv_keeps_statuses():
    text = exports.results_csv([("100 m", LINES)])
    rows = text.splitlines()
    assert rows[0].startswith("event,place,bib,name")
    assert rows[1] == "100 m,1,7,Ann Lee,HAR,,10.07,OK,,+1.2,MR PB,,1,yes"  # the leader: no gap
    assert rows[2] == "100 m,,9,Bo Kim,,,DNF,DNF,,,,,1,yes"
    second = {**LINES[0], "bib": "8", "place": 2, "gap": 350, "gap_text": "+0.35"}
    assert exports.results_csv([("100 m", [second])]).splitlines()[1].endswith(",+0.35,1,yes")


def test_hytek_semicolon_layout():
    event = {"number": 3, "name": "100 m", "sex": "F", "age_category": "SEN", "round": "final"}
    text = exports.hytek_semicolon([(event, LINES)])
    assert text.split("\r\n")[:2] == [
        "3;100 m;F;SEN;final;1;1;7;Lee;Ann;HAR;Harriers, North;10.07;+1.2;OK;MR,PB;;",
        "3;100 m;F;SEN;final;1;;9;Kim;Bo;;;DNF;;DNF;;;"]
    assert exports.hytek_semicolon([]) == ""


@pytest.mark.parametrize(("sex", "age", "event", "mark"), [
    ("M", 25, "ROAD_10K", 1_800_000),  # 30:00 10 km
    ("M", 60, "ROAD_10K", 2_100_000),
    ("F", 47, "ROAD_MAR", 11_400_000),  # 3:10:00 marathon
    ("M", 75, "100m", 14_210),
    ("F", 52, "LJ", 4_310),  # 4.31 m
    ("M", 41, "SP", 12_050),
])
def test_grade_hundredths_is_the_age_grading_percentage(sex, age, event, mark):
    from athsys.sport.age_grading import age_grade

    assert rules.grade_hundredths(sex, age, event, mark) == int(
        age_grade(sex, age, event, mark).percentage * 100)


@pytest.mark.parametrize("edition", ["2020", "2025"])
def test_grade_hundredths_follows_the_road_tables_edition_asked_for(edition):
    from athsys.sport.age_grading import age_grade

    # a 1:20:00 half marathon at 46: the open standard moved from 58:01 (2020) to 57:31
    grade = rules.grade_hundredths("M", 46, "ROAD_HM", 4_800_000, edition)
    assert grade == int(age_grade("M", 46, "ROAD_HM", 4_800_000, edition).percentage * 100)
    other = "2025" if edition == "2020" else "2020"
    assert grade != rules.grade_hundredths("M", 46, "ROAD_HM", 4_800_000, other)


def test_grade_hundredths_outside_the_tables_is_none():
    assert rules.grade_hundredths("M", 20, "100m", 10_500) is None  # WMA starts at 30
    assert rules.grade_hundredths("M", 40, "100m", 0) is None
