"""A synthetic road race for demos and load tests: runners, chips, timing points, and the
passings their decoders would send, reproducible from a seed.

:func:`race_passings` is pure (integers and ``random.Random(seed)``); :func:`setup_race`
writes the competition, its timing points, the runners with chips and bibs, one heat with
its gun and one chip decoder into a session (the caller commits) and returns the token.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.errors import ValidationError
from athsys.inputs import whole_number
from athsys.sport.sex import Sex
from athsys.timing.devices import create_device
from athsys.timing.models import ChipAssignment, DeviceKind, TimingPoint

DEFAULT_POINTS = (("start", 0), ("5k", 5000), ("8k", 8000), ("finish", 10000))
MAX_RUNNERS = 100_000
FASTEST_PACE_MS_PER_KM = 170_000  # 2:50 /km
SLOWEST_PACE_MS_PER_KM = 420_000  # 7:00 /km
START_WAVE_MS_PER_RUNNER = 60  # crossing the start mat takes a crowd a while


@dataclass(frozen=True)
class SimulatedPassing:
    read_id: str
    chip: str
    point: str
    time_ms: int  # after the gun

    def as_json(self, gun: datetime) -> dict[str, Any]:
        moment = gun + timedelta(milliseconds=self.time_ms)
        return {"read_id": self.read_id, "chip": self.chip, "timing_point": self.point,
                "timestamp": moment.isoformat(timespec="milliseconds")}


def chip_of(runner: int) -> str:
    return f"SIM{runner:06d}"


def bib_of(runner: int) -> str:
    return str(runner)


def parse_points(text: str) -> tuple[tuple[str, int], ...]:
    """``"start:0,5k:5000,finish:10000"`` → ((name, metres), ...), the first at 0 m."""
    points: list[tuple[str, int]] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, metres = part.partition(":")
        distance = whole_number(metres)
        if not name or distance is None:
            raise ValidationError(f"timing point {part!r} must be written name:metres",
                                  details={"field": "points"})
        points.append((name, distance))
    distances = [m for _, m in points]
    if len(points) < 2 or distances[0] != 0 or distances != sorted(set(distances)):
        raise ValidationError("timing points need a start at 0 m and increasing distances",
                              details={"field": "points"})
    return tuple(points)


def race_passings(
    runners: int, points: Sequence[tuple[str, int]] = DEFAULT_POINTS, seed: int = 1
) -> list[SimulatedPassing]:
    """Every read of the race in time order: each runner at each point, once."""
    if not 1 <= runners <= MAX_RUNNERS:
        raise ValidationError(f"runners must be 1 to {MAX_RUNNERS}", details={"field": "runners"})
    lot = random.Random(seed)  # nosec B311 # reproducible draws and jitter, not secrets
    reads: list[SimulatedPassing] = []
    for runner in range(1, runners + 1):
        pace = lot.randint(FASTEST_PACE_MS_PER_KM, SLOWEST_PACE_MS_PER_KM)
        start = runner * START_WAVE_MS_PER_RUNNER // 10 + lot.randint(0, 999)
        for name, metres in points:
            time_ms = start + pace * metres // 1000 + lot.randint(0, 99)
            reads.append(SimulatedPassing(f"{name}-{runner}", chip_of(runner), name, time_ms))
    reads.sort(key=lambda r: (r.time_ms, r.read_id))
    return reads


def batches(reads: Sequence[SimulatedPassing], size: int) -> Iterator[Sequence[SimulatedPassing]]:
    for start in range(0, len(reads), size):
        yield reads[start:start + size]


@dataclass(frozen=True)
class SimulatedRace:
    competition_id: int
    heat_id: int
    device_id: int
    token: str
    gun: datetime


def setup_race(
    session: Session,
    actor: Actor,
    *,
    runners: int,
    points: Sequence[tuple[str, int]] = DEFAULT_POINTS,
    day: date,
    time_zone: str = "UTC",
    name: str = "Simulated 10K",
) -> SimulatedRace:
    """A competition ready to receive :func:`race_passings` (bulk inserts: 10,000 runners
    take a second or two)."""
    tz = ZoneInfo(time_zone)
    gun = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz)
    build = MeetBuilder(session)
    competition = build.competition(name, day=day, venue="Simulation", time_zone=time_zone)
    heat = build.race(build.event(competition, "10K", sex=Sex.MALE), scheduled_start=gun,
                      gun_time=gun)
    session.add_all(
        TimingPoint(competition_id=competition.id, name=point, distance_m=metres,
                    is_start=index == 0, is_finish=index == len(points) - 1)
        for index, (point, metres) in enumerate(points)
    )
    athlete_ids = build.athletes([Runner(f"Runner{i}", f"Simulated{i}", Sex.MALE)
                                  for i in range(1, runners + 1)])
    entry_ids = build.enter(heat, athlete_ids, [bib_of(i) for i in range(1, runners + 1)])
    session.execute(insert(ChipAssignment), [
        {"competition_id": competition.id, "chip": chip_of(i), "entry_id": entry_id,
         "valid_from": gun - timedelta(days=1)}
        for i, entry_id in enumerate(entry_ids, start=1)
    ])
    # as after any bulk load: fresh statistics, so the first batches are planned for a race
    # of this size (autovacuum would take a minute; registration is over long before a race)
    session.execute(text("ANALYZE athlete, entry, lane_assignment, chip_assignment"))
    issued = create_device(session, actor, competition_id=competition.id, name="simulator",
                           kind=DeviceKind.CHIP_DECODER)
    return SimulatedRace(competition.id, heat.id, issued.device.id, issued.token, gun)
