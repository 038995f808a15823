"""Fixtures of the API tests: roles synced, the seed's factory bound to the shared app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.api.helpers import TestDataFactory
from webui.security.sync import sync_roles


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
