"""Celery task metrics, queue lengths, the ingestion lag, and the worker's own ``/metrics``
exporter.

Signal handlers count and time every task in the process that runs it (a prefork child);
with ``PROMETHEUS_MULTIPROC_DIR`` set, the worker's main process serves the sum of its
children on ``ATHSYS_WORKER_METRICS_PORT`` (no exporter when unset). Each worker (each
container) needs a directory of its own: it is emptied when the worker starts.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import redis as redis_lib
from celery import states
from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_shutdown,
    worker_ready,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from athsys import metrics
from athsys.config import Settings
from athsys.db import check_database_url
from athsys.jobs import Queue
from athsys.timing.batches import oldest_unprocessed_age_s

log = logging.getLogger(__name__)

PORT_ENV = "ATHSYS_WORKER_METRICS_PORT"
ADDRESS_ENV = "ATHSYS_WORKER_METRICS_ADDRESS"

# kombu's Redis transport keeps messages of priority p > 0 in "<queue>\x06\x16<p>"
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)

_started_at: dict[str, float] = {}
_STATE_OUTCOMES = {states.SUCCESS: "success", states.FAILURE: "failure", states.RETRY: "retry"}
_exporter: WSGIServer | None = None


def queue_keys(queue: str) -> list[str]:
    """The Redis lists holding ``queue``'s messages: the queue itself and its priorities."""
    return [queue, *(f"{queue}{_PRIORITY_SEPARATOR}{p}" for p in _PRIORITY_STEPS)]


def queue_lengths(client: redis_lib.Redis, queues: Iterable[str] = Queue.ALL) -> dict[str, int]:
    """Messages waiting in each queue (LLEN, priorities included), in one round trip."""
    names = list(queues)
    with client.pipeline(transaction=False) as pipe:
        for queue in names:
            for key in queue_keys(queue):
                pipe.llen(key)
        sizes = pipe.execute()
    per_queue = len(_PRIORITY_STEPS) + 1
    return {
        queue: sum(int(n) for n in sizes[i * per_queue:(i + 1) * per_queue])
        for i, queue in enumerate(names)
    }


def refresh_queue_lengths(client: redis_lib.Redis) -> bool:
    """Measure the queues into the gauge; an unreachable broker leaves it as it was."""
    try:
        lengths = queue_lengths(client)
    except redis_lib.RedisError as exc:
        log.debug("queue lengths not measured: %s", type(exc).__name__)
        return False
    metrics.set_queue_lengths(lengths)
    return True


def lag_engine(settings: Settings) -> Engine:
    """The exporter thread's database access: unpooled (the pool's children fork from this
    process), with one-second timeouts (a scrape must not hang on the database)."""
    return create_engine(
        check_database_url(settings.database_url), poolclass=NullPool,
        connect_args={"connect_timeout": 1, "options": "-c statement_timeout=1000",
                      "application_name": "athsys-metrics"},
    )


def refresh_ingest_lag(engine: Engine) -> bool:
    """Measure the ingestion lag into the gauge; an unreachable database leaves it as it
    was."""
    try:
        with Session(engine) as session:
            metrics.set_ingest_lag(oldest_unprocessed_age_s(session))
    except SQLAlchemyError as exc:
        log.debug("ingestion lag not measured: %s", type(exc).__name__)
        return False
    return True


def broker_client(settings: Settings) -> redis_lib.Redis:
    """A client of the broker's Redis with short timeouts: a scrape must not hang on it."""
    return redis_lib.Redis.from_url(
        settings.celery_broker_url or settings.redis_url,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
    )


# -- task signals ---------------------------------------------------------------------------

def _on_prerun(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    if task_id is not None:
        _started_at[task_id] = time.perf_counter()
    metrics.task_started(getattr(task, "name", None))


def _on_postrun(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _started_at.pop(task_id, None) if task_id is not None else None
    metrics.task_finished(
        getattr(task, "name", None),
        _STATE_OUTCOMES.get(state or "", metrics.OTHER),
        None if started is None else time.perf_counter() - started,
    )


def _on_failure(sender: Any = None, **_: Any) -> None:
    metrics.task_failed(getattr(sender, "name", None))


# -- the worker's exporter ------------------------------------------------------------------

def _reset_multiprocess_dir(**_: Any) -> None:
    """Runs in the worker's main process before the pool forks: forget a previous run."""
    directory = os.environ.get(metrics.MULTIPROC_DIR_ENV)
    if directory:
        metrics.reset_multiprocess_dir(Path(directory), keep_pid=os.getpid())


def _on_child_exit(pid: int | None = None, **_: Any) -> None:
    if pid is not None and metrics.is_multiprocess():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def metrics_wsgi_app(client: redis_lib.Redis, engine: Engine) -> Callable[..., list[bytes]]:
    """A WSGI app answering every GET with the current exposition, queue lengths and the
    ingestion lag measured anew."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if environ.get("PATH_INFO") not in ("/", "/metrics"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        refresh_queue_lengths(client)
        refresh_ingest_lag(engine)
        body = metrics.render_latest()
        start_response("200 OK", [("Content-Type", metrics.CONTENT_TYPE),
                                  ("Content-Length", str(len(body)))])
        return [body]

    return app


def start_exporter(settings: Settings, address: str, port: int) -> WSGIServer:
    """Serve the worker's metrics on ``address:port`` from a daemon thread."""
    server = make_server(address, port,
                         metrics_wsgi_app(broker_client(settings), lag_engine(settings)),
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="athsys-metrics", daemon=True).start()
    return server


def _on_worker_ready(sender: Any = None, **_: Any) -> None:
    global _exporter
    port = os.environ.get(PORT_ENV)
    if not port or _exporter is not None:
        return
    if not metrics.is_multiprocess():
        log.warning("%s is not set: the exporter sees the main process only, not the pool",
                    metrics.MULTIPROC_DIR_ENV)
    settings: Settings = sender.app.conf.athsys_settings
    address = os.environ.get(ADDRESS_ENV, "127.0.0.1")
    _exporter = start_exporter(settings, address, int(port))
    log.info("worker metrics on http://%s:%s/metrics", address, port)


_SIGNALS = (
    (task_prerun, _on_prerun),
    (task_postrun, _on_postrun),
    (task_failure, _on_failure),
    (worker_init, _reset_multiprocess_dir),
    (worker_process_shutdown, _on_child_exit),
    (worker_ready, _on_worker_ready),
)


def install() -> None:
    """Connect the handlers to Celery's signals (idempotent)."""
    for signal, handler in _SIGNALS:
        signal.connect(handler, weak=False, dispatch_uid=f"athsys.metrics.{handler.__name__}")
