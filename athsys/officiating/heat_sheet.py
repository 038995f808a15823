"""A heat as the starter and the track referee see it: the start list by lane with each
athlete's check-in and result, for the starter's console.

Results appear as they arrive (typed here, or from the photo-finish file), in the sport's
notation (a hand time to the tenth, rounded up, with its ``h``: "11.9h"); times and the gun
are shown on the venue's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.athletes.models import Club
from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.competitors import FIRST_NAME, LAST_NAME, join_competitor
from athsys.competitions.models import Entry, Heat, LaneAssignment
from athsys.competitions.relays import legs_shown
from athsys.competitions.time_zones import local_clock, local_moment
from athsys.results.models import Result
from athsys.sport.marks import format_result_time, format_wind


@dataclass(frozen=True)
class LaneLine:
    entry_id: int
    lane: int | None
    position: int | None
    bib: str
    name: str
    club: str
    entry_status: str  # entered, confirmed, checked_in, scratched
    result_id: int | None
    mark: str  # in the event's notation, "" without one
    status: str  # OK, DNS, DNF, DQ, NM; "" without a result
    rule: str  # the rule a DQ cites
    place: int | None
    source: str  # chip, lif, manual, api
    hand_timed: bool  # the time was taken by hand
    legs: tuple[str, ...] = ()  # a relay team's runners in leg order


@dataclass(frozen=True)
class HeatSheet:
    heat_id: int
    name: str
    event_id: int
    status: str
    scheduled: str  # YYYY-MM-DD HH:MM at the venue
    gun: str  # HH:MM:SS.hh at the venue
    wind: str  # "+1.2"
    wind_measured: bool
    hand_timed: bool  # the heat is timed by hand: typed times are hand times by default
    lines: tuple[LaneLine, ...]


def heat_sheet(session: Session, heat: Heat) -> HeatSheet:
    event = heat.round.event
    found = round_discipline(heat.round)
    time_zone = event.competition.time_zone
    rows = session.execute(
        join_competitor(
            select(LaneAssignment.lane, LaneAssignment.position, Entry, FIRST_NAME, LAST_NAME,
                   Club.code, Result)
            .join(Entry, Entry.id == LaneAssignment.entry_id))
        .outerjoin(Result, (Result.entry_id == Entry.id) & (Result.heat_id == heat.id))
        .where(LaneAssignment.heat_id == heat.id)
        .order_by(LaneAssignment.lane.nulls_last(), LaneAssignment.position, Entry.bib)
    ).all()
    legs = legs_shown(session, [row.Entry.id for row in rows],
                      {row.Entry.id: heat.id for row in rows}) if found.relay else {}
    lines = tuple(
        LaneLine(
            entry_id=entry.id, lane=lane, position=position, bib=entry.bib,
            name=f"{first} {last}".strip(), club=club or "", legs=legs.get(entry.id, ()),
            entry_status=entry.status.value,
            result_id=result.id if result else None,
            mark=format_result_time(result.mark, found.measure, road=found.road,
                                    hand=result.hand_timed)
            if result and result.mark is not None else "",
            status=result.status.value if result else "",
            rule=(result.status_rule or "") if result else "",
            place=result.place if result else None,
            source=result.source.value if result else "",
            hand_timed=bool(result and result.hand_timed),
        )
        for lane, position, entry, first, last, club, result in rows
    )
    return HeatSheet(
        heat_id=heat.id, name=repr(heat), event_id=event.id, status=heat.status.value,
        scheduled=local_moment(heat.scheduled_start or heat.round.scheduled_start, time_zone),
        gun=local_clock(heat.gun_time, time_zone),
        wind=format_wind(heat.wind) if heat.wind is not None else "",
        wind_measured=found.wind, hand_timed=heat.hand_timed, lines=lines,
    )
