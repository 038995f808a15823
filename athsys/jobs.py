"""Names of background jobs, their queues, and how the domain asks for one.

The domain core cannot import Celery, so a service that needs follow-up work (process a batch
of reads, refresh a leaderboard) calls :func:`enqueue_after_commit`; the request waits in the
session and ``tasks.dispatch`` sends it only once the transaction has committed. A rolled-back
transaction sends nothing, and a worker never looks for a row that is not there yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session


class Queue:
    INGEST = "ingest"
    LEADERBOARDS = "leaderboards"
    NOTIFICATIONS = "notifications"
    MAINTENANCE = "maintenance"

    ALL = (INGEST, LEADERBOARDS, NOTIFICATIONS, MAINTENANCE)


class TaskName:
    PING = "platform.ping"
    BEAT_HEARTBEAT = "maintenance.beat_heartbeat"
    BACKUP_DATABASE = "maintenance.backup_database"
    PRUNE_BACKUPS = "maintenance.prune_backups"
    PRUNE_TIMING_READS = "maintenance.prune_timing_reads"
    CLEANUP_STALE = "maintenance.cleanup_stale"
    NOTIFICATIONS_DELIVER = "notifications.deliver"
    NOTIFICATIONS_DISPATCH_PENDING = "notifications.dispatch_pending"
    TIMING_PROCESS_BATCH = "timing.process_batch"
    TIMING_SWEEP_UNPROCESSED = "timing.sweep_unprocessed"
    LEADERBOARD_REFRESH = "leaderboards.refresh_event"


#: The queue each task runs on; a task missing here cannot be enqueued.
TASK_QUEUES: dict[str, str] = {
    TaskName.PING: Queue.MAINTENANCE,
    TaskName.BEAT_HEARTBEAT: Queue.MAINTENANCE,
    TaskName.BACKUP_DATABASE: Queue.MAINTENANCE,
    TaskName.PRUNE_BACKUPS: Queue.MAINTENANCE,
    TaskName.PRUNE_TIMING_READS: Queue.MAINTENANCE,
    TaskName.CLEANUP_STALE: Queue.MAINTENANCE,
    TaskName.NOTIFICATIONS_DELIVER: Queue.NOTIFICATIONS,
    TaskName.NOTIFICATIONS_DISPATCH_PENDING: Queue.NOTIFICATIONS,
    TaskName.TIMING_PROCESS_BATCH: Queue.INGEST,
    TaskName.TIMING_SWEEP_UNPROCESSED: Queue.INGEST,
    TaskName.LEADERBOARD_REFRESH: Queue.LEADERBOARDS,
}

_PENDING_KEY = "athsys_pending_jobs"


@dataclass(frozen=True)
class JobRequest:
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def queue(self) -> str:
        return TASK_QUEUES[self.name]


def enqueue_after_commit(session: Session, name: str, **kwargs: Any) -> None:
    """Ask for task ``name`` to run once ``session`` commits (JSON-serialisable kwargs only)."""
    if name not in TASK_QUEUES:
        raise KeyError(f"unknown task name {name!r}")
    pending: list[JobRequest] = session.info.setdefault(_PENDING_KEY, [])
    request = JobRequest(name, kwargs)
    if request not in pending:
        pending.append(request)


def request_refresh(session: Session, event_ids: Iterable[int]) -> None:
    """The one way to ask for leaderboard refreshes: one per event, sent after the commit and
    debounced on the way (``tasks.dispatch``, :mod:`athsys.leaderboards.debounce`)."""
    for event_id in sorted(set(event_ids)):
        enqueue_after_commit(session, TaskName.LEADERBOARD_REFRESH, event_id=event_id)


def request_rebuild(session: Session, event_ids: Iterable[int]) -> None:
    """Ask for full rebuilds of the events' boards: something they show that is no result
    changed (see :meth:`athsys.leaderboards.cache.BoardStore.ask_rebuild`, which
    ``tasks.dispatch`` calls after the commit before sending each refresh)."""
    for event_id in sorted(set(event_ids)):
        enqueue_after_commit(session, TaskName.LEADERBOARD_REFRESH, event_id=event_id,
                             rebuild=True)


def take_pending(session: Session) -> list[JobRequest]:
    """Remove and return the requests waiting in ``session``."""
    return list(session.info.pop(_PENDING_KEY, []))


def discard_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
