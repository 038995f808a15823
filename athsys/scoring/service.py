"""Combined-event standings and age grading, read from the stored results.

A combined event (decathlon, heptathlon, pentathlon) is one :class:`Event` whose entries are
the all-rounders; its rounds are its events in the order they are held: round ordinal 1 is
the first event of the World Athletics tables (the decathlon's 100 m), ordinal 2 the second
(long jump), and so on. Each round has its heats (races or flights) and the results of the
entries in them. The points of an event are computed from the stored mark by
:mod:`athsys.sport.combined` (no mark, DNS, DNF, DQ or NM score 0), the running total
follows each event, and the standings rank the totals.

Age grading applies :mod:`athsys.sport.age_grading` to a result: the athlete's age in
whole years on the first day of the competition, and the discipline's column of the WMA 2023
track and field factors (the Alan Jones 2020 factors for road races).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from athsys.athletes.categories import MASTERS_FROM_AGE, age_on
from athsys.athletes.models import Athlete
from athsys.competitions.models import Entry, EntryStatus, Event, Heat, Round
from athsys.errors import NotFoundError, ValidationError
from athsys.results.models import Result
from athsys.sport.age_grading import AgeGrade, age_grade, age_grade_events
from athsys.sport.combined import (
    EventScore,
    combined_competition_key,
    get_competition,
    score_competition,
)
from athsys.sport.disciplines import EventKind
from athsys.sport.ranking import ResultStatus, rank_with_ties

#: WMA masters categories start at 35.
MASTERS_AGE = MASTERS_FROM_AGE

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
    rows = session.execute(
        select(Result.entry_id, Round.ordinal, Result.mark, Result.status)
        .join(Heat, Result.heat_id == Heat.id)
        .join(Round, Heat.round_id == Round.id)
        .where(Round.event_id == event_id, Round.ordinal <= held)
    ).all()
    marks: dict[int, dict[str, int | None]] = {}
    for entry_id, ordinal, mark, status in rows:
        if 1 <= ordinal <= len(event_keys):
            ok = status is ResultStatus.OK
            marks.setdefault(entry_id, {})[event_keys[ordinal - 1]] = mark if ok else None
    entries = session.scalars(
        select(Entry).options(selectinload(Entry.athlete))
        .where(Entry.event_id == event_id, Entry.status != EntryStatus.SCRATCHED)
        .order_by(Entry.bib)
    ).all()
    lines = []
    for entry in entries:
        score = score_competition(key, marks.get(entry.id, {}))
        lines.append((entry, score.events[:held], score.events[held - 1].running_total
                      if held else 0))
    ranked = rank_with_ties(lines, key=lambda line: line[2], higher_is_better=True)
    return [
        CombinedStanding(
            entry_id=entry.id, athlete_id=entry.athlete_id, bib=entry.bib,
            name=entry.athlete.full_name,
            place=place if entry.id in marks else None,
            total=total, events=events,
        )
        for place, (entry, events, total) in ranked
    ]


# -- age grading --------------------------------------------------------------------------------
def age_grade_event_key(discipline_code: str) -> str | None:
    """The age-grading column of a discipline (``"110mH"`` -> ``"SH"``); None if there is none."""
    key = _AGE_GRADE_EVENTS.get(discipline_code, discipline_code)
    return key if key in age_grade_events() else None


@dataclass(frozen=True)
class AgeGradedResult:
    result_id: int
    entry_id: int
    athlete_id: int
    grade: AgeGrade


def age_grade_result(result: Result, *, masters_only: bool = True) -> AgeGradedResult | None:
    """The age grade of a stored result, or None when it cannot be graded: not OK, no
    birth date, a discipline without factors, an age outside the table (or under
    :data:`MASTERS_AGE` with ``masters_only``)."""
    if result.status is not ResultStatus.OK or result.mark is None or result.mark <= 0:
        return None
    athlete: Athlete = result.entry.athlete
    event = result.heat.round.event
    key = age_grade_event_key(event.discipline_code)
    if athlete.birth_date is None or key is None:
        return None
    age = age_on(athlete.birth_date, event.competition.start_date)
    if masters_only and age < MASTERS_AGE:
        return None
    try:
        grade = age_grade(athlete.sex.value, age, key, result.mark)
    except ValidationError:
        return None  # an age the table does not cover
    return AgeGradedResult(result.id, result.entry_id, athlete.id, grade)


def age_graded_results(
    session: Session, heat_ids: Sequence[int], *, masters_only: bool = True
) -> list[tuple[int, AgeGradedResult]]:
    """The gradable results of these heats ranked by age-graded percentage (best first),
    with shared places on equal percentages: an age-graded leaderboard."""
    results = session.scalars(
        select(Result)
        .options(
            selectinload(Result.entry).selectinload(Entry.athlete),
            selectinload(Result.heat).selectinload(Heat.round).selectinload(Round.event)
            .selectinload(Event.competition),
        )
        .where(Result.heat_id.in_(list(heat_ids)))
        .order_by(Result.id)
    ).all()
    graded = [g for g in (age_grade_result(r, masters_only=masters_only) for r in results) if g]
    return rank_with_ties(graded, key=lambda g: g.grade.percentage, higher_is_better=True)
