"""A heat's scoreboard: what a video board or an LED wall shows of one heat, as one JSON state.

The state (schema in ``docs/scoreboard.md``) is made by pure functions from what the heat is
and what it holds: :func:`race_board` for a race (status, the gun as an ISO moment so the
board runs its own clock, the lanes with bib and name, results with place and mark in the
sport's notation as they arrive, the wind) and :func:`field_board` for a field flight (the
standing after each attempt, the athlete up, the bar or trial number, the jump-off). Every
state carries a ``version``: a digest of everything else in it, so a board (or the stream
that feeds it) can tell a new state from the one it shows without comparing them.

:func:`board_state` reads a heat from the database and calls them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from athsys.competitions.combined_rounds import round_discipline
from athsys.competitions.models import Heat, HeatStatus, LaneAssignment
from athsys.competitions.time_zones import local_clock, local_time
from athsys.errors import NotFoundError
from athsys.leaderboards import reads
from athsys.results.field_sheet import FieldSheet, field_sheet
from athsys.sport.disciplines import EventKind
from athsys.sport.marks import Measure, format_mark, format_wind

#: Bumped when a field of the state changes meaning or goes (new fields do not bump it).
SCHEMA = 1
#: Lines of a race's start list and of its results on a board (a road race has thousands).
BOARD_LINES = reads.MAX_PER_PAGE
RACE, FIELD = "race", "field"


@dataclass(frozen=True)
class BoardHeat:
    """What every board shows of its heat, whatever the event."""

    heat_id: int
    event_id: int
    competition_id: int
    competition: str
    event: str
    round: str
    number: int
    name: str
    status: HeatStatus
    scheduled_start: datetime | None
    gun_time: datetime | None
    wind: int | None  # tenths of m/s
    time_zone: str
    measure: Measure
    road: bool = False


def _head(heat: BoardHeat, kind: str) -> dict[str, Any]:
    return {
        "schema": SCHEMA, "kind": kind, "heat_id": heat.heat_id, "event_id": heat.event_id,
        "competition_id": heat.competition_id, "competition": heat.competition,
        "event": heat.event, "round": heat.round, "heat": heat.number, "name": heat.name,
        "status": heat.status.value, "official": heat.status is HeatStatus.OFFICIAL,
        "time_zone": heat.time_zone,
        "scheduled_start": _iso(heat.scheduled_start),
        "scheduled_text": local_time(heat.scheduled_start, heat.time_zone),
        "measure": heat.measure.value,
    }


def race_board(heat: BoardHeat, lanes: Sequence[Mapping[str, Any]],
               results: Sequence[Mapping[str, Any]], *, lanes_total: int | None = None,
               results_total: int | None = None) -> dict[str, Any]:
    """A race's board. ``lanes``: the start list (:func:`reads.start_list` rows); ``results``:
    the heat's ranked results (:func:`reads.heat_results` lines), in order; a board shows at
    most :data:`BOARD_LINES` of each, the totals say how many there are."""
    state = _head(heat, RACE)
    state.update({
        "lanes_total": len(lanes) if lanes_total is None else lanes_total,
        "results_total": len(results) if results_total is None else results_total,
        "gun_time": _iso(heat.gun_time),
        "gun_text": local_clock(heat.gun_time, heat.time_zone),
        "clock_running": clock_running(heat, results),
        "wind": format_wind(heat.wind) if heat.wind is not None else None,
        "lanes": [{"lane": row.get("lane"), "position": row.get("position"),
                   "bib": str(row["bib"]), "name": str(row["name"]),
                   "club": str(row.get("club") or "")} for row in lanes],
        "results": [{"place": row.get("place"), "lane": None, "bib": str(row["bib"]),
                     "name": str(row["name"]), "club": str(row.get("club") or ""),
                     "mark": row.get("mark_text") or "", "status": row["status"],
                     "gap": row.get("gap_text") or "", "records": list(row.get("records") or [])}
                    for row in results],
    })
    by_bib = {lane["bib"]: lane["lane"] for lane in state["lanes"]}
    for line in state["results"]:
        line["lane"] = by_bib.get(line["bib"])
    return with_version(state)


def clock_running(heat: BoardHeat, results: Sequence[Mapping[str, Any]]) -> bool:
    """The clock runs from the gun until the heat is finished; on the track it stops at the
    winner's time (the first placed result), on the road it runs on for the others."""
    if heat.status is not HeatStatus.STARTED or heat.gun_time is None:
        return False
    return heat.road or not any(row.get("place") is not None for row in results)


def field_board(heat: BoardHeat, sheet: FieldSheet) -> dict[str, Any]:
    """A field flight's board from its judges' sheet: standing (best first), who is up, the
    bar (vertical jumps) or the trial (horizontal jumps and throws), the jump-off."""
    state = _head(heat, FIELD)
    measure = Measure.HEIGHT if sheet.vertical else Measure.DISTANCE
    rows = {row.entry_id: row for row in sheet.rows}
    standing = sorted(sheet.rows, key=lambda row: (row.place is None, row.place or 0,
                                                    sheet.rows.index(row)))
    up = rows.get(sheet.up_next) if sheet.up_next is not None else None
    bar: int | None = None
    if sheet.vertical:
        bar = sheet.jump_off.bar if sheet.jump_off is not None else (
            sheet.heights[-1] if sheet.heights else None)
    trial: int | None = None
    if not sheet.vertical and up is not None:
        trial = len([cell for cell in up.cells if cell]) + 1
    attempts = sum(row.attempts for row in sheet.rows)
    state.update({
        "vertical": sheet.vertical,
        "wind_measured": sheet.wind,
        "attempts": attempts,
        "bar": format_mark(bar, Measure.HEIGHT) if bar is not None else None,
        "trial": trial,
        "trials": sheet.trials,
        "heights": [format_mark(h, Measure.HEIGHT) for h in sheet.heights],
        "up": None if up is None else {"bib": up.bib, "name": up.name,
                                       "attempt": up.attempts + 1},
        "standings": [{"place": row.place, "bib": row.bib, "name": row.name,
                       "best": row.best, "attempts": row.attempts, "out": row.out,
                       "series": list(row.cells), "jump_off": list(row.jump_off)}
                      for row in standing],
        "jump_off": None if sheet.jump_off is None else {
            "bar": (format_mark(sheet.jump_off.bar, measure)
                    if sheet.jump_off.bar is not None else None),
            "tied": [rows[e].bib for e in sheet.jump_off.tied if e in rows],
            "winners": [rows[e].bib for e in sheet.jump_off.winners if e in rows],
        },
    })
    return with_version(state)


def with_version(state: Mapping[str, Any]) -> dict[str, Any]:
    """``state`` with its ``version``: the first 16 hex digits of the SHA-256 of the rest of
    it as canonical JSON (the same content, the same version, in any process)."""
    body = {key: value for key, value in state.items() if key != "version"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return {**body, "version": hashlib.sha256(text.encode()).hexdigest()[:16]}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# -- reading ------------------------------------------------------------------------------------

def board_heat(heat: Heat) -> BoardHeat:
    discipline = round_discipline(heat.round)
    event = heat.round.event
    competition = event.competition
    return BoardHeat(
        heat_id=heat.id, event_id=event.id, competition_id=competition.id,
        competition=competition.name, event=event.name, round=heat.round.kind.value,
        number=heat.number, name=heat.name or "", status=heat.status,
        scheduled_start=heat.scheduled_start, gun_time=heat.gun_time, wind=heat.wind,
        time_zone=competition.time_zone or "UTC", measure=discipline.measure,
        road=discipline.road)


def is_field(heat: Heat) -> bool:
    return round_discipline(heat.round).kind is EventKind.FIELD


def board_state(session: Session, heat_id: int) -> dict[str, Any]:
    """The board of heat ``heat_id`` as stored now (404 for no such heat)."""
    heat = session.get(Heat, heat_id)
    if heat is None:
        raise NotFoundError(f"no heat {heat_id}", details={"heat_id": heat_id})
    head = board_heat(heat)
    if is_field(heat):
        return field_board(head, field_sheet(session, heat))
    results = reads.heat_results(session, heat_id, 1, BOARD_LINES)
    finished = results["kind"] == "results"
    lanes_total = session.scalar(select(func.count()).select_from(LaneAssignment)
                                 .where(LaneAssignment.heat_id == heat_id)) or 0
    return race_board(head, reads.start_list(session, heat_id, BOARD_LINES),
                      results["lines"] if finished else [], lanes_total=lanes_total,
                      results_total=results["total"] if finished else 0)
