"""Finding and following an athlete: bib and name search (bounded, 400 for bad input, drafts
invisible) and the tracking answer and page (every split, the predicted finish from the pace
so far, the result once stored)."""

from __future__ import annotations

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from sqlalchemy import text, update
from sqlalchemy.engine import Engine

from athsys.competitions.models import Competition, CompetitionStatus
from athsys.leaderboards.athletes import MAX_HITS, predicted_finish_ms
from tests.integration.leaderboards.leaderboards_support import (
    Meet,
    add_splits,
    store_result,
)

pytestmark = pytest.mark.integration


def test_the_prediction_holds_the_pace_so_far() -> None:
    assert predicted_finish_ms(5000, 900_000, 10000) == 1_800_000
    assert predicted_finish_ms(3000, 600_001, 10000) == 2_000_004  # rounded up, integers
    with pytest.raises(ValueError):
        predicted_finish_ms(0, 1, 10000)


def test_search_by_bib_and_by_name(client: FlaskClient, meet: Meet,
                                   redis_client: redis_lib.Redis) -> None:
    base = f"/api/public/competitions/{meet.competition_id}/search"
    by_bib = client.get(f"{base}?q=103").get_json()["data"]
    assert [hit["bib"] for hit in by_bib] == ["103"]
    assert by_bib[0]["name"] == "Runner2 Road2" and by_bib[0]["event"] == "10 km road"
    assert {hit["bib"] for hit in client.get(f"{base}?q=10").get_json()["data"]} == {
        str(101 + i) for i in range(6)}
    by_name = client.get(f"{base}?q=road4%20runner").get_json()["data"]
    assert [(hit["bib"], hit["entry_id"]) for hit in by_name] == [("105", meet.road_entries[4])]
    assert client.get(f"{base}?q=fast").get_json()["data"][0]["event"] == "100 m"
    assert client.get(f"{base}?q=%25").get_json()["data"] == []  # a wildcard is a character
    for bad in ("", "%20%20", "x" * 41):
        response = client.get(f"{base}?q={bad}")
        assert response.status_code == 400
        assert response.get_json()["error"]["type"] == "validation_error"


def test_search_is_bounded(client: FlaskClient, meet: Meet, committed_db: Engine,
                           redis_client: redis_lib.Redis) -> None:
    with committed_db.begin() as db:
        for n in range(MAX_HITS):
            athlete = db.execute(text(
                "INSERT INTO athlete (first_name, last_name, sex, created_at, updated_at) "
                "VALUES (:f, 'Roadie', 'M', now(), now()) RETURNING id"),
                {"f": f"Extra{n}"}).scalar_one()
            db.execute(text(
                "INSERT INTO entry (event_id, competition_id, athlete_id, bib, created_at, "
                "updated_at) VALUES (:e, :c, :a, :b, now(), now())"),
                {"e": meet.road_event_id, "c": meet.competition_id, "a": athlete,
                 "b": str(900 + n)})
    hits = client.get(f"/api/public/competitions/{meet.competition_id}/search?q=road")
    assert len(hits.get_json()["data"]) == MAX_HITS


def test_a_draft_competition_cannot_be_searched_or_tracked(
    client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    with committed_db.begin() as db:
        db.execute(update(Competition).where(Competition.id == meet.competition_id)
                   .values(status=CompetitionStatus.DRAFT))
    entry = meet.road_entries[0]
    for path in (f"/api/public/competitions/{meet.competition_id}/search?q=101",
                 f"/api/public/competitions/{meet.competition_id}/entries/{entry}/tracking",
                 f"/live/{meet.competition_id}/athletes/{entry}"):
        assert client.get(path).status_code == 404, path


def test_tracking_shows_every_split_and_predicts_the_finish(
    client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    running, finished = meet.road_entries[0], meet.road_entries[1]
    add_splits(committed_db, meet, running, {5000: 900_000})
    add_splits(committed_db, meet, finished, {5000: 850_000, 10000: 1_750_400})
    store_result(committed_db, meet.road_heat_id, finished, 1_750_400)
    base = f"/api/public/competitions/{meet.competition_id}/entries"
    data = client.get(f"{base}/{running}/tracking").get_json()["data"]
    assert data["bib"] == "101" and data["name"] == "Runner0 Road0"
    assert data["splits"] == [{"point": "5K", "distance_m": 5000, "finish": False,
                               "gun_time": "15:04", "net_time": "15:00",
                               "pace_per_km": "3:00"}]
    assert data["predicted_finish"] == "30:00" and data["result"] is None
    done = client.get(f"{base}/{finished}/tracking").get_json()["data"]
    assert [s["point"] for s in done["splits"]] == ["5K", "Finish"]
    assert done["result"]["mark"] == "29:11" and done["predicted_finish"] is None
    assert client.get(f"{base}/{meet.sprint_entries[0] + 100000}/tracking").status_code == 404

    page = client.get(f"/live/{meet.competition_id}/athletes/{running}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Runner0 Road0" in html and "tracking.js" in html
