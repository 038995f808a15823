"""What runs when: data only. Every entry names a task constant, its queue and an expiry.

Celery beat reads ``BEAT_SCHEDULE`` through ``tasks.app``; an entry that is not picked up
before ``expires`` seconds is dropped rather than run late.
"""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab

from athsys.jobs import TASK_QUEUES, TaskName

BACKUP_ENTRY = "backup-database"

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "beat-heartbeat": {
        "task": TaskName.BEAT_HEARTBEAT,
        "schedule": timedelta(seconds=30),
        "options": {"queue": TASK_QUEUES[TaskName.BEAT_HEARTBEAT], "expires": 25},
    },
    BACKUP_ENTRY: {
        "task": TaskName.BACKUP_DATABASE,
        # BACKUP_SCHEDULE replaces this default (02:00 UTC) when tasks.app builds the config
        "schedule": crontab(minute="0", hour="2"),
        "options": {"queue": TASK_QUEUES[TaskName.BACKUP_DATABASE], "expires": 3600},
    },
    "prune-backups": {
        "task": TaskName.PRUNE_BACKUPS,
        "schedule": crontab(minute="30", hour="3"),
        "options": {"queue": TASK_QUEUES[TaskName.PRUNE_BACKUPS], "expires": 3600},
    },
    "prune-timing-reads": {
        "task": TaskName.PRUNE_TIMING_READS,
        "schedule": crontab(minute="0", hour="4"),
        "options": {"queue": TASK_QUEUES[TaskName.PRUNE_TIMING_READS], "expires": 3600},
    },
    "cleanup-stale": {
        "task": TaskName.CLEANUP_STALE,
        "schedule": timedelta(minutes=10),
        "options": {"queue": TASK_QUEUES[TaskName.CLEANUP_STALE], "expires": 300},
    },
    "notifications-dispatch-pending": {
        "task": TaskName.NOTIFICATIONS_DISPATCH_PENDING,
        "schedule": timedelta(seconds=30),
        "options": {"queue": TASK_QUEUES[TaskName.NOTIFICATIONS_DISPATCH_PENDING], "expires": 25},
    },
    "timing-sweep-unprocessed": {
        "task": TaskName.TIMING_SWEEP_UNPROCESSED,
        "schedule": timedelta(seconds=30),
        "options": {"queue": TASK_QUEUES[TaskName.TIMING_SWEEP_UNPROCESSED], "expires": 25},
    },
}
