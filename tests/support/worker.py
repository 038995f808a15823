"""A real Celery worker process for integration tests (never ``task_always_eager``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import psutil
from celery import Celery

from athsys.jobs import TASK_QUEUES, Queue, TaskName


class WorkerProcess:
    """``celery worker`` on every queue. ``app`` is the Celery app whose broker the worker is
    pinged through (default: the project's, configured from the environment)."""

    def __init__(self, env: dict[str, str], log_path: Path, *, app: Celery | None = None,
                 name: str = "test") -> None:
        self.env = env
        self.log_path = log_path
        self.app = app
        self.name = name
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout_s: float = 60) -> None:
        self.spawn()
        self.wait_ready(timeout_s)

    def spawn(self) -> None:
        """Start the process; :meth:`wait_ready` then waits until it answers."""
        if self.app is None:
            from tasks.app import celery_app

            self.app = celery_app
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "tasks.worker",
                "--queues", ",".join(Queue.ALL), "--concurrency", "2",
                "--hostname", f"{self.name}-{os.getpid()}@%h", "--without-gossip",
                "--without-mingle", "--loglevel", "INFO",
            ],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout_s: float = 60) -> None:
        assert self.process is not None and self.app is not None, "spawn() first"
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test worker exited; see {self.log_path}")
            result = self.app.send_task(TaskName.PING, queue=TASK_QUEUES[TaskName.PING])
            try:
                result.get(timeout=2)
                return
            except Exception:  # noqa: BLE001 - not up yet
                result.forget()
        raise RuntimeError(f"the test worker did not answer in {timeout_s} s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once, as a power cut would."""
        if self.process is not None and self.process.poll() is None:
            main = psutil.Process(self.process.pid)
            for process in [main, *main.children(recursive=True)]:
                try:
                    process.send_signal(signal.SIGKILL)
                except psutil.NoSuchProcess:
                    pass
            self.process.wait()
        self._close_log()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None
