"""A heat's status, moved one step at a time and audited.

scheduled -> started (the gun) -> finished (results in) -> official. The first two steps
happen when a device reports them (:func:`gun_fired`, :func:`results_arrived`) or when an
official says so (:mod:`athsys.officiating.service`); only officiating makes a heat official,
because records, PB/SB and notifications follow from it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import record
from athsys.competitions.models import Heat, HeatStatus
from athsys.errors import ConflictError


def gun_fired(session: Session, actor: Actor, heat: Heat, at: datetime) -> None:
    """The gun time read from a device or corrected by an official: a scheduled heat has
    started (a started or finished one keeps its status; an official one never gets here)."""
    heat.gun_time = at
    if heat.status is HeatStatus.SCHEDULED:
        move_heat(session, actor, heat, HeatStatus.STARTED)


def results_arrived(session: Session, actor: Actor, heat: Heat) -> None:
    """Photo-finish results stored: a heat not finished yet is finished. Only
    :func:`athsys.officiating.service.mark_heats_official` makes it official."""
    if heat.status in (HeatStatus.SCHEDULED, HeatStatus.STARTED):
        move_heat(session, actor, heat, HeatStatus.FINISHED)


def require_status(heat: Heat, wanted: HeatStatus, verb: str) -> None:
    if heat.status is not wanted:
        raise ConflictError(
            f"{heat!r} is {heat.status.value}: only a {wanted.value} heat can {verb}",
            details={"status": heat.status.value},
        )


def move_heat(session: Session, actor: Actor, heat: Heat, status: HeatStatus) -> None:
    before = heat.status.value
    heat.status = status
    record(session, actor, status.value, "Heat", heat.id,
           {"status": {"before": before, "after": status.value},
            "gun_time": heat.gun_time.isoformat() if heat.gun_time else None})
