"""Accounts and roles, done through Flask-AppBuilder's security manager."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import Flask

from athsys.config import Settings
from athsys.errors import ConflictError, ValidationError


@dataclass(frozen=True)
class AdminAccount:
    username: str
    created: bool
    password: str | None  # only when generated here, to be shown once


def sync_roles(settings: Settings, *, app: Flask | None = None) -> list[str]:
    """Create every role and permission; idempotent. Returns the role names."""
    from webui.app import create_app
    from webui.security.sync import sync_roles as sync

    app = app or create_app(settings)
    with app.app_context():
        return sync(app.appbuilder)  # type: ignore[attr-defined]


def has_password(app: Flask, username: str, password: str) -> bool:
    """Whether ``username`` still signs in with ``password`` (nothing is counted or logged)."""
    from werkzeug.security import check_password_hash

    with app.app_context():
        user = app.appbuilder.sm.find_user(username=username)  # type: ignore[attr-defined]
        return user is not None and check_password_hash(user.password, password)


def create_admin(
    settings: Settings,
    *,
    username: str,
    email: str,
    password: str | None,
    first_name: str = "Meet",
    last_name: str = "Director",
    app: Flask | None = None,
) -> AdminAccount:
    """Create the admin account unless it exists; a generated password is returned once."""
    from webui.app import create_app

    if password is not None and len(password) < 8:
        raise ValidationError("the admin password must have at least 8 characters",
                              details={"password": "too short"})  # nosec B105 # not a password
    app = app or create_app(settings)
    with app.app_context():
        sm = app.appbuilder.sm  # type: ignore[attr-defined]
        if sm.find_user(username=username) is not None:
            return AdminAccount(username, created=False, password=None)
        if sm.find_user(email=email) is not None:
            raise ConflictError(f"another user already has the email {email}")
        role = sm.find_role(sm.auth_role_admin)
        if role is None:
            raise ValidationError("the Admin role does not exist yet: run `athsys sync-roles`")
        generated = password is None
        secret = password or secrets.token_urlsafe(12)
        user = sm.add_user(username, first_name, last_name, email, role, password=secret)
        if not user:
            raise ConflictError(f"could not create user {username}")
        return AdminAccount(username, created=True, password=secret if generated else None)
