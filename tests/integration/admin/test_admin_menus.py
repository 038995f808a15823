"""Each role's menu holds what it uses, not every list it may read: a starter's heats and
start lists, a coach's athletes and entries; the rest is reached through links."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

_LIST_LINK = re.compile(r'tabindex="-1" href="/(\w+)/list/"')  # FAB's menu items
PUBLIC = {"competitionview", "resultview", "recordview"}
MENUS = {
    roles.VIEWER: PUBLIC,
    roles.ATHLETE: PUBLIC,
    roles.COACH: PUBLIC | {"athleteview", "entryview"},
    roles.STARTER: PUBLIC | {"heatview", "laneassignmentview", "attemptview"},
}


def _menu(client: FlaskClient) -> set[str]:
    page = client.get("/")
    assert page.status_code == 200
    return {view for view in _LIST_LINK.findall(page.get_data(as_text=True))
            if view not in {"mysubscriptionview", "mynotificationview"}}


@pytest.mark.parametrize("role", sorted(MENUS))
def test_each_role_sees_only_what_it_uses(signed_in: Callable[[str], FlaskClient],
                                          role: str) -> None:
    assert _menu(signed_in(role)) == MENUS[role]


def test_registrars_keep_their_working_menus(signed_in: Callable[[str], FlaskClient]) -> None:
    registrar = _menu(signed_in(roles.REGISTRAR))
    assert {"eventview", "roundview", "heatview", "entryview", "chipassignmentview",
            "clubview", "athleteview"} <= registrar
    assert "auditlogview" not in registrar
    assert {"timingdeviceview", "auditlogview"} <= _menu(signed_in(roles.CHIEF_REGISTRAR))


def test_a_list_out_of_the_menu_is_still_open_to_the_role(
        signed_in: Callable[[str], FlaskClient]) -> None:
    viewer = signed_in(roles.VIEWER)
    assert viewer.get("/heatview/list/").status_code == 200  # reached through links
