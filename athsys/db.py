"""Database access: the declarative base, engines and sessions.

PostgreSQL is the only dialect we support, so engines are built with its options
(statement timeout, pool pre-ping) and the code may use its SQL freely.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, create_engine, func
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from athsys.config import Settings, normalize_database_url
from athsys.errors import ConfigurationError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every AthSys table (Flask-AppBuilder's security tables have their own)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def check_database_url(url: str) -> str:
    """The URL to connect to, or a ConfigurationError naming the problem (never a password)."""
    if not url:
        raise ConfigurationError("DATABASE_URL is not set and no embedded server is running")
    return normalize_database_url(url)


def make_engine(settings: Settings, *, pool_size: int | None = None) -> Engine:
    """An engine with the configured pool and a per-statement timeout."""
    url = check_database_url(settings.database_url)
    return create_engine(
        url,
        pool_size=pool_size or settings.db_pool_size,
        max_overflow=max(0, (pool_size or settings.db_pool_size) // 2),
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
        connect_args={
            "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
            "connect_timeout": 5,
            "application_name": "athsys",
        },
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def enum_type(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR with a CHECK constraint (no native PostgreSQL enum: easier to migrate)."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=max(len(m.value) for m in enum_cls),
        values_callable=lambda cls: [m.value for m in cls],
    )


class Timestamped:
    """Creation and last-change times, set by the database."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now(), nullable=False
    )


# -- set-based statements straight through the driver ------------------------------------------
# The batch paths of ingestion bind whole columns as arrays and read plain tuples: thousands of
# rows a statement, with no ORM rows or SQLAlchemy parameter processing in between.


def int_array(values: Iterable[int | None]) -> str:
    """Integers as one PostgreSQL array literal (``{1,2,NULL}``), bound as ``%(x)s::int[]``.

    The server parses one string rather than an ``ARRAY[...]`` expression of thousands of
    constants (what the driver sends for a list): about five times less parse work for a
    batch of reads. Without a NULL the elements are written by ``int.__repr__`` in one C
    loop; anything else (a NULL, or what is not an integer, refused there) element by
    element."""
    values = values if isinstance(values, list) else list(values)
    if None not in values:
        try:
            return "{" + ",".join(map(int.__repr__, values)) + "}"  # type: ignore[arg-type]
        except TypeError:
            pass
    return "{" + ",".join(["NULL" if v is None else f"{v:d}" for v in values]) + "}"


def text_array(values: Iterable[str | None]) -> str:
    """Strings as one PostgreSQL array literal, bound as ``%(x)s::text[]``: every element
    quoted, backslashes and quotes escaped, None as NULL. Strings with none of these (chip
    codes, names) are joined as they are, one C loop."""
    values = values if isinstance(values, list) else list(values)
    if values and None not in values:
        try:
            joined = '","'.join(values)  # type: ignore[arg-type]
        except TypeError:
            joined = '"'  # not all strings: refused element by element below
        if "\\" not in joined and '"' not in joined:
            return '{"' + joined + '"}'
    return "{" + ",".join([
        "NULL" if v is None else '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for v in values
    ]) + "}"


def driver_rows(session: Session, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run ``sql`` (``%(name)s`` parameters) on the session's connection; plain tuples."""
    with session.connection().connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description is not None else []


def driver_execute(session: Session, sql: str, params: dict[str, Any]) -> int:
    """Run a statement that returns no rows on the session's connection; the row count."""
    with session.connection().connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(sql, params)
        return int(cursor.rowcount)
