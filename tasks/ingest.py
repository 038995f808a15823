"""Ingestion tasks: process a stored batch of reads and sweep batches left behind. Processing
asks for the leaderboard refreshes itself, in its transaction (:func:`athsys.jobs.request_refresh`);
they are sent, debounced, after the commit.

Each task loads by id, calls the :mod:`athsys.timing` services, commits, then enqueues follow-ups.
The database is the source of truth: a lost message or a dead worker leaves a batch pending
or processing, and ``timing.sweep_unprocessed`` (beat, every 30 s) sends it again.
"""

from __future__ import annotations

import logging

from athsys.jobs import TaskName
from athsys.runtime import release_free_heap
from athsys.timing import batches
from athsys.timing import service as timing_service
from tasks.app import celery_app
from tasks.base import AthsysTask

log = logging.getLogger(__name__)

@celery_app.task(
    name=TaskName.TIMING_PROCESS_BATCH, base=AthsysTask, bind=True,
    soft_time_limit=120, time_limit=150,
)
def process_batch(self: AthsysTask, batch_id: int) -> dict[str, object] | None:
    """Claim the batch (pending → processing, committed), process it with the competition's
    other waiting batches and commit; the refresh of every affected event follows the commit.
    A finished batch (perhaps taken along by another) is a no-op.

    When processing with the waiting batches fails, one of them may be the cause: this
    batch is then processed alone, and only a failure of its own is recorded on it."""
    with self.transaction() as session:
        if not batches.claim_batch(session, batch_id):
            return None
    window_ms = self.settings.timing_duplicate_window_ms
    try:
        with self.transaction() as session:
            outcome = timing_service.process_batch(
                session, batch_id, window_ms=window_ms,
                catch_up_reads=self.settings.catch_up_max_reads)
    except Exception:
        log.warning("processing batch %s with the waiting batches failed; alone now", batch_id,
                    exc_info=True)
        try:
            with self.transaction() as session:
                outcome = timing_service.process_batch(session, batch_id, window_ms=window_ms,
                                                catch_up_reads=0)
        except Exception as exc:
            with self.transaction() as session:
                batches.mark_batch_error(session, batch_id, f"{type(exc).__name__}: {exc}",
                                         self.settings.ingest_max_attempts)
            raise
    finally:
        release_free_heap()
    return None if outcome is None else outcome.as_dict()


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
