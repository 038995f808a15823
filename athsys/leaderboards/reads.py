"""The public read model: boards, start lists, heat and round results, schedules and the list
of competitions, as the live pages and the public API show them.

:func:`read_board` pages through the stored boards, or computes the board directly from the
database when Redis is unavailable or the board was never built; heats and rounds have their
own lists (:func:`heat_results`, :func:`round_results`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.orm import Session, joinedload

from athsys.athletes.models import Athlete
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
)
from athsys.competitions.relays import legs_shown
from athsys.errors import NotFoundError, ValidationError
from athsys.leaderboards import federation, rules, teams
from athsys.leaderboards.cache import REDIS_ERRORS, BoardStore
from athsys.leaderboards.lines import (
    AGE_GRADED,
    ALL,
    UNPLACED,
    EventInfo,
    Line,
    boards_of,
    combined_standings_of,
    competition_events,
    competition_lines,
    event_info,
    graded_edition,
    line_json,
    load_lines,
    mark_text,
    rank,
    rank_lines,
    wind_sql,
)
from athsys.results.models import Result
from athsys.sport.age_grading import DEFAULT_EDITION, ROAD_EDITIONS
from athsys.sport.disciplines import DISCIPLINES
from athsys.sport.marks import format_gap, format_mark, format_wind
from athsys.sport.ranking import ResultStatus

log = logging.getLogger(__name__)

MAX_PER_PAGE = 100

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
    edition = graded_edition(info, board)
    if board.startswith(AGE_GRADED):
        answer["age_grading"] = age_grading_tables(info, edition)
    if store is not None and edition is None:
        try:
            if store.meta(event_id):
                stored = store.page(event_id, info.stored_board(board), offset, per_page)
                unplaced_ids = (store.unplaced(event_id) if info.stored_board(board) == ALL
                                and offset + per_page >= stored.total else [])
                found = {line.entry_id: line for line in load_lines(
                    session, info, entry_ids=stored.entry_ids + unplaced_ids)}
                places = rules.places_of_page(stored.better_than_first, offset, stored.keys)
                leader = stored.leader_key or 0
                # athletes tied on the page in bib order, as the database's ranking lists
                # them (the store orders equal keys by entry id, as text)
                ranked = sorted(
                    ((found[entry_id], key, place, tied) for entry_id, key, (place, tied)
                     in zip(stored.entry_ids, stored.keys, places, strict=True)
                     if entry_id in found),  # deleted since the last refresh
                    key=lambda item: (item[1], item[0].bib))
                lines = [line_json(info, line, place, tied, key - leader)
                         for line, key, place, tied in ranked]
                unplaced = sorted((found[e] for e in unplaced_ids if e in found),
                                  key=lambda line: (boards_of(line, info.measure)[UNPLACED],
                                                    line.bib))
                lines += [line_json(info, line) for line in unplaced]
                answer.update(lines=lines, total=stored.total, source="store")
                return answer
        except REDIS_ERRORS as exc:
            log.warning("leaderboard store unavailable (%s): computing event %s directly",
                        exc, event_id)
    ranked = rank(info, load_lines(session, info, edition=edition or DEFAULT_EDITION), board)
    finishers = sum(1 for item in ranked if item[1] is not None)
    page_lines = ranked[offset:offset + per_page]
    if offset + per_page < finishers:
        page_lines = [item for item in page_lines if item[1] is not None]
    answer.update(lines=[line_json(info, *item) for item in page_lines], total=finishers,
                  source="database")
    return answer

def _check_board(board: str) -> None:
    kind, _, value = board.partition(":")
    if board in (ALL, AGE_GRADED) or (kind in ("sex", "cat") and value and len(value) <= 12):
        return
    if kind == AGE_GRADED and value in ROAD_EDITIONS:
        return
    raise ValidationError(
        f"unknown board {board!r}",
        details={"board": "all, age-graded, age-graded:<edition> "
                          f"({', '.join(ROAD_EDITIONS)}), sex:M, sex:F or cat:<category>"
                          " (e.g. cat:M40)"},
    )


def age_grading_tables(info: EventInfo, edition: str | None) -> dict[str, str]:
    """Which tables grade the board, and how its percentage is rounded."""
    used = edition or DEFAULT_EDITION
    return {"edition": used,
            "tables": f"Alan Jones {used} road" if info.road else "WMA 2023 track and field",
            "rounding": "percentage cut (not rounded) to two decimals"}

def _event_json(info: EventInfo) -> dict[str, Any]:
    return {"id": info.id, "competition_id": info.competition_id, "name": info.name,
            "discipline": info.discipline_code, "sex": info.sex,
            "age_category": info.age_category, "measure": info.measure.value,
            "road": info.road, "combined": info.combined, "round_id": info.round_id,
            "implement": info.implement}

def team_standings(session: Session, event_id: int,
                   scheme: teams.PointsScheme) -> dict[str, Any]:
    """Club scores of the event's board under ``scheme``."""
    info = event_info(session, event_id)
    ranked = rank(info, load_lines(session, info))
    standings, team_of = teams.board_standings(ranked)
    names = {line.entry_id: f"{line.first_name} {line.last_name}" for line, *_ in ranked}
    return {
        "event": _event_json(info), "points": list(scheme.points), "scorers": scheme.scorers,
        "teams": [{"team": t.team, "place": t.place, "points": teams.format_points(t.points),
                   "members": [names[e] for e in t.scorers]}
                  for t in teams.team_scores(standings, team_of, scheme)],
    }

def cross_country_standings(session: Session, event_id: int,
                            scheme: teams.CrossCountryScheme) -> dict[str, Any]:
    """Club scores of the event's board by cross-country low-point scoring."""
    info = event_info(session, event_id)
    ranked = [line for line, place, *_ in rank(info, load_lines(session, info))
              if place is not None]
    names = {line.entry_id: f"{line.first_name} {line.last_name}" for line in ranked}
    scores = teams.cross_country_scores([line.entry_id for line in ranked],
                                        {line.entry_id: line.club for line in ranked
                                         if line.club}, scheme)
    return {
        "event": _event_json(info), "scoring": "cross-country", "scorers": scheme.scorers,
        "displacers": scheme.displacers,
        "teams": [{"team": t.team, "place": t.place, "points": t.points,
                   "complete": t.place is not None,
                   "members": [{"name": names[e], "team_place": p}
                               for e, p in zip(t.runners, t.team_places, strict=False)]}
                  for t in scores],
    }

def _heat(session: Session, heat_id: int) -> tuple[Heat, EventInfo]:
    heat = session.get(Heat, heat_id)
    if heat is None:
        raise NotFoundError(f"no heat {heat_id}", details={"heat_id": heat_id})
    return heat, event_info(session, heat.round.event_id)

def start_list(session: Session, heat_id: int, limit: int | None = None) -> list[dict[str, Any]]:
    """Lanes (or order) of a heat with bib, name, club and seed mark (the first ``limit``)."""
    heat, info = _heat(session, heat_id)
    rows = session.execute(
        select(LaneAssignment, Entry).join(Entry, Entry.id == LaneAssignment.entry_id)
        .options(joinedload(Entry.athlete).joinedload(Athlete.club), joinedload(Entry.club))
        .where(LaneAssignment.heat_id == heat_id).order_by(LaneAssignment.position)
        .limit(limit)
    ).all()
    legs = legs_shown(session, [entry.id for _, entry in rows],
                      {entry.id: heat_id for _, entry in rows}) if info.relay else {}
    out = []
    for assignment, entry in rows:
        athlete = entry.athlete
        club = entry.club if athlete is None else athlete.club
        out.append({
            "position": assignment.position, "lane": assignment.lane, "bib": entry.bib,
            "entry_id": entry.id,
            "name": entry.team_name if athlete is None else athlete.full_name,
            "legs": list(legs.get(entry.id, ())),
            "club": club.code if club else "",
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
  SELECT r.entry_id, r.heat_id, h.number AS heat_number, r.mark, r.net_mark, r.status,
         {wind} AS wind,
         r.reaction_time, r.revision, r.record_flags, r.hand_timed, h.status AS heat_status,
         e.bib,
         coalesce(a.first_name, '') AS first_name,
         coalesce(e.team_name, a.last_name) AS last_name, c.code AS club_code,
         CASE WHEN r.status = 'OK' AND r.mark IS NOT NULL THEN
           rank() OVER (PARTITION BY (r.status = 'OK' AND r.mark IS NOT NULL)
                        ORDER BY r.mark {direction}) END AS place,
         first_value(r.mark) OVER (PARTITION BY (r.status = 'OK' AND r.mark IS NOT NULL)
                        ORDER BY r.mark {direction}) AS leader,
         CASE r.status WHEN 'OK' THEN 0 WHEN 'DNF' THEN 1 WHEN 'DQ' THEN 2 WHEN 'NM' THEN 3
              ELSE 4 END AS status_order
  FROM result r JOIN heat h ON h.id = r.heat_id JOIN entry e ON e.id = r.entry_id
  LEFT JOIN athlete a ON a.id = e.athlete_id
  LEFT JOIN club c ON c.id = coalesce(e.club_id, a.club_id)
  WHERE {where}) ranked
ORDER BY status_order, place NULLS LAST, mark {direction}, bib
LIMIT :limit OFFSET :offset
"""

def _ranked_rows(session: Session, info: EventInfo, where: str, scope: int, page: int,
                 per_page: int) -> list[dict[str, Any]]:
    """Ranked with a window function in PostgreSQL: only the requested page leaves it."""
    direction = "DESC" if info.measure.higher_is_better else "ASC"
    query = _RANKED_SQL.format(where=where, direction=direction, wind=wind_sql(info))
    rows = session.execute(text(query), {
        "scope": scope, "limit": per_page, "offset": (page - 1) * per_page}).all()
    legs = legs_shown(session, [row.entry_id for row in rows],
                      {row.entry_id: row.heat_id for row in rows}) if info.relay else {}
    out = []
    for row in rows:
        status = ResultStatus(row.status)
        finished = status is ResultStatus.OK and row.mark is not None
        out.append({
            "entry_id": row.entry_id, "bib": row.bib,
            "name": f"{row.first_name} {row.last_name}".strip(),
            "legs": list(legs.get(row.entry_id, ())),
            "first_name": row.first_name, "last_name": row.last_name,
            "club": row.club_code or "", "heat_id": row.heat_id, "heat": row.heat_number,
            "place": row.place, "mark": row.mark, "status": status.value,
            "mark_text": mark_text(row.mark, status, info, hand=row.hand_timed),
            "net_text": (format_mark(row.net_mark, info.measure, road=info.road)
                         if row.net_mark is not None else None),
            "hand_timed": row.hand_timed,
            "gap": (rules.gap_to_leader(row.mark, row.leader, info.measure)
                    if finished and row.leader is not None else None),
            "gap_text": (format_gap(row.mark, row.leader, info.measure, road=info.road,
                                    hand=row.hand_timed)
                         if finished and row.leader is not None else ""),
            "wind": format_wind(row.wind) if row.wind is not None else None,
            "reaction_time": row.reaction_time, "revision": row.revision,
            "official": row.heat_status == HeatStatus.OFFICIAL.value,
            "records": list(row.record_flags or []),
        })
    return out

def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None

#: A draft competition is its organisers' alone: no public page, answer or export shows it.
PUBLIC_STATUSES = frozenset(CompetitionStatus) - {CompetitionStatus.DRAFT}

def is_published(session: Session, competition_id: int) -> bool:
    """Whether the public may see the competition (it exists and is no longer a draft)."""
    status = session.scalar(select(Competition.status).where(Competition.id == competition_id))
    return status in PUBLIC_STATUSES

def competitions_around(session: Session, today: date, *, days_back: int = 7,
                        days_ahead: int = 1) -> list[dict[str, Any]]:
    """Published competitions running today, recently or about to start, newest first."""
    found = session.scalars(
        select(Competition).where(
            Competition.end_date >= today - timedelta(days=days_back),
            Competition.start_date <= today + timedelta(days=days_ahead),
            Competition.status.in_(PUBLIC_STATUSES),
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
    """Every event of the competition with its whole board, for exports and printing: the
    same as :func:`event_results` of each event in turn, read in a fixed number of
    statements however many events (:func:`athsys.leaderboards.lines.competition_lines`)."""
    if session.get(Competition, competition_id) is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    infos = competition_events(session, competition_id)
    return _boards(infos, competition_lines(session, infos))

def _boards(infos: Sequence[EventInfo], lines: Mapping[int, list[Line]]
            ) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    return [(_export_head(info, number), rank_lines(info, lines[info.id]))
            for number, info in enumerate(infos, start=1)]

def event_results(session: Session, event_id: int, number: int = 1
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An event (as the exports name it) and its whole board, computed from the database."""
    info = event_info(session, event_id)
    return _export_head(info, number), rank_lines(info, load_lines(session, info))

def _export_head(info: EventInfo, number: int) -> dict[str, Any]:
    return {**_event_json(info), "number": number, "round": info.round_kind}

def export_results(session: Session, competition_id: int
                   ) -> tuple[dict[str, Any], list[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """The competition and every event's whole board as the federation exports write them
    (:func:`athsys.leaderboards.federation.enrich`): heat places, the race's wind where a
    result has none, lanes, reaction times, qualifications, a combined event's points and
    each of its events' marks and points; each event with the heats of its board."""
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    zone = ZoneInfo(competition.time_zone)
    heats = {heat.id: _export_heat(heat, zone) for heat in session.scalars(
        select(Heat).join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id == competition_id).order_by(Heat.number))}
    details = {
        (heat_id, entry_id): {"lane": lane, "reaction_time": reaction,
                              "qualification": qualified.value if qualified else None,
                              "status_rule": rule, "source": source.value}
        for heat_id, entry_id, lane, reaction, qualified, rule, source in session.execute(
            select(Result.heat_id, Result.entry_id, LaneAssignment.lane, Result.reaction_time,
                   Result.qualification, Result.status_rule, Result.source)
            .join(Heat, Heat.id == Result.heat_id).join(Round, Round.id == Heat.round_id)
            .join(Event, Event.id == Round.event_id)
            .outerjoin(LaneAssignment, (LaneAssignment.heat_id == Result.heat_id)
                       & (LaneAssignment.entry_id == Result.entry_id))
            .where(Event.competition_id == competition_id))}
    kinds = {event_id: kind for event_id, kind in session.execute(
        select(Event.id, Event.kind).where(Event.competition_id == competition_id))}
    infos = competition_events(session, competition_id)
    standings = combined_standings_of(session, infos)
    boards = []
    for head, lines in _boards(infos, competition_lines(session, infos, standings)):
        combined = {standing.entry_id: [
            {"event": score.event, "mark": score.mark, "points": score.points}
            for score in standing.events]
            for standing in standings.get(head["id"], ())}
        head = {**head, "kind": kinds[head["id"]].value,
                "wind_measured": _wind_measured(head["discipline"]),
                "heats": [
            heat for heat in heats.values() if heat["round_id"] == head["round_id"]]}
        boards.append((head, federation.enrich(head, lines, heats, details, combined)))
    return {"id": competition.id, "name": competition.name, "venue": competition.venue,
            "start_date": competition.start_date.isoformat(),
            "end_date": competition.end_date.isoformat(), "time_zone": competition.time_zone,
            "indoor": competition.indoor, "altitude_m": competition.altitude_m,
            "championship": competition.championship, "status": competition.status.value}, boards


def _wind_measured(discipline_code: str) -> bool:
    found = DISCIPLINES.get(discipline_code)
    return bool(found and found.wind)


def _export_heat(heat: Heat, zone: ZoneInfo) -> dict[str, Any]:
    """A heat as exports show it: times in the competition's time zone (the gun to the
    millisecond, a scheduled start to the second)."""
    def local(moment: datetime | None, timespec: str) -> str | None:
        return moment.astimezone(zone).isoformat(timespec=timespec) if moment else None
    return {"id": heat.id, "round_id": heat.round_id, "number": heat.number, "name": heat.name,
            "status": heat.status.value, "hand_timed": heat.hand_timed,
            "wind": format_wind(heat.wind) if heat.wind is not None else None,
            "scheduled_start": local(heat.scheduled_start, "seconds"),
            "gun_time": local(heat.gun_time, "milliseconds")}
