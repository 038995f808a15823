"""Change tracking: a leaderboard refresh is asked for whenever a session changes a result,
an attempt, a heat, a lane assignment or an entry through the ORM, a rebuild whenever it
changes what boards show of an athlete, a club or a relay team's runners, and the web apps
hear of every committed change to a competition (their cached public list). Installed by
``tasks.wiring.install()``, never by an import.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    Entry,
    Heat,
    LaneAssignment,
    RelayLeg,
    Round,
)
from athsys.jobs import request_rebuild, request_refresh
from athsys.results.models import Attempt, Result

log = logging.getLogger(__name__)

_TRACKED = (Result, Attempt, Heat, LaneAssignment, Entry)

_SHOWN = (Athlete, Club)
"""Rows the boards show through entries: an athlete's name, club, sex and birth date, a
club's name and code (and the team it scores for). A change is no result, so the incremental
refresh would not see it: the events that show it are rebuilt. Only a changed one is looked
up: a new athlete or club has no entries yet, and a deleted one can have none (the keys
restrict it)."""

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

def _events_showing(session: Session, athlete_ids: list[int], club_ids: list[int]) -> set[int]:
    """The events whose boards show one of the athletes (entered, or running a relay leg) or
    one of the clubs (an entry's own, else its athlete's)."""
    entries = (select(Entry.event_id).join(Athlete, Athlete.id == Entry.athlete_id, isouter=True)
               .where(or_(Entry.athlete_id.in_(athlete_ids), Entry.club_id.in_(club_ids),
                          Entry.club_id.is_(None) & Athlete.club_id.in_(club_ids))))
    legs = select(RelayLeg.event_id).where(RelayLeg.athlete_id.in_(athlete_ids))
    return set(session.scalars(entries.union(legs)))

def _after_flush(session: Session, _context: Any) -> None:
    touched = (*session.new, *session.dirty, *session.deleted)
    competitions = {obj.id for obj in touched if isinstance(obj, Competition)}
    if competitions:
        session.info.setdefault(_CHANGED_COMPETITIONS, set()).update(competitions)
    # an entry edited (bib, club, team name) is shown, not placed: rebuilt, like an athlete
    edited = {obj for obj in session.dirty if isinstance(obj, (*_SHOWN, Entry))
              and session.is_modified(obj, include_collections=False)}
    changed = [obj for obj in touched if isinstance(obj, _TRACKED) and obj not in edited]
    rebuilt = {obj.event_id for obj in touched if isinstance(obj, RelayLeg)}
    rebuilt |= {obj.event_id for obj in edited if isinstance(obj, Entry)}
    if not changed and not rebuilt and not edited:
        return
    pending: set[int] = session.info.setdefault(_PENDING_EVENTS, set())
    with session.no_autoflush:
        for obj in changed:
            event_id = _event_of(session, obj)
            if event_id is not None and event_id not in pending:
                pending.add(event_id)
                request_refresh(session, [event_id])
        athletes = [obj.id for obj in edited if isinstance(obj, Athlete)]
        clubs = [obj.id for obj in edited if isinstance(obj, Club)]
        if athletes or clubs:
            rebuilt |= _events_showing(session, athletes, clubs)
    request_rebuild(session, rebuilt)

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
    attempt, a heat (status, wind, schedule), a lane assignment, an entry, a relay leg, or
    an athlete or club a board shows, through the ORM, and tell the competition listeners of
    changed competitions (idempotent; bulk SQL writers such as the timing service ask for
    refreshes themselves)."""
    global _tracking
    if _tracking:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _forget)
    _tracking = True
