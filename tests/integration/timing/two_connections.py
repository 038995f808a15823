"""Two connections racing: one holds a lock the other's statement has to wait for."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError


def second_waits(engine: Engine, first: Callable[[Connection], None],
                 second: Callable[[Connection], None]) -> IntegrityError | None:
    """Run ``first`` in a transaction left open, then ``second`` in another connection
    until it waits for a lock ``first`` holds; commit ``first``, let ``second`` finish and
    commit. Returns the integrity error ``second`` raised, if it raised one (anything
    else it raised is raised here)."""
    holding = engine.connect()
    pid: list[int] = []
    started = threading.Event()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            with engine.begin() as conn:
                pid.append(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
                started.set()
                second(conn)
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            outcome.append(exc)

    thread = threading.Thread(target=run)
    try:
        holding.begin()
        first(holding)
        thread.start()
        assert started.wait(10), "the second connection did not start"
        _wait_until_blocked(engine, pid[0])
        assert thread.is_alive()
        holding.commit()
    finally:
        holding.close()
        if thread.ident is not None:
            thread.join(30)
    assert not thread.is_alive(), "the second connection is still blocked"
    error = outcome[0] if outcome else None
    if error is not None and not isinstance(error, IntegrityError):
        raise error
    return error


def _wait_until_blocked(engine: Engine, pid: int) -> None:
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
