"""``athsys live-stream``: the live pages' server-sent events for a crowd, from one asyncio
process (aiohttp), not a web thread per viewer.

It serves ``GET /live/<competition id>/stream`` exactly as the Flask stream does (``retry``,
``hello`` with the event versions, ``update`` after each leaderboard refresh, ``: keep-alive``
comments, ``fallback`` when Redis is gone, 404 for a draft or unknown competition), and
``GET /health`` (viewers held, subscription state) and ``GET /metrics`` (Prometheus:
``athsys_live_viewers``, ``athsys_live_events_written_total``,
``athsys_live_viewers_dropped_total``). nginx routes the stream path here in the
server deployments; on the laptop (``athsys up``) the Flask stream of the same path serves the
few viewers of a club meet, so the page and its Content-Security-Policy are the same in both.

The process holds ONE Redis subscription (a pattern on every competition's live channel) and
hands each announcement to :class:`~webui.livestream.fanout.Hub`, which writes it once into
the bounded write buffer of every viewer of that competition; a viewer too slow to keep up is
dropped (see the hub). Keep-alive comments and the ends of streams come from one heartbeat. A stream
ends after about :data:`STREAM_SECONDS` (spread, so a crowd does not reconnect at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from athsys.config import Settings
from athsys.db import make_engine, make_session_factory
from athsys.leaderboards import reads
from athsys.leaderboards.cache import LIVE_EVENTS_KEY
from webui.livestream.fanout import (
    LIVE_PATTERN,
    Hub,
    Viewer,
    chunk,
    competition_of_channel,
    sse,
    update_event,
)

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
STREAM_SECONDS = 600.0
#: How long "published or not" is trusted before the database is asked again.
PUBLISHED_RECHECK_S = 2.0
PUBLISHED_REMEMBERED = 10_000
RESUBSCRIBE_MAX_S = 5.0
REDIS_CONNECTIONS = 8
_HEADERS = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "X-Accel-Buffering": "no",  # nginx: pass each event on at once
}
_FALLBACK_UNAVAILABLE = sse("fallback", {"reason": "unavailable"})


def raise_open_files_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit; the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        target = hard if hard != resource.RLIM_INFINITY else max(soft, 1_048_576)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@dataclass
class Published:
    """Whether competitions are public, asked of the database once per competition per
    :data:`PUBLISHED_RECHECK_S` however many viewers connect at that moment."""

    engine: Engine
    known: dict[int, tuple[bool, float]] = field(default_factory=dict)
    asking: dict[int, asyncio.Future[bool]] = field(default_factory=dict)

    async def __call__(self, competition_id: int) -> bool:
        seen = self.known.get(competition_id)
        if seen is not None and time.monotonic() - seen[1] <= PUBLISHED_RECHECK_S:
            return seen[0]
        pending = self.asking.get(competition_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.asking[competition_id] = future
        try:
            answer = await asyncio.to_thread(self._ask, competition_id)
            if len(self.known) >= PUBLISHED_REMEMBERED:  # ids from anyone: keep it bounded
                self.known.clear()
            self.known[competition_id] = (answer, time.monotonic())
            future.set_result(answer)
            return answer
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters get it, nobody else needs to
            raise
        finally:
            del self.asking[competition_id]

    def _ask(self, competition_id: int) -> bool:
        with make_session_factory(self.engine)() as session:
            return reads.is_published(session, competition_id)


@dataclass
class StreamState:
    hub: Hub
    redis: aioredis.Redis
    published: Published
    subscribed: bool = False
    stream_seconds: float = STREAM_SECONDS


STATE = web.AppKey("athsys_live_stream", StreamState)
REGISTRY = web.AppKey("athsys_live_stream_metrics", CollectorRegistry)


async def _versions(client: aioredis.Redis, competition_id: int) -> dict[str, int]:
    raw = await client.hgetall(LIVE_EVENTS_KEY.format(competition_id=competition_id))
    return {str(k): int(v) for k, v in raw.items()}


def _not_found(competition_id: int) -> web.Response:
    return web.json_response(
        {"success": False, "error": {"type": "not_found",
                                     "message": f"no competition {competition_id}",
                                     "details": {"competition_id": competition_id}}},
        status=404)


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events of one competition, for as long as the viewer keeps up."""
    state = request.app[STATE]
    competition_id = int(request.match_info["competition_id"])
    if not await state.published(competition_id):
        return _not_found(competition_id)
    response = web.StreamResponse(headers=_HEADERS)
    response.enable_chunked_encoding()  # the hub writes each event as one chunk
    await response.prepare(request)
    transport = request.transport
    if not state.subscribed or transport is None:
        await response.write(_FALLBACK_UNAVAILABLE)
        return response
    spread = random.uniform(0.8, 1.0)  # noqa: S311  # nosec B311 # spreading reconnects, not a secret
    viewer = Viewer(competition_id, transport,
                    ends_at=time.monotonic() + state.stream_seconds * spread)
    state.hub.add(viewer)  # before the versions are read: no update falls in between
    try:
        try:
            versions = await _versions(state.redis, competition_id)
        except (aioredis.RedisError, OSError):
            state.hub.remove(viewer)
            await response.write(_FALLBACK_UNAVAILABLE)
            return response
        # written at once, ahead of any update the hub writes (no await before the write)
        transport.write(chunk(b"retry: 1000\n\n" + sse("hello", {"events": versions})))
        await viewer.finished
    except (ConnectionError, asyncio.CancelledError):
        pass  # the viewer went
    finally:
        state.hub.remove(viewer)
    return response


class _HubCollector(Collector):
    """The hub's counts as Prometheus metrics, read when scraped (one process, no files)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("athsys_live_viewers", "Live viewers connected to this process",
                                value=self.hub.count())
        yield CounterMetricFamily("athsys_live_events_written",
                                  "Server-sent events written to viewers",
                                  value=self.hub.delivered)
        yield CounterMetricFamily("athsys_live_viewers_dropped",
                                  "Viewers dropped as too slow", value=self.hub.dropped)


async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[REGISTRY])
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def health(request: web.Request) -> web.Response:
    state = request.app[STATE]
    return web.json_response({"status": "ok" if state.subscribed else "degraded",
                              "subscribed": state.subscribed, "viewers": state.hub.count(),
                              "delivered": state.hub.delivered, "dropped": state.hub.dropped},
                             status=200 if state.subscribed else 503)


async def follow_announcements(state: StreamState) -> None:
    """The one subscription of the process: every live channel, fanned out to the hub;
    resubscribes after a Redis failure (the viewers meanwhile get ``fallback`` and poll)."""
    wait = 0.5
    while True:
        pubsub = state.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(LIVE_PATTERN)
            state.subscribed, wait = True, 0.5
            log.info("following %s", LIVE_PATTERN)
            while True:
                message = await pubsub.get_message(timeout=HEARTBEAT_SECONDS)
                if message is None or message.get("type") != "pmessage":
                    continue
                competition_id = competition_of_channel(message["channel"])
                if competition_id is None:
                    continue
                try:
                    event = chunk(update_event(message["data"]))
                except ValueError:
                    log.warning("not JSON on %s; ignored", message["channel"])
                    continue
                state.hub.publish(competition_id, event)
        except (aioredis.RedisError, OSError) as exc:
            log.warning("live subscription lost (%s); retrying in %.1f s", exc, wait)
        finally:
            if state.subscribed:
                state.subscribed = False
                state.hub.publish_all(chunk(_FALLBACK_UNAVAILABLE))
            with contextlib.suppress(Exception):
                await pubsub.aclose()
        await asyncio.sleep(wait)
        wait = min(wait * 2, RESUBSCRIBE_MAX_S)


async def heartbeat(hub: Hub) -> None:
    """Keep-alive comments for every viewer, and the ends of streams whose time is up."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        hub.tick(time.monotonic())


def create_app(settings: Settings, *, stream_seconds: float = STREAM_SECONDS) -> web.Application:
    """The aiohttp application: routes, the Redis client, the follower task."""
    app = web.Application()
    engine = make_engine(settings, pool_size=2)
    # a crowd connecting at once waits for one of a few connections (the subscription has
    # its own), instead of opening one each and meeting Redis' maxclients
    pool = aioredis.BlockingConnectionPool.from_url(
        settings.redis_url, decode_responses=True, max_connections=REDIS_CONNECTIONS,
        timeout=10)
    state = StreamState(Hub(), aioredis.Redis(connection_pool=pool), Published(engine),
                        stream_seconds=stream_seconds)
    app[STATE] = state
    registry = CollectorRegistry()
    registry.register(_HubCollector(state.hub))
    app[REGISTRY] = registry
    app.router.add_get(r"/live/{competition_id:\d+}/stream", stream)
    app.router.add_get("/health", health)
    app.router.add_get("/metrics", metrics)

    async def follower(app: web.Application) -> Any:
        tasks = [asyncio.create_task(follow_announcements(state)),
                 asyncio.create_task(heartbeat(state.hub))]
        yield
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        state.hub.close_all()
        await state.redis.aclose()
        engine.dispose()

    app.cleanup_ctx.append(follower)
    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the server until SIGINT/SIGTERM."""
    limit = raise_open_files_limit()
    log.info("live stream server on %s:%d (open files limit %d)", host, port, limit)
    web.run_app(create_app(settings), host=host, port=port, access_log=None,
                backlog=4096, shutdown_timeout=2.0, print=None)
