"""Housekeeping the scheduler runs: raw timing reads past retention, and what each scheduled
task did last (for the admin page that shows the schedule)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import redis as redis_lib
from sqlalchemy import text
from sqlalchemy.orm import Session

LAST_RUN_KEY = "athsys:schedule:last_run"
_DELETE_BATCH = 10_000


def prune_timing_reads(session: Session, retention_days: int, *, today: date | None = None,
                       batch: int = _DELETE_BATCH) -> int:
    """Delete raw reads of competitions that are official and ended ``retention_days`` ago.

    Results and splits computed from the reads stay. Deletes in batches so that a city
    marathon's millions of reads never hold long locks; returns the number deleted.
    """
    cutoff = (today or datetime.now(UTC).date()) - timedelta(days=retention_days)
    total = 0
    while True:
        deleted = session.execute(
            text(
                "DELETE FROM timing_read WHERE id IN ("
                " SELECT r.id FROM timing_read r"
                " JOIN timing_device d ON d.id = r.device_id"
                " JOIN competition c ON c.id = d.competition_id"
                " WHERE c.status = 'official' AND c.end_date < :cutoff"
                " LIMIT :batch FOR UPDATE OF r SKIP LOCKED)"
            ),
            {"cutoff": cutoff, "batch": batch},
        ).rowcount  # type: ignore[attr-defined]
        total += int(deleted or 0)
        if not deleted or deleted < batch:
            return total


@dataclass(frozen=True)
class LastRun:
    task: str
    at: datetime
    outcome: str  # "success" or "failure"
    detail: str


def record_run(client: redis_lib.Redis, task: str, outcome: str, detail: str,
               at: datetime | None = None) -> None:
    """Remember the last outcome of a scheduled task (one hash field per task)."""
    value = {"at": (at or datetime.now(UTC)).isoformat(), "outcome": outcome,
             "detail": detail[:500]}
    client.hset(LAST_RUN_KEY, task, json.dumps(value))


def last_runs(client: redis_lib.Redis) -> dict[str, LastRun]:
    out: dict[str, LastRun] = {}
    for task, raw in client.hgetall(LAST_RUN_KEY).items():
        value = json.loads(raw)
        out[task] = LastRun(task, datetime.fromisoformat(value["at"]), value["outcome"],
                            value["detail"])
    return out
