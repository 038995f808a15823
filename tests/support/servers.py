"""Servers of a test run: the embedded ones, or those named by TEST_DATABASE_URL /
TEST_REDIS_URL.

With the embedded servers the tests connect as the application does, as the non-superuser
owner role; the superuser only creates and drops the test databases."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from athsys import embedded

TEST_DATABASE = "athsys_test"


@dataclass
class TestServers:
    admin_database_url: str  # a database to connect to for CREATE/DROP DATABASE
    redis_url: str
    data_dir: Path
    started_embedded: bool
    app_url: str = ""  # the application's role (default: the admin's)

    @property
    def database_url(self) -> str:
        return make_url(self.app_url or self.admin_database_url).set(
            database=TEST_DATABASE).render_as_string(hide_password=False)

    def stop(self) -> None:
        if self.started_embedded:
            embedded.stop(self.data_dir)


def start_test_servers(data_dir: Path) -> TestServers:
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if database_url and redis_url:
        return TestServers(database_url, redis_url, data_dir, started_embedded=False)
    servers, _ = embedded.start(data_dir)
    return TestServers(
        database_url or servers.superuser_url(),
        redis_url or servers.redis_url(),
        data_dir,
        started_embedded=True,
        app_url="" if database_url else servers.database_url(),
    )
