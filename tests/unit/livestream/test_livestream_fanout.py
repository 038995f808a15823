"""The fan-out of live announcements: every viewer of a competition gets each update, written
once into its own bounded buffer; a viewer that cannot keep up is dropped without holding up
the rest, and streams end when their time is up."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest

from webui.livestream.fanout import (
    KEEP_ALIVE,
    MAX_BUFFERED,
    Hub,
    Viewer,
    chunk,
    competition_of_channel,
    sse,
    update_event,
)

pytestmark = pytest.mark.unit


@dataclass
class Phone:
    """A viewer's connection: what was written, and how much of it is still unread."""

    written: list[bytes] = field(default_factory=list)
    unread: int = 0
    reads: bool = True
    aborted: bool = False

    def write(self, data: bytes) -> None:
        self.written.append(data)
        if not self.reads:
            self.unread += len(data)

    def get_write_buffer_size(self) -> int:
        return self.unread

    def abort(self) -> None:
        self.aborted = True


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def test_events_are_written_as_the_flask_stream_writes_them() -> None:
    assert sse("hello", {"events": {"7": 3}}) == b'event: hello\ndata: {"events":{"7":3}}\n\n'
    assert update_event('{"event_id": 7, "version": 4}') == (
        b'event: update\ndata: {"event_id":7,"version":4}\n\n')
    with pytest.raises(ValueError):
        update_event("not json")
    assert chunk(b"x" * 26) == b"1a\r\n" + b"x" * 26 + b"\r\n"


@pytest.mark.parametrize(("channel", "expected"), [
    ("athsys:live:competition:12", 12),
    ("athsys:live:competition:x", None),
    ("athsys:live:competition:", None),
    ("athsys:cache:invalidate", None),
])
def test_the_competition_is_read_from_the_channel(channel: str, expected: int | None) -> None:
    assert competition_of_channel(channel) == expected


def test_an_update_reaches_every_viewer_of_its_competition_only() -> None:
    async def scenario() -> None:
        hub = Hub()
        ours = [Viewer(1, Phone()) for _ in range(3)]
        other = Viewer(2, Phone())
        for viewer in (*ours, other):
            hub.add(viewer)
        assert hub.publish(1, b"u1") == 3
        assert [v.connection.written for v in ours] == [[b"u1"]] * 3  # type: ignore[attr-defined]
        assert other.connection.written == []  # type: ignore[attr-defined]
        assert hub.publish(3, b"nobody") == 0
        assert hub.count() == 4
    run(scenario)


def test_a_slow_viewer_is_dropped_and_the_others_still_get_every_update() -> None:
    async def scenario() -> None:
        hub = Hub()
        slow, fast = Phone(reads=False), Phone()
        slow_viewer, fast_viewer = Viewer(1, slow), Viewer(1, fast)
        hub.add(slow_viewer)
        hub.add(fast_viewer)
        update = b"u" * 1000
        sent = MAX_BUFFERED // len(update) + 5
        for _ in range(sent):
            hub.publish(1, update)
        assert len(fast.written) == sent
        assert slow.aborted and slow_viewer.dropped and slow_viewer.finished.done()
        assert len(slow.written) == MAX_BUFFERED // len(update) + 1  # then no more
        assert not fast.aborted and not fast_viewer.finished.done()
        assert (hub.dropped, hub.count()) == (1, 1)
    run(scenario)


def test_publish_never_waits_for_a_viewer() -> None:
    async def scenario() -> None:
        hub = Hub(max_buffered=10)
        phones = [Phone(reads=False) for _ in range(1000)]
        for phone in phones:
            hub.add(Viewer(1, phone))
        for _ in range(3):  # nobody reads: all overflow at once
            hub.publish(1, b"123456")
        assert hub.count() == 0
        assert hub.dropped == 1000
        assert all(phone.aborted for phone in phones)
    run(scenario)


def test_each_heartbeat_keeps_streams_alive_and_ends_those_whose_time_is_up() -> None:
    async def scenario() -> None:
        hub = Hub()
        staying, leaving = Viewer(1, Phone(), ends_at=100.0), Viewer(2, Phone(), ends_at=10.0)
        hub.add(staying)
        hub.add(leaving)
        hub.tick(now=20.0)
        assert staying.connection.written == [chunk(KEEP_ALIVE)]  # type: ignore[attr-defined]
        assert leaving.finished.done() and not leaving.dropped
        assert not staying.finished.done()
        assert hub.count() == 1
        hub.close_all()
        assert staying.finished.done() and hub.viewers == {}
    run(scenario)


def test_a_viewer_that_leaves_is_forgotten() -> None:
    async def scenario() -> None:
        hub = Hub()
        viewer = Viewer(5, Phone())
        hub.add(viewer)
        hub.remove(viewer)
        hub.remove(viewer)
        assert hub.viewers == {}
    run(scenario)
