"""The admin's entries list and page show a relay team (an entry without an athlete)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from athsys.competitions.models import Entry, Event
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from tests.integration.admin.admin_support import Meet
from webui.security import roles

pytestmark = pytest.mark.integration


def _team(app: Flask, meet: Meet) -> int:
    with app.app_context():
        session = app.appbuilder.session  # type: ignore[attr-defined]
        event = Event(competition_id=meet.competition_id, discipline_code="4x400m",
                      name="4 × 400 m relay", sex=Sex.MALE, kind=discipline("4x400m").kind)
        session.add(event)
        session.flush()
        team = Entry(event_id=event.id, competition_id=meet.competition_id,
                     club_id=meet.club_id, team_name=f"Relay {meet.tag} A", bib=f"{meet.tag}R")
        session.add(team)
        session.commit()
        return team.id


def test_a_relay_team_in_the_entries_list_and_page(
        admin_app: Flask, signed_in: Callable[[str], FlaskClient], meet: Meet) -> None:
    team = _team(admin_app, meet)
    client = signed_in(roles.REGISTRAR)
    listed = client.get(f"/entryview/list/?_flt_0_bib={meet.tag}R")
    assert listed.status_code == 200
    assert f"Relay {meet.tag} A" in listed.get_data(as_text=True)
    shown = client.get(f"/entryview/show/{team}")
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert "Relay team" in page and f"Relay {meet.tag} A" in page
