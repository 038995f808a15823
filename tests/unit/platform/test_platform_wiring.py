"""Nothing is installed by an import: every module of athsys, tasks and webui is imported in
a fresh interpreter, and no session listener of ours exists until ``tasks.wiring.install()``
(what ``create_app()``, the worker's start-up and the CLI call) runs; then each exists."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
#: Modules that build an application (or run migrations) when imported: their purpose.
BUILDERS = {"webui.wsgi", "webui.cli.__main__", "athsys.migrations.env"}

PROBE = """
import importlib, pkgutil, sys
from sqlalchemy import event
from sqlalchemy.orm import Session
import athsys, tasks, webui
from athsys.leaderboards import tracking
from tasks import dispatch

skip = set(sys.argv[1].split(","))
for package in (athsys, tasks, webui):
    for found in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if found.name not in skip and ".migrations.versions" not in found.name:
            importlib.import_module(found.name)

ours = [("after_commit", dispatch._send_pending), ("after_rollback", dispatch.discard_pending),
        ("after_flush", tracking._after_flush), ("after_commit", tracking._after_commit)]
print("before", [name for name, fn in ours if event.contains(Session, name, fn)])
from tasks import wiring
wiring.install()
wiring.install()
print("after", [name for name, fn in ours if event.contains(Session, name, fn)])
"""


def test_no_listener_is_installed_by_an_import() -> None:
    probe = subprocess.run([sys.executable, "-c", PROBE, ",".join(sorted(BUILDERS))],
                           cwd=ROOT, capture_output=True, text=True, timeout=120,
                           env={"PATH": "/usr/bin:/bin", "ATHSYS_ENV": "testing",
                                "DATABASE_URL": "postgresql://athsys@127.0.0.1:1/none",
                                "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert probe.returncode == 0, probe.stderr[-3000:]
    lines = dict(line.split(" ", 1) for line in probe.stdout.strip().splitlines())
    assert lines["before"] == "[]"
    assert lines["after"] == ("['after_commit', 'after_rollback', 'after_flush', "
                              "'after_commit']")
