"""Checks shared by the tests of the keys ``athsys.migrations.keys_per_statement`` keeps with
triggers (reads, splits, results): what differs between them is only the tables."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from tests.support.database import retry_lock_conflicts, truncate


def truncate_refused_without_rows(engine: Engine, parent: str, child: str) -> None:
    """``TRUNCATE parent`` alone is refused while rows of ``child`` name it; with ``child``
    it goes (as a foreign key's truncate does)."""
    with pytest.raises(DBAPIError, match="cannot truncate"):
        retry_lock_conflicts(lambda: truncate(engine, [parent]))
    retry_lock_conflicts(lambda: truncate(engine, [parent, child]))


def delete_refused_above_read_committed(engine: Engine, delete: str,
                                        params: dict[str, Any]) -> None:
    """``delete`` of a parent under REPEATABLE READ is refused: its rows are found with a
    fresh snapshot, which only READ COMMITTED gives a statement."""
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with pytest.raises(DBAPIError, match="needs READ COMMITTED"), conn.begin():
            conn.execute(text(delete), params)
