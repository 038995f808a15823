"""A fresh, migrated test database, and helpers to empty it between tests."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from athsys import migrations


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


def truncate_all(engine: Engine) -> None:
    """Empty every domain table (cheap at test sizes).

    Flask-AppBuilder's ``ab_*`` tables (roles, permissions, the users of module-scoped
    fixtures) stay. Sequences go on counting, so a job a worker still holds from an earlier
    test never finds a new row under an old id. A worker may still be finishing a task of
    the test when it ends, so a deadlock with it is retried.
    """
    for attempt in range(5):
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '10s'"))
                tables = [
                    row[0]
                    for row in conn.execute(
                        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                    )
                    if row[0] != "alembic_version" and not row[0].startswith("ab_")
                ]
                if tables:
                    quoted = ", ".join(f'"{t}"' for t in tables)
                    conn.execute(text(f"TRUNCATE {quoted} CASCADE"))
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))
