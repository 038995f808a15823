"""Fixtures of the API tests: roles synced, the seed's factory bound to the shared app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.integration.api.helpers import TestDataFactory
from tests.support.database import truncate_all
from webui.security.sync import sync_roles


@pytest.fixture(scope="module", autouse=True)
def _committed_rows_go_with_the_module(engine: Engine) -> Iterator[None]:
    """The API tests commit through the app; their rows go when each module ends, so the
    tests after them start from an empty database (users and roles stay, as everywhere)."""
    yield
    truncate_all(engine)


@pytest.fixture(scope="session")
def api_app(app: Flask) -> Flask:
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    TestDataFactory.bind(app)
    return app


@pytest.fixture()
def api(api_app: Flask, redis_client: redis_lib.Redis) -> Iterator[FlaskClient]:
    """A client of the shared app, with rate-limit counters and the denylist emptied."""
    yield api_app.test_client()
