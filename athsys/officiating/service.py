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
from athsys.audit.service import snapshot
from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.heat_states import move_heat, require_status
from athsys.competitions.models import Entry, Heat, HeatStatus, LaneAssignment
from athsys.errors import ConflictError, ValidationError
from athsys.notifications.service import notify_result_official
from athsys.records.service import apply_official_heats
from athsys.results import service as results
from athsys.results.models import Result, ResultSource
from athsys.results.placing import place_heats
from athsys.sport.marks import Measure, parse_mark
from athsys.sport.ranking import ResultStatus


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


def record_lane_outcome(
    session: Session, actor: Actor, heat: Heat, entry: Entry, *,
    status: ResultStatus, mark: str | None = None, rule: str | None = None,
    hand_timed: bool | None = None,
) -> Result:
    """What the starter or referee says of one athlete of the heat: a time typed for a meet
    without photo finish, or DNS, DNF, DQ (a DQ cites its rule). It is the entry's result,
    or a correction of the one stored (kept as a revision).

    A typed time is a hand time when ``hand_timed`` says so, when it is written as one
    (``"11.9h"``, the sport's notation), or, left unsaid, when the heat is timed by hand
    (``Heat.hand_timed``); a result without a time is not hand timed."""
    found = round_discipline(heat.round)
    if status is ResultStatus.DQ and not (rule or "").strip():
        raise ValidationError(f"rule: bib {entry.bib}: a disqualification cites its rule "
                              "(TR16.8 false start, TR17.3 lane)", details={"rule": "required"})
    if status is not ResultStatus.DQ and rule:
        raise ValidationError("rule: only a disqualification cites a rule",
                              details={"rule": "must be blank"})
    if status in (ResultStatus.DNS, ResultStatus.DQ) and mark:
        raise ValidationError(f"mark: a {status.value} has no mark", details={"mark": "blank"})
    mark, hand_timed = _hand_notation(mark, hand_timed)
    value = parse_mark(mark, found.measure, field="mark") if mark else None
    if value is None:
        hand = False
    else:
        hand = (heat.hand_timed and found.measure is Measure.TIME) if hand_timed is None \
            else hand_timed
    values = {"mark": value, "status": status, "status_rule": (rule or "").strip() or None,
              "hand_timed": hand}
    current = session.scalars(select(Result).where(
        Result.heat_id == heat.id, Result.entry_id == entry.id)).one_or_none()
    if current is None:
        stored = results.record_result(session, actor, Result(
            heat=heat, entry=entry, source=ResultSource.MANUAL, **values))
        if found.measure is Measure.TIME:
            place_heats(session, [heat.id])  # the heat's places follow every time typed
        return stored
    before = snapshot(current)
    for name, new in values.items():
        setattr(current, name, new)
    if status is not ResultStatus.OK:
        current.place = None
    results.correct_result(session, actor, current, before, reason="starter's console")
    if found.measure is Measure.TIME:
        place_heats(session, [heat.id])
    return current


def _hand_notation(mark: str | None, hand_timed: bool | None) -> tuple[str | None, bool | None]:
    """``"11.9h"`` is the hand time 11.9: the mark without its ``h``, and hand timed."""
    text = (mark or "").strip()
    if not text or text[-1] not in "hH":
        return mark, hand_timed
    if hand_timed is False:
        raise ValidationError(f"hand_timed: {text} is written as a hand time, not as a fully "
                              "automatic one", details={"hand_timed": "contradicts the mark"})
    return text[:-1].rstrip(), True
