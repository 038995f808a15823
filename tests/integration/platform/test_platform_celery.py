import time

import pytest
import redis as redis_lib
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.health import BEAT_HEARTBEAT_KEY
from athsys.jobs import TaskName, enqueue_after_commit

pytestmark = pytest.mark.integration


def _wait_for_key(client: redis_lib.Redis, key: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if client.exists(key):
            return True
        time.sleep(0.1)
    return False


def test_job_is_sent_only_after_commit(engine: Engine, redis_client: redis_lib.Redis,
                                       celery_worker) -> None:  # type: ignore[no-untyped-def]
    from tasks import wiring

    wiring.install()  # as create_app() and the worker's start-up do
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        enqueue_after_commit(session, TaskName.BEAT_HEARTBEAT)
        time.sleep(0.5)
        assert not redis_client.exists(BEAT_HEARTBEAT_KEY), "sent before commit"
        session.commit()
    assert _wait_for_key(redis_client, BEAT_HEARTBEAT_KEY, 15), "worker never ran the job"


def test_rolled_back_job_is_never_sent(engine: Engine, redis_client: redis_lib.Redis,
                                       celery_worker) -> None:  # type: ignore[no-untyped-def]
    from tasks import wiring

    wiring.install()
    with Session(engine) as session:
        session.execute(text("SELECT 1"))
        enqueue_after_commit(session, TaskName.BEAT_HEARTBEAT)
        session.rollback()
        session.execute(text("SELECT 1"))
        session.commit()
    assert not _wait_for_key(redis_client, BEAT_HEARTBEAT_KEY, 3)


def test_worker_round_trip_and_json_only(celery_worker) -> None:  # type: ignore[no-untyped-def]
    from tasks.app import celery_app

    result = celery_app.send_task(TaskName.PING, queue="maintenance")
    answer = result.get(timeout=15)
    assert answer["pong"] is True
    conf = celery_app.conf
    assert conf.accept_content == ["json"] and conf.task_serializer == "json"
    assert conf.worker_prefetch_multiplier == 1 and conf.task_acks_late is True
    assert conf.task_always_eager is False
    assert conf.task_time_limit and conf.task_soft_time_limit


def test_every_beat_entry_names_a_registered_task(settings) -> None:  # type: ignore[no-untyped-def]
    import beat_schedule
    from tasks.app import celery_app

    celery_app.loader.import_default_modules()
    for name, entry in beat_schedule.BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
        assert entry["options"]["queue"] and entry["options"]["expires"], name
