"""The device client (``athsys simulate``) resends a batch until the server answers it, with
the identical payload, and gives up at once on an answer that blames the payload."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from athsys.errors import ConfigurationError
from athsys.timing.simulation import race_passings
from webui.cli.timing import post_passings

pytestmark = pytest.mark.integration

GUN = datetime(2025, 10, 12, 9, 0, tzinfo=UTC)
RECEIPT = {"batch_id": 7, "accepted": 8, "duplicate": 0, "replay": False}


class ScriptedServer(ThreadingHTTPServer):
    """Answers the n-th request as ``script[n]`` says: "drop" (close unanswered), or a status."""

    def __init__(self, script: list[str | int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.bodies: list[bytes] = []


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.bodies.append(body)
        step = self.server.script[len(self.server.bodies) - 1]
        if step == "drop":
            self.close_connection = True
            self.connection.close()
            return
        status = int(step)
        payload = {"success": True, "data": RECEIPT} if status < 300 else \
            {"success": False, "error": {"message": "no"}}
        answer = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_: object) -> None:
        pass


Serve = Callable[[list[str | int]], ScriptedServer]


@pytest.fixture()
def serve() -> Iterator[Serve]:
    started: list[ScriptedServer] = []

    def start(script: list[str | int]) -> ScriptedServer:
        server = ScriptedServer(script)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_a_batch_is_resent_identically_until_it_is_answered(serve: Serve) -> None:
    server = serve(["drop", 503, 500, 202])
    chunk = race_passings(2)
    answer = post_passings(f"http://127.0.0.1:{server.server_port}", "token", chunk, GUN)
    assert answer == RECEIPT
    assert len(server.bodies) == 4
    assert len(set(server.bodies)) == 1
    assert [p["read_id"] for p in json.loads(server.bodies[0])] == [p.read_id for p in chunk]


def test_a_refused_payload_is_not_resent(serve: Serve) -> None:
    server = serve([400, 202])
    with pytest.raises(ConfigurationError, match="answered 400"):
        post_passings(f"http://127.0.0.1:{server.server_port}", "token", race_passings(1), GUN)
    assert len(server.bodies) == 1


def test_the_device_gives_up_after_its_deadline(serve: Serve) -> None:
    server = serve([503] * 10)
    with pytest.raises(ConfigurationError, match="answered 503"):
        post_passings(f"http://127.0.0.1:{server.server_port}", "token", race_passings(1), GUN,
                      give_up_after_s=0.5)
    assert 2 <= len(server.bodies) <= 3
