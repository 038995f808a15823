"""Helpers of the timing ingestion tests: a committed road race and a track heat with
devices and their tokens, passings, waiting for the worker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.jobs import discard_pending
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from athsys.timing import batches, devices
from athsys.timing import service as timing_service
from athsys.timing.models import ChipAssignment, DeviceKind, MatRole, TimingDevice, TimingPoint

PARIS = ZoneInfo("Europe/Paris")
RACE_DAY = date(2025, 10, 12)
GUN = datetime(2025, 10, 12, 9, 0, 0, tzinfo=PARIS)
RUNNERS = 6
SPRINTERS = 8


@dataclass
class Race:
    competition_id: int
    other_competition_id: int
    road_event_id: int
    road_heat_id: int
    sprint_event_id: int
    sprint_heat_id: int
    entries: list[int]  # road entries, bib 101.., chip C101..
    sprint_entries: list[int]  # bib 201.., lanes 1..8
    points: dict[str, int]
    tokens: dict[str, str] = field(default_factory=dict)  # device name -> token
    device_ids: dict[str, int] = field(default_factory=dict)


def at(seconds: float) -> str:
    """ISO timestamp ``seconds`` after the gun (millisecond precision)."""
    moment = GUN + timedelta(milliseconds=round(seconds * 1000))
    return moment.isoformat(timespec="milliseconds")


def passing(read_id: str, chip: str, seconds: float, **extra: Any) -> dict[str, Any]:
    return {"read_id": read_id, "chip": chip, "timestamp": at(seconds), **extra}


def dumps(items: list[dict[str, Any]]) -> bytes:
    return json.dumps(items).encode()


def build_race(engine: Engine) -> Race:
    with Session(engine) as session, session.begin():
        club = Club(name="Timing Club", code="TC", country="FRA")
        competition = Competition(name="Paris 10K", venue="Paris", start_date=RACE_DAY,
                                  end_date=RACE_DAY, time_zone="Europe/Paris")
        other = Competition(name="Other meet", venue="Lyon", start_date=RACE_DAY,
                            end_date=RACE_DAY, time_zone="Europe/Paris")
        road = Event(competition=competition, discipline_code="10K", name="10 km",
                     sex=Sex.MALE, kind=discipline("10K").kind)
        sprint = Event(competition=competition, discipline_code="100m", name="100 m",
                       sex=Sex.MALE, kind=discipline("100m").kind)
        road_heat = Heat(round=Round(event=road, kind=RoundKind.FINAL, ordinal=1), number=1,
                         scheduled_start=GUN, gun_time=GUN)
        sprint_heat = Heat(round=Round(event=sprint, kind=RoundKind.FINAL, ordinal=1), number=1,
                           scheduled_start=GUN + timedelta(hours=3))
        session.add_all([club, competition, other, road, sprint, road_heat, sprint_heat])
        points = {
            "start": TimingPoint(competition=competition, name="start", distance_m=0,
                                 is_start=True),
            "5k": TimingPoint(competition=competition, name="5k", distance_m=5000),
            "finish": TimingPoint(competition=competition, name="finish", distance_m=10000,
                                  is_finish=True),
        }
        session.add_all(points.values())
        session.add(TimingPoint(competition=other, name="finish", distance_m=100, is_finish=True))
        session.flush()
        entries, sprint_entries = [], []
        for i in range(RUNNERS):
            athlete = Athlete(first_name=f"Runner{i}", last_name=f"Road{i}", sex=Sex.MALE,
                              club=club)
            entry = Entry(event=road, competition_id=competition.id, athlete=athlete,
                          bib=str(101 + i))
            session.add(entry)
            session.flush()
            session.add(LaneAssignment(heat=road_heat, entry=entry, lane=None, position=i + 1))
            session.add(ChipAssignment(competition_id=competition.id, chip=f"C{101 + i}",
                                       entry_id=entry.id,
                                       valid_from=datetime(2025, 10, 1, tzinfo=UTC)))
            entries.append(entry.id)
        for lane in range(1, SPRINTERS + 1):
            athlete = Athlete(first_name=f"Sprinter{lane}", last_name=f"Fast, {lane}",
                              sex=Sex.MALE, club=club)
            entry = Entry(event=sprint, competition_id=competition.id, athlete=athlete,
                          bib=str(200 + lane))
            session.add(entry)
            session.flush()
            session.add(LaneAssignment(heat=sprint_heat, entry=entry, lane=lane, position=lane))
            sprint_entries.append(entry.id)
        session.flush()
        race = Race(competition.id, other.id, road.id, road_heat.id, sprint.id, sprint_heat.id,
                    entries, sprint_entries, {name: p.id for name, p in points.items()})
        for name, kind, point, role, competition_id in (
            ("finish", DeviceKind.CHIP_DECODER, "finish", MatRole.PRIMARY, competition.id),
            ("finish-backup", DeviceKind.CHIP_DECODER, "finish", MatRole.BACKUP, competition.id),
            ("start", DeviceKind.CHIP_DECODER, "start", MatRole.PRIMARY, competition.id),
            ("5k", DeviceKind.CHIP_DECODER, "5k", MatRole.PRIMARY, competition.id),
            ("camera", DeviceKind.PHOTO_FINISH, None, MatRole.PRIMARY, competition.id),
            ("other", DeviceKind.CHIP_DECODER, None, MatRole.PRIMARY, other.id),
            ("other-camera", DeviceKind.PHOTO_FINISH, None, MatRole.PRIMARY, other.id),
        ):
            issued = devices.create_device(
                session, SYSTEM, competition_id=competition_id, name=name, kind=kind,
                timing_point_id=race.points[point] if point else None, mat_role=role,
            )
            race.tokens[name] = issued.token
            race.device_ids[name] = issued.device.id
    return race


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def wait_for(predicate: Callable[[], bool], timeout_s: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def scalar(engine: Engine, query: Any) -> Any:
    with Session(engine) as session:
        return session.scalar(query)


def rows(engine: Engine, query: Any) -> list[Any]:
    with Session(engine) as session:
        return list(session.execute(query).all())


def store_waiting(engine: Engine, race: Race, device: str, items: list[dict[str, Any]]) -> int:
    """Store a batch as ``device`` without sending its processing job: it waits until the
    test processes it (no worker of the session can take it first)."""
    with Session(engine) as session, session.begin():
        found = session.get(TimingDevice, race.device_ids[device])
        assert found is not None
        receipt = timing_service.receive_passings(session, found, dumps(items), max_lines=100)
        discard_pending(session)
        return receipt.batch_id


def process_pending(engine: Engine) -> None:
    """Process every unfinished batch in this process, as the worker would (in order).

    A test worker of the session may be running and take some batches first: processing is
    idempotent, so whoever claims a batch processes it; this waits until all are done.
    """
    from athsys.timing.models import ReadBatch

    def unfinished() -> list[int]:
        with Session(engine) as session:
            return list(session.scalars(
                select(ReadBatch.id).where(ReadBatch.status.in_(["pending", "processing"]))
                .order_by(ReadBatch.id)
            ))

    for batch_id in unfinished():
        with Session(engine) as session, session.begin():
            batches.claim_batch(session, batch_id)
        with Session(engine) as session, session.begin():
            timing_service.process_batch(session, batch_id)
    wait_for(lambda: not unfinished(), what="all batches processed")


def result_of(engine: Engine, heat_id: int, entry_id: int) -> Any:
    from athsys.results.models import Result

    with Session(engine) as session:
        return session.scalars(
            select(Result).where(Result.heat_id == heat_id, Result.entry_id == entry_id)
        ).one_or_none()
