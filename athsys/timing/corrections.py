"""Officials' timing corrections: a chip given to another entry, a heat's gun time set or
shifted. Affected results are recomputed from the raw reads, each change with a revision
and an audit row, and one leaderboard refresh per affected event is asked for.

A result's own mark or status is corrected through
:func:`athsys.results.service.correct_result`; chip data never overwrites that correction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR, REGISTRAR, STARTER
from athsys.audit.service import record, snapshot
from athsys.competitions.heat_states import gun_fired
from athsys.competitions.models import Entry, HeatStatus, LaneAssignment
from athsys.errors import ConflictError, ValidationError
from athsys.jobs import request_refresh
from athsys.timing import rules
from athsys.timing.lookups import heat_with_competition, lock_competition
from athsys.timing.models import ChipAssignment
from athsys.timing.outcome import ProcessingOutcome
from athsys.timing.recompute import Scope, recompute

#: Who corrects timing: the roles that start heats in the role matrix (Admin always may).
TIMING_OFFICIALS = (CHIEF_REGISTRAR, REGISTRAR, STARTER)


def reassign_chip(
    session: Session,
    actor: Actor,
    *,
    competition_id: int,
    chip: str,
    entry_id: int,
    valid_from: datetime | None = None,
    window_ms: int = rules.DEFAULT_DUPLICATE_WINDOW_MS,
) -> ProcessingOutcome:
    """Give ``chip`` to ``entry_id`` from ``valid_from`` (default: the very start, i.e. the
    assignment was wrong all along); results of the old and new wearer are recomputed from
    the raw reads."""
    actor.require_role(*TIMING_OFFICIALS)
    entry = session.get(Entry, entry_id)
    if entry is None or entry.competition_id != competition_id:
        raise ValidationError(
            f"entry {entry_id} is not an entry of competition {competition_id}",
            details={"field": "entry_id"},
        )
    lock_competition(session, competition_id)
    current = session.scalars(
        select(ChipAssignment).where(
            ChipAssignment.competition_id == competition_id, ChipAssignment.chip == chip,
            ChipAssignment.valid_until.is_(None),
        ).with_for_update()
    ).all()
    affected = {entry_id} | {a.entry_id for a in current}
    for assignment in current:
        if valid_from is None or valid_from <= assignment.valid_from:
            record(session, actor, "delete", "chip_assignment", assignment.id, snapshot(assignment))
            session.delete(assignment)
        else:
            assignment.valid_until = valid_from
            record(session, actor, "update", "chip_assignment", assignment.id,
                   {"valid_until": valid_from.isoformat()})
    session.flush()
    new = ChipAssignment(competition_id=competition_id, chip=chip, entry_id=entry_id,
                         valid_from=valid_from or datetime(1970, 1, 1, tzinfo=UTC))
    session.add(new)
    session.flush()
    record(session, actor, "create", "chip_assignment", new.id, snapshot(new))
    outcome = ProcessingOutcome()
    recompute(session, actor, competition_id,
              Scope(entry_ids=frozenset(affected), chips=frozenset({chip})),
              window_ms=window_ms, outcome=outcome,
              reason=f"chip {chip} reassigned to entry {entry_id}")
    request_refresh(session, outcome.event_ids)
    return outcome


def shift_gun_time(
    session: Session,
    actor: Actor,
    heat_id: int,
    gun_time: datetime,
    *,
    window_ms: int = rules.DEFAULT_DUPLICATE_WINDOW_MS,
) -> ProcessingOutcome:
    """Set or correct a heat's gun; its chip results are recomputed from the raw reads."""
    actor.require_role(*TIMING_OFFICIALS)
    if gun_time.tzinfo is None:
        raise ValidationError("gun_time needs a time zone offset", details={"field": "gun_time"})
    heat, competition_id = heat_with_competition(session, heat_id)
    if heat.status == HeatStatus.OFFICIAL:
        raise ConflictError(f"heat {heat_id} is official; its gun time cannot change")
    lock_competition(session, competition_id)
    before = heat.gun_time
    gun_fired(session, actor, heat, gun_time)
    session.flush()
    record(session, actor, "update", "heat", heat_id, {
        "gun_time": {"before": before.isoformat() if before else None,
                     "after": gun_time.isoformat()}})
    entries = set(session.scalars(
        select(LaneAssignment.entry_id).where(LaneAssignment.heat_id == heat_id)
    ))
    outcome = ProcessingOutcome()
    recompute(session, actor, competition_id, Scope(entry_ids=frozenset(entries)),
              window_ms=window_ms, outcome=outcome,
              reason=f"gun time of heat {heat_id} set to {gun_time.isoformat()}")
    request_refresh(session, outcome.event_ids)
    return outcome
