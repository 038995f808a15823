"""The scoreboard feed of a heat: ``/api/public/heats/<id>/board`` (JSON) and
``/live/heats/<id>/board/stream`` (server-sent events), on the real PostgreSQL and Redis,
with the leaderboard task's announcements run as the worker runs them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Club
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Competition, CompetitionStatus, Entry, Heat, HeatStatus
from athsys.jobs import take_pending
from athsys.leaderboards.cache import Cache, event_scope
from athsys.officiating import service as officiating
from athsys.results.field_service import record_field_attempt
from athsys.sport.sex import Sex
from tests.integration.leaderboards.leaderboards_support import Meet, redis_gone, store_result

pytestmark = pytest.mark.integration


def refresh(event_id: int) -> None:
    """What the worker runs after a change (imported late: the Celery app reads its settings
    from the environment the fixtures make)."""
    from tasks.leaderboards import refresh_event_leaderboard

    refresh_event_leaderboard.run(event_id)


def _board(client: FlaskClient, heat_id: int) -> dict:
    response = client.get(f"/api/public/heats/{heat_id}/board")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def _start(engine: Engine, heat_id: int, at: datetime) -> None:
    with Session(engine) as session, session.begin():
        officiating.start_heats(session, SYSTEM, [session.get(Heat, heat_id)], at)
        session.flush()
        take_pending(session)  # the test runs the refresh itself


def test_a_race_board_follows_the_gun_and_the_results(
    client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    refresh(meet.sprint_event_id)  # the event's first (full) build
    before = _board(client, meet.sprint_heat_id)
    assert before["kind"] == "race" and before["status"] == "scheduled"
    assert before["clock_running"] is False and before["gun_time"] is None
    assert [lane["lane"] for lane in before["lanes"]] == [3, 4, 5, 6]
    assert before["lanes"][0]["name"] == "Sprinter1 Fast1" and before["results"] == []
    assert (before["lanes_total"], before["results_total"]) == (4, 0)
    assert _board(client, meet.sprint_heat_id) == before  # cached, same version

    # the gun moves no board line: the event's version stays, the board still changes
    version = Cache(redis_client, {}).versions([event_scope(meet.sprint_event_id)])[0]
    gun = datetime(2026, 8, 1, 19, 30, 0, 120_000, tzinfo=UTC)
    _start(committed_db, meet.sprint_heat_id, gun)
    refresh(meet.sprint_event_id)
    assert Cache(redis_client, {}).versions([event_scope(meet.sprint_event_id)])[0] == version
    started = _board(client, meet.sprint_heat_id)
    assert started["status"] == "started" and started["clock_running"] is True
    assert datetime.fromisoformat(started["gun_time"]) == gun
    assert started["version"] != before["version"]

    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[1], 10_001)
    refresh(meet.sprint_event_id)
    after = _board(client, meet.sprint_heat_id)
    assert [(r["place"], r["lane"], r["bib"], r["mark"]) for r in after["results"]] == [
        (1, 4, "202", "10.01")]  # read to 1/1000, shown rounded up to 1/100
    assert (after["lanes_total"], after["results_total"]) == (4, 1)


def _high_jump(engine: Engine) -> tuple[int, int, list[int]]:
    """A published high jump final with three jumpers: competition, heat and entry ids."""
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        club = Club(name="Jumpers", code="JMP")
        session.add(club)
        competition = build.competition("Jump night", day=datetime.now(UTC).date(),
                                         time_zone="Europe/Paris")
        event = build.event(competition, "HJ", sex=Sex.FEMALE)
        heat = build.race(event, status=HeatStatus.STARTED)
        entries = build.enter(heat, build.athletes([
            Runner(f"Jumper{i}", f"High{i}", Sex.FEMALE, club_id=club.id) for i in range(3)
        ]), ["31", "32", "33"])
        session.flush()
        take_pending(session)
        return competition.id, heat.id, entries


def _attempt(engine: Engine, heat_id: int, entry_id: int, outcome: str, height_mm: int) -> None:
    with Session(engine) as session, session.begin():
        record_field_attempt(session, SYSTEM, session.get(Heat, heat_id),
                             session.get(Entry, entry_id), outcome=outcome, height_mm=height_mm)
        session.flush()
        take_pending(session)


def test_a_field_board_shows_the_standing_after_each_attempt(
    client: FlaskClient, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    _, heat_id, entries = _high_jump(committed_db)
    event_id = _event_of(committed_db, heat_id)
    refresh(event_id)
    first = _board(client, heat_id)
    assert first["kind"] == "field" and first["vertical"] is True and first["bar"] is None
    assert first["up"]["bib"] == "31"
    _attempt(committed_db, heat_id, entries[0], "o", 1800)
    _attempt(committed_db, heat_id, entries[1], "x", 1800)
    refresh(event_id)
    state = _board(client, heat_id)
    assert state["bar"] == "1.80" and state["attempts"] == 2
    assert [(line["place"], line["bib"], line["best"]) for line in state["standings"]][0] == (
        1, "31", "1.80")
    assert state["up"] == {"bib": "33", "name": "Jumper2 High2", "attempt": 1}
    # a failure that moves nobody: still a new board
    _attempt(committed_db, heat_id, entries[2], "x", 1800)
    refresh(event_id)
    again = _board(client, heat_id)
    assert again["attempts"] == 3 and again["version"] != state["version"]
    assert again["up"]["bib"] == "32" and again["up"]["attempt"] == 2


def _event_of(engine: Engine, heat_id: int) -> int:
    with Session(engine) as session:
        return session.get(Heat, heat_id).round.event_id


def _events(chunks: Iterator[bytes]) -> Iterator[tuple[str, dict]]:
    """(event, data) of a server-sent events body, as the chunks come."""
    buffer = ""
    for chunk in chunks:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields = dict(line.split(": ", 1) for line in block.splitlines()
                          if ": " in line and not line.startswith(":"))
            if "event" in fields:
                yield fields["event"], json.loads(fields["data"])


def test_the_stream_pushes_the_board_when_a_result_arrives(
    app: Flask, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import webui.live as live

    monkeypatch.setattr(live, "STREAM_SECONDS", 6)
    refresh(meet.sprint_event_id)
    client = app.test_client()
    response = client.get(f"/live/heats/{meet.sprint_heat_id}/board/stream", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    events = _events(iter(response.response))
    kind, clock = next(events)
    assert kind == "clock" and datetime.fromisoformat(clock["now"]).tzinfo is not None
    kind, first = next(events)
    assert kind == "board" and first["results"] == []

    # another road event's announcement is not this heat's: nothing is sent for it
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000)
    refresh(meet.road_event_id)
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_010)
    refresh(meet.sprint_event_id)
    kind, pushed = next(events)
    assert kind == "board" and pushed["results"][0]["mark"] == "10.01"
    assert pushed["version"] != first["version"]
    assert [kind for kind, _ in events] == []  # nothing else until the stream ends
    response.close()


def test_a_busy_process_turns_the_board_stream_to_polling(
    app: Flask, meet: Meet, redis_client: redis_lib.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webui.live as live

    full = threading.BoundedSemaphore(1)
    full.acquire()
    monkeypatch.setattr(live, "_streams", full)
    body = app.test_client().get(f"/live/heats/{meet.sprint_heat_id}/board/stream").get_data()
    assert body.startswith(b"event: fallback") and b'"busy"' in body


def test_the_board_page_is_public_full_screen_and_scripted_from_a_module(
    client: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    page = client.get(f"/live/heats/{meet.sprint_heat_id}/board")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<script type="module" src="/live/static/board.js">' in html
    assert "<script>" not in html and "nonce" not in html  # no inline script at all
    assert f'data-stream="/live/heats/{meet.sprint_heat_id}/board/stream"' in html
    schedule = client.get(f"/live/{meet.competition_id}").get_data(as_text=True)
    assert f'href="/live/heats/{meet.sprint_heat_id}/board"' in schedule  # linked per heat
    script = client.get("/live/static/board.js")
    assert script.status_code == 200 and b"EventSource" in script.get_data()
    script.close()
    for url in ("/live/heats/999999/board", "/api/public/heats/999999/board",
                "/live/heats/999999/board/stream"):
        assert client.get(url).status_code == 404, url
    with Session(committed_db) as session, session.begin():
        competition = session.scalars(select(Competition).where(
            Competition.id == meet.competition_id)).one()
        competition.status = CompetitionStatus.DRAFT
    public_extensions = client.application.extensions["athsys_public_published"]
    public_extensions.clear()
    for url in (f"/live/heats/{meet.sprint_heat_id}/board",
                f"/api/public/heats/{meet.sprint_heat_id}/board",
                f"/live/heats/{meet.sprint_heat_id}/board/stream"):
        assert client.get(url).status_code == 404, url


def test_a_road_race_board_carries_the_first_lines_and_the_totals(
    meet: Meet, committed_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from athsys.leaderboards import scoreboard

    monkeypatch.setattr(scoreboard, "BOARD_LINES", 2)
    for index, mark in enumerate((1_800_000, 1_795_000, 1_810_000)):
        store_result(committed_db, meet.road_heat_id, meet.road_entries[index], mark)
    with Session(committed_db) as session:
        state = scoreboard.board_state(session, meet.road_heat_id)
    assert (state["lanes_total"], state["results_total"]) == (6, 3)
    assert [line["bib"] for line in state["lanes"]] == ["101", "102"]
    assert [(line["place"], line["mark"]) for line in state["results"]] == [
        (1, "29:55"), (2, "30:00")]
    assert state["clock_running"] is True  # on the road the clock runs on for the others


def test_without_redis_the_board_is_computed_and_its_stream_says_fallback(
    app: Flask, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_010)
    with redis_gone(app):
        client = app.test_client()
        state = _board(client, meet.sprint_heat_id)
        assert state["results"][0]["mark"] == "10.01"
        stream = client.get(f"/live/heats/{meet.sprint_heat_id}/board/stream")
        assert b"event: fallback" in stream.get_data() and b"unavailable" in stream.get_data()
