"""What a form offers when it picks an athlete, a club, an event, an entry or a heat: found on
the server as the user types, at most :data:`LIMIT` rows, never a whole table (a marathon
has tens of thousands of athletes and entries).

Each picker matches the text as people type it: a name anywhere in the first or last name
(or the club's code, the event's or competition's name), a bib or a licence from its start,
case and accents as typed; ``%`` and ``_`` are characters, not wildcards. Each row comes
with the label the form shows for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload

from athsys.athletes.models import Athlete, Club
from athsys.competitions.competitors import FIRST_NAME, LAST_NAME, join_competitor
from athsys.competitions.models import Competition, Entry, Event, Heat, Round

LIMIT = 20


@dataclass(frozen=True)
class Pick:
    id: int
    text: str


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _starts(text: str) -> str:
    return _like(text)[1:]


def _words(text: str) -> str:
    return " ".join(text.split())


def _athlete_label(athlete: Athlete) -> str:
    club = f" ({athlete.club.code})" if athlete.club is not None else ""
    return f"{athlete.last_name}, {athlete.first_name}{club}"


def _club_label(club: Club) -> str:
    return f"{club.name} ({club.code})"


def _event_label(event: Event) -> str:
    return f"{event.name} · {event.competition!r}"


def _entry_label(entry: Entry) -> str:
    return (f"{entry.bib} {entry.competitor_name} · {entry.event.name} · "
            f"{entry.event.competition!r}")


def _heat_label(heat: Heat) -> str:
    return f"{heat!r} · {heat.round.event.competition!r}"


def _athletes(text: str) -> Select[Any]:
    name = func.concat(Athlete.first_name, " ", Athlete.last_name)
    reversed_name = func.concat(Athlete.last_name, " ", Athlete.first_name)
    return (select(Athlete).options(joinedload(Athlete.club))
            .where(or_(name.ilike(_like(text), escape="\\"),
                       reversed_name.ilike(_like(text), escape="\\"),
                       Athlete.licence.ilike(_starts(text), escape="\\")))
            .order_by(Athlete.last_name, Athlete.first_name, Athlete.id))


def _clubs(text: str) -> Select[Any]:
    return (select(Club).where(or_(Club.name.ilike(_like(text), escape="\\"),
                                   Club.code.ilike(_starts(text), escape="\\")))
            .order_by(Club.name))


def _events(text: str) -> Select[Any]:
    return (select(Event).join(Competition, Competition.id == Event.competition_id)
            .options(joinedload(Event.competition))
            .where(or_(Event.name.ilike(_like(text), escape="\\"),
                       Competition.name.ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), Event.name))


def _entries(text: str) -> Select[Any]:
    name = func.concat(FIRST_NAME, " ", LAST_NAME)
    return (join_competitor(select(Entry))
            .join(Event, Event.id == Entry.event_id)
            .join(Competition, Competition.id == Entry.competition_id)
            .options(joinedload(Entry.athlete),
                     joinedload(Entry.event).joinedload(Event.competition))
            .where(or_(Entry.bib.ilike(_starts(text), escape="\\"),
                       name.ilike(_like(text), escape="\\"),
                       func.concat(LAST_NAME, " ", FIRST_NAME)
                       .ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), func.length(Entry.bib), Entry.bib))


def _heats(text: str) -> Select[Any]:
    return (select(Heat).join(Round, Round.id == Heat.round_id)
            .join(Event, Event.id == Round.event_id)
            .join(Competition, Competition.id == Event.competition_id)
            .options(joinedload(Heat.round).joinedload(Round.event)
                     .joinedload(Event.competition))
            .where(or_(Event.name.ilike(_like(text), escape="\\"),
                       Competition.name.ilike(_like(text), escape="\\"),
                       Heat.name.ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), Event.name, Round.ordinal, Heat.number))


@dataclass(frozen=True)
class Picker:
    model: type
    query: Callable[[str], Select[Any]]
    label: Callable[[Any], str]

    def search(self, session: Session, text: str, limit: int = LIMIT) -> list[Pick]:
        """The first ``limit`` rows matching ``text`` (none for blank text)."""
        wanted = _words(text)
        if not wanted:
            return []
        rows = session.scalars(self.query(wanted).limit(limit)).unique().all()
        return [Pick(row.id, self.label(row)) for row in rows]


PICKERS: dict[str, Picker] = {
    "athletes": Picker(Athlete, _athletes, _athlete_label),
    "clubs": Picker(Club, _clubs, _club_label),
    "events": Picker(Event, _events, _event_label),
    "entries": Picker(Entry, _entries, _entry_label),
    "heats": Picker(Heat, _heats, _heat_label),
}
#: The picker of each model a form may pick.
PICKER_OF: dict[type, str] = {picker.model: kind for kind, picker in PICKERS.items()}
