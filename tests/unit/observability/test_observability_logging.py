"""The log pipeline configs parse and name fields that the JSON logs really contain."""

import json
import logging
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from athsys.config import get_config
from athsys.logging import APILogger, AuditLogger, configure_logging
from tests.support.request_ids import request_id

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
LOGGING = ROOT / "ops" / "logging"
# fields Filebeat adds itself; the rest must come from the application's JSON lines
FILEBEAT_FIELDS = frozenset({"@timestamp"})
# Go reference-time tokens used in the Filebeat layouts, as strptime directives
_GO_LAYOUT = [("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("04", "%M"),
              ("05", "%S"), (",000", ",%f")]


@pytest.fixture(scope="module")
def log_lines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict[str, object]]]:
    """Real lines written by the production formatter: a response, an error, an audit event."""
    directory = tmp_path_factory.mktemp("logs")
    settings = get_config("development", environ={"LOG_DIR": str(directory),
                                                 "LOG_FORMAT": "json", "LOG_LEVEL": "INFO"})
    configure_logging(settings, console=False)
    try:
        with request_id("req-obs-1"):
            APILogger().log_response("GET", "/api/races", 200, 1234.5)
            logging.getLogger("athsys.test").error("the timing device went quiet")
            AuditLogger().log_action("official", "correct", "result", 17, {"time_ms": 10210})
        for handler in logging.getLogger().handlers:
            handler.flush()
        yield [json.loads(line) for line in (directory / "athsys.log").read_text().splitlines()]
    finally:
        configure_logging(get_config("testing"), console=False)


def _filebeat() -> dict:
    return yaml.safe_load((LOGGING / "filebeat.yml").read_text())


def _processors() -> dict[str, dict]:
    out = {}
    for processor in _filebeat()["filebeat.inputs"][0]["processors"]:
        (name, options), = processor.items()
        out[name] = options
    return out


def _saved_objects() -> list[dict]:
    lines = (LOGGING / "kibana" / "saved-searches.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _searches() -> dict[str, dict]:
    return {o["id"]: o for o in _saved_objects() if o["type"] == "search"}


def _query(search: dict) -> str:
    source = json.loads(search["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"]["language"] == "kuery"
    return source["query"]["query"]


def _kql_fields(query: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', '""', query)
    return set(re.findall(r"([A-Za-z_@][\w.@]*)\s*(?::|>=|<=|>|<)", without_strings))


def _log_fields(lines: list[dict[str, object]]) -> set[str]:
    return {key for line in lines for key in line} | FILEBEAT_FIELDS


def test_the_sample_lines_are_the_production_json(log_lines: list[dict[str, object]]) -> None:
    response, error, audit = log_lines[-3:]
    assert response["status_code"] == 200 and response["duration_ms"] == 1234.5
    assert error["level"] == "ERROR" and error["request_id"] == "req-obs-1"
    assert audit["audit"] is True and audit["actor"] == "official"


def test_filebeat_writes_a_daily_athsys_index_with_the_30_day_policy() -> None:
    config = _filebeat()
    assert config["output.elasticsearch"]["index"] == "athsys-%{+yyyy.MM.dd}"
    assert config["setup.template.pattern"] == "athsys-*"
    assert config["setup.ilm.enabled"] is False
    policy_name = config["setup.template.settings"]["index.lifecycle.name"]
    compose = (ROOT / "docker-compose.prod.yml").read_text()
    assert f"/_ilm/policy/{policy_name}\"" in compose


def test_ilm_policy_deletes_after_30_days() -> None:
    policy = json.loads((LOGGING / "ilm-policy.json").read_text())["policy"]
    delete = policy["phases"]["delete"]
    assert delete["min_age"] == "30d" and "delete" in delete["actions"]
    assert set(policy["phases"]) == {"hot", "delete"}


def test_filebeat_decodes_the_message_and_parses_the_real_timestamp(
    log_lines: list[dict[str, object]],
) -> None:
    processors = _processors()
    assert processors["decode_json_fields"]["fields"] == ["message"]
    timestamp = processors["timestamp"]
    assert timestamp["field"] in log_lines[-1]
    layout = timestamp["layouts"][0]
    for go, directive in _GO_LAYOUT:
        layout = layout.replace(go, directive)
    for line in log_lines:
        datetime.strptime(str(line[timestamp["field"]]), layout)
    for sample in timestamp["test"]:
        datetime.strptime(sample, layout)


def test_filebeat_keeps_only_containers_labelled_by_the_compose_file() -> None:
    condition = _processors()["drop_event"]["when"]["not"]["equals"]
    (field, value), = condition.items()
    compose = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
    label = field.removeprefix("container.labels.")
    services = ("backend", "worker-ingest", "worker-leaderboards", "worker-notifications",
                "worker-maintenance", "beat", "flower", "migrate")
    for service in services:
        labels = compose["services"][service]["labels"]
        # add_docker_metadata turns dots of label names into underscores
        assert {k.replace(".", "_"): v for k, v in labels.items()}[label] == value, service


def test_saved_searches_for_errors_and_audit_events(log_lines: list[dict[str, object]]) -> None:
    searches = _searches()
    assert {"athsys-errors", "athsys-audit-events"} <= set(searches)
    error_line, audit_line = log_lines[-2], log_lines[-1]
    assert f'"{error_line["level"]}"' in _query(searches["athsys-errors"])
    assert _query(searches["athsys-audit-events"]) == "audit : true"
    assert audit_line["audit"] is True


def test_saved_searches_name_only_fields_the_logs_contain(
    log_lines: list[dict[str, object]],
) -> None:
    fields = _log_fields(log_lines)
    for search_id, search in _searches().items():
        assert _kql_fields(_query(search)) <= fields, search_id
        assert set(search["attributes"]["columns"]) <= fields, search_id
        assert search["attributes"]["sort"][0][0] in fields


def test_saved_searches_point_at_the_daily_indices() -> None:
    objects = {(o["type"], o["id"]): o for o in _saved_objects()}
    pattern = objects[("index-pattern", "athsys-logs")]["attributes"]
    assert pattern["title"] == _filebeat()["setup.template.pattern"]
    assert pattern["timeFieldName"] == "@timestamp"
    for search in _searches().values():
        for ref in search["references"]:
            assert (ref["type"], ref["id"]) in objects
