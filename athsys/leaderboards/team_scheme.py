"""A competition's team standings summed over its events (the scheme:
:mod:`athsys.sport.team_schemes`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from athsys.leaderboards.teams import CrossCountryTeam, TeamScore, format_points
from athsys.sport.ranking import rank_with_ties


# -- standings over the competition -----------------------------------------------------
@dataclass(frozen=True)
class TeamTotal:
    team: str
    place: int | None  # None: cross-country team not complete in every event
    points: Fraction
    events: int  # events it scored in


def points_totals(events: Sequence[tuple[Sequence[TeamScore], Mapping[int, int]]]
                  ) -> list[TeamTotal]:
    """Teams ranked by their points summed over ``events`` (each: the event's team scores and
    the place of every entry). A tie in points goes to the team with more first places among
    its scorers, then more second places, and so on (the dual-meet and championship rule);
    teams equal on all of these share the place."""
    totals: dict[str, Fraction] = {}
    counted: dict[str, int] = {}
    places: dict[str, list[int]] = {}
    for scores, place_of in events:
        for score in scores:
            totals[score.team] = totals.get(score.team, Fraction(0)) + score.points
            counted[score.team] = counted.get(score.team, 0) + 1
            places.setdefault(score.team, []).extend(
                place_of[e] for e in score.scorers if e in place_of)
    deepest = max((max(p, default=0) for p in places.values()), default=0)

    def key(team: str) -> tuple[Fraction, tuple[int, ...]]:
        return (-totals[team], tuple(-places[team].count(p) for p in range(1, deepest + 1)))

    ordered = sorted(totals, key=lambda team: (key(team), team))
    return [TeamTotal(team, place, totals[team], counted[team])
            for place, team in rank_with_ties(ordered, key=key)]


def cross_country_totals(events: Sequence[Sequence[CrossCountryTeam]], scorers: int
                         ) -> list[TeamTotal]:
    """Teams complete in every event ranked by their points summed, lowest first; a tie goes
    to the lower sum of the team places of their last scorers (for one race: the sport's
    rule, the team whose last scorer finished nearer first). Teams incomplete in any event
    follow, unranked."""
    totals: dict[str, int] = {}
    last: dict[str, int] = {}
    counted: dict[str, int] = {}
    incomplete: set[str] = set()
    for teams in events:
        for team in teams:
            if team.points is None:
                incomplete.add(team.team)
                continue
            totals[team.team] = totals.get(team.team, 0) + team.points
            last[team.team] = last.get(team.team, 0) + team.team_places[scorers - 1]
            counted[team.team] = counted.get(team.team, 0) + 1
    complete = [t for t in totals if t not in incomplete and counted[t] == len(events)]
    incomplete |= set(totals) - set(complete)

    def key(team: str) -> tuple[int, int]:
        return (totals[team], last[team])

    ordered = sorted(complete, key=lambda team: (key(team), team))
    ranked = [TeamTotal(team, place, Fraction(totals[team]), counted[team])
              for place, team in rank_with_ties(ordered, key=key)]
    return ranked + [TeamTotal(team, None, Fraction(totals.get(team, 0)), counted.get(team, 0))
                     for team in sorted(incomplete)]


def totals_json(totals: Sequence[TeamTotal]) -> list[dict[str, Any]]:
    return [{"team": t.team, "place": t.place, "points": format_points(t.points),
             "events": t.events} for t in totals]
