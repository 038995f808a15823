"""Leaderboard rules: places with ties, gaps to the leader, age grades (team scores are in
:mod:`athsys.leaderboards.teams`).

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
from functools import cache

from athsys.errors import ValidationError
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
