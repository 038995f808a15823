"""Sends the jobs a transaction asked for, after it commits (see :mod:`athsys.jobs`)."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session

from athsys.jobs import discard_pending, take_pending

log = logging.getLogger(__name__)
_installed = False


def install() -> None:
    """Listen on every SQLAlchemy session of this process (idempotent)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _send_pending)
    event.listen(Session, "after_rollback", discard_pending)
    _installed = True


def _send_pending(session: Session) -> None:
    from tasks.app import celery_app

    for job in take_pending(session):
        try:
            celery_app.send_task(job.name, kwargs=job.kwargs, queue=job.queue)
        except Exception:  # noqa: BLE001 - the commit stands; sweepers re-enqueue from the DB
            log.exception("could not enqueue %s after commit", job.name)
