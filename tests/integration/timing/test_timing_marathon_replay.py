"""The marathon replay benchmark (ops/bench/marathon_replay.py) at small scale: 2,000 runners
in 4 waves over 11 timing points, with duplicates, backup mats, unknown chips and late,
out-of-order and resent payloads, posted through gunicorn and processed by a real Celery
worker; every runner's gun time, net time, splits and places must equal the truth."""

from __future__ import annotations

from pathlib import Path

import pytest
import redis as redis_lib
from sqlalchemy.engine import Engine

from athsys.config import Settings
from ops.bench.bench_support import BenchEnvironment
from ops.bench.marathon_replay import replay

pytestmark = pytest.mark.integration


def test_a_small_marathon_replay_has_every_time_right(
    settings: Settings, committed_db: Engine, redis_client: redis_lib.Redis, tmp_path: Path
) -> None:
    (tmp_path / "prom").mkdir()
    result = replay(BenchEnvironment(tmp_path, settings), runners=2_000, compression=2_000,
                    progress=lambda _: None)
    check = result.check
    assert (check.missing, check.doubled, check.wrong) == ([], [], [])
    assert check.checked["results"] > 1_900  # a few stop, a few finish reads are missed
    assert check.checked["splits"] > 20_000
    assert check.checked["leaderboard lines"] == check.checked["results"]
    assert result.delivery.resent > 0  # payloads sent twice were answered, stored once
    assert result.delivery.accepted == result.reads
    # every finisher reached the live board, each measured once
    assert result.not_seen == 0
    assert len(result.lags_ms) == check.checked["results"]
