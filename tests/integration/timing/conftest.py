"""Fixtures of the timing ingestion tests: a committed race with devices, and JWTs of
signed-in officials. The data is committed (the web app and the worker must see it);
``committed_db`` empties the database after each test.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from tests.integration.timing.timing_ingest_support import Race, bearer, build_race


@pytest.fixture()
def race(committed_db: Engine) -> Race:
    return build_race(committed_db)


@pytest.fixture()
def official_jwt(app: Flask, race: Race) -> Callable[[str], dict[str, str]]:
    """``official_jwt(role)``: Authorization headers of a user holding that role."""
    from flask_jwt_extended import create_access_token

    from webui.security.sync import sync_roles

    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]

    def make(role: str) -> dict[str, str]:
        with app.app_context():
            sm = app.appbuilder.sm  # type: ignore[attr-defined]
            username = f"timing_{role.lower().replace(' ', '_')}"
            user = sm.find_user(username=username) or sm.add_user(
                username, "Timing", role, f"{username}@example.org", sm.find_role(role),
                password="timing-test-password",
            )
            assert user, f"could not create a {role} user"
            token = create_access_token(identity=str(user.id))
        return bearer(token)

    return make


