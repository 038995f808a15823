"""Results and splits recomputed from raw reads: the one place chip data becomes results.

:func:`recompute` loads the reads of the entries in scope, applies the pure rules of
:mod:`athsys.timing.rules` and writes flags, splits (:mod:`athsys.timing.splits`) and
results (:mod:`athsys.timing.chip_results`) set-based. A result from an outranking source
(photo finish, an official's correction) or with a status other than OK is never
overwritten by chip data.

A :class:`Scope` may name the timing points to recompute: a batch of finish reads needs the
finish and the start mat (net time) only, not every split of the race again. A new read at
the start mat may move the runner's start crossing, and with it the net time of every split
and of the result: the runners it was read for (only those) are recomputed at every point.
A catch-up holding one late start read then re-times one runner's race, not the whole race
of every runner in the catch-up.
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
    """What to recompute: these entries and the entries wearing these chips or bibs, at the
    timing points ``point_ids`` (None: every point). ``batch_ids`` names the batches whose
    reads are new (an official heat flags only those)."""

    entry_ids: frozenset[int] = frozenset()
    chips: frozenset[str] = frozenset()
    bibs: frozenset[str] = frozenset()
    point_ids: frozenset[int] | None = None
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
) -> None:
    """Recompute results and splits of the entries in ``scope`` from their raw reads.

    Reads whose chip no assignment covers are flagged ``unknown_chip``; reads of a heat
    already official are flagged ``after_official`` (only those of ``scope.batch_ids``) and
    change nothing. The caller holds the competition's processing lock.
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
    point_ids = scope.point_ids
    assignments, entry_ids = _assignments(session, competition_id, scope)
    bib_entries = _bib_entries(session, competition_id, entry_ids, scope.bibs)
    chips = sorted({a.chip for a in assignments} | scope.chips)
    bibs = sorted(set(bib_entries) | scope.bibs)
    assignments.extend(
        rules.ChipAssignment(BIB_CHIP_PREFIX + bib, entry_id)
        for bib, entry_id in bib_entries.items()
    )
    # every read of the runners read anew at the start mat, whatever the point
    restarted_keys = set() if point_ids is None or start is None or start.id not in point_ids \
        else _keys_read_at(session, start.id, scope.batch_ids)
    restarted_entries = {a.entry_id for a in assignments if a.chip in restarted_keys}
    everywhere = {a.chip for a in assignments if a.entry_id in restarted_entries}
    loaded_points = None if point_ids is None else sorted(
        point_ids | ({start.id} if start is not None else set())
    )
    reads = _reads(session, competition_id, chips, bibs, loaded_points, scope.batch_ids,
                   everywhere=everywhere)
    name_of = {p.id: p.name for p in ordered}
    # the read's primary key, zero-padded, is its read id: reads at the same millisecond
    # then sort in the order they were stored
    mat_reads = [
        rules.MatRead(f"{pk:020d}", chip, name_of.get(point_id, ""), time_ms, backup)
        for pk, chip, point_id, time_ms, backup, _, _ in reads
    ]
    in_batch = {f"{row[0]:020d}" for row in reads if row[5]}
    stored_flags = {row[0]: row[6] for row in reads}
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
    touched = None if point_ids is None else _touched(
        timed, in_batch, point_id_of, start.id if start is not None else None)
    open_heats = {h.heat_id for h in heat_rows.values() if not h.official}
    _write_splits(session, times, point_id_of, entry_ids, open_heats, touched)
    if touched is None:
        write_chip_results(session, actor, times, entry_ids, open_heats, outcome, reason)
    elif finish is not None:
        finished = {entry_id for entry_id, point_id in touched if point_id == finish.id}
        write_chip_results(session, actor,
                           {k: t for k, t in times.items() if k[1] in finished},
                           finished, open_heats, outcome, reason)
    outcome.event_ids |= {event_of[h] for h in open_heats if h in timed.counted}


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
    """Bib → entry of the entries in scope and of the bibs read (bib-only reads)."""
    if not entry_ids and not bibs:
        return {}
    return dict(driver_rows(
        session,  # a UNION, not an OR: each branch uses its own index
        "SELECT bib, id FROM entry WHERE id = ANY(%(entries)s::int[]) AND competition_id = %(c)s"
        " UNION SELECT bib, id FROM entry WHERE competition_id = %(c)s"
        " AND bib = ANY(%(bibs)s::text[])",
        {"c": competition_id, "entries": int_array(sorted(entry_ids)),
         "bibs": text_array(sorted(bibs))},
    ))


def _keys_read_at(session: Session, point_id: int, batch_ids: frozenset[int]) -> set[str]:
    """The chip keys (chip, or the bib prefixed) the batches read at this timing point."""
    return {key for (key,) in driver_rows(
        session,
        "SELECT DISTINCT coalesce(chip, %(prefix)s || bib) FROM timing_read"
        " WHERE batch_id = ANY(%(batches)s::bigint[]) AND timing_point_id = %(point)s"
        " AND NOT is_gun",
        {"prefix": BIB_CHIP_PREFIX, "batches": int_array(sorted(batch_ids)), "point": point_id},
    )}


def _reads(
    session: Session,
    competition_id: int,
    chips: list[str],
    bibs: list[str],
    point_ids: list[int] | None,
    batch_ids: frozenset[int],
    *,
    everywhere: set[str],
) -> list[tuple[Any, ...]]:
    """(pk, chip key, timing point id, epoch ms, backup mat, in these batches, current flag)
    of the chip reads of the competition for these chips or bibs, at these points; at every
    point for the chip keys (chip, or the bib prefixed) in ``everywhere``."""
    wide_chips = [c for c in chips if c in everywhere]
    wide_bibs = [b for b in bibs if BIB_CHIP_PREFIX + b in everywhere]
    params: dict[str, Any] = {
        "prefix": BIB_CHIP_PREFIX, "batches": int_array(sorted(batch_ids)),
        "competition": competition_id, "points": int_array(point_ids or ()),
        "chips": text_array(c for c in chips if c not in everywhere),
        "bibs": text_array(b for b in bibs if BIB_CHIP_PREFIX + b not in everywhere),
        "wide_chips": text_array(wide_chips), "wide_bibs": text_array(wide_bibs),
    }
    select_reads = (
        "SELECT r.id, coalesce(r.chip, %(prefix)s || r.bib), r.timing_point_id,"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
        f" {_EPOCH_MS.format('r.read_at')}, d.mat_role = 'backup',"
        " coalesce(r.batch_id = ANY(%(batches)s::bigint[]), false), r.flag"
        " FROM timing_read r JOIN timing_device d ON d.id = r.device_id"
        " WHERE d.competition_id = %(competition)s AND NOT r.is_gun AND "
    )
    at_points = "" if point_ids is None else " AND r.timing_point_id = ANY(%(points)s::int[])"
    # index-friendly branches rather than one OR (bib-only reads are rare)
    branches = [
        sql for sql, wanted in (
            (f"r.chip = ANY(%(chips)s::text[]){at_points}", len(chips) > len(wide_chips)),
            (f"r.chip IS NULL AND r.bib = ANY(%(bibs)s::text[]){at_points}",
             len(bibs) > len(wide_bibs)),
            ("r.chip = ANY(%(wide_chips)s::text[])", bool(wide_chips)),
            ("r.chip IS NULL AND r.bib = ANY(%(wide_bibs)s::text[])", bool(wide_bibs)),
        ) if wanted
    ]
    if not branches:
        return []
    return driver_rows(session, " UNION ALL ".join(select_reads + sql for sql in branches),
                       params)


def _touched(
    timed: rules.TimedReads,
    new_reads: set[str],
    point_id_of: dict[str, int],
    start_id: int | None,
) -> set[tuple[int, int]]:
    """The (entry, timing point) pairs a scoped recompute writes: those the new reads count
    at, and every point of a runner with a new read at the start mat (its start crossing,
    hence every net time, may have moved). Only reads are added, so nothing else changes."""
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
    return touched


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
) -> None:
    """Bring the stored splits of these entries in open heats (only the ``touched`` (entry,
    timing point) pairs; None: all) in line with ``times``."""
    if not open_heats or not entry_ids:
        return
    wanted = {
        (heat_id, entry_id, point_id_of[split.point]): (split.gun_time_ms, split.net_time_ms)
        for (heat_id, entry_id), race in times.items()
        for split in race.splits
        if touched is None or (entry_id, point_id_of[split.point]) in touched
    }
    if touched is None:
        stored = splits.stored_splits(session, sorted(open_heats), sorted(entry_ids), None)
    else:
        stored = {
            key: split for key, split in splits.stored_splits(
                session, sorted(open_heats), sorted({e for e, _ in touched}),
                sorted({p for _, p in touched}),
            ).items() if (key[1], key[2]) in touched
        }
    splits.write_split_changes(
        session, splits.split_changes(stored, wanted, delete_unsupported=touched is None)
    )
