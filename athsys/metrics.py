"""Every Prometheus metric of the platform, with helpers that keep their labels bounded.

The names are part of the operator's contract (dashboards and alert rules in ``ops/`` use
them); ``METRIC_NAMES`` lists what a scrape exposes. Labels only ever take values from
small fixed sets: an HTTP endpoint is its URL rule template (``/api/races/<int:race_id>``)
or ``"unmatched"``, never the raw path, so a flood of random URLs adds no series.

Multiprocess mode: gunicorn workers and Celery's prefork children are separate processes.
When ``PROMETHEUS_MULTIPROC_DIR`` is set *before prometheus_client is first imported*, each
process writes its values to files in that directory and :func:`render_latest` aggregates
them. Gauges declare how they aggregate: ``live*`` modes drop a dead process's value
(``mark_process_dead``), except the backup timestamp, which must outlive the process that
wrote it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import event
from sqlalchemy.engine import Engine

from athsys.jobs import TASK_QUEUES, Queue

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
# the classic text format generate_latest writes, as every Prometheus 2.x and 3.x reads it
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

UNMATCHED_ENDPOINT = "unmatched"
OTHER = "other"
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
DB_OPERATIONS = frozenset({"select", "insert", "update", "delete"})
AUTH_FAILURE_REASONS = frozenset(
    {
        "invalid_credentials",
        "inactive_user",
        "missing_token",
        "invalid_token",
        "expired_token",
        "revoked_token",
        "wrong_competition",
        "rate_limited",
        OTHER,
    }
)
INGEST_OUTCOMES = ("accepted", "duplicate", "rejected")
TASK_OUTCOMES = frozenset({"success", "failure", "retry"})
CACHE_NAMES = frozenset({"leaderboard", "schedule", "api", "permissions", OTHER})

# Web requests: from a 5 ms cache hit to a 30 s statement timeout.
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
DB_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0, 30.0)
TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 90.0)

http_requests_total = Counter(
    "athsys_http_requests_total",
    "HTTP requests answered, by method, URL rule template and status code.",
    ["method", "endpoint", "status_code"],
)
http_request_duration_seconds = Histogram(
    "athsys_http_request_duration_seconds",
    "Time from the first request hook to the response, by method and URL rule template.",
    ["method", "endpoint"],
    buckets=HTTP_BUCKETS,
)
db_query_duration_seconds = Histogram(
    "athsys_db_query_duration_seconds",
    "Time spent in the database driver per statement, by SQL operation.",
    ["operation"],
    buckets=DB_BUCKETS,
)
db_pool_checked_out_connections = Gauge(
    "athsys_db_pool_checked_out_connections",
    "Database connections currently checked out of the pools of live processes.",
    multiprocess_mode="livesum",
)
cache_hits_total = Counter(
    "athsys_cache_hits_total", "Cache lookups answered from the cache.", ["cache"]
)
cache_misses_total = Counter(
    "athsys_cache_misses_total", "Cache lookups that had to compute the value.", ["cache"]
)
authentication_failures_total = Counter(
    "athsys_authentication_failures_total",
    "Refused logins and tokens, by reason.",
    ["reason"],
)
task_started_total = Counter(
    "athsys_task_started_total", "Celery tasks started, by task name.", ["task"]
)
task_succeeded_total = Counter(
    "athsys_task_succeeded_total", "Celery tasks that returned, by task name.", ["task"]
)
task_failures_total = Counter(
    "athsys_task_failures_total", "Celery tasks that raised, by task name.", ["task"]
)
task_retries_total = Counter(
    "athsys_task_retries_total", "Celery tasks that asked to be retried, by task name.", ["task"]
)
task_duration_seconds = Histogram(
    "athsys_task_duration_seconds",
    "Run time of Celery tasks, by task name and outcome.",
    ["task", "outcome"],
    buckets=TASK_BUCKETS,
)
tasks_in_progress = Gauge(
    "athsys_tasks_in_progress",
    "Celery tasks running now, by task name.",
    ["task"],
    multiprocess_mode="livesum",
)
queue_length = Gauge(
    "athsys_queue_length",
    "Messages waiting in each Celery queue (Redis LLEN), as last measured.",
    ["queue"],
    multiprocess_mode="livemostrecent",
)
ingest_reads_total = Counter(
    "athsys_ingest_reads_total",
    "Timing reads received, by outcome (accepted, duplicate, rejected).",
    ["outcome"],
)
ingest_lag_seconds = Gauge(
    "athsys_ingest_lag_seconds",
    "Age of the oldest stored read not yet processed into results (0 when none wait).",
    multiprocess_mode="livemostrecent",
)
results_published_total = Counter(
    "athsys_results_published_total",
    "Results made visible to the public (new, corrected or official).",
)
backup_last_success_timestamp_seconds = Gauge(
    "athsys_backup_last_success_timestamp_seconds",
    "Unix time of the last database backup that completed and was verified.",
    # not a live* mode: the value must survive the worker child that wrote it
    multiprocess_mode="max",
)

#: Every metric family the application exposes, as queries name them (histograms add
#: ``_bucket``, ``_sum`` and ``_count``; counters also expose ``_created``).
METRIC_NAMES: frozenset[str] = frozenset(
    {
        "athsys_http_requests_total",
        "athsys_http_request_duration_seconds",
        "athsys_db_query_duration_seconds",
        "athsys_db_pool_checked_out_connections",
        "athsys_cache_hits_total",
        "athsys_cache_misses_total",
        "athsys_authentication_failures_total",
        "athsys_task_started_total",
        "athsys_task_succeeded_total",
        "athsys_task_failures_total",
        "athsys_task_retries_total",
        "athsys_task_duration_seconds",
        "athsys_tasks_in_progress",
        "athsys_queue_length",
        "athsys_ingest_reads_total",
        "athsys_ingest_lag_seconds",
        "athsys_results_published_total",
        "athsys_backup_last_success_timestamp_seconds",
    }
)


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_DIR_ENV))


def render_latest() -> bytes:
    """The text exposition of this process, or of all processes in multiprocess mode."""
    if is_multiprocess():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def reset_multiprocess_dir(directory: Path, keep_pid: int | None = None) -> None:
    """Empty (or create) the multiprocess directory at the start of a run.

    Files left by a previous run would be summed into this one's counters. The directory
    itself stays: it is often a mounted tmpfs. ``keep_pid`` keeps the files of a process
    that has already created its metrics (a Celery worker's main process, which imported
    them before its start-up signal): deleting files it has mapped would hide its values.
    """
    directory.mkdir(parents=True, exist_ok=True)
    own_suffix = None if keep_pid is None else f"_{keep_pid}.db"
    for entry in directory.iterdir():
        if own_suffix is not None and entry.name.endswith(own_suffix):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


# -- label values -------------------------------------------------------------------------

def endpoint_label(url_rule: str | None) -> str:
    """The URL rule template a request matched, or ``"unmatched"`` (404s, 405s)."""
    return url_rule or UNMATCHED_ENDPOINT


def method_label(method: str) -> str:
    upper = method.upper()
    return upper if upper in HTTP_METHODS else OTHER


def task_label(task_name: str | None) -> str:
    """A registered task's name; anything else (a stray message) counts as ``"other"``."""
    return task_name if task_name in TASK_QUEUES else OTHER


def queue_label(queue: str) -> str:
    return queue if queue in Queue.ALL else OTHER


def operation_label(statement: str) -> str:
    words = statement.lstrip().split(None, 1)
    first = words[0].lower() if words else ""
    return first if first in DB_OPERATIONS else OTHER


def _bounded(value: str, allowed: frozenset[str]) -> str:
    return value if value in allowed else OTHER


# -- observations -------------------------------------------------------------------------

def observe_http_request(
    method: str, url_rule: str | None, status_code: int, duration_s: float | None
) -> None:
    """Count one answered request; ``duration_s`` is None when no start time was taken."""
    method_value, endpoint = method_label(method), endpoint_label(url_rule)
    http_requests_total.labels(method_value, endpoint, str(status_code)).inc()
    if duration_s is not None:
        http_request_duration_seconds.labels(method_value, endpoint).observe(duration_s)


def record_cache_lookup(cache: str, hit: bool) -> None:
    counter = cache_hits_total if hit else cache_misses_total
    counter.labels(_bounded(cache, CACHE_NAMES)).inc()


def record_authentication_failure(reason: str) -> None:
    authentication_failures_total.labels(_bounded(reason, AUTH_FAILURE_REASONS)).inc()


def record_ingest_reads(*, accepted: int = 0, duplicate: int = 0, rejected: int = 0) -> None:
    """Count the reads of one batch by outcome."""
    for outcome, count in zip(INGEST_OUTCOMES, (accepted, duplicate, rejected), strict=True):
        if count < 0:
            raise ValueError(f"{outcome} read count must not be negative, got {count}")
        if count:
            ingest_reads_total.labels(outcome).inc(count)


def set_ingest_lag(oldest_unprocessed_age_s: float) -> None:
    ingest_lag_seconds.set(max(0.0, oldest_unprocessed_age_s))


def record_results_published(count: int = 1) -> None:
    results_published_total.inc(count)


def set_queue_lengths(lengths: Mapping[str, int]) -> None:
    for queue, length in lengths.items():
        queue_length.labels(queue_label(queue)).set(length)


def record_backup_success(finished_at_unix_s: float | None = None) -> None:
    backup_last_success_timestamp_seconds.set(
        time.time() if finished_at_unix_s is None else finished_at_unix_s
    )


# -- tasks ----------------------------------------------------------------------------------

def task_started(task_name: str | None) -> None:
    name = task_label(task_name)
    task_started_total.labels(name).inc()
    tasks_in_progress.labels(name).inc()


def task_finished(task_name: str | None, outcome: str, duration_s: float | None) -> None:
    """Close a task started with :func:`task_started`.

    ``outcome`` is one of :data:`TASK_OUTCOMES`; anything else (an ignored or rejected
    task) is recorded as ``"other"``.
    """
    name = task_label(task_name)
    tasks_in_progress.labels(name).dec()
    if outcome not in TASK_OUTCOMES:
        outcome = OTHER
    if outcome == "success":
        task_succeeded_total.labels(name).inc()
    elif outcome == "retry":
        task_retries_total.labels(name).inc()
    if duration_s is not None:
        task_duration_seconds.labels(name, outcome).observe(duration_s)


def task_failed(task_name: str | None) -> None:
    task_failures_total.labels(task_label(task_name)).inc()


# -- SQLAlchemy -----------------------------------------------------------------------------

_STARTED_ATTR = "_athsys_query_started"


def _before_cursor_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    if context is not None:
        setattr(context, _STARTED_ATTR, time.perf_counter())


def _after_cursor_execute(
    conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
) -> None:
    started = getattr(context, _STARTED_ATTR, None)
    if started is not None:
        db_query_duration_seconds.labels(operation_label(statement)).observe(
            time.perf_counter() - started
        )


def _checked_out(*_: Any) -> None:
    db_pool_checked_out_connections.inc()


def _returned(*_: Any) -> None:
    db_pool_checked_out_connections.dec()


_ENGINE_LISTENERS = (
    ("before_cursor_execute", _before_cursor_execute),
    ("after_cursor_execute", _after_cursor_execute),
)
# a detached connection never checks in: it leaves the pool's count there
_POOL_LISTENERS = (("checkout", _checked_out), ("checkin", _returned), ("detach", _returned))


def instrument_engine(engine: Engine) -> Engine:
    """Time every statement of ``engine`` and count its checked-out connections (idempotent)."""
    for name, listener in _ENGINE_LISTENERS:
        if not event.contains(engine, name, listener):
            event.listen(engine, name, listener)
    for name, listener in _POOL_LISTENERS:
        if not event.contains(engine.pool, name, listener):
            event.listen(engine.pool, name, listener)
    return engine
