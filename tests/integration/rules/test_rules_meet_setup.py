"""The wizard's programme through the domain, against PostgreSQL: entry standards written in
each discipline's notation are stored as marks, and one bad standard refuses the whole
programme, named, with nothing written."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.competitions.meet_templates import PlannedEvent, PlannedRound
from athsys.competitions.models import Event, RoundKind
from athsys.errors import ValidationError
from athsys.models import metadata
from athsys.officiating.meet_setup import add_programme
from athsys.sport.sex import Sex
from tests.integration.rules.conftest import MeetBuilder

pytestmark = pytest.mark.integration

CHIEF = Actor(user_id=None, username="chief", roles=frozenset({"Chief Registrar"}))


def _planned(code: str, sex: Sex, name: str, standard: int | str | None) -> PlannedEvent:
    return PlannedEvent(code, name, sex, "SEN", (PlannedRound(RoundKind.FINAL, 1, time(10)),),
                        entry_standard=standard)


def _counts(session: Session) -> dict[str, int | None]:
    return {t.name: session.scalar(select(func.count()).select_from(t))
            for t in metadata.sorted_tables}


def test_the_programmes_standards_are_stored_as_marks(
    meet: MeetBuilder, db_session: Session
) -> None:
    created = add_programme(db_session, CHIEF, meet.competition, [
        _planned("100m", Sex.MALE, "Men 100 m", "10.40"),
        _planned("LJ", Sex.FEMALE, "Women Long jump", "6.40"),
        _planned("800m", Sex.FEMALE, "Women 800 m", 125_000),
        _planned("SP", Sex.MALE, "Men Shot put", None)], lanes=8)
    assert [(e.name, e.entry_standard, len(e.rounds)) for e in created] == [
        ("Men 100 m", 10_400, 1), ("Women Long jump", 6_400, 1), ("Women 800 m", 125_000, 1),
        ("Men Shot put", None, 1)]
    assert dict(db_session.execute(select(Event.name, Event.entry_standard).where(
        Event.competition_id == meet.competition.id)).all()) == {
        "Men 100 m": 10_400, "Women Long jump": 6_400, "Women 800 m": 125_000,
        "Men Shot put": None}


def test_one_bad_standard_refuses_the_programme_and_writes_nothing(
    meet: MeetBuilder, db_session: Session
) -> None:
    before = _counts(db_session)
    with pytest.raises(ValidationError) as caught:
        add_programme(db_session, CHIEF, meet.competition, [
            _planned("100m", Sex.MALE, "Men 100 m", "10.40"),
            _planned("LJ", Sex.FEMALE, "Women Long jump", "6.40"),
            _planned("200m", Sex.MALE, "Men 200 m", "15.00")], lanes=8)
    assert set(caught.value.details) == {"events.2.entry_standard"}
    assert caught.value.message.startswith(
        "Men 200 m, entry standard: 15.00 is not a plausible 200 m mark")
    assert _counts(db_session) == before
