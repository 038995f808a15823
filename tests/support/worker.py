"""A real Celery worker process for integration tests (never ``task_always_eager``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from athsys.jobs import TASK_QUEUES, Queue, TaskName


class WorkerProcess:
    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self, timeout_s: float = 60) -> None:
        from tasks.app import celery_app

        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "tasks.app", "worker",
                "--queues", ",".join(Queue.ALL), "--concurrency", "2",
                "--hostname", f"test-{os.getpid()}@%h", "--without-gossip",
                "--without-mingle", "--loglevel", "INFO",
            ],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the test worker exited; see {self.log_path}")
            result = celery_app.send_task(TaskName.PING, queue=TASK_QUEUES[TaskName.PING])
            try:
                result.get(timeout=2)
                return
            except Exception:  # noqa: BLE001 - not up yet
                result.forget()
        raise RuntimeError(f"the test worker did not answer in {timeout_s} s; see {self.log_path}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
