"""User accounts: create, change and delete them, change one's own password.

The accounts themselves are Flask-AppBuilder's (``ab_user`` and its roles); the web layer
hands them in as a :class:`UserStore`, so the rules here need no Flask. The rules:

- usernames and e-mail addresses are unique, compared case-insensitively (409 naming them);
- only an Admin gives or takes away the Admin role, or changes or deletes an Admin's account;
- nobody deletes their own account;
- passwords are stored hashed; every write is audited without the password.

Each function writes and flushes in the caller's transaction; none commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.credentials import revoke_earlier_credentials
from athsys.accounts.roles import ADMIN
from athsys.audit.service import record
from athsys.errors import AuthorizationError, ConflictError, ValidationError

#: The fields of an account the audit trail keeps (never the password).
AUDITED_FIELDS = ("username", "email", "first_name", "last_name", "active", "roles")
#: The fields an update may change besides roles and password.
EDITABLE_FIELDS = ("email", "first_name", "last_name", "active")


class UserStore(Protocol):
    """Where the accounts live: Flask-AppBuilder's security manager, seen from the domain."""

    @property
    def user_model(self) -> type: ...

    def find_role(self, name: str) -> Any | None: ...

    def add_user(self, username: str, first_name: str, last_name: str, email: str,
                 roles: list[Any], hashed_password: str) -> Any: ...

    def hash_password(self, password: str) -> str: ...

    def check_password(self, hashed: str, password: str) -> bool: ...


@dataclass(frozen=True)
class NewAccount:
    username: str
    email: str
    password: str
    first_name: str
    last_name: str
    roles: Sequence[str]
    active: bool = True


def role_names(user: Any) -> list[str]:
    return sorted(role.name for role in user.roles)


def check_unique(session: Session, store: UserStore, *, username: str | None = None,
                 email: str | None = None, exclude_id: int | None = None) -> None:
    """409 naming the username and/or email already taken (compared case-insensitively)."""
    model: Any = store.user_model
    taken: dict[str, list[str]] = {}
    for name, value, column in (("username", username, model.username),
                                ("email", email, model.email)):
        if value is None:
            continue
        stmt = select(model.id).where(column.ilike(_literal_pattern(value)))
        if exclude_id is not None:
            stmt = stmt.where(model.id != exclude_id)
        if session.scalar(stmt) is not None:
            taken[name] = [f"This {name} is already used."]
    if taken:
        raise ConflictError(f"already used: {', '.join(taken)}", details=taken)


def _literal_pattern(value: str) -> str:
    """``value`` as an ILIKE pattern matching only itself."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def check_admin_role_change(actor: Actor, *, was_admin: bool, is_admin: bool) -> None:
    """Only an Admin gives or takes away the Admin role (else anyone could make themself one)."""
    if was_admin != is_admin and not actor.is_admin:
        raise AuthorizationError("only an Admin may give or take away the Admin role",
                                 details={"roles": ["Only an Admin grants the Admin role."]})


def check_may_change_account(actor: Actor, *, was_admin: bool) -> None:
    """Only an Admin changes an Admin's account: name, e-mail, active, roles, password."""
    if was_admin and not actor.is_admin:
        raise AuthorizationError("only an Admin may change an Admin account")


def check_may_delete(actor: Actor, user: Any) -> None:
    if user.id == actor.user_id:
        raise ConflictError("you cannot delete your own account", details={"id": [user.id]})
    if ADMIN in role_names(user) and not actor.is_admin:
        raise AuthorizationError("only an Admin may delete an Admin account")


def _roles(store: UserStore, names: Iterable[str]) -> list[Any]:
    """The role rows of ``names``; 400 naming the roles not set up yet."""
    wanted = list(names)
    found = [store.find_role(name) for name in wanted]
    missing = [name for name, role in zip(wanted, found, strict=True) if role is None]
    if missing:
        raise ValidationError(f"roles not set up yet: {', '.join(missing)} (run athsys sync-roles)",
                              details={"roles": [f"Unknown role {name}." for name in missing]})
    return found


def account_snapshot(user: Any) -> dict[str, Any]:
    """What the audit trail keeps of an account (never its password hash)."""
    return {"username": user.username, "email": user.email, "first_name": user.first_name,
            "last_name": user.last_name, "active": user.active, "roles": role_names(user)}


def add_account(session: Session, store: UserStore, account: NewAccount) -> Any:
    """The account, unique and with its roles, flushed; the callers check who may add it."""
    check_unique(session, store, username=account.username, email=account.email)
    user = store.add_user(account.username, account.first_name, account.last_name,
                          account.email, _roles(store, account.roles),
                          store.hash_password(account.password))
    if not user:
        raise ConflictError("the account could not be created", details={"username": ["Rejected."]})
    user.active = account.active
    session.flush()
    return user


def create_user(session: Session, store: UserStore, actor: Actor, account: NewAccount) -> Any:
    """An account created by a user manager (the role matrix says who may)."""
    check_admin_role_change(actor, was_admin=False, is_admin=ADMIN in account.roles)
    user = add_account(session, store, account)
    record(session, actor, "create", "User", user.id, account_snapshot(user))
    return user


def update_user(session: Session, store: UserStore, actor: Actor, user: Any,
                changes: Mapping[str, Any]) -> None:
    """Change the fields given: ``roles``, ``password`` (a reset) and :data:`EDITABLE_FIELDS`."""
    before = account_snapshot(user)
    check_may_change_account(actor, was_admin=ADMIN in before["roles"])
    check_unique(session, store, email=changes.get("email"), exclude_id=user.id)
    if "roles" in changes:
        check_admin_role_change(actor, was_admin=ADMIN in before["roles"],
                                is_admin=ADMIN in changes["roles"])
        user.roles = _roles(store, changes["roles"])
    for key in EDITABLE_FIELDS:
        if key in changes:
            setattr(user, key, changes[key])
    if "password" in changes:
        user.password = store.hash_password(changes["password"])
        revoke_earlier_credentials(session, user.id, datetime.now(UTC))
    session.flush()
    record_account_change(session, actor, user.id, before, account_snapshot(user),
                          password_changed="password" in changes)


def record_account_change(session: Session, actor: Actor, user_id: int,
                          before: Mapping[str, Any], after: Mapping[str, Any], *,
                          password_changed: bool = False) -> None:
    """Audit what changed in an account (a password only as "changed")."""
    audited = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if password_changed:
        audited["password"] = {"before": None, "after": "changed"}
    if audited:
        record(session, actor, "update", "User", user_id, audited)


def delete_user(session: Session, actor: Actor, user: Any) -> None:
    check_may_delete(actor, user)
    before = account_snapshot(user)
    user_id = user.id
    session.delete(user)
    session.flush()
    record(session, actor, "delete", "User", user_id, before)


def change_own_password(session: Session, store: UserStore, actor: Actor, user: Any,
                        current: str, new: str) -> None:
    """The signed-in user's new password; 400 when ``current`` is not their password."""
    if not store.check_password(user.password, current):
        raise ValidationError("current_password: this is not your current password",
                              details={"current_password": ["Wrong password."]})
    user.password = store.hash_password(new)
    session.flush()
    revoke_earlier_credentials(session, user.id, datetime.now(UTC))
    record(session, actor, "password_change", "User", user.id)
