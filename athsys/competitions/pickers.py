"""What a form offers when it picks an athlete, a club, a competition, an event, a round, an
entry or a heat: found on the server as the user types, at most :data:`LIMIT` rows, never a
whole table (a marathon has tens of thousands of athletes and entries).

Each picker matches the text as people type it: a name anywhere in the first or last name
(or the club's code, the event's or competition's name, the venue), a bib or a licence from
its start, case and accents as typed; ``%`` and ``_`` are characters, not wildcards. Each row comes
with the label the form shows for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, literal_column, or_, select, union
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.interfaces import LoaderOption

from athsys.athletes.models import Athlete, Club
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


def _competition_label(competition: Competition) -> str:
    return repr(competition)


def _round_label(rnd: Round) -> str:
    return f"{rnd!r} · {rnd.event.competition!r}"


def _heat_label(heat: Heat) -> str:
    return f"{heat!r} · {heat.round.event.competition!r}"


#: "first last" and "last first", written as the trigram indexes of migration 0019 are
#: (``||``: ``concat()`` may not be indexed), so that a search uses them.
_NAME = Athlete.first_name.op("||")(literal_column("' '")).op("||")(Athlete.last_name)
_REVERSED_NAME = Athlete.last_name.op("||")(literal_column("' '")).op("||")(Athlete.first_name)


def _athlete_matches(text: str) -> Any:
    return or_(_NAME.ilike(_like(text), escape="\\"),
               _REVERSED_NAME.ilike(_like(text), escape="\\"),
               Athlete.licence.ilike(_starts(text), escape="\\"))


def _athletes(text: str) -> Select[Any]:
    """In alphabetical order regardless of case; an order no index serves, so that
    PostgreSQL finds the matches through the trigram indexes and sorts them, instead of
    walking the whole name index hoping to meet 20 matches early (150 ms for "okaf")."""
    return (select(Athlete).where(_athlete_matches(text))
            .order_by(func.lower(Athlete.last_name), func.lower(Athlete.first_name),
                      Athlete.id))


def _clubs(text: str) -> Select[Any]:
    return (select(Club).where(or_(Club.name.ilike(_like(text), escape="\\"),
                                   Club.code.ilike(_starts(text), escape="\\")))
            .order_by(Club.name))


def _events(text: str) -> Select[Any]:
    return (select(Event).join(Competition, Competition.id == Event.competition_id)
            .where(or_(Event.name.ilike(_like(text), escape="\\"),
                       Competition.name.ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), Event.name))


def _competitions(text: str) -> Select[Any]:
    return (select(Competition)
            .where(or_(Competition.name.ilike(_like(text), escape="\\"),
                       Competition.venue.ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), Competition.name))


def _rounds(text: str) -> Select[Any]:
    return (select(Round).join(Event, Event.id == Round.event_id)
            .join(Competition, Competition.id == Event.competition_id)
            .where(or_(Event.name.ilike(_like(text), escape="\\"),
                       Competition.name.ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), Event.name, Round.ordinal))


def _entry_ways(text: str) -> tuple[Select[Any], ...]:
    """The ids of the entries whose bib starts with ``text``, whose athlete's name (either way
    round) holds it, whose relay team's name holds it: each set found through its own index
    (one condition across the tables would read every entry)."""
    return (
        select(Entry.id).where(Entry.bib.ilike(_starts(text), escape="\\")),
        select(Entry.id).join(Athlete, Athlete.id == Entry.athlete_id)
        .where(or_(_NAME.ilike(_like(text), escape="\\"),
                   _REVERSED_NAME.ilike(_like(text), escape="\\"))),
        select(Entry.id).where(Entry.team_name.ilike(_like(text), escape="\\")),
    )


def entries_matching(text: str) -> Select[Any]:
    """The ids of the entries whose bib starts with ``text`` or whose athlete's name (either
    way round) or relay team's name holds it. Also the registration desk's."""
    return select(union(*_entry_ways(text)).subquery().c.id)


#: Latest meet first, then bib order ("9" before "10"); the id settles ties.
_ENTRY_ORDER = (Competition.start_date.desc(), func.length(Entry.bib), Entry.bib, Entry.id)


def _entries(text: str) -> Select[Any]:
    """The first :data:`LIMIT` entries of each way of matching, then the first of those.
    Bounding each way first tells PostgreSQL it loads at most three times :data:`LIMIT`
    entries: given every match of a common bib start ("4321": one bib in a hundred, by its
    statistics) it would read the whole entry table to load them."""
    firsts = union(*(way.join(Competition, Competition.id == Entry.competition_id)
                     .order_by(*_ENTRY_ORDER).limit(LIMIT)
                     for way in _entry_ways(text))).subquery()
    return (select(Entry).join(Event, Event.id == Entry.event_id)
            .join(Competition, Competition.id == Entry.competition_id)
            .where(Entry.id.in_(select(firsts.c.id)))
            .order_by(*_ENTRY_ORDER))


def _heats(text: str) -> Select[Any]:
    return (select(Heat).join(Round, Round.id == Heat.round_id)
            .join(Event, Event.id == Round.event_id)
            .join(Competition, Competition.id == Event.competition_id)
            .where(or_(Event.name.ilike(_like(text), escape="\\"),
                       Competition.name.ilike(_like(text), escape="\\"),
                       Heat.name.ilike(_like(text), escape="\\")))
            .order_by(Competition.start_date.desc(), Event.name, Round.ordinal, Heat.number))


@dataclass(frozen=True)
class Picker:
    model: type
    query: Callable[[str], Select[Any]]
    label: Callable[[Any], str]
    #: What the label reads besides the row, loaded with it.
    loads: tuple[LoaderOption, ...] = ()

    def with_label(self, query: Select[Any]) -> Select[Any]:
        """``query`` of this picker's rows, loading what their labels read in the same query."""
        return query.options(*self.loads)

    def search(self, session: Session, text: str) -> list[Pick]:
        """The first :data:`LIMIT` rows matching ``text`` (none for blank text)."""
        wanted = _words(text)
        if not wanted:
            return []
        rows = session.scalars(self.with_label(self.query(wanted)).limit(LIMIT)).unique().all()
        return [Pick(row.id, self.label(row)) for row in rows]


PICKERS: dict[str, Picker] = {
    "athletes": Picker(Athlete, _athletes, _athlete_label, (joinedload(Athlete.club),)),
    "clubs": Picker(Club, _clubs, _club_label),
    "competitions": Picker(Competition, _competitions, _competition_label),
    "events": Picker(Event, _events, _event_label, (joinedload(Event.competition),)),
    "rounds": Picker(Round, _rounds, _round_label,
                     (joinedload(Round.event).joinedload(Event.competition),)),
    "entries": Picker(Entry, _entries, _entry_label,
                      (joinedload(Entry.athlete),
                       joinedload(Entry.event).joinedload(Event.competition))),
    "heats": Picker(Heat, _heats, _heat_label,
                    (joinedload(Heat.round).joinedload(Round.event)
                     .joinedload(Event.competition),)),
}
#: The picker of each model a form may pick.
PICKER_OF: dict[type, str] = {picker.model: kind for kind, picker in PICKERS.items()}
