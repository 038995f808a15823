"""Team standings end to end: the meet director stores a scheme through the API (a scheme
that cannot be applied is refused and nothing is written), results finish, the leaderboard
worker's task computes the standings and the public API serves them as JSON and CSV."""

from __future__ import annotations

import csv
import io

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition
from athsys.leaderboards import team_standings
from tests.integration.api.helpers import TestDataFactory, bearer
from tests.integration.leaderboards.leaderboards_support import Meet, store_result
from webui.security.sync import sync_roles

pytestmark = pytest.mark.integration


@pytest.fixture()
def director(app: Flask) -> dict[str, str]:
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    TestDataFactory.bind(app)
    user = TestDataFactory.create_user(role="Admin")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def _stored(engine: Engine, competition_id: int) -> tuple[str, object]:
    with Session(engine) as session:
        competition = session.get(Competition, competition_id)
        assert competition is not None
        return competition.name, competition.team_scheme


@pytest.mark.parametrize(("scheme", "named"), [
    ({"points": [1, 3, 5]}, "must not rise"),
    ({"preset": "olympic"}, "unknown preset"),
    ({"preset": "cross-country", "scorers": 0}, "scorers"),
    ({"preset": "dual", "displacers": 2}, "displacers"),
])
def test_a_scheme_that_cannot_be_applied_is_refused_and_nothing_written(
        client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis,
        director: dict[str, str], scheme: dict[str, object], named: str) -> None:
    before = _stored(committed_db, meet.competition_id)
    response = client.put(f"/api/competitions/{meet.competition_id}", headers=director,
                          json={"name": "Renamed 10K", "team_scheme": scheme})
    assert response.status_code == 400, response.get_data(as_text=True)
    body = response.get_json()
    assert body["success"] is False and named in str(body["error"])
    assert _stored(committed_db, meet.competition_id) == before


def test_stored_scheme_scores_the_competition_through_the_worker(
        client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis,
        director: dict[str, str]) -> None:
    from tasks.leaderboards import refresh_event_leaderboard  # after the servers are up

    saved = client.put(f"/api/competitions/{meet.competition_id}", headers=director,
                       json={"team_scheme": {"preset": "dual"}})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json()["data"]["team_scheme"] == {
        "scoring": "points", "points": [5, 3, 1], "scorers": None, "relays": True}
    # road: HAR, STR, HAR, STR finish in bib order (HAR 5 + 1, STR 3); sprint: one HAR (5)
    for i, entry_id in enumerate(meet.road_entries[:4]):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i * 1000)
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_010)
    refresh_event_leaderboard.run(meet.road_event_id)
    refresh_event_leaderboard.run(meet.sprint_event_id)
    assert team_standings.stored(redis_client, meet.competition_id) is not None

    data = client.get(f"/api/public/competitions/{meet.competition_id}/teams").get_json()["data"]
    assert [(t["team"], t["place"], t["points"]) for t in data["teams"]] == [
        ("HAR", 1, "11"), ("STR", 2, "3")]
    assert {e["event_id"] for e in data["events"]} == {meet.road_event_id, meet.sprint_event_id}

    sheet = client.get(f"/api/public/competitions/{meet.competition_id}/teams.csv")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(sheet.get_data(as_text=True))))
    assert [(r["event"], r["place"], r["team"], r["points"]) for r in rows[:2]] == [
        ("All", "1", "HAR", "11"), ("All", "2", "STR", "3")]

    printed = client.get(f"/api/public/competitions/{meet.competition_id}/teams.pdf")
    assert printed.status_code == 200 and printed.data.startswith(b"%PDF-")
    text = " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(printed.data)).pages)
    assert "Team standings" in text and "1 HAR 11 2" in text and "2 STR 3 1" in text
    assert "points 5-3-1 per place" in text and "10 km road — team scores" in text

    # cross-country, 2 score and 1 displaces: HAR 1 + 3 = 4, STR 2 + 4 = 6 on the road;
    # the sprint has one finisher: no complete team there, so no team is ranked over both
    changed = client.put(f"/api/competitions/{meet.competition_id}", headers=director,
                         json={"team_scheme": {"preset": "cross-country", "scorers": 2,
                                               "displacers": 1}})
    assert changed.status_code == 200
    refresh_event_leaderboard.run(meet.road_event_id)
    data = client.get(f"/api/public/competitions/{meet.competition_id}/teams").get_json()["data"]
    road = next(e for e in data["events"] if e["event_id"] == meet.road_event_id)
    assert [(t["team"], t["place"], t["points"]) for t in road["teams"]] == [
        ("HAR", 1, 4), ("STR", 2, 6)]
    assert [t["place"] for t in data["teams"]] == [None, None]


def test_a_refresh_computes_its_own_event_again_and_sums_the_others_kept(
        meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis) -> None:
    with Session(committed_db) as session, session.begin():
        competition = session.get(Competition, meet.competition_id)
        assert competition is not None
        competition.team_scheme = {"preset": "dual"}
    # road: HAR, STR, HAR, STR in bib order (HAR 5 + 1, STR 3); sprint: one HAR (5)
    for i, entry_id in enumerate(meet.road_entries[:4]):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i * 1000)
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_010)

    def refreshed(event_id: int) -> team_standings.Update:
        with Session(committed_db) as session:
            return team_standings.update(session, redis_client, meet.competition_id,
                                         [event_id])

    first = refreshed(meet.road_event_id)  # nothing kept yet: every event computed
    assert set(first.computed) == {meet.road_event_id, meet.sprint_event_id}
    assert [(t["team"], t["points"]) for t in first.standings["teams"]] == [
        ("HAR", "11"), ("STR", "3")]
    assert refreshed(meet.sprint_event_id).computed == (meet.sprint_event_id,)

    # the road's winner corrected to last: STR, HAR, STR, HAR (STR 5 + 1, HAR 3 + 5)
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_900_000)
    after = refreshed(meet.road_event_id)
    assert after.computed == (meet.road_event_id,)
    assert [(t["team"], t["place"], t["points"]) for t in after.standings["teams"]] == [
        ("HAR", 1, "8"), ("STR", 2, "6")]
    with Session(committed_db) as session:
        assert after.standings == team_standings.compute(session, meet.competition_id)
    assert team_standings.stored(redis_client, meet.competition_id) == after.standings

    # a new scheme: every kept part was computed under the old one, so all are computed again
    with Session(committed_db) as session, session.begin():
        competition = session.get(Competition, meet.competition_id)
        assert competition is not None
        competition.team_scheme = {"preset": "dual", "relays": False}
    assert set(refreshed(meet.sprint_event_id).computed) == {
        meet.road_event_id, meet.sprint_event_id}
