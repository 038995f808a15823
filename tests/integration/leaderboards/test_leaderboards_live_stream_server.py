"""``athsys live-stream`` against the real test PostgreSQL and Redis: a viewer connects, gets
``hello`` with the versions, then the update announced after a refresh; a draft is a 404."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess  # nosec B404 # our own CLI, argv list
import sys
import time
from collections.abc import Iterator

import pytest
import redis as redis_lib
from sqlalchemy import update
from sqlalchemy.engine import Engine

from athsys.competitions.models import Competition, CompetitionStatus
from athsys.config import Settings
from athsys.leaderboards.cache import announce
from tests.integration.leaderboards.leaderboards_support import Meet
from tests.support.processes import stop_process

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def live_stream(settings: Settings) -> Iterator[int]:
    port = _free_port()
    env = {**os.environ, "ATHSYS_ENV": "testing", "DATABASE_URL": settings.database_url,
           "REDIS_URL": settings.redis_url}
    process = subprocess.Popen([sys.executable, "-m", "webui.cli", "live-stream",  # nosec B603
                                "--port", str(port)], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            finally:
                conn.close()
            assert process.poll() is None, "the live stream server exited"
            assert time.monotonic() < deadline, "the live stream server did not start"
            time.sleep(0.2)
        yield port
    finally:
        stop_process(process)


def _events(response: http.client.HTTPResponse) -> Iterator[tuple[str, str]]:
    """(event, data) of each server-sent event; ("comment", text) for a comment."""
    name, data = "", ""
    while True:
        line = response.readline().decode()
        assert line, "the stream ended"
        line = line.rstrip("\n")
        if line == "":
            if name or data:
                yield name, data
            name, data = "", ""
        elif line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line.startswith("retry: "):
            yield "retry", line[7:]


def test_a_viewer_gets_hello_then_the_announced_update(
    live_stream: int, meet: Meet, redis_client: redis_lib.Redis
) -> None:
    announce(redis_client, meet.competition_id,
             {"event_id": meet.road_event_id, "heat_ids": [], "version": 3})
    conn = http.client.HTTPConnection("127.0.0.1", live_stream, timeout=10)
    conn.request("GET", f"/live/{meet.competition_id}/stream")
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/event-stream")
    assert response.getheader("X-Accel-Buffering") == "no"
    events = _events(response)
    assert next(events) == ("retry", "1000")
    assert next(events) == ("hello", json.dumps({"events": {str(meet.road_event_id): 3}},
                                                separators=(",", ":")))
    message = {"event_id": meet.road_event_id, "heat_ids": [meet.road_heat_id], "version": 4}
    announce(redis_client, meet.competition_id, message)
    announce(redis_client, meet.competition_id + 1, {"event_id": 0, "version": 1})  # not ours
    name, data = next(events)
    assert (name, json.loads(data)) == ("update", message)
    conn.close()


def test_a_draft_or_unknown_competition_has_no_stream(
    live_stream: int, meet: Meet, committed_db: Engine
) -> None:
    with committed_db.begin() as connection:
        connection.execute(update(Competition).where(Competition.id == meet.competition_id)
                           .values(status=CompetitionStatus.DRAFT))
    for competition_id in (meet.competition_id, meet.competition_id + 1000):
        conn = http.client.HTTPConnection("127.0.0.1", live_stream, timeout=10)
        conn.request("GET", f"/live/{competition_id}/stream")
        response = conn.getresponse()
        assert response.status == 404
        assert json.loads(response.read())["error"]["type"] == "not_found"
        conn.close()


def _health(port: int) -> dict[str, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", "/health")
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def test_a_viewer_that_stops_reading_is_dropped_and_the_others_get_every_update(
    live_stream: int, meet: Meet, redis_client: redis_lib.Redis
) -> None:
    stalled = socket.create_connection(("127.0.0.1", live_stream))
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.sendall(f"GET /live/{meet.competition_id}/stream HTTP/1.1\r\n"
                    f"Host: 127.0.0.1\r\n\r\n".encode())  # and never reads again
    conn = http.client.HTTPConnection("127.0.0.1", live_stream, timeout=10)
    conn.request("GET", f"/live/{meet.competition_id}/stream")
    events = _events(conn.getresponse())
    assert next(events)[0] == "retry" and next(events)[0] == "hello"
    deadline = time.monotonic() + 10
    while _health(live_stream)["viewers"] < 2:
        assert time.monotonic() < deadline, "the stalled viewer never connected"
        time.sleep(0.1)
    padding = "x" * 60_000
    received = 0
    for version in range(1, 201):  # 12 MB: more than the stalled socket's buffers hold
        announce(redis_client, meet.competition_id,
                 {"event_id": meet.road_event_id, "version": version, "pad": padding})
        name, data = next(events)
        while name == "comment":
            name, data = next(events)
        assert (name, json.loads(data)["version"]) == ("update", version)
        received += 1
    health = _health(live_stream)
    assert received == 200
    assert health["dropped"] == 1 and health["viewers"] == 1
    metrics = http.client.HTTPConnection("127.0.0.1", live_stream, timeout=10)
    metrics.request("GET", "/metrics")
    exposition = metrics.getresponse().read().decode()
    metrics.close()
    assert "athsys_live_viewers 1.0" in exposition
    assert "athsys_live_viewers_dropped_total 1.0" in exposition
    conn.close()
    stalled.close()
