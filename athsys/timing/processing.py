"""Pure decisions of ingestion that are not race-time rules: tokens, the competition's time
window, which heat a read belongs to, which heat a gun read starts, and whether a computed
chip result may replace the stored one.

Everything here is plain values in, plain values out; the ingestion modules apply
it inside a database transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from athsys.timing.rules import (
    SOURCE_CHIP,
    SOURCE_PRECEDENCE,
    ComputedResult,
    StoredResult,
    UpdateDecision,
    decide_update,
)

TOKEN_PREFIX_LENGTH = 8
WINDOW_MARGIN = timedelta(hours=6)
"""Reads are accepted from 6 h before the first day until 6 h after the last day ends."""
GUN_MATCH_TOLERANCE_MS = 30 * 60 * 1000
"""A gun read starts the heat scheduled nearest to it, at most 30 min away."""


def hash_token(token: str) -> str:
    """SHA-256 hex of a device token: what we store and look tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_prefix(token: str) -> str:
    """The first characters of a token, shown to recognise it (never enough to use it)."""
    return token[:TOKEN_PREFIX_LENGTH]


def competition_window(
    start_date: date, end_date: date, tz: tzinfo, margin: timedelta = WINDOW_MARGIN
) -> tuple[datetime, datetime]:
    """(earliest, latest) aware datetimes a read of the competition may carry."""
    first = datetime.combine(start_date, time(0), tzinfo=tz)
    last = datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=tz)
    return first - margin, last + margin


@dataclass(frozen=True)
class HeatStart:
    """A heat an entry runs in, and when it starts (gun, else scheduled; None if neither)."""

    heat_id: int
    start_ms: int | None


def heat_for_read(heats: Sequence[HeatStart], time_ms: int) -> int | None:
    """The heat a read of an entry belongs to.

    An entry in one heat: that heat. In several (a heat, then the final): the latest heat
    that started at or before the read; a read before all of them goes to the first one
    (an athlete on the start mat before the gun). Heats without a known start count as
    starting at the end of time, in their given order.
    """
    if not heats:
        return None
    if len(heats) == 1:
        return heats[0].heat_id
    ordered = sorted(
        enumerate(heats),
        key=lambda item: (item[1].start_ms is None, item[1].start_ms or 0, item[0]),
    )
    chosen = ordered[0][1].heat_id
    for _, heat in ordered:
        if heat.start_ms is not None and heat.start_ms <= time_ms:
            chosen = heat.heat_id
    return chosen


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


@dataclass(frozen=True)
class StoredTimes:
    """What is stored for one entry in one heat: the result's source and revision and its
    official (gun) and net marks."""

    source: str
    revision: int
    mark: int | None
    net_mark: int | None


def decide_chip_update(
    current: StoredTimes | None, gun_time_ms: int, net_time_ms: int | None
) -> UpdateDecision:
    """Whether freshly computed chip times may replace the stored result.

    The stored result is read under a row lock in the same transaction, so the computation
    is based on its current revision; :func:`athsys.timing.rules.decide_update` then keeps
    results from an outranking source (a photo-finish file, a manual correction) and treats
    an identical official time as unchanged. A change of the net time alone (a late
    start-mat read) is still a change.
    """
    stored = (
        StoredResult(current.source, current.revision, current.mark)
        if current is not None
        else None
    )
    decision = decide_update(
        stored,
        ComputedResult(
            SOURCE_CHIP, gun_time_ms, current.revision if current is not None else None
        ),
    )
    if (
        current is not None
        and not decision.replace
        and current.mark == gun_time_ms
        and SOURCE_PRECEDENCE[current.source] <= SOURCE_PRECEDENCE[SOURCE_CHIP]
        and current.net_mark != net_time_ms
    ):
        return UpdateDecision(True, "net time changed")
    return decision
