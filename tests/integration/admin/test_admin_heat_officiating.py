"""A heat becomes official only through the officiating service, guarded by ``mark_official``.

The Starter may edit heats (``can_edit`` on Heats) but does not hold ``mark_official``: no
route lets them make a finished heat official or set its gun time by hand: not the admin
edit or add form, not the API's PUT (or a PATCH), not the bulk action.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from athsys.audit.models import AuditLog
from athsys.competitions.models import Heat, HeatStatus
from tests.integration.admin.admin_support import (
    FAB_WTFORMS_WARNINGS,
    csrf_token,
    fetch,
    post_form,
)
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

GUN = datetime(2025, 6, 1, 18, 0, 5, tzinfo=UTC)


@pytest.fixture()
def finished_heat(admin_app, meet):
    """The 100 m heat, finished, every athlete of its start list with a result."""
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        heat = session.get(Heat, meet.sprint_heat_id)
        heat.status, heat.gun_time = HeatStatus.FINISHED, GUN
        session.commit()
    return meet.sprint_heat_id


def _unchanged(admin_app, heat_id):
    heat = fetch(admin_app, Heat, heat_id)
    assert (heat.status, heat.gun_time) == (HeatStatus.FINISHED, GUN)
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        official = session.scalars(select(AuditLog.id).where(
            AuditLog.entity == "Heat", AuditLog.entity_id == str(heat_id),
            AuditLog.action == "official")).all()
        session.rollback()
    assert official == []


def test_the_starter_holds_heat_edits_but_not_mark_official():
    starter = roles.ROLE_PERMISSIONS[roles.STARTER]
    assert (roles.CAN_EDIT, roles.HEATS) in starter
    assert (roles.MARK_OFFICIAL, roles.HEATS) not in starter


def test_heat_forms_have_no_status_or_gun_time(signed_in, finished_heat):
    client = signed_in(roles.ADMIN)
    for url in (f"/heatview/edit/{finished_heat}", "/heatview/add"):
        page = client.get(url).get_data(as_text=True)
        assert 'name="number"' in page, url
        assert 'name="status"' not in page and 'name="gun_time"' not in page, url


def test_the_edit_form_ignores_status_and_gun_time(admin_app, meet, signed_in, finished_heat):
    client = signed_in(roles.STARTER)
    status, _, flashes = post_form(client, f"/heatview/edit/{finished_heat}", {
        "round": _round_id(admin_app, finished_heat), "number": 1, "name": "Final",
        "scheduled_start": "2025-06-01 18:00:00", "wind": "+0.8",
        "status": "official", "gun_time": "2025-06-01 19:00:00",
    })
    assert status == 302 and any("Changed Row" in f for f in flashes), flashes
    heat = fetch(admin_app, Heat, finished_heat)
    assert (heat.name, heat.wind) == ("Final", 8)  # the edit itself went through
    _unchanged(admin_app, finished_heat)


def test_the_api_refuses_status_and_gun_time(admin_app, signed_in, finished_heat):
    client = signed_in(roles.STARTER)
    headers = {"X-CSRFToken": csrf_token(client, f"/heatview/edit/{finished_heat}")}
    for body in ({"status": "official"}, {"gun_time": "2025-06-01T19:00:00+00:00"}):
        response = client.put(f"/api/races/{finished_heat}", json=body, headers=headers)
        assert response.status_code == 400, response.get_json()
        assert set(response.get_json()["error"]["details"]) == set(body)
    response = client.patch(f"/api/races/{finished_heat}", json={"status": "official"},
                            headers=headers)
    assert response.status_code == 405
    allowed = client.put(f"/api/races/{finished_heat}", json={"wind": "+0.3"}, headers=headers)
    assert allowed.status_code == 200, allowed.get_json()
    _unchanged(admin_app, finished_heat)


def test_the_bulk_action_is_refused_without_mark_official(admin_app, signed_in, finished_heat):
    _, _, flashes = post_form(signed_in(roles.STARTER), "/heatview/list/", {
        "action": "mark_official", "rowid": [finished_heat]}, post_url="/heatview/action_post")
    assert any("Access is Denied" in f for f in flashes), flashes
    _unchanged(admin_app, finished_heat)


def test_with_mark_official_the_same_heat_becomes_official(admin_app, signed_in, finished_heat):
    """The control: the refusals above are the permission's, not a heat that cannot be."""
    _, _, flashes = post_form(signed_in(roles.REGISTRAR), "/heatview/list/", {
        "action": "mark_official", "rowid": [finished_heat]}, post_url="/heatview/action_post")
    assert any("1 heats marked official" in f for f in flashes), flashes
    assert fetch(admin_app, Heat, finished_heat).status is HeatStatus.OFFICIAL


def _round_id(admin_app, heat_id):
    return fetch(admin_app, Heat, heat_id).round_id
