"""Reads against the meet's clock: the time window a competition's reads must fall in, and
the heat a gun read starts. Plain values in, plain values out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

WINDOW_MARGIN = timedelta(hours=6)
"""Reads are accepted from 6 h before the first day until 6 h after the last day ends."""
GUN_MATCH_TOLERANCE_MS = 30 * 60 * 1000
"""A gun read starts the heat scheduled nearest to it, at most 30 min away."""


def competition_window(
    start_date: date, end_date: date, tz: tzinfo, margin: timedelta = WINDOW_MARGIN
) -> tuple[datetime, datetime]:
    """(earliest, latest) aware datetimes a read of the competition may carry."""
    first = datetime.combine(start_date, time(0), tzinfo=tz)
    last = datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=tz)
    return first - margin, last + margin


@dataclass(frozen=True)
class GunCandidate:
    """A heat without a gun time that a gun read might start."""

    heat_id: int
    scheduled_ms: int | None


def heat_for_gun(
    candidates: Sequence[GunCandidate],
    gun_ms: int,
    tolerance_ms: int = GUN_MATCH_TOLERANCE_MS,
) -> int | None:
    """The heat a gun read starts: the one scheduled nearest the shot, within the tolerance.

    With a single candidate and no schedule the gun is that heat's; otherwise a heat must be
    scheduled within ``tolerance_ms`` of the shot. Equal distances go to the earlier heat.
    """
    scheduled = [c for c in candidates if c.scheduled_ms is not None]
    if not scheduled:
        return candidates[0].heat_id if len(candidates) == 1 else None
    best = min(
        scheduled,
        key=lambda c: (abs(gun_ms - (c.scheduled_ms or 0)), c.scheduled_ms or 0, c.heat_id),
    )
    if abs(gun_ms - (best.scheduled_ms or 0)) > tolerance_ms:
        return None
    return best.heat_id
