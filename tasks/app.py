"""The Celery application, built from :mod:`athsys.config`.

JSON only, late acknowledgement, one message prefetched at a time, a time limit on every
task, and the four queues of the platform. ``celery -A tasks.app worker`` finds it here.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_init
from kombu import Queue as KombuQueue

import beat_schedule
from athsys.config import Settings, get_config
from athsys.embedded import with_server_urls
from athsys.jobs import TASK_QUEUES, Queue
from tasks import metrics, wiring


def _beat_schedule(settings: Settings) -> dict[str, dict[str, object]]:
    """The schedule of beat_schedule.py, with the backup time the settings choose."""
    schedule = dict(beat_schedule.BEAT_SCHEDULE)
    backup = beat_schedule.BACKUP_ENTRY
    schedule[backup] = {**schedule[backup], "schedule": crontab(**settings.backup_crontab)}
    return schedule


def celery_config(settings: Settings) -> dict[str, object]:
    """Celery's configuration derived from ours."""
    return {
        "broker_url": settings.celery_broker_url or settings.redis_url,
        "result_backend": settings.celery_result_backend or settings.redis_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # a task running when the broker connection drops could not acknowledge its message
        # any more: cancel it (its transaction rolls back), the sweeper sends its batch again
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit,
        "task_time_limit": settings.task_time_limit,
        "task_queues": [KombuQueue(name) for name in Queue.ALL],
        "task_default_queue": Queue.MAINTENANCE,
        "task_routes": {name: {"queue": queue} for name, queue in TASK_QUEUES.items()},
        "task_create_missing_queues": False,
        "task_track_started": True,
        "result_expires": 3600,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": 3600},
        "worker_hijack_root_logger": False,
        "worker_send_task_events": True,
        # Celery's default: no "task-sent" event from the sender. A device's batch costs the
        # web worker 0.4 ms less (a second publish, with a Redis client kombu makes for it),
        # and Flower one event less a task; Flower lists a task from its "task-received",
        # and the tasks still waiting are the queue lengths (athsys_queue_length, Flower's
        # Broker page)
        "task_send_sent_event": False,
        "beat_schedule": _beat_schedule(settings),
        "timezone": "UTC",
        "enable_utc": True,
        "athsys_settings": settings,
    }


def _configuration_from_environment() -> dict[str, object]:
    return celery_config(with_server_urls(get_config()))


celery_app = Celery(
    "athsys",
    set_as_current=True,
    include=["tasks.platform", "tasks.maintenance", "tasks.notifications", "tasks.ingest",
             "tasks.leaderboards"],
)
# Read lazily, at first use: importing this module needs no running server.
celery_app.add_defaults(_configuration_from_environment)
metrics.install()


@worker_init.connect(weak=False, dispatch_uid="athsys.wiring")
def _wire_worker(**_: object) -> None:
    """The worker's start-up, before its pool forks: the children inherit the listeners."""
    wiring.install()
