"""A coach's club athletes and relay teams, and an athlete's own entries, results and
personal bests."""

from __future__ import annotations

from datetime import date
from typing import Any, Final

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from athsys.athletes.models import Athlete
from athsys.competitions.models import (
    Competition,
    Entry,
    EntryStatus,
    Event,
    Heat,
    LaneAssignment,
    RelayLeg,
    Round,
)
from athsys.competitions.time_zones import local_time
from athsys.records.models import Record, RecordScope
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.marks import format_result_time, format_wind
from athsys.sport.ranking import ResultStatus

UPCOMING_LIMIT: Final = 30
RESULTS_LIMIT: Final = 10


def _first_start() -> Any:
    """The entry's first heat start (its heat's time, else its round's): blank before the
    draw. Correlated to the outer query's Entry."""
    return (select(func.min(func.coalesce(Heat.scheduled_start, Round.scheduled_start)))
            .select_from(LaneAssignment).join(Heat, Heat.id == LaneAssignment.heat_id)
            .join(Round, Round.id == Heat.round_id)
            .where(LaneAssignment.entry_id == Entry.id).correlate(Entry).scalar_subquery())


def upcoming_entries(session: Session, whose: ColumnElement[bool], today: date,
                     limit: int = UPCOMING_LIMIT) -> list[dict[str, Any]]:
    """Entries of the athletes ``whose`` selects in competitions not over yet, soonest first,
    with the time of the heat each is drawn in (blank before the draw)."""
    starts = _first_start()
    rows = session.execute(
        select(Entry.id, Entry.bib, Entry.status, Athlete.first_name, Athlete.last_name,
               Event.name, Competition.id, Competition.name, Competition.start_date,
               Competition.time_zone, starts)
        .join(Athlete, Athlete.id == Entry.athlete_id).join(Event, Event.id == Entry.event_id)
        .join(Competition, Competition.id == Entry.competition_id)
        .where(whose, Competition.end_date >= today, Entry.status != EntryStatus.SCRATCHED)
        .order_by(Competition.start_date, starts.asc().nulls_last(), Athlete.last_name)
        .limit(limit))
    return [{"entry_id": entry_id, "bib": bib, "status": status.value,
             "athlete": f"{first} {last}", "event": event, "competition_id": competition_id,
             "competition": competition, "date": day.isoformat(),
             "starts": local_time(start, time_zone)}
            for (entry_id, bib, status, first, last, event, competition_id, competition, day,
                 time_zone, start) in rows]


def club_relay_teams(session: Session, club_id: int, today: date,
                     limit: int = UPCOMING_LIMIT) -> list[dict[str, Any]]:
    """The club's relay teams in competitions not over yet, soonest first, each with its
    runners as declared (leg order, then the reserves): what a coach checks before the call
    room closes the leg order."""
    starts = _first_start()
    rows = session.execute(
        select(Entry, Event.name, Competition.name, Competition.start_date,
               Competition.time_zone, starts)
        .join(Event, Event.id == Entry.event_id)
        .join(Competition, Competition.id == Entry.competition_id)
        .where(Entry.club_id == club_id, Entry.team_name.is_not(None),
               Competition.end_date >= today, Entry.status != EntryStatus.SCRATCHED)
        .options(selectinload(Entry.legs).selectinload(RelayLeg.athlete))
        .order_by(Competition.start_date, starts.asc().nulls_last(), Entry.team_name)
        .limit(limit)).all()
    teams = []
    for team, event, competition, day, time_zone, start in rows:
        legs = sorted(team.legs, key=lambda leg: (leg.leg is None, leg.leg or 0,
                                                  leg.athlete.last_name))
        teams.append({
            "entry_id": team.id, "bib": team.bib, "status": team.status.value,
            "team": team.team_name, "event": event, "competition_id": team.competition_id,
            "competition": competition, "date": day.isoformat(),
            "starts": local_time(start, time_zone),
            "legs": [{"leg": leg.leg,
                      "name": f"{leg.athlete.first_name} {leg.athlete.last_name}"}
                     for leg in legs]})
    return teams


def club_athletes(club_id: int) -> ColumnElement[bool]:
    return Athlete.club_id == club_id


def the_athlete(athlete_id: int) -> ColumnElement[bool]:
    return Athlete.id == athlete_id


def recent_results(session: Session, athlete_id: int,
                   limit: int = RESULTS_LIMIT) -> list[dict[str, Any]]:
    """The athlete's latest results as published: mark (a hand time "10.4h"), place, wind,
    record flags ("10.4h" with PB reads "10.4h PB")."""
    rows = session.execute(
        select(Result.mark, Result.place, Result.status, Result.wind, Result.record_flags,
               Result.hand_timed, Event.name, Event.discipline_code, Competition.name,
               Competition.start_date)
        .join(Entry, Entry.id == Result.entry_id).join(Event, Event.id == Entry.event_id)
        .join(Competition, Competition.id == Entry.competition_id)
        .where(Entry.athlete_id == athlete_id)
        .order_by(Competition.start_date.desc(), Result.id.desc()).limit(limit))
    out = []
    for mark, place, status, wind, flags, hand, event, code, competition, day in rows:
        found = discipline(code)
        out.append({
            "event": event, "competition": competition, "date": day.isoformat(),
            "mark": format_result_time(mark, found.measure, road=found.road, hand=hand)
            if mark is not None and status is ResultStatus.OK else status.value,
            "place": place, "wind": format_wind(wind) if wind is not None else "",
            "flags": list(flags or []),
        })
    return out


def personal_bests(session: Session, athlete_id: int) -> list[dict[str, Any]]:
    """The athlete's personal bests, one per discipline (a hand best as "10.4h")."""
    rows = session.execute(
        select(Record.discipline_code, Record.mark, Record.set_on, Record.venue,
               Record.hand_timed)
        .where(Record.scope == RecordScope.PERSONAL_BEST, Record.athlete_id == athlete_id)
        .order_by(Record.discipline_code))
    out = []
    for code, mark, set_on, venue, hand in rows:
        found = discipline(code)
        out.append({"discipline": found.name,
                    "mark": format_result_time(mark, found.measure, road=found.road, hand=hand),
                    "date": set_on.isoformat() if set_on else "", "venue": venue or ""})
    return out
