"""Setting a meet up in minutes: the wizard's writes, each in the caller's transaction.

1. :func:`create_meet`: the competition, open for entries (its start lists are public);
2. :func:`add_programme`: the events of a template as the director edited them, with their
   rounds, start times at the venue and entry standards (:func:`read_standards`);
3. :func:`import_entries`: a CSV checked row by row (:mod:`athsys.competitions.entry_import`)
   and, only when every row is good, its clubs, athletes and entries; an athlete found by
   licence, or by name and birth date, is reused;
4. :func:`assign_chips`: a chip per road-race entry that has none (bibs are numbered at
   import when the file has none);
5. :func:`seed_first_rounds`: every first round seeded and its lanes drawn
   (:func:`athsys.officiating.planning.seed_round`).

Every row goes through the services that audit it; none of these commits. Here, above
competitions and timing, because it seeds rounds and hands out chips.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete, Club
from athsys.athletes.service import create_athlete
from athsys.audit.service import audited_add, record
from athsys.competitions import service
from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.entry_import import CheckedRow, EventChoice, ImportCheck, check_entries
from athsys.competitions.meet_templates import PlannedEvent
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    EntryStatus,
    Event,
    Heat,
    Round,
)
from athsys.competitions.relays import create_relay_team
from athsys.competitions.time_zones import zone_of
from athsys.errors import ConflictError, ValidationError
from athsys.officiating.planning import seed_round
from athsys.sport.disciplines import EventKind, discipline
from athsys.sport.marks import parse_mark
from athsys.sport.plausible import check_plausible
from athsys.timing.chips import assign_chip
from athsys.timing.models import ChipAssignment


def create_meet(session: Session, actor: Actor, *, name: str, day: date, venue: str,
                time_zone: str) -> Competition:
    return service.create_competition(session, actor, Competition(
        name=name.strip(), venue=venue.strip(), start_date=day, end_date=day,
        time_zone=time_zone, status=CompetitionStatus.OPEN))


def _venue_moment(competition: Competition, clock: time) -> datetime:
    return datetime.combine(competition.start_date, clock, tzinfo=zone_of(competition.time_zone))


def read_standards(events: Sequence[PlannedEvent]) -> list[int | None]:
    """Each planned event's entry standard as a mark in its discipline's unit, in order: text
    read in the discipline's notation or a mark kept, and checked plausible. Every bad one
    is named at once, by its place in the programme (``events.3.entry_standard``) and its
    event's name, so the director mends them all in one go."""
    marks: list[int | None] = []
    problems: dict[str, list[str]] = {}
    for index, planned in enumerate(events):
        found, label = discipline(planned.code), f"{planned.name}, entry standard"
        written = planned.entry_standard
        try:
            mark = (parse_mark(written, found.measure, field=label) if isinstance(written, str)
                    else written)
            check_plausible(mark, found, planned.sex, field=label)
        except ValidationError as exc:
            problems[f"events.{index}.entry_standard"] = [exc.message]
        else:
            marks.append(mark)
    if problems:
        raise ValidationError("; ".join(message for (message,) in problems.values()),
                              details=problems)
    return marks


def add_programme(session: Session, actor: Actor, competition: Competition,
                  events: Sequence[PlannedEvent], *, lanes: int) -> list[Event]:
    """The events and their rounds; a bad entry standard (:func:`read_standards`) or an
    event the meet already holds is refused, named, before anything is written."""
    standards = read_standards(events)
    held = {(code, sex, category) for code, sex, category in session.execute(
        select(Event.discipline_code, Event.sex, Event.age_category)
        .where(Event.competition_id == competition.id))}
    problems: dict[str, list[str]] = {}
    for index, planned in enumerate(events):
        key = (planned.code, planned.sex, planned.age_category)
        if key in held:
            problems[f"events.{index}"] = [f"{planned.name} is already in the programme"]
        held.add(key)
    if problems:
        raise ValidationError(f"invalid fields: {', '.join(problems)}", details=problems)
    created = []
    for planned, standard in zip(events, standards, strict=True):
        event = service.create_event(session, actor, Event(
            competition_id=competition.id, discipline_code=planned.code, name=planned.name,
            sex=planned.sex, age_category=planned.age_category, lanes=lanes,
            entry_standard=standard))
        for rnd in planned.rounds:
            audited_add(session, actor, Round(
                event_id=event.id, kind=rnd.kind, ordinal=rnd.ordinal,
                advance_by_place=rnd.advance_by_place, advance_by_time=rnd.advance_by_time,
                scheduled_start=_venue_moment(competition, rnd.start)))
        created.append(event)
    return created


# -- entries -----------------------------------------------------------------------------------
def event_choices(session: Session, competition_id: int) -> list[EventChoice]:
    table = session.scalar(select(Competition.age_categories).where(
        Competition.id == competition_id))
    return [EventChoice(e.id, e.discipline_code, e.sex, e.age_category, e.name, table,
                        e.entry_standard)
            for e in session.scalars(select(Event).where(Event.competition_id == competition_id)
                                     .order_by(Event.id))]


def check_import(session: Session, competition: Competition, text: str,
                 first_bib: int | None = None) -> ImportCheck:
    """The preview: the rows as they would be stored and every problem; nothing written."""
    taken = set(session.scalars(select(Entry.bib).where(
        Entry.competition_id == competition.id)))
    teams = {(event_id, " ".join(name.split()).casefold()) for event_id, name in session.execute(
        select(Entry.event_id, Entry.team_name).where(
            Entry.competition_id == competition.id, Entry.team_name.is_not(None)))}
    return check_entries(text, event_choices(session, competition.id), competition.start_date,
                         taken, first_bib, teams)


@dataclass(frozen=True)
class Imported:
    entries: int
    athletes_created: int
    athletes_reused: int
    clubs_created: int


def problems_error(check: ImportCheck) -> ValidationError:
    rows: dict[str, dict[str, str]] = {}
    for problem in check.problems:
        rows.setdefault(str(problem.line), {})[problem.field] = problem.message
    lines = ", ".join(rows)
    return ValidationError(f"csv: {len(rows)} bad line(s) ({lines}); nothing was stored",
                           details={"csv": rows})


def import_entries(session: Session, actor: Actor, competition: Competition, text: str,
                   first_bib: int | None = None) -> Imported:
    """Every row entered, or none (a ValidationError naming each bad line and field); a
    relay team's row enters its club's team (:func:`create_relay_team`)."""
    check = check_import(session, competition, text, first_bib)
    if not check.ok:
        raise problems_error(check)
    clubs: dict[str, int] = {}
    athletes: dict[tuple[str, ...], int] = {}
    created = reused = clubs_created = 0
    for row in check.rows:
        club_id = None
        if row.club:
            if row.club.casefold() not in clubs:
                club, new = _club(session, actor, row.club)
                clubs[row.club.casefold()] = club
                clubs_created += new
            club_id = clubs[row.club.casefold()]
        if row.team:
            _enter_team(session, actor, row, club_id)
            continue
        if row.athlete_key not in athletes:
            found = _known_athlete(session, row)
            if found is None:
                found = create_athlete(session, actor, Athlete(
                    first_name=row.first_name, last_name=row.last_name, sex=row.sex,
                    birth_date=row.birth_date, club_id=club_id,
                    licence=row.licence or None)).id
                created += 1
            else:
                reused += 1
            athletes[row.athlete_key] = found
        try:
            service.create_entry(session, actor, Entry(
                event_id=row.event_id, athlete_id=athletes[row.athlete_key], bib=row.bib,
                seed_mark=row.seed_mark, standard_waiver=row.standard_waiver or None,
                status=EntryStatus.ENTERED))
        except ValidationError as exc:  # the registered athlete differs from the row
            raise ValidationError(
                f"csv: line {row.line}: {exc.message}; nothing was stored",
                details={"csv": {str(row.line): {"athlete": exc.message}}}) from None
    record(session, actor, "import_entries", "Competition", competition.id,
           {"entries": len(check.rows), "athletes_created": created,
            "athletes_reused": reused, "clubs_created": clubs_created})
    return Imported(len(check.rows), created, reused, clubs_created)


def _enter_team(session: Session, actor: Actor, row: CheckedRow, club_id: int | None) -> None:
    """The row's relay team entered, or the whole import refused naming its line."""
    event, club = session.get(Event, row.event_id), session.get(Club, club_id)
    assert event is not None and club is not None  # nosec B101 # checked rows: for the types
    try:
        create_relay_team(session, actor, event, club, bib=row.bib, name=row.team,
                          seed_mark=row.seed_mark, standard_waiver=row.standard_waiver or None)
    except (ValidationError, ConflictError) as exc:
        raise ValidationError(f"csv: line {row.line}: {exc.message}; nothing was stored",
                              details={"csv": {str(row.line): {"team": exc.message}}}) from None


def _known_athlete(session: Session, row: CheckedRow) -> int | None:
    """The athlete already registered with the row's licence, else its name and birth date."""
    if row.licence:
        found = session.scalar(select(Athlete.id).where(
            func.upper(Athlete.licence) == row.licence.upper()))
        if found is not None:
            return found  # type: ignore[no-any-return]
    if row.birth_date is None:
        return None
    return session.scalar(select(Athlete.id).where(  # type: ignore[no-any-return]
        func.lower(Athlete.first_name) == row.first_name.lower(),
        func.lower(Athlete.last_name) == row.last_name.lower(),
        Athlete.birth_date == row.birth_date).order_by(Athlete.id).limit(1))


def _club(session: Session, actor: Actor, written: str) -> tuple[int, bool]:
    """The club a row names by code or name, or a new one (code from its letters)."""
    found = session.scalar(select(Club.id).where(
        (func.upper(Club.code) == written.upper()) | (func.lower(Club.name) == written.lower())))
    if found is not None:
        return found, False
    stem = (re.sub(r"[^A-Z0-9]", "", written.upper()) or "CLUB")[:10].ljust(2, "X")
    code, suffix = stem, 1
    while session.scalar(select(Club.id).where(Club.code == code)) is not None:
        suffix += 1
        code = f"{stem}{suffix}"
    club = audited_add(session, actor, Club(name=written, code=code))
    return club.id, True


# -- chips and start lists ---------------------------------------------------------------------
def assign_chips(session: Session, actor: Actor, competition: Competition,
                 prefix: str = "") -> int:
    """A chip named ``prefix`` + bib for every road-race entry without one; how many."""
    worn = select(ChipAssignment.entry_id).where(ChipAssignment.valid_until.is_(None))
    entries = session.scalars(
        select(Entry).join(Event, Event.id == Entry.event_id)
        .where(Entry.competition_id == competition.id, Event.kind == EventKind.ROAD,
               Entry.status != EntryStatus.SCRATCHED, Entry.id.not_in(worn))
        .order_by(Entry.id)).all()
    for entry in entries:
        assign_chip(session, actor, ChipAssignment(entry=entry, chip=f"{prefix}{entry.bib}"))
    return len(entries)


@dataclass(frozen=True)
class SeededEvent:
    event_id: int
    event: str
    round_id: int
    heat_ids: tuple[int, ...]
    athletes: int


def seed_first_rounds(session: Session, actor: Actor, competition: Competition,
                      seed: int | None = None) -> tuple[list[SeededEvent], list[str]]:
    """Every event's first round seeded (each round of a combined event: all take part in
    each); the events without entries, by name."""
    seeded, empty = [], []
    events = session.scalars(select(Event).where(Event.competition_id == competition.id)
                             .order_by(Event.id)).all()
    for event in events:
        count = session.scalar(select(func.count()).select_from(Entry).where(
            Entry.event_id == event.id, Entry.status != EntryStatus.SCRATCHED)) or 0
        rounds = list(event.rounds)
        if not count or not rounds:
            empty.append(event.name)
            continue
        for rnd in rounds if event.kind is EventKind.COMBINED else rounds[:1]:
            heats = seed_round(session, actor, rnd, seed=seed)
            seeded.append(SeededEvent(event.id, repr(rnd), rnd.id,
                                      tuple(h.heat_id for h in heats), count))
    return seeded, empty


def first_heats(session: Session, competition_id: int) -> list[tuple[int, str, bool]]:
    """The heats of the competition with a start list, in running order: (id, name, whether
    it is a field flight)."""
    heats = session.scalars(
        select(Heat).join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id == competition_id, Heat.lane_assignments.any())
        .order_by(func.coalesce(Heat.scheduled_start, Round.scheduled_start), Event.id,
                  Heat.number)).all()
    return [(heat.id, repr(heat), round_discipline(heat.round).kind is EventKind.FIELD)
            for heat in heats]
