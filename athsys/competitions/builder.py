"""Building a meet in a few calls: the one builder the demo meet, the race simulation and the
tests share.

A competition, its events (named and typed from the catalogue of disciplines), a round with
its heat, athletes and their entries with their places in the start list. Athletes, entries
and start lists are inserted in bulk (``INSERT ... RETURNING`` in parameter order): 10,000
runners take a second or two. Nothing is audited or checked against the services' rules:
this is for loading data that is known to be right (a demo, a simulation, a test fixture),
never for what officials type. The caller's transaction commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex


@dataclass(frozen=True)
class Runner:
    """An athlete to create."""

    first_name: str
    last_name: str
    sex: Sex
    club_id: int | None = None
    birth_date: date | None = None
    licence: str | None = None


class MeetBuilder:
    """Adds to ``session``; every method flushes, so the ids are known when it returns."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def competition(self, name: str, *, day: date, venue: str = "Stadium",
                    time_zone: str = "UTC", last_day: date | None = None,
                    status: CompetitionStatus = CompetitionStatus.LIVE) -> Competition:
        competition = Competition(name=name, venue=venue, start_date=day,
                                  end_date=last_day or day, time_zone=time_zone, status=status)
        self.session.add(competition)
        self.session.flush()
        return competition

    def event(self, competition: Competition, code: str, *, sex: Sex, name: str | None = None,
              **columns: Any) -> Event:
        """An event of discipline ``code``, named as the catalogue names it unless ``name``."""
        found = discipline(code)
        event = Event(competition=competition, discipline_code=code, name=name or found.name,
                      sex=sex, kind=found.kind, **columns)
        self.session.add(event)
        self.session.flush()
        return event

    def race(self, event: Event, *, kind: RoundKind = RoundKind.FINAL, ordinal: int = 1,
             number: int = 1, scheduled_start: datetime | None = None,
             gun_time: datetime | None = None,
             status: HeatStatus = HeatStatus.SCHEDULED) -> Heat:
        """A round of ``event`` with one heat (a race, or a field flight)."""
        heat = Heat(round=Round(event=event, kind=kind, ordinal=ordinal), number=number,
                    scheduled_start=scheduled_start, gun_time=gun_time, status=status)
        self.session.add(heat)
        self.session.flush()
        return heat

    def athletes(self, runners: Sequence[Runner]) -> list[int]:
        """Their ids, in the order given."""
        if not runners:
            return []
        return list(self.session.scalars(
            insert(Athlete).returning(Athlete.id, sort_by_parameter_order=True),
            [{"first_name": r.first_name, "last_name": r.last_name, "sex": r.sex,
              "club_id": r.club_id, "birth_date": r.birth_date, "licence": r.licence}
             for r in runners],
        ).all())

    def enter(self, heat: Heat, athlete_ids: Sequence[int], bibs: Sequence[str], *,
              seed_marks: Sequence[int | None] | None = None,
              lanes: Sequence[int | None] | None = None,
              status: EntryStatus = EntryStatus.ENTERED) -> list[int]:
        """Enter the athletes in the heat's event and put them on its start list, in the
        order given (position 1, 2, ...; in ``lanes`` when given). The entry ids, in order."""
        if len(bibs) != len(athlete_ids):
            raise ValueError("one bib per athlete")
        event = heat.round.event
        marks = seed_marks or [None] * len(athlete_ids)
        entry_ids = list(self.session.scalars(
            insert(Entry).returning(Entry.id, sort_by_parameter_order=True),
            [{"event_id": event.id, "competition_id": event.competition_id,
              "athlete_id": athlete_id, "bib": bib, "seed_mark": mark, "status": status}
             for athlete_id, bib, mark in zip(athlete_ids, bibs, marks, strict=True)],
        ).all())
        self.session.execute(insert(LaneAssignment), [
            {"heat_id": heat.id, "entry_id": entry_id, "position": position,
             "lane": lanes[position - 1] if lanes else None}
            for position, entry_id in enumerate(entry_ids, start=1)
        ])
        return entry_ids
