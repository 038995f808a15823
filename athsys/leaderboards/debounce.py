"""The leaderboard refresh debounce: however many transactions ask for an event's refresh, at
most two refreshes run per window: one at once when the window opens (a stored read shows
without waiting), one at its end for what came meanwhile.

The window lives in Redis, shared by every web and worker process; ``tasks.dispatch`` asks
:func:`refresh_countdown` before it sends each refresh that a transaction requested with
:func:`athsys.jobs.request_refresh`.
"""

from __future__ import annotations

import redis as redis_lib

REFRESH_DEBOUNCE_S = 0.5
"""Window of the debounce."""
WINDOW_KEY = "athsys:leaderboard:refresh-window:{event_id}"
TRAILING_KEY = "athsys:leaderboard:refresh-trailing:{event_id}"


def refresh_countdown(
    client: redis_lib.Redis, event_id: int, window_s: float = REFRESH_DEBOUNCE_S
) -> float | None:
    """When to run this refresh of ``event_id``: ``0.0`` at once (the window opens now), the
    seconds left in the window (the one trailing refresh), or None: a trailing refresh is
    already due and covers this request."""
    window_ms = int(window_s * 1000)
    window_key = WINDOW_KEY.format(event_id=event_id)
    if client.set(window_key, 1, nx=True, px=window_ms):
        return 0.0
    remaining_ms = int(client.pttl(window_key))
    if remaining_ms <= 0:  # the window closed since: open a new one
        remaining_ms = window_ms
        if client.set(window_key, 1, nx=True, px=window_ms):
            return 0.0
    if client.set(TRAILING_KEY.format(event_id=event_id), 1, nx=True, px=remaining_ms):
        return remaining_ms / 1000
    return None
