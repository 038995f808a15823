import time

import pytest
from celery.schedules import crontab

from athsys.backups import housekeeping
from athsys.config import Settings
from athsys.jobs import TASK_QUEUES, Queue, TaskName

pytestmark = pytest.mark.integration


def test_every_beat_entry_names_a_registered_task_with_queue_and_expiry(
    settings: Settings,
) -> None:
    import beat_schedule
    from tasks.app import celery_app

    celery_app.loader.import_default_modules()
    assert beat_schedule.BEAT_SCHEDULE
    for name, entry in beat_schedule.BEAT_SCHEDULE.items():
        task = entry["task"]
        assert task in celery_app.tasks, f"{name}: {task} is not a registered task"
        options = entry["options"]
        assert options["queue"] in Queue.ALL, name
        assert options["queue"] == TASK_QUEUES[task], name
        assert isinstance(options["expires"], int) and options["expires"] > 0, name
    assert celery_app.conf.beat_schedule == beat_schedule.BEAT_SCHEDULE


def test_the_backup_runs_daily_at_two_by_default(settings: Settings) -> None:
    import beat_schedule

    entry = beat_schedule.BEAT_SCHEDULE["backup-database"]
    assert entry["task"] == TaskName.BACKUP_DATABASE
    assert entry["schedule"] == crontab(minute="0", hour="2")
    assert settings.backup_schedule == "0 2 * * *"


def test_a_scheduled_task_run_is_remembered_for_the_admin_page(
    celery_worker, redis_client
) -> None:
    from tasks.app import celery_app

    result = celery_app.send_task(TaskName.BEAT_HEARTBEAT,
                                  queue=TASK_QUEUES[TaskName.BEAT_HEARTBEAT])
    result.get(timeout=30)
    deadline = time.monotonic() + 10
    runs: dict[str, housekeeping.LastRun] = {}
    while time.monotonic() < deadline and TaskName.BEAT_HEARTBEAT not in runs:
        runs = housekeeping.last_runs(redis_client)
        time.sleep(0.1)
    assert runs[TaskName.BEAT_HEARTBEAT].outcome == "success"
