"""Places: ranking with shared places, and the places of a track race.

Places are "competition ranking": athletes who tie share the place and the next place is
skipped (1, 1, 3). A race is ranked on times in ms, i.e. at 1/1000 s, so two athletes
share a place only when the photo finish cannot separate them at the thousandth.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from athsys.errors import ValidationError

EntryId: TypeAlias = int | str
"""An entry (athlete in an event) as the caller identifies it: a database id or a bib."""

T = TypeVar("T")


class ResultStatus(enum.Enum):
    OK = "OK"
    DNS = "DNS"  # did not start
    DNF = "DNF"  # did not finish
    DQ = "DQ"  # disqualified
    NM = "NM"  # no mark (field events: no valid trial)


# Non-finishers follow the finishers in this order, as result lists print them.
_UNPLACED_ORDER = (ResultStatus.DNF, ResultStatus.DQ, ResultStatus.NM, ResultStatus.DNS)


@dataclass(frozen=True)
class RaceResult:
    """One entry's outcome in a race: a time in ms when it finished (status OK)."""

    entry_id: EntryId
    time_ms: int | None
    status: ResultStatus = ResultStatus.OK


@dataclass(frozen=True)
class Placing:
    """A line of the result list; ``place`` is ``None`` for DNS, DNF, DQ and NM."""

    entry_id: EntryId
    place: int | None
    time_ms: int | None
    status: ResultStatus


def rank_with_ties(
    items: Iterable[T],
    key: Callable[[T], Any],
    *,
    higher_is_better: bool = False,
) -> list[tuple[int, T]]:
    """Items in ranking order with their places; equal keys share a place, the next skips.

    ``key`` must give comparable values (an int, or a tuple compared element by element).
    Items with equal keys keep their given order.
    """
    ordered = sorted(items, key=key, reverse=higher_is_better)
    ranked: list[tuple[int, T]] = []
    for index, item in enumerate(ordered):
        if index and key(item) == key(ordered[index - 1]):
            place = ranked[-1][0]
        else:
            place = index + 1
        ranked.append((place, item))
    return ranked


def rank_race(results: Sequence[RaceResult]) -> list[Placing]:
    """The result list of a race: finishers by time, then DNF, DQ, NM, DNS in given order."""
    check_unique_entries((result.entry_id for result in results), what="race")
    finishers: list[tuple[int, RaceResult]] = []
    for result in results:
        if result.status is ResultStatus.OK:
            if result.time_ms is None or result.time_ms < 0:
                raise ValidationError(
                    f"entry {result.entry_id}: a finisher needs a time of 0 ms or more",
                    details={"entry_id": result.entry_id, "time_ms": result.time_ms},
                )
            finishers.append((result.time_ms, result))
    placings = [
        Placing(result.entry_id, place, time_ms, result.status)
        for place, (time_ms, result) in rank_with_ties(finishers, key=lambda pair: pair[0])
    ]
    for status in _UNPLACED_ORDER:
        placings.extend(
            Placing(result.entry_id, None, result.time_ms, result.status)
            for result in results
            if result.status is status
        )
    return placings


def check_unique_entries(entry_ids: Iterable[Hashable], *, what: str) -> None:
    """Refuse a list that names the same entry twice (``what`` says which list)."""
    seen: set[Hashable] = set()
    for entry_id in entry_ids:
        if entry_id in seen:
            raise ValidationError(
                f"entry {entry_id} appears twice in the {what}",
                details={"entry_id": entry_id},
            )
        seen.add(entry_id)

