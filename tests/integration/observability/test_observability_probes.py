"""``/ready`` turns 503 when Redis or PostgreSQL goes away, and 200 when it is back.

The shared test servers keep running: a second application reaches one of them through a
TCP relay on 127.0.0.1 that the test cuts (closing every relayed connection and refusing
new ones) and restores on the same port.
"""

import selectors
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from athsys.config import Settings, replace

pytestmark = pytest.mark.integration


class Relay:
    """Forwards 127.0.0.1:<port> to a server until :meth:`cut`; :meth:`restore` reopens it."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopped.clear()
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        self._stopped.set()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for conn in self._connections:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                conn.close()
            self._connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(a, selectors.EVENT_READ, b)
        selector.register(b, selectors.EVENT_READ, a)
        try:
            while not self._stopped.is_set():
                for key, _ in selector.select(timeout=0.2):
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    key.data.sendall(data)
        except (OSError, ValueError):
            return
        finally:
            selector.close()
            a.close()
            b.close()


def _relay_for(url: str) -> Relay:
    parsed = make_url(url)
    if parsed.host is None or parsed.port is None:
        pytest.fail(f"the test servers must listen on TCP for this test, got {parsed.host!r}")
    relay = Relay(parsed.host, parsed.port)
    relay.restore()
    return relay


def _through_relay(url: str, relay: Relay) -> str:
    return make_url(url).set(host="127.0.0.1", port=relay.port).render_as_string(
        hide_password=False
    )


@pytest.fixture()
def app_factory(settings: Settings) -> Iterator[Callable[..., Flask]]:
    """Second applications with some settings changed; their pools are closed afterwards."""
    from webui.app import create_app

    made: list[Flask] = []

    def make(**changes: str) -> Flask:
        app = create_app(replace(settings, **changes))
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        app.extensions["athsys_redis"].close()


def _ready_becomes(client: FlaskClient, status: int, timeout_s: float = 30) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        response = client.get("/ready")
        if response.status_code == status or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == status, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_ready_follows_redis_down_and_back(
    settings: Settings, app_factory: Callable[..., Flask]
) -> None:
    relay = _relay_for(settings.redis_url)
    try:
        client = app_factory(redis_url=_through_relay(settings.redis_url, relay)).test_client()
        assert _ready_becomes(client, 200)["status"] == "ready"
        relay.cut()
        body = _ready_becomes(client, 503)
        assert body["status"] == "not_ready"
        assert body["components"]["redis"]["status"] == "error"
        assert body["components"]["database"]["status"] == "ok"
        assert client.get("/live").status_code == 200
        assert client.get("/metrics").status_code == 200
        relay.restore()
        assert _ready_becomes(client, 200)["components"]["redis"]["status"] == "ok"
    finally:
        relay.cut()


def test_ready_follows_postgresql_down_and_back(
    settings: Settings, app_factory: Callable[..., Flask]
) -> None:
    relay = _relay_for(settings.database_url)
    try:
        client = app_factory(
            database_url=_through_relay(settings.database_url, relay)
        ).test_client()
        assert _ready_becomes(client, 200)["status"] == "ready"
        relay.cut()
        body = _ready_becomes(client, 503)
        assert body["components"]["database"]["status"] == "error"
        assert body["components"]["migrations"]["status"] == "error"
        assert body["components"]["redis"]["status"] == "ok"
        assert "password" not in str(body).lower()
        # a scrape while the database is down still answers
        scrape = client.get("/metrics")
        assert scrape.status_code == 200
        assert b"athsys_http_requests_total" in scrape.data
        relay.restore()
        assert _ready_becomes(client, 200)["components"]["database"]["status"] == "ok"
    finally:
        relay.cut()
