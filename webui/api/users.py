"""``/api/users``: accounts, managed as the role matrix allows (``UserDBModelView``).

The chief registrar lists, creates and edits accounts; only an administrator deletes them
or grants the Admin role. Passwords are write-only; the hash is never shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from flask import current_app
from marshmallow import fields
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from athsys.accounts import service as accounts
from athsys.accounts.actor import Actor
from athsys.accounts.models import UserProfile
from athsys.accounts.schemas import UserCreateSchema, UserResponseSchema, UserUpdateSchema
from athsys.athletes.service import link_account
from webui.api.resources import Filter, Resource
from webui.security import roles
from webui.security.accounts import user_store

_RESPONSE = UserResponseSchema()


def _sm() -> Any:
    return current_app.appbuilder.sm  # type: ignore[attr-defined]


def user_model() -> type:
    return cast(type, _sm().user_model)


def dump_user(session: Session, user: Any) -> dict[str, Any]:
    return _dumped(user, session.get(UserProfile, user.id))


def dump_users(session: Session, users: Sequence[Any]) -> list[dict[str, Any]]:
    """A page of users: their profiles read in one query, not one each."""
    profiles = {profile.user_id: profile for profile in session.scalars(
        select(UserProfile).where(UserProfile.user_id.in_([user.id for user in users])))}
    return [_dumped(user, profiles.get(user.id)) for user in users]


def _dumped(user: Any, profile: UserProfile | None) -> dict[str, Any]:
    data: dict[str, Any] = _RESPONSE.dump(user)
    data["club_id"] = profile.club_id if profile else None
    data["athlete_id"] = profile.athlete_id if profile else None
    return data


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Any:
    user = accounts.create_user(session, user_store(), actor, accounts.NewAccount(
        username=data["username"], email=data["email"], password=data["password"],
        first_name=data["first_name"], last_name=data["last_name"], roles=data["roles"],
        active=data["active"]))
    link_account(session, user.id, data)
    return user


def _update(session: Session, actor: Actor, user: Any, data: dict[str, Any]) -> None:
    accounts.update_user(session, user_store(), actor, user, data)
    link_account(session, user.id, data)


def resource() -> Resource:
    model: Any = user_model()
    return Resource(
        name="users",
        model=model,
        permission=roles.USER_RESOURCE,
        response=_RESPONSE,
        create_schema=UserCreateSchema(),
        update_schema=UserUpdateSchema(),
        create=_create,
        update=_update,
        delete=accounts.delete_user,
        dump=lambda actor, user: dump_user(_session(), user),
        dump_page=lambda actor, users: dump_users(_session(), users),
        load=(selectinload(model.roles),),
        description="Accounts. Only an administrator grants the Admin role or deletes accounts.",
        filters={
            "username": Filter(fields.String(),
                               lambda stmt, value: stmt.where(model.username == value)),
            "active": Filter(fields.Boolean(),
                             lambda stmt, value: stmt.where(model.active.is_(value))),
        },
    )


def _session() -> Session:
    return cast(Session, current_app.appbuilder.session)  # type: ignore[attr-defined]
