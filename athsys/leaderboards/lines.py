"""The lines of an event's leaderboard: what each shows, how they rank, which boards they
are on.

Redis holds only what orders the boards: per board a ZSET of entry ids by sort key, and per
line a short *signature* of what it shows (computed by PostgreSQL), which tells a changed
line from one merely read again. The lines of a page (:class:`Line`, raw integers and names)
are read from PostgreSQL by entry id when the page is read, and formatted only then
(:func:`line_json`).

Record flags (WR, NR, MR, PB, SB) are those stored on the results when their heat became
official (``Result.record_flags``, see :mod:`athsys.records.service`); combined events are
ranked by :func:`athsys.scoring.service.combined_standings`. A hand time
(``Result.hand_timed``) is shown to the tenth, rounded up, with its ``h`` ("10.2h"), and so
is its gap to the leader; lines still rank by the stored mark.

An event's board is the results of its latest round that has results (the final once it
is run). :mod:`~athsys.leaderboards.refresh` keeps the stored boards up to date,
:mod:`~athsys.leaderboards.reads` answers the public pages, :mod:`~athsys.leaderboards.tracking`
asks for refreshes when results change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, select, text, true
from sqlalchemy.orm import Session

from athsys.competitions.models import (
    Competition,
    Event,
    Heat,
    HeatStatus,
    Round,
    RoundKind,
)
from athsys.competitions.relays import legs_shown
from athsys.db import driver_rows
from athsys.errors import NotFoundError
from athsys.leaderboards import rules
from athsys.results.models import Result
from athsys.scoring.service import (
    CombinedStanding,
    age_grade_event_key,
    standings_of_events,
)
from athsys.sport.age_categories import (
    WORLD_ATHLETICS,
    age_category,
    age_on,
    category_implement,
)
from athsys.sport.age_grading import DEFAULT_EDITION, ROAD_EDITIONS
from athsys.sport.combined import combined_competition_key
from athsys.sport.conditions import mark_conditions
from athsys.sport.disciplines import DISCIPLINES, EventKind
from athsys.sport.marks import Measure, format_gap, format_mark, format_result_time, format_wind
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex

#: Rows changed this long before the watermark are read again: ``updated_at`` is the start
#: of the writing transaction, which may commit after a refresh has read past it.
WATERMARK_MARGIN = timedelta(seconds=30)

#: Rows per chunk of a full rebuild (see :class:`athsys.leaderboards.cache.BoardBuild`).
BUILD_CHUNK = 5_000

AGE_GRADED = "age-graded"

ALL = "all"

UNPLACED = "unplaced"

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
    wind_measured: bool = False
    indoor: bool = False
    altitude_m: int | None = None
    age_categories: str = WORLD_ATHLETICS  # the competition's category table
    relay: bool = False  # lines are teams, shown with their legs
    round_kind: str = ""  # the kind of the deciding round ("final"); "" without a round

    @property
    def implement(self) -> str | None:
        """The implement or barriers of the event's category ("5 kg shot")."""
        if self.mixed:
            return None
        return category_implement(self.discipline_code, self.age_category, Sex(self.sex))

    @property
    def mixed(self) -> bool:
        """Men and women on one board (an event of one sex needs no board per sex)."""
        return self.sex not in ("M", "F")

    def stored_board(self, board: str) -> str:
        """The board that holds ``board``: in an event of one sex, ``sex:<it>`` is ALL; every
        ``age-graded:<edition>`` is ``age-graded`` (see :func:`graded_edition`)."""
        if board.startswith(AGE_GRADED):
            return AGE_GRADED
        return ALL if not self.mixed and board == f"sex:{self.sex}" else board

def graded_edition(info: EventInfo, board: str) -> str | None:
    """The road-table edition ``age-graded:<edition>`` asks for, when it is not the one the
    stored board uses (only road events differ between editions); None otherwise."""
    kind, _, edition = board.partition(":")
    if kind != AGE_GRADED or edition in ("", DEFAULT_EDITION) or not info.road:
        return None
    return edition if edition in ROAD_EDITIONS else None

def event_info(session: Session, event_id: int) -> EventInfo:
    """The event and the round that decides its board; NotFoundError for an unknown id."""
    found = _board_events(session, Event.id == event_id)
    if not found:
        raise NotFoundError(f"no event {event_id}", details={"event_id": event_id})
    return found[0]

def competition_events(session: Session, competition_id: int) -> list[EventInfo]:
    """Every event of the competition, in event order, as :func:`event_info` gives each:
    one statement, however many events (a competition's exports read them all)."""
    return _board_events(session, Event.competition_id == competition_id)

def event_infos(session: Session, event_ids: Sequence[int]) -> list[EventInfo]:
    """:func:`event_info` of each known event of ``event_ids``, in event order, in one
    statement."""
    return _board_events(session, Event.id.in_(list(event_ids)))

def _board_events(session: Session, where: ColumnElement[bool]) -> list[EventInfo]:
    """The events ``where`` selects, each with its competition and the round that decides its
    board: its latest round with results, else its latest round (the final once it is run),
    found by a lateral subquery in the same statement."""
    has_results = (select(Result.id).join(Heat, Heat.id == Result.heat_id)
                   .where(Heat.round_id == Round.id).exists())
    board_round = (select(Round.id, Round.kind).where(Round.event_id == Event.id)
                   .order_by(has_results.desc(), Round.ordinal.desc()).limit(1)
                   .lateral("board_round"))
    rows = session.execute(
        select(Event, Competition, board_round.c.id, board_round.c.kind)
        .join(Competition, Competition.id == Event.competition_id)
        .outerjoin(board_round, true()).where(where).order_by(Event.id)
    ).all()
    return [_event_info(ev, competition, round_id, kind) for ev, competition, round_id, kind
            in rows]

def _event_info(ev: Event, competition: Competition, round_id: int | None,
                kind: RoundKind | None) -> EventInfo:
    code = ev.discipline_code
    disc = DISCIPLINES.get(code)
    combined = ev.kind is EventKind.COMBINED
    return EventInfo(
        id=ev.id, competition_id=competition.id, competition_name=competition.name,
        competition_day=competition.start_date, name=ev.name, discipline_code=code,
        sex=ev.sex.value, age_category=ev.age_category,
        measure=Measure.POINTS if combined else (disc.measure if disc else Measure.TIME),
        road=bool(disc and disc.kind is EventKind.ROAD), combined=combined, round_id=round_id,
        wind_measured=bool(disc and disc.wind), indoor=competition.indoor,
        altitude_m=competition.altitude_m, age_categories=competition.age_categories,
        relay=bool(disc and disc.relay), round_kind=kind.value if kind else "",
    )

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
    hand_timed: bool = False  # a hand time: published to the tenth, rounded up
    legs: tuple[str, ...] = ()  # a relay team's runners in leg order (its name is last_name)

def wind_sql(info: EventInfo) -> str:
    """The SQL of a line's wind (``r`` the result, ``h`` its heat): the result's own, else,
    for a finisher of a race where wind is measured, its heat's (a race's wind is every
    runner's, typed once on the starter's console; a field event's wind is each attempt's,
    never the flight's)."""
    if _race_wind(info):
        return "CASE WHEN r.wind IS NULL AND r.status = 'OK' THEN h.wind ELSE r.wind END"
    return "r.wind"

def _race_wind(info: EventInfo) -> bool:
    return info.wind_measured and info.measure is Measure.TIME

#: The lines of the boards decided by the rounds ``round_ids``; the wind as
#: :func:`wind_sql` says, the heat's for the rounds of ``race_wind``.
_LINES_SQL = """
SELECT h.round_id, r.entry_id, e.bib, coalesce(a.first_name, ''),
       coalesce(e.team_name, a.last_name),
       coalesce(c.code, '') AS club_code, coalesce(c.name, '') AS club_name,
       coalesce(a.sex, ev.sex), a.birth_date, r.heat_id, h.number, r.mark,
       r.status, r.net_mark,
       CASE WHEN r.wind IS NULL AND r.status = 'OK' AND h.round_id = ANY(%(race_wind)s)
            THEN h.wind ELSE r.wind END,
       r.revision, h.status = %(official)s AS official, r.record_flags, r.hand_timed
FROM result r
JOIN heat h ON h.id = r.heat_id
JOIN entry e ON e.id = r.entry_id
JOIN event ev ON ev.id = e.event_id
LEFT JOIN athlete a ON a.id = e.athlete_id
LEFT JOIN club c ON c.id = coalesce(e.club_id, a.club_id)
WHERE h.round_id = ANY(%(round_ids)s) {changed}
"""

_CHANGED = "AND (r.updated_at > %(since)s OR r.heat_id = ANY(%(heats)s))"

_ONLY = "AND r.entry_id = ANY(%(entry_ids)s)"

#: What the stored boards need of a line: its sort keys (mark, status, sex, birth date) and,
#: if its result changed within ``margin`` (only those are read again by the next
#: incremental refresh), its signature: every value a line shows of its result and heat.
_PLACINGS_SQL = """
SELECT r.entry_id, r.heat_id, coalesce(a.sex, ev.sex), a.birth_date, r.mark, r.status,
       CASE WHEN r.updated_at > now() - %(margin)s OR %(all_signatures)s THEN
         format('%%s:%%s:%%s:%%s:%%s:%%s:%%s:%%s:%%s:%%s:%%s', r.heat_id, h.number, r.mark,
                r.status, r.net_mark, r.wind, h.wind, r.revision, h.status, r.record_flags,
                r.hand_timed) END
FROM result r
JOIN heat h ON h.id = r.heat_id
JOIN entry e ON e.id = r.entry_id
JOIN event ev ON ev.id = e.event_id
LEFT JOIN athlete a ON a.id = e.athlete_id
WHERE h.round_id = %(round_id)s {changed}
{order}"""

def load_lines(session: Session, info: EventInfo, changed_since: datetime | None = None,
               changed_heats: Sequence[int] = (),
               entry_ids: Sequence[int] | None = None,
               edition: str = DEFAULT_EDITION) -> list[Line]:
    """The lines of the event's board: all of them, only those whose result changed since
    ``changed_since`` (or whose heat is in ``changed_heats``), or only those of ``entry_ids``;
    age grades from the road tables of ``edition``."""
    return _load(session, [info], changed_since=changed_since, changed_heats=changed_heats,
                 entry_ids=entry_ids, edition=edition)[info.id]

def competition_lines(session: Session, infos: Sequence[EventInfo],
                      standings: Mapping[int, list[CombinedStanding]] | None = None
                      ) -> dict[int, list[Line]]:
    """Every line of the boards of ``infos`` (a competition's events, see
    :func:`competition_events`) by event id, in a fixed number of statements however many
    events: one for the results of every board, one for the relay teams' legs, and the
    combined events' boards together (:func:`_combined_lines`; from ``standings``, those of
    :func:`combined_standings_of`, when the caller has them)."""
    return _load(session, infos, standings=standings)

def combined_standings_of(session: Session, infos: Sequence[EventInfo]
                       ) -> dict[int, list[CombinedStanding]]:
    """The standings of the combined events of ``infos`` by event id, read together."""
    return standings_of_events(session, {
        info.id: combined_competition_key(info.discipline_code, Sex(info.sex))
        for info in infos if info.combined})

def _load(session: Session, infos: Sequence[EventInfo], *,
          changed_since: datetime | None = None, changed_heats: Sequence[int] = (),
          entry_ids: Sequence[int] | None = None, edition: str = DEFAULT_EDITION,
          standings: Mapping[int, list[CombinedStanding]] | None = None
          ) -> dict[int, list[Line]]:
    lines: dict[int, list[Line]] = {info.id: [] for info in infos}
    combined = [info for info in infos if info.combined]
    if combined:
        wanted = set(entry_ids) if entry_ids is not None else None
        for event_id, found in _combined_lines(session, combined, standings).items():
            lines[event_id] = (found if wanted is None
                               else [line for line in found if line.entry_id in wanted])
    boards = {info.round_id: info for info in infos
              if not info.combined and info.round_id is not None}
    if boards:
        _read_lines(session, boards, lines, changed_since, changed_heats, entry_ids, edition)
    relays = [info.id for info in infos if info.relay and lines[info.id]]
    if relays:
        teams = [line for event_id in relays for line in lines[event_id]]
        legs = legs_shown(session, [line.entry_id for line in teams],
                          {line.entry_id: line.heat_id for line in teams})
        for event_id in relays:
            lines[event_id] = [line._replace(legs=legs.get(line.entry_id, ()))
                               for line in lines[event_id]]
    return lines

def _read_lines(session: Session, boards: dict[int, EventInfo], lines: dict[int, list[Line]],
                changed_since: datetime | None, changed_heats: Sequence[int],
                entry_ids: Sequence[int] | None, edition: str) -> None:
    """Append to ``lines`` the lines of the boards decided by the rounds of ``boards`` (round
    id -> its event), read in one statement."""
    params: dict[str, Any] = {
        "round_ids": list(boards), "official": HeatStatus.OFFICIAL.value,
        "race_wind": [round_id for round_id, info in boards.items() if _race_wind(info)],
        "since": changed_since, "heats": list(changed_heats),
        "entry_ids": list(entry_ids or ())}
    where = (_ONLY if entry_ids is not None else "") + (_CHANGED if changed_since else "")
    rows = driver_rows(session, _LINES_SQL.format(changed=where), params)
    # per round: the day ages are taken on, its category table, its age-grading column, its
    # event's lines and the ages found (one lookup per birth date, not per line)
    known_ages: dict[tuple[date, str], dict[tuple[str, date | None], tuple[int | None, str]]] = {}
    readers = {
        round_id: (info.competition_day, info.age_categories,
                   age_grade_event_key(info.discipline_code), lines[info.id].append,
                   known_ages.setdefault((info.competition_day, info.age_categories), {}))
        for round_id, info in boards.items()}
    grade_of = rules.grade_hundredths
    for (round_id, entry_id, bib, first, last, club, club_name, sex, birth, heat_id, heat, mark,
         status, net_mark, wind, revision, official, flags, hand) in rows:
        day, categories, grade_key, append, ages = readers[round_id]
        known = ages.get((sex, birth))
        if known is None:
            known = ages[(sex, birth)] = (
                age_on(birth, day) if birth is not None else None,
                age_category(sex, birth, day, categories))
        age, category = known
        grade = (grade_of(sex, age, grade_key, mark, edition)
                 if grade_key is not None and age is not None and mark is not None
                 and status == _OK else None)
        append(Line(entry_id, bib, first, last, club, club_name, sex, category, heat_id, heat,
                    mark, status, net_mark, wind, revision, official, flags or [], grade,
                    bool(hand)))

def _combined_lines(session: Session, infos: Sequence[EventInfo],
                    standings: Mapping[int, list[CombinedStanding]] | None = None
                    ) -> dict[int, list[Line]]:
    """The boards of combined events by event id: each all-rounder's points total so far
    (scoring service, unless ``standings`` gives them); those without a score yet are left
    off. Every event's standings, its athletes and whether its heats are official are read
    together."""
    if standings is None:
        standings = combined_standings_of(session, infos)
    placed = {event_id: [s for s in found if s.place is not None]
              for event_id, found in standings.items()}
    entry_ids = [s.entry_id for found in placed.values() for s in found]
    if not entry_ids:
        return {info.id: [] for info in infos}
    people = {row.id: row for row in session.execute(text(
        "SELECT e.id, a.first_name, a.last_name, a.sex, a.birth_date, "
        "coalesce(c.code, '') AS club, coalesce(c.name, '') AS club_name "
        "FROM entry e JOIN athlete a ON a.id = e.athlete_id LEFT JOIN club c ON c.id = a.club_id "
        "WHERE e.id = ANY(:ids)"), {"ids": entry_ids})}
    official = dict(session.execute(text(
        "SELECT r.event_id, bool_and(h.status = :official) FROM heat h "
        "JOIN round r ON r.id = h.round_id WHERE r.event_id = ANY(:events) "
        "GROUP BY r.event_id"),
        {"events": [info.id for info in infos], "official": HeatStatus.OFFICIAL.value}).all())
    out: dict[int, list[Line]] = {}
    for info in infos:
        lines = []
        done = bool(official.get(info.id))
        for standing in placed.get(info.id, ()):
            p = people[standing.entry_id]
            lines.append(Line(
                standing.entry_id, standing.bib, p.first_name, p.last_name, p.club,
                p.club_name, p.sex, age_category(p.sex, p.birth_date, info.competition_day,
                                                 info.age_categories), None, None,
                standing.total, _OK, None, None, 1, done, [], None))
        out[info.id] = lines
    return out

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

#: entry id, heat id, signature (None: not needed, see :func:`placing_chunks`),
#: board -> sort key
Placing = tuple[int, int | None, str | None, dict[str, int]]

def placings(session: Session, info: EventInfo, changed_since: datetime | None = None,
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
    for line in _combined_lines(session, [info])[info.id]:
        yield line.entry_id, None, _signature(line), boards_of(line, info.measure, info.mixed)

def placing_chunks(session: Session, info: EventInfo) -> Iterator[list[Placing]]:
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
                age_category(sex, birth, day, info.age_categories))
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
        "name": f"{line.first_name} {line.last_name}".strip(), "first_name": line.first_name,
        "last_name": line.last_name, "club": line.club, "club_name": line.club_name,
        "sex": line.sex, "category": line.category, "heat_id": line.heat_id, "heat": line.heat,
        "mark": line.mark, "status": line.status, "net_mark": line.net_mark,
        "wind": format_wind(line.wind) if line.wind is not None else None,
        "revision": line.revision, "official": line.official, "records": list(line.records),
        "conditions": list(mark_conditions(
            wind=line.wind, wind_measured=info.wind_measured, indoor=info.indoor,
            altitude_m=info.altitude_m)) if status is ResultStatus.OK else [],
        "grade": f"{grade // 100}.{grade % 100:02d}" if grade is not None else None,
        "mark_text": mark_text(line.mark, status, info, hand=line.hand_timed),
        "net_text": (format_mark(line.net_mark, info.measure, road=info.road)
                     if line.net_mark is not None else None),
        "hand_timed": line.hand_timed, "legs": list(line.legs),
        "place": place, "tied": tied, "gap": gap,
        "gap_text": _gap_text(line.mark, gap, info, hand=line.hand_timed),
    }

def _gap_text(mark: int | None, gap: int | None, info: EventInfo, *, hand: bool = False) -> str:
    """``gap`` (the difference of sort keys, in the mark's unit) in the sport's notation;
    a hand time's gap to the tenth."""
    if mark is None or not gap:
        return ""
    leader = mark + gap if info.measure.higher_is_better else mark - gap
    return format_gap(mark, leader, info.measure, road=info.road, hand=hand)

def mark_text(mark: int | None, status: ResultStatus, info: EventInfo, *,
              hand: bool = False) -> str:
    """The mark as published, or the status; a hand time as ``"10.2h"``."""
    if status is not ResultStatus.OK or mark is None:
        return status.value
    return format_result_time(mark, info.measure, road=info.road, hand=hand)

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
