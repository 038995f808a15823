"""What a Celery worker imports before it forks its pool, every process of the tree holds:
with prefork, the parent and each child count those pages in their RSS. Migrations (Alembic,
which brings Mako and Pygments: about 10 MiB a process) and the web stack have no task to
run in a worker, so importing every module of ``tasks`` (what the worker imports) must not
load them. docs/performance.md, "Worker memory by RSS", has the figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

#: Top-level packages the worker has no use for, and why each would be there by mistake.
NOT_IN_THE_WORKER = {
    "alembic": "migrations run from the CLI and at start-up, never in a task",
    "mako": "Alembic's templates",
    "pygments": "Mako's highlighting of template errors",
    "flask": "the web app",
    "flask_appbuilder": "the web app",
    "webui": "the web app",
}

PROBE = """
import importlib, pkgutil, sys
import tasks

for found in pkgutil.walk_packages(tasks.__path__, "tasks."):
    importlib.import_module(found.name)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_the_worker_s_modules_load_neither_migrations_nor_the_web_app() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "tasks" in loaded and "sqlalchemy" in loaded  # the probe did import the tasks
    unwanted = {name: why for name, why in NOT_IN_THE_WORKER.items() if name in loaded}
    assert not unwanted, f"imported by the worker's modules: {unwanted}"
