"""Helpers of the admin tests: users per role, the meet's ids, signing in with CSRF."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from webui.security import roles

PASSWORD = "admin-test-password"
USERNAMES = {
    roles.ADMIN: "t_admin",
    roles.CHIEF_REGISTRAR: "t_chief",
    roles.REGISTRAR: "t_registrar",
    roles.STARTER: "t_starter",
    roles.COACH: "t_coach",
    roles.ATHLETE: "t_athlete",
    roles.VIEWER: "t_viewer",
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Meet:
    """Ids of a small committed meet: two clubs, a 100 m with a heat, a long jump, a high jump."""

    tag: str
    club_id: int  # the coach's club
    other_club_id: int
    athlete_id: int  # of the coach's club; the athlete account's athlete
    other_athlete_id: int
    competition_id: int
    sprint_event_id: int
    long_jump_event_id: int
    high_jump_event_id: int
    road_event_id: int
    sprint_heat_id: int
    long_jump_heat_id: int
    entry_id: int  # athlete in the 100 m, bib tag+1, lane 4 of the heat
    other_entry_id: int  # other athlete in the 100 m, no lane
    result_id: int  # athlete's 100 m result


def csrf_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, f"no csrf_token in {url} ({page.status_code})"
    return found.group(1)


def login(client: FlaskClient, username: str) -> None:
    token = csrf_token(client, "/login/")
    response = client.post("/login/", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert "/login" not in response.headers["Location"]


def count_rows(app: Flask, model: type) -> int:
    with app.app_context():
        session = app.appbuilder.session  # type: ignore[attr-defined]
        total = session.scalar(select(func.count()).select_from(model))
        session.rollback()
        return int(total or 0)



# Flask-AppBuilder 5.3's QuerySelectField and EnumField still hand WTForms 3.3 tuples.
FAB_WTFORMS_WARNINGS = [
    pytest.mark.filterwarnings("ignore:Yielding raw tuples from iter_choices:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Passing SelectField choices as tuples:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:'DateTimeField' renders:DeprecationWarning"),
]


def post_form(client: FlaskClient, form_url: str, data: dict[str, object],
              post_url: str | None = None) -> tuple[int, str, list[str]]:
    """Fetch the form for its CSRF token, post it; the status, page text and flash messages."""
    token = csrf_token(client, form_url)
    response = client.post(post_url or form_url, data={**data, "csrf_token": token})
    with client.session_transaction() as session:
        flashes = [str(message) for _, message in session.pop("_flashes", [])]
    return response.status_code, response.get_data(as_text=True), flashes


def fetch(app: Flask, model: type, pk: object) -> object:
    """A fresh copy of a row, as committed."""
    with app.app_context():
        session = app.appbuilder.session  # type: ignore[attr-defined]
        session.expire_all()
        row = session.get(model, pk)
        session.expunge_all()
        return row
