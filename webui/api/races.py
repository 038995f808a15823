"""``/api/races``: the seed's races, which are heats of a round.

``{"name": "Test Race", "date": "2024-01-15T10:00:00"}`` is enough to create one: without a
``round_id`` the race is filed under a competition of its own name and date (see
:class:`~athsys.competitions.schemas.RaceCreateSchema`). Dates without an offset are local
times of the competition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Sex
from athsys.audit.service import audited_add, audited_update, snapshot
from athsys.competitions import service
from athsys.competitions.models import (
    Competition,
    Event,
    Heat,
    HeatStatus,
    Round,
    RoundKind,
)
from athsys.competitions.schemas import RaceCreateSchema, RaceResponseSchema, RaceUpdateSchema
from webui.api.resources import Filter, Resource, apply, column_filter, references, roles_allowed
from webui.security import roles

STANDALONE_DISCIPLINE = "10K"
STANDALONE_SEX = Sex.MALE
STANDALONE_VENUE = "TBA"


def _local(moment: datetime, time_zone: str) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(time_zone))


def _standalone_round(session: Session, actor: Actor, name: str, day: datetime,
                      discipline_code: str, sex: Sex) -> Round:
    """The final of the race's own competition and event: found, or created and audited."""
    actor.require_role(*roles_allowed(roles.CAN_ADD, roles.COMPETITIONS))
    competition = session.scalar(select(Competition).where(
        Competition.name == name, Competition.start_date == day.date()))
    if competition is None:
        competition = audited_add(session, actor, Competition(
            name=name, venue=STANDALONE_VENUE, start_date=day.date(), end_date=day.date()))
    event = session.scalar(select(Event).where(
        Event.competition_id == competition.id, Event.discipline_code == discipline_code,
        Event.sex == sex, Event.age_category == "SEN"))
    if event is None:
        event = service.create_event(session, actor, Event(
            competition_id=competition.id, discipline_code=discipline_code, sex=sex, name=""))
    rnd = session.scalar(select(Round).where(Round.event_id == event.id).order_by(Round.ordinal))
    if rnd is None:
        rnd = audited_add(session, actor, Round(event_id=event.id, kind=RoundKind.FINAL, ordinal=1))
    return rnd


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Heat:
    if data["round_id"] is None:
        day = data["date"]
        rnd = _standalone_round(session, actor, data["name"], day,
                                data["discipline_code"] or STANDALONE_DISCIPLINE,
                                data["sex"] or STANDALONE_SEX)
    else:
        rnd = references(session, {"round_id": (Round, data["round_id"])})["round_id"]
    number = data["number"]
    if number is None:
        number = (session.scalar(select(func.max(Heat.number)).where(Heat.round_id == rnd.id))
                  or 0) + 1
    heat = Heat(round=rnd, number=number, name=data["name"], wind=data["wind"],
                scheduled_start=_local(data["date"], rnd.event.competition.time_zone))
    return audited_add(session, actor, heat)  # type: ignore[no-any-return]


def _update(session: Session, actor: Actor, heat: Heat, data: dict[str, Any]) -> None:
    before = snapshot(heat)
    time_zone = heat.round.event.competition.time_zone
    if "date" in data:
        data["scheduled_start"] = _local(data.pop("date"), time_zone)
    apply(heat, data)
    audited_update(session, actor, heat, before)


def _on_day(stmt: Any, value: Any) -> Any:
    return stmt.where(func.date(Heat.scheduled_start) == value)


def _in_competition(stmt: Any, value: int) -> Any:
    return (stmt.join(Round, Round.id == Heat.round_id)
            .join(Event, Event.id == Round.event_id)
            .where(Event.competition_id == value))


def _in_event(stmt: Any, value: int) -> Any:
    return stmt.where(Heat.round_id.in_(select(Round.id).where(Round.event_id == value)))


def resource() -> Resource:
    return Resource(
        name="races",
        model=Heat,
        permission=roles.HEATS,
        response=RaceResponseSchema(),
        create_schema=RaceCreateSchema(),
        update_schema=RaceUpdateSchema(),
        create=_create,
        update=_update,
        description="A race is a heat of a round (or a flight of a field event).",
        filters={
            "competition_id": Filter(fields.Integer(), _in_competition),
            "event_id": Filter(fields.Integer(), _in_event),
            "round_id": column_filter(Heat.round_id, fields.Integer()),
            "status": column_filter(Heat.status, fields.Enum(HeatStatus, by_value=True)),
            "date": Filter(fields.Date(), _on_day, "races scheduled on this day (UTC)"),
        },
    )
