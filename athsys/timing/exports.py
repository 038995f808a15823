"""Exports of the timing room: FinishLynx start lists (``lynx.evt``, ``lynx.ppl``,
``lynx.sch``, event number = our event id) and a heat's results as CSV, statuses included."""

from __future__ import annotations

import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.athletes.models import Club
from athsys.competitions.competitors import FIRST_NAME, LAST_NAME, join_competitor
from athsys.competitions.models import Entry, Event, Heat, LaneAssignment, Round
from athsys.results.models import Result
from athsys.sport.disciplines import EventKind
from athsys.sport.marks import Measure, format_mark
from athsys.spreadsheet import SafeWriter
from athsys.timing.formats.lynx_export import (
    LynxCompetitor,
    StartListHeat,
    StartListLane,
    write_evt,
    write_ppl,
    write_sch,
)
from athsys.timing.lookups import get_competition, heat_with_competition


def _start_list_heat(session: Session, heat: Heat) -> StartListHeat:
    """A relay team's line has a blank id and the team's name as the last name (FinishLynx
    reads it so); its result comes back by lane."""
    rows = session.execute(join_competitor(
        select(LaneAssignment.lane, Entry.bib, LAST_NAME, FIRST_NAME, Club.name,
               Entry.team_name.is_not(None))
        .join(Entry, Entry.id == LaneAssignment.entry_id))
        .where(LaneAssignment.heat_id == heat.id)
        .order_by(LaneAssignment.position)
    ).all()
    event = heat.round.event
    return StartListHeat(
        event=event.id, round=heat.round.ordinal, heat=heat.number,
        name=heat.name
        or f"{event.name} {heat.round.kind.value} {heat.round.ordinal} heat {heat.number}",
        lanes=tuple(StartListLane(lane, None if relay else bib, last, first, club or "")
                    for lane, bib, last, first, club, relay in rows),
    )


def _competition_heats(session: Session, competition_id: int) -> list[Heat]:
    get_competition(session, competition_id)
    return list(session.scalars(
        select(Heat).join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id == competition_id)
        .order_by(Heat.scheduled_start.asc().nulls_last(), Event.id, Round.ordinal, Heat.number)
    ))


def export_evt(
    session: Session, *, heat_id: int | None = None, competition_id: int | None = None
) -> str:
    """``lynx.evt`` of one heat or of every heat of a competition (event number = event id)."""
    heats = [heat_with_competition(session, heat_id)[0]] if heat_id is not None else (
        _competition_heats(session, competition_id or 0))
    return write_evt(_start_list_heat(session, h) for h in heats)


def export_ppl(
    session: Session, *, heat_id: int | None = None, competition_id: int | None = None
) -> str:
    """``lynx.ppl``: every competitor of the heat, or of the competition, by bib."""
    query = join_competitor(select(Entry.bib, LAST_NAME, FIRST_NAME, Club.name))
    if heat_id is not None:
        heat_with_competition(session, heat_id)
        query = query.join(LaneAssignment, LaneAssignment.entry_id == Entry.id).where(
            LaneAssignment.heat_id == heat_id)
    else:
        get_competition(session, competition_id or 0)
        query = query.where(Entry.competition_id == competition_id)
    rows = session.execute(query.order_by(Entry.bib).distinct()).all()
    return write_ppl(
        LynxCompetitor(bib, last, first, club or "") for bib, last, first, club in rows
    )


def export_sch(session: Session, competition_id: int) -> str:
    """``lynx.sch``: the competition's heats in running order."""
    competition = get_competition(session, competition_id)
    heats = _competition_heats(session, competition_id)
    return write_sch((_start_list_heat(session, h) for h in heats), comment=competition.name)


RESULT_COLUMNS = ("place", "status", "rule", "bib", "last_name", "first_name", "affiliation",
                  "time", "net_time", "time_ms", "net_time_ms", "reaction_time_ms", "source",
                  "revision", "hand_timed")


def export_results_csv(session: Session, heat_id: int) -> str:
    """The heat's results as CSV, statuses and DQ rules included, times as published
    (track: up to 1/100; a hand time up to 1/10, the number alone, with ``hand_timed`` 1;
    road: up to the second) and in ms."""
    heat, _ = heat_with_competition(session, heat_id)
    road = heat.round.event.kind == EventKind.ROAD
    rows = session.execute(join_competitor(
        select(Result, Entry.bib, LAST_NAME, FIRST_NAME, Club.name)
        .join(Entry, Entry.id == Result.entry_id)).where(Result.heat_id == heat_id)
        .order_by(Result.place.asc().nulls_last(), Result.status, Entry.bib)
    ).all()
    buffer = io.StringIO()
    writer = SafeWriter(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for result, bib, last, first, club in rows:
        def shown(ms: int | None, hand: bool = False) -> str:
            return format_mark(ms, Measure.TIME, road=road, hand=hand) if ms is not None else ""

        writer.writerow([
            result.place or "", result.status.value, result.status_rule or "", bib, last, first,
            club or "", shown(result.mark, result.hand_timed), shown(result.net_mark),
            result.mark if result.mark is not None else "",
            result.net_mark if result.net_mark is not None else "",
            result.reaction_time if result.reaction_time is not None else "",
            result.source.value, result.revision, 1 if result.hand_timed else 0,
        ])
    return buffer.getvalue()
