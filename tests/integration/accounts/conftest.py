"""The account services on the application's real user store, each test rolled back.

The services never commit: each test works in the app's session and rolls it back, so no
account outlives it (the roles, synced once, stay, as everywhere).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from webui.security.accounts import FabUserStore
from webui.security.sync import sync_roles


@pytest.fixture(scope="module")
def accounts_app(app: Flask) -> Flask:
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    return app


@pytest.fixture()
def store_session(accounts_app: Flask) -> Iterator[tuple[FabUserStore, Session]]:
    with accounts_app.app_context():
        appbuilder: Any = accounts_app.appbuilder  # type: ignore[attr-defined]
        session: Session = appbuilder.session
        try:
            yield FabUserStore(appbuilder.sm, accounts_app.config), session
        finally:
            session.rollback()

