"""Redis clients built from settings (cache, pub/sub, locks, heartbeats)."""

from __future__ import annotations

import redis as redis_lib

from athsys.config import Settings


def make_redis(settings: Settings, *, timeout_s: float = 2.0) -> redis_lib.Redis:
    return redis_lib.Redis.from_url(
        settings.redis_url,
        socket_timeout=timeout_s,
        socket_connect_timeout=timeout_s,
        health_check_interval=30,
        decode_responses=True,
    )
