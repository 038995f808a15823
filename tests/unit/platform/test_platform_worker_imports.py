"""What a Celery worker imports before it forks its pool, every process of the tree holds:
with prefork, the parent and each child count those pages in their RSS. Migrations
(Alembic, which brings Mako and with it most of Pygments: about 7 MiB a process), the web
stack and the ``celery`` command line's other commands (Flower with Tornado, the REPL with
prompt_toolkit: about 12 MiB a process) have no task to run in a worker. So importing every
module of ``tasks`` (what the worker imports) must not load them, nor must ``python -m
tasks.worker``, which ``athsys worker`` runs (Celery's ``worker`` command itself still
loads Pygments' Python lexer). docs/performance.md, "Worker memory by RSS", has the
figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from webui.cli.main import worker_argv

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]

#: Top-level packages the worker has no use for, and why each would be there by mistake.
NOT_IN_THE_WORKER = {
    "alembic": "migrations run from the CLI and at start-up, never in a task",
    "mako": "Alembic's templates",
    "flask": "the web app",
    "flask_appbuilder": "the web app",
    "webui": "the web app",
    "flower": "a command of the celery command line, run as a process of its own",
    "tornado": "Flower's web server",
    "click_repl": "the celery command line's REPL",
    "prompt_toolkit": "the REPL's terminal",
}

PROBE = """
import importlib, pkgutil, sys
import tasks

for found in pkgutil.walk_packages(tasks.__path__, "tasks."):
    importlib.import_module(found.name)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""

#: The worker's command, up to parsing its options (``--help`` prints them and exits).
COMMAND_PROBE = """
import sys
from tasks import worker
try:
    worker.main(["--help"])
except SystemExit as stop:
    print("exit", stop.code, file=sys.stderr)
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def _loaded(probe: str) -> tuple[set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split()), done.stderr


def test_the_worker_s_modules_load_neither_migrations_nor_the_web_app() -> None:
    loaded, _ = _loaded(PROBE)
    assert "tasks" in loaded and "sqlalchemy" in loaded  # the probe did import the tasks
    unwanted = {name: why for name, why in NOT_IN_THE_WORKER.items() if name in loaded}
    assert not unwanted, f"imported by the worker's modules: {unwanted}"


def test_the_worker_command_is_celery_s_without_the_command_line_around_it() -> None:
    loaded, stderr = _loaded(COMMAND_PROBE)
    assert "exit 0" in stderr
    unwanted = {name: why for name, why in NOT_IN_THE_WORKER.items() if name in loaded}
    assert not unwanted, f"imported by python -m tasks.worker: {unwanted}"


def test_athsys_worker_runs_the_worker_command() -> None:
    argv = worker_argv("ingest,leaderboards", 2, "track")
    assert argv[:3] == [sys.executable, "-m", "tasks.worker"]
    assert argv[argv.index("--queues") + 1] == "ingest,leaderboards"
