"""Races (the seed's heats): numbering, standalone races and their own competition, edits."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from athsys.accounts import roles
from athsys.accounts.actor import Actor
from athsys.competitions import races, service
from athsys.competitions.models import Competition, Event, Heat, Round, RoundKind
from athsys.errors import ValidationError
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from tests.integration.api.helpers import tag

pytestmark = pytest.mark.integration

CHIEF = Actor(user_id=None, username="chief", roles=frozenset({roles.CHIEF_REGISTRAR}))
EVENING = datetime(2026, 6, 1, 19, 30)


@pytest.fixture()
def rnd(db_session):
    competition = Competition(name=f"Races {tag()}", venue="Oslo", start_date=date(2026, 6, 1),
                              end_date=date(2026, 6, 1), time_zone="Europe/Oslo")
    event = Event(competition=competition, discipline_code="100m", sex=Sex.MALE,
                  name="100 m", kind=discipline("100m").kind)
    first = Round(event=event, kind=RoundKind.HEAT, ordinal=1)
    db_session.add_all([competition, event, first, Heat(round=first, number=1)])
    db_session.flush()
    return first


def test_a_race_in_a_round_is_its_next_heat_in_the_competitions_time(db_session, rnd):
    heat = races.create_race(db_session, CHIEF, races.NewRace(
        name="Heat 2", start=EVENING, round_id=rnd.id))
    assert (heat.round_id, heat.number) == (rnd.id, 2)
    assert heat.scheduled_start == EVENING.replace(tzinfo=ZoneInfo("Europe/Oslo"))
    given = races.create_race(db_session, CHIEF, races.NewRace(
        name="Heat 9", start=EVENING.replace(tzinfo=UTC), round_id=rnd.id, number=9))
    assert given.number == 9 and given.scheduled_start.utcoffset().total_seconds() == 0


def test_an_unknown_round_is_named(db_session):
    with pytest.raises(ValidationError) as raised:
        races.create_race(db_session, CHIEF, races.NewRace(
            name="Nowhere", start=EVENING, round_id=99_999_999))
    assert set(raised.value.details) == {"round_id"}


def test_standalone_races_of_one_name_and_day_share_their_own_final(db_session):
    name = f"City Run {tag()}"
    first = races.create_race(db_session, CHIEF, races.NewRace(name=name, start=EVENING))
    second = races.create_race(db_session, CHIEF, races.NewRace(
        name=name, start=EVENING.replace(hour=21)))
    assert first.round_id == second.round_id and (first.number, second.number) == (1, 2)
    competition = first.round.event.competition
    assert (competition.name, competition.venue, competition.start_date) == (
        name, races.STANDALONE_VENUE, EVENING.date())
    assert (first.round.kind, first.round.event.discipline_code, first.round.event.sex) == (
        RoundKind.FINAL, races.STANDALONE_DISCIPLINE, races.STANDALONE_SEX)
    women = races.create_race(db_session, CHIEF, races.NewRace(
        name=name, start=EVENING, discipline_code="HM", sex=Sex.FEMALE))
    assert women.round.event.competition_id == competition.id
    assert women.round.event_id != first.round.event_id and women.number == 1


def test_an_edit_never_touches_status_or_gun_time(db_session, rnd):
    heat = db_session.scalar(select(Heat).where(Heat.round_id == rnd.id))
    races.update_race(db_session, CHIEF, heat, {"wind": 12, "scheduled_start": EVENING})
    assert heat.wind == 12
    assert heat.scheduled_start == EVENING.replace(tzinfo=ZoneInfo("Europe/Oslo"))
    with pytest.raises(ValidationError) as raised:
        races.update_race(db_session, CHIEF, heat, {"status": "official", "gun_time": EVENING})
    assert set(raised.value.details) == {"status", "gun_time"}


def test_a_new_round_without_an_ordinal_comes_last(db_session, rnd):
    final = races.create_round(db_session, CHIEF, Round(event_id=rnd.event_id,
                                                         kind=RoundKind.FINAL))
    assert final.ordinal == 2


def test_a_competition_cannot_end_before_it_starts(db_session):
    backwards = Competition(name=f"Backwards {tag()}", venue="X", start_date=date(2026, 6, 2),
                            end_date=date(2026, 6, 1))
    with pytest.raises(ValidationError) as raised:
        service.create_competition(db_session, CHIEF, backwards)
    assert set(raised.value.details) == {"end_date"}
