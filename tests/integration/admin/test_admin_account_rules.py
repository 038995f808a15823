"""Account rules on Flask-AppBuilder's own user pages (issue 14, item 3): only an Admin
changes an Admin's account or password, every change is audited, and FAB's second login
(``/api/v1/security/login``) is gone."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from athsys.audit.models import AuditLog
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, Meet, csrf_token, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


@pytest.fixture()
def accounts(admin_app: Flask, meet: Meet) -> dict[str, int]:
    """A spare Admin and a spare Registrar to be edited (users stay between tests)."""
    with admin_app.app_context():
        sm = admin_app.appbuilder.sm  # type: ignore[attr-defined]
        found = {}
        for role in (roles.ADMIN, roles.REGISTRAR):
            name = f"rules_{role.lower().replace(' ', '_')}"
            user = sm.find_user(username=name) or sm.add_user(
                name, "Rule", role, f"{name}@example.org", sm.find_role(role),
                password="rules-password-1")
            user.active, user.email = True, f"{name}@example.org"
            found[role] = user.id
        sm.session.commit()
        return found


def _user(app: Flask, user_id: int) -> tuple[str, bool, str]:
    with app.app_context():
        session = app.appbuilder.session  # type: ignore[attr-defined]
        session.expire_all()
        user = app.appbuilder.sm.get_user_by_id(user_id)  # type: ignore[attr-defined]
        found = (user.email, user.active, user.password)
        session.rollback()
        return found


def _edit(client: Any, app: Flask, user_id: int, email: str) -> list[str]:
    with app.app_context():
        user = app.appbuilder.sm.get_user_by_id(user_id)  # type: ignore[attr-defined]
        form = {"first_name": user.first_name, "last_name": user.last_name,
                "username": user.username, "email": email,
                "roles": [str(role.id) for role in user.roles]}
        app.appbuilder.session.rollback()  # type: ignore[attr-defined]
    _, _, flashes = post_form(client, f"/users/edit/{user_id}", form)  # "active" unticked
    return flashes


def _audits(app: Flask, user_id: int) -> list[dict[str, Any]]:
    with app.app_context():
        session = app.appbuilder.session  # type: ignore[attr-defined]
        rows = session.scalars(select(AuditLog.changes).where(
            AuditLog.entity == "User", AuditLog.entity_id == str(user_id))
            .order_by(AuditLog.id)).all()
        session.rollback()
        return list(rows)


def test_a_chief_registrar_cannot_touch_an_admin_account(
        admin_app: Flask, signed_in: Any, accounts: dict[str, int]) -> None:
    admin_id = accounts[roles.ADMIN]
    before = _user(admin_app, admin_id)
    chief = signed_in(roles.CHIEF_REGISTRAR)
    flashes = _edit(chief, admin_app, admin_id, "taken-over@example.org")
    assert any("only an Admin may change an Admin account" in f for f in flashes), flashes
    token = csrf_token(chief, "/users/list/")
    reset = chief.post(f"/resetpassword/form?pk={admin_id}", data={
        "password": "taken-over-123", "conf_password": "taken-over-123", "csrf_token": token})
    assert reset.status_code == 403
    assert _user(admin_app, admin_id) == before  # e-mail, active and password as they were


def test_account_changes_through_the_pages_are_audited(
        admin_app: Flask, signed_in: Any, accounts: dict[str, int]) -> None:
    registrar_id = accounts[roles.REGISTRAR]
    chief = signed_in(roles.CHIEF_REGISTRAR)
    _edit(chief, admin_app, registrar_id, "registrar-new@example.org")
    email, active, _ = _user(admin_app, registrar_id)
    assert (email, active) == ("registrar-new@example.org", False)
    last = _audits(admin_app, registrar_id)[-1]
    assert last["email"]["after"] == "registrar-new@example.org"
    assert last["active"] == {"before": True, "after": False}

    admin = signed_in(roles.ADMIN)
    _edit(admin, admin_app, accounts[roles.ADMIN], "rules_admin-2@example.org")
    assert _user(admin_app, accounts[roles.ADMIN])[0] == "rules_admin-2@example.org"


def test_flask_appbuilders_own_api_login_is_gone(admin_app: Flask) -> None:
    client = admin_app.test_client()
    answer = client.post("/api/v1/security/login", json={
        "username": "t_admin", "password": "admin-test-password", "provider": "db"})
    assert answer.status_code == 404
