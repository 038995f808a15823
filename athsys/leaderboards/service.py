"""Leaderboards from the results in the database: computed, stored in Redis, read back.

The worker (``leaderboards.refresh_event``) calls :func:`refresh_event`: it reads only the
results changed since the last refresh (``updated_at`` watermark of the result or its heat,
with a safety margin for transactions that committed late) and moves those lines in the
event's sorted boards, so a new finisher costs a few Redis commands, not a new ranking of
50,000 runners. A full rebuild happens when there is no stored board, when results were
deleted or the event's deciding round changed, for combined events, and at least every
:data:`FULL_REBUILD_EVERY_S`.

Redis holds only what orders the boards: per board a ZSET of entry ids by sort key, and per
line a short *signature* of what it shows (computed by PostgreSQL), which tells a changed
line from one merely read again. A full rebuild of a marathon is thus one lean query, one
pass in Python and one bulk load per board; the lines of a page (:class:`Line`, raw integers
and names) are read from PostgreSQL by entry id when the page is read, and formatted only
then (:func:`line_json`).

Record flags (WR, NR, MR, PB, SB) are those stored on the results when their heat became
official (``Result.record_flags``, see :mod:`athsys.records.service`); combined events are
ranked by :func:`athsys.scoring.service.combined_standings`.

Readers call :func:`read_board`, which pages through the stored boards, or computes the
board directly from the database when Redis is unavailable or the board was never built.

An event's board is the results of its latest round that has results (the final once it
is run); heats and rounds have their own lists (:func:`heat_results`, :func:`round_results`).
"""

from __future__ import annotations

import logging
import time
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import redis as redis_lib
from sqlalchemy import event, select, text
from sqlalchemy.orm import Session

from athsys.athletes.categories import age_category, age_on
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
from athsys.db import driver_rows
from athsys.errors import NotFoundError, ValidationError
from athsys.jobs import TaskName, enqueue_after_commit
from athsys.leaderboards import rules
from athsys.leaderboards.cache import REDIS_ERRORS, BoardStore
from athsys.results.models import Attempt, Result
from athsys.runtime import cyclic_gc_paused
from athsys.scoring.service import age_grade_event_key, combined_standings
from athsys.sport.disciplines import DISCIPLINES, EventKind
from athsys.sport.marks import Measure, format_gap, format_mark, format_wind
from athsys.sport.ranking import ResultStatus

log = logging.getLogger(__name__)

#: Rows changed this long before the watermark are read again: ``updated_at`` is the start
#: of the writing transaction, which may commit after a refresh has read past it.
WATERMARK_MARGIN = timedelta(seconds=30)
FULL_REBUILD_EVERY_S = 300
#: Rows per chunk of a full rebuild (see :class:`athsys.leaderboards.cache.BoardBuild`).
BUILD_CHUNK = 5_000
AGE_GRADED = "age-graded"
ALL = "all"
UNPLACED = "unplaced"
MAX_PER_PAGE = 100
_OK = ResultStatus.OK.value
_UNPLACED_RANK = {status.value: index for index, status in enumerate(rules.UNPLACED_ORDER)}


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
    combined: bool
    round_id: int | None  # the round whose results make the board

    @property
    def mixed(self) -> bool:
        """Men and women on one board (an event of one sex needs no board per sex)."""
        return self.sex not in ("M", "F")

    def stored_board(self, board: str) -> str:
        """The board that holds ``board``: in an event of one sex, ``sex:<it>`` is ALL."""
        return ALL if not self.mixed and board == f"sex:{self.sex}" else board


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
    combined = ev.kind is EventKind.COMBINED
    return EventInfo(
        id=ev.id, competition_id=competition.id, competition_name=competition.name,
        competition_day=competition.start_date, name=ev.name, discipline_code=code,
        sex=ev.sex.value, age_category=ev.age_category,
        measure=Measure.POINTS if combined else (disc.measure if disc else Measure.TIME),
        road=bool(disc and disc.kind is EventKind.ROAD), combined=combined, round_id=round_id,
    )


# -- lines ---------------------------------------------------------------------------------


class Line(NamedTuple):
    """One result on the boards, raw: what Redis stores (as a JSON array) and ranks."""

    entry_id: int
    bib: str
    first_name: str
    last_name: str
    club: str
    club_name: str
    sex: str
    category: str
    heat_id: int | None
    heat: int | None
    mark: int | None
    status: str
    net_mark: int | None
    wind: int | None
    revision: int
    official: bool
    records: list[str]
    grade: int | None  # age grade in hundredths of a per cent


_LINES_SQL = """
SELECT r.entry_id, e.bib, a.first_name, a.last_name, coalesce(c.code, '') AS club_code,
       coalesce(c.name, '') AS club_name, a.sex, a.birth_date, r.heat_id, h.number, r.mark,
       r.status, r.net_mark, r.wind, r.revision, h.status = %(official)s AS official,
       r.record_flags
FROM result r
JOIN heat h ON h.id = r.heat_id
JOIN entry e ON e.id = r.entry_id
JOIN athlete a ON a.id = e.athlete_id
LEFT JOIN club c ON c.id = a.club_id
WHERE h.round_id = %(round_id)s {changed}
"""
_CHANGED = "AND (r.updated_at > %(since)s OR r.heat_id = ANY(%(heats)s))"
_ONLY = "AND r.entry_id = ANY(%(entry_ids)s)"

#: What the stored boards need of a line: its sort keys (mark, status, sex, birth date) and,
#: if its result changed within ``margin`` (only those are read again by the next
#: incremental refresh), its signature: every value a line shows of its result and heat.
_PLACINGS_SQL = """
SELECT r.entry_id, r.heat_id, a.sex, a.birth_date, r.mark, r.status,
       CASE WHEN r.updated_at > now() - %(margin)s OR %(all_signatures)s THEN
         format('%%s:%%s:%%s:%%s:%%s:%%s:%%s:%%s:%%s', r.heat_id, h.number, r.mark, r.status,
                r.net_mark, r.wind, r.revision, h.status, r.record_flags) END
FROM result r
JOIN heat h ON h.id = r.heat_id
JOIN entry e ON e.id = r.entry_id
JOIN athlete a ON a.id = e.athlete_id
WHERE h.round_id = %(round_id)s {changed}
{order}"""


def load_lines(session: Session, info: EventInfo, changed_since: datetime | None = None,
               changed_heats: Sequence[int] = (),
               entry_ids: Sequence[int] | None = None) -> list[Line]:
    """The lines of the event's board: all of them, only those whose result changed since
    ``changed_since`` (or whose heat is in ``changed_heats``), or only those of ``entry_ids``."""
    if info.combined:
        lines = _combined_lines(session, info)
        if entry_ids is not None:
            wanted = set(entry_ids)
            lines = [line for line in lines if line.entry_id in wanted]
        return lines
    if info.round_id is None:
        return []
    params: dict[str, Any] = {"round_id": info.round_id, "official": HeatStatus.OFFICIAL.value,
                              "since": changed_since, "heats": list(changed_heats),
                              "entry_ids": list(entry_ids or ())}
    where = (_ONLY if entry_ids is not None else "") + (_CHANGED if changed_since else "")
    rows = driver_rows(session, _LINES_SQL.format(changed=where), params)
    grade_key = age_grade_event_key(info.discipline_code)
    day = info.competition_day
    ages: dict[tuple[str, date | None], tuple[int | None, str]] = {}
    lines: list[Line] = []
    append = lines.append
    grade_of = rules.grade_hundredths
    for (entry_id, bib, first, last, club, club_name, sex, birth, heat_id, heat, mark, status,
         net_mark, wind, revision, official, flags) in rows:
        known = ages.get((sex, birth))
        if known is None:
            known = ages[(sex, birth)] = (
                age_on(birth, day) if birth is not None else None,
                age_category(sex, birth, day))
        age, category = known
        grade = (grade_of(sex, age, grade_key, mark)
                 if grade_key is not None and age is not None and mark is not None
                 and status == _OK else None)
        append(Line(entry_id, bib, first, last, club, club_name, sex, category, heat_id, heat,
                    mark, status, net_mark, wind, revision, official, flags or [], grade))
    return lines


def _combined_lines(session: Session, info: EventInfo) -> list[Line]:
    """A combined event's board: each all-rounder's points total so far (scoring service);
    those without a score yet are left off."""
    standings = [s for s in combined_standings(session, info.id) if s.place is not None]
    if not standings:
        return []
    people = {row.id: row for row in session.execute(text(
        "SELECT e.id, a.first_name, a.last_name, a.sex, a.birth_date, "
        "coalesce(c.code, '') AS club, coalesce(c.name, '') AS club_name "
        "FROM entry e JOIN athlete a ON a.id = e.athlete_id LEFT JOIN club c ON c.id = a.club_id "
        "WHERE e.id = ANY(:ids)"), {"ids": [s.entry_id for s in standings]})}
    official = bool(session.scalar(text(
        "SELECT bool_and(h.status = :official) FROM heat h JOIN round r ON r.id = h.round_id "
        "WHERE r.event_id = :e"), {"e": info.id, "official": HeatStatus.OFFICIAL.value}))
    lines = []
    for standing in standings:
        p = people[standing.entry_id]
        lines.append(Line(
            standing.entry_id, standing.bib, p.first_name, p.last_name, p.club, p.club_name,
            p.sex, age_category(p.sex, p.birth_date, info.competition_day), None, None,
            standing.total, _OK, None, None, 1, official, [], None))
    return lines


def boards_of(line: Line, measure: Measure, mixed: bool = True) -> dict[str, int]:
    """The boards a line is on, with its sort key on each (see :mod:`rules`). In an event of
    one sex (``mixed`` False) the board of that sex is the whole board: not stored twice."""
    return _boards(line.mark, line.status, line.sex, line.category, line.grade, measure, mixed)


def _boards(mark: int | None, status: str, sex: str, category: str, grade: int | None,
            measure: Measure, mixed: bool) -> dict[str, int]:
    if status == _OK and mark is not None:
        key = -mark if measure.higher_is_better else mark
        boards = {ALL: key, f"cat:{category}": key}
        if mixed:
            boards[f"sex:{sex}"] = key
        if grade is not None:
            boards[AGE_GRADED] = -grade
        return boards
    return {UNPLACED: _UNPLACED_RANK.get(status, len(_UNPLACED_RANK))}


#: entry id, heat id, signature (None: not needed, see :func:`_placing_chunks`),
#: board -> sort key
Placing = tuple[int, int | None, str | None, dict[str, int]]


def _placings(session: Session, info: EventInfo, changed_since: datetime | None = None,
              changed_heats: Sequence[int] = ()) -> list[Placing]:
    """What the stored boards need of the event's lines changed since ``changed_since`` or
    in ``changed_heats`` (all of them without ``changed_since``)."""
    if info.combined:
        return list(_combined_placings(session, info))
    if info.round_id is None:
        return []
    place = _placer(info)
    return [place(row) for row in driver_rows(
        session, _PLACINGS_SQL.format(changed=_CHANGED if changed_since else "", order=""),
        {"round_id": info.round_id, "since": changed_since, "heats": list(changed_heats),
         "margin": WATERMARK_MARGIN, "all_signatures": True})]


def _combined_placings(session: Session, info: EventInfo) -> Iterator[Placing]:
    for line in _combined_lines(session, info):
        yield line.entry_id, None, _signature(line), boards_of(line, info.measure, info.mixed)


def _placing_chunks(session: Session, info: EventInfo) -> Iterator[list[Placing]]:
    """All the event's placings, :data:`BUILD_CHUNK` at a time from a server-side cursor:
    a chunk is stored while PostgreSQL and Python work on the next.

    Only lines changed within :data:`WATERMARK_MARGIN` carry a signature: they are the
    ones the next incremental refresh reads again and must recognise as unchanged. Any
    other line it reads has changed since (a line without a stored signature counts as
    changed), and that refresh stores its signature. Not storing 50,000 others is a quarter
    less for Redis to do.

    Rows come best mark first: Redis inserts into a sorted set in order about a third
    faster than at random places (and PostgreSQL sorts 50,000 rows in a few milliseconds)."""
    if info.combined:
        yield list(_combined_placings(session, info))
        return
    if info.round_id is None:
        return
    place = _placer(info)
    cursor = session.connection().connection.cursor(name="athsys_board_build")
    try:
        cursor.itersize = BUILD_CHUNK
        direction = "DESC" if info.measure.higher_is_better else "ASC"
        cursor.execute(_PLACINGS_SQL.format(changed="", order=f"ORDER BY r.mark {direction}"), {
            "round_id": info.round_id, "margin": WATERMARK_MARGIN, "all_signatures": False})
        while rows := cursor.fetchmany(BUILD_CHUNK):
            yield [place(row) for row in rows]
    finally:
        cursor.close()


def _placer(info: EventInfo) -> Callable[[tuple[Any, ...]], Placing]:
    """Turns a row of :data:`_PLACINGS_SQL` into a placing (ages looked up once per birth
    date: a marathon has far fewer birth dates than runners)."""
    measure, mixed = info.measure, info.mixed
    grade_key = age_grade_event_key(info.discipline_code)
    day = info.competition_day
    ages: dict[tuple[str, date | None], tuple[int | None, str]] = {}
    grade_of = rules.grade_hundredths

    def place(row: tuple[Any, ...]) -> Placing:
        entry_id, heat_id, sex, birth, mark, status, signature = row
        known = ages.get((sex, birth))
        if known is None:
            known = ages[(sex, birth)] = (
                age_on(birth, day) if birth is not None else None,
                age_category(sex, birth, day))
        age, category = known
        grade = (grade_of(sex, age, grade_key, mark)
                 if grade_key is not None and age is not None and mark is not None
                 and status == _OK else None)
        return entry_id, heat_id, signature, _boards(mark, status, sex, category, grade,
                                                     measure, mixed)

    return place


def _signature(line: Line) -> str:
    """A combined event's line signature (its total and status are all it shows)."""
    return f"{line.mark}:{line.status}:{line.official}"


def line_json(info: EventInfo, line: Line, place: int | None = None, tied: bool = False,
              gap: int | None = None) -> dict[str, Any]:
    """A line as the public JSON, the pages and the exports show it."""
    status = ResultStatus(line.status)
    grade = line.grade
    return {
        "entry_id": line.entry_id, "bib": line.bib,
        "name": f"{line.first_name} {line.last_name}", "first_name": line.first_name,
        "last_name": line.last_name, "club": line.club, "club_name": line.club_name,
        "sex": line.sex, "category": line.category, "heat_id": line.heat_id, "heat": line.heat,
        "mark": line.mark, "status": line.status, "net_mark": line.net_mark,
        "wind": format_wind(line.wind) if line.wind is not None else None,
        "revision": line.revision, "official": line.official, "records": list(line.records),
        "grade": f"{grade // 100}.{grade % 100:02d}" if grade is not None else None,
        "mark_text": _mark_text(line.mark, status, info),
        "net_text": (format_mark(line.net_mark, info.measure, road=info.road)
                     if line.net_mark is not None else None),
        "place": place, "tied": tied, "gap": gap,
        "gap_text": _gap_text(line.mark, gap, info),
    }


def _gap_text(mark: int | None, gap: int | None, info: EventInfo) -> str:
    """``gap`` (the difference of sort keys, in the mark's unit) in the sport's notation."""
    if mark is None or not gap:
        return ""
    leader = mark + gap if info.measure.higher_is_better else mark - gap
    return format_gap(mark, leader, info.measure, road=info.road)


def _mark_text(mark: int | None, status: ResultStatus, info: EventInfo) -> str:
    if status is not ResultStatus.OK or mark is None:
        return status.value
    return format_mark(mark, info.measure, road=info.road)


Ranked = tuple[Line, int | None, bool, int | None]  # line, place, tied, gap to the leader


def rank(info: EventInfo, lines: Iterable[Line], board: str = ALL) -> list[Ranked]:
    """A whole board from lines: places (ties share), gaps, then the unplaced (for ALL)."""
    board = info.stored_board(board)
    keyed = []
    unplaced = []
    for line in lines:
        boards = boards_of(line, info.measure, info.mixed)
        if board in boards:
            keyed.append((boards[board], line.bib, line))
        elif board == ALL and UNPLACED in boards:
            unplaced.append((boards[UNPLACED], line.bib, line))
    keyed.sort(key=lambda item: (item[0], item[1]))
    keys = [item[0] for item in keyed]
    leader = keys[0] if keys else 0
    # sort keys are marks (or negated marks): their difference is the gap in the mark's unit
    ranked: list[Ranked] = [
        (line, place, tied, key - leader) for (key, _, line), (place, tied) in zip(
            keyed, rules.places_of_page(0, 0, keys), strict=True)
    ]
    unplaced.sort(key=lambda item: (item[0], item[1]))
    ranked.extend((line, None, False, None) for _, _, line in unplaced)
    return ranked


def rank_lines(info: EventInfo, lines: Iterable[Line], board: str = ALL) -> list[dict[str, Any]]:
    """:func:`rank` as JSON lines (exports, printing, direct computation)."""
    return [line_json(info, *item) for item in rank(info, lines, board)]


# -- refresh (worker) ----------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshOutcome:
    """``published``: lines the public sees new or changed. A first build publishes every
    line; a later full rebuild (periodic, or after a deletion) rewrites lines without telling
    which changed, and counts none."""

    event_id: int
    competition_id: int
    full: bool
    lines_changed: int
    heat_ids: tuple[int, ...]
    compute_ms: float
    as_of: datetime
    published: int

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "competition_id": self.competition_id,
                "full": self.full, "lines_changed": self.lines_changed,
                "heat_ids": list(self.heat_ids), "compute_ms": round(self.compute_ms, 2),
                "as_of": self.as_of.isoformat(), "published": self.published}


def _round_state(session: Session, round_id: int | None) -> tuple[int, str]:
    """How many results the round has, and its heats' ``id:number:status`` (what lines show
    of their heat): a heat that changed is re-read whole, a heat that did not is not."""
    if round_id is None:
        return 0, ""
    count, heats = session.execute(text(
        "SELECT (SELECT count(*) FROM result r JOIN heat h ON h.id = r.heat_id "
        "        WHERE h.round_id = :r), "
        "       coalesce(string_agg(id || ':' || number || ':' || status, ',' ORDER BY id), '') "
        "FROM heat WHERE round_id = :r"), {"r": round_id}).one()
    return int(count), str(heats)


def _heats_changed(before: str, now: str) -> list[int]:
    old = set(before.split(",")) if before else set()
    return [int(item.split(":")[0]) for item in now.split(",") if item and item not in old]


def refresh_event(session: Session, store: BoardStore, event_id: int,
                  *, force_full: bool = False) -> RefreshOutcome:
    """Bring the stored boards of the event up to date with the database, one refresh of
    an event at a time (:meth:`athsys.leaderboards.cache.BoardStore.refreshing`)."""
    with store.refreshing(event_id):
        return _refresh(session, store, event_id, force_full=force_full)


@cyclic_gc_paused()
def _refresh(session: Session, store: BoardStore, event_id: int,
             *, force_full: bool) -> RefreshOutcome:
    """The refresh itself. The collector is paused (:func:`athsys.runtime.cyclic_gc_paused`):
    a full rebuild of a marathon allocates some 200,000 short-lived tuples, dicts and lists,
    and a burst of thousands of changed lines (a worker catching up) nearly as many."""
    started = time.perf_counter()
    info = event_info(session, event_id)
    now = session.scalar(text("SELECT now()"))
    assert isinstance(now, datetime)  # nosec B101 # invariant for the type checker, not a check of input
    meta = store.meta(event_id)
    count, heats = _round_state(session, info.round_id)
    full = (force_full or info.combined or not meta
            or meta.get("round_id") != str(info.round_id)
            or time.time() - float(meta.get("built_at", 0)) > FULL_REBUILD_EVERY_S)
    changed: list[Placing] = []
    if not full:
        since = datetime.fromisoformat(meta["watermark"]) - WATERMARK_MARGIN
        changed = _placings(session, info, changed_since=since,
                            changed_heats=_heats_changed(meta.get("heats", ""), heats))
        known = int(meta.get("count", 0))
        new_lines = len(changed) - store.known(event_id, [item[0] for item in changed])
        if known + new_lines != count:
            full = True  # a result was deleted (or moved): start again
    new_meta: dict[str, str | int] = {
        "watermark": now.isoformat(), "count": count, "round_id": str(info.round_id),
        "heats": heats,
    }
    if full:
        new_meta["built_at"] = str(time.time())
        # counted, not kept: 50,000 placings kept alive make the garbage collector work
        lines, heat_ids = 0, set[int | None]()
        with store.build(event_id) as build:
            for chunk in _placing_chunks(session, info):
                signatures: list[int | str] = []
                boards: dict[str, list[int]] = {}
                for entry_id, _, signature, line_boards in chunk:
                    if signature is not None:
                        signatures += (entry_id, signature)
                    for board, key in line_boards.items():
                        found = boards.get(board)
                        if found is None:
                            found = boards[board] = []
                        found += (key, entry_id)
                build.add(signatures, boards)
                lines += len(chunk)
                heat_ids.update(item[1] for item in chunk)
            build.commit(new_meta)
    else:
        kept = set(store.update(event_id, {str(entry_id): (str(signature), line_boards)
                                           for entry_id, _, signature, line_boards in changed},
                                new_meta))
        changed = [item for item in changed if str(item[0]) in kept]
        lines, heat_ids = len(changed), {heat_id for _, heat_id, _, _ in changed}
    published = lines if not full or not meta else 0
    return RefreshOutcome(event_id, info.competition_id, full, lines,
                          tuple(sorted(h for h in heat_ids if h is not None)),
                          (time.perf_counter() - started) * 1000, now, published)


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
                stored = store.page(event_id, info.stored_board(board), offset, per_page)
                unplaced_ids = (store.unplaced(event_id) if info.stored_board(board) == ALL
                                and offset + per_page >= stored.total else [])
                found = {line.entry_id: line for line in load_lines(
                    session, info, entry_ids=stored.entry_ids + unplaced_ids)}
                places = rules.places_of_page(stored.better_than_first, offset, stored.keys)
                leader = stored.leader_key or 0
                lines = [
                    line_json(info, found[entry_id], place, tied, key - leader)
                    for entry_id, key, (place, tied) in zip(
                        stored.entry_ids, stored.keys, places, strict=True)
                    if entry_id in found  # deleted since the last refresh
                ]
                unplaced = sorted((found[e] for e in unplaced_ids if e in found),
                                  key=lambda line: (boards_of(line, info.measure)[UNPLACED],
                                                    line.bib))
                lines += [line_json(info, line) for line in unplaced]
                answer.update(lines=lines, total=stored.total, source="store")
                return answer
        except REDIS_ERRORS as exc:
            log.warning("leaderboard store unavailable (%s): computing event %s directly",
                        exc, event_id)
    ranked = rank(info, load_lines(session, info), board)
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
    raise ValidationError(
        f"unknown board {board!r}",
        details={"board": "all, age-graded, sex:M, sex:F or cat:<category> (e.g. cat:M40)"},
    )


def _event_json(info: EventInfo) -> dict[str, Any]:
    return {"id": info.id, "competition_id": info.competition_id, "name": info.name,
            "discipline": info.discipline_code, "sex": info.sex,
            "age_category": info.age_category, "measure": info.measure.value,
            "road": info.road, "combined": info.combined, "round_id": info.round_id}


def team_standings(session: Session, event_id: int,
                   scheme: rules.PointsScheme) -> dict[str, Any]:
    """Club scores of the event's board under ``scheme``."""
    info = event_info(session, event_id)
    ranked = rank(info, load_lines(session, info))
    standings = [rules.Standing(line.entry_id, place, line.mark, ResultStatus(line.status),
                                gap, tied) for line, place, tied, gap in ranked]
    team_of = {line.entry_id: line.club for line, *_ in ranked if line.club}
    names = {line.entry_id: f"{line.first_name} {line.last_name}" for line, *_ in ranked}
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
         r.reaction_time, r.revision, r.record_flags, h.status AS heat_status, e.bib,
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
            "first_name": row.first_name, "last_name": row.last_name,
            "club": row.club_code or "", "heat_id": row.heat_id, "heat": row.heat_number,
            "place": row.place, "mark": row.mark, "status": status.value,
            "mark_text": _mark_text(row.mark, status, info),
            "net_text": (format_mark(row.net_mark, info.measure, road=info.road)
                         if row.net_mark is not None else None),
            "gap": (rules.gap_to_leader(row.mark, row.leader, info.measure)
                    if finished and row.leader is not None else None),
            "gap_text": (format_gap(row.mark, row.leader, info.measure, road=info.road)
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
    return head, rank_lines(info, load_lines(session, info))


def competition_event_ids(session: Session, competition_id: int) -> list[int]:
    return list(session.scalars(select(Event.id).where(Event.competition_id == competition_id)
                                .order_by(Event.id)))


# -- change tracking -----------------------------------------------------------------------

_TRACKED = (Result, Attempt, Heat, LaneAssignment, Entry)
_PENDING_EVENTS = "athsys_leaderboard_events"
_CHANGED_COMPETITIONS = "athsys_changed_competitions"
_tracking = False
#: Called after commit with the ids of the competitions a session inserted, changed or
#: deleted; each web app registers its public cache, and goes when its app goes.
_competition_listeners: weakref.WeakKeyDictionary[object, Callable[[set[int]], None]] = (
    weakref.WeakKeyDictionary())


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
    touched = (*session.new, *session.dirty, *session.deleted)
    competitions = {obj.id for obj in touched if isinstance(obj, Competition)}
    if competitions:
        session.info.setdefault(_CHANGED_COMPETITIONS, set()).update(competitions)
    changed = [obj for obj in touched if isinstance(obj, _TRACKED)]
    if not changed:
        return
    pending: set[int] = session.info.setdefault(_PENDING_EVENTS, set())
    with session.no_autoflush:
        for obj in changed:
            event_id = _event_of(session, obj)
            if event_id is not None and event_id not in pending:
                pending.add(event_id)
                enqueue_after_commit(session, TaskName.LEADERBOARD_REFRESH, event_id=event_id)


def _after_commit(session: Session) -> None:
    competitions: set[int] | None = session.info.pop(_CHANGED_COMPETITIONS, None)
    _forget(session)
    if not competitions:
        return
    for owner, listener in list(_competition_listeners.items()):
        try:
            listener(competitions)
        except Exception:  # the commit stands; a listener's failure is only logged
            log.exception("competition listener of %r failed", owner)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_PENDING_EVENTS, None)
    session.info.pop(_CHANGED_COMPETITIONS, None)


def on_competitions_committed(owner: object, listener: Callable[[set[int]], None]) -> None:
    """Call ``listener`` with the ids of the competitions each commit inserted, changed or
    deleted through the ORM (the public list of competitions is cached until then), for as
    long as ``owner`` lives (held weakly: ``listener`` must not refer to it)."""
    _competition_listeners[owner] = listener


def track_changes() -> None:
    """Ask for a leaderboard refresh after commit whenever a session changes a result, an
    attempt, a heat (status, wind, schedule), a lane assignment or an entry through the ORM,
    and tell the competition listeners of changed competitions (idempotent; bulk SQL
    writers such as the timing service ask for refreshes themselves)."""
    global _tracking
    if _tracking:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _forget)
    _tracking = True


def store_for(client: redis_lib.Redis | None) -> BoardStore | None:
    return BoardStore(client) if client is not None else None
