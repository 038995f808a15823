"""A real SMTP server (aiosmtpd), a real webhook receiver (http.server), and a small meet."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Competition, Entry, Event, Heat, Round, RoundKind
from athsys.results.models import Result
from athsys.sport.disciplines import EventKind
from athsys.sport.sex import Sex

REJECTED = "nobody@example.com"  # answered 550
DEFERRED = "busy@example.com"  # answered 451


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MailSink:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], str]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:
        if address == REJECTED:
            return "550 5.1.1 no such mailbox"
        if address == DEFERRED:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.content.decode("utf-8", "replace")))
        return "250 Message accepted"


@pytest.fixture()
def smtp_server() -> Iterator[tuple[int, MailSink]]:
    sink = MailSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, sink
    finally:
        controller.stop()


@dataclass
class Receiver:
    """Answers each path with its configured status (``/slow`` sleeps past the timeout)."""

    port: int
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture()
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.requests.append(
                {"path": self.path, "headers": self.headers, "body": body}
            )
            if self.path == "/slow":
                time.sleep(1.5)
            queue = receiver.statuses.get(self.path, [200])
            status = queue.pop(0) if len(queue) > 1 else queue[0]
            payload = json.dumps({"status": status}).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@dataclass(frozen=True)
class Meet:
    competition_id: int
    event_id: int
    heat_id: int
    athlete_ids: tuple[int, ...]
    result_ids: tuple[int, ...]


def build_meet(engine: Engine) -> Meet:
    with Session(engine) as session, session.begin():
        club = Club(name="Striders", code="STR")
        meet = Competition(name="Spring Open", venue="Track", start_date=date(2026, 4, 4),
                           end_date=date(2026, 4, 4))
        event = Event(competition=meet, discipline_code="100m", name="Women 100 m",
                      sex=Sex.FEMALE, kind=EventKind.TRACK)
        round_ = Round(event=event, kind=RoundKind.FINAL)
        heat = Heat(round=round_, number=1, wind=-5)
        session.add_all([club, meet, event, round_, heat])
        session.flush()
        athletes, results = [], []
        for n, (first, last, mark) in enumerate(
            [("Dina", "Swift", 11_203), ("Eve", "Dash", 11_456)], start=1
        ):
            athlete = Athlete(first_name=first, last_name=last, sex=Sex.FEMALE, club=club)
            session.add(athlete)
            session.flush()
            entry = Entry(event_id=event.id, competition_id=meet.id, athlete_id=athlete.id,
                          bib=str(n))
            session.add(entry)
            session.flush()
            result = Result(heat_id=heat.id, entry_id=entry.id, mark=mark, place=n, wind=-5)
            session.add(result)
            session.flush()
            athletes.append(athlete.id)
            results.append(result.id)
        return Meet(meet.id, event.id, heat.id, tuple(athletes), tuple(results))
