"""Lane draw by ranking groups (World Athletics Technical Rule 20, as amended in 2023).

The athletes of a heat, ranked best first, are split into groups; each group draws by lot
among the lanes reserved for it. On an 8-lane track:

    race            group 1              group 2               group 3
    straight        ranks 1-4 -> 3-6     ranks 5-6 -> 2, 7     ranks 7-8 -> 1, 8
    200 m           ranks 1-3 -> 5-7     ranks 4-6 -> 3, 4, 8  ranks 7-8 -> 1, 2
    400 m, 800 m    ranks 1-4 -> 4-7     ranks 5-6 -> 3, 8     ranks 7-8 -> 1, 2

A 9-lane track: the rule says only that the system applies "with necessary
modifications". We add lane 9 to the last (least favoured) group in every race kind: the
leading groups draw exactly as on 8 lanes, and ranks 7-9 draw among lanes 1, 8, 9 on the
straight and 1, 2, 9 round a bend.

Other tracks (4 to 7 lanes, or 10): the rule's groups are written for 8 lanes and a
6-lane club track has no "lanes 7 and 8" to give the last group. Rather than invent a
favoured-lane order the rule does not give, every athlete of the heat draws by lot among
all the track's lanes: the draw the rules used for first rounds before ranking groups, and
one no athlete can call unfair. The meet's referee may still move lanes by hand.

With fewer athletes than lanes the groups are filled from the best, and a group's
athletes draw among all of its lanes (5 athletes on the straight: ranks 1-4 draw lanes
3-6, rank 5 draws lane 2 or 7). The lot is ``random.Random(seed)``: the same heat and seed
always give the same lanes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from athsys.errors import ValidationError
from athsys.sport.disciplines import RaceKind
from athsys.sport.ranking import EntryId, check_unique_entries

MIN_LANES, MAX_LANES = 4, 10
"""The track sizes events may be run on (the event schemas and the setup wizard)."""

_GROUPS_8_LANES: dict[RaceKind, tuple[tuple[int, ...], ...]] = {
    RaceKind.STRAIGHT: ((3, 4, 5, 6), (2, 7), (1, 8)),
    RaceKind.BEND_200: ((5, 6, 7), (3, 4, 8), (1, 2)),
    RaceKind.LANES_400: ((4, 5, 6, 7), (3, 8), (1, 2)),
}


def lane_groups(kind: RaceKind, lanes: int) -> tuple[tuple[int, ...], ...]:
    """The lanes of each ranking group, best group first: the rule's groups on an 8- or
    9-lane track, one group of every lane (a draw by lot) on any other."""
    if not MIN_LANES <= lanes <= MAX_LANES:
        raise ValidationError(
            f"lanes: a track has {MIN_LANES} to {MAX_LANES} lanes, not {lanes}",
            details={"lanes": lanes},
        )
    groups = _GROUPS_8_LANES[kind]
    if lanes == 8:
        return groups
    if lanes == 9:
        return (*groups[:-1], (*groups[-1], 9))
    return (tuple(range(1, lanes + 1)),)


def draw_lanes(
    ranked_entries: Sequence[EntryId], kind: RaceKind, *, lanes: int, seed: int
) -> dict[EntryId, int]:
    """Lane of each entry; ``ranked_entries`` is the heat best first (as seeded)."""
    groups = lane_groups(kind, lanes)
    check_unique_entries(ranked_entries, what="heat")
    if len(ranked_entries) > lanes:
        raise ValidationError(
            f"{len(ranked_entries)} athletes do not fit in a heat of {lanes} lanes",
            details={"athletes": len(ranked_entries), "lanes": lanes},
        )
    rng = random.Random(seed)  # nosec B311 # reproducible draws and jitter, not secrets
    assignment: dict[EntryId, int] = {}
    rank = 0
    for group in groups:
        athletes = ranked_entries[rank : rank + len(group)]
        if not athletes:
            break
        drawn = list(group)
        rng.shuffle(drawn)
        assignment.update(zip(athletes, drawn, strict=False))  # a last group may be short
        rank += len(group)
    return assignment
