"""Self-registration: an athlete signs up for a competition that allows it.

One call creates the account (Athlete role), the athlete it belongs to and, when an event is
given, an entry in that event with the next free bib. The competition must be open and
allow self-registration; the event must be one of its events. Everything is audited as the
new account's own doing. Writes and flushes in the caller's transaction; does not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from athsys.accounts import service as accounts
from athsys.accounts.actor import Actor
from athsys.accounts.roles import ATHLETE
from athsys.athletes.models import Athlete
from athsys.athletes.service import link_account
from athsys.audit.service import audited_add, record
from athsys.competitions.models import Competition, CompetitionStatus, Entry, Event
from athsys.competitions.service import check_eligible
from athsys.errors import AuthorizationError, NotFoundError, ValidationError
from athsys.sport.sex import Sex

#: Bibs the next free one is counted from: whole numbers (a "12A" or "J7" is skipped).
NUMERIC_BIB = r"^[0-9]{1,9}$"


@dataclass(frozen=True)
class SignUp:
    username: str
    email: str
    password: str
    first_name: str
    last_name: str
    sex: Sex
    competition_id: int
    birth_date: date | None = None
    nationality: str | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class Registration:
    user: object  # the account (Flask-AppBuilder's user model)
    athlete: Athlete
    entry: Entry | None


def open_competition(session: Session, competition_id: int) -> Competition:
    """The competition, if it takes self-registrations now: 404 unknown, 403 not open."""
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"no competition with id {competition_id}",
                            details={"competition_id": ["No such competition."]})
    if not (competition.allow_self_registration
            and competition.status is CompetitionStatus.OPEN):
        raise AuthorizationError(f"{competition.name} does not accept self-registration",
                                 details={"competition_id": ["Self-registration is not open."]})
    return competition


def _event_of(session: Session, competition: Competition, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise ValidationError("invalid fields: event_id",
                              details={"event_id": [f"No event with id {event_id}."]})
    if event.competition_id != competition.id:
        raise ValidationError("event_id: not an event of this competition",
                              details={"event_id": ["Not an event of this competition."]})
    return event


def next_bib(session: Session, competition_id: int) -> str:
    """One more than the highest numeric bib of the competition ("1" for the first)."""
    highest = session.scalar(
        select(func.max(cast(Entry.bib, Integer)))
        .where(Entry.competition_id == competition_id, Entry.bib.regexp_match(NUMERIC_BIB))
    )
    return str((highest or 0) + 1)


def register(session: Session, store: accounts.UserStore, sign_up: SignUp) -> Registration:
    """The account, its athlete and (with an event) the entry; see the module's rules."""
    competition = open_competition(session, sign_up.competition_id)
    event = (None if sign_up.event_id is None
             else _event_of(session, competition, sign_up.event_id))
    user = accounts.add_account(session, store, accounts.NewAccount(
        username=sign_up.username, email=sign_up.email, password=sign_up.password,
        first_name=sign_up.first_name, last_name=sign_up.last_name, roles=(ATHLETE,)))
    actor = Actor(user_id=user.id, username=user.username, roles=frozenset({ATHLETE}))
    record(session, actor, "register", "User", user.id,
           {"username": user.username, "email": user.email, "roles": [ATHLETE]})
    athlete = audited_add(session, actor, Athlete(
        first_name=sign_up.first_name, last_name=sign_up.last_name, sex=sign_up.sex,
        birth_date=sign_up.birth_date, nationality=sign_up.nationality))
    link_account(session, user.id, {"athlete_id": athlete.id})
    entry = None
    if event is not None:
        # not through service.create_entry: its club rule is for staff and coaches, and a
        # self-registered athlete has no club
        entry = Entry(event=event, competition_id=competition.id, athlete=athlete,
                      bib=next_bib(session, competition.id))
        check_eligible(session, actor, event, athlete, entry)
        entry = audited_add(session, actor, entry)
    return Registration(user, athlete, entry)
