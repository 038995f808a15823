"""A rebuild asked for may be forgotten only once any refresh would rebuild anyway."""

from __future__ import annotations

import pytest

from athsys.leaderboards.cache import REBUILD_ASKED_EXPIRES_S
from athsys.leaderboards.refresh import FULL_REBUILD_EVERY_S

pytestmark = pytest.mark.unit


def test_a_rebuild_asked_outlives_the_period_of_full_rebuilds() -> None:
    assert REBUILD_ASKED_EXPIRES_S > FULL_REBUILD_EVERY_S
