"""``/api/users``: accounts, managed as the role matrix allows (``UserDBModelView``).

The chief registrar lists, creates and edits accounts; only an administrator deletes them
or grants the Admin role. Passwords are write-only; the hash is never shown.
"""

from __future__ import annotations

from typing import Any, cast

from flask import current_app
from marshmallow import fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from athsys.accounts.actor import Actor
from athsys.accounts.models import UserProfile
from athsys.accounts.schemas import UserCreateSchema, UserResponseSchema, UserUpdateSchema
from athsys.athletes.models import Athlete, Club
from athsys.audit.service import record
from athsys.errors import AuthorizationError, ConflictError, ValidationError
from webui.api.resources import Filter, Resource, references
from webui.security import roles

_ROLE = fields.String(validate=validate.OneOf(roles.ROLE_NAMES))


class ApiUserCreateSchema(UserCreateSchema):
    roles = fields.List(_ROLE, required=True, validate=validate.Length(min=1))


class ApiUserUpdateSchema(UserUpdateSchema):
    roles = fields.List(_ROLE, validate=validate.Length(min=1))


_RESPONSE = UserResponseSchema()


def _sm() -> Any:
    return current_app.appbuilder.sm  # type: ignore[attr-defined]


def user_model() -> type:
    return cast(type, _sm().user_model)


def dump_user(session: Session, user: Any) -> dict[str, Any]:
    data: dict[str, Any] = _RESPONSE.dump(user)
    profile = session.get(UserProfile, user.id)
    data["club_id"] = profile.club_id if profile else None
    data["athlete_id"] = profile.athlete_id if profile else None
    return data


def hash_password(password: str) -> str:
    config = current_app.config
    return generate_password_hash(
        password,
        method=config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def check_unique(session: Session, *, username: str | None = None, email: str | None = None,
                 exclude_id: int | None = None) -> None:
    """409 naming the username and/or email already taken (compared case-insensitively)."""
    model: Any = user_model()
    taken: dict[str, list[str]] = {}
    for name, value, column in (("username", username, model.username),
                                ("email", email, model.email)):
        if value is None:
            continue
        stmt = select(model.id).where(column.ilike(value.replace("\\", "\\\\")
                                                   .replace("%", "\\%").replace("_", "\\_")))
        if exclude_id is not None:
            stmt = stmt.where(model.id != exclude_id)
        if session.scalar(stmt) is not None:
            taken[name] = [f"This {name} is already used."]
    if taken:
        raise ConflictError(f"already used: {', '.join(taken)}", details=taken)


def _role_rows(actor: Actor, names: list[str]) -> list[Any]:
    if roles.ADMIN in names and not actor.is_admin:
        raise AuthorizationError("only an administrator may grant the Admin role",
                                 details={"roles": ["Admin may be granted by an administrator."]})
    sm = _sm()
    found = [sm.find_role(name) for name in names]
    missing = [name for name, role in zip(names, found, strict=True) if role is None]
    if missing:
        raise ValidationError(f"roles not set up yet: {', '.join(missing)} (run athsys sync-roles)",
                              details={"roles": [f"Unknown role {name}." for name in missing]})
    return found


def _profile(session: Session, user_id: int, data: dict[str, Any]) -> None:
    links = {k: data[k] for k in ("club_id", "athlete_id") if k in data}
    if not links:
        return
    references(session, {"club_id": (Club, links.get("club_id")),
                         "athlete_id": (Athlete, links.get("athlete_id"))})
    profile = session.get(UserProfile, user_id) or UserProfile(user_id=user_id)
    for key, value in links.items():
        setattr(profile, key, value)
    session.add(profile)


def _safe(user: Any, role_names: list[str]) -> dict[str, Any]:
    return {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "active": user.active, "roles": sorted(role_names)}


def create_user(session: Session, actor: Actor, data: dict[str, Any]) -> Any:
    check_unique(session, username=data["username"], email=data["email"])
    role_rows = _role_rows(actor, data["roles"])
    user = _sm().add_user(data["username"], data["first_name"], data["last_name"],
                          data["email"], role_rows, hashed_password=hash_password(data["password"]),
                          commit=False)
    if not user:
        raise ConflictError("the account could not be created", details={"username": ["Rejected."]})
    user.active = data["active"]
    session.flush()
    _profile(session, user.id, data)
    session.flush()
    record(session, actor, "create", "User", user.id, _safe(user, data["roles"]))
    return user


def _update(session: Session, actor: Actor, user: Any, data: dict[str, Any]) -> None:
    before = _safe(user, [r.name for r in user.roles])
    if roles.ADMIN in before["roles"] and not actor.is_admin:
        raise AuthorizationError("only an administrator may change an administrator's account")
    check_unique(session, email=data.get("email"), exclude_id=user.id)
    if "roles" in data:
        user.roles = _role_rows(actor, data["roles"])
    for key in ("email", "first_name", "last_name", "active"):
        if key in data:
            setattr(user, key, data[key])
    if "password" in data:
        user.password = hash_password(data["password"])
    _profile(session, user.id, data)
    session.flush()
    after = _safe(user, [r.name for r in user.roles])
    changes = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if "password" in data:
        changes["password"] = {"before": None, "after": "changed"}
    if changes:
        record(session, actor, "update", "User", user.id, changes)


def _delete(session: Session, actor: Actor, user: Any) -> None:
    if user.id == actor.user_id:
        raise ConflictError("you cannot delete your own account", details={"id": [user.id]})
    before = _safe(user, [r.name for r in user.roles])
    user_id = user.id
    session.delete(user)
    session.flush()
    record(session, actor, "delete", "User", user_id, before)


def resource() -> Resource:
    model: Any = user_model()
    return Resource(
        name="users",
        model=model,
        permission=roles.USER_RESOURCE,
        response=_RESPONSE,
        create_schema=ApiUserCreateSchema(),
        update_schema=ApiUserUpdateSchema(),
        create=create_user,
        update=_update,
        delete=_delete,
        dump=lambda actor, user: dump_user(_session(), user),
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
