"""The public JSON and exports: no login, cached, 404/400 in the envelope, start lists,
exports that keep DNS/DNF/DQ/NM, hit/miss counters, and a Redis outage served directly."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys import metrics
from athsys.competitions.models import Competition, CompetitionStatus
from athsys.leaderboards.cache import Cache, event_scope
from athsys.leaderboards.reads import competitions_around
from athsys.sport.ranking import ResultStatus
from tests.integration.leaderboards.leaderboards_support import Meet, redis_gone, store_result
from webui.api import public

pytestmark = pytest.mark.integration


def _counter(counter: object, cache: str) -> float:
    return counter.labels(cache)._value.get()  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", [
    "/api/public/competitions/999999", "/api/public/events/999999/leaderboard",
    "/api/public/heats/999999/results", "/api/public/rounds/999999/results",
    "/api/public/events/999999/results.csv",
])
def test_unknown_things_are_404_envelopes(client: FlaskClient, committed_db: Engine,
                                          redis_client: redis_lib.Redis, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    body = response.get_json()
    assert body["success"] is False and body["error"]["type"] == "not_found"


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=101", "per_page=0",
                                   "board=nonsense"])
def test_bad_pages_are_400_envelopes(client: FlaskClient, meet: Meet,
                                     redis_client: redis_lib.Redis, query: str) -> None:
    response = client.get(f"/api/public/events/{meet.road_event_id}/leaderboard?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["type"] == "validation_error"


def test_no_login_start_list_then_results_and_caching(
    client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    listing = client.get("/api/public/competitions")
    assert listing.status_code == 200
    assert meet.competition_id in [c["id"] for c in listing.get_json()["data"]]
    schedule = client.get(f"/api/public/competitions/{meet.competition_id}").get_json()["data"]
    assert {e["id"] for e in schedule["events"]} == {meet.road_event_id, meet.sprint_event_id}

    url = f"/api/public/heats/{meet.sprint_heat_id}/results"
    hits, misses = _counter(metrics.cache_hits_total, "api"), _counter(
        metrics.cache_misses_total, "api")
    first = client.get(url).get_json()["data"]
    assert first["kind"] == "start_list" and len(first["lines"]) == 4
    assert client.get(url).get_json()["data"] == first
    assert _counter(metrics.cache_misses_total, "api") == misses + 1
    assert _counter(metrics.cache_hits_total, "api") == hits + 1

    # a result stored and a refresh run: the cached start list is invalidated
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_010)
    from tasks.leaderboards import refresh_event_leaderboard

    refresh_event_leaderboard.run(meet.sprint_event_id)
    # the live page asks with the version it was told of: no local copy older than that
    # (this process may not have heard the invalidation yet)
    version = Cache(redis_client, {}).versions([event_scope(meet.sprint_event_id)])[0]
    after = client.get(f"{url}?v={version}").get_json()["data"]
    assert after["kind"] == "results" and after["lines"][0]["mark_text"] == "10.01"
    assert after["heat"]["official"] is False


def test_exports_keep_statuses(client: FlaskClient, meet: Meet, committed_db: Engine,
                               redis_client: redis_lib.Redis) -> None:
    e = meet.road_entries
    store_result(committed_db, meet.road_heat_id, e[0], 1_800_000)
    store_result(committed_db, meet.road_heat_id, e[1], None, ResultStatus.DNF)
    store_result(committed_db, meet.road_heat_id, e[2], None, ResultStatus.DNS)
    store_result(committed_db, meet.road_heat_id, e[3], None, ResultStatus.DQ)
    response = client.get(f"/api/public/events/{meet.road_event_id}/results.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["bib"], r["place"], r["mark"], r["status"]) for r in rows] == [
        ("101", "1", "30:00", "OK"), ("102", "", "DNF", "DNF"), ("104", "", "DQ", "DQ"),
        ("103", "", "DNS", "DNS")]
    semicolon = client.get(f"/api/public/competitions/{meet.competition_id}/results.txt")
    lines = semicolon.get_data(as_text=True).splitlines()
    assert lines[0].split(";")[:9] == ["1", "10 km road", "M", "SEN", "final", "1", "1", "101",
                                       "Road0"]
    assert [line.split(";")[14] for line in lines] == ["OK", "DNF", "DQ", "DNS"]
    sheet = client.get(f"/api/public/heats/{meet.sprint_heat_id}/startlist.csv")
    assert sheet.get_data(as_text=True).splitlines()[1].startswith("100 m,1,1,3,201,")
    printed = client.get(f"/live/{meet.competition_id}/print")
    assert printed.status_code == 200
    html = printed.get_data(as_text=True)
    assert "DNF" in html and "DNS" in html and "unofficial" in html


def test_teams_and_bad_points(client: FlaskClient, meet: Meet, committed_db: Engine,
                              redis_client: redis_lib.Redis) -> None:
    for i, entry_id in enumerate(meet.road_entries[:3]):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i)
    ok = client.get(f"/api/public/events/{meet.road_event_id}/teams?points=10,8,6&scorers=1")
    assert [(t["team"], t["points"]) for t in ok.get_json()["data"]["teams"]] == [
        ("HAR", "10"), ("STR", "8")]
    bad = client.get(f"/api/public/events/{meet.road_event_id}/teams?points=10,x")
    assert bad.status_code == 400


def test_cross_country_team_scores(client: FlaskClient, meet: Meet, committed_db: Engine,
                                   redis_client: redis_lib.Redis) -> None:
    """Clubs alternate HAR, STR, HAR...: five finish in bib order, the sixth does not start.
    Two score and one displaces: HAR 1 + 3 = 4 (its third, 5, displaces), STR 2 + 4 = 6."""
    for i, entry_id in enumerate(meet.road_entries[:5]):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i * 1000)
    url = f"/api/public/events/{meet.road_event_id}/teams"
    data = client.get(url, query_string={"scoring": "cross-country", "scorers": "2",
                                         "displacers": "1"}).get_json()["data"]
    assert [(t["team"], t["place"], t["points"]) for t in data["teams"]] == [
        ("HAR", 1, 4), ("STR", 2, 6)]
    assert [m["team_place"] for m in data["teams"][0]["members"]] == [1, 3, 5]
    three = client.get(url, query_string={"scoring": "cross-country", "scorers": "3"})
    assert [(t["team"], t["complete"]) for t in three.get_json()["data"]["teams"]] == [
        ("HAR", True), ("STR", False)]  # STR has two finishers: not a team for 3 scorers
    bad = client.get(url, query_string={"scoring": "cross-country", "scorers": "0"})
    assert bad.status_code == 400 and "scorers" in bad.get_json()["error"]["message"]


def test_redis_outage_degrades_to_direct_computation(
    app: Flask, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    """Point the cache, the board store and the live stream at a closed port."""
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000)
    misses = _counter(metrics.cache_misses_total, "leaderboard")
    with redis_gone(app):
        client = app.test_client()
        board = client.get(f"/api/public/events/{meet.road_event_id}/leaderboard")
        assert board.status_code == 200
        data = board.get_json()["data"]
        assert data["source"] == "database" and data["lines"][0]["bib"] == "101"
        assert _counter(metrics.cache_misses_total, "leaderboard") == misses + 1
        page = client.get(f"/live/{meet.competition_id}")
        assert page.status_code == 200 and "City 10K" in page.get_data(as_text=True)
        stream = client.get(f"/live/{meet.competition_id}/stream")
        assert b"event: fallback" in stream.get_data()
        assert client.get(f"/api/public/competitions/{meet.competition_id}/live").status_code == 200


def test_live_pages_need_no_login(client: FlaskClient, meet: Meet,
                                  redis_client: redis_lib.Redis) -> None:
    index = client.get("/live/")
    assert index.status_code == 200 and "City 10K" in index.get_data(as_text=True)
    page = client.get(f"/live/{meet.competition_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "100 m" in html and "live.js" in html
    assert "http://" not in html and "https://" not in html  # no CDN
    css = client.get("/live/static/live.css")
    assert css.status_code == 200 and b"@media print" in css.get_data()
    css.close()
    assert client.get("/live").status_code == 200  # the liveness probe is still there
    assert client.get("/live/999999").status_code == 404


def test_a_draft_competition_is_invisible_to_the_public(
        client: FlaskClient, meet: Meet, committed_db: Engine,
        redis_client: redis_lib.Redis) -> None:
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000)
    round_id = client.get(f"/api/public/heats/{meet.road_heat_id}/results").json["data"]["heat"][
        "round_id"]
    urls = [
        f"/api/public/competitions/{meet.competition_id}",
        f"/api/public/competitions/{meet.competition_id}/live",
        f"/api/public/competitions/{meet.competition_id}/results.csv",
        f"/api/public/competitions/{meet.competition_id}/results.txt",
        f"/api/public/events/{meet.road_event_id}/leaderboard",
        f"/api/public/events/{meet.road_event_id}/teams",
        f"/api/public/events/{meet.road_event_id}/results.csv",
        f"/api/public/heats/{meet.road_heat_id}/results",
        f"/api/public/heats/{meet.sprint_heat_id}/startlist.csv",
        f"/api/public/rounds/{round_id}/results",
        f"/live/{meet.competition_id}", f"/live/{meet.competition_id}/print",
        f"/live/heats/{meet.road_heat_id}/sheet",
    ]
    today = datetime.now(UTC).date()
    with Session(committed_db) as session:
        assert meet.competition_id in [c["id"] for c in competitions_around(session, today)]
    for url in urls:  # published: every answer is there (and cached)
        assert client.get(url).status_code == 200, url
    with committed_db.begin() as conn:
        conn.execute(text("UPDATE competition SET status = 'draft' WHERE id = :id"),
                     {"id": meet.competition_id})
    time.sleep(public.PUBLISHED_RECHECK_S + 0.1)
    for url in [*urls, f"/live/{meet.competition_id}/stream"]:  # cached or not: not there
        response = client.get(url)
        assert response.status_code == 404, url
        assert "City 10K" not in response.get_data(as_text=True)
    with Session(committed_db) as session:
        assert meet.competition_id not in [c["id"] for c in competitions_around(session, today)]


def test_the_list_of_competitions_follows_what_is_published(
        client: FlaskClient, committed_db: Engine, redis_client: redis_lib.Redis) -> None:
    """The list is cached (its TTL is minutes), yet a meet published or taken back to draft
    shows in the very next answer: committing a competition invalidates the list."""
    def listed() -> list[int]:
        return [c["id"] for c in client.get("/api/public/competitions").get_json()["data"]]

    before = listed()  # cached now
    today = datetime.now(UTC).date()
    with Session(committed_db) as session, session.begin():
        competition = Competition(name="Evening Open", venue="Track", start_date=today,
                                  end_date=today, status=CompetitionStatus.LIVE)
        session.add(competition)
        session.flush()
        competition_id = competition.id
    assert listed() == [competition_id, *before]
    assert "Evening Open" in client.get("/live/").get_data(as_text=True)
    with Session(committed_db) as session, session.begin():
        session.get(Competition, competition_id).status = CompetitionStatus.DRAFT
    assert competition_id not in listed()
    assert "Evening Open" not in client.get("/live/").get_data(as_text=True)


def test_probing_ids_cannot_grow_the_process_memos(
        app: Flask, client: FlaskClient, meet: Meet, monkeypatch: pytest.MonkeyPatch,
        redis_client: redis_lib.Redis) -> None:
    """A crowd (or a scraper) asking for every competition id gets 404s; the process
    remembers at most ``MEMO_LIMIT`` of them and still answers the real meet."""
    monkeypatch.setattr(public, "MEMO_LIMIT", 5)
    unknown = range(meet.competition_id + 10_000, meet.competition_id + 10_040)
    for competition_id in unknown:
        url = f"/api/public/competitions/{competition_id}"
        assert client.get(url).status_code == 404
    assert len(app.extensions["athsys_public_published"]) <= 5
    schedule = client.get(f"/api/public/competitions/{meet.competition_id}")
    assert schedule.status_code == 200
