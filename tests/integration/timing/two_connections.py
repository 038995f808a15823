"""Two connections racing: run one side in a thread, and see the other wait for a lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine


@contextmanager
def in_a_thread(work: Callable[[], None]) -> Iterator[threading.Thread]:
    """Run ``work`` in a thread; re-raise what it raised once the block is over."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        yield thread
    finally:
        thread.join(30)
    assert not thread.is_alive(), "the other connection is still blocked"
    if failure:
        raise failure[0]


def wait_until_blocked(engine: Engine, pid: int) -> None:
    """Return once backend ``pid`` waits for a lock (fail after 20 s)."""
    deadline = time.monotonic() + 20
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text("SELECT wait_event_type FROM pg_stat_activity"
                                        " WHERE pid = :pid"), {"pid": pid}).scalar()
            if waiting == "Lock":
                return
            conn.rollback()
            time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited for a lock")
