"""Combined-event standings and age grading, read from the stored results.

A combined event (decathlon, heptathlon, pentathlon) is one :class:`Event` whose entries are
the all-rounders; its rounds are its events in the order they are held: round ordinal 1 is
the first event of the World Athletics tables (the decathlon's 100 m), ordinal 2 the second
(long jump), and so on. Each round has its heats (races or flights) and the results of the
entries in them. The points of an event are computed from the stored mark by
:mod:`athsys.sport.combined` (no mark, DNS, DNF, DQ or NM score 0; a hand-timed race,
``Result.hand_timed``, is scored by the tables' manual-timing convention), the running total
follows each event, and the standings rank the totals.

Age grading of results (the age-graded boards of :mod:`athsys.leaderboards`) reads the
discipline's column of the WMA 2023 track and field factors (the Alan Jones road factors for
road races) through :func:`age_grade_event_key`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from athsys.competitions.models import Entry, EntryStatus, Event, Heat, Round
from athsys.errors import NotFoundError, ValidationError
from athsys.results.models import Result
from athsys.sport.age_grading import age_grade_events
from athsys.sport.combined import (
    EventScore,
    combined_competition_key,
    get_competition,
    score_competition,
)
from athsys.sport.disciplines import EventKind
from athsys.sport.ranking import ResultStatus, rank_with_ties

# Discipline codes whose WMA 2023 column has another name.
_AGE_GRADE_EVENTS = {
    "60mH": "60H",
    "100mH": "SH",
    "110mH": "SH",
    "400mH": "LH",
    "3000mSC": "SC",
    "5K": "ROAD_5K",
    "10K": "ROAD_10K",
    "HM": "ROAD_HM",
    "MAR": "ROAD_MAR",
}


# -- combined events ----------------------------------------------------------------------------
@dataclass(frozen=True)
class CombinedStanding:
    """One all-rounder's line: points of every event held so far and the total."""

    entry_id: int
    athlete_id: int
    bib: str
    name: str
    place: int | None  # None until the athlete has a score in an event
    total: int
    events: tuple[EventScore, ...]


def combined_standings(
    session: Session, event_id: int, *, through: int | None = None
) -> list[CombinedStanding]:
    """The standings of combined event ``event_id`` after its first ``through`` events
    (all by default), best first; equal totals share a place.

    Each entry's marks come from its results in the rounds of the event; an event without
    a result, or with one that is not OK, scores 0. Scratched entries are left out.
    """
    event = session.get(Event, event_id)
    if event is None:
        raise NotFoundError(f"no event with id {event_id}", details={"event_id": event_id})
    if event.kind is not EventKind.COMBINED:
        raise ValidationError(f"{event.name} is not a combined event",
                              details={"event_id": event_id})
    key = combined_competition_key(event.discipline_code, event.sex)
    event_keys = get_competition(key).event_keys
    held = len(event_keys) if through is None else through
    if not 0 <= held <= len(event_keys):
        raise ValidationError(f"through: {key} has {len(event_keys)} events, not {held}",
                              details={"through": held})
    return _standings(session, {event_id: (key, held)})[event_id]


def standings_of_events(session: Session, keys: Mapping[int, str]
                        ) -> dict[int, list[CombinedStanding]]:
    """The standings of each combined event id of ``keys`` (its scoring tables' key, see
    :func:`athsys.sport.combined.combined_competition_key`) after all its events held so
    far, in three statements whatever their number: results, entries, athletes."""
    if not keys:
        return {}
    return _standings(session, {event_id: (key, len(get_competition(key).event_keys))
                                for event_id, key in keys.items()})


def _standings(session: Session, events: Mapping[int, tuple[str, int]]
               ) -> dict[int, list[CombinedStanding]]:
    """The standings of each event id of ``events`` (its scoring tables' key and how many
    of its events are held)."""
    rows = session.execute(
        select(Round.event_id, Result.entry_id, Round.ordinal, Result.mark, Result.status,
               Result.hand_timed)
        .join(Heat, Result.heat_id == Heat.id)
        .join(Round, Heat.round_id == Round.id)
        .where(Round.event_id.in_(list(events)))
    ).all()
    held_keys = {event_id: get_competition(key).event_keys[:held]
                 for event_id, (key, held) in events.items()}
    marks: dict[int, dict[str, int | None]] = {}
    hand_timed: dict[int, set[str]] = {}
    for event_id, entry_id, ordinal, mark, status, hand in rows:
        event_keys = held_keys[event_id]
        if 1 <= ordinal <= len(event_keys):
            ok = status is ResultStatus.OK
            marks.setdefault(entry_id, {})[event_keys[ordinal - 1]] = mark if ok else None
            if hand and ok:
                hand_timed.setdefault(entry_id, set()).add(event_keys[ordinal - 1])
    entries = session.scalars(
        select(Entry).options(selectinload(Entry.athlete))
        .where(Entry.event_id.in_(list(events)), Entry.status != EntryStatus.SCRATCHED)
        .order_by(Entry.bib)
    ).all()
    lines: dict[int, list[tuple[Entry, tuple[EventScore, ...], int]]] = {
        event_id: [] for event_id in events}
    for entry in entries:
        key, held = events[entry.event_id]
        score = score_competition(key, marks.get(entry.id, {}),
                                  hand_timed=hand_timed.get(entry.id, ()))
        lines[entry.event_id].append(
            (entry, score.events[:held], score.events[held - 1].running_total if held else 0))
    return {
        event_id: [
            CombinedStanding(
                entry_id=entry.id, athlete_id=entry.athlete_id, bib=entry.bib,
                name=entry.athlete.full_name,
                place=place if entry.id in marks else None,
                total=total, events=scores,
            )
            for place, (entry, scores, total) in rank_with_ties(
                event_lines, key=lambda line: line[2], higher_is_better=True)
        ]
        for event_id, event_lines in lines.items()
    }


# -- age grading --------------------------------------------------------------------------------
def age_grade_event_key(discipline_code: str) -> str | None:
    """The age-grading column of a discipline (``"110mH"`` -> ``"SH"``); None if there is none."""
    key = _AGE_GRADE_EVENTS.get(discipline_code, discipline_code)
    return key if key in age_grade_events() else None
