"""Delivering the notification outbox: one task per notification, a sweeper for due ones."""

from __future__ import annotations

from athsys.jobs import TaskName, enqueue_after_commit
from athsys.notifications import service
from tasks.app import celery_app
from tasks.base import AthsysTask, session_factory


@celery_app.task(name=TaskName.NOTIFICATIONS_DELIVER, base=AthsysTask, bind=True,
                 soft_time_limit=60, time_limit=90)
def deliver(self: AthsysTask, notification_id: int) -> str | None:
    """Send one notification; a second run for the same id sends nothing (claim first)."""
    status = service.deliver_notification(
        session_factory(self.settings), self.settings, notification_id
    )
    return status.value if status else None


@celery_app.task(name=TaskName.NOTIFICATIONS_DISPATCH_PENDING, base=AthsysTask, bind=True,
                 soft_time_limit=30, time_limit=45)
def dispatch_pending(self: AthsysTask) -> int:
    """Enqueue delivery of every due notification: new ones and retries whose time came."""
    with self.transaction() as session:
        due = service.due_notification_ids(session)
        for notification_id in due:
            enqueue_after_commit(session, TaskName.NOTIFICATIONS_DELIVER,
                                 notification_id=notification_id)
    return len(due)
