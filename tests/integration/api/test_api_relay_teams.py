"""``/api/relay_teams``: a registrar or a coach enters a club's team in a relay and declares
its legs; every refusal is one envelope naming the problem, with nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.athletes.models import Club
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Entry, Event, RelayLeg
from athsys.sport.sex import Sex
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration


@pytest.fixture()
def relay(committed_db: Engine) -> dict[str, object]:
    """A women's 4 x 400 m; Tigers AC with six women and a man, Lions AC with one woman."""
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        tigers, lions = Club(name="Tigers AC", code="TIG"), Club(name="Lions AC", code="LIO")
        session.add_all([tigers, lions])
        session.flush()
        competition = build.competition("Relay Open", day=date(2026, 6, 6))
        event = build.event(competition, "4x400m", sex=Sex.FEMALE)
        women = build.athletes([Runner(f"Runner{i}", f"Tiger{i}", Sex.FEMALE, tigers.id)
                                for i in range(1, 7)])
        man = build.athletes([Runner("Max", "Tiger", Sex.MALE, tigers.id)])[0]
        lion = build.athletes([Runner("Lia", "Lion", Sex.FEMALE, lions.id)])[0]
        return {"event": event.id, "tigers": tigers.id, "lions": lions.id, "women": women,
                "man": man, "lion": lion}


def _user(role: str, club_id: int | None = None) -> dict[str, str]:
    user = TestDataFactory.create_user(role=role, club_id=club_id)
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def _leg_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(RelayLeg)) or 0


def test_enter_a_team_and_declare_then_reorder_its_legs(
    api: FlaskClient, relay: dict, committed_db: Engine
) -> None:
    registrar = _user("Registrar")
    created = api.post("/api/relay_teams", headers=registrar, json={
        "event_id": relay["event"], "club_id": relay["tigers"], "bib": "T1",
        "seed_mark": "3:31.50"})
    assert created.status_code == 201, created.get_json()
    team = created.get_json()["data"]
    assert (team["team_name"], team["club"], team["seed_mark"]) == (
        "Tigers AC A", "Tigers AC", 211_500)
    women = relay["women"]
    legs = [{"athlete_id": a, "leg": n} for n, a in enumerate(women[:4], start=1)]
    legs += [{"athlete_id": women[4], "leg": None}]
    answer = api.put(f"/api/relay_teams/{team['id']}/legs", headers=registrar,
                     json={"legs": legs})
    assert answer.status_code == 200, answer.get_json()
    shown = answer.get_json()["data"]["legs"]
    assert [(leg["leg"], leg["name"]) for leg in shown] == [
        (1, "Runner1 Tiger1"), (2, "Runner2 Tiger2"), (3, "Runner3 Tiger3"),
        (4, "Runner4 Tiger4"), (None, "Runner5 Tiger5")]
    reordered = [{"athlete_id": a, "leg": n} for n, a in enumerate(women[3::-1], start=1)]
    again = api.put(f"/api/relay_teams/{team['id']}/legs", headers=registrar,
                    json={"legs": reordered})
    assert [leg["name"] for leg in again.get_json()["data"]["legs"]] == [
        "Runner4 Tiger4", "Runner3 Tiger3", "Runner2 Tiger2", "Runner1 Tiger1"]
    listed = api.get("/api/relay_teams", headers=registrar,
                     query_string={"event_id": relay["event"]}).get_json()
    assert [t["team_name"] for t in listed["data"]] == ["Tigers AC A"]
    # the team is an entry too: its bib changes through /api/registrations
    bib = api.put(f"/api/registrations/{team['id']}", headers=registrar, json={"bib": "T9"})
    assert bib.status_code == 200, bib.get_json()
    assert bib.get_json()["data"]["team_name"] == "Tigers AC A"
    assert _leg_rows(committed_db) == 4


def test_a_leg_of_another_club_or_sex_is_refused_naming_them(
    api: FlaskClient, relay: dict, committed_db: Engine
) -> None:
    registrar = _user("Registrar")
    team = api.post("/api/relay_teams", headers=registrar, json={
        "event_id": relay["event"], "club_id": relay["tigers"], "bib": "T1"}).get_json()["data"]
    women = relay["women"]
    legs = [{"athlete_id": women[0], "leg": 1}, {"athlete_id": relay["lion"], "leg": 2},
            {"athlete_id": relay["man"], "leg": 3}, {"athlete_id": women[1], "leg": 4}]
    refused = api.put(f"/api/relay_teams/{team['id']}/legs", headers=registrar,
                      json={"legs": legs})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["message"] == ("Tigers AC A: Lia Lion is not a member of Tigers AC (Lions AC); "
                                "the event is for women: Max Tiger may not run in it")
    assert set(error["details"]) == {"club", "sex"}
    bad = api.put(f"/api/relay_teams/{team['id']}/legs", headers=registrar,
                  json={"legs": [{"athlete_id": 999_999, "leg": 1}, {"leg": 11}]})
    assert bad.status_code == 400
    assert _leg_rows(committed_db) == 0


def test_a_coach_manages_only_their_clubs_teams(api: FlaskClient, relay: dict) -> None:
    coach = _user("Coach", club_id=relay["lions"])
    refused = api.post("/api/relay_teams", headers=coach, json={
        "event_id": relay["event"], "club_id": relay["tigers"], "bib": "T1"})
    assert refused.status_code == 403
    own = api.post("/api/relay_teams", headers=coach, json={
        "event_id": relay["event"], "club_id": relay["lions"], "bib": "L1"})
    assert own.status_code == 201
    viewer = _user("Viewer")
    assert api.post("/api/relay_teams", headers=viewer, json={
        "event_id": relay["event"], "club_id": relay["lions"], "bib": "L2"}).status_code == 403


def test_an_athletes_entry_is_not_a_team(api: FlaskClient, relay: dict) -> None:
    registrar = _user("Registrar")
    assert api.get("/api/relay_teams/999999", headers=registrar).status_code == 404
    unknown = api.post("/api/relay_teams", headers=registrar, json={
        "event_id": relay["event"], "club_id": 999_999, "bib": "X"})
    assert unknown.status_code == 400
    assert "club_id" in unknown.get_json()["error"]["details"]


def _teams(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Entry)
                              .where(Entry.team_name.is_not(None))) or 0


def test_a_team_missing_the_entry_standard_is_refused_unless_a_registrar_waives_it(
    api: FlaskClient, relay: dict, committed_db: Engine
) -> None:
    with Session(committed_db) as session, session.begin():
        event = session.get(Event, relay["event"])
        assert event is not None
        event.entry_standard = 220_000  # 3:40.00
    registrar = _user("Registrar")
    team = {"event_id": relay["event"], "club_id": relay["tigers"], "bib": "T1"}
    slow = api.post("/api/relay_teams", headers=registrar, json={**team, "seed_mark": "3:45.00"})
    assert slow.status_code == 400
    assert slow.get_json()["error"]["message"] == (
        "seed_mark: the seed mark 3:45.00 misses the entry standard 3:40.00 of 4 × 400 m relay; "
        "a registrar may enter the team anyway, giving the reason as standard_waiver")
    unseeded = api.post("/api/relay_teams", headers=registrar, json=team)
    assert unseeded.status_code == 400
    assert "no seed mark to check against the entry standard 3:40.00" in (
        unseeded.get_json()["error"]["message"])
    coach = _user("Coach", club_id=relay["tigers"])
    waived_by_coach = api.post("/api/relay_teams", headers=coach, json={
        **team, "seed_mark": "3:45.00", "standard_waiver": "county champions"})
    assert waived_by_coach.status_code == 403
    assert _teams(committed_db) == 0

    fast = api.post("/api/relay_teams", headers=coach, json={**team, "seed_mark": "3:39.99"})
    assert fast.status_code == 201, fast.get_json()
    assert fast.get_json()["data"]["standard_waiver"] is None
    waived = api.post("/api/relay_teams", headers=registrar, json={
        **team, "bib": "T2", "seed_mark": "3:45.00", "standard_waiver": " county champions "})
    assert waived.status_code == 201, waived.get_json()
    assert waived.get_json()["data"]["standard_waiver"] == "county champions"
    assert _teams(committed_db) == 2
