"""CRUD through the admin forms with CSRF on: bad input names the field and writes nothing;
result corrections keep revisions and audit rows; coaches and athletes meet row-level rules."""

import html

import pytest
from sqlalchemy import select

from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.competitions.models import Entry, EntryStatus, Heat, HeatStatus, LaneAssignment
from athsys.results.models import Result, ResultRevision
from tests.integration.admin.admin_support import (
    FAB_WTFORMS_WARNINGS,
    count_rows,
    fetch,
    post_form,
)
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]


def _audit(app, entity, entity_id):
    with app.app_context():
        session = app.appbuilder.session
        rows = session.scalars(select(AuditLog).where(
            AuditLog.entity == entity, AuditLog.entity_id == str(entity_id)
        ).order_by(AuditLog.id)).all()
        session.expunge_all()
        return rows


# -- bad input: a clear error naming the field, and an unchanged database --------------------
def test_duplicate_bib_names_the_bib_and_writes_nothing(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    before = count_rows(admin_app, Entry)
    status, _, flashes = post_form(client, "/entryview/add", {
        "event": meet.long_jump_event_id, "athlete": meet.other_athlete_id,
        "bib": f"{meet.tag}1", "status": "entered",
    })
    assert status == 302
    assert any(f"bib: bib {meet.tag}1 is already used in this competition" in f for f in flashes)
    assert count_rows(admin_app, Entry) == before


def test_duplicate_lane_names_the_lane_and_writes_nothing(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    before = count_rows(admin_app, LaneAssignment)
    _, _, flashes = post_form(client, "/laneassignmentview/add", {
        "heat": meet.sprint_heat_id, "entry": meet.other_entry_id, "lane": 4, "position": 2,
    })
    assert any("lane: lane 4 is already taken in this heat" in f for f in flashes), flashes
    assert count_rows(admin_app, LaneAssignment) == before


def test_double_result_names_the_entry_and_writes_nothing(admin_app, meet, signed_in):
    client = signed_in(roles.STARTER)
    before = count_rows(admin_app, Result)
    _, _, flashes = post_form(client, "/resultview/add", {
        "heat": meet.sprint_heat_id, "entry": meet.entry_id, "mark": "11.50", "status": "OK",
        "source": "manual",
    })
    assert any("entry: this entry already has a result in this heat" in f for f in flashes)
    assert count_rows(admin_app, Result) == before
    assert fetch(admin_app, Result, meet.result_id).mark == 11430


def test_dangling_reference_is_a_form_error_on_the_field(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    before = count_rows(admin_app, Entry)
    status, page, _ = post_form(client, "/entryview/add", {
        "event": meet.long_jump_event_id, "athlete": 987654321, "bib": f"{meet.tag}X",
        "status": "entered",
    })
    assert status == 200  # the form again, with the error under the field
    athlete_field = page[page.index('id="athlete"'):]
    athlete_row = athlete_field[:athlete_field.index("</tr>")]
    assert "no such athlete (id '987654321'): pick one from the list" in athlete_row
    assert count_rows(admin_app, Entry) == before


@pytest.mark.parametrize(("heat", "text", "message"), [
    ("sprint", "abc", "mark: 'abc' is not a time mark"),
    ("long_jump", "2:09:45", "mark: a distance is written in metres such as 8.41, not as a time"),
    ("long_jump", "abc", "mark: 'abc' is not a distance mark"),
])
def test_mark_in_the_wrong_notation_is_a_form_error(admin_app, meet, signed_in, heat, text,
                                                     message):
    client = signed_in(roles.STARTER)
    before = count_rows(admin_app, Result)
    heat_id = meet.sprint_heat_id if heat == "sprint" else meet.long_jump_heat_id
    status, page, _ = post_form(client, "/resultview/add", {
        "heat": heat_id, "entry": meet.other_entry_id, "mark": text, "status": "OK",
        "source": "manual",
    })
    assert status == 200
    assert message in html.unescape(page)
    assert count_rows(admin_app, Result) == before


def test_a_post_without_csrf_token_writes_nothing(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    before = count_rows(admin_app, Club)
    response = client.post("/clubview/add", data={"name": "No Token Club", "code": "NOTOK"})
    assert response.status_code == 400  # refused app-wide, naming the missing token
    assert "CSRF token is missing" in response.get_data(as_text=True)
    assert count_rows(admin_app, Club) == before


# -- CRUD through the forms, each change audited ----------------------------------------------
def test_club_create_edit_delete_through_the_forms_are_audited(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    code = f"NC{meet.tag}"
    _, _, flashes = post_form(client, "/clubview/add",
                              {"name": f"New Club {meet.tag}", "code": code, "country": "ESP"})
    assert any("Added Row" in f for f in flashes), flashes
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        club_id = session.scalar(select(Club.id).where(Club.code == code))
        session.rollback()
    _, _, flashes = post_form(client, f"/clubview/edit/{club_id}",
                              {"name": f"Renamed Club {meet.tag}", "code": code, "country": "ESP"})
    assert fetch(admin_app, Club, club_id).name == f"Renamed Club {meet.tag}"
    _, _, flashes = post_form(client, "/clubview/list/", {},
                              post_url=f"/clubview/delete/{club_id}")
    assert fetch(admin_app, Club, club_id) is None
    trail = _audit(admin_app, "Club", club_id)
    assert [row.action for row in trail] == ["create", "update", "delete"]
    assert trail[1].changes["name"] == {"before": f"New Club {meet.tag}",
                                        "after": f"Renamed Club {meet.tag}"}
    assert {row.actor_name for row in trail} == {"t_registrar"}


def test_marks_are_listed_in_the_sports_notation(admin_app, meet, signed_in):
    client = signed_in(roles.VIEWER)
    page = client.get(f"/resultview/show/{meet.result_id}").get_data(as_text=True)
    assert "11.43" in page and "+1.2" in page
    assert "11430" not in page


def test_result_correction_keeps_the_previous_revision_and_audits(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    before_result = fetch(admin_app, Result, meet.result_id)
    edit = f"/resultview/edit/{meet.result_id}"
    form_page = client.get(edit).get_data(as_text=True)
    assert 'value="11.43"' in form_page  # the edit form shows the mark, not 11430
    _, _, flashes = post_form(client, edit, {
        "heat": meet.sprint_heat_id, "entry": meet.entry_id, "mark": "11.38", "place": 1,
        "status": "OK", "wind": "+1.2", "source": "manual",
        "correction_reason": "photo finish re-read",
    })
    assert any("Changed Row" in f for f in flashes), flashes
    after = fetch(admin_app, Result, meet.result_id)
    assert (after.mark, after.revision) == (11380, before_result.revision + 1)
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        kept = session.scalars(select(ResultRevision).where(
            ResultRevision.result_id == meet.result_id)).all()
        assert [(k.revision, k.mark, k.changed_by, k.reason) for k in kept][-1] == (
            before_result.revision, before_result.mark, "t_registrar", "photo finish re-read")
        session.rollback()
    correction = _audit(admin_app, "Result", meet.result_id)[-1]
    assert correction.action == "correct"
    assert correction.changes["mark"] == {"before": before_result.mark, "after": 11380}


# -- row-level rules ---------------------------------------------------------------------------
def test_coach_edits_own_club_athlete_but_not_another_clubs(admin_app, meet, signed_in):
    client = signed_in(roles.COACH)
    own = fetch(admin_app, Athlete, meet.athlete_id)
    _, _, flashes = post_form(client, f"/athleteview/edit/{meet.athlete_id}", {
        "first_name": "Anna", "last_name": own.last_name, "sex": "F", "club": meet.club_id,
        "birth_date": "2001-05-17", "licence": own.licence,
    })
    assert fetch(admin_app, Athlete, meet.athlete_id).first_name == "Anna"
    assert client.get(f"/athleteview/edit/{meet.other_athlete_id}").status_code == 403
    rival = fetch(admin_app, Athlete, meet.other_athlete_id)
    token_page = f"/athleteview/edit/{meet.athlete_id}"
    _, _, flashes = post_form(client, token_page, {
        "first_name": "Hacked", "last_name": rival.last_name, "sex": "F",
        "club": meet.other_club_id,
    }, post_url=f"/athleteview/edit/{meet.other_athlete_id}")
    assert any("may manage only the athletes of their own club" in f for f in flashes), flashes
    assert fetch(admin_app, Athlete, meet.other_athlete_id).first_name == rival.first_name


def test_coach_cannot_register_an_athlete_for_another_club(admin_app, meet, signed_in):
    client = signed_in(roles.COACH)
    before = count_rows(admin_app, Athlete)
    _, _, flashes = post_form(client, "/athleteview/add", {
        "first_name": "Zoe", "last_name": f"Elsewhere{meet.tag}", "sex": "F",
        "club": meet.other_club_id,
    })
    assert any("own club" in f for f in flashes), flashes
    assert count_rows(admin_app, Athlete) == before


@pytest.mark.parametrize(("role_name", "sees_own", "sees_rival"), [
    (roles.ATHLETE, True, False),
    (roles.COACH, True, False),
    (roles.VIEWER, False, False),
    (roles.REGISTRAR, True, True),
])
def test_private_data_only_for_the_athlete_their_coach_and_staff(
        meet, signed_in, role_name, sees_own, sees_rival):
    client = signed_in(role_name)
    own = client.get(f"/athleteview/show/{meet.athlete_id}").get_data(as_text=True)
    rival = client.get(f"/athleteview/show/{meet.other_athlete_id}").get_data(as_text=True)
    assert ("2001-05-17" in own) is sees_own
    assert ("1999-01-02" in rival) is sees_rival
    assert ("(private)" in rival) is not sees_rival


# -- bulk actions ------------------------------------------------------------------------------
def test_scratch_leaves_the_start_list_and_is_audited(admin_app, meet, signed_in):
    client = signed_in(roles.REGISTRAR)
    _, _, flashes = post_form(client, "/entryview/list/", {
        "action": "scratch", "rowid": [meet.entry_id],
    }, post_url="/entryview/action_post")
    assert any("1 entries scratched" in f for f in flashes), flashes
    assert fetch(admin_app, Entry, meet.entry_id).status is EntryStatus.SCRATCHED
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        lanes = session.scalars(select(LaneAssignment).where(
            LaneAssignment.entry_id == meet.entry_id)).all()
        session.rollback()
    assert lanes == []
    assert _audit(admin_app, "Entry", meet.entry_id)[-1].action == "scratch"


def test_heat_is_started_finished_and_marked_official(admin_app, meet, signed_in):
    starter, registrar = signed_in(roles.STARTER), signed_in(roles.REGISTRAR)
    heat = meet.long_jump_heat_id

    def act(client, name):
        return post_form(client, "/heatview/list/", {"action": name, "rowid": [heat]},
                         post_url="/heatview/action_post")[2]

    assert any("1 heats marked official" not in f for f in act(registrar, "mark_official"))
    assert fetch(admin_app, Heat, heat).status is HeatStatus.SCHEDULED
    act(starter, "start_heat")
    started = fetch(admin_app, Heat, heat)
    assert started.status is HeatStatus.STARTED and started.gun_time is not None
    act(starter, "finish_heat")
    flashes = act(registrar, "mark_official")
    assert any("1 heats marked official" in f for f in flashes), flashes
    assert fetch(admin_app, Heat, heat).status is HeatStatus.OFFICIAL
    assert [r.action for r in _audit(admin_app, "Heat", heat)] == [
        "started", "finished", "official"]


def test_coach_registers_own_club_athlete_but_cannot_move_one_away(admin_app, meet, signed_in):
    client = signed_in(roles.COACH)
    _, _, flashes = post_form(client, "/athleteview/add", {
        "first_name": "Cleo", "last_name": f"Newcomer{meet.tag}", "sex": "F",
        "club": meet.club_id,
    })
    assert any("Added Row" in f for f in flashes), flashes
    own = fetch(admin_app, Athlete, meet.athlete_id)
    _, _, flashes = post_form(client, f"/athleteview/edit/{meet.athlete_id}", {
        "first_name": own.first_name, "last_name": own.last_name, "sex": "F",
        "club": meet.other_club_id, "licence": own.licence,
    })
    assert any("own club" in f for f in flashes), flashes
    assert fetch(admin_app, Athlete, meet.athlete_id).club_id == meet.club_id


def test_a_device_added_in_the_form_shows_its_token_once_and_can_be_revoked(
        admin_app, meet, signed_in):
    from athsys.timing.devices import hash_token
    from athsys.timing.models import TimingDevice

    client = signed_in(roles.CHIEF_REGISTRAR)
    _, _, flashes = post_form(client, "/timingdeviceview/add", {
        "competition": meet.competition_id, "name": f"Form mat {meet.tag}",
        "kind": "chip_decoder", "mat_role": "primary"})
    shown = [f for f in flashes if "shown once" in f]
    assert len(shown) == 1, flashes
    token = shown[0].rsplit(": ", 1)[1]
    with admin_app.app_context():
        session = admin_app.appbuilder.session
        device_id, token_hash, revoked_at = session.execute(
            select(TimingDevice.id, TimingDevice.token_hash, TimingDevice.revoked_at).where(
                TimingDevice.name == f"Form mat {meet.tag}")).one()
        session.rollback()
    assert token_hash == hash_token(token) and revoked_at is None
    _, _, flashes = post_form(client, "/timingdeviceview/list/", {
        "action": "revoke_device", "rowid": [device_id]}, post_url="/timingdeviceview/action_post")
    assert any("1 device tokens revoked" in f for f in flashes), flashes
    assert fetch(admin_app, TimingDevice, device_id).revoked_at is not None
