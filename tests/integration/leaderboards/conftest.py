"""Fixtures of the leaderboard tests: a committed meet (the worker and web app must see it),
and what the dispatcher sends after a commit."""

from __future__ import annotations

from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy.engine import Engine

from tests.integration.leaderboards.leaderboards_support import Meet, build_meet


@pytest.fixture()
def meet(committed_db: Engine) -> Meet:
    return build_meet(committed_db)


@pytest.fixture()
def sent(monkeypatch: pytest.MonkeyPatch, redis_client: redis_lib.Redis) -> list[dict[str, Any]]:
    """What the dispatcher sends, with its debounce on the test's Redis."""
    from tasks import dispatch
    from tasks.app import celery_app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(celery_app, "send_task",
                        lambda name, **options: calls.append({"name": name, **options}))
    monkeypatch.setattr(dispatch, "_redis", redis_client)
    dispatch.install()
    return calls
