"""Setting up events, entering athletes, building start lists and running heats.

Each function validates, applies the row-level rules, writes, flushes and audits in the
caller's transaction; none commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR, REGISTRAR
from athsys.athletes.models import Athlete
from athsys.athletes.service import check_may_manage_club, current_related
from athsys.audit.service import audited_add, audited_delete, audited_update, record
from athsys.competitions.eligibility import eligibility_problem, standard_problem
from athsys.competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
)
from athsys.errors import ConflictError, ValidationError
from athsys.jobs import request_refresh
from athsys.sport.age_categories import WORLD_ATHLETICS, category_table, table_problem
from athsys.sport.disciplines import discipline
from athsys.sport.plausible import check_plausible


# -- competitions ------------------------------------------------------------------------------
def _check_competition(competition: Competition) -> None:
    start, end = competition.start_date, competition.end_date
    if start is not None and end is not None and end < start:
        raise ValidationError("end_date: must not be before start_date",
                              details={"end_date": ["Must not be before start_date."]})
    problem = table_problem(competition.age_categories or WORLD_ATHLETICS)
    if problem is not None:
        raise ValidationError(f"age_categories: {problem}", details={"age_categories": problem})


def create_competition(session: Session, actor: Actor, competition: Competition) -> Competition:
    _check_competition(competition)
    return audited_add(session, actor, competition)  # type: ignore[no-any-return]


def update_competition(
    session: Session, actor: Actor, competition: Competition, before: Mapping[str, Any]
) -> None:
    _check_competition(competition)
    audited_update(session, actor, competition, before)
    if before.get("team_scheme") != competition.team_scheme:
        # the worker computes team standings with the boards: a new scheme asks for them
        request_refresh(session, (event.id for event in competition.events))


# -- events ------------------------------------------------------------------------------------
def prepare_event(event: Event) -> None:
    """The kind of an event follows from its discipline; a blank name takes the discipline's;
    an entry standard must be a mark the discipline can have."""
    found = discipline(event.discipline_code)
    event.kind = found.kind
    if not (event.name or "").strip():
        event.name = found.name
    check_plausible(event.entry_standard, found, event.sex, field="entry_standard")


def _check_category(session: Session, event: Event) -> None:
    """The event's age category is one of its competition's table (a U17 event in a World
    Athletics meet is refused here, not at the first entry)."""
    with session.no_autoflush:  # a form sets the relationship, the API the id
        competition = event.competition or (session.get(Competition, event.competition_id)
                                            if event.competition_id is not None else None)
    # a competition not yet flushed has no table yet: the column's default is World Athletics
    table = (competition.age_categories if competition is not None else None) or WORLD_ATHLETICS
    problem = category_table(table).unknown(event.age_category or "SEN", event.sex)
    if problem is not None:
        raise ValidationError(f"age_category: {problem}", details={"age_category": problem})


def create_event(session: Session, actor: Actor, event: Event) -> Event:
    prepare_event(event)
    _check_category(session, event)
    return audited_add(session, actor, event)  # type: ignore[no-any-return]


def update_event(session: Session, actor: Actor, event: Event, before: Mapping[str, Any]) -> None:
    prepare_event(event)
    _check_category(session, event)
    audited_update(session, actor, event, before)


# -- entries -----------------------------------------------------------------------------------
def create_entry(session: Session, actor: Actor, entry: Entry) -> Entry:
    """Enter an athlete: the competition is the event's; a coach enters only their club's."""
    _check_entry(session, actor, entry)
    return audited_add(session, actor, entry)  # type: ignore[no-any-return]


def update_entry(session: Session, actor: Actor, entry: Entry, before: Mapping[str, Any]) -> None:
    """A coach may change only their club's entries, and not hand one to another club."""
    athlete = current_related(session, entry, "athlete")
    if athlete is not None and athlete.id != before.get("athlete_id"):
        previous = session.get(Athlete, before.get("athlete_id"))
        check_may_manage_club(actor, previous.club_id if previous else None)
    _check_entry(session, actor, entry)
    audited_update(session, actor, entry, before)


def delete_entry(session: Session, actor: Actor, entry: Entry) -> None:
    check_may_manage_club(actor, entry.competitor_club_id)
    audited_delete(session, actor, entry)


def _check_entry(session: Session, actor: Actor, entry: Entry) -> None:
    event = current_related(session, entry, "event")
    athlete = current_related(session, entry, "athlete")
    if event is None:
        raise ValidationError("event: choose the event to enter", details={"event": "required"})
    if entry.team_name is not None:
        _check_relay_entry(actor, event, entry)
        return
    if athlete is None:
        raise ValidationError("athlete: choose the athlete to enter",
                              details={"athlete": "required"})
    if not (entry.bib or "").strip():
        raise ValidationError("bib: a bib number is required", details={"bib": "required"})
    entry.bib = entry.bib.strip()
    entry.competition_id = event.competition_id
    check_may_manage_club(actor, athlete.club_id)
    check_plausible(entry.seed_mark, event.discipline, event.sex, field="seed_mark")
    check_eligible(session, actor, event, athlete, entry)
    check_standard(actor, event, entry)


def _check_relay_entry(actor: Actor, event: Event, entry: Entry) -> None:
    """A relay team edited as an entry (bib, seed mark, status): still its club's team in a
    relay event (teams are entered by :func:`athsys.competitions.relays.create_relay_team`)."""
    if not event.discipline.relay:
        raise ValidationError(f"{event.name} is not a relay: a team cannot enter it",
                              details={"event": "not a relay"})
    if not (entry.bib or "").strip():
        raise ValidationError("bib: a bib number is required", details={"bib": "required"})
    entry.bib = entry.bib.strip()
    entry.competition_id = event.competition_id
    check_may_manage_club(actor, entry.club_id, what="relay teams")
    check_plausible(entry.seed_mark, event.discipline,
                    None if event.discipline.mixed else event.sex, field="seed_mark")
    check_standard(actor, event, entry)


def check_standard(actor: Actor, event: Event, entry: Entry) -> None:
    """An entry meets the event's entry standard with its seed mark (equal or better), or
    a registrar waived it, giving the reason (``standard_waiver``)."""
    problem = standard_problem(event.entry_standard, entry.seed_mark, event.discipline.measure)
    _unless_waived(actor, entry, "standard_waiver", "seed_mark",
                   problem and f"{problem} of {event.name}",
                   f"a registrar may enter the {'team' if entry.is_relay else 'athlete'} anyway")


def check_eligible(session: Session, actor: Actor, event: Event, athlete: Athlete,
                   entry: Entry) -> None:
    """The event's sex and age category admit the athlete, or a registrar gave a reason."""
    with session.no_autoflush:  # the entry is not complete yet
        first_day, table = session.execute(select(
            Competition.start_date, Competition.age_categories).where(
            Competition.id == event.competition_id)).one()
    problem = eligibility_problem(event.sex, event.age_category, athlete.sex,
                                  athlete.birth_date, first_day, table)
    _unless_waived(actor, entry, "eligibility_override", "athlete", problem,
                   "a registrar may enter them anyway")


def _unless_waived(actor: Actor, entry: Entry, reason_field: str, field: str,
                   problem: str | None, remedy: str) -> None:
    """Refuse the entry for ``problem`` unless it carries a reason (``reason_field``) and the
    actor is a registrar; a reason without a problem is dropped."""
    reason = (getattr(entry, reason_field) or "").strip() or None
    setattr(entry, reason_field, reason if problem is not None else None)
    if problem is None:
        return
    if reason is None:
        raise ValidationError(f"{field}: {problem}; {remedy}, giving the reason as "
                              f"{reason_field}", details={field: problem})
    actor.require_role(REGISTRAR, CHIEF_REGISTRAR)


def scratch_entries(session: Session, actor: Actor, entries: Sequence[Entry]) -> int:
    """Withdraw entries: they keep their bib but leave the start lists of heats not yet run."""
    count = 0
    for entry in entries:
        if entry.status is EntryStatus.SCRATCHED:
            continue
        check_may_manage_club(actor, entry.competitor_club_id)
        entry.status = EntryStatus.SCRATCHED
        removed = session.scalars(
            select(LaneAssignment).join(Heat).where(
                LaneAssignment.entry_id == entry.id, Heat.status == HeatStatus.SCHEDULED
            )
        ).all()
        for assignment in removed:
            session.delete(assignment)
        record(session, actor, "scratch", "Entry", entry.id,
               {"status": {"before": "entered", "after": "scratched"},
                "start_lists_left": [a.heat_id for a in removed]})
        count += 1
    session.flush()
    return count


def check_in_entries(session: Session, actor: Actor, entries: Sequence[Entry]) -> int:
    count = 0
    for entry in entries:
        if entry.status is EntryStatus.SCRATCHED:
            raise ConflictError(f"entry {entry.bib}: a scratched entry cannot check in",
                                details={"status": "scratched"})
        if entry.status is EntryStatus.CHECKED_IN:
            continue
        before = entry.status.value
        entry.status = EntryStatus.CHECKED_IN
        record(session, actor, "check_in", "Entry", entry.id,
               {"status": {"before": before, "after": entry.status.value}})
        count += 1
    session.flush()
    return count


# -- start lists -------------------------------------------------------------------------------
def create_lane_assignment(session: Session, actor: Actor, assignment: LaneAssignment) -> None:
    _check_lane_assignment(session, assignment)
    audited_add(session, actor, assignment)


def update_lane_assignment(
    session: Session, actor: Actor, assignment: LaneAssignment, before: Mapping[str, Any]
) -> None:
    _check_lane_assignment(session, assignment)
    audited_update(session, actor, assignment, before)


def _check_lane_assignment(session: Session, assignment: LaneAssignment) -> None:
    heat = current_related(session, assignment, "heat")
    entry = current_related(session, assignment, "entry")
    if heat is None or entry is None:
        raise ValidationError("heat and entry are required", details={"heat": "required"})
    event = heat.round.event
    if entry.event_id != event.id:
        raise ValidationError(
            f"entry: bib {entry.bib} is not entered in {event.name}",
            details={"entry": f"not entered in {event.name}"},
        )
    if entry.status is EntryStatus.SCRATCHED:
        raise ValidationError(f"entry: bib {entry.bib} is scratched",
                              details={"entry": "scratched"})
    if assignment.lane is not None and not 1 <= assignment.lane <= event.lanes:
        raise ValidationError(
            f"lane: {event.name} is run on {event.lanes} lanes, not lane {assignment.lane}",
            details={"lane": f"1 to {event.lanes}"},
        )


# -- shared ------------------------------------------------------------------------------------

