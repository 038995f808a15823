"""``athsys up`` as a meet director runs it: embedded servers, all children, Ctrl-C, restart."""

import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from athsys import embedded

pytestmark = pytest.mark.e2e

READY = re.compile(r"ready in ([\d.]+) s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "ATHSYS_ENV", "FLOWER_BASIC_AUTH",
                        "LOG_DIR")}
    env.update({"ATHSYS_ENV": "development", "ATHSYS_ADMIN_PASSWORD": "e2e-admin-password",
                "ATHSYS_DEMO_PASSWORD": "e2e-demo-password"})
    return env


class Up:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port, self.flower_port = _free_port(), _free_port()
        self.output = data_dir / f"up-{time.monotonic_ns()}.out"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "webui.cli", "--data-dir", str(self.data_dir), "up",
                 "--port", str(self.port), "--flower-port", str(self.flower_port),
                 "--workers", "1", "--concurrency", "1"],
                env=_env(self.data_dir), stdout=out, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            text = self.output.read_text(errors="replace")
            found = READY.search(text)
            if found:
                return float(found.group(1))
            if self.process.poll() is not None:
                pytest.fail(f"athsys up exited early:\n{text[-4000:]}")
            time.sleep(0.5)
        pytest.fail(f"athsys up did not print its banner:\n{self.output.read_text()[-4000:]}")

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def get(self, path: str, port: int | None = None,
            auth: str | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(f"http://127.0.0.1:{port or self.port}{path}")
        if auth:
            request.add_header("Authorization",
                               "Basic " + base64.b64encode(auth.encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


@pytest.fixture()
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="athsys-up-"))
    path.chmod(0o755)
    yield path
    embedded.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_up_runs_everything_stops_cleanly_and_restarts_fast(data_dir: Path) -> None:
    up = Up(data_dir)
    up.start()
    banner = up.output.read_text()
    assert f"http://127.0.0.1:{up.port}/" in banner
    assert f"http://127.0.0.1:{up.flower_port}/" in banner
    assert "admin" in banner
    assert "e2e-admin-password" not in banner

    health_deadline = time.monotonic() + 60
    while True:
        status, body = up.get("/health")
        if status == 200 or time.monotonic() > health_deadline:
            break
        time.sleep(1)
    assert status == 200, body
    # the instance's logs and server log are under its data directory, its user's only
    for path in (data_dir / "logs", data_dir / "logs" / "athsys.log", data_dir / "postgres.log"):
        assert path.stat().st_mode & 0o077 == 0, f"{path} is {oct(path.stat().st_mode)}"

    credentials = (data_dir / "flower.secret").read_text().strip()
    assert up.get("/api/workers", port=up.flower_port)[0] == 401
    assert up.get("/api/workers", port=up.flower_port, auth=credentials)[0] == 200
    assert up.get("/metrics", port=up.flower_port)[0] == 200

    assert up.stop() == 0
    time.sleep(3)  # Flower needs a moment to release its port (DESIGN §8)
    assert not _port_open(up.port) and not _port_open(up.flower_port)
    assert embedded.running(data_dir) is None, "embedded servers left running"

    second = Up(data_dir)
    ready_in = second.start()
    assert ready_in < 10, f"second start took {ready_in} s"
    assert "exists" in second.output.read_text()  # the admin is reused, not re-created
    assert second.stop() == 0
