"""docs/operations.md names files that exist, and the high-availability files say what it
says of them."""

from __future__ import annotations

import configparser
import re

import pytest
import yaml

from tests.support.deploy import ROOT

pytestmark = pytest.mark.unit

DOC = (ROOT / "docs" / "operations.md").read_text()
PATRONI = ROOT / "ops" / "patroni"


def test_every_repository_path_the_doc_names_exists() -> None:
    paths = {p for p in re.findall(r"`([\w./-]+\.(?:py|ya?ml|sh|ini|md|example))`", DOC)
             if "/" in p or p.startswith((".env", "docker-compose", "k8s-"))}
    assert {"docker-compose.prod.yml", "k8s-manifests.yaml", "ops/patroni/patroni.yml",
            "ops/patroni/pgbouncer.ini", "ops/postgres/init-app-role.sh"} <= paths
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert missing == []


def test_the_checklist_marks_each_item_as_code_or_operator_step() -> None:
    checklist = DOC.split("## Production checklist", 1)[1]
    rows = [line for line in checklist.splitlines()
            if line.startswith("| ") and not line.startswith("| item")]
    assert len(rows) >= 10
    for row in rows:
        assert "**code**" in row or "**operator**" in row, row
    for topic in ("SECRET_KEY", "CORS", "ProxyFix", "HTTPS"):
        assert topic in checklist


def test_patroni_runs_synchronous_streaming_replicas_with_session_pooling() -> None:
    cluster = yaml.safe_load((PATRONI / "athsys-postgresql.yaml").read_text())
    assert cluster["spec"]["numberOfInstances"] >= 3
    assert cluster["spec"]["patroni"]["synchronous_mode"] is True
    assert cluster["spec"]["volume"]["size"] == "20Gi"
    assert cluster["spec"]["connectionPooler"]["mode"] == "session"
    vm = yaml.safe_load((PATRONI / "patroni.yml").read_text())
    assert vm["bootstrap"]["dcs"]["synchronous_mode"] is True
    assert vm["bootstrap"]["dcs"]["postgresql"]["parameters"]["wal_level"] == "replica"
    assert "password" not in str(vm["postgresql"]["authentication"]).lower()
    bouncer = configparser.ConfigParser()
    bouncer.read(PATRONI / "pgbouncer.ini")
    assert bouncer["pgbouncer"]["pool_mode"] == "session"
    assert "options" in bouncer["pgbouncer"]["ignore_startup_parameters"].split(",")
