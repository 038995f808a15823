"""Creating, changing and deleting accounts, and changing one's own password."""

from typing import Any

import pytest
from sqlalchemy import select

from athsys.accounts import roles
from athsys.accounts import service as accounts
from athsys.accounts.actor import Actor
from athsys.audit.models import AuditLog
from athsys.errors import AuthorizationError, ConflictError, ValidationError
from tests.integration.api.helpers import tag

pytestmark = pytest.mark.integration

PASSWORD = "a-long-password"


def _actor(user: Any) -> Actor:
    return Actor(user_id=user.id, username=user.username,
                 roles=frozenset(role.name for role in user.roles))


def _account(*role_names: str, name: str | None = None) -> accounts.NewAccount:
    name = name or f"u_{tag().lower()}"
    return accounts.NewAccount(username=name, email=f"{name}@example.org", password=PASSWORD,
                               first_name="Test", last_name="User", roles=role_names)


def _audit(session, user_id):
    return session.scalars(select(AuditLog).where(
        AuditLog.entity == "User", AuditLog.entity_id == str(user_id)).order_by(AuditLog.id)).all()


@pytest.fixture()
def chief(store_session):
    store, session = store_session
    return _actor(accounts.add_account(session, store, _account(roles.CHIEF_REGISTRAR)))


@pytest.fixture()
def admin(store_session):
    store, session = store_session
    return _actor(accounts.add_account(session, store, _account(roles.ADMIN)))


def test_a_user_manager_creates_an_account_audited_without_its_password(store_session, chief):
    store, session = store_session
    user = accounts.create_user(session, store, chief, _account(roles.STARTER))
    assert accounts.role_names(user) == [roles.STARTER]
    assert user.password != PASSWORD and store.check_password(user.password, PASSWORD)
    (row,) = _audit(session, user.id)
    assert row.action == "create" and row.actor_name == chief.username
    assert row.changes["roles"] == [roles.STARTER] and "password" not in str(row.changes)


def test_usernames_and_emails_are_unique_whatever_their_case(store_session, chief):
    store, session = store_session
    first = accounts.create_user(session, store, chief, _account(roles.VIEWER))
    again = accounts.NewAccount(username=first.username.upper(), email=first.email.upper(),
                                password=PASSWORD, first_name="A", last_name="B",
                                roles=(roles.VIEWER,))
    with pytest.raises(ConflictError) as raised:
        accounts.create_user(session, store, chief, again)
    assert set(raised.value.details) == {"username", "email"}


def test_an_underscore_in_a_username_is_not_a_wildcard(store_session, chief):
    store, session = store_session
    t = tag().lower()
    accounts.create_user(session, store, chief, _account(roles.VIEWER, name=f"ax{t}"))
    user = accounts.create_user(session, store, chief, _account(roles.VIEWER, name=f"a_{t}"))
    assert user.username == f"a_{t}"


def test_only_an_admin_grants_the_admin_role(store_session, chief, admin):
    store, session = store_session
    with pytest.raises(AuthorizationError, match="only an Admin"):
        accounts.create_user(session, store, chief, _account(roles.ADMIN))
    viewer = accounts.create_user(session, store, chief, _account(roles.VIEWER))
    with pytest.raises(AuthorizationError, match="only an Admin"):
        accounts.update_user(session, store, chief, viewer, {"roles": [roles.ADMIN]})
    accounts.update_user(session, store, admin, viewer, {"roles": [roles.ADMIN]})
    assert accounts.role_names(viewer) == [roles.ADMIN]
    with pytest.raises(AuthorizationError, match="only an Admin may change"):
        accounts.update_user(session, store, chief, viewer, {"first_name": "Renamed"})


def test_an_update_audits_what_changed_and_a_password_reset_without_the_password(
        store_session, chief):
    store, session = store_session
    user = accounts.create_user(session, store, chief, _account(roles.VIEWER))
    accounts.update_user(session, store, chief, user, {
        "first_name": "Renamed", "roles": [roles.COACH], "password": "another-password"})
    assert store.check_password(user.password, "another-password")
    row = _audit(session, user.id)[-1]
    assert row.changes["first_name"] == {"before": "Test", "after": "Renamed"}
    assert row.changes["roles"] == {"before": [roles.VIEWER], "after": [roles.COACH]}
    assert set(row.changes) == {"first_name", "roles", "password"}
    assert "another-password" not in str(row.changes)


def test_a_role_not_set_up_is_named(store_session, chief):
    store, session = store_session
    with pytest.raises(ValidationError, match="Ghost"):
        accounts.create_user(session, store, chief, _account("Ghost"))


def test_nobody_deletes_their_own_account_and_a_delete_keeps_the_account_in_the_audit(
        store_session, admin):
    store, session = store_session
    own = session.get(store.user_model, admin.user_id)
    with pytest.raises(ConflictError, match="your own account"):
        accounts.delete_user(session, admin, own)
    user = accounts.create_user(session, store, admin, _account(roles.VIEWER))
    user_id = user.id
    accounts.delete_user(session, admin, user)
    assert session.get(store.user_model, user_id) is None
    assert _audit(session, user_id)[-1].changes["username"] == user.username


def test_a_chief_registrar_cannot_delete_an_admin(store_session, chief, admin):
    store, session = store_session
    with pytest.raises(AuthorizationError, match="only an Admin"):
        accounts.delete_user(session, chief, session.get(store.user_model, admin.user_id))


def test_changing_ones_own_password_needs_the_current_one(store_session, chief):
    store, session = store_session
    user = session.get(store.user_model, chief.user_id)
    with pytest.raises(ValidationError) as raised:
        accounts.change_own_password(session, store, chief, user, "not-it", "brand-new-pass")
    assert set(raised.value.details) == {"current_password"}
    assert store.check_password(user.password, PASSWORD)
    accounts.change_own_password(session, store, chief, user, PASSWORD, "brand-new-pass")
    assert store.check_password(user.password, "brand-new-pass")
    assert _audit(session, user.id)[-1].action == "password_change"
