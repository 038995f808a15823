"""A committed meet for the leaderboard tests: a road 10K run today with a club team, and a
100 m heat with a start list and no results yet."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import redis as redis_lib
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Club
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import (
    HeatStatus,
)
from athsys.jobs import take_pending
from athsys.leaderboards.cache import Cache, cache_ttls
from athsys.results import service as results_service
from athsys.results.models import Result
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex


@dataclass
class Meet:
    competition_id: int
    road_event_id: int
    road_heat_id: int
    sprint_event_id: int
    sprint_heat_id: int
    road_entries: list[int]
    sprint_entries: list[int]


def build_meet(engine: Engine, runners: int = 6) -> Meet:
    today = datetime.now(UTC).date()
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        clubs = [Club(name="Harriers", code="HAR"), Club(name="Striders", code="STR")]
        session.add_all(clubs)
        competition = build.competition("City 10K", day=today, venue="Riverside")
        road = build.event(competition, "10K", sex=Sex.MALE, name="10 km road")
        sprint = build.event(competition, "100m", sex=Sex.MALE, name="100 m")
        start = datetime.now(UTC).replace(microsecond=0)
        road_heat = build.race(road, scheduled_start=start, gun_time=start,
                               status=HeatStatus.STARTED)
        sprint_heat = build.race(sprint, scheduled_start=start + timedelta(hours=1))
        road_entries = build.enter(road_heat, build.athletes([
            Runner(f"Runner{i}", f"Road{i}", Sex.MALE, club_id=clubs[i % 2].id,
                   birth_date=date(today.year - 25 - 7 * (i % 10), 1, 1)) for i in range(runners)
        ]), [str(101 + i) for i in range(runners)])
        sprint_entries = build.enter(sprint_heat, build.athletes([
            Runner(f"Sprinter{lane}", f"Fast{lane}", Sex.MALE, club_id=clubs[0].id)
            for lane in range(1, 5)
        ]), [str(200 + lane) for lane in range(1, 5)],
            seed_marks=[10_100 + lane * 10 for lane in range(1, 5)], lanes=[3, 4, 5, 6])
        meet = Meet(competition.id, road.id, road_heat.id, sprint.id, sprint_heat.id,
                    road_entries, sprint_entries)
        # no refresh jobs for the new start lists: a worker left running by another test
        # would build the boards before the test's own first refresh
        session.flush()
        take_pending(session)
    return meet


def store_result(engine: Engine, heat_id: int, entry_id: int, mark: int | None,
                 status: ResultStatus = ResultStatus.OK, *, refresh_job: bool = False) -> None:
    """Record or correct a result through the results service, and commit.

    Without ``refresh_job`` the test refreshes boards itself, and no job is sent for a
    worker that another test left running to build the board first.
    """
    with Session(engine) as session, session.begin():
        current = session.scalars(select(Result).where(
            Result.heat_id == heat_id, Result.entry_id == entry_id)).one_or_none()
        if current is None:
            results_service.record_result(session, SYSTEM, Result(
                heat_id=heat_id, entry_id=entry_id, mark=mark, status=status))
        else:
            from athsys.audit.service import snapshot

            before = snapshot(current)
            current.mark, current.status = mark, status
            results_service.correct_result(session, SYSTEM, current, before, reason="test")
        if not refresh_job:
            session.flush()
            take_pending(session)


def add_splits(engine: Engine, meet: Meet, entry_id: int, net_ms: dict[int, int]) -> None:
    """Timing points start, 5 km, finish (10 km) and the entry's splits at the given ones."""
    with engine.begin() as db:
        points = {}
        for name, distance, start, finish in (("Start", 0, True, False),
                                               ("5K", 5000, False, False),
                                               ("Finish", 10000, False, True)):
            found = db.execute(text(
                "SELECT id FROM timing_point WHERE competition_id = :c AND name = :n"),
                {"c": meet.competition_id, "n": name}).scalar()
            points[distance] = found or db.execute(text(
                "INSERT INTO timing_point (competition_id, name, distance_m, is_start, "
                "is_finish, created_at, updated_at) VALUES (:c, :n, :d, :s, :f, now(), now()) "
                "RETURNING id"),
                {"c": meet.competition_id, "n": name, "d": distance, "s": start,
                 "f": finish}).scalar_one()
        for distance, ms in net_ms.items():
            db.execute(text(
                "INSERT INTO timing_split (heat_id, entry_id, timing_point_id, gun_time_ms, "
                "net_time_ms) VALUES (:h, :e, :p, :g, :n)"),
                {"h": meet.road_heat_id, "e": entry_id, "p": points[distance], "g": ms + 4000,
                 "n": ms})


@contextmanager
def redis_gone(app: Flask) -> Iterator[None]:
    """The app's public cache, board store and live streams pointed at a closed port (Redis
    down) for the block; the real ones are put back after it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    dead = redis_lib.Redis(host="127.0.0.1", port=closed_port, socket_connect_timeout=0.5,
                           socket_timeout=0.5, decode_responses=True)
    saved_cache, saved_redis = app.extensions["athsys_public_cache"], app.extensions["athsys_redis"]
    dead_cache = Cache(dead, cache_ttls(app.config["ATHSYS_SETTINGS"]))
    app.extensions["athsys_public_cache"] = dead_cache
    app.extensions["athsys_redis"] = dead
    try:
        yield
    finally:
        app.extensions["athsys_public_cache"] = saved_cache
        app.extensions["athsys_redis"] = saved_redis
        dead_cache.close()
        dead.close()
