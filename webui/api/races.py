"""``/api/races``: the seed's races, which are heats of a round.

``{"name": "Test Race", "date": "2024-01-15T10:00:00"}`` is enough to create one: without a
``round_id`` the race is filed under a competition of its own name and date (the rules are
:mod:`athsys.competitions.races`'). Dates without an offset are local times of the
competition.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from athsys.accounts.actor import Actor
from athsys.competitions import races
from athsys.competitions.models import Event, Heat, HeatStatus, Round
from athsys.competitions.schemas import RaceCreateSchema, RaceResponseSchema, RaceUpdateSchema
from webui.api.resources import Filter, Resource, column_filter, roles_allowed
from webui.security import roles


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Heat:
    if data["round_id"] is None:  # the race may create its own competition
        actor.require_role(*roles_allowed(roles.CAN_ADD, roles.COMPETITIONS))
    return races.create_race(session, actor, races.NewRace(
        name=data["name"], start=data["date"], round_id=data["round_id"], number=data["number"],
        discipline_code=data["discipline_code"], sex=data["sex"], wind=data["wind"],
        hand_timed=data["hand_timed"]))


def _update(session: Session, actor: Actor, heat: Heat, data: dict[str, Any]) -> None:
    if "date" in data:
        data["scheduled_start"] = data.pop("date")
    races.update_race(session, actor, heat, data)


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
        load=(selectinload(Heat.round).selectinload(Round.event),),  # event and competition ids
        filters={
            "competition_id": Filter(fields.Integer(), _in_competition),
            "event_id": Filter(fields.Integer(), _in_event),
            "round_id": column_filter(Heat.round_id, fields.Integer()),
            "status": column_filter(Heat.status, fields.Enum(HeatStatus, by_value=True)),
            "date": Filter(fields.Date(), _on_day, "races scheduled on this day (UTC)"),
        },
    )
