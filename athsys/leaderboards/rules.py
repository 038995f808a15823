"""Leaderboard rules: places with ties, gaps to the leader, age categories, team scores.

Pure functions on integers. A leaderboard orders finishers by their mark as read (times at
1/1000 s, so a photo finish separates what the published hundredths cannot); equal marks
share a place and the next place is skipped (1, 1, 3). Those without a mark follow in the
order result lists print them: DNF, DQ, NM, DNS.

Every line carries a *sort key*, an integer that is smaller for a better performance (the
time itself, or the negated distance, height or points), so one ascending order serves every
discipline and a sorted store (a Redis ZSET, an SQL ``ORDER BY``) can rank without knowing
the discipline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cache

from athsys.errors import ValidationError
from athsys.inputs import whole_number
from athsys.sport.age_grading import DEFAULT_EDITION, age_grade, age_grade_events
from athsys.sport.marks import Measure
from athsys.sport.ranking import ResultStatus, rank_with_ties

#: Non-finishers, in the order result lists print them after the finishers.
UNPLACED_ORDER: tuple[ResultStatus, ...] = (
    ResultStatus.DNF, ResultStatus.DQ, ResultStatus.NM, ResultStatus.DNS,
)

def sort_key(mark: int, measure: Measure) -> int:
    """Smaller is better: the time itself, or the negated distance, height or points."""
    return -mark if measure.higher_is_better else mark


def gap_to_leader(mark: int, leader_mark: int, measure: Measure) -> int:
    """How far behind the leader, in the mark's unit (ms or mm); 0 for the leader and ties."""
    return leader_mark - mark if measure.higher_is_better else mark - leader_mark


@dataclass(frozen=True)
class Performance:
    """What ranking needs of one result: the entry, its mark and status."""

    entry_id: int
    mark: int | None
    status: ResultStatus


@dataclass(frozen=True)
class Standing:
    """One line of a leaderboard: ``place`` and ``gap`` are None for non-finishers."""

    entry_id: int
    place: int | None
    mark: int | None
    status: ResultStatus
    gap: int | None
    tied: bool


def is_finisher(performance: Performance) -> bool:
    return performance.status is ResultStatus.OK and performance.mark is not None


def rank(performances: Iterable[Performance], measure: Measure) -> list[Standing]:
    """The leaderboard: finishers by mark (ties share, next place skips), then the unplaced."""
    items = list(performances)
    finishers = [p for p in items if is_finisher(p)]
    ranked = rank_with_ties(finishers, key=lambda p: sort_key(p.mark or 0, measure))
    standings: list[Standing] = []
    leader = ranked[0][1].mark if ranked else None
    for index, (place, performance) in enumerate(ranked):
        mark = performance.mark or 0
        tied = (index > 0 and ranked[index - 1][0] == place) or (
            index + 1 < len(ranked) and ranked[index + 1][0] == place
        )
        standings.append(Standing(
            performance.entry_id, place, mark, performance.status,
            gap_to_leader(mark, leader or 0, measure), tied,
        ))
    for status in UNPLACED_ORDER:
        standings.extend(
            Standing(p.entry_id, None, p.mark, p.status, None, False)
            for p in items
            if p.status is status and not is_finisher(p)
        )
    return standings


def places_of_page(
    better_than_first: int, offset: int, keys: Sequence[int]
) -> list[tuple[int, bool]]:
    """Places (and whether tied) of a page of sort keys taken from a sorted store.

    ``better_than_first`` is how many lines have a strictly better key than the page's first
    line, ``offset`` the index of that line in the whole order. With competition ranking a
    line's place is its index + 1 unless it ties the line before, so a page is ranked from
    one count, however long the whole board is. A tie reaching across the page's last line
    is not seen (the next page shows it).
    """
    places: list[int] = []
    for index, key in enumerate(keys):
        if index == 0:
            places.append(better_than_first + 1)
        elif key == keys[index - 1]:
            places.append(places[-1])
        else:
            places.append(offset + index + 1)
    tied = [
        (index > 0 and keys[index - 1] == key)
        or (index + 1 < len(keys) and keys[index + 1] == key)
        or (index == 0 and better_than_first < offset)
        for index, key in enumerate(keys)
    ]
    return list(zip(places, tied, strict=True))


@cache
def _grading(sex: str, age: int, event: str, edition: str
             ) -> tuple[int, int, int, bool] | None:
    """The factor (as numerator, denominator), open-class standard and whether the event is
    timed, for ``sex`` at ``age`` in age-grading ``event``; None where the tables stop."""
    try:
        graded = age_grade(sex, age, event, 1, edition)
    except ValidationError:
        return None
    numerator, denominator = graded.factor.as_integer_ratio()
    return (numerator, denominator, graded.open_standard,
            age_grade_events(edition)[event] == "time")


def grade_hundredths(sex: str, age: int, event: str, mark: int,
                     edition: str = DEFAULT_EDITION) -> int | None:
    """The age grade in hundredths of a per cent (``8765`` for 87.65 %), or None.

    The same figure as :func:`athsys.sport.age_grading.age_grade` (percentage cut to two
    decimals), in integer arithmetic on a factor looked up once per (sex, age, event): a
    50,000-runner board grades in milliseconds instead of a Decimal division per runner.
    """
    found = _grading(sex, age, event, edition) if mark > 0 else None
    if found is None:
        return None
    numerator, denominator, open_standard, timed = found
    if timed:  # OC / (factor * time)
        return open_standard * 10_000 * denominator // (numerator * mark)
    return mark * numerator * 10_000 // (denominator * open_standard)  # mark * factor / OC


# -- team scores -------------------------------------------------------------------------


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
