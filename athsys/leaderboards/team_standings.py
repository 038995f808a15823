"""A competition's team standings under its stored scheme: computed by the leaderboard worker
after each refresh (:func:`compute`) and kept in Redis (:func:`store`), read by the public API
and the live page (:func:`stored`).

Every event of the competition counts with its deciding round's board, except relay events
when the scheme leaves relays out; clubs are the teams (an entry's athlete's club).
"""

from __future__ import annotations

import json
from typing import Any

import redis as redis_lib
from sqlalchemy import select
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition, Event
from athsys.errors import NotFoundError
from athsys.leaderboards import teams
from athsys.leaderboards.lines import event_info, load_lines, rank
from athsys.leaderboards.team_scheme import cross_country_totals, points_totals, totals_json
from athsys.sport.team_schemes import (
    CROSS_COUNTRY,
    is_relay,
    parse_team_scheme,
)

_KEY = "athsys:teams:{}"
TTL_S = 24 * 3600


def compute(session: Session, competition_id: int) -> dict[str, Any]:
    """The standings (``teams`` summed, and each event's ``events[].teams``); ``scheme`` is
    ``None`` and both lists empty when the competition scores no teams."""
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    if competition.team_scheme is None:
        return {"competition_id": competition_id, "scheme": None, "teams": [], "events": []}
    scheme = parse_team_scheme(competition.team_scheme)
    events = session.scalars(select(Event).where(Event.competition_id == competition_id)
                             .order_by(Event.id)).all()
    per_event: list[dict[str, Any]] = []
    points_inputs = []
    xc_inputs = []
    for event in events:
        if is_relay(event.discipline_code) and not scheme.relays:
            continue
        info = event_info(session, event.id)
        if info.round_id is None:
            continue
        ranked = rank(info, load_lines(session, info))
        standings, team_of = teams.board_standings(ranked)
        if scheme.scoring == CROSS_COUNTRY:
            order = [line.entry_id for line, place, *_ in ranked if place is not None]
            xc = teams.cross_country_scores(order, team_of, teams.CrossCountryScheme(
                scheme.scorers or 4, scheme.displacers))
            xc_inputs.append(xc)
            rows = [{"team": t.team, "place": t.place, "points": t.points} for t in xc]
        else:
            scores = teams.team_scores(standings, team_of,
                                       teams.PointsScheme(scheme.points, scheme.scorers))
            points_inputs.append((scores, {s.entry_id: s.place for s in standings
                                           if s.place is not None}))
            rows = [{"team": t.team, "place": t.place, "points": teams.format_points(t.points)}
                    for t in scores]
        if rows:
            per_event.append({"event_id": event.id, "name": event.name, "teams": rows})
    totals = (cross_country_totals(xc_inputs, scheme.scorers or 4)
              if scheme.scoring == CROSS_COUNTRY else points_totals(points_inputs))
    return {"competition_id": competition_id, "scheme": scheme.as_json(),
            "teams": totals_json(totals), "events": per_event}


def store(client: redis_lib.Redis, competition_id: int, standings: dict[str, Any]) -> None:
    client.set(_KEY.format(competition_id), json.dumps(standings, separators=(",", ":")),
               ex=TTL_S)


def stored(client: redis_lib.Redis, competition_id: int) -> dict[str, Any] | None:
    """What the worker stored last, or ``None`` (none yet, or expired)."""
    raw = client.get(_KEY.format(competition_id))
    return None if raw is None else json.loads(raw)  # type: ignore[no-any-return]
