"""Cross-country team scoring: published worked examples and the rules' cases."""

import pytest

from athsys.errors import ValidationError
from athsys.leaderboards.teams import (
    CrossCountryScheme,
    cross_country_scores,
    parse_cross_country_scheme,
)

pytestmark = pytest.mark.unit


def race(*runners: str) -> tuple[list[int], dict[int, str]]:
    """Finishing order written as team letter + runner number ("A1", "B2")."""
    order = list(range(1, len(runners) + 1))
    return order, {entry: name[0] for entry, name in zip(order, runners, strict=True)}


def test_a_published_worked_example_drops_the_incomplete_team():
    """mrbsupersite.com "Cross Country Scoring": 12 finishers, team C with 2 runners is left
    out and the others renumbered; A = 1+4+6+7+9 = 27 beats B = 2+3+5+8+10 = 28."""
    order, team_of = race("A1", "B1", "B2", "C1", "A2", "B3", "A3", "C2", "A4", "B4", "A5",
                          "B5")
    scores = cross_country_scores(order, team_of, CrossCountryScheme(scorers=5, displacers=2))
    assert [(t.team, t.place, t.points) for t in scores] == [
        ("A", 1, 27), ("B", 2, 28), ("C", None, None)]
    assert scores[0].team_places == (1, 4, 6, 7, 9)


def test_displacers_push_the_others_back_and_eighth_runners_do_not():
    # A's 6th and 7th finish ahead of B's 5th: B's 5th takes place 12, not 10
    order, team_of = race("B1", "A1", "A2", "B2", "A3", "B3", "A4", "B4", "A5", "A6", "A7",
                          "A8", "B5")
    scores = cross_country_scores(order, team_of, CrossCountryScheme(scorers=5, displacers=2))
    by_team = {t.team: t for t in scores}
    assert by_team["B"].team_places == (1, 4, 6, 8, 12)  # A8 took no place
    assert by_team["A"].team_places == (2, 3, 5, 7, 9, 10, 11)
    assert (by_team["A"].points, by_team["B"].points) == (26, 31)


def test_a_tie_goes_to_the_team_whose_last_scorer_finished_first():
    # WA senior: 4 score. A = 1+4+5+8 = 18, B = 2+3+6+7 = 18; B's last scorer (7) is ahead
    order, team_of = race("A1", "B1", "B2", "A2", "A3", "B3", "B4", "A4")
    scores = cross_country_scores(order, team_of, CrossCountryScheme(scorers=4, displacers=2))
    assert [(t.team, t.place, t.points) for t in scores] == [("B", 1, 18), ("A", 2, 18)]


def test_a_scheme_from_query_text_is_checked():
    assert parse_cross_country_scheme("5", "2") == CrossCountryScheme(5, 2)
    assert parse_cross_country_scheme(None, "0") == CrossCountryScheme(4, 0)
    with pytest.raises(ValidationError, match="scorers of 1 or more"):
        parse_cross_country_scheme("0", None)
    with pytest.raises(ValidationError):
        parse_cross_country_scheme("four", None)
