"""Sends the jobs a transaction asked for, after it commits (see :mod:`athsys.jobs`).

Leaderboard refreshes are debounced on the way (:mod:`athsys.leaderboards.debounce`): a
refresh already due at the end of its event's window is not sent again; a rebuild asked for
is left with the event's boards first, so the debounce cannot lose it.
"""

from __future__ import annotations

import logging

import redis as redis_lib
from sqlalchemy import event
from sqlalchemy.orm import Session

from athsys.jobs import JobRequest, TaskName, discard_pending, take_pending
from athsys.leaderboards.cache import BoardStore
from athsys.leaderboards.debounce import refresh_countdown
from athsys.redis_client import make_redis

log = logging.getLogger(__name__)
_installed = False
_redis: redis_lib.Redis | None = None


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
            job = _rebuild_asked(job)
            countdown = _countdown(job)
            if countdown is None:
                continue  # a refresh due at the end of the window covers it
            celery_app.send_task(job.name, kwargs=job.kwargs, queue=job.queue,
                                 countdown=countdown or None)
        except Exception:  # noqa: BLE001 - the commit stands; sweepers re-enqueue from the DB
            log.exception("could not enqueue %s after commit", job.name)


def _rebuild_asked(job: JobRequest) -> JobRequest:
    """A refresh asked for as a rebuild (:func:`athsys.jobs.request_rebuild`) leaves the
    request with the event's boards, where whichever refresh runs next takes it (the
    debounce may drop this one for the refresh already due), and is sent as a refresh."""
    if job.name != TaskName.LEADERBOARD_REFRESH or not job.kwargs.get("rebuild"):
        return job
    event_id = job.kwargs["event_id"]
    BoardStore(_client()).ask_rebuild(event_id)
    return JobRequest(job.name, {"event_id": event_id})


def _countdown(job: JobRequest) -> float | None:
    """Seconds to wait before the job runs (0: at once); None: do not send it."""
    if job.name != TaskName.LEADERBOARD_REFRESH:
        return 0.0
    return refresh_countdown(_client(), job.kwargs["event_id"])


def _client() -> redis_lib.Redis:
    global _redis
    if _redis is None:
        from tasks.app import celery_app

        _redis = make_redis(celery_app.conf.athsys_settings)
    return _redis
