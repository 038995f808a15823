"""What runs when: data only. Every entry names a task constant, its queue and an expiry.

Celery beat reads ``BEAT_SCHEDULE`` through ``tasks.app``; an entry that is not picked up
before ``expires`` seconds is dropped rather than run late.
"""

from __future__ import annotations

from datetime import timedelta

from athsys.jobs import TASK_QUEUES, TaskName

BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "beat-heartbeat": {
        "task": TaskName.BEAT_HEARTBEAT,
        "schedule": timedelta(seconds=30),
        "options": {"queue": TASK_QUEUES[TaskName.BEAT_HEARTBEAT], "expires": 25},
    },
}
