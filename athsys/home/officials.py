"""The officials' next work: the starter's heats, the field judge's flights, the registrar's
check-in counts, each for the competitions running today, in the order they are run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from athsys.competitions.models import (
    ROUND_NAMES,
    Competition,
    Entry,
    EntryStatus,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
    RoundKind,
    heat_name,
)
from athsys.competitions.time_zones import local_time
from athsys.sport.disciplines import EventKind

NEXT_LIMIT: Final = 8
TRACK_KINDS: Final = (EventKind.TRACK, EventKind.ROAD)
FIELD_KINDS: Final = (EventKind.FIELD,)


def heat_label(event_name: str, kind: RoundKind, number: int, heats_in_round: int,
               field: bool) -> str:
    """``Women 100 m, Heats 2`` / ``Men Long Jump, Final``: as a schedule names a heat."""
    label = f"{event_name}, {ROUND_NAMES[kind]}"
    if heats_in_round > 1:
        label += f" {heat_name(number, field) if field else number}"
    return label


def next_heats(session: Session, competition_ids: Sequence[int],
               kinds: Sequence[EventKind], limit: int = NEXT_LIMIT) -> list[dict[str, Any]]:
    """The heats (or field flights) not yet finished, in running order, with how many of
    their athletes have checked in."""
    starts = func.coalesce(Heat.scheduled_start, Round.scheduled_start)
    sibling = aliased(Heat)
    in_round = (select(func.count()).select_from(sibling).where(sibling.round_id == Round.id)
                .correlate(Round).scalar_subquery())
    entered = (select(func.count()).select_from(LaneAssignment)
               .where(LaneAssignment.heat_id == Heat.id).correlate(Heat).scalar_subquery())
    checked_in = (select(func.count()).select_from(LaneAssignment)
                  .join(Entry, Entry.id == LaneAssignment.entry_id)
                  .where(LaneAssignment.heat_id == Heat.id,
                         Entry.status == EntryStatus.CHECKED_IN)
                  .correlate(Heat).scalar_subquery())
    rows = session.execute(
        select(Heat.id, Heat.number, Heat.status, starts, Round.kind, Event.id, Event.name,
               Event.kind, Competition.id, Competition.time_zone, in_round, entered,
               checked_in)
        .join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .join(Competition, Competition.id == Event.competition_id)
        .where(Competition.id.in_(competition_ids), Event.kind.in_(kinds),
               Heat.status.in_([HeatStatus.SCHEDULED, HeatStatus.STARTED]))
        .order_by(starts.asc().nulls_last(), Event.id, Heat.number).limit(limit))
    return [{
        "heat_id": heat_id, "event_id": event_id, "competition_id": competition_id,
        "name": heat_label(event, kind, number, heats, event_kind is EventKind.FIELD),
        "status": status.value, "starts": local_time(start, time_zone),
        "scheduled_start": start.isoformat() if start else None,
        "athletes": athletes, "checked_in": present,
    } for (heat_id, number, status, start, kind, event_id, event, event_kind, competition_id,
           time_zone, heats, athletes, present) in rows]


def check_in_counts(session: Session, competition_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Per event of today's competitions: entries, checked in, scratched, and when the event
    starts (the registrar works down this list)."""
    first_start = (select(func.min(func.coalesce(Heat.scheduled_start, Round.scheduled_start)))
                   .select_from(Round).join(Heat, Heat.round_id == Round.id)
                   .where(Round.event_id == Event.id)
                   .correlate(Event).scalar_subquery())
    counted = {status: func.count(case((Entry.status == status, 1)))
               for status in (EntryStatus.CHECKED_IN, EntryStatus.SCRATCHED)}
    rows = session.execute(
        select(Event.id, Event.name, Competition.time_zone, first_start, func.count(Entry.id),
               counted[EntryStatus.CHECKED_IN], counted[EntryStatus.SCRATCHED])
        .join(Competition, Competition.id == Event.competition_id)
        .outerjoin(Entry, Entry.event_id == Event.id)
        .where(Event.competition_id.in_(competition_ids))
        .group_by(Event.id, Competition.time_zone)
        .order_by(first_start.asc().nulls_last(), Event.id))
    return [{"event_id": event_id, "name": name, "starts": local_time(start, time_zone),
             "entries": entries, "checked_in": present, "scratched": scratched}
            for event_id, name, time_zone, start, entries, present, scratched in rows]
