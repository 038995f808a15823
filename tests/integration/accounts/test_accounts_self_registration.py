"""Self-registration: account, athlete and entry in one call, only where it is open."""

from datetime import date

import pytest
from sqlalchemy import select

from athsys.accounts import roles
from athsys.accounts.models import UserProfile
from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.competitions import self_registration
from athsys.competitions.models import Competition, CompetitionStatus, Entry, Event
from athsys.competitions.self_registration import SignUp
from athsys.errors import AuthorizationError, ConflictError, NotFoundError, ValidationError
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from tests.integration.api.helpers import tag

pytestmark = pytest.mark.integration


def _competition(session, *, open_=True, allowed=True):
    competition = Competition(
        name=f"Open meet {tag()}", venue="Park", start_date=date(2026, 7, 1),
        end_date=date(2026, 7, 1), allow_self_registration=allowed,
        status=CompetitionStatus.OPEN if open_ else CompetitionStatus.DRAFT)
    event = Event(competition=competition, discipline_code="10K", name=discipline("10K").name,
                  sex=Sex.FEMALE, kind=discipline("10K").kind)
    session.add_all([competition, event])
    session.flush()
    return competition, event


def _sign_up(competition_id, event_id=None, **changes):
    name = f"runner_{tag().lower()}"
    values = dict(username=name, email=f"{name}@example.org", password="a-long-password",
                  first_name="Rae", last_name="Runner", sex=Sex.FEMALE,
                  competition_id=competition_id, birth_date=date(1990, 3, 4), event_id=event_id)
    return SignUp(**{**values, **changes})


def test_registering_creates_the_account_the_athlete_and_the_entry(store_session):
    store, session = store_session
    competition, event = _competition(session)
    done = self_registration.register(session, store, _sign_up(competition.id, event.id))
    assert [role.name for role in done.user.roles] == [roles.ATHLETE]
    assert store.check_password(done.user.password, "a-long-password")
    assert (done.athlete.first_name, done.athlete.birth_date) == ("Rae", date(1990, 3, 4))
    assert session.get(UserProfile, done.user.id).athlete_id == done.athlete.id
    assert (done.entry.event_id, done.entry.athlete_id, done.entry.bib) == (
        event.id, done.athlete.id, "1")
    audited = session.execute(select(AuditLog.action, AuditLog.entity).where(
        AuditLog.actor_name == done.user.username).order_by(AuditLog.id)).all()
    assert audited == [("register", "User"), ("create", "Athlete"), ("create", "Entry")]


def test_without_an_event_there_is_no_entry(store_session):
    store, session = store_session
    competition, _ = _competition(session)
    done = self_registration.register(session, store, _sign_up(competition.id))
    assert done.entry is None and done.athlete.id is not None


def test_the_bib_is_one_more_than_the_highest_numeric_one(store_session):
    store, session = store_session
    competition, event = _competition(session)
    club = Club(name=f"Club {tag()}", code=f"C{tag()}", country="FRA")
    for bib in ("7", "12A", "J99"):
        athlete = Athlete(first_name="A", last_name=f"A{tag()}", sex=Sex.FEMALE, club=club)
        session.add(Entry(event=event, competition_id=competition.id, athlete=athlete, bib=bib))
    session.flush()
    done = self_registration.register(session, store, _sign_up(competition.id, event.id))
    assert done.entry.bib == "8"


@pytest.mark.parametrize("open_, allowed", [(False, True), (True, False)])
def test_a_competition_not_open_to_self_registration_refuses(store_session, open_, allowed):
    store, session = store_session
    competition, event = _competition(session, open_=open_, allowed=allowed)
    with pytest.raises(AuthorizationError) as raised:
        self_registration.register(session, store, _sign_up(competition.id, event.id))
    assert set(raised.value.details) == {"competition_id"}


def test_unknown_competition_and_foreign_event_are_named(store_session):
    store, session = store_session
    competition, _ = _competition(session)
    _, other_event = _competition(session)
    with pytest.raises(NotFoundError):
        self_registration.register(session, store, _sign_up(99_999_999))
    with pytest.raises(ValidationError) as raised:
        self_registration.register(session, store, _sign_up(competition.id, other_event.id))
    assert set(raised.value.details) == {"event_id"}
    with pytest.raises(ValidationError, match="event_id"):
        self_registration.register(session, store, _sign_up(competition.id, 99_999_999))


def test_a_taken_username_writes_no_athlete(store_session):
    store, session = store_session
    competition, event = _competition(session)
    first = self_registration.register(session, store, _sign_up(competition.id, event.id))
    athletes = session.scalar(select(Athlete.id).order_by(Athlete.id.desc()).limit(1))
    with pytest.raises(ConflictError):
        self_registration.register(session, store, _sign_up(
            competition.id, event.id, username=first.user.username.upper()))
    assert session.scalar(select(Athlete.id).order_by(Athlete.id.desc()).limit(1)) == athletes
