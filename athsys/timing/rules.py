"""Pure rules that turn chip reads into race times (no database: plain values in and out).

The values that exist once per read, per entry or per split (:class:`MatRead`,
:class:`EntryRead`, :class:`RaceTime`, :class:`Split`, :class:`ChipAssignment`) are named
tuples: immutable like the frozen dataclasses elsewhere, and several times cheaper to build
for the tens of thousands a batch of reads makes.

All times are integers: ``time_ms`` of a read is milliseconds since the Unix epoch
(:attr:`athsys.timing.passing.Passing.epoch_ms`), durations are milliseconds.

The pipeline (:func:`process_reads`), rule by rule:

1. chip → entry through the chip assignment valid at the read's time (:func:`match_chips`);
   reads of unknown chips are kept apart and reported, never dropped silently;
2. reads before the gun of the athlete's heat or wave are ignored (athletes standing on the
   start mat before the gun);
3. duplicate reads of one chip at one timing point within the window (default 10 s) collapse
   to the first (:func:`collapse_duplicates`);
4. at each point the first primary-mat read counts; a backup-mat read is used only when the
   primary mat has none (:func:`official_crossings`);
5. official time = finish − gun; net (chip) time = finish − the athlete's own start-mat read,
   or − gun without one; the same for each split point (:func:`race_time`).

:func:`decide_update` protects stored results from late or replayed reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

from athsys.errors import ConflictError, ValidationError
from athsys.timing.passing import Passing

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

    @classmethod
    def from_passing(
        cls, passing: Passing, *, point: str | None = None, backup: bool = False
    ) -> MatRead:
        """The read of a chip passing; ``point`` overrides the payload's timing point (a
        device is usually configured for one point)."""
        chip, where = passing.chip, point or passing.timing_point
        if passing.is_gun or chip is None or where is None:
            raise ValidationError(
                f"passing {passing.read_id} has no chip or no timing point",
                details={"read_id": passing.read_id, "line": passing.line},
            )
        return cls(passing.read_id, chip, where, passing.epoch_ms, backup)


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


@dataclass(frozen=True)
class ProcessedReads:
    times: dict[int, RaceTime]
    unknown: tuple[MatRead, ...]


@dataclass(frozen=True)
class StoredResult:
    source: str
    revision: int
    time_ms: int | None


@dataclass(frozen=True)
class ComputedResult:
    """A result computed from all stored reads of an entry; ``based_on_revision`` is the
    revision of the stored result when the computation read it (None: there was none)."""

    source: str
    time_ms: int | None
    based_on_revision: int | None


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
    backup-mat read. Reads before the entry's gun (when known) are ignored."""
    guns = gun_ms_by_entry or {}
    in_race = [
        item
        for item in reads
        if item.entry_id not in guns or item.read.time_ms >= guns[item.entry_id]
    ]
    crossings: dict[int, dict[str, MatRead]] = defaultdict(dict)
    for item in collapse_duplicates(in_race, window_ms):
        current = crossings[item.entry_id].get(item.read.point)
        if current is None or (current.backup and not item.read.backup):
            crossings[item.entry_id][item.read.point] = item.read
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

    def split(point: str, read: MatRead) -> Split:
        return Split(point, None if gun_ms is None else read.time_ms - gun_ms,
                     None if net_origin is None else read.time_ms - net_origin)

    finish = crossings.get(finish_point)
    gun_time = net_time = None
    if finish is not None:
        _, gun_time, net_time = split(finish_point, finish)
    splits = tuple(
        split(point, read) for point in split_points
        if (read := crossings.get(point)) is not None
    )
    return RaceTime(entry_id, gun_time, net_time, start is not None, splits)


def process_reads(
    reads: Iterable[MatRead],
    assignments: Iterable[ChipAssignment],
    *,
    entry_waves: Mapping[int, str],
    wave_guns: Mapping[str, int],
    window_ms: int = DEFAULT_DUPLICATE_WINDOW_MS,
    start_point: str = START_POINT,
    finish_point: str = FINISH_POINT,
    split_points: Sequence[str] = (),
) -> ProcessedReads:
    """The whole pipeline: times per entry, and the reads of unknown chips.

    ``entry_waves`` maps an entry to its heat or wave, ``wave_guns`` a heat or wave to its
    gun time (epoch ms); an entry without a gun gets net times only (from its start mat).
    """
    match = match_chips(reads, assignments)
    gun_by_entry = {
        entry: wave_guns[wave] for entry, wave in entry_waves.items() if wave in wave_guns
    }
    crossings = official_crossings(match.assigned, window_ms, gun_ms_by_entry=gun_by_entry)
    times = {
        entry: race_time(
            entry,
            points,
            gun_ms=gun_by_entry.get(entry),
            start_point=start_point,
            finish_point=finish_point,
            split_points=split_points,
        )
        for entry, points in crossings.items()
    }
    return ProcessedReads(times, match.unknown)


def decide_update(current: StoredResult | None, computed: ComputedResult) -> UpdateDecision:
    """Whether a freshly computed result may replace the stored one.

    A late or replayed read never overwrites newer data: the stored result is kept when it
    changed since the computation read it (newer revision), when it comes from a source that
    outranks the computed one (manual correction > photo finish > chip), or when nothing
    changed (a replay is a no-op).
    """
    for source in (computed.source, current.source if current else SOURCE_CHIP):
        if source not in SOURCE_PRECEDENCE:
            raise ValidationError(
                f"unknown result source '{source}'", details={"source": source}
            )
    if current is None:
        return UpdateDecision(True, "no stored result")
    if computed.based_on_revision is None or computed.based_on_revision < current.revision:
        return UpdateDecision(
            False,
            f"stored revision {current.revision} is newer than the one this was computed from",
        )
    if SOURCE_PRECEDENCE[computed.source] < SOURCE_PRECEDENCE[current.source]:
        return UpdateDecision(
            False, f"a {current.source} result outranks a {computed.source} result"
        )
    if computed.time_ms == current.time_ms:
        return UpdateDecision(False, "unchanged")
    return UpdateDecision(True, f"newer {computed.source} result")
