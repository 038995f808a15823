"""A fresh, migrated test database, and helpers to empty it between tests."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from athsys import migrations

T = TypeVar("T")


def recreate_database(admin_url: str, database_url: str) -> None:
    """An empty database owned by the user of ``database_url``, migrated by that user."""
    create_empty_database(admin_url, database_url)
    migrations.upgrade(database_url)


def create_empty_database(admin_url: str, database_url: str) -> None:
    url = make_url(database_url)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}" OWNER "{url.username}"'))
    engine.dispose()


#: deadlock_detected, lock_not_available (``lock_timeout``)
LOCK_CONFLICTS = frozenset({"40P01", "55P03"})


def retry_lock_conflicts(step: Callable[[], T], attempts: int = 5) -> T:
    """``step`` (a transaction of its own), run again when it deadlocks with or waits too long
    on another process. The test worker runs for the whole session: it may still be
    finishing a task of an earlier step (a leaderboard refresh enqueued when a fixture's
    entries were committed reads results, then entries) while a test truncates tables."""
    for attempt in range(attempts - 1):
        try:
            return step()
        except OperationalError as error:
            if getattr(error.orig, "pgcode", None) not in LOCK_CONFLICTS:
                raise
            time.sleep(0.5 * (attempt + 1))
    return step()


def truncate(engine: Engine, tables: Sequence[str]) -> None:
    """``TRUNCATE tables CASCADE`` in a transaction of its own, waiting at most 10 s for a
    lock (the caller retries, :func:`retry_lock_conflicts`)."""
    quoted = ", ".join(f'"{t}"' for t in tables)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL lock_timeout = '10s'"))
        conn.execute(text(f"TRUNCATE {quoted} CASCADE"))


def truncate_all(engine: Engine) -> None:
    """Empty every domain table (cheap at test sizes).

    Flask-AppBuilder's ``ab_*`` tables (roles, permissions, the users of module-scoped
    fixtures) stay. Sequences go on counting, so a job a worker still holds from an earlier
    test never finds a new row under an old id. A worker may still be finishing a task of
    the test when it ends, so a conflict with it is retried.
    """
    with engine.connect() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            )
            if row[0] != "alembic_version" and not row[0].startswith("ab_")
        ]
    if tables:
        retry_lock_conflicts(lambda: truncate(engine, tables))
