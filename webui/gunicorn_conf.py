"""gunicorn settings: ``gunicorn --config python:webui.gunicorn_conf webui.wsgi:app``.

Used by ``athsys web``/``athsys up`` (which pass their own bind and worker count) and by the
production image.

Metrics of several workers: every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums them. The variable must be set before
prometheus_client is first imported in any process (it picks its storage at import time),
so it is set here, prometheus_client is imported only inside the hooks, and the app is not
preloaded in the master. The directory is emptied when the master starts; a dead worker's
live gauges are dropped when it exits.

Roles and permissions are synchronised before the workers start (``athsys sync-roles`` in
the migrate step of docker-compose.prod.yml), never by the workers themselves.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/athsys-prometheus")  # nosec B108 # default only: athsys up sets one under the data directory

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
# a worker is replaced after this many requests (jittered), bounding slow leaks
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
preload_app = False
# nginx in front adds X-Forwarded-*; gunicorn trusts FORWARDED_ALLOW_IPS from the environment
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# one JSON line per request comes from the application (webui.request_log)
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # nosec B108 # gunicorn heartbeat files in memory, as gunicorn advises


def on_starting(server: Any) -> None:
    """Forget the files of a previous run (they would be summed into this one).

    Done without importing the application: the master should not create metric files.
    The directory itself stays, as it is often a mounted tmpfs.
    """
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    for entry in directory.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
