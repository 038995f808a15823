"""The fan-out of live announcements: every viewer of a competition gets each update through
its own bounded queue; a viewer that cannot keep up is dropped without holding up the rest."""

from __future__ import annotations

import asyncio

import pytest

from webui.livestream.fanout import (
    QUEUE_SIZE,
    Hub,
    Viewer,
    competition_of_channel,
    sse,
    update_event,
)

pytestmark = pytest.mark.unit


def test_events_are_written_as_the_flask_stream_writes_them() -> None:
    assert sse("hello", {"events": {"7": 3}}) == b'event: hello\ndata: {"events":{"7":3}}\n\n'
    assert update_event('{"event_id":7,"version":4}') == (
        b'event: update\ndata: {"event_id":7,"version":4}\n\n')


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
        ours = [Viewer(1) for _ in range(3)]
        other = Viewer(2)
        for viewer in (*ours, other):
            hub.add(viewer)
        assert hub.publish(1, b"u1") == 3
        assert [v.queue.get_nowait() for v in ours] == [b"u1"] * 3
        assert other.queue.empty()
        assert hub.publish(3, b"nobody") == 0
        assert hub.count() == 4
    asyncio.run(scenario())


def test_a_slow_viewer_is_dropped_and_the_others_still_get_every_update() -> None:
    async def scenario() -> None:
        hub = Hub()
        aborted: list[str] = []
        slow = Viewer(1, abort=lambda: aborted.append("slow"))
        fast = Viewer(1, abort=lambda: aborted.append("fast"))
        hub.add(slow)
        hub.add(fast)
        received: list[bytes] = []
        for n in range(QUEUE_SIZE + 5):
            hub.publish(1, f"u{n}".encode())
            received.append(fast.queue.get_nowait())  # the fast one reads as they come
        assert received == [f"u{n}".encode() for n in range(QUEUE_SIZE + 5)]
        assert slow.dropped and not fast.dropped
        assert aborted == ["slow"]
        assert hub.dropped == 1
        assert hub.count() == 1
        hub.publish(1, b"later")  # the dropped one is no longer offered anything
        assert slow.queue.qsize() == QUEUE_SIZE
    asyncio.run(scenario())


def test_publish_never_waits_for_a_viewer() -> None:
    async def scenario() -> None:
        hub = Hub()
        viewers = [Viewer(1) for _ in range(1000)]
        for viewer in viewers:
            hub.add(viewer)
        for n in range(QUEUE_SIZE + 1):  # nobody reads: all overflow on the last one
            hub.publish(1, f"u{n}".encode())
        assert hub.count() == 0
        assert hub.dropped == 1000
    asyncio.run(scenario())


def test_a_viewer_that_leaves_is_forgotten() -> None:
    hub = Hub()
    viewer = Viewer(5)
    hub.add(viewer)
    hub.remove(viewer)
    hub.remove(viewer)
    assert hub.viewers == {}
