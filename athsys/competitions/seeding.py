"""Seeding a round into heats: rank by seed mark, then deal the ranks out zig-zag.

With three heats the ranks go 1, 2, 3 | 6, 5, 4 | 7, 8, 9 | ... (serpentine), so every
heat gets a fair share of the strong and the weak and heat sizes differ by at most one.
Entries with equal marks, and entries without a mark (placed last), are ordered by lot.
The lot comes from ``random.Random(seed)``: store the seed and the same entries in the
same order give the same heats again.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from athsys.errors import ValidationError
from athsys.sport.ranking import EntryId, check_unique_entries


@dataclass(frozen=True)
class SeedEntry:
    """An entry with its seed mark (ms, mm or points), ``None`` when it has none."""

    entry_id: EntryId
    seed_mark: int | None


def heat_count(entries: int, lanes: int) -> int:
    """The fewest heats that give every entry a lane."""
    if lanes < 1:
        raise ValidationError(
            f"a heat needs at least one lane, not {lanes}", details={"lanes": lanes}
        )
    return -(-entries // lanes)


def seed_order(
    entries: Sequence[SeedEntry], *, seed: int, higher_is_better: bool = False
) -> list[SeedEntry]:
    """Entries best first by seed mark; ties and entries without a mark ordered by lot."""
    check_unique_entries((entry.entry_id for entry in entries), what="seeding")
    by_lot = list(entries)
    random.Random(seed).shuffle(by_lot)  # nosec B311 # reproducible draws and jitter, not secrets
    marked = [(entry.seed_mark, entry) for entry in by_lot if entry.seed_mark is not None]
    marked.sort(key=lambda pair: pair[0], reverse=higher_is_better)
    return [entry for _, entry in marked] + [entry for entry in by_lot if entry.seed_mark is None]


def seed_heats(
    entries: Sequence[SeedEntry],
    *,
    lanes: int,
    seed: int,
    higher_is_better: bool = False,
    heats: int | None = None,
) -> tuple[tuple[EntryId, ...], ...]:
    """Entry ids per heat, each heat best seed first (the order the lane draw takes).

    ``heats`` defaults to :func:`heat_count`; a meet director may ask for more heats,
    never for fewer than the lanes allow.
    """
    needed = heat_count(len(entries), lanes)
    count = needed if heats is None else heats
    if count < needed:
        raise ValidationError(
            f"{len(entries)} entries do not fit in {count} heats of {lanes} lanes;"
            f" at least {needed} heats are needed",
            details={"entries": len(entries), "heats": count, "lanes": lanes},
        )
    if count > len(entries):
        raise ValidationError(
            f"{count} heats for {len(entries)} entries would leave a heat empty",
            details={"entries": len(entries), "heats": count},
        )
    dealt: list[list[EntryId]] = [[] for _ in range(count)]
    for rank, entry in enumerate(seed_order(entries, seed=seed, higher_is_better=higher_is_better)):
        sweep, position = divmod(rank, count)
        heat = position if sweep % 2 == 0 else count - 1 - position
        dealt[heat].append(entry.entry_id)
    return tuple(tuple(heat) for heat in dealt)
