"""FinishLynx ``.lif`` imports: each file (path and content) exactly once, validated whole
before anything is stored, statuses (DNS/DNF/DQ with the rule) kept as statuses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import record, snapshot
from athsys.competitions.heat_states import results_arrived
from athsys.competitions.models import Entry, Event, Heat, HeatStatus, LaneAssignment, Round
from athsys.errors import ConflictError, ValidationError
from athsys.jobs import request_refresh
from athsys.results.models import Result, ResultRevision, ResultSource
from athsys.sport.ranking import ResultStatus
from athsys.timing import rules
from athsys.timing.chip_results import precedence_source
from athsys.timing.formats.lif import DQ, LifFile, parse_lif
from athsys.timing.lookups import (
    get_competition,
    heat_with_competition,
    lock_competition,
)
from athsys.timing.models import LifImport

LIF_OUTCOME_IMPORTED = "imported"
LIF_OUTCOME_HEAT_OFFICIAL = "heat_official"
#: A file with a header and no result line (FinishLynx writes one when a heat is armed): it
#: is recorded, and changes nothing: no result, no wind, and the heat stays as it was.
LIF_OUTCOME_NO_RESULTS = "no_results"




@dataclass(frozen=True)
class LifOutcome:
    import_id: int
    heat_id: int | None
    outcome: str
    results_changed: int
    already_imported: bool

    def as_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "heat_id": self.heat_id, "outcome": self.outcome,
                "results_changed": self.results_changed,
                "already_imported": self.already_imported}


def find_lif_heat(session: Session, competition_id: int, lif: LifFile) -> Heat:
    """The heat a .lif file is about: event number = our event id (as exported in
    ``lynx.evt``), round = round ordinal, heat = heat number."""
    heat = session.scalar(
        select(Heat).join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id == competition_id, Event.id == lif.heat.event,
               Round.ordinal == lif.heat.round, Heat.number == lif.heat.heat)
    )
    if heat is None:
        raise ValidationError(
            f"FinishLynx LIF: line {lif.heat.line}: no heat {lif.heat.heat} of round "
            f"{lif.heat.round} of event {lif.heat.event} in competition {competition_id}",
            details={"errors": [{"line": lif.heat.line, "field": "event",
                                 "problem": "no such event/round/heat"}]},
        )
    return heat


def import_lif(
    session: Session,
    actor: Actor,
    competition_id: int,
    body: bytes,
    *,
    path: str,
    heat_id: int | None = None,
) -> LifOutcome:
    """Import a photo-finish result file once per (path, content).

    The whole file is validated first (every line, every bib) and nothing is stored when one
    thing is wrong. DNS/DNF/DQ (with the rule) are kept as statuses. An official heat is not
    changed: the import is recorded with outcome ``heat_official``; a file without result
    lines changes nothing either (outcome ``no_results``). A manual correction is never
    overwritten (:func:`athsys.timing.rules.decide_update`).
    """
    get_competition(session, competition_id)
    digest = hashlib.sha256(body).hexdigest()
    previous = session.scalar(
        select(LifImport).where(LifImport.competition_id == competition_id,
                                LifImport.path == path, LifImport.content_sha256 == digest)
    )
    if previous is not None:
        return LifOutcome(previous.id, previous.heat_id, previous.outcome,
                          previous.results_changed, already_imported=True)
    lif = parse_lif(body)
    if heat_id is not None:
        heat, heat_competition = heat_with_competition(session, heat_id)
        if heat_competition != competition_id:
            raise ValidationError(f"heat {heat_id} is not a heat of competition {competition_id}",
                                  details={"field": "heat_id"})
    else:
        heat = find_lif_heat(session, competition_id, lif)
    entries = _lif_entries(session, competition_id, heat, lif)
    lock_competition(session, competition_id)
    changed = 0
    outcome = LIF_OUTCOME_HEAT_OFFICIAL
    if not lif.results:
        outcome = LIF_OUTCOME_NO_RESULTS
    elif heat.status != HeatStatus.OFFICIAL:
        outcome = LIF_OUTCOME_IMPORTED
        changed = _apply_lif(session, actor, heat, lif, entries, reason=f"FinishLynx file {path}")
    inserted = session.execute(
        pg_insert(LifImport).values(
            competition_id=competition_id, heat_id=heat.id, path=path[:500],
            content_sha256=digest, size=len(body), outcome=outcome, results_changed=changed,
            imported_by=actor.username,
        ).on_conflict_do_nothing().returning(LifImport.id)
    ).scalar()
    if inserted is None:  # the same file imported concurrently: that import stands
        raise ConflictError(f"{path} is being imported by someone else; try again")
    record(session, actor, "import", "lif_import", inserted,
           {"path": path, "sha256": digest, "heat_id": heat.id, "outcome": outcome,
            "results_changed": changed})
    if changed:
        request_refresh(session, [heat.round.event_id])
    return LifOutcome(inserted, heat.id, outcome, changed, already_imported=False)


def _lif_entries(session: Session, competition_id: int, heat: Heat, lif: LifFile) -> dict[int, int]:
    """Result line → entry id: by bib in the competition, else by lane in the heat."""
    by_bib = dict(session.execute(
        select(Entry.bib, Entry.id).where(
            Entry.competition_id == competition_id,
            Entry.bib.in_([r.bib for r in lif.results if r.bib]),
        )
    ).all())
    by_lane = dict(session.execute(
        select(LaneAssignment.lane, LaneAssignment.entry_id).where(
            LaneAssignment.heat_id == heat.id, LaneAssignment.lane.is_not(None)
        )
    ).all())
    problems: list[dict[str, Any]] = []
    entries: dict[int, int] = {}
    for result in lif.results:
        entry_id = by_bib.get(result.bib) if result.bib else by_lane.get(result.lane)
        if entry_id is None:
            field_name, value = ("id", result.bib) if result.bib else ("lane", result.lane)
            problems.append({"line": result.line, "field": field_name,
                             "problem": f"no entry with {field_name} {value!r} in this "
                             "competition/heat"})
            continue
        entries[result.line] = entry_id
    if problems:
        shown = "; ".join(
            f"line {p['line']} field '{p['field']}': {p['problem']}" for p in problems[:5]
        )
        raise ValidationError(f"FinishLynx LIF: {len(problems)} problem(s): {shown}",
                              details={"format": "FinishLynx LIF", "errors": problems})
    return entries


def _apply_lif(
    session: Session, actor: Actor, heat: Heat, lif: LifFile, entries: dict[int, int], reason: str
) -> int:
    existing = {
        r.entry_id: r for r in session.scalars(
            select(Result).where(Result.heat_id == heat.id).with_for_update()
        )
    }
    tenths = lif.heat.wind_tenths
    wind = tenths if tenths is not None and abs(tenths) <= 300 else None
    changed = 0
    for line in lif.results:
        entry_id = entries[line.line]
        status = ResultStatus(line.status)
        mark = line.precise_time_ms if line.precise_time_ms is not None else line.time_ms
        if status != ResultStatus.OK:
            mark = None
        values = {"mark": mark, "place": line.place if status == ResultStatus.OK else None,
                  "status": status, "status_rule": line.dq_rule if line.status == DQ else None,
                  "wind": wind, "reaction_time": line.reaction_ms}
        current = existing.get(entry_id)
        if current is None:
            result = Result(heat_id=heat.id, entry_id=entry_id, source=ResultSource.LIF,
                            revision=1, **values)
            session.add(result)
            session.flush()
            record(session, actor, "create", "result", result.id,
                   {**snapshot(result), "reason": reason})
            changed += 1
            continue
        stored_source = precedence_source(current.source.value)
        decision = rules.decide_update(
            rules.ResultTimes(stored_source, current.revision, current.mark),
            rules.ResultTimes(rules.SOURCE_LIF, current.revision, mark),
        )
        precedence = rules.SOURCE_PRECEDENCE
        outranked = precedence[stored_source] > precedence[rules.SOURCE_LIF]
        same = current.source == ResultSource.LIF and all(
            getattr(current, k) == v for k, v in values.items()
        )
        # decide_update compares times only; a new status, place, wind or reaction is a change too
        if outranked or same or (not decision.replace and current.mark != mark):
            continue
        before = snapshot(current)
        session.add(ResultRevision(
            result_id=current.id, revision=current.revision, mark=current.mark,
            net_mark=current.net_mark, place=current.place, status=current.status,
            status_rule=current.status_rule, wind=current.wind,
            reaction_time=current.reaction_time, source=current.source,
            changed_by=actor.username, reason=reason[:255],
        ))
        for key, value in values.items():
            setattr(current, key, value)
        current.source = ResultSource.LIF
        current.revision += 1
        session.flush()
        after = snapshot(current)
        record(session, actor, "update", "result", current.id, {
            **{k: {"before": before[k], "after": after[k]} for k in after
               if before[k] != after[k] and k != "updated_at"}, "reason": reason})
        changed += 1
    if wind is not None and heat.wind != wind:
        record(session, actor, "update", "heat", heat.id,
               {"wind": {"before": heat.wind, "after": wind}})
        heat.wind = wind
    results_arrived(session, actor, heat)
    session.flush()
    return changed
