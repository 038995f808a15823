"""``/api/rounds``: heats, semi-finals and finals of an event."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import audited_update, snapshot
from athsys.competitions import races
from athsys.competitions.models import Event, Round, RoundKind
from athsys.competitions.schemas import RoundCreateSchema, RoundResponseSchema, RoundUpdateSchema
from webui.api.resources import Filter, Resource, apply, column_filter, references
from webui.security import roles


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Round:
    references(session, {"event_id": (Event, data["event_id"])})
    return races.create_round(session, actor, Round(**data))


def _update(session: Session, actor: Actor, rnd: Round, data: dict[str, Any]) -> None:
    before = snapshot(rnd)
    apply(rnd, data)
    audited_update(session, actor, rnd, before)


def resource() -> Resource:
    return Resource(
        name="rounds",
        model=Round,
        permission=roles.ROUNDS,
        response=RoundResponseSchema(),
        create_schema=RoundCreateSchema(),
        update_schema=RoundUpdateSchema(),
        create=_create,
        update=_update,
        filters={
            "event_id": column_filter(Round.event_id, fields.Integer()),
            "kind": column_filter(Round.kind, fields.Enum(RoundKind, by_value=True)),
            "competition_id": Filter(
                fields.Integer(),
                lambda stmt, value: stmt.join(Event, Event.id == Round.event_id).where(
                    Event.competition_id == value),
            ),
        },
    )
