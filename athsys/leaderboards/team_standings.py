"""A competition's team standings under its stored scheme: kept up to date by the leaderboard
worker after each refresh (:func:`update`), read by the public API and the live page
(:func:`stored`), computed whole where no worker has stored them (:func:`compute`).

Every event of the competition counts with its deciding round's board, except relay events
when the scheme leaves relays out; clubs are the teams (an entry's athlete's club).

Why per event: a refresh changes one event, yet summing the standings needs every event's team
points, and ranking a big road race again (55,000 lines) on each refresh of any event of the
meet took the worker's time. Each event's part (its team scores, with what the totals' tie
rules need) is kept in a Redis hash, marked with the scheme it was computed under; a refresh
computes its own event's part again, and any part that is missing or was computed under an
older scheme, then sums the stored parts. :func:`compute` sums the same parts computed afresh,
so both give the same standings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import redis as redis_lib
from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition, Event
from athsys.errors import NotFoundError
from athsys.leaderboards import teams
from athsys.leaderboards.lines import (
    EventInfo,
    Line,
    competition_lines,
    event_infos,
    rank,
)
from athsys.leaderboards.team_scheme import cross_country_totals, points_totals, totals_json
from athsys.sport.team_schemes import (
    CROSS_COUNTRY,
    TeamScheme,
    is_relay,
    parse_team_scheme,
)

_KEY = "athsys:teams:{}"
_PARTS_KEY = "athsys:teams:{}:events"  # hash: event id -> that event's part (JSON)
TTL_S = 24 * 3600
_SUM_ATTEMPTS = 5

Part = dict[str, Any]  # one event's part, as stored (see _event_part)


@dataclass(frozen=True)
class Update:
    standings: dict[str, Any]
    computed: tuple[int, ...]  # the events whose part was computed again, the others read


def compute(session: Session, competition_id: int) -> dict[str, Any]:
    """The standings (``teams`` summed, and each event's ``events[].teams``); ``scheme`` is
    ``None`` and both lists empty when the competition scores no teams."""
    competition = _competition(session, competition_id)
    if competition.team_scheme is None:
        return _unscored(competition_id)
    scheme = parse_team_scheme(competition.team_scheme)
    events = _events(session, competition_id)
    return _summed(competition_id, scheme, events, _event_parts(session, scheme, events))


def update(session: Session, client: redis_lib.Redis, competition_id: int,
           event_ids: Iterable[int]) -> Update:
    """Compute the parts of the refreshed ``event_ids`` again (and of any event whose part is
    missing or was computed under another scheme), keep them, sum every event's part and
    store the standings for :func:`stored`."""
    competition = _competition(session, competition_id)
    parts_key = _PARTS_KEY.format(competition_id)
    if competition.team_scheme is None:
        client.delete(parts_key)
        standings = _unscored(competition_id)
        store(client, competition_id, standings)
        return Update(standings, ())
    scheme = parse_team_scheme(competition.team_scheme)
    events = _events(session, competition_id)
    refreshed = set(event_ids)
    kept = _read_parts(client.hgetall(parts_key))
    fingerprint = _fingerprint(scheme)
    stale = [event for event in events if event.id in refreshed or event.id not in kept
             or kept[event.id].get("scheme") != fingerprint]
    fresh = _event_parts(session, scheme, stale)
    if fresh:
        with client.pipeline() as pipe:
            pipe.hset(parts_key, mapping={str(i): json.dumps(p, separators=(",", ":"))
                                          for i, p in fresh.items()})
            pipe.expire(parts_key, TTL_S)
            pipe.execute()
    standings = _store_sum(client, competition_id, scheme, events, fresh)
    return Update(standings, tuple(event.id for event in stale))


def store(client: redis_lib.Redis, competition_id: int, standings: dict[str, Any]) -> None:
    client.set(_KEY.format(competition_id), json.dumps(standings, separators=(",", ":")),
               ex=TTL_S)


def stored(client: redis_lib.Redis, competition_id: int) -> dict[str, Any] | None:
    """What the worker stored last, or ``None`` (none yet, or expired)."""
    raw = client.get(_KEY.format(competition_id))
    return None if raw is None else json.loads(raw)  # type: ignore[no-any-return]


# -- one event's part ------------------------------------------------------------------------
def _event_parts(session: Session, scheme: TeamScheme, events: Sequence[Event]
                 ) -> dict[int, Part]:
    """The parts of ``events``, their boards read together (a fixed number of statements
    however many events: :func:`athsys.leaderboards.lines.competition_lines`)."""
    if not events:
        return {}
    infos = event_infos(session, [event.id for event in events])
    scored = [info for info in infos if info.round_id is not None
              and (scheme.relays or not is_relay(info.discipline_code))]
    lines = competition_lines(session, scored)
    return {info.id: _event_part(scheme, info, lines.get(info.id)) for info in infos}


def _event_part(scheme: TeamScheme, info: EventInfo, lines: Sequence[Line] | None) -> Part:
    """The event's team rows as shown, and what summing needs: for points, each team's
    points, scorers and the scorers' places (the tie rule counts first places, then seconds);
    for cross-country, each team's place, points and team places. ``counted`` is false for an
    event the standings leave out (a relay the scheme does not count, no round yet: no
    ``lines`` read)."""
    part: Part = {"scheme": _fingerprint(scheme), "counted": False, "teams": [], "scores": []}
    if lines is None:
        return part
    ranked = rank(info, lines)
    standings, team_of = teams.board_standings(ranked)
    part["counted"] = True
    if scheme.scoring == CROSS_COUNTRY:
        order = [line.entry_id for line, place, *_ in ranked if place is not None]
        xc = teams.cross_country_scores(order, team_of, teams.CrossCountryScheme(
            scheme.scorers or 4, scheme.displacers))
        part["teams"] = [{"team": t.team, "place": t.place, "points": t.points} for t in xc]
        part["scores"] = [[t.team, t.place, t.points, list(t.team_places), list(t.runners)]
                          for t in xc]
        return part
    scores = teams.team_scores(standings, team_of,
                               teams.PointsScheme(scheme.points, scheme.scorers))
    place_of = {s.entry_id: s.place for s in standings if s.place is not None}
    part["teams"] = [{"team": t.team, "place": t.place, "points": teams.format_points(t.points)}
                     for t in scores]
    part["scores"] = [[t.team, t.place, str(t.points), list(t.scorers),
                       [place_of.get(e) for e in t.scorers]] for t in scores]
    return part


# -- the sum -----------------------------------------------------------------------------------
def _summed(competition_id: int, scheme: TeamScheme, events: Sequence[Event],
            parts: Mapping[int, Part]) -> dict[str, Any]:
    """The standings of the events' parts, in event order (an event without a part adds
    nothing)."""
    per_event: list[dict[str, Any]] = []
    points_inputs: list[tuple[list[teams.TeamScore], dict[int, int]]] = []
    xc_inputs: list[list[teams.CrossCountryTeam]] = []
    for event in events:
        part = parts.get(event.id)
        if part is None or not part["counted"]:
            continue
        if scheme.scoring == CROSS_COUNTRY:
            xc_inputs.append([teams.CrossCountryTeam(team, place, points, tuple(places),
                                                     tuple(runners))
                              for team, place, points, places, runners in part["scores"]])
        else:
            scores: list[teams.TeamScore] = []
            place_of: dict[int, int] = {}
            for team, place, points, scorers, places in part["scores"]:
                scores.append(teams.TeamScore(team, place, Fraction(points), tuple(scorers)))
                place_of.update({e: p for e, p in zip(scorers, places, strict=True)
                                 if p is not None})
            points_inputs.append((scores, place_of))
        if part["teams"]:
            per_event.append({"event_id": event.id, "name": event.name,
                              "teams": part["teams"]})
    totals = (cross_country_totals(xc_inputs, scheme.scorers or 4)
              if scheme.scoring == CROSS_COUNTRY else points_totals(points_inputs))
    return {"competition_id": competition_id, "scheme": scheme.as_json(),
            "teams": totals_json(totals), "events": per_event}


def _store_sum(client: redis_lib.Redis, competition_id: int, scheme: TeamScheme,
               events: Sequence[Event], fresh: Mapping[int, Part]) -> dict[str, Any]:
    """Sum the stored parts and store the standings, watching the parts: two workers
    refreshing two events at once each sum what the other kept, and the last to store has
    seen both (a part changed while summing sums again)."""
    parts_key = _PARTS_KEY.format(competition_id)
    fingerprint = _fingerprint(scheme)
    for _ in range(_SUM_ATTEMPTS):
        with client.pipeline() as pipe:
            try:
                pipe.watch(parts_key)
                kept = _read_parts(pipe.hgetall(parts_key))
                # a part another worker stored under an older scheme is not summed
                parts = {i: p for i, p in kept.items() if p.get("scheme") == fingerprint}
                parts.update(fresh)
                standings = _summed(competition_id, scheme, events, parts)
                pipe.multi()
                pipe.set(_KEY.format(competition_id),
                         json.dumps(standings, separators=(",", ":")), ex=TTL_S)
                pipe.execute()
                return standings
            except redis_lib.WatchError:
                continue
    # parts kept changing under us: the other workers store their sums after this one
    return standings


# -- helpers -----------------------------------------------------------------------------------
def _competition(session: Session, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    return competition


def _events(session: Session, competition_id: int) -> list[Event]:
    return list(session.scalars(select(Event).where(Event.competition_id == competition_id)
                                .order_by(Event.id)).all())


def _unscored(competition_id: int) -> dict[str, Any]:
    return {"competition_id": competition_id, "scheme": None, "teams": [], "events": []}


def _fingerprint(scheme: TeamScheme) -> str:
    return json.dumps(scheme.as_json(), sort_keys=True, separators=(",", ":"))


def _read_parts(raw: Mapping[Any, Any]) -> dict[int, Part]:
    return {int(key): json.loads(value) for key, value in raw.items()}
