"""The seed's races: heats created with their round, numbered, in the competition's time.

A race is a heat of a round. Given a round, it is that round's next heat (or the number
asked for). Without one it stands alone: it is filed under a competition named after the
race on the race's date (found, or created at venue "TBA"), in an event of the discipline
(default 10 km road) for the sex (default men), senior, in that event's final: found, or
created. Times without an offset are local times of the competition.

Each function writes, flushes and audits in the caller's transaction; none commits. Who may
create a standalone race (it may create a competition) is the caller's permission check.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import audited_add, audited_update, snapshot
from athsys.competitions import service
from athsys.competitions.models import Competition, Event, Heat, Round, RoundKind
from athsys.errors import ValidationError
from athsys.sport.disciplines import EventKind
from athsys.sport.sex import Sex

STANDALONE_DISCIPLINE = "10K"
STANDALONE_SEX = Sex.MALE
STANDALONE_VENUE = "TBA"
STANDALONE_AGE_CATEGORY = "SEN"

#: What an edit of a race may change (a heat's status and gun time are not among them).
EDITABLE_FIELDS = ("name", "number", "wind", "scheduled_start", "hand_timed")


@dataclass(frozen=True)
class NewRace:
    name: str
    start: datetime  # scheduled start; without an offset, local time of the competition
    round_id: int | None = None
    number: int | None = None  # default: the round's next heat number
    discipline_code: str | None = None  # standalone races only (ignored with a round)
    sex: Sex | None = None  # standalone races only (ignored with a round)
    wind: int | None = None
    hand_timed: bool = False  # timed by hand: times typed in it are hand times by default


def check_hand_timing(heat: Heat) -> None:
    """Only a race is timed: a field event's flight is never hand timed (400 otherwise)."""
    if heat.hand_timed and heat.round.event.kind is EventKind.FIELD:
        raise ValidationError(
            f"hand_timed: {heat.round.event.name} is a field event: its marks are not timed",
            details={"hand_timed": "only a race is timed by hand"})


def local(moment: datetime, time_zone: str) -> datetime:
    """``moment`` in ``time_zone`` if it has no offset of its own."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(time_zone))


def next_heat_number(session: Session, round_id: int) -> int:
    return (session.scalar(select(func.max(Heat.number)).where(Heat.round_id == round_id))
            or 0) + 1


def next_round_ordinal(session: Session, event_id: int) -> int:
    return (session.scalar(select(func.max(Round.ordinal)).where(Round.event_id == event_id))
            or 0) + 1


def create_round(session: Session, actor: Actor, rnd: Round) -> Round:
    """A round of its event; without an ordinal it comes after the event's last round."""
    if rnd.ordinal is None:
        rnd.ordinal = next_round_ordinal(session, rnd.event_id)
    return audited_add(session, actor, rnd)  # type: ignore[no-any-return]


def standalone_round(session: Session, actor: Actor, name: str, day: datetime,
                     discipline_code: str, sex: Sex) -> Round:
    """The final of the race's own competition and event: found, or created and audited."""
    competition = session.scalar(select(Competition).where(
        Competition.name == name, Competition.start_date == day.date()))
    if competition is None:
        competition = audited_add(session, actor, Competition(
            name=name, venue=STANDALONE_VENUE, start_date=day.date(), end_date=day.date()))
    event = session.scalar(select(Event).where(
        Event.competition_id == competition.id, Event.discipline_code == discipline_code,
        Event.sex == sex, Event.age_category == STANDALONE_AGE_CATEGORY))
    if event is None:
        event = service.create_event(session, actor, Event(
            competition_id=competition.id, discipline_code=discipline_code, sex=sex, name=""))
    rnd = session.scalar(select(Round).where(Round.event_id == event.id).order_by(Round.ordinal))
    if rnd is None:
        rnd = audited_add(session, actor, Round(event_id=event.id, kind=RoundKind.FINAL, ordinal=1))
    return rnd  # type: ignore[no-any-return]


def _round(session: Session, actor: Actor, race: NewRace) -> Round:
    if race.round_id is None:
        return standalone_round(session, actor, race.name, race.start,
                                race.discipline_code or STANDALONE_DISCIPLINE,
                                race.sex or STANDALONE_SEX)
    rnd = session.get(Round, race.round_id)
    if rnd is None:
        raise ValidationError("invalid fields: round_id",
                              details={"round_id": [f"No round with id {race.round_id}."]})
    return rnd


def create_race(session: Session, actor: Actor, race: NewRace) -> Heat:
    """The race as a heat of its round (see the module's rules)."""
    rnd = _round(session, actor, race)
    number = race.number if race.number is not None else next_heat_number(session, rnd.id)
    heat = Heat(round=rnd, number=number, name=race.name, wind=race.wind,
                hand_timed=race.hand_timed,
                scheduled_start=local(race.start, rnd.event.competition.time_zone))
    check_hand_timing(heat)
    return audited_add(session, actor, heat)  # type: ignore[no-any-return]


def update_race(session: Session, actor: Actor, heat: Heat, changes: Mapping[str, Any]) -> None:
    """Change the :data:`EDITABLE_FIELDS` given; a start without offset is local time."""
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(f"a race edit cannot change: {', '.join(unknown)}",
                              details={name: ["Not editable here."] for name in unknown})
    before = snapshot(heat)
    for key, value in changes.items():
        setattr(heat, key, value)
    if "scheduled_start" in changes:
        heat.scheduled_start = local(changes["scheduled_start"],
                                     heat.round.event.competition.time_zone)
    check_hand_timing(heat)
    audited_update(session, actor, heat, before)
