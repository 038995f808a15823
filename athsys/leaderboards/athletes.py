"""Finding and following one athlete on the live pages: search by bib or name within a
competition, and an entry's tracking (every split as it arrives, the predicted finish from
the pace so far).

The prediction is the pace so far held to the finish: the net (chip) time at the furthest
split crossed, scaled by the finish distance over that split's distance, in whole
milliseconds, rounded up as road times are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from athsys.athletes.models import Club
from athsys.competitions.competitors import FIRST_NAME, LAST_NAME, join_competitor
from athsys.competitions.models import Entry, Event, Heat, LaneAssignment
from athsys.competitions.relay_rules import leg_times
from athsys.errors import NotFoundError, ValidationError
from athsys.leaderboards.lines import event_info
from athsys.results.models import Result
from athsys.sport.marks import Measure, format_mark
from athsys.timing.models import TimingPoint, TimingSplit

MAX_QUERY_LENGTH = 40
MAX_HITS = 20
_MS_PER_KM_UNIT = 1000


def check_query(query: str) -> str:
    """The search text, stripped; 400 when it is empty or longer than the limit."""
    stripped = " ".join(query.split())
    if not stripped:
        raise ValidationError("q must name a bib or part of a name", details={"q": query})
    if len(stripped) > MAX_QUERY_LENGTH:
        raise ValidationError(f"q must be at most {MAX_QUERY_LENGTH} characters",
                              details={"q": query[:MAX_QUERY_LENGTH] + "…"})
    return stripped


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_entries(session: Session, competition_id: int, query: str,
                   limit: int = MAX_HITS) -> list[dict[str, Any]]:
    """Entries of the competition whose bib is ``query`` (or starts with it), or whose
    athlete's name contains every word of it; exact bibs first, then by name; at most
    ``limit``."""
    text = check_query(query)
    words = text.split(" ")
    by_name = [or_(FIRST_NAME.ilike(_like(word), escape="\\"),
                   LAST_NAME.ilike(_like(word), escape="\\")) for word in words]
    exact_bib = Entry.bib == text
    rows = session.execute(
        join_competitor(select(Entry.id, Entry.bib, Entry.event_id, FIRST_NAME, LAST_NAME,
                               Club.code, Event.name))
        .join(Event, Event.id == Entry.event_id)
        .where(Entry.competition_id == competition_id)
        .where(or_(exact_bib, Entry.bib.startswith(text, autoescape=True), and_(*by_name)))
        .order_by(exact_bib.desc(), func.length(cast(Entry.bib, String)), LAST_NAME,
                  FIRST_NAME, Entry.id)
        .limit(min(limit, MAX_HITS))
    ).all()
    return [{"entry_id": entry_id, "bib": bib, "event_id": event_id,
             "name": f"{first} {last}".strip(), "club": club or "", "event": event}
            for entry_id, bib, event_id, first, last, club, event in rows]


def _legs(session: Session, entry: Entry, gun_splits: dict[int, int],
          shown: Callable[[int | None], str | None]) -> list[dict[str, Any]]:
    """A relay team's legs: each runner with the distance and the time of their leg, from
    the team's splits at the handovers (the chips of every runner are the team's)."""
    relay = entry.event.discipline
    if not relay.relay:
        return []
    runners = {leg.leg: leg.athlete.full_name for leg in entry.legs if leg.leg is not None}
    times = leg_times(relay.legs_m, gun_splits)
    return [{"leg": n, "name": runners.get(n), "distance_m": metres, "time": shown(time)}
            for n, (metres, time) in enumerate(zip(relay.legs_m, times, strict=True), start=1)]


def predicted_finish_ms(split_distance_m: int, split_time_ms: int,
                        finish_distance_m: int) -> int:
    """The finish time at the pace so far: ``split_time * finish / split``, rounded up to
    the millisecond (integers only)."""
    if split_distance_m <= 0 or split_time_ms < 0 or finish_distance_m < split_distance_m:
        raise ValueError("a split before the finish, with a distance and a time, is needed")
    return -(-split_time_ms * finish_distance_m // split_distance_m)


def pace_per_km_ms(distance_m: int, time_ms: int) -> int:
    """Time per kilometre so far, rounded up to the millisecond."""
    return -(-time_ms * _MS_PER_KM_UNIT // distance_m)


def tracking(session: Session, competition_id: int, entry_id: int) -> dict[str, Any]:
    """One entry as it runs: who, the event, each split crossed (gun and net time, pace),
    the result once there is one, and the predicted finish while there is none."""
    entry = session.scalar(
        select(Entry).where(Entry.id == entry_id, Entry.competition_id == competition_id))
    if entry is None:
        raise NotFoundError(f"no entry {entry_id} in competition {competition_id}",
                            details={"entry_id": entry_id})
    club = entry.club if entry.athlete is None else entry.athlete.club
    info = event_info(session, entry.event_id)
    road = info.road

    def shown(ms: int | None) -> str | None:
        return None if ms is None else format_mark(ms, Measure.TIME, road=road)

    heat_id = session.scalar(
        select(LaneAssignment.heat_id).join(Heat, Heat.id == LaneAssignment.heat_id)
        .where(LaneAssignment.entry_id == entry_id).order_by(Heat.id.desc()).limit(1))
    rows = [] if heat_id is None else session.execute(
        select(TimingPoint.name, TimingPoint.distance_m, TimingPoint.is_finish,
               TimingSplit.gun_time_ms, TimingSplit.net_time_ms)
        .join(TimingSplit, TimingSplit.timing_point_id == TimingPoint.id)
        .where(TimingSplit.heat_id == heat_id, TimingSplit.entry_id == entry_id,
               TimingPoint.is_start.is_(False))
        .order_by(TimingPoint.distance_m)).all()
    splits = []
    for name, distance_m, is_finish, gun_ms, net_ms in rows:
        time_ms = net_ms if net_ms is not None else gun_ms
        splits.append({
            "point": name, "distance_m": distance_m, "finish": is_finish,
            "gun_time": shown(gun_ms), "net_time": shown(net_ms),
            "pace_per_km": (format_mark(pace_per_km_ms(distance_m, time_ms), Measure.TIME,
                                        road=True)
                            if time_ms is not None and distance_m > 0 else None),
        })
    result = None if heat_id is None else session.execute(
        select(Result.mark, Result.status, Result.place)
        .where(Result.heat_id == heat_id, Result.entry_id == entry_id)).one_or_none()
    finish_m = session.scalar(
        select(TimingPoint.distance_m).where(TimingPoint.competition_id == competition_id,
                                             TimingPoint.is_finish.is_(True)).limit(1))
    predicted = None
    last = next((row for row in reversed(rows) if not row[2] and row[1] > 0
                 and (row[4] if row[4] is not None else row[3]) is not None), None)
    if result is None and last is not None and finish_m and finish_m >= last[1]:
        last_ms = last[4] if last[4] is not None else last[3]
        predicted = shown(predicted_finish_ms(last[1], last_ms, finish_m))
    return {
        "entry_id": entry.id, "bib": entry.bib, "name": entry.competitor_name,
        "club": club.code if club else "",
        "legs": _legs(session, entry, {row[1]: row[3] for row in rows if row[3] is not None},
                      shown),
        "event": {"id": info.id, "name": info.name}, "heat_id": heat_id,
        "finish_distance_m": finish_m, "splits": splits,
        "result": None if result is None else {
            "mark": shown(result.mark) if result.mark is not None else None,
            "status": result.status.value, "place": result.place},
        "predicted_finish": predicted,
    }
