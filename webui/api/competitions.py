"""``/api/competitions``: set up by the chief registrar."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import snapshot
from athsys.competitions import service
from athsys.competitions.models import Competition, CompetitionStatus
from athsys.competitions.schemas import (
    CompetitionCreateSchema,
    CompetitionResponseSchema,
    CompetitionUpdateSchema,
)
from webui.api.resources import Resource, apply, column_filter
from webui.security import roles


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Competition:
    return service.create_competition(session, actor, Competition(**data))


def _update(session: Session, actor: Actor, competition: Competition, data: dict[str, Any]) -> None:
    before = snapshot(competition)
    apply(competition, data)
    service.update_competition(session, actor, competition, before)


def resource() -> Resource:
    return Resource(
        name="competitions",
        model=Competition,
        permission=roles.COMPETITIONS,
        response=CompetitionResponseSchema(),
        create_schema=CompetitionCreateSchema(),
        update_schema=CompetitionUpdateSchema(),
        create=_create,
        update=_update,
        filters={
            "status": column_filter(Competition.status,
                                    fields.Enum(CompetitionStatus, by_value=True)),
            "start_date": column_filter(Competition.start_date, fields.Date()),
        },
    )
