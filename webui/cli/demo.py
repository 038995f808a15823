"""``athsys demo``: the demo meet and one account for each role but Admin (never in production).

The accounts share one password: ``ATHSYS_DEMO_PASSWORD``, or one generated on the first load
and kept in ``<data dir>/demo.secret`` (mode 0600) so that every ``athsys up`` can print the
logins that work. Accounts that exist are left alone, their passwords unchanged.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask

from athsys.accounts.actor import SYSTEM
from athsys.accounts.models import UserProfile
from athsys.accounts.roles import ATHLETE, CHIEF_REGISTRAR, COACH, REGISTRAR, STARTER, VIEWER
from athsys.athletes.models import Athlete
from athsys.audit.service import record
from athsys.config import Settings
from athsys.demo import DemoSummary, load_demo_meet
from athsys.errors import ConfigurationError, ConflictError, ValidationError
from athsys.private_files import private_secret

#: (username, role, first name, last name): "Demo" and the role's name; the athlete account
#: takes its athlete's name.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = tuple(
    (username, role, "Demo", role) for username, role in (
        ("chief_registrar", CHIEF_REGISTRAR),
        ("registrar", REGISTRAR),
        ("starter", STARTER),
        ("coach", COACH),
        ("athlete", ATHLETE),
        ("viewer", VIEWER),
    )
)
DEMO_EMAIL_DOMAIN = "demo.athsys.local"
PASSWORD_FILE = "demo.secret"  # nosec B105 # not a password
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class DemoLoad:
    meet: DemoSummary
    created_users: tuple[str, ...]
    existing_users: tuple[str, ...]  # left alone: their passwords may differ from ``password``
    password: str
    password_source: str  # "ATHSYS_DEMO_PASSWORD" or the file the generated one is kept in


def demo_password(settings: Settings) -> tuple[str, str]:
    """The demo accounts' password and where it comes from."""
    if settings.athsys_demo_password:
        if len(settings.athsys_demo_password) < MIN_PASSWORD_LENGTH:
            raise ValidationError(
                f"ATHSYS_DEMO_PASSWORD must have at least {MIN_PASSWORD_LENGTH} characters",
                details={"ATHSYS_DEMO_PASSWORD": "too short"},  # nosec B105 # not a password
            )
        return settings.athsys_demo_password, "ATHSYS_DEMO_PASSWORD"
    path = settings.data_dir / PASSWORD_FILE
    return private_secret(path, lambda: secrets.token_urlsafe(12)), str(path)


def load_demo(
    settings: Settings, *, app: Flask | None = None, roles_synced: bool = False
) -> DemoLoad:
    """Load the demo meet and create the demo accounts, in one transaction; idempotent.

    ``app`` defaults to a new application for ``settings`` (its connections are closed
    afterwards). Roles are synchronised first, so that every demo account gets its role,
    unless the caller has just done it (``roles_synced``).
    """
    if settings.is_production:
        raise ConfigurationError(
            "the demo meet and its accounts are for development only;"
            " `athsys demo` refuses to run in production"
        )
    password, source = demo_password(settings)
    if app is not None:
        with app.app_context():
            return _load(app.appbuilder, password, source,  # type: ignore[attr-defined]
                         sync=not roles_synced)
    from webui.app import create_app

    app = create_app(settings)
    try:
        with app.app_context():
            return _load(app.appbuilder, password, source,  # type: ignore[attr-defined]
                         sync=not roles_synced)
    finally:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        app.extensions["athsys_redis"].close()


def _load(appbuilder: Any, password: str, source: str, *, sync: bool) -> DemoLoad:
    from webui.security.sync import sync_roles

    if sync:
        sync_roles(appbuilder)
    sm = appbuilder.sm
    session = sm.session
    try:
        meet = load_demo_meet(session)
        created: list[str] = []
        existing: list[str] = []
        for username, role_name, first_name, last_name in DEMO_USERS:
            if sm.find_user(username=username) is not None:
                existing.append(username)
                continue
            _create_user(sm, meet, username, role_name, first_name, last_name, password)
            created.append(username)
        if created:
            record(session, SYSTEM, "demo.users", "user", ",".join(created),
                   {"created": created, "competition_id": meet.competition_id})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return DemoLoad(meet, tuple(created), tuple(existing), password, source)


def _create_user(
    sm: Any, meet: DemoSummary, username: str, role_name: str, first_name: str,
    last_name: str, password: str,
) -> None:
    """One account with its role and, for a coach or an athlete, its link to the meet."""
    session = sm.session
    email = f"{username}@{DEMO_EMAIL_DOMAIN}"
    if sm.find_user(email=email) is not None:
        raise ConflictError(f"another user already has the email {email}")
    role = sm.find_role(role_name)
    if role is None:
        raise ValidationError(f"the {role_name} role does not exist: run `athsys sync-roles`")
    club_id = meet.featured_club_id if role_name == COACH else None
    athlete_id = meet.featured_athlete_id if role_name == ATHLETE else None
    athlete = session.get(Athlete, athlete_id) if athlete_id is not None else None
    if athlete is not None:
        first_name, last_name = athlete.first_name, athlete.last_name
    user = sm.add_user(username, first_name, last_name, email, role, password=password,
                       commit=False)
    if not user:
        raise ConflictError(f"could not create the demo account {username}")
    if club_id is not None or athlete_id is not None:
        session.add(UserProfile(user_id=user.id, club_id=club_id, athlete_id=athlete_id))
