"""Chips worn by entries: handing one out and releasing it (reassignment: ``corrections``).

A chip belongs to an entry's competition; released chips keep their history (``valid_until``),
so reads are still attributed to whoever wore the chip at the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import audited_add, record
from athsys.errors import ValidationError
from athsys.timing.models import ChipAssignment


def assign_chip(session: Session, actor: Actor, assignment: ChipAssignment) -> ChipAssignment:
    """The chip, trimmed, to its entry, in the entry's competition."""
    if assignment.entry is None:
        raise ValidationError("entry: choose who wears the chip", details={"entry": "required"})
    assignment.chip = (assignment.chip or "").strip()
    assignment.competition_id = assignment.entry.competition_id
    return audited_add(session, actor, assignment)  # type: ignore[no-any-return]


def release_chips(session: Session, actor: Actor, assignments: Sequence[ChipAssignment]) -> int:
    """End the assignments still running now; how many were."""
    now = datetime.now(UTC)
    released = [a for a in assignments if a.valid_until is None]
    for assignment in released:
        assignment.valid_until = now
        record(session, actor, "release", "ChipAssignment", assignment.id,
               {"chip": assignment.chip, "valid_until": now.isoformat()})
    session.flush()
    return len(released)
