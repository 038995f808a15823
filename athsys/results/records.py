"""The record flags a mark earns: WR, NR, MR, CR, PB, SB.

A mark that equals or beats a record earns its flag. Marks are compared at published
precision (:func:`athsys.sport.marks.official_mark`), so a 9.572 run read to the
thousandth equals a 9.58 record rather than beating it.

``None`` means there is no existing record. For a personal or season best that makes
the mark the first one, so it is a PB or SB; for a meeting, national or world record it
means none is on file, and no flag is given (records are ratified, not assumed).

Hand times (``hand=True``), as the rules treat them:

- a hand time never makes a record (WR, NR, MR, CR): records are recognised only from fully
  automatic timing, so it earns at most PB and SB;
- a hand time is compared at its published precision, the 1/10 s rounded up (10.11 by hand
  is 10.2), and so is a hand best it is compared with;
- in the sprints (races up to 400 m, hurdles and relays included: :data:`SPRINTS`) a hand
  time and a fully automatic time are not comparable (the combined-events tables add
  0.24 s / 0.14 s to a hand time for that reason). There an athlete's best is their fully
  automatic best once they have one: a hand time never beats nor equals it, and their first
  fully automatic time replaces a hand best, whatever the two numbers. A hand time is a PB
  (or SB) only while the best standing is a hand time (or there is none);
- from 800 m up the difference is within the precision published, and a hand time is
  compared with an automatic best like any other time (1:49.9h beats 1:50.01);
- a best set by hand is published as one: "10.4h PB" (the flag is PB; the ``h`` belongs to
  the time, :func:`athsys.sport.marks.format_result_time`), and the stored best keeps
  ``hand_timed``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from athsys.sport.marks import Measure, is_hand_time, official_mark

#: Races in which a hand time and a fully automatic time are not comparable (up to 400 m).
SPRINTS = frozenset({
    "60m", "100m", "200m", "300m", "400m", "60mH", "100mH", "110mH", "400mH",
    "4x100m", "4x200m", "4x400m",
})


def hand_comparable(discipline_code: str) -> bool:
    """Whether a hand time may be compared with a fully automatic one in this race."""
    return discipline_code not in SPRINTS


class RecordKind(enum.Enum):
    WR = "WR"  # world record
    NR = "NR"  # national record
    MR = "MR"  # meeting record
    CR = "CR"  # championship record
    PB = "PB"  # personal best
    SB = "SB"  # season best


@dataclass(frozen=True)
class ExistingRecords:
    """The records standing before the mark, in the mark's unit (ms, mm or points)."""

    world: int | None = None
    national: int | None = None
    meeting: int | None = None
    championship: int | None = None
    personal_best: int | None = None
    season_best: int | None = None
    personal_best_hand: bool = False  # the personal best is a hand time
    season_best_hand: bool = False  # the season best is a hand time


def records_earned(
    mark: int, measure: Measure, existing: ExistingRecords, *, road: bool = False,
    hand: bool = False, comparable: bool = True,
) -> tuple[RecordKind, ...]:
    """The flags ``mark`` earns, most important first (WR, NR, MR, CR, PB, SB).

    ``hand``: the mark is a hand time (no record; see the module's rules);
    ``comparable``: hand and automatic times may be compared in this race
    (:func:`hand_comparable`)."""
    hand = is_hand_time(measure, road=road, hand=hand)
    published = official_mark(mark, measure, road=road, hand=hand)
    earned: list[RecordKind] = []
    if not hand:
        for kind, record in ((RecordKind.WR, existing.world),
                             (RecordKind.NR, existing.national),
                             (RecordKind.MR, existing.meeting),
                             (RecordKind.CR, existing.championship)):
            if record is not None and _order(
                    published, official_mark(record, measure, road=road), measure) >= 0:
                earned.append(kind)
    for kind, best, best_hand in (
        (RecordKind.PB, existing.personal_best, existing.personal_best_hand),
        (RecordKind.SB, existing.season_best, existing.season_best_hand),
    ):
        if compare_with_best(mark, best, measure, road=road, hand=hand, best_hand=best_hand,
                             comparable=comparable) >= 0:
            earned.append(kind)
    return tuple(earned)


def compare_with_best(
    mark: int, best: int | None, measure: Measure, *, road: bool = False, hand: bool = False,
    best_hand: bool = False, comparable: bool = True,
) -> int:
    """1 when ``mark`` beats the standing ``best`` (or there is none), 0 when it equals it,
    -1 when it does not: at published precision, hand times to the tenth; in a race where
    hand and automatic times are not ``comparable``, an automatic time always beats a hand
    best and a hand time never beats nor equals an automatic one."""
    if best is None:
        return 1
    hand = is_hand_time(measure, road=road, hand=hand)
    best_hand = is_hand_time(measure, road=road, hand=best_hand)
    if hand != best_hand and not comparable:
        return 1 if best_hand else -1
    return _order(official_mark(mark, measure, road=road, hand=hand),
                  official_mark(best, measure, road=road, hand=best_hand), measure)


def _order(published: int, standing: int, measure: Measure) -> int:
    """1, 0 or -1 as ``published`` is better than, equal to or worse than ``standing``."""
    if published == standing:
        return 0
    better = published > standing if measure.higher_is_better else published < standing
    return 1 if better else -1
