"""Alembic environment: migrates the database of the current settings.

Runs under a PostgreSQL advisory lock, so that several processes starting at once (web
replicas, workers) migrate one after the other instead of racing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text

from athsys.models import metadata

MIGRATION_LOCK_ID = 0x41746853  # "AthS"

config = context.config


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Flask-AppBuilder's ``ab_*`` tables are created by revision 0001, not from our metadata."""
    return not (type_ == "table" and name is not None and name.startswith("ab_"))


def _database_url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from athsys.config import get_config
    from athsys.db import check_database_url
    from athsys.embedded import with_server_urls

    return check_database_url(with_server_urls(get_config()).database_url)


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(), target_metadata=metadata, literal_binds=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": MIGRATION_LOCK_ID})
    try:
        context.configure(
            connection=connection, target_metadata=metadata, compare_type=True,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    finally:
        connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": MIGRATION_LOCK_ID})
        connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
