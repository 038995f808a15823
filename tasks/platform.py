"""Tasks that prove the platform works: a worker round trip and the scheduler's heartbeat."""

from __future__ import annotations

import os
import socket

from athsys.health import record_beat_heartbeat, utcnow
from athsys.jobs import TaskName
from athsys.redis_client import make_redis
from tasks.app import celery_app
from tasks.base import AthsysTask


@celery_app.task(name=TaskName.PING, base=AthsysTask, bind=True, soft_time_limit=5, time_limit=10)
def ping(self: AthsysTask) -> dict[str, object]:
    """Answered by any worker on the maintenance queue; used by ``/health``."""
    return {"pong": True, "hostname": socket.gethostname(), "pid": os.getpid()}


@celery_app.task(
    name=TaskName.BEAT_HEARTBEAT, base=AthsysTask, bind=True, soft_time_limit=5, time_limit=10
)
def beat_heartbeat(self: AthsysTask) -> None:
    """Beat sends this every 30 s; ``/health`` reports the scheduler down when it stops."""
    client = make_redis(self.settings)
    try:
        record_beat_heartbeat(client, utcnow())
    finally:
        client.close()
