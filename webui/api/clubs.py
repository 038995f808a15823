"""``/api/clubs``: clubs, written by the registration staff."""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Club
from athsys.athletes.schemas import ClubCreateSchema, ClubResponseSchema, ClubUpdateSchema
from athsys.audit.service import audited_add, audited_update, snapshot
from webui.api.resources import Resource, apply, column_filter
from webui.security import roles


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Club:
    return audited_add(session, actor, Club(**data))  # type: ignore[no-any-return]


def _update(session: Session, actor: Actor, club: Club, data: dict[str, Any]) -> None:
    before = snapshot(club)
    apply(club, data)
    audited_update(session, actor, club, before)


def resource() -> Resource:
    return Resource(
        name="clubs",
        model=Club,
        permission=roles.CLUBS,
        response=ClubResponseSchema(),
        create_schema=ClubCreateSchema(),
        update_schema=ClubUpdateSchema(),
        create=_create,
        update=_update,
        filters={
            "code": column_filter(Club.code, fields.String(), "the club's code"),
            "country": column_filter(Club.country, fields.String(), "three-letter code"),
        },
    )
