"""Ingestion tasks: process a stored batch of reads, sweep batches left behind, and the
leaderboard refresh request they end with (the refresh itself is ``tasks.leaderboards``).

Each task loads by id, calls the :mod:`athsys.timing` services, commits, then enqueues follow-ups.
The database is the source of truth: a lost message or a dead worker leaves a batch pending
or processing, and ``timing.sweep_unprocessed`` (beat, every 30 s) sends it again.
"""

from __future__ import annotations

import logging

from athsys.jobs import TASK_QUEUES, TaskName
from athsys.redis_client import make_redis
from athsys.timing import batches, process
from tasks.app import celery_app
from tasks.base import AthsysTask

log = logging.getLogger(__name__)

REFRESH_DEBOUNCE_S = 0.5
"""Window of the leaderboard refresh debounce: a refresh runs at once when none ran in the
last window, then at most once more at the end of the window for what came meanwhile."""
_WINDOW_KEY = "athsys:leaderboard:refresh-window:{event_id}"
_TRAILING_KEY = "athsys:leaderboard:refresh-trailing:{event_id}"


@celery_app.task(
    name=TaskName.TIMING_PROCESS_BATCH, base=AthsysTask, bind=True,
    soft_time_limit=120, time_limit=150,
)
def process_batch(self: AthsysTask, batch_id: int) -> dict[str, object] | None:
    """Claim the batch (pending → processing, committed), process it with the competition's
    other waiting batches, commit, then ask for one debounced leaderboard refresh per
    affected event. A finished batch (perhaps taken along by another) is a no-op.

    When processing with the waiting batches fails, one of them may be the cause: this
    batch is then processed alone, and only a failure of its own is recorded on it."""
    with self.transaction() as session:
        if not batches.claim_batch(session, batch_id):
            return None
    window_ms = self.settings.timing_duplicate_window_ms
    try:
        with self.transaction() as session:
            outcome = process.process_batch(session, batch_id, window_ms=window_ms)
    except Exception:
        log.warning("processing batch %s with the waiting batches failed; alone now", batch_id,
                    exc_info=True)
        try:
            with self.transaction() as session:
                outcome = process.process_batch(session, batch_id, window_ms=window_ms,
                                                catch_up_reads=0)
        except Exception as exc:
            with self.transaction() as session:
                batches.mark_batch_error(session, batch_id, f"{type(exc).__name__}: {exc}",
                                         self.settings.ingest_max_attempts)
            raise
    if outcome is None:
        return None
    request_refresh(self, sorted(outcome.event_ids))
    return outcome.as_dict()


def request_refresh(task: AthsysTask, event_ids: list[int]) -> None:
    """At most two refreshes per event per debounce window, however many batches touch it:
    one at once when the window opens (a stored read shows without waiting), one at its end
    for the batches processed during it."""
    if not event_ids:
        return
    window_ms = int(REFRESH_DEBOUNCE_S * 1000)
    client = make_redis(task.settings)
    try:
        for event_id in event_ids:
            window_key = _WINDOW_KEY.format(event_id=event_id)
            if client.set(window_key, 1, nx=True, px=window_ms):
                _send_refresh(event_id, countdown_s=0)
                continue
            remaining_ms = int(client.pttl(window_key))
            if remaining_ms <= 0:  # the window closed since: open a new one
                remaining_ms = window_ms
                if client.set(window_key, 1, nx=True, px=window_ms):
                    _send_refresh(event_id, countdown_s=0)
                    continue
            if client.set(_TRAILING_KEY.format(event_id=event_id), 1, nx=True, px=remaining_ms):
                _send_refresh(event_id, countdown_s=remaining_ms / 1000)
    finally:
        client.close()


def _send_refresh(event_id: int, *, countdown_s: float) -> None:
    celery_app.send_task(
        TaskName.LEADERBOARD_REFRESH, kwargs={"event_id": event_id},
        queue=TASK_QUEUES[TaskName.LEADERBOARD_REFRESH], countdown=countdown_s or None,
    )


@celery_app.task(
    name=TaskName.TIMING_SWEEP_UNPROCESSED, base=AthsysTask, bind=True,
    soft_time_limit=20, time_limit=30,
)
def sweep_unprocessed(self: AthsysTask) -> list[int]:
    """Re-enqueue (after commit) batches unfinished for longer than INGEST_SWEEP_AFTER_S."""
    with self.transaction() as session:
        ids = batches.sweep_unprocessed(session, older_than_s=self.settings.ingest_sweep_after_s)
    if ids:
        log.warning("re-enqueued %d unprocessed read batch(es): %s", len(ids), ids[:20])
    return ids
