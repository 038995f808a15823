"""ops/nginx/nginx.conf, run by Debian's nginx in front of two gunicorn replicas of the app.

The configuration is the production file with only what differs on this machine rewritten:
loopback ports instead of 80/443 and the compose service names, and files under a temp
prefix. Every rewrite must match exactly, so a changed configuration fails here instead of
being tested in an older shape. nginx is installed by ``make test`` (ops/system/packages.txt).
"""

from __future__ import annotations

import http.client
import json
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

import pytest
import redis as redis_lib
from sqlalchemy import text
from sqlalchemy.engine import Engine

from athsys.config import Settings
from athsys.leaderboards.cache import LIVE_CHANNEL
from ops.bench.bench_support import BenchEnvironment, free_port, gunicorn, live_stream
from tests.support.deploy import ROOT

pytestmark = pytest.mark.integration

CONF = ROOT / "ops" / "nginx" / "nginx.conf"
#: On the app's answers: its own headers (webui/headers.py), and nginx's X-XSS-Protection.
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "X-XSS-Protection": "1; mode=block",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Message
    body: bytes


@dataclass(frozen=True)
class Proxy:
    http_port: int
    https_port: int
    cafile: Path  # the self-signed certificate nginx serves
    access_log: Path
    replicas: tuple[str, ...]  # host:port of each gunicorn

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cafile))

    def connect(self) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection("localhost", self.https_port, context=self.tls(),
                                           timeout=30)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        conn = self.connect()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()

    def announce_body(self, path: str, length: int) -> Reply:
        """A POST whose headers announce ``length`` bytes; none are sent (nginx judges the
        size from Content-Length before it reads any)."""
        conn = self.connect()
        try:
            conn.putrequest("POST", path)
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(length))
            conn.endheaders()
            response = conn.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            conn.close()


def _nginx_binary() -> str:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    assert nginx, "nginx is missing: `make test` installs it (ops/system/install)"
    return nginx


def _self_signed_certificate(directory: Path) -> None:
    directory.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(directory / "privkey.pem"), "-out", str(directory / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )


def _rewrite(conf: str, replacements: list[tuple[str, str]]) -> str:
    for old, new in replacements:
        assert conf.count(old) == 1, f"nginx.conf no longer has exactly one {old!r}"
        conf = conf.replace(old, new)
    return conf


def _local_conf(prefix: Path, http_port: int, https_port: int, replicas: list[str],
                live: str) -> str:
    closed = f"127.0.0.1:{free_port()}"  # Flower, Grafana, Kibana: nothing listens
    backends = "\n        ".join(f"server {r} max_fails=3 fail_timeout=10s;" for r in replicas)
    return _rewrite(CONF.read_text(), [
        ("pid /var/run/nginx.pid;", f"pid {prefix}/nginx.pid;"),
        ("access_log /dev/stdout json;", f"access_log {prefix}/access.log json;"),
        ("error_log /dev/stderr warn;", f"error_log {prefix}/error.log warn;"),
        ("listen 80 default_server;", f"listen 127.0.0.1:{http_port} default_server;"),
        ("listen 443 ssl http2 default_server;",
         f"listen 127.0.0.1:{https_port} ssl http2 default_server;"),
        ("ssl_certificate /etc/nginx/certs/", f"ssl_certificate {prefix}/certs/"),
        ("ssl_certificate_key /etc/nginx/certs/", f"ssl_certificate_key {prefix}/certs/"),
        ("server backend:8000 max_fails=3 fail_timeout=10s;", backends),
        ("server live-stream:8100 ", f"server {live} "),
        ("server flower:5555;", f"server {closed};"),
        ("server grafana:3000;", f"server {closed};"),
        ("server kibana:5601;", f"server {closed};"),
    ])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, f"nginx exited:\n{log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nginx did not listen on {port}:\n{log.read_text()}")


@pytest.fixture(scope="module")
def proxy(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    nginx = _nginx_binary()
    prefix = tmp_path_factory.mktemp("nginx")
    prefix.chmod(0o755)  # nginx's workers (nobody) read and write their temp dirs under it
    _self_signed_certificate(prefix / "certs")
    with ExitStack() as stack:
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("TRUSTED_PROXIES", "1")
        replicas = []
        for index in range(2):
            data_dir = tmp_path_factory.mktemp(f"replica{index}")
            (data_dir / "prom").mkdir()
            base = stack.enter_context(gunicorn(BenchEnvironment(data_dir, settings), workers=1))
            replicas.append(base.removeprefix("http://"))
        live_data = tmp_path_factory.mktemp("live-stream")
        live, _ = stack.enter_context(live_stream(BenchEnvironment(live_data, settings)))
        http_port, https_port = free_port(), free_port()
        conf = prefix / "nginx.conf"
        conf.write_text(_local_conf(prefix, http_port, https_port, replicas, live))
        args = [nginx, "-p", f"{prefix}/", "-c", str(conf), "-e", str(prefix / "error.log")]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        assert "syntax is ok" in check.stderr and "test is successful" in check.stderr
        with open(prefix / "nginx.out", "wb") as out:
            process = subprocess.Popen([*args, "-g", "daemon off;"], stdout=out,
                                       stderr=subprocess.STDOUT)
        try:
            _wait_for_port(https_port, process, prefix / "error.log")
            cafile = prefix / "certs" / "fullchain.pem"
            yield Proxy(http_port, https_port, cafile, prefix / "access.log", tuple(replicas))
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_plain_http_is_redirected_to_https(proxy: Proxy) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", proxy.http_port, timeout=10)
    try:
        conn.request("GET", "/api/public/competitions?page=2",
                     headers={"Host": "results.example"})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    assert response.status == 301
    assert response.headers["Location"] == "https://results.example/api/public/competitions?page=2"


def test_https_responses_carry_the_security_headers(proxy: Proxy) -> None:
    response = proxy.request("GET", "/live")
    assert response.status == 200 and response.body
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get_all(name) == [value], name
    assert len(response.headers.get_all("Content-Security-Policy")) == 1
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'nonce-" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "Server" not in response.headers or "/" not in response.headers["Server"]
    # an error from nginx itself carries them too; Flower, Grafana, Kibana send their own CSP
    down = proxy.request("GET", "/flower/")
    assert down.status == 502
    assert down.headers["Strict-Transport-Security"] and not down.headers[
        "Content-Security-Policy"]
    assert down.headers["X-Frame-Options"] == "SAMEORIGIN"  # nginx's own, for its own answer


def test_tls_1_2_and_1_3_are_offered(proxy: Proxy) -> None:
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in CONF.read_text()
    for version, name in ((ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")):
        context = proxy.tls()
        context.minimum_version = context.maximum_version = version
        with socket.create_connection(("127.0.0.1", proxy.https_port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                assert tls.version() == name


def test_requests_reach_both_replicas(proxy: Proxy) -> None:
    before = len(proxy.access_log.read_text().splitlines())
    for _ in range(12):
        response = proxy.request("GET", "/ready")
        assert response.status == 200, response.body
    lines = proxy.access_log.read_text().splitlines()[before:]
    upstreams = {json.loads(line)["upstream"] for line in lines}
    assert upstreams == set(proxy.replicas)


def test_json_is_gzipped(proxy: Proxy) -> None:
    response = proxy.request("GET", "/apispec.json", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.body[:2] == b"\x1f\x8b"


def test_body_limits_are_the_apps(proxy: Proxy, settings: Settings) -> None:
    response = proxy.announce_body("/api/auth/login", settings.max_content_length + 1)
    assert response.status == 413
    response = proxy.announce_body("/api/timing/passings", settings.ingest_max_body_bytes + 1)
    assert response.status == 413
    # device payloads may be larger than other bodies: nginx passes them on to the app
    payload = b"x" * (settings.max_content_length * 2)
    response = proxy.request("POST", "/api/timing/passings", body=payload,
                             headers={"Content-Type": "text/plain"})
    assert response.status == 401 and json.loads(response.body)["success"] is False


def test_the_live_stream_passes_each_event_at_once(
    proxy: Proxy, redis_client: redis_lib.Redis, committed_db: Engine
) -> None:
    with committed_db.begin() as db:  # a draft, or an unknown id, has no stream (404)
        competition_id = db.execute(text(
            "INSERT INTO competition (name, venue, start_date, end_date, status) "
            "VALUES ('Stream meet', 'Track', current_date, current_date, 'live') RETURNING id"
        )).scalar_one()
    conn = proxy.connect()
    try:
        conn.request("GET", f"/live/{competition_id}/stream")
        response = conn.getresponse()
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert "Content-Encoding" not in response.headers
        assert "event: hello" in _read_event(response)
        channel = LIVE_CHANNEL.format(competition_id=competition_id)
        deadline = time.monotonic() + 5
        update = json.dumps({"event_id": 1, "heat_ids": [7], "version": 3})
        while redis_client.publish(channel, update) == 0:
            assert time.monotonic() < deadline, "the stream never subscribed"
            time.sleep(0.1)
        started = time.monotonic()
        event = _read_event(response)
        assert "event: update" in event and '"heat_ids":[7]' in event
        assert time.monotonic() - started < 3
    finally:
        conn.close()


def _read_event(response: http.client.HTTPResponse) -> str:
    lines: list[str] = []
    while True:
        line = response.readline().decode()
        assert line, "the stream ended"
        if line in ("\n", "\r\n") and any(seen.startswith("event:") for seen in lines):
            return "".join(lines)
        lines.append(line)


def test_the_scoreboard_stream_passes_each_board_at_once(
    proxy: Proxy, redis_client: redis_lib.Redis, committed_db: Engine
) -> None:
    """The board stream (/live/heats/<id>/board/stream) has the live stream's location: a
    board pushed after a stored result reaches the client through nginx at once."""
    from tasks.leaderboards import refresh_event_leaderboard
    from tests.integration.leaderboards.leaderboards_support import build_meet, store_result

    meet = build_meet(committed_db)
    refresh_event_leaderboard.run(meet.sprint_event_id)
    conn = proxy.connect()
    try:
        conn.request("GET", f"/live/heats/{meet.sprint_heat_id}/board/stream")
        response = conn.getresponse()
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        assert "Content-Encoding" not in response.headers
        assert "event: clock" in _read_event(response)
        assert "event: board" in _read_event(response)
        store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[0], 10_010)
        started = time.monotonic()
        refresh_event_leaderboard.run(meet.sprint_event_id)
        event = _read_event(response)
        assert "event: board" in event and '"mark":"10.01"' in event
        assert time.monotonic() - started < 3
    finally:
        conn.close()
