"""A prefork Celery worker serves the task metrics of its children on its exporter port.

The worker gets a Redis database of its own as broker, so the shared test worker never
takes its messages.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from celery import Celery
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from athsys.config import Settings, replace
from athsys.jobs import TASK_QUEUES, Queue, TaskName
from tasks.app import celery_config

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
PRIVATE_DB = "7"
# what `tasks.app` will do once wired; install() is idempotent, so this stays correct after
_START = ("import tasks.metrics as m; m.install(); "
          "from celery.bin.celery import main; sys.exit(main())")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def private_broker(settings: Settings) -> Iterator[str]:
    url = make_url(settings.redis_url).set(database=PRIVATE_DB).render_as_string(
        hide_password=False)
    client = redis_lib.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


def _scrape(port: int) -> dict[str, float]:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        text = response.read().decode()
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            key = sample.name + "".join(f"|{k}={v}" for k, v in sorted(sample.labels.items()))
            values[key] = sample.value
    return values


def test_prefork_children_are_summed_by_the_worker_exporter(
    settings: Settings, private_broker: str, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "REDIS_URL": private_broker,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
        "ATHSYS_WORKER_METRICS_PORT": str(port),
        "ATHSYS_WORKER_METRICS_ADDRESS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "counter_1.db").write_bytes(b"left by an earlier run")
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-c", f"import sys; {_START}", "-A", "tasks.app", "worker",
         "--queues", ",".join(Queue.ALL), "--concurrency", "2", "--pool", "prefork",
         "--hostname", f"obs-{os.getpid()}@%h", "--without-gossip", "--without-mingle",
         "--loglevel", "INFO"],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
    )
    client = Celery("obs-test", set_as_current=False)
    client.conf.update(celery_config(replace(settings, redis_url=private_broker)))
    try:
        answered = set()
        deadline = time.monotonic() + 90
        while len(answered) < 4 and time.monotonic() < deadline:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            result = client.send_task(TaskName.PING, queue=TASK_QUEUES[TaskName.PING])
            try:
                answer = result.get(timeout=3)
            except Exception:  # noqa: BLE001 - the worker is not up yet
                continue
            answered.add(result.id)
            assert answer["pid"] != worker.pid  # run by a pool child, not the main process
        assert len(answered) == 4, (tmp_path / "worker.log").read_text()

        def settled() -> dict[str, float] | None:
            try:
                values = _scrape(port)
            except OSError:
                return None
            started = values.get("athsys_task_started_total|task=platform.ping", 0)
            running = values.get("athsys_tasks_in_progress|task=platform.ping", 0)
            return values if started >= 4 and running == 0 else None

        values = None
        while values is None and time.monotonic() < deadline:
            values = settled()
            time.sleep(0.3)
        assert values is not None, "the exporter never showed the pings"
        assert values["athsys_task_succeeded_total|task=platform.ping"] >= 4
        assert values["athsys_task_duration_seconds_count|outcome=success|task=platform.ping"] >= 4
        measured = {q for q in Queue.ALL if f"athsys_queue_length|queue={q}" in values}
        assert measured == set(Queue.ALL)
        assert values["athsys_ingest_lag_seconds"] >= 0  # measured from the database
        assert not (tmp_path / "prom" / "counter_1.db").exists()  # emptied at start
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
        client.close()
