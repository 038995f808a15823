"""The admin forms pick athletes, entries and heats through fields that search on the server:
the page carries only the row chosen (never the whole table), and what is posted is read
back by id."""

import re

import pytest

from athsys.competitions.models import Entry
from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, fetch, post_form
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


def _select(page: str, name: str) -> str:
    found = re.search(rf'<select id="{name}"[^>]*>.*?</select>', page, re.S)
    assert found is not None, f"no {name} select"
    return found.group(0)


def test_the_entry_form_offers_only_the_athlete_chosen(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    page = client.get(f"/entryview/edit/{meet.entry_id}").get_data(as_text=True)
    athlete = _select(page, "athlete")
    assert 'class="form-control athsys-picker' in athlete
    assert 'data-picker="/api/pickers/athletes"' in athlete
    assert re.findall(r'<option value="(\d*)"', athlete) == ["", str(meet.athlete_id)]
    assert f"Own{meet.tag}, Ana (CC{meet.tag})" in athlete
    assert "athsys/pickers.js" in page
    added = client.get("/entryview/add").get_data(as_text=True)
    assert re.findall(r"<option", _select(added, "athlete")) == ["<option"]  # the blank one


def test_a_picked_athlete_is_saved_by_its_id(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    status, _, flashes = post_form(client, f"/entryview/edit/{meet.other_entry_id}", {
        "event": meet.sprint_event_id, "athlete": meet.other_athlete_id,
        "bib": f"{meet.tag}2", "status": "entered"})
    assert status == 302, flashes
    assert fetch(admin_app, Entry, meet.other_entry_id).athlete_id == meet.other_athlete_id


def test_the_result_and_lane_forms_pick_heats_and_entries_too(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    for url in ("/resultview/add", "/laneassignmentview/add", "/attemptview/add"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-picker="/api/pickers/heats"' in _select(page, "heat"), url
        assert 'data-picker="/api/pickers/entries"' in _select(page, "entry"), url


def test_results_are_searched_by_a_record_or_best_they_set(admin_app, meet, signed_in):
    """The record flags are an array column: the search form offers "Has" with the flags as
    a select, and the list keeps the results that hold the flag chosen."""
    from athsys.results.models import Result

    with admin_app.app_context():
        session = admin_app.appbuilder.session
        flagged = session.get(Result, meet.result_id)
        flagged.record_flags = ["NR", "PB"]
        session.commit()
    client = signed_in(roles.REGISTRAR)
    page = client.get("/resultview/list/").get_data(as_text=True)
    assert '"record_flags": ["Has"]' in page and "\\u003eNR\\u003c/option" in page
    heat = f"_flt_0_heat={meet.sprint_heat_id}"
    with_nr = client.get(f"/resultview/list/?{heat}&_flt_0_record_flags=NR").get_data(
        as_text=True)
    assert f"OWN{meet.tag}" in with_nr
    with_wr = client.get(f"/resultview/list/?{heat}&_flt_0_record_flags=WR").get_data(
        as_text=True)
    assert f"OWN{meet.tag}" not in with_wr
