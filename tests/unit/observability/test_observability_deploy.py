"""docker-compose.prod.yml, the image, nginx and gunicorn settings hold together."""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from athsys.config import KNOWN_DEFAULT_SECRETS
from athsys.jobs import Queue

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.prod.yml"
GUNICORN_CONF = ROOT / "webui" / "gunicorn_conf.py"
SECRET_NAME = re.compile(r"PASSWORD|PASS$|SECRET|TOKEN|_KEY$|BASIC_AUTH")
# the whole value is one variable; required secrets have no default (":?")
REQUIRED_VARIABLE = re.compile(r"^\$\{[A-Z_]+:\?[^}]*\}$")
OPTIONAL_VARIABLE = re.compile(r"^\$\{[A-Z_]+:-\}$")
# user (literal or a variable) and password of scheme://user:password@host
URL_CREDENTIALS = re.compile(r"://(\$\{[^}]*\}|[^:/@$]*):([^@]*)@")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def test_the_platform_services_are_all_there(compose: dict) -> None:
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "backend", "beat", "flower", "nginx",
            "prometheus", "grafana", "node-exporter", "elasticsearch", "kibana",
            "filebeat"} <= set(services)
    assert {f"worker-{queue}" for queue in Queue.ALL} <= set(services)
    assert services["beat"]["deploy"]["replicas"] == 1
    assert services["backend"]["deploy"]["replicas"] == "${BACKEND_REPLICAS:-2}"
    assert services["backend"]["depends_on"]["migrate"]["condition"] == (
        "service_completed_successfully")


def test_no_secret_is_written_in_the_compose_file(compose: dict) -> None:
    checked = 0
    for name, service in compose["services"].items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                checked += 1
                in_profile = bool(service.get("profiles"))
                pattern = OPTIONAL_VARIABLE if in_profile else REQUIRED_VARIABLE
                assert pattern.match(value), f"{name}.{key} = {value!r}"
            for _user, password in URL_CREDENTIALS.findall(value):
                assert REQUIRED_VARIABLE.match(password), f"{name}.{key} has a literal password"
    assert checked >= 12
    values = {v for service in compose["services"].values()
              for v in _environment(service).values()}
    assert values & (KNOWN_DEFAULT_SECRETS - {""}) == set()


def test_backend_runs_gunicorn_with_the_ops_config_in_multiprocess_mode(compose: dict) -> None:
    web = compose["services"]["backend"]
    command = web["command"]
    config = command[command.index("--config") + 1]
    assert config == "python:webui.gunicorn_conf"
    assert GUNICORN_CONF.exists()
    env = _environment(web)
    assert env["PROMETHEUS_MULTIPROC_DIR"] in web["tmpfs"]
    assert env["ATHSYS_ENV"] == "production" and env["LOG_FORMAT"] == "json"


def test_workers_serve_metrics_where_prometheus_scrapes(compose: dict) -> None:
    prometheus = yaml.safe_load((ROOT / "ops" / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    (worker_sd,) = jobs["athsys-worker"]["dns_sd_configs"]
    assert worker_sd["names"] == [f"worker-{queue}" for queue in Queue.ALL]
    assert jobs["athsys-web"]["dns_sd_configs"][0]["names"] == ["backend"]
    for name in worker_sd["names"]:
        worker = compose["services"][name]
        env = _environment(worker)
        assert env["PROMETHEUS_MULTIPROC_DIR"] in worker["tmpfs"]
        assert env["ATHSYS_WORKER_METRICS_ADDRESS"] == "0.0.0.0"
        assert worker_sd["port"] == int(env["ATHSYS_WORKER_METRICS_PORT"])


def test_flower_needs_basic_auth_and_is_scraped_under_its_prefix(compose: dict) -> None:
    flower = compose["services"]["flower"]
    assert REQUIRED_VARIABLE.match(_environment(flower)["FLOWER_BASIC_AUTH"])
    assert "--url_prefix=flower" in flower["command"]


def test_nginx_hides_metrics_and_proxies_the_replicas() -> None:
    conf = (ROOT / "ops" / "nginx" / "nginx.conf").read_text()
    assert conf.count("{") == conf.count("}")
    assert re.search(r"location = /metrics \{\s*return 404;", conf)
    assert re.search(r"location = /flower/metrics \{\s*return 404;", conf)
    assert "server backend:8000" in conf and "server flower:5555" in conf
    assert "proxy_set_header X-Request-ID $request_id;" in conf


def test_gunicorn_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "6")
    conf = runpy.run_path(str(GUNICORN_CONF))
    assert (conf["workers"], conf["threads"], conf["worker_class"]) == (3, 6, "gthread")
    assert conf["preload_app"] is False


def test_gunicorn_wipes_the_metric_files_at_start_and_drops_dead_workers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(GUNICORN_CONF))
    (tmp_path / "counter_999.db").write_bytes(b"old run")
    conf["on_starting"](None)
    assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"x")
    (tmp_path / "counter_4242.db").write_bytes(b"x")
    conf["child_exit"](None, SimpleNamespace(pid=4242))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_4242.db"]


def test_gunicorn_master_sets_multiprocess_mode_before_prometheus_client_loads() -> None:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    code = ("import os, runpy, sys; runpy.run_path(sys.argv[1]); "
            "print('prometheus_client' in sys.modules, os.environ['PROMETHEUS_MULTIPROC_DIR'])")
    run = subprocess.run([sys.executable, "-c", code, str(GUNICORN_CONF)], env=env,
                         capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.split() == ["False", "/tmp/athsys-prometheus"]
