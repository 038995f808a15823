"""A Chief Registrar manages users, but only an Admin hands out the Admin role."""

import uuid

import pytest

from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


def _role_id(app, name: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return int(app.appbuilder.sm.find_role(name).id)


def _user_roles(app, username: str) -> list[str] | None:  # type: ignore[no-untyped-def]
    with app.app_context():
        sm = app.appbuilder.sm
        sm.session.expire_all()
        user = sm.find_user(username=username)
        found = None if user is None else sorted(role.name for role in user.roles)
        sm.session.rollback()
        return found


def _new_user(role_id: int) -> dict[str, object]:
    name = f"u{uuid.uuid4().hex[:8]}"
    return {"first_name": "New", "last_name": "User", "username": name,
            "email": f"{name}@example.org", "active": "y", "roles": role_id,
            "password": "a-long-password-1", "conf_password": "a-long-password-1"}


@pytest.mark.parametrize(("role_name", "admin_allowed"),
                         [(roles.CHIEF_REGISTRAR, False), (roles.ADMIN, True)])
def test_only_an_admin_creates_an_admin(admin_app, meet, signed_in, role_name, admin_allowed):
    client = signed_in(role_name)
    viewer = _new_user(_role_id(admin_app, roles.VIEWER))
    post_form(client, "/users/add", viewer)
    assert _user_roles(admin_app, str(viewer["username"])) == [roles.VIEWER]

    admin = _new_user(_role_id(admin_app, roles.ADMIN))
    _, page, flashes = post_form(client, "/users/add", admin)
    created = _user_roles(admin_app, str(admin["username"]))
    if admin_allowed:
        assert created == [roles.ADMIN]
    else:
        assert created is None
        assert "only an Admin may give or take away the Admin role" in page + " ".join(flashes)
