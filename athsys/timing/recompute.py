"""Results and splits recomputed from raw reads: the one place chip data becomes results.

:func:`recompute` loads the reads of the entries in scope, applies the pure rules of
:mod:`athsys.timing.rules` and writes flags, splits and results set-based (``unnest`` arrays,
``ON CONFLICT``), each result change with a revision and an audit row. A result from an
outranking source (photo finish, an official's correction) or with a status other than OK
is never overwritten by chip data.

A :class:`Scope` may name the timing points to recompute: a batch of finish reads needs the
finish and the start mat (net time) only, not every split of the race again. A read at the
start mat changes every net time, so a scope touching the start recomputes every point.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, INTEGER, VARCHAR
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.logging import request_id_var
from athsys.results.models import ResultSource
from athsys.results.placing import PLACE_IN_HEAT
from athsys.results.ranking import ResultStatus
from athsys.timing import rules
from athsys.timing.lookups import BIB_CHIP_PREFIX
from athsys.timing.models import ReadFlag
from athsys.timing.processing import HeatStart, StoredTimes, decide_chip_update, heat_for_read

_audit_log = logging.getLogger("athsys.audit")
_EPOCH_MS = "(extract(epoch FROM {0}) * 1000)::bigint"


@dataclass
class ProcessingOutcome:
    """What processing changed: results, the events to refresh, reads set apart."""

    results_created: int = 0
    results_updated: int = 0
    results_deleted: int = 0
    results_kept: int = 0  # a newer or outranking result was kept
    waiting_for_gun: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    event_ids: set[int] = field(default_factory=set)

    @property
    def results_changed(self) -> int:
        return self.results_created + self.results_updated + self.results_deleted

    def count_flag(self, flag: ReadFlag) -> None:
        self.flagged[flag.value] = self.flagged.get(flag.value, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "results_created": self.results_created,
            "results_updated": self.results_updated,
            "results_deleted": self.results_deleted,
            "results_kept": self.results_kept,
            "waiting_for_gun": self.waiting_for_gun,
            "flagged": dict(self.flagged),
            "event_ids": sorted(self.event_ids),
        }


@dataclass(frozen=True)
class Scope:
    """What to recompute: these entries and the entries wearing these chips or bibs, at the
    timing points ``point_ids`` (None: every point). ``batch_id`` names the batch whose
    reads are new (an official heat flags only those)."""

    entry_ids: frozenset[int] = frozenset()
    chips: frozenset[str] = frozenset()
    bibs: frozenset[str] = frozenset()
    point_ids: frozenset[int] | None = None
    batch_id: int | None = None


@dataclass(frozen=True)
class _Point:
    id: int
    name: str
    distance_m: int
    is_start: bool
    is_finish: bool


@dataclass(frozen=True)
class _HeatRow:
    id: int
    event_id: int
    gun_ms: int | None
    start_ms: int | None
    official: bool


@dataclass(frozen=True)
class _StoredResult:
    id: int
    heat_id: int
    entry_id: int
    mark: int | None
    net_mark: int | None
    place: int | None
    status: str
    status_rule: str | None
    wind: int | None
    reaction_time: int | None
    source: str
    revision: int


def _int_array(name: str) -> Any:
    return bindparam(name, type_=ARRAY(INTEGER))


def _text_array(name: str) -> Any:
    return bindparam(name, type_=ARRAY(VARCHAR))


def _rows(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Plain tuples straight from the driver: the big reads of a batch skip ORM rows."""
    with session.connection().connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        return list(cursor.fetchall())


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
    already official are flagged ``after_official`` (only the batch's own) and change
    nothing. The caller holds the competition's processing lock.
    """
    points = {
        row[0]: _Point(*row)
        for row in _rows(
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
    if point_ids is not None and start is not None and start.id in point_ids:
        point_ids = None
    assignments, entry_ids = _assignments(session, competition_id, scope)
    bib_entries = _bib_entries(session, competition_id, entry_ids, scope.bibs)
    chips = sorted({a.chip for a in assignments} | scope.chips)
    bibs = sorted(set(bib_entries) | scope.bibs)
    assignments.extend(
        rules.ChipAssignment(BIB_CHIP_PREFIX + bib, entry_id)
        for bib, entry_id in bib_entries.items()
    )
    loaded_points = None if point_ids is None else sorted(
        point_ids | ({start.id} if start is not None else set())
    )
    reads = _reads(session, competition_id, chips, bibs, loaded_points, scope.batch_id)
    name_of = {p.id: p.name for p in ordered}
    mat_reads = [
        rules.MatRead(f"{pk:020d}", chip, name_of.get(point_id, ""), time_ms, backup)
        for pk, chip, point_id, time_ms, backup, _, _ in reads
    ]
    pk_of = {read.read_id: row[0] for read, row in zip(mat_reads, reads, strict=True)}
    in_batch = {row[0] for row in reads if row[5]}
    stored_flags = {row[0]: row[6] for row in reads}
    match = rules.match_chips(mat_reads, assignments)
    flags: dict[int, ReadFlag | None] = {}
    for read in match.unknown:
        flags[pk_of[read.read_id]] = ReadFlag.UNKNOWN_CHIP
    entry_ids = entry_ids | {item.entry_id for item in match.assigned}
    heats_of = _heats_of(session, entry_ids)
    heat_rows = {h.id: h for hs in heats_of.values() for h in hs}
    start_of_heat = {
        h.id: HeatStart(h.id, h.gun_ms if h.gun_ms is not None else h.start_ms)
        for h in heat_rows.values()
    }
    starts_of = {
        entry_id: [start_of_heat[h.id] for h in heats] for entry_id, heats in heats_of.items()
    }
    by_heat: dict[int, list[rules.EntryRead]] = defaultdict(list)
    for item in match.assigned:
        pk = pk_of[item.read.read_id]
        heat_id = heat_for_read(starts_of.get(item.entry_id, ()), item.read.time_ms)
        if heat_id is None:
            flags[pk] = ReadFlag.NO_HEAT
            continue
        if heat_rows[heat_id].official:
            if pk in in_batch:
                flags[pk] = ReadFlag.AFTER_OFFICIAL
            continue
        flags[pk] = None
        by_heat[heat_id].append(item)
    for flag in flags.values():
        if flag is not None:
            outcome.count_flag(flag)
    _write_flags(session, {
        pk: flag for pk, flag in flags.items()
        if stored_flags.get(pk) != (flag.value if flag else None)
    })

    # scoped: only the (entry, point) pairs the batch's own reads touch can change
    point_id_of = {p.name: p.id for p in ordered}
    touched = None if point_ids is None else {
        (item.entry_id, point_id_of[item.read.point])
        for items in by_heat.values() for item in items
        if pk_of[item.read.read_id] in in_batch and item.read.point in point_id_of
    }
    split_names = [p.name for p in ordered if point_ids is None or p.id in point_ids]
    times: dict[tuple[int, int], rules.RaceTime] = {}
    for heat_id, items in by_heat.items():
        gun = heat_rows[heat_id].gun_ms
        guns = {item.entry_id: gun for item in items} if gun is not None else {}
        crossings = rules.official_crossings(items, window_ms, gun_ms_by_entry=guns)
        for entry_id, crossed in crossings.items():
            times[(heat_id, entry_id)] = rules.race_time(
                entry_id, crossed, gun_ms=gun,
                start_point=start.name if start else "",
                finish_point=finish.name if finish else "",
                split_points=split_names,
            )
    open_heats = {h.id for h in heat_rows.values() if not h.official}
    _write_splits(session, times, point_id_of, entry_ids, open_heats, touched)
    if touched is None:
        _write_results(session, actor, times, entry_ids, open_heats, outcome, reason)
    elif finish is not None:
        finished = {entry_id for entry_id, point_id in touched if point_id == finish.id}
        _write_results(session, actor, {k: t for k, t in times.items() if k[1] in finished},
                       finished, open_heats, outcome, reason)
    outcome.event_ids |= {heat_rows[h].event_id for h in open_heats if h in by_heat}


def _assignments(
    session: Session, competition_id: int, scope: Scope
) -> tuple[list[rules.ChipAssignment], set[int]]:
    """Every assignment of the chips in scope and of the entries that ever wore them (a
    reassigned chip affects both wearers), and those entries with the scope's own."""
    if not (scope.entry_ids or scope.chips or scope.bibs):
        return [], set()
    rows = _rows(
        session,
        f"SELECT chip, entry_id, {_EPOCH_MS.format('valid_from')},"
        f" {_EPOCH_MS.format('valid_until')} FROM chip_assignment"
        " WHERE competition_id = %(c)s AND (chip = ANY(%(chips)s) OR entry_id = ANY(%(entries)s)"
        " OR entry_id IN (SELECT entry_id FROM chip_assignment WHERE competition_id = %(c)s"
        " AND chip = ANY(%(chips)s)) OR entry_id IN (SELECT id FROM entry"
        " WHERE competition_id = %(c)s AND bib = ANY(%(bibs)s)))",
        {"c": competition_id, "chips": sorted(scope.chips), "entries": sorted(scope.entry_ids),
         "bibs": sorted(scope.bibs)},
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
    return dict(_rows(
        session,
        "SELECT bib, id FROM entry WHERE competition_id = %(c)s"
        " AND (id = ANY(%(entries)s) OR bib = ANY(%(bibs)s))",
        {"c": competition_id, "entries": sorted(entry_ids), "bibs": sorted(bibs)},
    ))


def _reads(
    session: Session,
    competition_id: int,
    chips: list[str],
    bibs: list[str],
    point_ids: list[int] | None,
    batch_id: int | None,
) -> list[tuple[Any, ...]]:
    """(pk, chip key, timing point id, epoch ms, backup mat, in this batch, current flag) of
    the chip reads of the competition for these chips or bibs, at these points."""
    if not chips and not bibs:
        return []
    at_points = "" if point_ids is None else " AND r.timing_point_id = ANY(%(points)s)"
    select_reads = (
        f"SELECT r.id, coalesce(r.chip, %(prefix)s || r.bib), r.timing_point_id,"
        f" {_EPOCH_MS.format('r.read_at')}, d.mat_role = 'backup',"
        " coalesce(r.batch_id = %(batch)s, false), r.flag"
        " FROM timing_read r JOIN timing_device d ON d.id = r.device_id"
        f" WHERE d.competition_id = %(competition)s AND NOT r.is_gun{at_points} AND "
    )
    # two index-friendly branches rather than one OR (bib-only reads are rare)
    branches = [select_reads + "r.chip = ANY(%(chips)s)"]
    if bibs:
        branches.append(select_reads + "r.chip IS NULL AND r.bib = ANY(%(bibs)s)")
    return _rows(session, " UNION ALL ".join(branches), {
        "prefix": BIB_CHIP_PREFIX, "batch": batch_id or 0, "competition": competition_id,
        "chips": chips, "bibs": bibs, "points": point_ids,
    })


def _heats_of(session: Session, entry_ids: set[int]) -> dict[int, list[_HeatRow]]:
    if not entry_ids:
        return {}
    heats: dict[int, list[_HeatRow]] = defaultdict(list)
    same: dict[tuple[Any, ...], _HeatRow] = {}  # one row object per heat, not per entry
    for entry_id, *heat in _rows(
        session,
        f"SELECT la.entry_id, h.id, r.event_id, {_EPOCH_MS.format('h.gun_time')},"
        f" {_EPOCH_MS.format('h.scheduled_start')}, h.status = 'official'"
        " FROM lane_assignment la JOIN heat h ON h.id = la.heat_id"
        " JOIN round r ON r.id = h.round_id WHERE la.entry_id = ANY(%(entries)s)"
        " ORDER BY la.entry_id, r.ordinal, h.number",
        {"entries": sorted(entry_ids)},
    ):
        key = tuple(heat)
        row = same.get(key)
        if row is None:
            row = same[key] = _HeatRow(*heat)
        heats[entry_id].append(row)
    return heats


def _write_flags(session: Session, flags: dict[int, ReadFlag | None]) -> None:
    if not flags:
        return
    session.execute(
        text(
            "UPDATE timing_read t SET flag = v.flag FROM unnest(:ids, :flags) AS v(id, flag)"
            " WHERE t.id = v.id AND t.flag IS DISTINCT FROM v.flag"
        ).bindparams(_int_array("ids"), _text_array("flags")),
        {"ids": list(flags), "flags": [flag.value if flag else None for flag in flags.values()]},
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
    timing point) pairs; None: all) in line with ``times``: upsert what changed, delete what
    no read supports any more (a chip reassigned, a gun moved). Unchanged splits are not
    written."""
    if not open_heats or not entry_ids:
        return
    wanted = [
        (heat_id, entry_id, point_id_of[split.point], split.gun_time_ms, split.net_time_ms)
        for (heat_id, entry_id), race in times.items()
        for split in race.splits
        if touched is None or (entry_id, point_id_of[split.point]) in touched
    ]
    columns = [list(column) for column in zip(*wanted, strict=True)] if wanted else [[]] * 5
    params = dict(zip(("h", "e", "p", "g", "n"), columns, strict=True))
    with session.connection().connection.cursor() as cursor:  # type: ignore[attr-defined]
        # a batch only adds reads, and a crossing (the first read) never disappears when
        # reads are added: only a full recompute (gun, chip, start mat) can remove splits
        if touched is None:
            cursor.execute(
                "DELETE FROM timing_split s WHERE s.heat_id = ANY(%(heats)s)"
                " AND s.entry_id = ANY(%(entries)s) AND NOT EXISTS ("
                " SELECT FROM unnest(%(h)s::int[], %(e)s::int[], %(p)s::int[]) AS k(h, e, p)"
                " WHERE k.h = s.heat_id AND k.e = s.entry_id AND k.p = s.timing_point_id)",
                {"heats": sorted(open_heats), "entries": sorted(entry_ids), **params},
            )
        if wanted:
            cursor.execute(
                "INSERT INTO timing_split AS s (heat_id, entry_id, timing_point_id, gun_time_ms,"
                " net_time_ms) SELECT * FROM unnest(%(h)s::int[], %(e)s::int[], %(p)s::int[],"
                " %(g)s::int[], %(n)s::int[])"
                " ON CONFLICT (heat_id, entry_id, timing_point_id) DO UPDATE SET"
                " gun_time_ms = excluded.gun_time_ms, net_time_ms = excluded.net_time_ms,"
                " updated_at = now() WHERE (s.gun_time_ms, s.net_time_ms) IS DISTINCT FROM"
                " (excluded.gun_time_ms, excluded.net_time_ms)",
                params,
            )


def precedence_source(source: str) -> str:
    """The rules' source name of a stored result's source; API results rank as manual."""
    return rules.SOURCE_MANUAL if source in (ResultSource.MANUAL.value, ResultSource.API.value) \
        else source


def _write_results(
    session: Session,
    actor: Actor,
    times: dict[tuple[int, int], rules.RaceTime],
    entry_ids: set[int],
    open_heats: set[int],
    outcome: ProcessingOutcome,
    reason: str,
) -> None:
    """Upsert chip results and re-rank the heats that changed; each change keeps the
    previous version and writes an audit row."""
    if not open_heats or not entry_ids:
        return
    stored = {
        (r.heat_id, r.entry_id): r
        for r in (_StoredResult(*row) for row in _rows(
            session,
            "SELECT id, heat_id, entry_id, mark, net_mark, place, status, status_rule, wind,"
            " reaction_time, source, revision FROM result"
            " WHERE heat_id = ANY(%(heats)s) AND entry_id = ANY(%(entries)s) FOR UPDATE",
            {"heats": sorted(open_heats), "entries": sorted(entry_ids)},
        ))
    }
    created: list[tuple[int, int, int, int | None]] = []
    updates: list[tuple[_StoredResult, int, int | None]] = []
    for key, race in times.items():
        if race.gun_time_ms is None:
            if race.net_time_ms is not None:
                outcome.waiting_for_gun += 1
            continue
        current = stored.get(key)
        if current is not None and current.status != ResultStatus.OK.value:
            outcome.results_kept += 1  # a DNS/DNF/DQ decided by an official stands
            continue
        times_now = None if current is None else StoredTimes(
            precedence_source(current.source), current.revision, current.mark, current.net_mark
        )
        decision = decide_chip_update(times_now, race.gun_time_ms, race.net_time_ms)
        if not decision.replace:
            if current is not None and current.mark != race.gun_time_ms:
                outcome.results_kept += 1
            continue
        if current is None:
            created.append((key[0], key[1], race.gun_time_ms, race.net_time_ms))
        else:
            updates.append((current, race.gun_time_ms, race.net_time_ms))
    deleted = [
        r for key, r in stored.items()
        if key not in times and r.source == ResultSource.CHIP.value
    ]
    request_id = request_id_var.get()
    audits: list[tuple[str, int, dict[str, Any]]] = []
    if deleted:
        session.execute(
            text("DELETE FROM result WHERE id = ANY(:ids)").bindparams(_int_array("ids")),
            {"ids": [r.id for r in deleted]},
        )
        audits.extend(
            ("delete", r.id, {"heat_id": r.heat_id, "entry_id": r.entry_id, "mark": r.mark,
                              "net_mark": r.net_mark, "source": r.source,
                              "revision": r.revision, "reason": reason})
            for r in deleted
        )
    if updates:
        _keep_revisions(session, actor, [current for current, _, _ in updates], reason)
        session.execute(
            text(
                "UPDATE result r SET mark = v.mark, net_mark = v.net_mark, source = 'chip',"
                " revision = v.revision, updated_at = now()"
                " FROM unnest(:ids, :marks, :nets, :revisions) AS v(id, mark, net_mark, revision)"
                " WHERE r.id = v.id"
            ).bindparams(*map(_int_array, ("ids", "marks", "nets", "revisions"))),
            {"ids": [c.id for c, _, _ in updates], "marks": [m for _, m, _ in updates],
             "nets": [n for _, _, n in updates],
             "revisions": [c.revision + 1 for c, _, _ in updates]},
        )
        audits.extend(
            ("update", current.id, {
                "mark": {"before": current.mark, "after": mark},
                "net_mark": {"before": current.net_mark, "after": net},
                "source": {"before": current.source, "after": ResultSource.CHIP.value},
                "revision": {"before": current.revision, "after": current.revision + 1},
                "reason": reason,
            })
            for current, mark, net in updates
        )
    changed_heats = (
        {heat for heat, _, _, _ in created} | {c.heat_id for c, _, _ in updates}
        | {r.heat_id for r in deleted}
    )
    if changed_heats:
        audits.extend(
            ("create", row[0], {"heat_id": row[1], "entry_id": row[2], "mark": row[3],
                                "net_mark": row[4], "source": ResultSource.CHIP.value,
                                "reason": reason})
            for row in _insert_and_place(session, created, changed_heats)
        )
    insert_result_audits(session, actor, request_id, audits)
    outcome.results_created += len(created)
    outcome.results_updated += len(updates)
    outcome.results_deleted += len(deleted)


def _insert_and_place(
    session: Session, created: list[tuple[int, int, int, int | None]], heat_ids: set[int]
) -> list[tuple[Any, ...]]:
    """Insert the new chip results with their places and move the places of the heats'
    other results, in one statement: the new rows are written once, not inserted and then
    updated (each update of a row inserted in the same transaction re-runs its foreign key
    checks). Ranking as :func:`athsys.results.placing.place_heats`."""
    columns = [list(column) for column in zip(*created, strict=True)] if created else [[]] * 4
    return _rows(
        session,
        "WITH new AS (SELECT * FROM unnest(%(h)s::int[], %(e)s::int[], %(m)s::int[],"
        " %(n)s::int[]) AS v(heat_id, entry_id, mark, net_mark)),"
        " pool AS (SELECT id, heat_id, entry_id, mark, net_mark, status::text, place"
        " FROM result WHERE heat_id = ANY(%(heats)s)"
        " UNION ALL SELECT NULL, heat_id, entry_id, mark, net_mark, 'OK', NULL FROM new),"
        f" ranked AS (SELECT pool.*, {PLACE_IN_HEAT} AS new_place FROM pool),"
        " moved AS (UPDATE result r SET place = ranked.new_place FROM ranked"
        " WHERE r.id = ranked.id AND r.place IS DISTINCT FROM ranked.new_place)"
        " INSERT INTO result (heat_id, entry_id, mark, net_mark, status, source, revision, place)"
        " SELECT heat_id, entry_id, mark, net_mark, 'OK', 'chip', 1, new_place FROM ranked"
        " WHERE id IS NULL RETURNING id, heat_id, entry_id, mark, net_mark",
        {"h": columns[0], "e": columns[1], "m": columns[2], "n": columns[3],
         "heats": sorted(heat_ids)},
    )


def _keep_revisions(
    session: Session, actor: Actor, results: Sequence[_StoredResult], reason: str
) -> None:
    """The stored versions of ``results`` as revisions, in one statement."""
    columns = ("id", "revision", "mark", "net_mark", "place", "status", "status_rule", "wind",
               "reaction_time", "source")
    values = {name: [getattr(r, name) for r in results] for name in columns}
    session.execute(
        text(
            "INSERT INTO result_revision (result_id, revision, mark, net_mark, place, status,"
            " status_rule, wind, reaction_time, source, changed_by, reason)"
            " SELECT *, :by, :reason FROM unnest(:id, :revision, :mark, :net_mark, :place,"
            " :status, :status_rule, :wind, :reaction_time, :source)"
        ).bindparams(
            *map(_int_array, ("id", "revision", "mark", "net_mark", "place", "wind",
                              "reaction_time")),
            *map(_text_array, ("status", "status_rule", "source")),
        ),
        {**values, "by": actor.username, "reason": reason[:255]},
    )


def insert_result_audits(
    session: Session,
    actor: Actor,
    request_id: str | None,
    rows: Iterable[tuple[str, int, dict[str, Any]]],
) -> None:
    """Audit rows (action, result id, changes) in one statement: a batch changes up to
    thousands of results."""
    rows = list(rows)
    if not rows:
        return
    session.execute(
        text(
            "INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, changes,"
            " request_id) SELECT :actor_id, :actor_name, act, 'result', eid, c::jsonb, :r"
            " FROM unnest(:act, :eid, :c) AS v(act, eid, c)"
        ).bindparams(*map(_text_array, ("act", "eid", "c"))),
        {"actor_id": actor.user_id, "actor_name": actor.username, "r": request_id,
         "act": [action for action, _, _ in rows], "eid": [str(pk) for _, pk, _ in rows],
         "c": [json.dumps(changes) for _, _, changes in rows]},
    )
    _audit_log.info("%s wrote %d audit row(s) for result", actor.username, len(rows))
