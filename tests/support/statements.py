"""Counting the SQL statements a request or a function sends: the bound on N+1 queries.

Every statement goes through a psycopg2 cursor: SQLAlchemy's, and those AthSys opens on the
raw connection (``athsys.db.driver_rows``, ``COPY``), which SQLAlchemy's
``before_cursor_execute`` never sees. So statements are taken at the cursor: while the block
runs, each connection the engine's pool hands out makes recording cursors. An
``executemany`` is one statement (one call, however many rows). The tests compare a call over
few rows with the same call over many: any statement issued per row shows as a difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from psycopg2.extensions import cursor as Cursor
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Called with each statement's text and parameters (an ``executemany``'s first row's).
Recorder = Callable[[str, Any], None]


def app_engine(app: Flask) -> Engine:
    """The engine of the app's Flask-AppBuilder session (the one its views and APIs use)."""
    with app.app_context():
        return app.appbuilder.session.get_bind()  # type: ignore[attr-defined,no-any-return]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements sent on connections of ``engine`` checked out in the block, in order
    (the list fills as it runs)."""
    seen: list[str] = []
    with _recording(engine, lambda query, _: seen.append(query)):
        yield seen


@contextmanager
def executed(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    """As :func:`statements`, each with its parameters: to run again under ``EXPLAIN``."""
    seen: list[tuple[str, Any]] = []
    with _recording(engine, lambda query, parameters: seen.append((query, parameters))):
        yield seen


def ours(seen: list[str]) -> list[str]:
    """The statements on AthSys's tables (not Flask-AppBuilder's ``ab_*`` security tables)."""
    return [s for s in seen if " ab_" not in s and "user_profile" not in s]


@contextmanager
def _recording(engine: Engine, record: Recorder) -> Iterator[None]:
    class Recording(Cursor):  # type: ignore[misc]
        def execute(self, query: Any, vars: Any = None) -> Any:  # noqa: A002 # psycopg2's name
            record(str(query), vars)
            return super().execute(query, vars)

        def executemany(self, query: Any, vars_list: Any) -> Any:
            rows = list(vars_list)
            record(str(query), rows[0] if rows else None)
            return super().executemany(query, rows)

        def copy_expert(self, sql: Any, file: Any, size: int = 8192) -> Any:
            record(str(sql), None)
            return super().copy_expert(sql, file, size)

    def checkout(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.cursor_factory = Recording

    def checkin(dbapi_connection: Any, *_: Any) -> None:
        if dbapi_connection is not None:
            dbapi_connection.cursor_factory = None

    event.listen(engine.pool, "checkout", checkout)
    event.listen(engine.pool, "checkin", checkin)
    try:
        yield
    finally:
        event.remove(engine.pool, "checkout", checkout)
        event.remove(engine.pool, "checkin", checkin)
