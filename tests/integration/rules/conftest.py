"""Builders for the rules tests: a meet with events, entries and rounds in a rolled-back session."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import Competition, Entry, Event, Heat, Round, RoundKind
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex

REGISTRAR = Actor(user_id=None, username="registrar", roles=frozenset({"Registrar"}))
STARTER = Actor(user_id=None, username="starter", roles=frozenset({"Starter"}))

_numbers = itertools.count(1)


class MeetBuilder:
    def __init__(self, session: Session) -> None:
        self.session = session
        n = next(_numbers)
        self.club = Club(name=f"Rules AC {n}", code=f"RAC{n}", country="FRA")
        self.competition = Competition(name=f"Rules meet {n}", venue="Talence",
                                       start_date=date(2018, 9, 15), end_date=date(2018, 9, 16))
        session.add_all([self.club, self.competition])
        session.flush()

    def event(self, code: str, sex: Sex = Sex.MALE, *, lanes: int = 8) -> Event:
        found = discipline(code)
        event = Event(competition=self.competition, discipline_code=code, name=found.name,
                      sex=sex, kind=found.kind, lanes=lanes)
        self.session.add(event)
        self.session.flush()
        return event

    def athlete(self, last: str, sex: Sex = Sex.MALE, *, birth: date | None = None,
                nationality: str | None = None) -> Athlete:
        athlete = Athlete(first_name="A", last_name=last, sex=sex, club=self.club,
                          birth_date=birth, nationality=nationality)
        self.session.add(athlete)
        self.session.flush()
        return athlete

    def entry(self, event: Event, bib: str, seed_mark: int | None = None, *,
              athlete: Athlete | None = None) -> Entry:
        athlete = athlete or self.athlete(f"Athlete{bib}", event.sex)
        entry = Entry(event=event, competition_id=self.competition.id, athlete=athlete, bib=bib,
                      seed_mark=seed_mark)
        self.session.add(entry)
        self.session.flush()
        return entry

    def round(self, event: Event, ordinal: int = 1, kind: RoundKind = RoundKind.HEAT,
              by_place: int = 0, by_time: int = 0) -> Round:
        rnd = Round(event=event, kind=kind, ordinal=ordinal, advance_by_place=by_place,
                    advance_by_time=by_time)
        self.session.add(rnd)
        self.session.flush()
        return rnd

    def heat(self, rnd: Round, number: int = 1) -> Heat:
        heat = Heat(round=rnd, number=number)
        self.session.add(heat)
        self.session.flush()
        return heat


@pytest.fixture()
def meet(db_session: Session) -> MeetBuilder:
    return MeetBuilder(db_session)


@pytest.fixture()
def make_meet(db_session: Session) -> Callable[[], MeetBuilder]:
    return lambda: MeetBuilder(db_session)
