"""Chips worn by entries: handing one out and releasing it (reassignment: ``corrections``).

A chip belongs to an entry's competition; released chips keep their history (``valid_until``),
so reads are still attributed to whoever wore the chip at the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import audited_add, record
from athsys.errors import ValidationError
from athsys.timing.models import ChipAssignment, TimingDevice, TimingRead


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


@dataclass(frozen=True)
class WornChip:
    chip: str
    last_read: datetime | None  # the chip's latest read in the competition, None: never read


def worn_chips(session: Session, entry_ids: Sequence[int]) -> dict[int, WornChip]:
    """The chip each entry wears now, and when a timing device last read it: what the
    registration desk shows before it hands out another."""
    if not entry_ids:
        return {}
    last_read = (
        select(func.max(TimingRead.read_at))
        .join(TimingDevice, TimingDevice.id == TimingRead.device_id)
        .where(TimingRead.chip == ChipAssignment.chip,
               TimingDevice.competition_id == ChipAssignment.competition_id)
        .correlate(ChipAssignment).scalar_subquery()
    )
    rows = session.execute(
        select(ChipAssignment.entry_id, ChipAssignment.chip, last_read)
        .where(ChipAssignment.entry_id.in_(list(entry_ids)), ChipAssignment.valid_until.is_(None))
        .order_by(ChipAssignment.entry_id, ChipAssignment.valid_from)
    ).all()
    return {entry_id: WornChip(chip, read) for entry_id, chip, read in rows}
