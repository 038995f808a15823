"""A synthetic road race for demos and load tests: runners, chips, timing points, and the
passings their decoders would send, reproducible from a seed.

:func:`race_passings` is pure (integers and ``random.Random(seed)``); :func:`setup_race`
writes the competition, its timing points, the runners with chips and bibs, one heat with
its gun and one chip decoder into a session (the caller commits) and returns the token.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Heat
from athsys.errors import ValidationError
from athsys.inputs import whole_number
from athsys.sport.sex import Sex
from athsys.timing.devices import create_device
from athsys.timing.models import ChipAssignment, DeviceKind, MatRole, TimingPoint

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
    heat_id: int  # the first wave's
    device_id: int
    token: str
    gun: datetime  # the first wave's
    wave_heat_ids: tuple[int, ...] = ()
    wave_guns: tuple[datetime, ...] = ()
    point_tokens: dict[tuple[str, bool], str] = field(default_factory=dict)
    """(timing point, backup mat) → token of that mat's own decoder (``decoders_per_point``)."""


def setup_race(
    session: Session,
    actor: Actor,
    *,
    runners: int,
    points: Sequence[tuple[str, int]] = DEFAULT_POINTS,
    day: date,
    time_zone: str = "UTC",
    name: str = "Simulated 10K",
    code: str = "10K",
    waves_ms: Sequence[int] = (0,),
    decoders_per_point: bool = False,
    backup_points: Collection[str] = (),
) -> SimulatedRace:
    """A competition ready to receive :func:`race_passings` (bulk inserts: 10,000 runners
    take a second or two).

    ``waves_ms``: one heat per wave in the event's round, each with its own gun (ms after
    the first), runners split among them in start order (:func:`wave_of`).
    ``decoders_per_point``: besides the ``simulator`` device, one decoder per timing point's
    primary mat and one per backup mat at ``backup_points``, as on a marathon course."""
    tz = ZoneInfo(time_zone)
    gun = datetime(day.year, day.month, day.day, 9, 0, tzinfo=tz)
    guns = tuple(gun + timedelta(milliseconds=offset) for offset in waves_ms)
    build = MeetBuilder(session)
    competition = build.competition(name, day=day, venue="Simulation", time_zone=time_zone)
    first = build.race(build.event(competition, code, sex=Sex.MALE), scheduled_start=gun,
                       gun_time=gun)
    heats = [first]
    for number, wave_gun in enumerate(guns[1:], start=2):
        heats.append(Heat(round=first.round, number=number, name=f"Wave {number}",
                          scheduled_start=wave_gun, gun_time=wave_gun))
        session.add(heats[-1])
    session.flush()
    timing_points = [
        TimingPoint(competition_id=competition.id, name=point, distance_m=metres,
                    is_start=index == 0, is_finish=index == len(points) - 1)
        for index, (point, metres) in enumerate(points)
    ]
    session.add_all(timing_points)
    athlete_ids = build.athletes([Runner(f"Runner{i}", f"Simulated{i}", Sex.MALE)
                                  for i in range(1, runners + 1)])
    entry_ids: list[int] = []
    for wave, heat in enumerate(heats):
        numbers = [i for i in range(1, runners + 1) if wave_of(i, runners, len(heats)) == wave]
        if numbers:  # consecutive: runners are numbered in start order
            entry_ids += build.enter(heat, athlete_ids[numbers[0] - 1:numbers[-1]],
                                     [bib_of(i) for i in numbers])
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
    point_tokens: dict[tuple[str, bool], str] = {}
    if decoders_per_point:
        session.flush()
        for point in timing_points:
            for backup in (False, True) if point.name in backup_points else (False,):
                role = MatRole.BACKUP if backup else MatRole.PRIMARY
                point_tokens[(point.name, backup)] = create_device(
                    session, actor, competition_id=competition.id,
                    name=f"{point.name} {role.value}", kind=DeviceKind.CHIP_DECODER,
                    timing_point_id=point.id, mat_role=role).token
    return SimulatedRace(competition.id, first.id, issued.device.id, issued.token, gun,
                         tuple(h.id for h in heats), guns, point_tokens)


# -- a whole marathon, with the noise of race day ------------------------------------------

MARATHON_POINTS = (
    ("start", 0), ("5k", 5000), ("10k", 10000), ("15k", 15000), ("20k", 20000),
    ("half", 21097), ("25k", 25000), ("30k", 30000), ("35k", 35000), ("40k", 40000),
    ("finish", 42195),
)
MARATHON_BACKUP_POINTS = frozenset({"start", "half", "finish"})
"""Where a second, independent mat lies a metre behind the primary one, as at city marathons."""


@dataclass(frozen=True)
class RaceNoise:
    """What makes race-day reads differ from the crossings: probabilities and delays (ms)."""

    primary_miss: float = 0.01  # a crossing the primary mat does not read
    backup_read: float = 0.98  # a crossing a backup mat reads
    backup_offset_ms: tuple[int, int] = (200, 600)  # the backup mat lies behind the primary
    duplicate: float = 0.10  # a read followed by a second read of the same chip and mat
    duplicate_after_ms: tuple[int, int] = (50, 8_000)  # within the 10 s window
    unknown_chips: float = 0.005  # reads of chips nobody wears, as a share of all reads
    dnf: float = 0.015  # runners who stop after some point
    delivery_ms: tuple[int, int] = (200, 3_000)  # from the read to its post, decoders buffer
    late: float = 0.01  # reads a decoder sends long after (lost link, then a catch-up)
    late_ms: tuple[int, int] = (60_000, 1_200_000)


@dataclass(frozen=True)
class NoisyRead:
    """A read as a decoder sends it: which device (point and mat), and when it is sent
    (ms after the first gun, like ``passing.time_ms``)."""

    passing: SimulatedPassing
    backup: bool
    deliver_ms: int


@dataclass(frozen=True)
class RunnerTruth:
    """What happened to runner ``runner`` (bib and chip from :func:`bib_of`/:func:`chip_of`):
    wave, and per point the time the rules must count (ms after the first gun): the primary
    mat's crossing, else the backup mat's; a point nobody read is absent."""

    runner: int
    wave: int
    counted_ms: dict[str, int]


@dataclass(frozen=True)
class MarathonRace:
    waves_ms: tuple[int, ...]  # each wave's gun, ms after the first
    truth: tuple[RunnerTruth, ...]
    reads: tuple[NoisyRead, ...]  # in delivery order


def wave_of(runner: int, runners: int, waves: int) -> int:
    """Runners are numbered in start order: wave 0 takes the first ``ceil(runners / waves)``,
    and so on."""
    return (runner - 1) // -(-runners // waves)


def marathon_race(
    runners: int,
    *,
    points: Sequence[tuple[str, int]] = MARATHON_POINTS,
    waves_ms: Sequence[int] = (0, 480_000, 960_000, 1_440_000),
    backup_points: Collection[str] = MARATHON_BACKUP_POINTS,
    noise: RaceNoise = RaceNoise(),
    seed: int = 1,
) -> MarathonRace:
    """The crossings of a marathon in waves and the reads decoders would send of them.

    Runners are in start order (faster runners in earlier waves); a wave takes about eight
    minutes to cross the start mat. Each runner keeps a pace with some drift per segment;
    a few stop. Reads: the primary mat misses a few crossings, backup mats at
    ``backup_points`` read most, some reads are doubled within the duplicate window, some
    chips belong to nobody, and reads are sent late and out of order. The truth records
    what the rules must count, from how the reads were made, not by applying the rules.
    """
    if not 1 <= runners <= MAX_RUNNERS:
        raise ValidationError(f"runners must be 1 to {MAX_RUNNERS}", details={"field": "runners"})
    lot = random.Random(seed)  # nosec B311 # reproducible draws and jitter, not secrets
    waves = len(waves_ms)
    per_wave = -(-runners // waves)
    truth: list[RunnerTruth] = []
    reads: list[NoisyRead] = []
    serial = {False: 0, True: 0}

    def read(chip: str, point: str, time_ms: int, backup: bool) -> None:
        serial[backup] += 1
        prefix = "B" if backup else "P"
        delay = lot.randint(*noise.delivery_ms)
        if lot.random() < noise.late:
            delay += lot.randint(*noise.late_ms)
        reads.append(NoisyRead(SimulatedPassing(f"{prefix}{serial[backup]}", chip, point,
                                                time_ms), backup, time_ms + delay))

    for runner in range(1, runners + 1):
        wave = wave_of(runner, runners, waves)
        position = (runner - 1) % per_wave
        # 2:05 to about 6:40 overall; slower runners later within and across waves
        share = (runner - 1) / max(1, runners - 1)
        target_ms = 7_500_000 + int(share * 14_400_000 * lot.uniform(0.85, 1.15))
        pace = target_ms / points[-1][1]  # ms per metre
        start_ms = waves_ms[wave] + 2_000 + position * 480_000 // per_wave + lot.randint(0, 999)
        stops_after = len(points)
        if lot.random() < noise.dnf:
            stops_after = lot.randint(1, len(points) - 1)
        chip = chip_of(runner)
        counted: dict[str, int] = {}
        clock, last_m = float(start_ms), 0
        for index, (name, metres) in enumerate(points[:stops_after]):
            clock += (metres - last_m) * pace * lot.uniform(0.96, 1.06)
            last_m = metres
            crossing = int(clock) + (lot.randint(0, 99) if index else 0)
            mats: list[tuple[int, bool]] = []
            if lot.random() >= noise.primary_miss:
                mats.append((crossing, False))
            if name in backup_points and lot.random() < noise.backup_read:
                mats.append((crossing + lot.randint(*noise.backup_offset_ms), True))
            if mats:
                counted[name] = mats[0][0]
            for time_ms, backup in mats:
                read(chip, name, time_ms, backup)
                if lot.random() < noise.duplicate:
                    read(chip, name, time_ms + lot.randint(*noise.duplicate_after_ms), backup)
        truth.append(RunnerTruth(runner, wave, counted))
    span_ms = max(r.passing.time_ms for r in reads)
    for number in range(1, int(len(reads) * noise.unknown_chips) + 1):
        name = lot.choice(points)[0]
        read(f"UNK{number:06d}", name, lot.randint(0, span_ms),
             name in backup_points and lot.random() < 0.5)
    reads.sort(key=lambda r: (r.deliver_ms, r.passing.read_id))
    return MarathonRace(tuple(waves_ms), tuple(truth), tuple(reads))
