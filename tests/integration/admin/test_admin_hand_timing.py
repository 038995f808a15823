"""The admin forms: a heat timed by hand, a result's timing method, a hand time shown to the
tenth rounded up."""

import pytest

from athsys.competitions.models import Heat
from athsys.results.models import Result, ResultRevision
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, fetch, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


def test_a_result_corrected_to_a_hand_time_is_shown_to_the_tenth(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    edit = f"/resultview/edit/{meet.result_id}"
    assert "As the heat is timed" in client.get(edit).get_data(as_text=True)
    _, _, flashes = post_form(client, edit, {
        "heat": meet.sprint_heat_id, "entry": meet.entry_id, "mark": "11.43", "place": 1,
        "status": "OK", "wind": "+1.2", "source": "manual", "hand_timed": "True",
        "correction_reason": "the photo finish failed: hand times",
    })
    assert any("Changed Row" in f for f in flashes), flashes
    after = fetch(admin_app, Result, meet.result_id)
    assert (after.mark, after.hand_timed) == (11_430, True)
    page = client.get(f"/resultview/show/{meet.result_id}").get_data(as_text=True)
    assert "11.5h" in page  # 11.43 by hand is published 11.5 (rounded up)
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        kept = session.query(ResultRevision).filter_by(result_id=meet.result_id).all()
        assert kept[-1].hand_timed is False  # the automatic version it replaced
        session.rollback()


def test_a_heat_is_marked_timed_by_hand_in_its_form(admin_app, meet, signed_in):
    client = signed_in(roles.ADMIN)
    response = client.get(f"/heatview/edit/{meet.sprint_heat_id}")
    form = response.get_data(as_text=True)
    assert 'name="hand_timed"' in form
    assert fetch(admin_app, Heat, meet.sprint_heat_id).hand_timed is False
    round_id = fetch(admin_app, Heat, meet.sprint_heat_id).round_id
    status, _, flashes = post_form(client, f"/heatview/edit/{meet.sprint_heat_id}", {
        "round": round_id, "number": 1, "name": "Final", "scheduled_start": "2025-06-01 18:00:00",
        "wind": "+0.8", "hand_timed": "y"})
    assert status == 302 and any("Changed Row" in f for f in flashes), flashes
    assert fetch(admin_app, Heat, meet.sprint_heat_id).hand_timed is True
