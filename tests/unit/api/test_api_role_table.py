import pytest

from webui.api.resources import roles_allowed
from webui.security import roles

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("permission, resource, expected", [
    (roles.CAN_ADD, roles.HEATS, ("Admin", "Chief Registrar", "Registrar")),
    (roles.CAN_EDIT, roles.HEATS, ("Admin", "Chief Registrar", "Registrar", "Starter")),
    (roles.CAN_ADD, roles.ATHLETES, ("Admin", "Chief Registrar", "Coach", "Registrar")),
    (roles.CAN_DELETE, roles.USER_RESOURCE, ("Admin",)),
    (roles.CAN_LIST, roles.RESULTS, ("Admin", "Athlete", "Chief Registrar", "Coach",
                                     "Registrar", "Starter", "Viewer")),
])
def test_api_roles_are_read_from_the_admin_matrix(permission, resource, expected):
    assert roles_allowed(permission, resource) == expected


def test_public_role_gets_nothing():
    assert "Public" not in roles_allowed(roles.CAN_LIST, roles.CLUBS)
