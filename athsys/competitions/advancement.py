"""Advancement "first N of each heat (Q) plus the M fastest others (q)".

Places in each heat come from :func:`athsys.sport.ranking.rank_race`, i.e. from times
read to 1/1000 s, so a tie here is a tie the photo finish could not break. A tie for the
last qualifying spot (by place or by time) puts all the tied athletes through when the next
round has room for them: always with ``ties_both_advance``, else while ``spare_places``
(free lanes of the next round) last; otherwise it is decided by lot from
``random.Random(seed)`` (TR 21.2). Time qualifiers are ranked by time alone across the
heats, never by their place in the heat first. When a tie for the last Q spot of a heat is kept, the
athletes who go through on it take q places: M falls by as many (the World Athletics notes
to the progression tables, Book C2.1: "it may be necessary for one less athlete to progress
on time"). DNS, DNF and DQ never qualify.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence

from athsys.errors import ValidationError
from athsys.sport.ranking import (
    EntryId,
    RaceResult,
    ResultStatus,
    check_unique_entries,
    rank_race,
    rank_with_ties,
)


class Qualification(enum.Enum):
    BY_PLACE = "Q"
    BY_TIME = "q"


def advance(
    heats: Sequence[Sequence[RaceResult]],
    *,
    by_place: int,
    by_time: int,
    seed: int,
    ties_both_advance: bool = False,
    spare_places: int = 0,
) -> dict[EntryId, Qualification | None]:
    """Q, q or ``None`` for every entry of the round, heat by heat in the given order."""
    if by_place < 0 or by_time < 0:
        raise ValidationError(
            f"qualifiers by place ({by_place}) and by time ({by_time}) cannot be negative",
            details={"by_place": by_place, "by_time": by_time},
        )
    check_unique_entries((result.entry_id for heat in heats for result in heat), what="round")
    rng = random.Random(seed)  # nosec B311 # reproducible draws and jitter, not secrets
    outcome: dict[EntryId, Qualification | None] = {}
    others: list[tuple[int, EntryId]] = []
    kept_ties = 0  # athletes through on a kept tie for the last Q spot, beyond N per heat
    for heat in heats:
        placings = rank_race(heat)
        finishers = [
            (placing.place, placing.entry_id)
            for placing in placings
            if placing.place is not None and placing.status is ResultStatus.OK
        ]
        qualified = set(_select(finishers, by_place, rng, ties_both_advance, spare_places))
        kept = max(0, len(qualified) - by_place)
        kept_ties += kept
        spare_places = max(0, spare_places - kept)
        for placing in placings:
            if placing.entry_id in qualified:
                outcome[placing.entry_id] = Qualification.BY_PLACE
                continue
            outcome[placing.entry_id] = None
            if placing.place is not None and placing.time_ms is not None:
                others.append((placing.time_ms, placing.entry_id))
    fastest = [
        (place, entry_id)
        for place, (_, entry_id) in rank_with_ties(others, key=lambda pair: pair[0])
    ]
    for entry_id in _select(fastest, max(0, by_time - kept_ties), rng, ties_both_advance,
                            spare_places):
        outcome[entry_id] = Qualification.BY_TIME
    return outcome


def _select(
    ranked: list[tuple[int, EntryId]],
    slots: int,
    rng: random.Random,
    ties_both_advance: bool,
    spare_places: int,
) -> list[EntryId]:
    """The entries that fill ``slots`` from a ranking with shared places (best first); a
    tie for the last slot takes up to ``spare_places`` more (all of it with
    ``ties_both_advance``), else the lot decides."""
    chosen: list[EntryId] = []
    tied_groups: dict[int, list[EntryId]] = {}
    for place, entry_id in ranked:
        tied_groups.setdefault(place, []).append(entry_id)
    for place, group in tied_groups.items():
        ahead = place - 1
        if ahead >= slots:
            break
        if ahead + len(group) <= slots + spare_places or ties_both_advance:
            chosen.extend(group)
        else:
            chosen.extend(rng.sample(group, slots - ahead))
    return chosen
