"""What officials do to heats: start them, finish them, make them official.

Making a heat official is where the rest of the meet hears of its results: PB/SB and
record flags are stored and subscribers' notifications are put in the outbox, in the same
transaction as the status change (the leaderboards follow from the change tracking).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.competitions.heat_states import move_heat, require_status
from athsys.competitions.models import Entry, Heat, HeatStatus, LaneAssignment
from athsys.errors import ConflictError
from athsys.notifications.service import notify_result_official
from athsys.records.service import apply_official_heats
from athsys.results.models import Result


def start_heats(session: Session, actor: Actor, heats: Sequence[Heat], at: datetime) -> int:
    """Scheduled -> started; the gun time is ``at`` unless the starter already entered one."""
    for heat in heats:
        require_status(heat, HeatStatus.SCHEDULED, "start")
    for heat in heats:
        heat.gun_time = heat.gun_time or at
        move_heat(session, actor, heat, HeatStatus.STARTED)
    session.flush()
    return len(heats)


def finish_heats(session: Session, actor: Actor, heats: Sequence[Heat]) -> int:
    for heat in heats:
        require_status(heat, HeatStatus.STARTED, "finish")
    for heat in heats:
        move_heat(session, actor, heat, HeatStatus.FINISHED)
    session.flush()
    return len(heats)


def mark_heats_official(session: Session, actor: Actor, heats: Sequence[Heat]) -> int:
    """Finished -> official, once every athlete of the start list has a result."""
    for heat in heats:
        require_status(heat, HeatStatus.FINISHED, "mark official")
        missing = session.scalars(
            select(Entry.bib)
            .join(LaneAssignment, LaneAssignment.entry_id == Entry.id)
            .outerjoin(Result, (Result.entry_id == Entry.id) & (Result.heat_id == heat.id))
            .where(LaneAssignment.heat_id == heat.id, Result.id.is_(None))
            .order_by(Entry.bib)
        ).all()
        if missing:
            raise ConflictError(
                f"{heat!r}: no result yet for bib {', '.join(missing)}",
                details={"heat": heat.id, "missing_bibs": list(missing)},
            )
    for heat in heats:
        move_heat(session, actor, heat, HeatStatus.OFFICIAL)
    session.flush()
    apply_official_heats(session, actor, heats)  # PB/SB raised, WR/NR/MR/PB/SB flags stored
    for heat in heats:
        notify_result_official(session, heat_id=heat.id)
    return len(heats)
