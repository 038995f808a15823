"""Test servers for the whole run: real PostgreSQL and Redis, started once.

With ``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` set, those servers are used; otherwise
the embedded servers are started in a temporary data directory and stopped at the end.
Unit tests (marker ``unit``) never touch them, so they start only when a test needs them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.config import Settings, get_config
from athsys.db import make_engine
from athsys.redis_client import make_redis
from tests.support.database import recreate_database, truncate_all
from tests.support.servers import TestServers, start_test_servers
from tests.support.worker import WorkerProcess

# Settings every process of the test run reads (workers inherit them).
os.environ.setdefault("ATHSYS_ENV", "testing")
os.environ.setdefault("LOG_DIR", str(Path(__file__).resolve().parent.parent / "logs"))


@pytest.fixture(scope="session")
def test_servers() -> Iterator[TestServers]:
    data_dir = Path(tempfile.mkdtemp(prefix="athsys-test-"))
    data_dir.chmod(0o755)
    servers = start_test_servers(data_dir)
    try:
        yield servers
    finally:
        servers.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def settings(test_servers: TestServers) -> Settings:
    """Testing settings pointing at the test database; also exported for child processes."""
    recreate_database(test_servers.admin_database_url, test_servers.database_url)
    os.environ["DATABASE_URL"] = test_servers.database_url
    os.environ["REDIS_URL"] = test_servers.redis_url
    return get_config("testing")


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture()
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    The code under test may commit: with ``create_savepoint`` its commits end savepoints,
    and nothing it writes outlives the test.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint",
                          expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture()
def committed_db(engine: Engine) -> Iterator[Engine]:
    """For tests whose data other processes (a worker, a web server) must see: emptied after."""
    yield engine
    truncate_all(engine)


@pytest.fixture()
def redis_client(settings: Settings) -> Iterator[redis_lib.Redis]:
    client = make_redis(settings)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    from webui.app import create_app

    return create_app(settings)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def celery_worker(settings: Settings) -> Iterator[WorkerProcess]:
    worker = WorkerProcess(dict(os.environ), settings.log_path.parent / "test-worker.log")
    worker.start()
    yield worker
    worker.stop()
