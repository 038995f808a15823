"""Runs the platform's processes as children, restarts a crashed one, stops all on Ctrl-C."""

from __future__ import annotations

import logging
import signal
import subprocess  # nosec B404 # the PostgreSQL tools and our own children, argv lists, no shell
import sys
import time
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger(__name__)

_STOP_GRACE_S = 15.0
_MAX_RESTARTS = 5


@dataclass
class Child:
    name: str
    argv: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)

    def start(self) -> None:
        # a new session: Ctrl-C in the terminal reaches only the supervisor, which then
        # stops the children in order instead of all of them dying at once
        self.process = subprocess.Popen(self.argv, env=self.env, start_new_session=True)  # nosec B603 # fixed argv list of a trusted executable, no shell
        self.started_at = time.monotonic()

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def terminate(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def wait(self, deadline: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", self.name)
            self.process.kill()
            self.process.wait()


class Supervisor:
    def __init__(self, children: list[Child]) -> None:
        self.children = children
        self._stopping = False

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def start_all(self) -> None:
        for child in self.children:
            child.start()

    def run(self) -> int:
        """Watch the children until a signal asks to stop; returns the exit code."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        failed = False
        while not self._stopping:
            for child in self.children:
                code = child.exited()
                if code is None:
                    continue
                if child.restarts >= _MAX_RESTARTS:
                    print(f"{child.name} keeps failing (exit {code}); stopping AthSys",
                          file=sys.stderr)
                    self._stopping = failed = True
                    break
                child.restarts += 1
                print(f"{child.name} exited with {code}; restarting "
                      f"({child.restarts}/{_MAX_RESTARTS})", file=sys.stderr)
                time.sleep(min(2 ** child.restarts, 10))
                child.start()
            time.sleep(0.5)
        self.stop_all()
        return 1 if failed else 0

    def stop_all(self) -> None:
        # reverse order: scheduler and monitor first, the web server last
        for child in reversed(self.children):
            child.terminate()
        deadline = time.monotonic() + _STOP_GRACE_S
        for child in reversed(self.children):
            child.wait(deadline)
