"""Fixtures of the leaderboard tests: a committed meet (the worker and web app must see it)."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.integration.leaderboards.leaderboards_support import Meet, build_meet


@pytest.fixture()
def meet(committed_db: Engine) -> Meet:
    return build_meet(committed_db)
