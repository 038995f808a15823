"""What the benchmarks share: embedded servers in a temporary directory, and a gunicorn."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from athsys import embedded, migrations  # noqa: E402
from athsys.config import Settings, get_config, replace  # noqa: E402

RECORD_ENV = "ATHSYS_BENCH_RECORD"
GUNICORN_THREADS = 4
"""Threads a gunicorn worker of the benchmarks has: ``webui/gunicorn_conf.py``'s default."""


def record(figure: str, value: float) -> None:
    """Add one measured figure to the file ``make bench`` collects (``ops/bench/run.py``
    names it in ``ATHSYS_BENCH_RECORD``); a script run by hand only prints."""
    path = os.environ.get(RECORD_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"figure": figure, "value": value}) + "\n")


@dataclass(frozen=True)
class BenchEnvironment:
    data_dir: Path
    settings: Settings

    def process_env(self) -> dict[str, str]:
        """The environment of a gunicorn or worker started by the benchmark."""
        return {**os.environ, "ATHSYS_ENV": "development",
                "DATABASE_URL": self.settings.database_url,
                "REDIS_URL": self.settings.redis_url, "LOG_LEVEL": "WARNING",
                "LOG_DIR": self.settings.log_dir, "ATHSYS_DATA_DIR": str(self.data_dir),
                "PROMETHEUS_MULTIPROC_DIR": str(self.data_dir / "prom")}


@contextmanager
def bench_environment(prefix: str) -> Iterator[BenchEnvironment]:
    """Embedded PostgreSQL and Redis with a migrated database; all removed afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    data_dir.chmod(0o755)
    try:
        servers, _ = embedded.start(data_dir)
        settings = replace(get_config("development"), database_url=servers.database_url(),
                           redis_url=servers.redis_url(), log_level="WARNING",
                           log_dir=str(data_dir / "logs"))
        migrations.upgrade(settings.database_url)
        (data_dir / "prom").mkdir()
        yield BenchEnvironment(data_dir, settings)
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def _stat(pid: int | str) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (field 3 on), or None once
    the process has ended."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def process_tree_cpu_s(roots: list[int]) -> float:
    """CPU seconds (user + system, from ``/proc``) the processes ``roots`` and all their
    descendants have used so far, with the children the roots have reaped (a PostgreSQL
    backend that ended, a gunicorn worker replaced); another process that has ended no
    longer counts."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    wanted = set(roots)
    for entry in os.listdir("/proc"):
        fields = _stat(entry) if entry.isdigit() else None
        if fields is None:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        counted = fields[11:15] if pid in wanted else fields[11:13]
        used[pid] = sum(int(field) for field in counted) / ticks
    total = 0.0
    for pid in sorted(used):
        ancestor, chain = pid, set()
        while ancestor not in wanted and ancestor in parents and ancestor not in chain:
            chain.add(ancestor)
            ancestor = parents[ancestor]
        if ancestor in wanted:
            total += used[pid]
    return total


def server_pids(env: BenchEnvironment) -> dict[str, list[int]]:
    """The PostgreSQL postmaster and the Redis server of ``env``, and this process's
    gunicorn masters: the roots whose trees :func:`process_tree_cpu_s` sums."""
    redis = int((env.data_dir / "run" / "redis.pid").read_text().split()[0])
    gunicorns = [int(pid) for pid in os.listdir("/proc") if pid.isdigit()
                 and _parent_of(int(pid)) == os.getpid() and b"gunicorn" in _cmdline(pid)]
    return {"gunicorn": gunicorns, "postgresql": [_postmaster(env)], "redis": [redis]}


def _parent_of(pid: int) -> int | None:
    fields = _stat(pid)
    return None if fields is None else int(fields[1])


def _cmdline(pid: str) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return cmdline.read()
    except OSError:
        return b""


def postgres_cpu_s(env: BenchEnvironment) -> float:
    """CPU seconds the embedded PostgreSQL server has used so far: the postmaster, its
    live processes (backends, background workers) and those it reaped."""
    return process_tree_cpu_s([_postmaster(env)])


def _postmaster(env: BenchEnvironment) -> int:
    return int((env.data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: BenchEnvironment, *, workers: int = 2) -> Iterator[str]:
    """A gunicorn of the web app on a free loopback port, ``GUNICORN_THREADS`` threads a
    worker as ``athsys web`` runs it; yields its base URL once live."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = env.data_dir / "gunicorn.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), "--worker-class", "gthread",
             "--threads", str(GUNICORN_THREADS),
             "--timeout", "120", "--log-level", "warning", "webui.wsgi:app"],
            cwd=ROOT, env=env.process_env(), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        _wait_live(base, process, log)
        yield base
    finally:
        stop(process)


@contextmanager
def celery_worker(env: BenchEnvironment, *, queues: str, concurrency: int = 2,
                  connect_s: float = 3, name: str = "bench",
                  max_memory_per_child_kib: int | None = None,
                  ) -> Iterator[subprocess.Popen[bytes]]:
    """A Celery worker of the app (prefork) on ``queues``, as ``athsys worker`` runs it;
    yields once it had ``connect_s`` to reach the broker. ``name`` tells several workers of
    one benchmark apart (node name and log file); ``max_memory_per_child_kib`` is Celery's
    ``--max-memory-per-child`` (a child above it is replaced after its task)."""
    log = env.data_dir / f"{name}-worker.log"
    limits = [] if max_memory_per_child_kib is None else [
        "--max-memory-per-child", str(max_memory_per_child_kib)]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tasks.worker", "--queues", queues,
             "--concurrency", str(concurrency), "--hostname", f"{name}-{os.getpid()}@%h",
             *limits, "--without-gossip", "--without-mingle", "--loglevel", "WARNING"],
            cwd=ROOT, env=env.process_env(), stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        time.sleep(connect_s)
        if process.poll() is not None:
            raise RuntimeError(f"worker exited:\n{log.read_text()[-3000:]}")
        yield process
    finally:
        stop(process)


@contextmanager
def live_stream(env: BenchEnvironment) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``athsys live-stream`` (the server-sent events fan-out) on a free loopback port;
    yields its ``host:port`` and process once it answers ``/health``."""
    port = free_port()
    address = f"127.0.0.1:{port}"
    log = env.data_dir / "live-stream.log"
    (env.data_dir / "prom").mkdir(exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "webui.cli", "live-stream", "--host", "127.0.0.1",
             "--port", str(port)], cwd=ROOT, env=env.process_env(), stdout=out,
            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{address}/health", timeout=2):  # noqa: S310 - loopback
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"live-stream did not start:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.3)
        yield address, process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_live(base: str, process: subprocess.Popen[bytes], log: Path,
               timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/live", timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer at {base}/live:\n{log.read_text()[-3000:]}")
