"""Change tracking: a leaderboard refresh is asked for whenever a session changes a result,
an attempt, a heat, a lane assignment or an entry through the ORM, and the web apps hear of
every committed change to a competition (their cached public list). Installed by
``tasks.wiring.install()``, never by an import.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from athsys.competitions.models import (
    Competition,
    Entry,
    Heat,
    LaneAssignment,
    Round,
)
from athsys.jobs import request_refresh
from athsys.results.models import Attempt, Result

log = logging.getLogger(__name__)

_TRACKED = (Result, Attempt, Heat, LaneAssignment, Entry)

_PENDING_EVENTS = "athsys_leaderboard_events"

_CHANGED_COMPETITIONS = "athsys_changed_competitions"

_tracking = False

#: Called after commit with the ids of the competitions a session inserted, changed or
#: deleted; each web app registers its public cache, and goes when its app goes.
_competition_listeners: weakref.WeakKeyDictionary[object, Callable[[set[int]], None]] = (
    weakref.WeakKeyDictionary())

def _event_of(session: Session, obj: object) -> int | None:
    heat_id = getattr(obj, "heat_id", None)
    if isinstance(obj, Entry):
        return obj.event_id
    if isinstance(obj, Heat):
        round_id: int | None = obj.round_id
    elif heat_id is not None:
        round_id = session.scalar(select(Heat.round_id).where(Heat.id == heat_id))
    else:
        return None
    return session.scalar(select(Round.event_id).where(Round.id == round_id))

def _after_flush(session: Session, _context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    competitions = {obj.id for obj in touched if isinstance(obj, Competition)}
    if competitions:
        session.info.setdefault(_CHANGED_COMPETITIONS, set()).update(competitions)
    changed = [obj for obj in touched if isinstance(obj, _TRACKED)]
    if not changed:
        return
    pending: set[int] = session.info.setdefault(_PENDING_EVENTS, set())
    with session.no_autoflush:
        for obj in changed:
            event_id = _event_of(session, obj)
            if event_id is not None and event_id not in pending:
                pending.add(event_id)
                request_refresh(session, [event_id])

def _after_commit(session: Session) -> None:
    competitions: set[int] | None = session.info.pop(_CHANGED_COMPETITIONS, None)
    _forget(session)
    if not competitions:
        return
    for owner, listener in list(_competition_listeners.items()):
        try:
            listener(competitions)
        except Exception:  # the commit stands; a listener's failure is only logged
            log.exception("competition listener of %r failed", owner)

def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING_EVENTS, None)
    session.info.pop(_CHANGED_COMPETITIONS, None)

def on_competitions_committed(owner: object, listener: Callable[[set[int]], None]) -> None:
    """Call ``listener`` with the ids of the competitions each commit inserted, changed or
    deleted through the ORM (the public list of competitions is cached until then), for as
    long as ``owner`` lives (held weakly: ``listener`` must not refer to it)."""
    _competition_listeners[owner] = listener

def track_changes() -> None:
    """Ask for a leaderboard refresh after commit whenever a session changes a result, an
    attempt, a heat (status, wind, schedule), a lane assignment or an entry through the ORM,
    and tell the competition listeners of changed competitions (idempotent; bulk SQL
    writers such as the timing service ask for refreshes themselves)."""
    global _tracking
    if _tracking:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _forget)
    _tracking = True
