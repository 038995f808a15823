"""docker-compose.prod.yml: valid Compose, the seed's names and commands, secrets only from
the environment, and only variables that AthSys reads."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from athsys.jobs import Queue
from tests.support.deploy import (
    OTHER_READERS,
    ROOT,
    MissingVariable,
    interpolate,
    required_variables,
    unknown_variables,
    variable_defaults,
)

pytestmark = pytest.mark.unit

COMPOSE = ROOT / "docker-compose.prod.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SCHEMA = ROOT / "ops" / "schemas" / "compose-spec.json"
DOCKERFILE = ROOT / "ops" / "Dockerfile"
ATHSYS_IMAGE = "${ATHSYS_IMAGE:-athsys:latest}"
# run to completion before what depends on them
ONE_SHOTS = {"migrate", "logging-setup", "kibana-setup"}
# watched by Prometheus's `up`; their images have no shell or HTTP client for a check
EXPORTERS = {"node-exporter", "postgres-exporter", "redis-exporter"}


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def secrets(raw: dict) -> dict[str, str]:
    """A value for every required variable, as an operator's .env gives them."""
    return {name: "/srv/tls" if name == "TLS_CERT_DIR" else f"{name.lower()}-0123456789abcdef"
            for name in required_variables(raw)}


@pytest.fixture(scope="module")
def compose(raw: dict, secrets: dict[str, str]) -> dict:
    return interpolate(raw, secrets)


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _athsys_services(raw: dict) -> dict[str, dict]:
    return {name: s for name, s in raw["services"].items() if s.get("image") == ATHSYS_IMAGE}


def _command(service: dict) -> list[str]:
    command = service.get("command", [])
    return command if isinstance(command, list) else command.split()


def test_the_file_follows_the_compose_specification(
    compose: dict, validator: jsonschema.Draft7Validator
) -> None:
    errors = sorted(validator.iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


@pytest.mark.parametrize("break_it", [
    lambda c: c["services"]["backend"]["depends_on"]["migrate"].update(condition="completed"),
    lambda c: c["services"]["backend"].update(replica=3),
    lambda c: c["services"]["postgres"].update(healthcheck={"test": 1}),
    lambda c: c["services"]["beat"]["deploy"].update(replicas=[1]),
], ids=["condition", "unknown-key", "healthcheck", "replicas-type"])
def test_an_edit_that_breaks_the_specification_is_caught(
    compose: dict, validator: jsonschema.Draft7Validator, break_it
) -> None:
    broken = copy.deepcopy(compose)
    break_it(broken)
    assert list(validator.iter_errors(broken))


def test_starting_without_a_secret_stops_naming_it(raw: dict, secrets: dict[str, str]) -> None:
    assert {"SECRET_KEY", "JWT_SECRET_KEY", "POSTGRES_PASSWORD", "ATHSYS_DB_PASSWORD",
            "REDIS_PASSWORD", "FLOWER_BASIC_AUTH", "GRAFANA_ADMIN_PASSWORD",
            "ELASTIC_PASSWORD", "KIBANA_SYSTEM_PASSWORD", "TLS_CERT_DIR"} == set(secrets)
    for name in secrets:
        for missing in ({k: v for k, v in secrets.items() if k != name}, {**secrets, name: ""}):
            with pytest.raises(MissingVariable, match=rf"\b{name}\b") as caught:
                interpolate(raw, missing)
            assert caught.value.name == name


def test_env_example_lists_every_secret_empty_and_every_default(raw: dict) -> None:
    lines = [line.strip() for line in ENV_EXAMPLE.read_text().splitlines()]
    settings = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert set(settings) == required_variables(raw)
    assert set(settings.values()) == {""}, "no secret is committed"
    documented = dict(line.lstrip("# ").split("=", 1) for line in lines
                      if re.match(r"^# [A-Z_]+=", line))
    for name, default in variable_defaults(raw).items():
        assert documented.get(name) == default, f"{name} (default {default}) in .env.example"


def test_the_seed_commands_name_the_backend_and_its_replicas(
    raw: dict, secrets: dict[str, str]
) -> None:
    backend = interpolate(raw, {**secrets, "BACKEND_REPLICAS": "3"})["services"]["backend"]
    assert backend["deploy"]["replicas"] == "3"
    assert interpolate(raw, secrets)["services"]["backend"]["deploy"]["replicas"] == "2"
    assert _command(backend)[:3] == ["gunicorn", "--config", "python:webui.gunicorn_conf"]
    # --scale needs replicas without fixed names or host ports
    assert "ports" not in backend
    assert not [name for name, s in raw["services"].items() if "container_name" in s]


def test_every_service_of_the_seed_is_there(raw: dict) -> None:
    services = raw["services"]
    images = " ".join(s["image"] for s in services.values())
    for image in ("postgres:", "redis:", "nginx:", "prom/prometheus:", "grafana/grafana:",
                  "elasticsearch/elasticsearch:", "kibana/kibana:"):
        assert image in images
    assert {"backend", "migrate", "beat", "flower"} <= set(_athsys_services(raw))
    migrate = " ".join(_command(services["migrate"]))
    assert "athsys db upgrade && athsys sync-roles" in migrate


def test_one_worker_service_per_queue_and_exactly_one_beat(raw: dict) -> None:
    athsys = _athsys_services(raw)
    queues = {}
    for name, service in athsys.items():
        command = _command(service)
        if "tasks.worker" in command:
            (option,) = [arg for arg in command if arg.startswith("--queues=")]
            queues[name] = option.split("=", 1)[1]
    assert sorted(queues.values()) == sorted(Queue.ALL)
    assert all(name == f"worker-{queue}" for name, queue in queues.items())
    beats = [name for name, service in athsys.items() if "beat" in _command(service)]
    assert beats == ["beat"] and athsys["beat"]["deploy"]["replicas"] == 1


def test_services_wait_for_healthy_dependencies(raw: dict) -> None:
    services = raw["services"]
    for name, service in services.items():
        if name not in ONE_SHOTS | EXPORTERS:
            assert "test" in service.get("healthcheck", {}), f"{name} has no health check"
        for target, rule in service.get("depends_on", {}).items():
            condition = rule["condition"]
            if target in ONE_SHOTS:
                assert condition == "service_completed_successfully", (name, target)
            elif name != "nginx":  # nginx waits for the backend only, not the monitoring UIs
                assert condition == "service_healthy", (name, target)
    assert services["nginx"]["depends_on"]["backend"]["condition"] == "service_healthy"
    for name, service in _athsys_services(raw).items():
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == (
                "service_completed_successfully")
        for server in ("postgres", "redis"):
            assert service["depends_on"][server]["condition"] == "service_healthy", name


def test_data_lives_in_named_volumes(raw: dict) -> None:
    declared = set(raw["volumes"])
    used = set()
    for service in raw["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if not source.startswith(("./", "/", "$")):
                used.add(source)
    assert used == declared
    for name, path in [("postgres", "/var/lib/postgresql/data"), ("redis", "/data"),
                       ("elasticsearch", "/usr/share/elasticsearch/data"),
                       ("prometheus", "/prometheus"), ("grafana", "/var/lib/grafana"),
                       ("beat", "/var/lib/athsys/beat"),
                       ("worker-maintenance", "/var/lib/athsys/backups")]:
        assert any(v.split(":")[0] in declared and v.split(":")[1] == path
                   for v in raw["services"][name]["volumes"]), name


def test_the_app_connects_as_its_own_role_not_the_superuser(compose: dict) -> None:
    postgres = compose["services"]["postgres"]
    url = make_url(compose["services"]["backend"]["environment"]["DATABASE_URL"])
    assert url.username == postgres["environment"]["ATHSYS_DB_USER"] != (
        postgres["environment"]["POSTGRES_USER"])
    assert url.password == postgres["environment"]["ATHSYS_DB_PASSWORD"]
    assert url.database == postgres["environment"]["ATHSYS_DB_NAME"]
    init = [v for v in postgres["volumes"] if "/docker-entrypoint-initdb.d/" in v]
    assert len(init) == 1 and (ROOT / init[0].split(":")[0]).is_file()


def test_every_variable_the_services_set_is_read_by_athsys(raw: dict) -> None:
    names = set()
    for service in _athsys_services(raw).values():
        names |= set(service.get("environment", {}))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TRUSTED_PROXIES"} <= names
    dockerfile_env = " ".join(re.findall(r"^ENV (.*?)(?<!\\)$", DOCKERFILE.read_text(),
                                         flags=re.M | re.S))
    image_names = set(re.findall(r"\b([A-Z][A-Z0-9_]+)=", dockerfile_env))
    assert "ATHSYS_DATA_DIR" in image_names
    image_names -= {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
                    "PIP_NO_CACHE_DIR", "PIP_DISABLE_PIP_VERSION_CHECK"}
    assert unknown_variables(names | image_names) == set()


def test_the_variables_read_outside_settings_are_read_where_named() -> None:
    for name, reader in OTHER_READERS.items():
        assert f'"{name}"' in (ROOT / reader).read_text(), f"{reader} does not read {name}"


def test_mounted_ops_files_exist(raw: dict) -> None:
    for name, service in raw["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
    assert Path(ROOT / "ops/postgres/init-app-role.sh").stat().st_mode & 0o111
