"""``/api/events``: the disciplines of a competition."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import snapshot
from athsys.competitions import service
from athsys.competitions.models import Event
from athsys.competitions.schemas import EventCreateSchema, EventResponseSchema, EventUpdateSchema
from athsys.sport.disciplines import discipline
from athsys.sport.fields import resolve_notation
from athsys.sport.sex import Sex
from webui.api.resources import Resource, apply, column_filter
from webui.security import roles


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Event:
    resolve_notation(data, discipline(data["discipline_code"]).measure, ("entry_standard",))
    return service.create_event(session, actor, Event(**data))


def _update(session: Session, actor: Actor, event: Event, data: dict[str, Any]) -> None:
    before = snapshot(event)
    code = data.get("discipline_code", event.discipline_code)
    resolve_notation(data, discipline(code).measure, ("entry_standard",))
    apply(event, data)
    service.update_event(session, actor, event, before)


def resource() -> Resource:
    return Resource(
        name="events",
        model=Event,
        permission=roles.EVENTS,
        response=EventResponseSchema(),
        create_schema=EventCreateSchema(),
        update_schema=EventUpdateSchema(),
        create=_create,
        update=_update,
        filters={
            "competition_id": column_filter(Event.competition_id, fields.Integer()),
            "discipline_code": column_filter(Event.discipline_code, fields.String()),
            "sex": column_filter(Event.sex, fields.Enum(Sex, by_value=True)),
        },
    )
