"""Team scores of an event: points per place, or cross-country low-point scoring.

Points per place (dual meet, league 8-7-6-5-4-3-2-1, championship): each finisher takes the
points of their place, athletes tied on a place share the points of the places they fill,
and a team scores the points of its best ``scorers`` members.

Cross-country (World Athletics Cross Country rules; NCAA rules score alike): only the runners
of complete teams (at least ``scorers`` finishers) take team places, in finishing order, and
only a team's first ``scorers + displacers`` runners; a team scores the sum of its first
``scorers`` team places, lowest first; its displacers score nothing but push the runners
behind them down. A tie goes to the team whose last scorer finished nearer first place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from athsys.errors import ValidationError
from athsys.inputs import whole_number
from athsys.leaderboards.rules import Standing
from athsys.sport.ranking import ResultStatus, rank_with_ties


@dataclass(frozen=True)
class PointsScheme:
    """Points for places 1, 2, 3... (places beyond score nothing) and how many members of
    a team count (``None``: all)."""

    points: tuple[int, ...]
    scorers: int | None = None


DEFAULT_POINTS = PointsScheme(points=(8, 7, 6, 5, 4, 3, 2, 1), scorers=None)
MAX_POINTS_PLACES = 100


def parse_points_scheme(points: str | None, scorers: str | None) -> PointsScheme:
    """A scheme from query text: ``points="10,8,6,5,4,3,2,1"``, ``scorers="3"``."""
    values: tuple[int, ...] = DEFAULT_POINTS.points
    if points:
        parts = [whole_number(p.strip()) for p in points.split(",")]
        if len(parts) > MAX_POINTS_PLACES or None in parts:
            raise ValidationError(
                f"points must be up to {MAX_POINTS_PLACES} whole numbers separated by commas, "
                f"got {points!r}",
                details={"points": "e.g. 10,8,6,5,4,3,2,1"},
            )
        values = tuple(p for p in parts if p is not None)
    count: int | None = DEFAULT_POINTS.scorers
    if scorers:
        count = whole_number(scorers)
        if not count:
            raise ValidationError(
                f"scorers must be a whole number of 1 or more, got {scorers!r}",
                details={"scorers": "how many members of a team score"},
            )
    return PointsScheme(values, count)


@dataclass(frozen=True)
class TeamScore:
    team: str
    place: int
    points: Fraction
    scorers: tuple[int, ...]  # entry ids whose points count, best first


def board_standings(ranked: Iterable[tuple[Any, int | None, bool, int | None]]
                    ) -> tuple[list[Standing], dict[int, str]]:
    """A ranked board's ``(line, place, tied, gap)`` rows as standings, and each entry's team
    (the line's club; an entry without one scores for no team)."""
    rows = list(ranked)
    standings = [Standing(line.entry_id, place, line.mark, ResultStatus(line.status), gap, tied)
                 for line, place, tied, gap in rows]
    return standings, {line.entry_id: line.club for line, *_ in rows if line.club}


def place_points(standings: Sequence[Standing], scheme: PointsScheme) -> dict[int, Fraction]:
    """Points per entry: athletes tied on a place share the points of the places they fill
    equally (two tied for 1st with 8 and 7 points get 7.5 each)."""
    by_place: dict[int, list[int]] = {}
    for line in standings:
        if line.place is not None:
            by_place.setdefault(line.place, []).append(line.entry_id)
    awarded: dict[int, Fraction] = {}
    for place, entry_ids in by_place.items():
        filled = range(place, place + len(entry_ids))
        total = sum(scheme.points[p - 1] for p in filled if p <= len(scheme.points))
        for entry_id in entry_ids:
            awarded[entry_id] = Fraction(total, len(entry_ids))
    return awarded


def team_scores(
    standings: Sequence[Standing], team_of: dict[int, str], scheme: PointsScheme
) -> list[TeamScore]:
    """Teams ranked by the points of their best ``scheme.scorers`` members (ties share).

    Entries without a team (``team_of`` lacks them) take their place and points but score
    for nobody.
    """
    awarded = place_points(standings, scheme)
    members: dict[str, list[tuple[Fraction, int, int]]] = {}
    for order, line in enumerate(standings):
        team = team_of.get(line.entry_id)
        if team is not None and line.entry_id in awarded:
            members.setdefault(team, []).append((awarded[line.entry_id], order, line.entry_id))
    totals: list[tuple[str, Fraction, tuple[int, ...]]] = []
    for team, scored in members.items():
        best = sorted(scored, key=lambda item: (-item[0], item[1]))[: scheme.scorers]
        totals.append((team, sum((item[0] for item in best), Fraction(0)),
                       tuple(item[2] for item in best)))
    totals.sort(key=lambda item: item[0])
    return [
        TeamScore(team, place, points, scorers)
        for place, (team, points, scorers) in rank_with_ties(
            totals, key=lambda item: item[1], higher_is_better=True
        )
    ]


def format_points(points: Fraction) -> str:
    """``"7.5"`` or ``"8"``: shared points are halves, thirds... printed to two decimals."""
    if points.denominator == 1:
        return str(points.numerator)
    hundredths = points.numerator * 100 // points.denominator
    return f"{hundredths // 100}.{hundredths % 100:02d}".rstrip("0")


# -- cross-country -----------------------------------------------------------------------
@dataclass(frozen=True)
class CrossCountryScheme:
    """``scorers`` count (WA senior: 4 of 6; NCAA: 5 of 7); ``displacers`` run beyond them."""

    scorers: int = 4
    displacers: int = 2


@dataclass(frozen=True)
class CrossCountryTeam:
    team: str
    place: int | None  # None: an incomplete team, not ranked
    points: int | None
    team_places: tuple[int, ...]  # the places of its scorers, then its displacers
    runners: tuple[int, ...]  # entry ids, in the same order


def cross_country_scores(finish_order: Sequence[int], team_of: dict[int, str],
                         scheme: CrossCountryScheme) -> list[CrossCountryTeam]:
    """Teams ranked by the sum of their scorers' team places, lowest first (see above);
    ``finish_order`` lists the finishers' entry ids from the winner on."""
    finishers: dict[str, list[int]] = {}
    for entry_id in finish_order:
        if entry_id in team_of:
            finishers.setdefault(team_of[entry_id], []).append(entry_id)
    complete = {team for team, runners in finishers.items() if len(runners) >= scheme.scorers}
    counted: dict[str, list[tuple[int, int]]] = {team: [] for team in complete}
    place = 0
    for entry_id in finish_order:
        team = team_of.get(entry_id)
        if team in complete and len(counted[team]) < scheme.scorers + scheme.displacers:
            place += 1
            counted[team].append((place, entry_id))
    scored = sorted(
        (sum(p for p, _ in runners[:scheme.scorers]), runners[scheme.scorers - 1][0], team)
        for team, runners in counted.items())
    ranked = [
        CrossCountryTeam(team, rank, points, tuple(p for p, _ in counted[team]),
                         tuple(e for _, e in counted[team]))
        for rank, (points, _, team) in rank_with_ties(scored, key=lambda item: item[:2])
    ]
    incomplete = sorted(set(finishers) - complete)
    return ranked + [CrossCountryTeam(team, None, None, (), tuple(finishers[team]))
                     for team in incomplete]


def parse_cross_country_scheme(scorers: str | None, displacers: str | None
                               ) -> CrossCountryScheme:
    """A scheme from query text: ``scorers="4"``, ``displacers="2"``."""
    default = CrossCountryScheme()
    count = whole_number(scorers) if scorers else default.scorers
    behind = whole_number(displacers) if displacers else default.displacers
    if not count or behind is None:
        raise ValidationError(
            f"cross-country scoring needs scorers of 1 or more and displacers of 0 or more, "
            f"got scorers={scorers!r}, displacers={displacers!r}",
            details={"scorers": "e.g. 4", "displacers": "e.g. 2"})
    return CrossCountryScheme(count, behind)
