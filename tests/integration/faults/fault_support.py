"""The platform of the fault test, all of it owned by the test: an embedded PostgreSQL and
Redis in their own data directory (restarting them touches no other test), a gunicorn with
two workers, Celery workers, a stand-in for beat's sweeper, and a timing device that replays
a simulated road race and can lose its connection on purpose.

Nothing here talks to the servers of the rest of the test run: the test process sends its
tasks through a Celery app of its own (:attr:`FaultStack.celery`), never through
``tasks.app``, whose after-commit hook would reach the shared broker.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil
from celery import Celery
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys import embedded, migrations
from athsys.accounts.actor import SYSTEM
from athsys.config import Settings, get_config, replace
from athsys.db import make_engine
from athsys.jobs import TASK_QUEUES, TaskName, discard_pending
from athsys.timing.simulation import SimulatedPassing, SimulatedRace, setup_race
from tasks.app import celery_config
from tests.support.processes import stop_process
from tests.support.worker import WorkerProcess
from webui.cli.timing import passings_body, post_passings

ROOT = Path(__file__).resolve().parents[3]
RACE_DAY = date(2025, 10, 12)
SWEEP_AFTER_S = 4
"""The workers re-enqueue batches unfinished this long (production: 60 s)."""
SWEEP_EVERY_S = 2.0
"""How often the test, standing in for beat, asks for a sweep (production: 30 s)."""

log = logging.getLogger(__name__)


@dataclass
class FaultStack:
    """Servers, settings and a Celery app of the test's own platform."""

    data_dir: Path
    servers: embedded.EmbeddedServers
    settings: Settings
    engine: Engine
    celery: Celery

    def process_env(self) -> dict[str, str]:
        """The environment of the web server and the workers."""
        env = {key: value for key, value in os.environ.items()
               if key not in ("ATHSYS_WORKER_METRICS_PORT", "TEST_DATABASE_URL",
                              "TEST_REDIS_URL")}
        return {**env, "ATHSYS_ENV": "testing", "DATABASE_URL": self.settings.database_url,
                "REDIS_URL": self.settings.redis_url, "LOG_LEVEL": "INFO",
                "LOG_DIR": str(self.data_dir / "logs"), "ATHSYS_DATA_DIR": str(self.data_dir),
                "PROMETHEUS_MULTIPROC_DIR": str(self.data_dir / "prom"),
                "INGEST_SWEEP_AFTER_S": str(SWEEP_AFTER_S)}

    def restart_redis(self) -> None:
        embedded.stop_redis(self.data_dir)
        embedded.start(self.data_dir, redis_port=self.servers.redis_port)

    def restart_postgres(self) -> None:
        embedded.stop_postgres(self.data_dir)
        embedded.start(self.data_dir, postgres_port=self.servers.postgres_port)

    def setup_race(self, runners: int, name: str) -> SimulatedRace:
        with Session(self.engine) as session, session.begin():
            race = setup_race(session, SYSTEM, runners=runners, day=RACE_DAY, name=name)
            discard_pending(session)  # nothing to send: no worker job follows a set-up
        return race

    def log_tails(self, lines: int = 40) -> str:
        """The end of every log of the platform, for a failure message."""
        return "\n".join(
            f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            for path in sorted((self.data_dir / "logs").glob("*.log"))
        )

    def worker(self, name: str) -> WorkerProcess:
        return WorkerProcess(self.process_env(), self.data_dir / "logs" / f"{name}.log",
                             app=self.celery, name=name)


@contextmanager
def fault_stack() -> Iterator[FaultStack]:
    """Embedded PostgreSQL and Redis in a temporary directory, with a migrated database."""
    data_dir = Path(tempfile.mkdtemp(prefix="athsys-faults-"))
    data_dir.chmod(0o755)
    (data_dir / "prom").mkdir()
    (data_dir / "logs").mkdir()
    try:
        servers, _ = embedded.start(data_dir)
        settings = replace(get_config("testing"), database_url=servers.database_url(),
                           redis_url=servers.redis_url(), log_dir=str(data_dir / "logs"))
        migrations.upgrade(settings.database_url)
        engine = make_engine(settings, pool_size=2)
        celery = Celery("athsys-faults", set_as_current=False)
        celery.conf.update(celery_config(settings))
        try:
            yield FaultStack(data_dir, servers, settings, engine, celery)
        finally:
            engine.dispose()
            celery.close()
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


# -- the web server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def web_server(stack: FaultStack, *, workers: int = 2) -> Iterator[WebServer]:
    """gunicorn with the production settings (webui.gunicorn_conf) on a free loopback port."""
    port = _free_port()
    log_path = stack.data_dir / "logs" / "gunicorn.log"
    env = {**stack.process_env(), "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(workers), "GUNICORN_LOG_LEVEL": "info"}
    with open(log_path, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:webui.gunicorn_conf",
             "webui.wsgi:app"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    server = WebServer(process, "127.0.0.1", port, log_path)
    try:
        server.wait_live(workers)
        yield server
    finally:
        stop_process(process)


@dataclass
class WebServer:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def worker_pids(self) -> list[int]:
        return [child.pid for child in psutil.Process(self.process.pid).children()]

    def wait_live(self, workers: int, timeout_s: float = 60) -> None:
        """Until ``workers`` workers run and ``/live`` answers."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/live", timeout=2):  # noqa: S310
                    if len(self.worker_pids()) >= workers:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log_path.read_text()[-3000:]}")

    def worker_serving(self, client_port: int, timeout_s: float = 5) -> int:
        """The pid of the worker that accepted the connection from ``client_port``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for pid in self.worker_pids():
                try:
                    connections = psutil.Process(pid).net_connections(kind="tcp")
                except psutil.NoSuchProcess:
                    continue
                if any(c.raddr and c.raddr.port == client_port for c in connections):
                    return pid
            time.sleep(0.005)
        raise RuntimeError(f"no gunicorn worker took the connection from port {client_port}")


# -- beat's sweeper ------------------------------------------------------------------------------


class Sweeper(threading.Thread):
    """Asks the workers for ``timing.sweep_unprocessed`` every few seconds, as beat does;
    a broker that is down meanwhile costs a sweep, as it would cost beat one."""

    def __init__(self, celery: Celery) -> None:
        super().__init__(name="sweeper", daemon=True)
        self.celery = celery
        self.stopping = threading.Event()
        self.sent = 0

    def run(self) -> None:
        while not self.stopping.wait(SWEEP_EVERY_S):
            try:
                self.celery.send_task(
                    TaskName.TIMING_SWEEP_UNPROCESSED,
                    queue=TASK_QUEUES[TaskName.TIMING_SWEEP_UNPROCESSED],
                    expires=SWEEP_EVERY_S * 5, retry=False,
                )
                self.sent += 1
            except Exception as exc:  # noqa: BLE001 - the broker is down: next time
                log.info("sweep not sent: %s", exc)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


# -- the worker and its supervisor ----------------------------------------------------------------


class SupervisedWorker(threading.Thread):
    """The Celery worker, started again when it exits on its own, as ``athsys up``'s
    supervisor and a container's restart policy do. Each such exit is recorded: the
    kombu 5.7 Redis transport can crash the worker on a lost broker connection
    (``AttributeError`` in ``restore_unacked`` after the connection was closed)."""

    def __init__(self, stack: FaultStack) -> None:
        super().__init__(name="supervisor", daemon=True)
        self.stack = stack
        self.workers = [stack.worker("worker-1")]
        self.crashes: list[tuple[datetime, str]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def spawn(self) -> None:
        self.workers[-1].spawn()

    def wait_ready(self) -> None:
        self.workers[-1].wait_ready()
        self.start()

    def replace(self) -> None:
        """SIGKILL the worker, then start a new one (the test's own fault)."""
        with self.lock:
            self.workers[-1].kill()
            self._start_another()

    def crashes_since(self, moment: datetime) -> list[str]:
        return [what for at, what in self.crashes if at >= moment]

    def run(self) -> None:
        while not self.stopping.wait(0.5):
            with self.lock:
                process = self.workers[-1].process
                code = process.poll() if process is not None else None
                if code is None or self.stopping.is_set():
                    continue
                self.crashes.append((datetime.now(UTC),
                                     f"{self.workers[-1].name} exited with {code}"))
                self._start_another()

    def _start_another(self) -> None:
        self.workers.append(self.stack.worker(f"worker-{len(self.workers) + 1}"))
        self.workers[-1].start()

    def stop(self) -> None:
        self.stopping.set()
        with self.lock:
            for worker in self.workers:
                worker.stop()


# -- the timing device -----------------------------------------------------------------------------

KILL_WEB_WORKER = "web worker killed mid-request"
DROP_CONNECTION = "connection dropped before the reply"


@dataclass
class Delivery:
    """What the device finally heard for one batch."""

    index: int
    answer: dict[str, Any]
    attempts: int


class Device(threading.Thread):
    """A chip decoder posting the race's batches in order at ``rate`` reads per second.

    Before batch ``i`` of ``gates`` it waits for ``gates[i]`` (the previous fault recovered);
    at a batch named in ``tricks`` it delivers the batch the hard way first (a web worker
    killed while it serves the request, or the connection dropped before the reply), then
    resends it through the device client, as a decoder would.
    """

    def __init__(self, server: WebServer, race: SimulatedRace,
                 chunks: Sequence[Sequence[SimulatedPassing]], *, rate: float,
                 tricks: dict[int, str], gates: dict[int, threading.Event]) -> None:
        super().__init__(name="device", daemon=True)
        self.server = server
        self.race = race
        self.chunks = chunks
        self.rate = rate
        self.tricks = tricks
        self.gates = gates
        self.deliveries: list[Delivery] = []
        self.trick_times: dict[str, datetime] = {}
        self.trick_notes: dict[str, str] = {}
        self.error: BaseException | None = None
        self.sent = 0
        self.progress = threading.Condition()

    def run(self) -> None:
        try:
            self._replay()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        with self.progress:
            self.progress.notify_all()

    def _replay(self) -> None:
        started = time.monotonic()
        reads = 0
        for index, chunk in enumerate(self.chunks):
            gate = self.gates.get(index)
            if gate is not None:
                waited = time.monotonic()
                if not gate.wait(timeout=120):
                    raise RuntimeError(f"the fault before batch {index} never recovered")
                started += time.monotonic() - waited  # keep the steady rate after a pause
            due = reads / self.rate - (time.monotonic() - started)
            if due > 0:
                time.sleep(due)
            attempts = 1
            trick = self.tricks.get(index)
            if trick is not None:
                self._deliver_the_hard_way(trick, chunk)
                attempts += 1
            answer = post_passings(self.server.base, self.race.token, chunk, self.race.gun,
                                   give_up_after_s=90)
            self.deliveries.append(Delivery(index, answer, attempts))
            if trick is not None:
                self.trick_notes[trick] += (
                    "; the resend was answered as a replay" if answer["replay"]
                    else "; the resend stored the batch")
            reads += len(chunk)
            with self.progress:
                self.sent = index + 1
                self.progress.notify_all()

    def wait_sent(self, batches: int, timeout_s: float) -> None:
        """Until the device has had ``batches`` batches answered."""
        with self.progress:
            if not self.progress.wait_for(
                    lambda: self.sent >= batches or self.error is not None or not self.is_alive(),
                    timeout=timeout_s):
                raise RuntimeError(f"the device did not reach batch {batches} in {timeout_s} s")
        if self.error is not None:
            raise RuntimeError("the device failed") from self.error

    def _deliver_the_hard_way(self, trick: str, chunk: Sequence[SimulatedPassing]) -> None:
        body = passings_body(chunk, self.race.gun)
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        connection.connect()
        assert connection.sock is not None
        client_port = connection.sock.getsockname()[1]
        connection.putrequest("POST", "/api/timing/passings")
        connection.putheader("Authorization", f"Bearer {self.race.token}")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders()
        if trick == KILL_WEB_WORKER:
            connection.send(body[:-1])
            pid = self.server.worker_serving(client_port)  # it is reading the body now
            connection.send(body[-1:])
            time.sleep(0.01)  # into the request's handling
            os.kill(pid, signal.SIGKILL)
            self.trick_times[trick] = datetime.now(UTC)
            try:
                response = connection.getresponse()
                self.trick_notes[trick] = (f"worker {pid} answered {response.status} before "
                                           "it died")
            except (OSError, http.client.HTTPException) as exc:
                self.trick_notes[trick] = f"worker {pid} killed; the device saw {exc!r}"
        else:
            connection.send(body)
            self.trick_times[trick] = datetime.now(UTC)
            self.trick_notes[trick] = "request sent, connection closed unanswered"
        connection.close()


def batch_counts(engine: Engine, device_id: int) -> dict[str, int]:
    """Batches of the device by status."""
    with engine.connect() as conn:
        return {status: count for status, count in conn.execute(text(
            "SELECT status, count(*) FROM read_batch WHERE device_id = :d GROUP BY status"),
            {"d": device_id})}


def first_processed_since(engine: Engine, device_id: int, since: datetime) -> datetime | None:
    """When the first batch received at or after ``since`` was processed (None: not yet)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT min(processed_at) FROM read_batch WHERE device_id = :d"
            " AND received_at >= :t AND status = 'done'"), {"d": device_id, "t": since},
        ).scalar()


def wait_for(what: str, check: Callable[[], Any], timeout_s: float,
             interval_s: float = 0.1) -> Any:
    """``check()``'s first truthy value; database errors count as "not yet"."""
    deadline = time.monotonic() + timeout_s
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # noqa: BLE001 - a server restarting
            last_error = exc
        time.sleep(interval_s)
    raise AssertionError(f"{what}: not within {timeout_s} s (last error: {last_error})")


def board_lines(lines: Sequence[dict[str, Any]]) -> list[str]:
    """A board's lines without the ids that differ between two competitions, the lines of
    a tie (one place) by bib: the stored boards order a tie by entry id, the board computed
    from the database by bib."""
    ordered = sorted(lines, key=lambda line: (line["place"] is None, line["place"] or 0,
                                              line["bib"]))
    return [json.dumps({k: v for k, v in line.items() if k not in ("entry_id", "heat_id")},
                       sort_keys=True) for line in ordered]
