"""The fan-out of live announcements to the viewers of one process.

One Redis subscription per process hands each announcement to :meth:`Hub.publish`, which
formats it once and writes the same bytes to every viewer of the competition. A viewer's
queue is its connection's write buffer, bounded by :data:`MAX_BUFFERED` bytes above what the
kernel holds: ``publish`` never waits, and a viewer whose buffer is full (it reads slower than
updates come, or its network stalls) is dropped and its connection aborted, so one slow phone
never delays the others; its browser reconnects and starts again from ``hello``.

Writing straight to each connection, instead of waking a task per viewer, is what lets one
process on one core serve ten thousand viewers: an update costs one ``write`` call a viewer.
The stream is HTTP/1.1 chunked, so each event is framed as one chunk (:func:`chunk`), once.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Protocol

#: Bytes a viewer may have waiting (besides the kernel's socket buffer) before it counts as
#: too slow and is dropped: about a hundred updates.
MAX_BUFFERED = 64 * 1024
LIVE_PATTERN = "athsys:live:competition:*"
_CHANNEL_PREFIX = "athsys:live:competition:"
KEEP_ALIVE = b": keep-alive\n\n"


class Connection(Protocol):
    """What the hub needs of a viewer's connection (an asyncio transport has it)."""

    def write(self, data: bytes) -> None: ...

    def get_write_buffer_size(self) -> int: ...

    def abort(self) -> None: ...


def sse(event: str, data: object) -> bytes:
    """One server-sent event, as the Flask stream writes it."""
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def update_event(payload: str) -> bytes:
    """The ``update`` event of an announcement (JSON, published by
    :func:`athsys.leaderboards.cache.announce`), compact as the Flask stream writes it;
    raises ValueError for a payload that is not JSON."""
    return sse("update", json.loads(payload))


def chunk(data: bytes) -> bytes:
    """``data`` as one HTTP/1.1 chunk of a chunked response."""
    return b"%x\r\n%b\r\n" % (len(data), data)


def competition_of_channel(channel: str) -> int | None:
    """The competition id of a live channel name; None for anything else."""
    if not channel.startswith(_CHANNEL_PREFIX):
        return None
    ident = channel[len(_CHANNEL_PREFIX):]
    return int(ident) if ident.isascii() and ident.isdigit() else None


@dataclass(eq=False)
class Viewer:
    """One connected browser: its connection, until when it is served, and a future its
    request handler waits on (done when the stream ends, is dropped or the server stops)."""

    competition_id: int
    connection: Connection
    ends_at: float = float("inf")
    finished: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future())
    dropped: bool = False

    def finish(self) -> None:
        if not self.finished.done():
            self.finished.set_result(None)


@dataclass
class Hub:
    """Viewers by competition; counts what happened to them."""

    viewers: dict[int, set[Viewer]] = field(default_factory=dict)
    max_buffered: int = MAX_BUFFERED
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

    def publish(self, competition_id: int, framed: bytes) -> int:
        """Write ``framed`` (a chunk) to every viewer of the competition that keeps up, drop
        those that do not; returns how many took it. Never waits."""
        group = self.viewers.get(competition_id)
        if not group:
            return 0
        slow: list[Viewer] = []
        for viewer in group:
            connection = viewer.connection
            if connection.get_write_buffer_size() > self.max_buffered:
                slow.append(viewer)
            else:
                connection.write(framed)
        for viewer in slow:
            self.drop(viewer)
        taken = len(group) if competition_id in self.viewers else 0
        self.delivered += taken
        return taken

    def publish_all(self, framed: bytes) -> None:
        for competition_id in list(self.viewers):
            self.publish(competition_id, framed)

    def tick(self, now: float) -> None:
        """Every heartbeat: a keep-alive comment to every viewer, and the end of the streams
        whose time is up (the browser reconnects)."""
        self.publish_all(chunk(KEEP_ALIVE))
        for group in list(self.viewers.values()):
            for viewer in [v for v in group if v.ends_at <= now]:
                self.remove(viewer)
                viewer.finish()

    def drop(self, viewer: Viewer) -> None:
        """Forget a viewer and cut its connection (it reconnects by itself)."""
        if viewer.dropped:
            return
        viewer.dropped = True
        self.dropped += 1
        self.remove(viewer)
        viewer.connection.abort()
        viewer.finish()

    def close_all(self) -> None:
        for group in list(self.viewers.values()):
            for viewer in list(group):
                self.remove(viewer)
                viewer.finish()

