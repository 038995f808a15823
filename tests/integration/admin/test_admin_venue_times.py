"""The admin forms as a meet director uses them: times at the venue's clock that survive a
save, yes/no boxes that may stay unticked, empty cells that stay empty, heats named once."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask

from athsys.competitions.models import Competition, Event, Heat, Round, RoundKind
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, fetch, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

#: 18:05 in Paris on 14 June (summer time, UTC+2)
SCHEDULED = datetime(2025, 6, 14, 16, 5, tzinfo=UTC)


@dataclass(frozen=True)
class ParisMeet:
    event_id: int
    round_id: int
    heat_id: int
    event_name: str


@pytest.fixture(scope="module")
def paris(admin_app: Flask) -> ParisMeet:
    with admin_app.app_context():
        session = admin_app.appbuilder.session  # type: ignore[attr-defined]
        tag = uuid.uuid4().hex[:6].upper()
        competition = Competition(name=f"Meeting de Paris {tag}", venue="Charléty",
                                  start_date=date(2025, 6, 14), end_date=date(2025, 6, 14),
                                  time_zone="Europe/Paris")
        sprint = discipline("100m")
        event = Event(competition=competition, discipline_code="100m",
                      name=f"Women 100 m {tag}", sex=Sex.FEMALE, kind=sprint.kind)
        rnd = Round(event=event, kind=RoundKind.HEAT, ordinal=1, scheduled_start=SCHEDULED)
        heat = Heat(round=rnd, number=1, scheduled_start=SCHEDULED)
        session.add_all([competition, event, rnd, heat])
        session.commit()
        return ParisMeet(event.id, rnd.id, heat.id, event.name)


def _field_value(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found, f"no input {name}"
    value = re.search(r'value="([^"]*)"', found.group(0))
    return html.unescape(value.group(1)) if value else ""


def test_the_edit_form_shows_the_venue_clock_and_a_save_keeps_the_schedule(
    admin_app, meet, signed_in, paris
):
    client = signed_in(roles.ADMIN)
    form_url = f"/heatview/edit/{paris.heat_id}"
    page = client.get(form_url).get_data(as_text=True)
    assert _field_value(page, "scheduled_start") == "2025-06-14T18:05"
    assert 'type="datetime-local"' in page

    # saved back as shown: nothing moves (FAB's own field blanked the schedule here)
    status, _, flashes = post_form(client, form_url, {
        "round": paris.round_id, "number": 1, "name": "",
        "scheduled_start": "2025-06-14T18:05", "wind": "", "draw_seed": "",
    })
    assert status == 302, flashes
    assert fetch(admin_app, Heat, paris.heat_id).scheduled_start == SCHEDULED

    post_form(client, form_url, {
        "round": paris.round_id, "number": 1, "scheduled_start": "2025-06-14 19:30",
    })
    assert fetch(admin_app, Heat, paris.heat_id).scheduled_start == datetime(
        2025, 6, 14, 17, 30, tzinfo=UTC)
    post_form(client, form_url, {
        "round": paris.round_id, "number": 1, "scheduled_start": "2025-06-14 18:05",
    })
    assert fetch(admin_app, Heat, paris.heat_id).scheduled_start == SCHEDULED


def test_a_time_in_another_format_is_refused_under_its_field(admin_app, meet, signed_in, paris):
    client = signed_in(roles.ADMIN)
    status, page, _ = post_form(client, f"/heatview/edit/{paris.heat_id}", {
        "round": paris.round_id, "number": 1, "scheduled_start": "18:05",
    })
    assert status == 200
    assert "write the date and time as YYYY-MM-DD HH:MM at the venue" in html.unescape(page)
    assert fetch(admin_app, Heat, paris.heat_id).scheduled_start == SCHEDULED


def test_lists_show_the_venue_clock_empty_cells_and_heats_named_once(
    admin_app, meet, signed_in, paris
):
    client = signed_in(roles.ADMIN)
    page = html.unescape(client.get(
        f"/heatview/show/{paris.heat_id}").get_data(as_text=True))
    assert "2025-06-14 18:05" in page
    assert ">None<" not in page.replace(" ", "").replace("\n", "")
    with admin_app.app_context():
        heat = admin_app.appbuilder.session.get(Heat, paris.heat_id)  # type: ignore[attr-defined]
        assert repr(heat) == f"{paris.event_name}, Heats, heat 1"
        admin_app.appbuilder.session.rollback()  # type: ignore[attr-defined]


@pytest.mark.parametrize(("ticked", "stored"), [(False, False), (True, True)])
def test_an_unticked_box_is_a_no_not_a_missing_answer(
    admin_app, meet, signed_in, paris, ticked, stored
):
    client = signed_in(roles.ADMIN)
    data: dict[str, object] = {"event": paris.event_id, "kind": "final", "ordinal": 2 + ticked,
                               "advance_by_place": 0, "advance_by_time": 0}
    if ticked:
        data["ties_both_advance"] = "y"
    status, page, flashes = post_form(client, "/roundview/add", data)
    assert status == 302, html.unescape(page)[:3000]
    with admin_app.app_context():
        session = admin_app.appbuilder.session  # type: ignore[attr-defined]
        rnd = session.query(Round).filter_by(event_id=paris.event_id, ordinal=2 + ticked).one()
        assert rnd.ties_both_advance is stored
        session.rollback()
