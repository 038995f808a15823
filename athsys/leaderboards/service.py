"""Leaderboards from the results in the database: computed, stored in Redis, read back.

The worker (``leaderboards.refresh_event``) calls :func:`refresh_event`: it reads only the
results changed since the last refresh (``updated_at`` watermark, with a safety margin for
transactions that committed late) and moves those lines in the event's sorted boards, so a
new finisher costs a few Redis commands, not a new ranking of 50,000 runners. A full rebuild
happens when there is no stored board, when results were deleted or the event's deciding
round changed, and at least every :data:`FULL_REBUILD_EVERY_S`.

Readers call :func:`read_board`, which pages through the stored boards, or computes the
board directly from the database when Redis is unavailable or the board was never built.

An event's board is the results of its latest round that has results (the final once it
is run); heats and rounds have their own lists (:func:`heat_results`, :func:`round_results`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import redis as redis_lib
from sqlalchemy import Row, event, select, text
from sqlalchemy.orm import Session

from athsys.competitions.disciplines import DISCIPLINES, EventKind
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
)
from athsys.errors import NotFoundError, ValidationError
from athsys.jobs import TaskName, enqueue_after_commit
from athsys.leaderboards import rules
from athsys.leaderboards.cache import REDIS_ERRORS, BoardStore
from athsys.records.models import Record, RecordScope
from athsys.results.marks import Measure, format_mark, format_wind
from athsys.results.models import Attempt, Result
from athsys.results.ranking import ResultStatus
from athsys.results.records import ExistingRecords, records_earned
from athsys.scoring.age_grading import age_grade

log = logging.getLogger(__name__)

#: Rows changed this long before the watermark are read again: ``updated_at`` is the start
#: of the writing transaction, which may commit after a refresh has read past it.
WATERMARK_MARGIN = timedelta(seconds=30)
FULL_REBUILD_EVERY_S = 300
AGE_GRADED = "age-graded"
ALL = "all"
UNPLACED = "unplaced"
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class EventInfo:
    id: int
    competition_id: int
    competition_name: str
    competition_day: date
    name: str
    discipline_code: str
    sex: str
    age_category: str
    measure: Measure
    road: bool
    round_id: int | None  # the round whose results make the board


def event_info(session: Session, event_id: int) -> EventInfo:
    """The event and the round that decides its board; NotFoundError for an unknown id."""
    found = session.execute(
        select(Event, Competition).join(Competition, Competition.id == Event.competition_id)
        .where(Event.id == event_id)
    ).one_or_none()
    if found is None:
        raise NotFoundError(f"no event {event_id}", details={"event_id": event_id})
    ev, competition = found
    round_id = session.scalar(
        select(Round.id).join(Heat, Heat.round_id == Round.id)
        .join(Result, Result.heat_id == Heat.id)
        .where(Round.event_id == event_id).order_by(Round.ordinal.desc()).limit(1)
    )
    if round_id is None:
        round_id = session.scalar(
            select(Round.id).where(Round.event_id == event_id).order_by(Round.ordinal.desc())
            .limit(1)
        )
    code = ev.discipline_code
    disc = DISCIPLINES.get(code)
    return EventInfo(
        id=ev.id, competition_id=competition.id, competition_name=competition.name,
        competition_day=competition.start_date, name=ev.name, discipline_code=code,
        sex=ev.sex.value, age_category=ev.age_category,
        measure=disc.measure if disc else Measure.TIME,
        road=bool(disc and disc.kind is EventKind.ROAD), round_id=round_id,
    )


# -- lines ---------------------------------------------------------------------------------

_LINES_SQL = """
SELECT r.id, r.entry_id, r.heat_id, r.mark, r.net_mark, r.status, r.wind, r.revision,
       r.updated_at, h.status AS heat_status, h.number AS heat_number, e.bib,
       a.id AS athlete_id, a.first_name, a.last_name, a.sex, a.birth_date, a.nationality,
       c.code AS club_code, c.name AS club_name
FROM result r
JOIN heat h ON h.id = r.heat_id
JOIN entry e ON e.id = r.entry_id
JOIN athlete a ON a.id = e.athlete_id
LEFT JOIN club c ON c.id = a.club_id
WHERE h.round_id = :round_id {changed}
"""


@dataclass
class _Records:
    world: int | None = None
    meeting: int | None = None
    national: dict[str, int] = field(default_factory=dict)
    personal: dict[int, int] = field(default_factory=dict)
    season: dict[int, int] = field(default_factory=dict)


def _records(session: Session, info: EventInfo, athlete_ids: Sequence[int]) -> _Records:
    """The records standing for the event's discipline, sex and category, and the bests of
    its athletes. (Flags are computed with :func:`athsys.results.records.records_earned`.)"""
    found = _Records()
    rows = session.execute(
        select(Record.scope, Record.region, Record.season, Record.athlete_id, Record.mark).where(
            Record.discipline_code == info.discipline_code, Record.sex == info.sex,
            (Record.athlete_id.in_(athlete_ids))
            | (Record.scope.in_([RecordScope.WORLD, RecordScope.NATIONAL, RecordScope.MEETING])),
        )
    )
    better = min if not info.measure.higher_is_better else max
    for scope, region, season, athlete_id, mark in rows:
        if scope is RecordScope.WORLD and region is None:
            found.world = mark if found.world is None else better(found.world, mark)
        elif scope is RecordScope.MEETING and region == info.competition_name:
            found.meeting = mark
        elif scope is RecordScope.NATIONAL and region:
            found.national[region] = mark
        elif scope is RecordScope.PERSONAL_BEST and athlete_id is not None:
            found.personal[athlete_id] = mark
        elif (scope is RecordScope.SEASON_BEST and athlete_id is not None
              and season == info.competition_day.year):
            found.season[athlete_id] = mark
    return found


def _line(info: EventInfo, row: Row[Any], records: _Records) -> dict[str, Any]:
    """One result as the boards and the public JSON show it."""
    status = ResultStatus(row.status)
    sex = row.sex
    category = rules.age_category(sex, row.birth_date, info.competition_day)
    line: dict[str, Any] = {
        "entry_id": row.entry_id, "bib": row.bib,
        "name": f"{row.first_name} {row.last_name}", "first_name": row.first_name,
        "last_name": row.last_name, "club": row.club_code or "", "club_name": row.club_name or "",
        "sex": sex, "category": category, "heat_id": row.heat_id, "heat": row.heat_number,
        "mark": row.mark, "status": status.value, "net_mark": row.net_mark,
        "wind": format_wind(row.wind) if row.wind is not None else None,
        "revision": row.revision, "official": row.heat_status == HeatStatus.OFFICIAL.value,
        "records": [], "grade": None,
    }
    line["mark_text"] = _mark_text(row.mark, status, info)
    line["net_text"] = (format_mark(row.net_mark, info.measure, road=info.road)
                        if row.net_mark is not None else None)
    boards: dict[str, int]
    if status is ResultStatus.OK and row.mark is not None:
        key = rules.sort_key(row.mark, info.measure)
        boards = {ALL: key, f"sex:{sex}": key, f"cat:{category}": key}
        if row.mark > 0:
            existing = ExistingRecords(
                world=records.world, national=records.national.get(row.nationality or ""),
                meeting=records.meeting, personal_best=records.personal.get(row.athlete_id),
                season_best=records.season.get(row.athlete_id),
            )
            line["records"] = [k.value for k in records_earned(
                row.mark, info.measure, existing, road=info.road)]
        grade = _grade(info, sex, row.birth_date, row.mark)
        if grade is not None:
            line["grade"] = f"{grade // 100}.{grade % 100:02d}"
            boards[AGE_GRADED] = -grade
    else:
        boards = {UNPLACED: rules.UNPLACED_ORDER.index(status) if status in rules.UNPLACED_ORDER
                  else len(rules.UNPLACED_ORDER)}
    line["boards"] = boards
    return line


def _mark_text(mark: int | None, status: ResultStatus, info: EventInfo) -> str:
    if status is not ResultStatus.OK or mark is None:
        return status.value
    return format_mark(mark, info.measure, road=info.road)


def _grade(info: EventInfo, sex: str, birth_date: date | None, mark: int) -> int | None:
    """The age grade in hundredths of a per cent, or None (no table, age out of range)."""
    key = rules.AGE_GRADE_EVENTS.get(info.discipline_code)
    if key is None or birth_date is None or mark <= 0:
        return None
    try:
        graded = age_grade(sex, rules.age_on(birth_date, info.competition_day), key, mark)
    except ValidationError:
        return None
    return int(graded.percentage * 100)


def load_lines(session: Session, info: EventInfo,
               changed_since: datetime | None = None) -> list[dict[str, Any]]:
    """The board lines of the event (only results changed since ``changed_since`` if given)."""
    if info.round_id is None:
        return []
    changed = "AND r.updated_at > :since" if changed_since is not None else ""
    params: dict[str, Any] = {"round_id": info.round_id}
    if changed_since is not None:
        params["since"] = changed_since
    rows = session.execute(text(_LINES_SQL.format(changed=changed)), params).all()
    records = _records(session, info, sorted({row.athlete_id for row in rows}))
    return [_line(info, row, records) for row in rows]


def rank_lines(lines: Sequence[dict[str, Any]], board: str = ALL) -> list[dict[str, Any]]:
    """A whole board from lines, ranked (places, ties, gaps), then the unplaced (for ALL)."""
    on_board = [line for line in lines if board in line["boards"]]
    ordered = sorted(on_board, key=lambda line: line["boards"][board])
    keys = [line["boards"][board] for line in ordered]
    ranked = [_placed(line, place, tied, keys[0], key)
              for line, key, (place, tied) in zip(
                  ordered, keys, rules.places_of_page(0, 0, keys), strict=True)]
    if board == ALL:
        unplaced = sorted((line for line in lines if UNPLACED in line["boards"]),
                          key=lambda line: line["boards"][UNPLACED])
        ranked.extend(_placed(line, None, False, None, None) for line in unplaced)
    return ranked


def _placed(line: dict[str, Any], place: int | None, tied: bool, leader_key: int | None,
            key: int | None) -> dict[str, Any]:
    out = {k: v for k, v in line.items() if k != "boards"}
    out["place"] = place
    out["tied"] = tied
    # sort keys are marks (or negated marks): their difference is the gap in the mark's unit
    out["gap"] = None if leader_key is None or key is None else key - leader_key
    return out


# -- refresh (worker) ----------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshOutcome:
    event_id: int
    competition_id: int
    full: bool
    lines_changed: int
    heat_ids: tuple[int, ...]
    compute_ms: float

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "competition_id": self.competition_id,
                "full": self.full, "lines_changed": self.lines_changed,
                "heat_ids": list(self.heat_ids), "compute_ms": round(self.compute_ms, 2)}


def _result_count(session: Session, round_id: int) -> int:
    return int(session.scalar(text(
        "SELECT count(*) FROM result r JOIN heat h ON h.id = r.heat_id WHERE h.round_id = :r"
    ), {"r": round_id}) or 0)


def refresh_event(session: Session, store: BoardStore, event_id: int,
                  *, force_full: bool = False) -> RefreshOutcome:
    """Bring the stored boards of the event up to date with the database."""
    started = time.perf_counter()
    info = event_info(session, event_id)
    now = session.scalar(text("SELECT now()"))
    assert isinstance(now, datetime)
    meta = store.meta(event_id)
    count = _result_count(session, info.round_id) if info.round_id is not None else 0
    full = (force_full or not meta or meta.get("round_id") != str(info.round_id)
            or time.time() - float(meta.get("built_at", 0)) > FULL_REBUILD_EVERY_S)
    if not full:
        since = datetime.fromisoformat(meta["watermark"]) - WATERMARK_MARGIN
        changed = load_lines(session, info, changed_since=since)
        known = int(meta.get("count", 0))
        new_lines = len(changed) - store.known(event_id, [line["entry_id"] for line in changed])
        if known + new_lines != count:
            full = True  # a result was deleted (or moved): start again
    new_meta: dict[str, str | int] = {
        "watermark": now.isoformat(), "count": count, "round_id": str(info.round_id),
    }
    if full:
        lines = load_lines(session, info)
        new_meta["built_at"] = str(time.time())
        store.replace(event_id, lines, new_meta)
        changed = lines
    else:
        changed = list(store.update(event_id, changed, new_meta))
    heat_ids = tuple(sorted({int(line["heat_id"]) for line in changed}))
    return RefreshOutcome(event_id, info.competition_id, full, len(changed), heat_ids,
                          (time.perf_counter() - started) * 1000)


# -- reading -------------------------------------------------------------------------------


def check_page(page: int, per_page: int) -> tuple[int, int]:
    if page < 1:
        raise ValidationError(f"page must be 1 or more, got {page}", details={"page": page})
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}",
                              details={"per_page": per_page})
    return page, per_page


def read_board(session: Session, store: BoardStore | None, event_id: int, board: str = ALL,
               page: int = 1, per_page: int = 50) -> dict[str, Any]:
    """A page of an event's board: from the stored ZSETs, or computed directly from the
    database when Redis is unavailable or the board was never built."""
    check_page(page, per_page)
    info = event_info(session, event_id)
    _check_board(board)
    offset = (page - 1) * per_page
    answer: dict[str, Any] = {
        "event": _event_json(info), "board": board, "page": page, "per_page": per_page,
    }
    if store is not None:
        try:
            if store.meta(event_id):
                stored = store.page(event_id, board, offset, per_page)
                places = rules.places_of_page(stored.better_than_first, offset, stored.keys)
                lines = [
                    _placed(line, place, tied, stored.leader_key, key) for line, key,
                    (place, tied) in zip(stored.lines, stored.keys, places, strict=True)
                ]
                if board == ALL and offset + per_page >= stored.total:
                    lines += [_placed(line, None, False, None, None)
                              for line in store.unplaced(event_id)]
                answer.update(lines=lines, total=stored.total, source="store")
                return answer
        except REDIS_ERRORS as exc:
            log.warning("leaderboard store unavailable (%s): computing event %s directly",
                        exc, event_id)
    ranked = rank_lines(load_lines(session, info), board)
    finishers = sum(1 for line in ranked if line["place"] is not None)
    lines = ranked[offset:offset + per_page]
    if offset + per_page < finishers:
        lines = [line for line in lines if line["place"] is not None]
    answer.update(lines=lines, total=finishers, source="database")
    return answer


def _check_board(board: str) -> None:
    kind, _, value = board.partition(":")
    if board in (ALL, AGE_GRADED) or (kind in ("sex", "cat") and value and len(value) <= 12):
        return
    raise ValidationError(
        f"unknown board {board!r}",
        details={"board": "all, age-graded, sex:M, sex:F or cat:<category> (e.g. cat:M40)"},
    )


def _event_json(info: EventInfo) -> dict[str, Any]:
    return {"id": info.id, "competition_id": info.competition_id, "name": info.name,
            "discipline": info.discipline_code, "sex": info.sex,
            "age_category": info.age_category, "measure": info.measure.value,
            "road": info.road, "round_id": info.round_id}


def team_standings(session: Session, event_id: int,
                   scheme: rules.PointsScheme) -> dict[str, Any]:
    """Club scores of the event's board under ``scheme``."""
    info = event_info(session, event_id)
    lines = load_lines(session, info)
    board = rank_lines(lines)
    standings = [rules.Standing(line["entry_id"], line["place"], line["mark"],
                                ResultStatus(line["status"]), line["gap"], line["tied"])
                 for line in board]
    team_of = {line["entry_id"]: line["club"] for line in lines if line["club"]}
    names = {line["entry_id"]: line["name"] for line in lines}
    return {
        "event": _event_json(info), "points": list(scheme.points), "scorers": scheme.scorers,
        "teams": [{"team": t.team, "place": t.place, "points": rules.format_points(t.points),
                   "members": [names[e] for e in t.scorers]}
                  for t in rules.team_scores(standings, team_of, scheme)],
    }


# -- heats, rounds, competitions -------------------------------------------------------------


def _heat(session: Session, heat_id: int) -> tuple[Heat, EventInfo]:
    heat = session.get(Heat, heat_id)
    if heat is None:
        raise NotFoundError(f"no heat {heat_id}", details={"heat_id": heat_id})
    return heat, event_info(session, heat.round.event_id)


def start_list(session: Session, heat_id: int) -> list[dict[str, Any]]:
    """Lanes (or order) of a heat with bib, name, club and seed mark."""
    heat, info = _heat(session, heat_id)
    rows = session.execute(
        select(LaneAssignment, Entry).join(Entry, Entry.id == LaneAssignment.entry_id)
        .where(LaneAssignment.heat_id == heat_id).order_by(LaneAssignment.position)
    ).all()
    out = []
    for assignment, entry in rows:
        athlete = entry.athlete
        out.append({
            "position": assignment.position, "lane": assignment.lane, "bib": entry.bib,
            "entry_id": entry.id, "name": athlete.full_name,
            "club": athlete.club.code if athlete.club else "",
            "seed_mark": entry.seed_mark,
            "seed_text": (format_mark(entry.seed_mark, info.measure, road=info.road)
                          if entry.seed_mark else ""),
            "status": entry.status.value,
        })
    return out


def heat_results(session: Session, heat_id: int, page: int = 1,
                 per_page: int = 50) -> dict[str, Any]:
    """A heat's results ranked (ties share), or its start list while it has none."""
    check_page(page, per_page)
    heat, info = _heat(session, heat_id)
    head = {
        "heat": {"id": heat.id, "number": heat.number, "name": heat.name,
                 "status": heat.status.value, "official": heat.status is HeatStatus.OFFICIAL,
                 "wind": format_wind(heat.wind) if heat.wind is not None else None,
                 "scheduled_start": _iso(heat.scheduled_start), "round_id": heat.round_id,
                 "round": heat.round.kind.value},
        "event": _event_json(info), "page": page, "per_page": per_page,
    }
    total = session.scalar(select(text("count(*)")).select_from(Result)
                           .where(Result.heat_id == heat_id)) or 0
    if not total:
        lines = start_list(session, heat_id)
        return {**head, "kind": "start_list", "total": len(lines), "lines": lines}
    lines = _ranked_rows(session, info, "r.heat_id = :scope", heat_id, page, per_page)
    return {**head, "kind": "results", "total": int(total), "lines": lines}


def round_results(session: Session, round_id: int, page: int = 1,
                  per_page: int = 50) -> dict[str, Any]:
    """All heats of a round ranked together (what "fastest losers" are picked from)."""
    check_page(page, per_page)
    found = session.get(Round, round_id)
    if found is None:
        raise NotFoundError(f"no round {round_id}", details={"round_id": round_id})
    info = event_info(session, found.event_id)
    total = session.scalar(text(
        "SELECT count(*) FROM result r JOIN heat h ON h.id = r.heat_id WHERE h.round_id = :r"),
        {"r": round_id}) or 0
    lines = _ranked_rows(session, info, "h.round_id = :scope", round_id, page, per_page)
    return {"round": {"id": found.id, "kind": found.kind.value, "ordinal": found.ordinal},
            "event": _event_json(info), "page": page, "per_page": per_page,
            "total": int(total), "lines": lines}


_RANKED_SQL = """
SELECT * FROM (
  SELECT r.entry_id, r.heat_id, h.number AS heat_number, r.mark, r.net_mark, r.status, r.wind,
         r.reaction_time, r.revision, h.status AS heat_status, e.bib,
         a.first_name, a.last_name, c.code AS club_code,
         CASE WHEN r.status = 'OK' AND r.mark IS NOT NULL THEN
           rank() OVER (PARTITION BY (r.status = 'OK' AND r.mark IS NOT NULL)
                        ORDER BY r.mark {direction}) END AS place,
         first_value(r.mark) OVER (PARTITION BY (r.status = 'OK' AND r.mark IS NOT NULL)
                        ORDER BY r.mark {direction}) AS leader,
         CASE r.status WHEN 'OK' THEN 0 WHEN 'DNF' THEN 1 WHEN 'DQ' THEN 2 WHEN 'NM' THEN 3
              ELSE 4 END AS status_order
  FROM result r JOIN heat h ON h.id = r.heat_id JOIN entry e ON e.id = r.entry_id
  JOIN athlete a ON a.id = e.athlete_id LEFT JOIN club c ON c.id = a.club_id
  WHERE {where}) ranked
ORDER BY status_order, place NULLS LAST, mark {direction}, bib
LIMIT :limit OFFSET :offset
"""


def _ranked_rows(session: Session, info: EventInfo, where: str, scope: int, page: int,
                 per_page: int) -> list[dict[str, Any]]:
    """Ranked with a window function in PostgreSQL: only the requested page leaves it."""
    direction = "DESC" if info.measure.higher_is_better else "ASC"
    rows = session.execute(text(_RANKED_SQL.format(where=where, direction=direction)), {
        "scope": scope, "limit": per_page, "offset": (page - 1) * per_page}).all()
    out = []
    for row in rows:
        status = ResultStatus(row.status)
        finished = status is ResultStatus.OK and row.mark is not None
        out.append({
            "entry_id": row.entry_id, "bib": row.bib, "name": f"{row.first_name} {row.last_name}",
            "first_name": row.first_name, "last_name": row.last_name, "club": row.club_code or "", "heat_id": row.heat_id, "heat": row.heat_number,
            "place": row.place, "mark": row.mark, "status": status.value,
            "mark_text": _mark_text(row.mark, status, info),
            "net_text": (format_mark(row.net_mark, info.measure, road=info.road)
                         if row.net_mark is not None else None),
            "gap": (rules.gap_to_leader(row.mark, row.leader, info.measure)
                    if finished and row.leader is not None else None),
            "wind": format_wind(row.wind) if row.wind is not None else None,
            "reaction_time": row.reaction_time, "revision": row.revision,
            "official": row.heat_status == HeatStatus.OFFICIAL.value,
        })
    return out


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def competitions_around(session: Session, today: date, *, days_back: int = 7,
                        days_ahead: int = 1) -> list[dict[str, Any]]:
    """Competitions running today, recently or about to start, newest first."""
    found = session.scalars(
        select(Competition).where(
            Competition.end_date >= today - timedelta(days=days_back),
            Competition.start_date <= today + timedelta(days=days_ahead),
        ).order_by(Competition.start_date.desc(), Competition.id.desc()).limit(100)
    ).all()
    return [_competition_json(c, today) for c in found]


def _competition_json(competition: Competition, today: date) -> dict[str, Any]:
    return {"id": competition.id, "name": competition.name, "venue": competition.venue,
            "start_date": competition.start_date.isoformat(),
            "end_date": competition.end_date.isoformat(), "status": competition.status.value,
            "today": competition.start_date <= today <= competition.end_date}


def schedule(session: Session, competition_id: int, today: date | None = None) -> dict[str, Any]:
    """The competition with its events, rounds and heats in the order they are run."""
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    events = session.scalars(select(Event).where(Event.competition_id == competition_id)
                             .order_by(Event.id)).all()
    heats_with_results = set(session.scalars(text(
        "SELECT DISTINCT r.heat_id FROM result r JOIN heat h ON h.id = r.heat_id "
        "JOIN round ro ON ro.id = h.round_id JOIN event e ON e.id = ro.event_id "
        "WHERE e.competition_id = :c"), {"c": competition_id}))
    out_events, timeline = [], []
    for ev in events:
        rounds = []
        for rnd in ev.rounds:
            heats = []
            for heat in rnd.heats:
                item = {"id": heat.id, "number": heat.number, "name": heat.name,
                        "status": heat.status.value, "official": heat.status is HeatStatus.OFFICIAL,
                        "scheduled_start": _iso(heat.scheduled_start or rnd.scheduled_start),
                        "has_results": heat.id in heats_with_results}
                heats.append(item)
                timeline.append({**item, "event_id": ev.id, "event": ev.name,
                                 "round": rnd.kind.value})
            rounds.append({"id": rnd.id, "kind": rnd.kind.value, "ordinal": rnd.ordinal,
                           "heats": heats})
        out_events.append({"id": ev.id, "name": ev.name, "discipline": ev.discipline_code,
                           "sex": ev.sex.value, "age_category": ev.age_category,
                           "kind": ev.kind.value, "rounds": rounds})
    timeline.sort(key=lambda h: (h["scheduled_start"] or "9999", h["event_id"], h["number"]))
    return {"competition": _competition_json(competition, today or datetime.now(UTC).date()),
            "events": out_events, "schedule": timeline}


def competition_results(session: Session, competition_id: int
                        ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Every event of the competition with its whole board, for exports and printing."""
    if session.get(Competition, competition_id) is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    out = []
    for number, event_id in enumerate(competition_event_ids(session, competition_id), start=1):
        out.append(event_results(session, event_id, number))
    return out


def event_results(session: Session, event_id: int, number: int = 1
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An event (as the exports name it) and its whole board, computed from the database."""
    info = event_info(session, event_id)
    kind = session.scalar(select(Round.kind).where(Round.id == info.round_id))
    head = {**_event_json(info), "number": number, "round": kind.value if kind else ""}
    return head, rank_lines(load_lines(session, info))


def competition_event_ids(session: Session, competition_id: int) -> list[int]:
    return list(session.scalars(select(Event.id).where(Event.competition_id == competition_id)
                                .order_by(Event.id)))


# -- change tracking -----------------------------------------------------------------------

_TRACKED = (Result, Attempt, Heat, LaneAssignment, Entry)
_PENDING_EVENTS = "athsys_leaderboard_events"
_tracking = False


def _event_of(session: Session, obj: object) -> int | None:
    heat_id = getattr(obj, "heat_id", None)
    if isinstance(obj, Entry):
        return obj.event_id
    if isinstance(obj, Heat):
        round_id: int | None = obj.round_id
    elif heat_id is not None:
        round_id = session.scalar(select(Heat.round_id).where(Heat.id == heat_id))
    else:
        return None
    return session.scalar(select(Round.event_id).where(Round.id == round_id))


def _after_flush(session: Session, _context: Any) -> None:
    changed = [obj for obj in (*session.new, *session.dirty, *session.deleted)
               if isinstance(obj, _TRACKED)]
    if not changed:
        return
    pending: set[int] = session.info.setdefault(_PENDING_EVENTS, set())
    with session.no_autoflush:
        for obj in changed:
            event_id = _event_of(session, obj)
            if event_id is not None and event_id not in pending:
                pending.add(event_id)
                enqueue_after_commit(session, TaskName.LEADERBOARD_REFRESH, event_id=event_id)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING_EVENTS, None)


def track_changes() -> None:
    """Ask for a leaderboard refresh after commit whenever a session changes a result, an
    attempt, a heat (status, wind, schedule), a lane assignment or an entry through the ORM
    (idempotent; bulk SQL writers such as the timing service ask for refreshes themselves)."""
    global _tracking
    if _tracking:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _forget)
    event.listen(Session, "after_rollback", _forget)
    _tracking = True


def store_for(client: redis_lib.Redis | None) -> BoardStore | None:
    return BoardStore(client) if client is not None else None
