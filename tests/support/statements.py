"""Counting the SQL statements a request or a function sends: the bound on N+1 queries.

A listener on the engine's ``before_cursor_execute`` sees every statement, whichever session
or connection sends it; an ``executemany`` counts once, as it is one round trip's worth of
planning. The tests compare a call over few rows with the same call over many: any statement
issued per row shows as a difference.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


def app_engine(app: Flask) -> Engine:
    """The engine of the app's Flask-AppBuilder session (the one its views and APIs use)."""
    with app.app_context():
        return app.appbuilder.session.get_bind()  # type: ignore[attr-defined,no-any-return]


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements sent on ``engine`` in the block, in order (the list fills as it runs)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def ours(seen: list[str]) -> list[str]:
    """The statements on AthSys's tables (not Flask-AppBuilder's ``ab_*`` security tables)."""
    return [s for s in seen if " ab_" not in s and "user_profile" not in s]
