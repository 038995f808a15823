"""The base of every AthSys task: late acks, time limits, a database session per call."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery import Task
from celery.signals import setup_logging, task_postrun, task_prerun, worker_process_init
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from athsys.config import Settings
from athsys.db import make_engine, make_session_factory
from athsys.logging import configure_logging, request_id_var

_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def _settings(task: Task) -> Settings:
    return task.app.conf.athsys_settings  # type: ignore[no-any-return]


def session_factory(settings: Settings) -> sessionmaker[Session]:
    """One small pool per worker process, created lazily after the fork."""
    global _engine, _factory
    if _factory is None:
        _engine = make_engine(settings, pool_size=2)
        _factory = make_session_factory(_engine)
    return _factory


@worker_process_init.connect
def _reset_engine_after_fork(**_: Any) -> None:
    global _engine, _factory
    if _engine is not None:
        _engine.dispose(close=False)
    _engine, _factory = None, None


@setup_logging.connect
def _configure_logging(**_: Any) -> None:
    from tasks.app import celery_app

    configure_logging(celery_app.conf.athsys_settings)


@task_prerun.connect
def _bind_request_id(task_id: str | None = None, **_: Any) -> None:
    request_id_var.set(task_id)


@task_postrun.connect
def _unbind_request_id(**_: Any) -> None:
    request_id_var.set(None)


class AthsysTask(Task):
    """Acknowledged after it finishes, so a dead worker's message is delivered again.

    Tasks must therefore be idempotent; they take ids and plain values, never ORM objects.
    """

    acks_late = True
    reject_on_worker_lost = True

    @property
    def settings(self) -> Settings:
        return _settings(self)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits when the block ends without error (then jobs are sent)."""
        factory = session_factory(self.settings)
        with factory() as session, session.begin():
            yield session
