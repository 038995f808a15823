"""The record flags a mark earns: WR, NR, MR, PB, SB.

A mark that equals or beats a record earns its flag. Marks are compared at published
precision (:func:`athsys.sport.marks.official_mark`), so a 9.572 run read to the
thousandth equals a 9.58 record rather than beating it.

``None`` means there is no existing record. For a personal or season best that makes
the mark the first one, so it is a PB or SB; for a meeting, national or world record it
means none is on file, and no flag is given (records are ratified, not assumed).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from athsys.sport.marks import Measure, official_mark


class RecordKind(enum.Enum):
    WR = "WR"  # world record
    NR = "NR"  # national record
    MR = "MR"  # meeting record
    PB = "PB"  # personal best
    SB = "SB"  # season best


@dataclass(frozen=True)
class ExistingRecords:
    """The records standing before the mark, in the mark's unit (ms, mm or points)."""

    world: int | None = None
    national: int | None = None
    meeting: int | None = None
    personal_best: int | None = None
    season_best: int | None = None


def records_earned(
    mark: int, measure: Measure, existing: ExistingRecords, *, road: bool = False
) -> tuple[RecordKind, ...]:
    """The flags ``mark`` earns, most important first (WR, NR, MR, PB, SB)."""
    published = official_mark(mark, measure, road=road)
    standing = (
        (RecordKind.WR, existing.world, False),
        (RecordKind.NR, existing.national, False),
        (RecordKind.MR, existing.meeting, False),
        (RecordKind.PB, existing.personal_best, True),
        (RecordKind.SB, existing.season_best, True),
    )
    earned: list[RecordKind] = []
    for kind, record, first_mark_counts in standing:
        if record is None:
            if first_mark_counts:
                earned.append(kind)
            continue
        previous = official_mark(record, measure, road=road)
        if measure.higher_is_better and published >= previous:
            earned.append(kind)
        elif not measure.higher_is_better and published <= previous:
            earned.append(kind)
    return tuple(earned)
