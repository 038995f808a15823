"""Scheduled maintenance: database backups and their retention, timing-read retention,
clean-up of work left behind by dead workers; and the record of each scheduled run."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import task_postrun

import beat_schedule
from athsys.backups import housekeeping
from athsys.backups import service as backups
from athsys.jobs import TaskName
from athsys.notifications import service as notifications
from athsys.redis_client import make_redis
from tasks.app import celery_app
from tasks.base import AthsysTask, session_factory

log = logging.getLogger(__name__)

SCHEDULED_TASKS = frozenset(str(entry["task"]) for entry in beat_schedule.BEAT_SCHEDULE.values())


@celery_app.task(name=TaskName.BACKUP_DATABASE, base=AthsysTask, bind=True,
                 soft_time_limit=3 * 3600, time_limit=3 * 3600 + 60)
def backup_database(self: AthsysTask) -> dict[str, Any]:
    """pg_dump to BACKUP_DIR; skipped (not failed) when another backup holds the lock."""
    try:
        made = backups.create_backup(session_factory(self.settings), self.settings)
    except backups.BackupInProgressError as exc:
        log.warning("backup skipped: %s", exc.message)
        return {"skipped": exc.message}
    return {"backup_id": made.id, "filename": made.filename, "size": made.size,
            "sha256": made.sha256}


@celery_app.task(name=TaskName.PRUNE_BACKUPS, base=AthsysTask, bind=True,
                 soft_time_limit=300, time_limit=360)
def prune_backups(self: AthsysTask) -> int:
    return backups.prune_backups(session_factory(self.settings), self.settings)


@celery_app.task(name=TaskName.PRUNE_TIMING_READS, base=AthsysTask, bind=True,
                 soft_time_limit=1800, time_limit=1860)
def prune_timing_reads(self: AthsysTask) -> int:
    with self.transaction() as session:
        deleted = housekeeping.prune_timing_reads(
            session, self.settings.timing_read_retention_days
        )
    log.info("pruned %d raw timing reads", deleted)
    return deleted


@celery_app.task(name=TaskName.CLEANUP_STALE, base=AthsysTask, bind=True,
                 soft_time_limit=60, time_limit=90)
def cleanup_stale(self: AthsysTask) -> dict[str, int]:
    """Backups whose worker died while running, notifications claimed and never recorded."""
    abandoned = backups.fail_abandoned_backups(session_factory(self.settings))
    with self.transaction() as session:
        stale = notifications.fail_stale_sending(session)
    return {"abandoned_backups": abandoned, "stale_notifications": stale}


@task_postrun.connect
def _remember_scheduled_run(
    task: Any = None, state: str | None = None, retval: Any = None, **_: Any
) -> None:
    """Keep the last outcome of every scheduled task for the admin schedule page."""
    if task is None or task.name not in SCHEDULED_TASKS:
        return
    outcome = "success" if state == "SUCCESS" else "failure"
    detail = str(getattr(retval, "message", retval))
    try:
        client = make_redis(celery_app.conf.athsys_settings)
        try:
            housekeeping.record_run(client, task.name, outcome, detail)
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - the task's own outcome must not depend on this
        log.warning("could not record the outcome of %s", task.name, exc_info=True)
