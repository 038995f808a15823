"""``/api/athletes``: a coach writes only their club's athletes (the service's rule).

Birth date and licence are shown only to those who may see them: the registration staff,
the athlete's coach and the athlete themself.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes import service
from athsys.athletes.models import Athlete
from athsys.athletes.schemas import (
    PRIVATE_ATHLETE_FIELDS,
    AthleteCreateSchema,
    AthleteResponseSchema,
    AthleteUpdateSchema,
)
from athsys.audit.service import snapshot
from athsys.sport.sex import Sex
from webui.api.resources import Filter, Resource, apply, column_filter
from webui.security import roles

_RESPONSE = AthleteResponseSchema()


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Athlete:
    return service.create_athlete(session, actor, Athlete(**data))


def _update(session: Session, actor: Actor, athlete: Athlete, data: dict[str, Any]) -> None:
    before = snapshot(athlete)
    apply(athlete, data)
    service.update_athlete(session, actor, athlete, before)


def _dump(actor: Actor, athlete: Athlete) -> dict[str, Any]:
    data: dict[str, Any] = _RESPONSE.dump(athlete)
    if not service.may_see_private(actor, athlete):
        for name in PRIVATE_ATHLETE_FIELDS:
            data.pop(name, None)
    return data


def resource() -> Resource:
    return Resource(
        name="athletes",
        model=Athlete,
        permission=roles.ATHLETES,
        response=_RESPONSE,
        create_schema=AthleteCreateSchema(),
        update_schema=AthleteUpdateSchema(),
        create=_create,
        update=_update,
        delete=service.delete_athlete,
        dump=_dump,
        description="A coach creates, edits and deletes only the athletes of their own club. "
                    "birth_date and licence are left out for callers who may not see them.",
        filters={
            "club_id": column_filter(Athlete.club_id, fields.Integer()),
            "sex": column_filter(Athlete.sex, fields.Enum(Sex, by_value=True)),
            "last_name": Filter(
                fields.String(),
                lambda stmt, value: stmt.where(Athlete.last_name.ilike(f"{value}%")),
                "last names starting with this (case-insensitive)",
            ),
        },
    )
