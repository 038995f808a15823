"""The beat health check written in docker-compose.prod.yml, run as Docker would run it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import redis as redis_lib
import yaml

from athsys.config import Settings
from athsys.health import record_beat_heartbeat, utcnow
from tests.support.deploy import ROOT

pytestmark = pytest.mark.integration


def _beat_check() -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.prod.yml").read_text())
    kind, *command = compose["services"]["beat"]["healthcheck"]["test"]
    assert kind == "CMD" and command[0] == "python"
    return [sys.executable, *command[1:]]


def test_beat_is_healthy_only_while_its_heartbeat_is_fresh(
    settings: Settings, redis_client: redis_lib.Redis
) -> None:
    env = {**os.environ, "REDIS_URL": settings.redis_url}

    def check() -> int:
        return subprocess.run(_beat_check(), env=env, cwd=ROOT, capture_output=True,
                              timeout=60).returncode

    assert check() == 1  # no heartbeat yet
    record_beat_heartbeat(redis_client, utcnow() - timedelta(minutes=10))
    assert check() == 1  # beat (or the maintenance worker) stopped
    record_beat_heartbeat(redis_client, utcnow())
    assert check() == 0
