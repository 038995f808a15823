"""Pure rules that turn chip reads into race times (no database: plain values in and out).

The values that exist once per read, per entry or per split (:class:`MatRead`,
:class:`EntryRead`, :class:`RaceTime`, :class:`Split`, :class:`ChipAssignment`) are named
tuples: immutable like the frozen dataclasses elsewhere, and several times cheaper to build
for the tens of thousands a batch of reads makes.

All times are integers: ``time_ms`` of a read is milliseconds since the Unix epoch
(:attr:`athsys.timing.passing.Passing.epoch_ms`), durations are milliseconds.

The pipeline (:func:`time_reads`), rule by rule; production processing
(:mod:`athsys.timing.recompute`) loads the reads and calls it, the unit tests call it with
plain values:

1. chip → entry through the chip assignment valid at the read's time (:func:`match_chips`);
   reads of unknown chips are kept apart and flagged, never dropped silently;
2. read → heat: the heat of the entry that had started when the read was made
   (:func:`heat_for_read`); reads of an entry in no heat, and new reads of a heat already
   official, are flagged and count for nothing;
3. reads before the gun of the athlete's heat or wave are ignored (athletes standing on the
   start mat before the gun);
4. duplicate reads of one chip at one timing point within the window (default 10 s) collapse
   to the first (:func:`collapse_duplicates`);
5. at each point the first primary-mat read counts; a backup-mat read is used only when the
   primary mat has none (:func:`official_crossings`);
6. official time = finish − gun; net (chip) time = finish − the athlete's own start-mat read,
   or − gun without one; the same for each split point (:func:`race_time`).

:func:`decide_update` protects stored results from late or replayed reads; a result, stored
or computed, is one :class:`ResultTimes`.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from athsys.errors import ConflictError, ValidationError

DEFAULT_DUPLICATE_WINDOW_MS = 10_000
START_POINT = "start"
FINISH_POINT = "finish"

SOURCE_CHIP = "chip"
SOURCE_LIF = "lif"
SOURCE_MANUAL = "manual"
SOURCE_PRECEDENCE = {SOURCE_CHIP: 0, SOURCE_LIF: 1, SOURCE_MANUAL: 2}
"""A result from a higher source is never replaced by one from a lower source."""


class ChipAssignment(NamedTuple):
    """Chip → entry, valid from ``valid_from_ms`` (inclusive) until ``valid_until_ms``
    (exclusive); None leaves that side open."""

    chip: str
    entry_id: int
    valid_from_ms: int | None = None
    valid_until_ms: int | None = None

    def covers(self, time_ms: int) -> bool:
        return (self.valid_from_ms is None or self.valid_from_ms <= time_ms) and (
            self.valid_until_ms is None or time_ms < self.valid_until_ms
        )


class MatRead(NamedTuple):
    """A chip read at a timing point, on the primary mat or a backup mat."""

    read_id: str
    chip: str
    point: str
    time_ms: int
    backup: bool = False


class EntryRead(NamedTuple):
    entry_id: int
    read: MatRead


@dataclass(frozen=True)
class ChipMatch:
    assigned: tuple[EntryRead, ...]
    unknown: tuple[MatRead, ...]

    @property
    def unknown_chips(self) -> tuple[str, ...]:
        return tuple(sorted({read.chip for read in self.unknown}))


class Split(NamedTuple):
    point: str
    gun_time_ms: int | None
    net_time_ms: int | None


class RaceTime(NamedTuple):
    """Times of one entry; finish times are None until the finish is crossed."""

    entry_id: int
    gun_time_ms: int | None
    net_time_ms: int | None
    net_from_start_mat: bool
    splits: tuple[Split, ...]


class ReadFlag(enum.Enum):
    """Why a stored read did not (or no longer does) count for a result."""

    UNKNOWN_CHIP = "unknown_chip"  # no chip assignment (or bib) covers the read
    NO_HEAT = "no_heat"  # the entry runs in no heat
    AFTER_OFFICIAL = "after_official"  # its heat was official when the read arrived
    UNMATCHED_GUN = "unmatched_gun"  # a gun read no heat without gun time could take


class HeatClock(NamedTuple):
    """A heat an entry runs in: its gun and scheduled start (epoch ms, None when unknown),
    and whether it is official already (its results no longer change)."""

    heat_id: int
    gun_ms: int | None
    scheduled_ms: int | None = None
    official: bool = False

    @property
    def start_ms(self) -> int | None:
        """When the heat starts: the gun, else the schedule."""
        return self.gun_ms if self.gun_ms is not None else self.scheduled_ms


@dataclass(frozen=True)
class TimedReads:
    """What :func:`time_reads` makes of the reads.

    ``times``: (heat, entry) → race times. ``flags``: read id → the flag it should carry
    (None: it counts); a read missing here keeps whatever flag it has (an old read of a heat
    already official). ``counted``: heat → the reads that count for it. ``entries``: every
    entry some read's chip matched, whether the read counts or not.
    """

    times: dict[tuple[int, int], RaceTime]
    flags: dict[str, ReadFlag | None]
    counted: dict[int, list[EntryRead]]
    entries: frozenset[int]


class ResultTimes(NamedTuple):
    """A result's times, stored or freshly computed: where they come from (``SOURCE_*``),
    the revision of the stored result (for a computed one: the revision it was computed
    from; None when there was none), the official mark and the net (chip) mark in ms."""

    source: str
    revision: int | None
    mark: int | None
    net_mark: int | None = None


@dataclass(frozen=True)
class UpdateDecision:
    replace: bool
    reason: str


def match_chips(reads: Iterable[MatRead], assignments: Iterable[ChipAssignment]) -> ChipMatch:
    """Each read's entry by the assignment of its chip valid at the read's time."""
    by_chip: dict[str, list[ChipAssignment]] = defaultdict(list)
    for assignment in assignments:
        by_chip[assignment.chip].append(assignment)
    assigned: list[EntryRead] = []
    unknown: list[MatRead] = []
    for read in reads:
        worn = by_chip.get(read.chip)
        if worn is not None and len(worn) == 1:  # the usual case: one assignment per chip
            if worn[0].covers(read.time_ms):
                assigned.append(EntryRead(worn[0].entry_id, read))
            else:
                unknown.append(read)
            continue
        entries = sorted({a.entry_id for a in worn or () if a.covers(read.time_ms)})
        if len(entries) > 1:
            raise ConflictError(
                f"chip {read.chip} is assigned to entries {entries} at the same time",
                details={"chip": read.chip, "entries": entries, "time_ms": read.time_ms},
            )
        if entries:
            assigned.append(EntryRead(entries[0], read))
        else:
            unknown.append(read)
    return ChipMatch(tuple(assigned), tuple(unknown))


_TIME_ORDER = attrgetter("read.time_ms", "read.read_id")


def collapse_duplicates(
    reads: Iterable[EntryRead], window_ms: int = DEFAULT_DUPLICATE_WINDOW_MS
) -> list[EntryRead]:
    """Per entry, point and mat, the first read; later reads within ``window_ms`` of the
    kept one are duplicates (a read beyond the window is a new crossing, e.g. a lap).

    One pass over the reads in time order (then read id), remembering the last kept read
    of each (entry, point, mat): what is kept comes out in that order."""
    last_kept: dict[tuple[int, str, bool], int] = {}
    kept: list[EntryRead] = []
    for item in sorted(reads, key=_TIME_ORDER):
        read = item.read
        key = (item.entry_id, read.point, read.backup)
        previous = last_kept.get(key)
        if previous is None or read.time_ms - previous >= window_ms:
            kept.append(item)
            last_kept[key] = read.time_ms
    return kept


def official_crossings(
    reads: Iterable[EntryRead],
    window_ms: int = DEFAULT_DUPLICATE_WINDOW_MS,
    *,
    gun_ms_by_entry: Mapping[int, int] | None = None,
) -> dict[int, dict[str, MatRead]]:
    """Entry → point → the read that counts: the first primary-mat read, else the first
    backup-mat read. Reads before the entry's gun (when known) are ignored.

    The reads are grouped by entry, point and mat in one pass; only a mat read more than
    once is collapsed (:func:`collapse_duplicates`), and its first kept read is its
    crossing. Most mats see a runner once, so a catch-up's tens of thousands of reads are
    not sorted as a whole."""
    guns = gun_ms_by_entry or {}
    by_mat: dict[tuple[int, str, bool], list[EntryRead]] = defaultdict(list)
    for item in reads:
        entry_id, read = item
        gun = guns.get(entry_id)
        if gun is None or read.time_ms >= gun:
            by_mat[(entry_id, read.point, read.backup)].append(item)
    crossings: dict[int, dict[str, MatRead]] = defaultdict(dict)
    for (entry_id, point, backup), items in by_mat.items():
        first = items[0].read if len(items) == 1 else collapse_duplicates(items, window_ms)[0].read
        at_entry = crossings[entry_id]
        if backup and point in at_entry:
            continue  # the primary mat's read counts
        at_entry[point] = first
    return dict(crossings)


def race_time(
    entry_id: int,
    crossings: Mapping[str, MatRead],
    *,
    gun_ms: int | None,
    start_point: str = START_POINT,
    finish_point: str = FINISH_POINT,
    split_points: Sequence[str] = (),
) -> RaceTime:
    """Official (gun) and net (chip) times at the finish and at each split point crossed."""
    start = crossings.get(start_point)
    net_origin = start.time_ms if start is not None else gun_ms
    finish = crossings.get(finish_point)
    gun_time = net_time = None
    if finish is not None:
        gun_time = None if gun_ms is None else finish.time_ms - gun_ms
        net_time = None if net_origin is None else finish.time_ms - net_origin
    splits = tuple([
        Split(point, None if gun_ms is None else read.time_ms - gun_ms,
              None if net_origin is None else read.time_ms - net_origin)
        for point in split_points if (read := crossings.get(point)) is not None
    ])
    return RaceTime(entry_id, gun_time, net_time, start is not None, splits)


def heat_for_read(heats: Sequence[HeatClock], time_ms: int) -> int | None:
    """The heat a read of an entry belongs to.

    An entry in one heat: that heat. In several (a heat, then the final): the latest heat
    that started at or before the read; a read before all of them goes to the first one
    (an athlete on the start mat before the gun). Heats without a known start count as
    starting at the end of time, in their given order.
    """
    if not heats:
        return None
    if len(heats) == 1:
        return heats[0].heat_id
    ordered = sorted(
        enumerate(heats),
        key=lambda item: (item[1].start_ms is None, item[1].start_ms or 0, item[0]),
    )
    chosen = ordered[0][1].heat_id
    for _, heat in ordered:
        start = heat.start_ms
        if start is not None and start <= time_ms:
            chosen = heat.heat_id
    return chosen


def time_reads(
    reads: Iterable[MatRead],
    assignments: Iterable[ChipAssignment],
    heats_of: Mapping[int, Sequence[HeatClock]],
    *,
    new_reads: Collection[str] = (),
    window_ms: int = DEFAULT_DUPLICATE_WINDOW_MS,
    start_point: str = START_POINT,
    finish_point: str = FINISH_POINT,
    split_points: Sequence[str] = (),
) -> TimedReads:
    """The whole pipeline: race times per heat and entry, and the flag of every read.

    ``heats_of`` maps an entry to the heats (or waves) it runs in; ``new_reads`` names the
    reads that just arrived: only those are flagged ``after_official`` when their heat is
    official already (an older read keeps the flag it had).
    """
    match = match_chips(reads, assignments)
    flags: dict[str, ReadFlag | None] = {
        read.read_id: ReadFlag.UNKNOWN_CHIP for read in match.unknown
    }
    clock = {heat.heat_id: heat for heats in heats_of.values() for heat in heats}
    counted: dict[int, list[EntryRead]] = defaultdict(list)
    for item in match.assigned:
        entry_id, read = item
        heats = heats_of.get(entry_id, ())
        # one heat (the usual case) is its own answer: no call per read
        heat_id = heats[0].heat_id if len(heats) == 1 else heat_for_read(heats, read.time_ms)
        if heat_id is None:
            flags[read.read_id] = ReadFlag.NO_HEAT
        elif clock[heat_id].official:
            if read.read_id in new_reads:
                flags[read.read_id] = ReadFlag.AFTER_OFFICIAL
        else:
            flags[read.read_id] = None
            counted[heat_id].append(item)
    times: dict[tuple[int, int], RaceTime] = {}
    for heat_id, items in counted.items():
        gun = clock[heat_id].gun_ms
        guns = {item.entry_id: gun for item in items} if gun is not None else {}
        for entry_id, crossed in official_crossings(items, window_ms, gun_ms_by_entry=guns).items():
            times[(heat_id, entry_id)] = race_time(
                entry_id, crossed, gun_ms=gun, start_point=start_point,
                finish_point=finish_point, split_points=split_points,
            )
    return TimedReads(times, flags, dict(counted),
                      frozenset(item.entry_id for item in match.assigned))


def decide_update(current: ResultTimes | None, computed: ResultTimes) -> UpdateDecision:
    """Whether a freshly computed result may replace the stored one.

    A late or replayed read never overwrites newer data: the stored result is kept when it
    changed since the computation read it (newer revision), when it comes from a source that
    outranks the computed one (manual correction > photo finish > chip), or when nothing
    changed (a replay is a no-op). For chip results the net time is part of the result: a
    late start-mat read that changes only the net time is a change.
    """
    for source in (computed.source, current.source if current else SOURCE_CHIP):
        if source not in SOURCE_PRECEDENCE:
            raise ValidationError(
                f"unknown result source '{source}'", details={"source": source}
            )
    if current is None:
        return UpdateDecision(True, "no stored result")
    if computed.revision is None or computed.revision < (current.revision or 0):
        return UpdateDecision(
            False,
            f"stored revision {current.revision} is newer than the one this was computed from",
        )
    if SOURCE_PRECEDENCE[computed.source] < SOURCE_PRECEDENCE[current.source]:
        return UpdateDecision(
            False, f"a {current.source} result outranks a {computed.source} result"
        )
    if computed.mark == current.mark:
        if computed.source == SOURCE_CHIP and computed.net_mark != current.net_mark:
            return UpdateDecision(True, "net time changed")
        return UpdateDecision(False, "unchanged")
    return UpdateDecision(True, f"newer {computed.source} result")
