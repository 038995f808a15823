"""A competition's team score scheme (validated whole) and its standings over events."""

from fractions import Fraction

import pytest

from athsys.errors import ValidationError
from athsys.leaderboards.rules import Standing
from athsys.leaderboards.team_scheme import cross_country_totals, points_totals
from athsys.leaderboards.teams import (
    CrossCountryScheme,
    PointsScheme,
    cross_country_scores,
    team_scores,
)
from athsys.sport.ranking import ResultStatus
from athsys.sport.team_schemes import (
    TeamScheme,
    is_relay,
    parse_scheme_text,
    parse_team_scheme,
    scheme_text,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("given", "expected"), [
    ({"preset": "dual"}, TeamScheme("points", (5, 3, 1))),
    ({"preset": "league"}, TeamScheme("points", (8, 7, 6, 5, 4, 3, 2, 1))),
    ({"preset": "championship", "scorers": 2, "relays": False},
     TeamScheme("points", (10, 8, 6, 5, 4, 3, 2, 1), 2, 0, False)),
    ({"scoring": "points", "points": [6, 4, 2, 0]}, TeamScheme("points", (6, 4, 2, 0))),
    ({"points": [3, 3, 1]}, TeamScheme("points", (3, 3, 1))),
    ({"preset": "cross-country"}, TeamScheme("cross-country", (), 4, 2)),
    ({"scoring": "cross-country", "scorers": 5, "displacers": 0},
     TeamScheme("cross-country", (), 5, 0)),
])
def test_a_scheme_is_read_whole_with_presets_spelled_out(given, expected):
    assert parse_team_scheme(given) == expected


@pytest.mark.parametrize(("given", "named"), [
    ([5, 3, 1], "team_scheme"),
    ({"preset": "olympic"}, "team_scheme.preset"),
    ({"points": [1, 3, 5]}, "team_scheme.points"),
    ({"points": [5, -1]}, "team_scheme.points"),
    ({"points": [5.5, 3]}, "team_scheme.points"),
    ({"points": []}, "team_scheme.points"),
    ({"points": "5,3,1"}, "team_scheme.points"),
    ({"preset": "dual", "points": [5, 3, 1]}, "team_scheme.points"),
    ({"preset": "dual", "scorers": 0}, "team_scheme.scorers"),
    ({"preset": "dual", "scorers": True}, "team_scheme.scorers"),
    ({"preset": "dual", "displacers": 2}, "team_scheme.displacers"),
    ({"preset": "cross-country", "scorers": 0}, "team_scheme.scorers"),
    ({"preset": "cross-country", "displacers": -1}, "team_scheme.displacers"),
    ({"preset": "cross-country", "points": [1]}, "team_scheme.points"),
    ({"preset": "cross-country", "scoring": "points"}, "team_scheme.scoring"),
    ({"preset": "dual", "relays": "yes"}, "team_scheme.relays"),
    ({"preset": "dual", "cap": 3}, "team_scheme.cap"),
])
def test_a_scheme_that_cannot_be_applied_is_refused_naming_the_field(given, named):
    with pytest.raises(ValidationError) as refused:
        parse_team_scheme(given)
    assert named in refused.value.details


def test_the_stored_form_reads_back_as_the_same_scheme():
    for given in ({"preset": "league", "scorers": 3}, {"preset": "cross-country"}):
        scheme = parse_team_scheme(given)
        assert parse_team_scheme(scheme.as_json()) == scheme


@pytest.mark.parametrize(("code", "relay"), [
    ("4x100m", True), ("4x400m", True), ("4x400mix", True), ("100m", False), ("HJ", False),
    ("10000m", False),
])
def test_relays_are_known_by_their_discipline(code, relay):
    assert is_relay(code) is relay


def _event(*teams_in_order: str, scheme: PointsScheme):
    """An event's team scores from its finishing order written as team letters."""
    standings = [Standing(i, i, 1000 + i, ResultStatus.OK, None, False)
                 for i in range(1, len(teams_in_order) + 1)]
    team_of = dict(enumerate(teams_in_order, start=1))
    return team_scores(standings, team_of, scheme), {s.entry_id: s.place for s in standings}


def test_points_are_summed_over_events():
    dual = PointsScheme((5, 3, 1))
    totals = points_totals([_event("A", "B", "A", scheme=dual),  # A 6, B 3
                            _event("B", "B", "A", scheme=dual)])  # B 8, A 1
    assert [(t.team, t.place, t.points, t.events) for t in totals] == [
        ("B", 1, Fraction(11), 2), ("A", 2, Fraction(7), 2)]


def test_the_cap_of_scorers_per_team_per_event_applies():
    league = PointsScheme((8, 7, 6, 5, 4, 3, 2, 1), scorers=1)
    totals = points_totals([_event("A", "A", "A", "B", scheme=league)])
    assert [(t.team, t.points) for t in totals] == [("A", Fraction(8)), ("B", Fraction(5))]


def test_a_tie_in_points_goes_to_more_first_places_then_seconds():
    """A and C: 1st and 3rd (5+1), B: 2nd twice (3+3), all on 6; A and C have a first place,
    B none, so B is third and A and C share first."""
    dual = PointsScheme((5, 3, 1))
    totals = points_totals([_event("A", "B", "A", scheme=dual),
                            _event("C", "B", "C", scheme=dual)])
    assert [(t.team, t.place, t.points) for t in totals] == [
        ("A", 1, Fraction(6)), ("C", 1, Fraction(6)), ("B", 3, Fraction(6))]


def test_teams_equal_on_points_and_places_share():
    dual = PointsScheme((5, 3, 1))
    totals = points_totals([_event("A", "B", scheme=dual), _event("B", "A", scheme=dual)])
    assert [(t.team, t.place, t.points) for t in totals] == [
        ("A", 1, Fraction(8)), ("B", 1, Fraction(8))]


def _race(*runners: str):
    order = list(range(1, len(runners) + 1))
    return order, dict(zip(order, (r[0] for r in runners), strict=True))


def test_cross_country_one_race_is_the_published_result():
    """mrbsupersite.com "Cross Country Scoring" (5 scorers): A 27 beats B 28, C incomplete."""
    order, team_of = _race("A1", "B1", "B2", "C1", "A2", "B3", "A3", "C2", "A4", "B4", "A5",
                           "B5")
    race = cross_country_scores(order, team_of, CrossCountryScheme(5, 2))
    totals = cross_country_totals([race], 5)
    assert [(t.team, t.place, t.points) for t in totals] == [
        ("A", 1, Fraction(27)), ("B", 2, Fraction(28)), ("C", None, Fraction(0))]


def test_cross_country_tie_goes_to_the_nearer_last_scorer():
    """Two scorers: A 1+4 = 5, B 2+3 = 5; B's last scorer (3) beat A's (4)."""
    order, team_of = _race("A1", "B1", "B2", "A2")
    totals = cross_country_totals([cross_country_scores(order, team_of,
                                                        CrossCountryScheme(2, 0))], 2)
    assert [(t.team, t.place) for t in totals] == [("B", 1), ("A", 2)]


def test_cross_country_over_races_ranks_only_teams_complete_in_every_race():
    scheme = CrossCountryScheme(2, 0)
    first = cross_country_scores(*_race("A1", "B1", "A2", "B2", "C1", "C2"), scheme)
    second = cross_country_scores(*_race("B1", "B2", "A1", "A2", "C1"), scheme)
    totals = cross_country_totals([first, second], 2)
    # first: A 1+3 = 4, B 2+4 = 6, C 5+6 = 11; second: B 1+2 = 3, A 3+4 = 7, C incomplete
    assert [(t.team, t.place, t.points, t.events) for t in totals] == [
        ("B", 1, Fraction(9), 2), ("A", 2, Fraction(11), 2), ("C", None, Fraction(11), 1)]


@pytest.mark.parametrize(("text", "expected"), [
    ("league", TeamScheme("points", (8, 7, 6, 5, 4, 3, 2, 1))),
    ("Championship; scorers 3; no relays",
     TeamScheme("points", (10, 8, 6, 5, 4, 3, 2, 1), 3, 0, False)),
    ("points 6,4,2", TeamScheme("points", (6, 4, 2))),
    ("cross-country; scorers 5; displacers 2", TeamScheme("cross-country", (), 5, 2)),
])
def test_the_admin_notation_reads_and_writes_back(text, expected):
    assert parse_scheme_text(text) == expected
    assert parse_scheme_text(scheme_text(expected)) == expected


@pytest.mark.parametrize("text", ["", "points 6,x", "league; cap 3", "points 1,2,3",
                                  "cross-country; scorers 0"])
def test_the_admin_notation_refuses_what_cannot_be_applied(text):
    with pytest.raises(ValidationError):
        parse_scheme_text(text)
