"""Results and splits recomputed from raw reads: the one place chip data becomes results.

:func:`recompute` loads the reads of the entries in scope, applies the pure rules of
:mod:`athsys.timing.rules` and writes flags, splits (:mod:`athsys.timing.splits`) and
results (:mod:`athsys.timing.chip_results`) set-based. A result from an outranking source
(photo finish, an official's correction) or with a status other than OK is never
overwritten by chip data.

A :class:`Scope` may name the (chip, timing point) pairs the new reads are at: a runner's
finish read needs the reads of that runner at the finish and at the start mat (net time)
only, not every split of the race again, and not the 30 km reads of another runner whose
30 km read is in the same catch-up. A new read at the start mat may move the runner's start
crossing, and with it the net time of every split and of the result: the runners it was read
for (only those) are recomputed at every point. A catch-up holding one late start read then
re-times one runner's race, not the whole race of every runner in the catch-up.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.db import driver_execute, driver_rows, int_array, text_array
from athsys.runtime import cyclic_gc_paused
from athsys.timing import rules, splits
from athsys.timing.chip_results import write_chip_results
from athsys.timing.lookups import BIB_CHIP_PREFIX
from athsys.timing.outcome import ProcessingOutcome

_EPOCH_MS = "(extract(epoch FROM {0}) * 1000)::bigint"


@dataclass(frozen=True)
class Scope:
    """What to recompute: these entries and the entries wearing these chips or bibs.
    ``reads_at``: the (chip key, timing point id) pairs of the new reads (chip key: the chip,
    or :data:`BIB_CHIP_PREFIX` and the bib of a bib-only read); each runner is then
    recomputed at the points its new reads are at only. None: at every point (a gun moved, a
    chip changed hands). ``batch_ids`` names the batches whose reads are new (an official
    heat flags only those)."""

    entry_ids: frozenset[int] = frozenset()
    chips: frozenset[str] = frozenset()
    bibs: frozenset[str] = frozenset()
    reads_at: frozenset[tuple[str, int]] | None = None
    batch_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _Point:
    id: int
    name: str
    distance_m: int
    is_start: bool
    is_finish: bool


@cyclic_gc_paused()
def recompute(
    session: Session,
    actor: Actor,
    competition_id: int,
    scope: Scope,
    *,
    window_ms: int,
    outcome: ProcessingOutcome,
    reason: str,
) -> dict[int, int]:
    """Recompute results and splits of the entries in ``scope`` from their raw reads.

    Reads whose chip no assignment covers are flagged ``unknown_chip``; reads of a heat
    already official are flagged ``after_official`` (only those of ``scope.batch_ids``) and
    change nothing. The caller holds the competition's processing lock.

    Returns, for other batches than ``scope.batch_ids``, how many of their reads this
    recompute re-timed as processing them would (:func:`_retimed_elsewhere`): a batch all
    of whose reads are counted there has nothing left to change.
    """
    points = {
        row[0]: _Point(*row)
        for row in driver_rows(
            session,
            "SELECT id, name, distance_m, is_start, is_finish FROM timing_point"
            " WHERE competition_id = %(c)s",
            {"c": competition_id},
        )
    }
    ordered = sorted(points.values(), key=lambda p: (p.distance_m, p.id))
    start = next((p for p in ordered if p.is_start), None)
    finish = next((p for p in ordered if p.is_finish), None)
    assignments, entry_ids = _assignments(session, competition_id, scope)
    bib_entries = _bib_entries(session, competition_id, entry_ids, scope.bibs)
    chips = sorted({a.chip for a in assignments} | scope.chips)
    bibs = sorted(set(bib_entries) | scope.bibs)
    assignments.extend(
        rules.ChipAssignment(BIB_CHIP_PREFIX + bib, entry_id)
        for bib, entry_id in bib_entries.items()
    )
    if scope.reads_at is None:
        everywhere, at = {*chips, *(BIB_CHIP_PREFIX + bib for bib in bibs)}, set()
    else:
        everywhere, at = _keys_to_load(scope.reads_at, assignments,
                                       start.id if start is not None else None)
    name_of = {p.id: p.name for p in ordered}
    mat_reads: list[rules.MatRead] = []
    in_batch: set[str] = set()
    stored_flags: dict[int, str | None] = {}
    batch_of: dict[str, int] = {}  # read id → its batch, for the reads of other batches
    # one pass over the rows, which are dropped after it: the rules and the writes below then
    # hold a catch-up's reads once (as MatRead, sharing the read id's string), not also as
    # rows. The read's primary key, zero-padded, is its read id: reads at the same
    # millisecond then sort in the order they were stored
    for pk, chip, point_id, time_ms, backup, batch_id, flag in _reads(
            session, competition_id, everywhere=everywhere, at=at):
        read_id = f"{pk:020d}"
        mat_reads.append(rules.MatRead(read_id, chip, name_of.get(point_id, ""), time_ms, backup))
        if batch_id in scope.batch_ids:
            in_batch.add(read_id)
        elif batch_id is not None:
            batch_of[read_id] = batch_id
        if flag is not None:
            stored_flags[pk] = flag
    # the heats of every entry a read could match; the pipeline decides which reads do
    heats_of, event_of = _heats_of(session, entry_ids | {a.entry_id for a in assignments})
    heat_rows = {h.heat_id: h for hs in heats_of.values() for h in hs}
    timed = rules.time_reads(
        mat_reads, assignments, heats_of, new_reads=in_batch, window_ms=window_ms,
        start_point=start.name if start else "", finish_point=finish.name if finish else "",
        split_points=[p.name for p in ordered],
    )
    entry_ids = entry_ids | timed.entries
    flags = {int(read_id): flag for read_id, flag in timed.flags.items()}
    for flag in flags.values():
        if flag is not None:
            outcome.count_flag(flag)
    _write_flags(session, {
        pk: flag for pk, flag in flags.items()
        if stored_flags.get(pk) != (flag.value if flag else None)
    })

    point_id_of = {p.name: p.id for p in ordered}
    times = timed.times
    touched, restarted = (None, set()) if scope.reads_at is None else _touched(
        timed, in_batch, point_id_of, start.id if start is not None else None)
    open_heats = {h.heat_id for h in heat_rows.values() if not h.official}
    _write_splits(session, times, point_id_of, entry_ids, open_heats, touched, restarted)
    if touched is None:
        write_chip_results(session, actor, times, entry_ids, open_heats, outcome, reason)
    elif finish is not None:
        finished = {entry_id for entry_id, point_id in touched if point_id == finish.id}
        write_chip_results(session, actor,
                           {k: t for k, t in times.items() if k[1] in finished},
                           finished, open_heats, outcome, reason)
    outcome.event_ids |= {event_of[h] for h in open_heats if h in timed.counted}
    return _retimed_elsewhere(
        mat_reads, timed, assignments, restarted, batch_of,
        {*scope.chips, *(BIB_CHIP_PREFIX + bib for bib in scope.bibs)})


def _retimed_elsewhere(
    mat_reads: list[rules.MatRead],
    timed: rules.TimedReads,
    assignments: list[rules.ChipAssignment],
    restarted: set[int],
    batch_of: dict[str, int],
    read_keys: set[str],
) -> dict[int, int]:
    """Batch → how many of its reads (of batches other than the scope's) were re-timed here
    as processing them would re-time them.

    A runner with a new start-mat read is recomputed at every point, from all of its stored
    reads, those of batches still waiting included (a worker that was down catches up on a
    race stored at once: the first catch-up holds every start read). Processing such a
    batch later would recompute a subset of those (runner, point) pairs from the same reads
    and write nothing. A read counts here when its chip key was read in this catch-up
    (``read_keys``: then every assignment of it was loaded, not only those of the runners in
    scope; a runner's other chip may have been worn by someone else, whose reads this
    recompute could not match), every entry the key was ever assigned to was re-timed at
    every point, and the rules decided its flag (a read of a heat already official is left
    out: as a new read it would be flagged ``after_official``)."""
    if not restarted or not batch_of:
        return {}
    wearers: dict[str, set[int]] = defaultdict(set)
    for assignment in assignments:
        wearers[assignment.chip].add(assignment.entry_id)
    retimed_keys = {key for key, entries in wearers.items()
                    if key in read_keys and entries <= restarted}
    counts: dict[int, int] = defaultdict(int)
    for read in mat_reads:
        batch_id = batch_of.get(read.read_id)
        if batch_id is not None and read.chip in retimed_keys and read.read_id in timed.flags:
            counts[batch_id] += 1
    return dict(counts)


def _assignments(
    session: Session, competition_id: int, scope: Scope
) -> tuple[list[rules.ChipAssignment], set[int]]:
    """Every assignment of the chips in scope and of the entries that ever wore them (a
    reassigned chip affects both wearers), and those entries with the scope's own."""
    if not (scope.entry_ids or scope.chips or scope.bibs):
        return [], set()
    rows = driver_rows(
        session,
        "WITH wearers AS (SELECT entry_id FROM chip_assignment WHERE competition_id = %(c)s"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
        " AND chip = ANY(%(chips)s::text[])"
        " UNION SELECT unnest(%(entries)s::int[])"
        " UNION SELECT id FROM entry WHERE competition_id = %(c)s"
        " AND bib = ANY(%(bibs)s::text[]))"
        f" SELECT chip, entry_id, {_EPOCH_MS.format('valid_from')},"
        f" {_EPOCH_MS.format('valid_until')} FROM chip_assignment"
        " WHERE competition_id = %(c)s AND entry_id IN (SELECT entry_id FROM wearers)",
        {"c": competition_id, "chips": text_array(sorted(scope.chips)),
         "entries": int_array(sorted(scope.entry_ids)), "bibs": text_array(sorted(scope.bibs))},
    )
    assignments = [rules.ChipAssignment(*row) for row in rows]
    entry_ids = set(scope.entry_ids) | {a.entry_id for a in assignments if a.chip in scope.chips}
    return assignments, entry_ids


def _bib_entries(
    session: Session, competition_id: int, entry_ids: set[int], bibs: frozenset[str]
) -> dict[str, int]:
    """Bib → entry of the bibs read (bib-only reads) and of the entries in scope whose bib
    was ever read without a chip. An entry whose bib never was has no bib-only read to
    match: leaving it out keeps a catch-up from looking up, and matching against, a second
    key for every runner (the partial index of bib-only reads answers for each bib; a read
    of the same bib in another competition only adds a key that finds nothing)."""
    if not entry_ids and not bibs:
        return {}
    return dict(driver_rows(
        session,  # a UNION, not an OR: each branch uses its own index
        "SELECT e.bib, e.id FROM entry e WHERE e.id = ANY(%(entries)s::int[])"
        " AND e.competition_id = %(c)s AND EXISTS (SELECT 1 FROM timing_read r"
        " WHERE r.chip IS NULL AND r.bib = e.bib)"
        " UNION SELECT bib, id FROM entry WHERE competition_id = %(c)s"
        " AND bib = ANY(%(bibs)s::text[])",
        {"c": competition_id, "entries": int_array(sorted(entry_ids)),
         "bibs": text_array(sorted(bibs))},
    ))


def _keys_to_load(
    reads_at: frozenset[tuple[str, int]],
    assignments: list[rules.ChipAssignment],
    start_id: int | None,
) -> tuple[set[str], set[tuple[str, int]]]:
    """The chip keys whose reads to load at every point, and the (chip key, timing point)
    pairs whose reads to load: for each runner a new read is for (any of its chips), its
    reads at the points of its new reads and at the start mat (net times); every read of a
    runner with a new start-mat read. A chip no assignment covers is loaded where it was
    read, for its flag."""
    keys_of: dict[int, set[str]] = defaultdict(set)
    wearers: dict[str, set[int]] = defaultdict(set)
    for assignment in assignments:
        keys_of[assignment.entry_id].add(assignment.chip)
        wearers[assignment.chip].add(assignment.entry_id)
    points_of: dict[int, set[int]] = defaultdict(set)
    at: set[tuple[str, int]] = set()
    for key, point_id in reads_at:
        if key not in wearers:
            at.add((key, point_id))
        for entry_id in wearers.get(key, ()):
            points_of[entry_id].add(point_id)
    everywhere = {key for entry_id, point_ids in points_of.items() if start_id in point_ids
                  for key in keys_of[entry_id]}
    at.update(
        (key, point_id)
        for entry_id, point_ids in points_of.items() if start_id not in point_ids
        for key in keys_of[entry_id] if key not in everywhere
        for point_id in (point_ids if start_id is None else point_ids | {start_id})
    )
    return everywhere, at


def _reads(
    session: Session,
    competition_id: int,
    *,
    everywhere: set[str],
    at: set[tuple[str, int]],
) -> list[tuple[Any, ...]]:
    """(pk, chip key, timing point id, epoch ms, backup mat, batch id, current flag)
    of the chip reads of the competition for the chip keys (the chip, or the bib prefixed
    with :data:`BIB_CHIP_PREFIX`) in ``everywhere`` at every point, and for the (chip key,
    timing point id) pairs ``at``."""
    chips: list[str] = []
    bibs: list[str] = []
    for key in sorted(everywhere):
        if key.startswith(BIB_CHIP_PREFIX):
            bibs.append(key[len(BIB_CHIP_PREFIX):])
        else:
            chips.append(key)
    chip_pairs: list[tuple[str, int]] = []
    bib_pairs: list[tuple[str, int]] = []
    for key, point_id in sorted(at):
        if key.startswith(BIB_CHIP_PREFIX):
            bib_pairs.append((key[len(BIB_CHIP_PREFIX):], point_id))
        else:
            chip_pairs.append((key, point_id))
    if not (chips or bibs or chip_pairs or bib_pairs):
        return []
    devices = driver_rows(
        session, "SELECT id, mat_role = 'backup' FROM timing_device WHERE competition_id = %(c)s",
        {"c": competition_id})
    params: dict[str, Any] = {
        "prefix": BIB_CHIP_PREFIX,
        "devices": int_array(sorted(pk for pk, _ in devices)),
        "backup_devices": int_array(sorted(pk for pk, backup in devices if backup)),
        "chips": text_array(chips), "bibs": text_array(bibs),
        "pair_chips": text_array(k for k, _ in chip_pairs),
        "pair_chip_points": int_array(p for _, p in chip_pairs),
        "pair_bibs": text_array(b for b, _ in bib_pairs),
        "pair_bib_points": int_array(p for _, p in bib_pairs),
    }
    # each branch looks up the reads of one chip (or bib) at a time through the chip index
    # alone: a lateral subquery that OFFSET 0 keeps from being flattened (and the device
    # filter out of), so a nested loop of index lookups whatever the statistics say; during
    # a race they are stale, and the plans they gave read every read of every device of the
    # race, once per query or once per chip. A chip's pairs are one lookup: the index does
    # not hold the point, so each lookup visits every read of the chip, and a runner's new
    # read and its start mat would be two visits of them. Bib-only reads are rare
    branches = [
        "SELECT r.id, coalesce(r.chip, %(prefix)s || r.bib), r.timing_point_id,"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
        f" {_EPOCH_MS.format('r.read_at')}, r.device_id = ANY(%(backup_devices)s::int[]),"
        " r.batch_id, r.flag"
        f" FROM {keys} CROSS JOIN LATERAL (SELECT * FROM timing_read r WHERE {match}"
        " AND NOT r.is_gun OFFSET 0) r WHERE r.device_id = ANY(%(devices)s::int[])"
        for keys, match, wanted in (
            ("unnest(%(chips)s::text[]) AS w(chip)", "r.chip = w.chip", chips),
            ("unnest(%(bibs)s::text[]) AS w(bib)", "r.chip IS NULL AND r.bib = w.bib", bibs),
            ("(SELECT chip, array_agg(point_id) AS point_ids FROM unnest(%(pair_chips)s::text[],"
             " %(pair_chip_points)s::int[]) AS p(chip, point_id) GROUP BY chip) AS w",
             "r.chip = w.chip AND r.timing_point_id = ANY(w.point_ids)", chip_pairs),
            ("unnest(%(pair_bibs)s::text[], %(pair_bib_points)s::int[]) AS w(bib, point_id)",
             "r.chip IS NULL AND r.bib = w.bib AND r.timing_point_id = w.point_id", bib_pairs),
        ) if wanted
    ]
    return driver_rows(session, " UNION ALL ".join(branches), params)


def _touched(
    timed: rules.TimedReads,
    new_reads: set[str],
    point_id_of: dict[str, int],
    start_id: int | None,
) -> tuple[set[tuple[int, int]], set[int]]:
    """The (entry, timing point) pairs a scoped recompute writes: those the new reads count
    at, and every point of a runner with a new read at the start mat (its start crossing,
    hence every net time, may have moved); and those runners. Only reads are added, so
    nothing else changes."""
    touched = {
        (item.entry_id, point_id_of[item.read.point])
        for items in timed.counted.values() for item in items
        if item.read.read_id in new_reads and item.read.point in point_id_of
    }
    restarted = {entry_id for entry_id, point_id in touched if point_id == start_id}
    touched.update(
        (entry_id, point_id_of[split.point])
        for (_, entry_id), race in timed.times.items() if entry_id in restarted
        for split in race.splits
    )
    return touched, restarted


def _heats_of(
    session: Session, entry_ids: set[int]
) -> tuple[dict[int, list[rules.HeatClock]], dict[int, int]]:
    """Entry -> the heats it runs in (rounds in order), and heat -> its event."""
    if not entry_ids:
        return {}, {}
    heats: dict[int, list[rules.HeatClock]] = defaultdict(list)
    event_of: dict[int, int] = {}
    same: dict[int, rules.HeatClock] = {}  # one clock per heat, not per entry
    for entry_id, heat_id, event_id, gun_ms, scheduled_ms, official in driver_rows(
        session,
        f"SELECT la.entry_id, h.id, r.event_id, {_EPOCH_MS.format('h.gun_time')},"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
        f" {_EPOCH_MS.format('h.scheduled_start')}, h.status = 'official'"
        " FROM lane_assignment la JOIN heat h ON h.id = la.heat_id"
        " JOIN round r ON r.id = h.round_id WHERE la.entry_id = ANY(%(entries)s::int[])"
        " ORDER BY la.entry_id, r.ordinal, h.number",
        {"entries": int_array(sorted(entry_ids))},
    ):
        clock = same.get(heat_id)
        if clock is None:
            clock = same[heat_id] = rules.HeatClock(heat_id, gun_ms, scheduled_ms, official)
            event_of[heat_id] = event_id
        heats[entry_id].append(clock)
    return heats, event_of


def _write_flags(session: Session, flags: dict[int, rules.ReadFlag | None]) -> None:
    if not flags:
        return
    driver_execute(
        session,
        "UPDATE timing_read t SET flag = v.flag"
        " FROM unnest(%(ids)s::bigint[], %(flags)s::text[]) AS v(id, flag)"
        " WHERE t.id = v.id AND t.flag IS DISTINCT FROM v.flag",
        {"ids": int_array(flags),
         "flags": text_array(flag.value if flag else None for flag in flags.values())},
    )


def _write_splits(
    session: Session,
    times: dict[tuple[int, int], rules.RaceTime],
    point_id_of: dict[str, int],
    entry_ids: set[int],
    open_heats: set[int],
    touched: set[tuple[int, int]] | None,
    restarted: set[int],
) -> None:
    """Bring the stored splits of these entries in open heats (only the ``touched`` (entry,
    timing point) pairs, which hold every point of the ``restarted`` runners; None: all) in
    line with ``times``."""
    if not open_heats or not entry_ids:
        return
    wanted = {
        (heat_id, entry_id, point_id_of[split.point]): (split.gun_time_ms, split.net_time_ms)
        for (heat_id, entry_id), race in times.items()
        for split in race.splits
        if touched is None or (entry_id, point_id_of[split.point]) in touched
    }
    stored = splits.stored_splits(
        session, sorted(open_heats), sorted(entry_ids),
        None if touched is None else {pair for pair in touched if pair[0] not in restarted},
        every_point_of=frozenset(restarted))
    splits.write_split_changes(
        session, splits.split_changes(stored, wanted, delete_unsupported=touched is None)
    )
