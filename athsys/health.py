"""Checks of the servers the platform depends on, for ``/health`` and ``/ready``.

Each check returns a :class:`ComponentStatus` instead of raising, so that one dead server
is reported next to the others; messages name the failure without URLs or credentials.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import redis as redis_lib
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

BEAT_HEARTBEAT_KEY = "athsys:beat:last_heartbeat"


@dataclass(frozen=True)
class ComponentStatus:
    ok: bool
    latency_ms: float
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = "ok" if self.ok else "error"
        return out


def timed(check: Callable[[], str]) -> ComponentStatus:
    """Run ``check`` and time it; an exception becomes a failed status naming its type."""
    started = time.perf_counter()
    try:
        detail = check()
    except Exception as exc:  # noqa: BLE001 - any failure of a dependency is a status
        return ComponentStatus(False, _ms(started), f"{type(exc).__name__}: {_first_line(exc)}")
    return ComponentStatus(True, _ms(started), detail)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip().splitlines()
    line = text_[0] if text_ else ""
    # connection errors from libpq may name the host and user; never the password
    return line[:200]


def check_database(engine: Engine) -> ComponentStatus:
    def run() -> str:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "reachable"

    return timed(run)


def check_redis(client: redis_lib.Redis) -> ComponentStatus:
    return timed(lambda: "reachable" if client.ping() else "no answer")


def check_migrations(engine: Engine, head: str | None) -> ComponentStatus:
    """Whether the database is at ``head``, the newest revision this code ships
    (``athsys.migrations.head()``). The caller reads it: this module is imported by the
    worker (the scheduler's heartbeat), which must not load Alembic, Mako and Pygments for
    it (about 10 MiB a process, see docs/performance.md, "Worker memory by RSS")."""

    def run() -> str:
        try:
            with engine.connect() as conn:
                current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except SQLAlchemyError:
            raise RuntimeError("the database has not been migrated") from None
        if current != head:
            raise RuntimeError(f"database at revision {current}, code expects {head}")
        return f"at {head}"

    return timed(run)


def record_beat_heartbeat(client: redis_lib.Redis, now: datetime) -> None:
    client.set(BEAT_HEARTBEAT_KEY, now.isoformat(), ex=3600)


def check_beat(client: redis_lib.Redis, now: datetime, max_age_s: int = 120) -> ComponentStatus:
    def run() -> str:
        raw = client.get(BEAT_HEARTBEAT_KEY)
        if raw is None:
            raise RuntimeError("no heartbeat from the scheduler yet")
        age = (now - datetime.fromisoformat(str(raw))).total_seconds()
        if age > max_age_s:
            raise RuntimeError(f"last heartbeat {age:.0f} s ago")
        return f"last heartbeat {age:.0f} s ago"

    return timed(run)


def overall(components: dict[str, ComponentStatus]) -> str:
    return "healthy" if all(c.ok for c in components.values()) else "unhealthy"


def utcnow() -> datetime:
    return datetime.now(UTC)
