"""promtool checks the ops config and rules; a real Prometheus scrapes a running AthSys.

Needs Debian's ``prometheus`` package (``promtool`` and ``prometheus``); a missing binary
fails these tests, it never skips them.
"""

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from flask import Flask
from werkzeug.serving import make_server

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = ROOT / "ops" / "prometheus"


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: `apt-get install prometheus` (Debian) provides it")
    return path


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_binary("promtool"), *args], cwd=PROMETHEUS_DIR, capture_output=True,
                          text=True, timeout=120, check=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_promtool_check_config() -> None:
    run = _promtool("check", "config", "prometheus.yml")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


def test_promtool_check_rules() -> None:
    files = sorted(str(p.relative_to(PROMETHEUS_DIR)) for p in PROMETHEUS_DIR.glob("rules/*.yml"))
    assert files
    run = _promtool("check", "rules", *files)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("SUCCESS") == len(files)


def test_promtool_test_rules() -> None:
    files = sorted(str(p.relative_to(PROMETHEUS_DIR)) for p in PROMETHEUS_DIR.glob("tests/*.yml"))
    assert files
    run = _promtool("test", "rules", *files)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "FAILED" not in run.stdout


@pytest.fixture()
def served_app(app: Flask) -> Iterator[str]:
    """The test application on a real HTTP socket (127.0.0.1, a free port)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _api(port: int, path: str, **params: str) -> dict:
    url = f"http://127.0.0.1:{port}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return json.loads(response.read())


def _wait_for(what: str, check, timeout_s: float = 90):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except OSError as exc:  # Prometheus not listening yet
            last_error = exc
            result = None
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out waiting for {what} (last error: {last_error})")


def test_prometheus_scrapes_athsys_and_evaluates_the_rules(
    served_app: str, tmp_path: Path
) -> None:
    urllib.request.urlopen(f"http://{served_app}/live", timeout=5).close()  # noqa: S310
    port = _free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(PROMETHEUS_DIR / "rules" / "*.yml")],
        "scrape_configs": [
            {"job_name": "athsys-web", "static_configs": [{"targets": [served_app]}]}
        ],
    }
    config_path = tmp_path / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    with (tmp_path / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [_binary("prometheus"), f"--config.file={config_path}",
             f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
             "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        up = _wait_for("a successful scrape", lambda: _api(
            port, "/api/v1/query", query='up{job="athsys-web"} == 1')["data"]["result"])
        assert up[0]["metric"]["instance"] == served_app
        series = _wait_for("athsys_http_requests_total", lambda: _api(
            port, "/api/v1/query",
            query='athsys_http_requests_total{endpoint="/live"}')["data"]["result"])
        assert series[0]["metric"]["method"] == "GET"
        assert float(series[0]["value"][1]) >= 1

        def evaluated_rules() -> list[dict] | None:
            groups = _api(port, "/api/v1/rules")["data"]["groups"]
            rules = [rule for group in groups for rule in group["rules"]]
            return rules if rules and all(r["health"] != "unknown" for r in rules) else None

        rules = _wait_for("the first evaluation of every rule", evaluated_rules)
        assert [r["name"] for r in rules if r["health"] != "ok"] == []
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
