import ast
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import beat_schedule
from athsys.jobs import (
    TASK_QUEUES,
    Queue,
    TaskName,
    discard_pending,
    enqueue_after_commit,
    take_pending,
)

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]


def test_requests_wait_in_the_session_and_deduplicate() -> None:
    session = Session()
    enqueue_after_commit(session, TaskName.PING)
    enqueue_after_commit(session, TaskName.PING)
    enqueue_after_commit(session, TaskName.BEAT_HEARTBEAT)
    pending = take_pending(session)
    assert [job.name for job in pending] == [TaskName.PING, TaskName.BEAT_HEARTBEAT]
    assert pending[0].queue == Queue.MAINTENANCE
    assert take_pending(session) == []


def test_rollback_discards_requests() -> None:
    session = Session()
    enqueue_after_commit(session, TaskName.PING)
    discard_pending(session)
    assert take_pending(session) == []


def test_unknown_task_name_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown task name"):
        enqueue_after_commit(Session(), "platform.nope")


def test_every_task_has_a_known_queue() -> None:
    assert set(TASK_QUEUES.values()) <= set(Queue.ALL)
    assert set(Queue.ALL) == {"ingest", "leaderboards", "notifications", "maintenance"}


def test_beat_entries_name_a_task_queue_and_expiry() -> None:
    assert beat_schedule.BEAT_SCHEDULE
    for name, entry in beat_schedule.BEAT_SCHEDULE.items():
        assert entry["task"] in TASK_QUEUES, name
        options = entry["options"]
        assert isinstance(options, dict)
        assert options["queue"] == TASK_QUEUES[str(entry["task"])], name
        assert isinstance(options["expires"], (int, float)) and options["expires"] > 0, name


def test_beat_schedule_is_data_only() -> None:
    tree = ast.parse((ROOT / "beat_schedule.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))]


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_domain_core_imports_neither_flask_nor_celery() -> None:
    forbidden = {"flask", "flask_appbuilder", "celery", "kombu", "webui", "tasks", "werkzeug"}
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_modules(path) & forbidden)
        for path in (ROOT / "athsys").rglob("*.py")
        if _imported_modules(path) & forbidden
    }
    assert offenders == {}
