"""Chip results written from computed race times, set-based: created, updated or deleted in
one statement each, every change with a revision and an audit row, and the places of the
changed heats moved in the same statement as the insert.

A result from an outranking source (photo finish, an official's correction) or with a
status other than OK is never overwritten by chip data
(:func:`athsys.timing.rules.decide_update`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.db import driver_execute, driver_rows, int_array, text_array
from athsys.logging import request_id_var
from athsys.results.models import ResultSource
from athsys.results.placing import PLACE_IN_HEAT
from athsys.sport.ranking import ResultStatus
from athsys.timing import rules
from athsys.timing.outcome import ProcessingOutcome

_audit_log = logging.getLogger("athsys.audit")


class _StoredResult(NamedTuple):
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


def precedence_source(source: str) -> str:
    """The rules' source name of a stored result's source; API results rank as manual."""
    return rules.SOURCE_MANUAL if source in (ResultSource.MANUAL.value, ResultSource.API.value) \
        else source


def write_chip_results(
    session: Session,
    actor: Actor,
    times: dict[tuple[int, int], rules.RaceTime],
    entry_ids: set[int],
    open_heats: set[int],
    outcome: ProcessingOutcome,
    reason: str,
) -> None:
    """Bring the results of ``entry_ids`` in ``open_heats`` in line with ``times`` (keyed by
    heat and entry): create, update, or delete chip results no read supports any more."""
    if not open_heats or not entry_ids:
        return
    stored = {
        (r.heat_id, r.entry_id): r
        for r in (_StoredResult(*row) for row in driver_rows(
            session,
            "SELECT id, heat_id, entry_id, mark, net_mark, place, status, status_rule, wind,"
            " reaction_time, source, revision FROM result"
            " WHERE heat_id = ANY(%(heats)s::int[]) AND entry_id = ANY(%(entries)s::int[])"
            " FOR UPDATE",
            {"heats": int_array(sorted(open_heats)), "entries": int_array(sorted(entry_ids))},
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
        stored_times = None if current is None else rules.ResultTimes(
            precedence_source(current.source), current.revision, current.mark, current.net_mark
        )
        decision = rules.decide_update(stored_times, rules.ResultTimes(
            rules.SOURCE_CHIP, current.revision if current is not None else None,
            race.gun_time_ms, race.net_time_ms,
        ))
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
    audits: list[tuple[str, int, dict[str, Any]]] = []
    if deleted:
        driver_execute(session, "DELETE FROM result WHERE id = ANY(%(ids)s::int[])",
                       {"ids": int_array(r.id for r in deleted)})
        audits.extend(
            ("delete", r.id, {"heat_id": r.heat_id, "entry_id": r.entry_id, "mark": r.mark,
                              "net_mark": r.net_mark, "source": r.source,
                              "revision": r.revision, "reason": reason})
            for r in deleted
        )
    if updates:
        _update_results(session, actor, updates, reason)
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
    insert_result_audits(session, actor, request_id_var.get(), audits)
    outcome.results_created += len(created)
    outcome.results_updated += len(updates)
    outcome.results_deleted += len(deleted)


def _update_results(
    session: Session,
    actor: Actor,
    updates: Sequence[tuple[_StoredResult, int, int | None]],
    reason: str,
) -> None:
    """Keep the stored versions as revisions, then write the new marks as chip results."""
    _keep_revisions(session, actor, [current for current, _, _ in updates], reason)
    driver_execute(
        session,
        "UPDATE result r SET mark = v.mark, net_mark = v.net_mark, source = 'chip',"
        " revision = v.revision, updated_at = now()"
        " FROM unnest(%(ids)s::int[], %(marks)s::int[], %(nets)s::int[], %(revisions)s::int[])"
        " AS v(id, mark, net_mark, revision) WHERE r.id = v.id",
        {"ids": int_array(c.id for c, _, _ in updates),
         "marks": int_array(m for _, m, _ in updates),
         "nets": int_array(n for _, _, n in updates),
         "revisions": int_array(c.revision + 1 for c, _, _ in updates)},
    )


def _insert_and_place(
    session: Session, created: list[tuple[int, int, int, int | None]], heat_ids: set[int]
) -> list[tuple[Any, ...]]:
    """Insert the new chip results with their places and move the places of the heats'
    other results, in one statement: the new rows are written once, not inserted and then
    updated (each update of a row inserted in the same transaction re-runs its foreign key
    checks). Ranking as :func:`athsys.results.placing.place_heats`."""
    columns = [list(column) for column in zip(*created, strict=True)] if created else [[]] * 4
    return driver_rows(
        session,
        "WITH new AS (SELECT * FROM unnest(%(h)s::int[], %(e)s::int[], %(m)s::int[],"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
        " %(n)s::int[]) AS v(heat_id, entry_id, mark, net_mark)),"
        " pool AS (SELECT id, heat_id, entry_id, mark, net_mark, status::text, place"
        " FROM result WHERE heat_id = ANY(%(heats)s::int[])"
        " UNION ALL SELECT NULL, heat_id, entry_id, mark, net_mark, 'OK', NULL FROM new),"
        f" ranked AS (SELECT pool.*, {PLACE_IN_HEAT} AS new_place FROM pool),"
        " moved AS (UPDATE result r SET place = ranked.new_place FROM ranked"
        " WHERE r.id = ranked.id AND r.place IS DISTINCT FROM ranked.new_place)"
        " INSERT INTO result (heat_id, entry_id, mark, net_mark, status, source, revision, place)"
        " SELECT heat_id, entry_id, mark, net_mark, 'OK', 'chip', 1, new_place FROM ranked"
        " WHERE id IS NULL RETURNING id, heat_id, entry_id, mark, net_mark",
        {"h": int_array(columns[0]), "e": int_array(columns[1]), "m": int_array(columns[2]),
         "n": int_array(columns[3]), "heats": int_array(sorted(heat_ids))},
    )


def _keep_revisions(
    session: Session, actor: Actor, results: Sequence[_StoredResult], reason: str
) -> None:
    """The stored versions of ``results`` as revisions, in one statement."""
    driver_execute(
        session,
        "INSERT INTO result_revision (result_id, revision, mark, net_mark, place, status,"
        " status_rule, wind, reaction_time, source, changed_by, reason)"
        " SELECT *, %(by)s, %(reason)s FROM unnest(%(id)s::int[], %(revision)s::int[],"
        " %(mark)s::int[], %(net_mark)s::int[], %(place)s::int[], %(status)s::text[],"
        " %(status_rule)s::text[], %(wind)s::int[], %(reaction_time)s::int[],"
        " %(source)s::text[])",
        {
            **{name: int_array(getattr(r, name) for r in results)
               for name in ("id", "revision", "mark", "net_mark", "place", "wind",
                            "reaction_time")},
            **{name: text_array(getattr(r, name) for r in results)
               for name in ("status", "status_rule", "source")},
            "by": actor.username, "reason": reason[:255],
        },
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
    driver_execute(
        session,
        "INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, changes,"
        " request_id) SELECT %(actor_id)s, %(actor_name)s, act, 'result', eid, c, %(r)s"
        " FROM ROWS FROM (unnest(%(act)s::text[]), unnest(%(eid)s::text[]),"
        " jsonb_array_elements(%(c)s::jsonb)) AS v(act, eid, c)",
        {"actor_id": actor.user_id, "actor_name": actor.username, "r": request_id,
         "act": text_array([action for action, _, _ in rows]),
         "eid": text_array([str(pk) for _, pk, _ in rows]),
         # one JSON array: one encoding, and no escaping of every quote into an array literal
         "c": json.dumps([changes for _, _, changes in rows])},
    )
    _audit_log.info("%s wrote %d audit row(s) for result", actor.username, len(rows))
