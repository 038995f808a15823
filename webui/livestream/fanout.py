"""The fan-out of live announcements to the viewers of one process.

One Redis subscription per process hands each announcement to :meth:`Hub.publish`, which
offers the already formatted server-sent event to every viewer of the competition through
the viewer's own bounded queue. ``publish`` never waits: a viewer whose queue is full (it
reads slower than updates come) is dropped and its connection aborted, so one slow phone
never delays the others; its browser reconnects and starts again from ``hello``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field

#: Events a viewer may have waiting before it counts as too slow and is dropped.
QUEUE_SIZE = 32
LIVE_PATTERN = "athsys:live:competition:*"
_CHANNEL_PREFIX = "athsys:live:competition:"


def sse(event: str, data: object) -> bytes:
    """One server-sent event, as the Flask stream writes it."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def update_event(payload: str) -> bytes:
    """The ``update`` event of an announcement (already compact JSON, published by
    :func:`athsys.leaderboards.cache.announce`), formatted once for every viewer."""
    return f"event: update\ndata: {payload}\n\n".encode()


def competition_of_channel(channel: str) -> int | None:
    """The competition id of a live channel name; None for anything else."""
    if not channel.startswith(_CHANNEL_PREFIX):
        return None
    ident = channel[len(_CHANNEL_PREFIX):]
    return int(ident) if ident.isascii() and ident.isdigit() else None


@dataclass(eq=False)
class Viewer:
    """One connected browser: its queue of events to write, and how to cut it off."""

    competition_id: int
    abort: Callable[[], None] = lambda: None
    queue: asyncio.Queue[bytes] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False


@dataclass
class Hub:
    """Viewers by competition; counts what happened to them."""

    viewers: dict[int, set[Viewer]] = field(default_factory=dict)
    delivered: int = 0
    dropped: int = 0

    def add(self, viewer: Viewer) -> None:
        self.viewers.setdefault(viewer.competition_id, set()).add(viewer)

    def remove(self, viewer: Viewer) -> None:
        group = self.viewers.get(viewer.competition_id)
        if group is None:
            return
        group.discard(viewer)
        if not group:
            del self.viewers[viewer.competition_id]

    def count(self) -> int:
        return sum(len(group) for group in self.viewers.values())

    def publish(self, competition_id: int, event: bytes) -> int:
        """Offer ``event`` to every viewer of the competition; returns how many took it."""
        group = self.viewers.get(competition_id)
        if not group:
            return 0
        taken = 0
        slow: list[Viewer] = []
        for viewer in group:
            try:
                viewer.queue.put_nowait(event)
                taken += 1
            except asyncio.QueueFull:
                slow.append(viewer)
        for viewer in slow:
            self.drop(viewer)
        self.delivered += taken
        return taken

    def publish_all(self, event: bytes) -> None:
        """Offer ``event`` to every viewer (e.g. ``fallback`` when Redis is gone)."""
        for competition_id in list(self.viewers):
            self.publish(competition_id, event)

    def drop(self, viewer: Viewer) -> None:
        """Forget a viewer and cut its connection (it reconnects by itself)."""
        if viewer.dropped:
            return
        viewer.dropped = True
        self.dropped += 1
        self.remove(viewer)
        viewer.abort()
