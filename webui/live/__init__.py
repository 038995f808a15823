"""Live results for the public, no login: ``/live/`` and ``/live/<competition id>``.

The competition page is rendered once with its schedule; a small script then loads boards
and heat results from ``/api/public/...`` (cached) and listens to ``/live/<id>/stream``, a
server-sent events stream fed by the competition's Redis pub/sub channel, so a stored result
shows within about a second. In the server deployments nginx (and the Kubernetes Ingress)
route that path to ``athsys live-stream`` (:mod:`webui.livestream`), an asyncio fan-out that
holds ten thousand viewers a process with the same events. Here, on the laptop of ``athsys
up`` (a club meet's few viewers, no nginx), streams hold a web thread each, so every process
serves at most :func:`max_streams` at once and closes each after :data:`STREAM_SECONDS` (the
browser reconnects by itself); a viewer turned away, or whose stream fails, polls the cheap
``/api/public/competitions/<id>/live`` every second instead. One path for both keeps the page
and its Content-Security-Policy (``connect-src 'self'``) the same everywhere.

Spectators find an athlete by bib or name (the page asks ``/api/public/competitions/<id>/search``)
and follow one on ``/live/<id>/athletes/<entry id>``.

A heat's scoreboard (``/live/heats/<id>/board``, full screen for a projector or an LED wall)
reads ``/live/heats/<id>/board/stream``: the heat's board state (docs/scoreboard.md) at once,
then again whenever an announcement of its event brings a new version. It shares the
streams' limits and channel; turned away, it polls ``/api/public/heats/<id>/board``.

Printable pages (``/live/<id>/print``, ``/live/heats/<id>/sheet``) carry a print stylesheet.
A draft competition has no live page (404, as the public API answers).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, stream_with_context
from sqlalchemy import select

from athsys.competitions.models import Competition
from athsys.leaderboards import athletes, reads
from athsys.leaderboards.cache import (
    COMPETITIONS_SCOPE,
    LIVE_CHANNEL,
    REDIS_ERRORS,
    competition_scope,
    live_versions,
)
from webui.api import public

STATIC = Path(__file__).resolve().parent.parent / "static" / "live"
blueprint = Blueprint("live", __name__, url_prefix="/live", static_folder=str(STATIC),
                      static_url_path="/static")

STREAM_SECONDS = 25
HEARTBEAT_SECONDS = 10
_streams = threading.BoundedSemaphore(1)  # replaced in register()


def max_streams() -> int:
    """Streams one process serves at once: half its threads, so pages still get answers."""
    return max(1, int(os.environ.get("GUNICORN_THREADS", "4")) // 2)


def register(app: Flask) -> None:
    global _streams
    _streams = threading.BoundedSemaphore(max_streams())
    app.register_blueprint(blueprint)


def _data(text: str) -> Any:
    return json.loads(text)["data"]


@blueprint.get("/")
def index() -> str:
    """Today's and recent competitions."""
    today = datetime.now(UTC).date()
    text = public.public_cache().get_or_compute(
        "api", COMPETITIONS_SCOPE, today.isoformat(),
        lambda: public._json_text(reads.competitions_around(public.db(), today)))
    return render_template("live/index.html", competitions=_data(text))


@blueprint.get("/<int:competition_id>")
def competition(competition_id: int) -> str:
    """The competition page: schedule, start lists, live heat results, leaderboards."""
    text = public.public_cache().get_or_compute(
        "schedule", competition_scope(public.published(competition_id)), "schedule",
        lambda: public._json_text(reads.schedule(public.db(), competition_id)))
    return render_template("live/competition.html", data=_data(text),
                           competition_id=competition_id)


@blueprint.get("/<int:competition_id>/athletes/<int:entry_id>")
def athlete(competition_id: int, entry_id: int) -> str:
    """Following one athlete: every split as it arrives, the predicted finish, the result
    (the page loads ``/api/public/competitions/<id>/entries/<entry>/tracking`` after each
    update of the athlete's event)."""
    public.published(competition_id)
    data = athletes.tracking(public.db(), competition_id, entry_id)
    competition_name = public.db().scalar(
        select(Competition.name).where(Competition.id == competition_id))
    return render_template("live/tracking.html", data=data, competition_id=competition_id,
                           competition_name=competition_name)


@blueprint.get("/<int:competition_id>/print")
def print_results(competition_id: int) -> str:
    """Every event's results on paper (print stylesheet); non-finishers keep their status."""
    public.published(competition_id)
    data = reads.schedule(public.db(), competition_id)
    boards = reads.competition_results(public.db(), competition_id)
    return render_template("live/print.html", data=data, boards=boards,
                           printed_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"))


@blueprint.get("/heats/<int:heat_id>/sheet")
def heat_sheet(heat_id: int) -> str:
    """A heat sheet for officials: lanes or order, bibs, names, clubs, seed marks."""
    public.published_event(public.event_of_heat(heat_id))
    heat = reads.heat_results(public.db(), heat_id, 1, reads.MAX_PER_PAGE)
    return render_template("live/heat_sheet.html", heat=heat,
                           start=reads.start_list(public.db(), heat_id))


def _sse(event: str, data: object) -> str:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


@blueprint.get("/<int:competition_id>/stream")
def stream(competition_id: int) -> Response:
    """Server-sent events: ``update`` {event_id, heat_ids, version} after each refresh;
    ``fallback`` when this process cannot hold another stream or Redis is unavailable."""
    public.published(competition_id)
    public.public_cache()  # a stream is also where a fresh process starts listening
    client = current_app.extensions["athsys_redis"]

    def first() -> str:
        return _sse("hello", {"events": live_versions(client, competition_id)})

    def update(message: dict[str, Any]) -> str | None:
        return _sse("update", message)

    return _announcements(competition_id, first, update)


@blueprint.get("/heats/<int:heat_id>/board")
def heat_board(heat_id: int) -> str:
    """A full-screen scoreboard of one heat (a script fills it and keeps it live)."""
    public.published_event(public.event_of_heat(heat_id))
    return render_template("live/board.html", heat_id=heat_id)


@blueprint.get("/heats/<int:heat_id>/board/stream")
def board_stream(heat_id: int) -> Response:
    """Server-sent events: ``clock`` {now} (the server's time, for the board's race clock),
    then ``board`` with the heat's board state at once and after every announcement of its
    event that changes it (same version: nothing sent); ``fallback`` when this process cannot
    hold another stream or Redis is unavailable. Each announcement of the event costs each
    of its board streams one read of the heat (a stream holds no transaction meanwhile)."""
    event_id = public.published_event(public.event_of_heat(heat_id))
    competition_id = public.competition_of_event(event_id)
    public.public_cache()
    shown: list[str] = []  # the version on the board

    def first() -> str:
        state = public.board_state(heat_id)
        shown.append(state["version"])
        return (_sse("clock", {"now": datetime.now(UTC).isoformat()})
                + _sse("board", state))

    def update(message: dict[str, Any]) -> str | None:
        if message.get("event_id") != event_id:
            return None
        state = public.board_state(heat_id)
        if state["version"] == shown[-1]:
            return None
        shown.append(state["version"])
        return _sse("board", state)

    return _announcements(competition_id, first, update)


def _announcements(competition_id: int, first: Callable[[], str],
                   update: Callable[[dict[str, Any]], str | None]) -> Response:
    """A stream of the competition's live announcements, held by one of this process's
    :func:`max_streams` slots for :data:`STREAM_SECONDS`: ``first()`` once subscribed (a
    change committed meanwhile is announced, not lost), then ``update(message)`` for each
    announcement (None: nothing to send), keep-alive comments in between; ``fallback`` when
    every slot is taken or Redis fails."""
    client = current_app.extensions["athsys_redis"]
    if not _streams.acquire(blocking=False):
        return _event_stream(iter([_sse("fallback", {"reason": "busy"})]))
    try:
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(LIVE_CHANNEL.format(competition_id=competition_id))
        opening = "retry: 1000\n\n" + first()
    except REDIS_ERRORS:
        _streams.release()
        return _event_stream(iter([_sse("fallback", {"reason": "unavailable"})]))
    except BaseException:
        _streams.release()
        raise

    def events() -> Iterator[str]:
        try:
            yield opening
            ends = time.monotonic() + STREAM_SECONDS
            beat = time.monotonic() + HEARTBEAT_SECONDS
            while time.monotonic() < ends:
                message = pubsub.get_message(timeout=0.5)
                if message is not None:
                    sent = update(json.loads(message["data"]))
                    if sent is not None:
                        yield sent
                elif time.monotonic() > beat:
                    beat = time.monotonic() + HEARTBEAT_SECONDS
                    yield ": keep-alive\n\n"
        except REDIS_ERRORS:
            yield _sse("fallback", {"reason": "unavailable"})
        finally:
            try:
                pubsub.close()
            finally:
                _streams.release()

    return _event_stream(stream_with_context(events()))


def _event_stream(body: Iterator[str]) -> Response:
    response = Response(body, mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response

