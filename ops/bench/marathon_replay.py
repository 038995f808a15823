"""Full marathon replay, checked runner by runner: prints figures, exits 1 on any wrong time.

    .venv/bin/python ops/bench/marathon_replay.py [--runners 55000] [--compression 100]
        [--clients 4] [--seed 1] [--workers all:2] [--max-memory-per-child KIB]

Starts the embedded PostgreSQL and Redis in a temporary directory, migrates, sets up a
marathon (``--runners`` in 4 waves eight minutes apart, each wave a heat of the event's round
with its own gun; 11 timing points; one decoder per point and one per backup mat at the
start, half and finish), starts gunicorn (2 workers x 4 threads, as ``athsys web``) and the
Celery workers of ``--workers`` (default ``all:2``: one worker on every queue with 2 prefork
processes, as ``athsys worker``; ``ingest:1,leaderboards+notifications+maintenance:1`` puts
the ingest queue on a worker of its own; see :func:`parse_workers`), then replays the
race through ``POST /api/timing/passings`` at race-day pace compressed ``--compression``
times: every 0.5 s of wall time, each decoder posts what it would have sent by then, from
``--clients`` concurrent HTTP clients. The race (:func:`athsys.timing.simulation.marathon_race`)
has what race day has: 10 % duplicate reads within the 10 s window, backup-mat reads, 1 %
crossings the primary mat missed, 0.5 % reads of chips nobody wears, 1.5 % runners who stop,
reads sent 0.2 - 3 s after they were made (so out of order across decoders) and 1 % sent
1 - 20 min late; 1 % of the payloads are posted twice (a device that lost the answer).

Figures:

- reads/s accepted (2xx answers of the posts) and processed (``read_batch.processed_at``
  written by the worker), on average and in the busiest 10 s;
- the lag read stored → leaderboard updated, per finisher: from the 2xx of the first post
  holding a finish read of the runner to the first live announcement (the Redis
  ``PUBLISH`` on ``athsys:live:competition:<id>`` the live pages and the fan-out server
  follow) after which the runner's line is on the stored board (``ZMSCORE`` of the event's
  ``all`` board). This script subscribes to Redis itself; no SSE client sits in between.
  p50/p95/p99 over all finishers, and p95 of those stored in the minute when most
  finish reads were stored;
- peak RSS of the web (gunicorn master and workers) and the worker (Celery parents and
  children) process trees, sampled every 0.5 s (psutil): the sum over all workers' trees,
  the largest single worker's tree, and the largest single process; and beside it the peak
  PSS (``/proc/<pid>/smaps_rollup``) of all trees and of the largest process. A prefork
  child shares the parent's pages copy-on-write, so the RSS of a tree counts them once per
  process and overstates what the tree holds; its PSS counts each page once;
- the check: every runner's gun time, net time, splits and places against an independent
  computation from the generated truth (:class:`athsys.timing.simulation.RunnerTruth`
  records which mat's crossing counts, from how the reads were made; nothing here calls
  the timing rules). The rules of DESIGN.md §4: the official time is the gun time of the
  runner's wave; net = finish - own start-mat crossing (the wave's gun without one); a
  backup mat counts only where the primary has no read; places rank the gun time (ties
  share, the next place skips), within the wave on ``result.place`` and over all waves on
  the public leaderboard (``/api/public/events/<id>/leaderboard``, what spectators see).
  Stored reads are counted too: each generated read once, unknown chips flagged.

Targets on a 2-core machine: stored → visible p95 ≤ 2 s; worker memory ≤ 300 MB through the
replay (judged on the trees' PSS, RSS printed beside it); zero missing, zero doubled, zero
wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys.accounts.actor import SYSTEM  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.jobs import Queue  # noqa: E402
from athsys.leaderboards.cache import LIVE_CHANNEL  # noqa: E402
from athsys.redis_client import make_redis  # noqa: E402
from athsys.timing.simulation import (  # noqa: E402
    MARATHON_BACKUP_POINTS,
    MARATHON_POINTS,
    MarathonRace,
    NoisyRead,
    SimulatedRace,
    bib_of,
    marathon_race,
    setup_race,
)
from ops.bench.bench_support import (  # noqa: E402
    BenchEnvironment,
    bench_environment,
    celery_worker,
    gunicorn,
    record,
)
from webui.cli.timing import post_passings  # noqa: E402

RACE_DAY = date(2025, 10, 12)
WAVES_MS = (0, 480_000, 960_000, 1_440_000)
TICK_S = 0.5
MAX_BATCH = 5_000
RESEND_SHARE = 0.01
SETTLE_S = 900.0
"""How long after the last post the worker and the boards may take to catch up."""
PAGE = 100  # the public API's largest page
SAY = partial(print, flush=True)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- measuring ------------------------------------------------------------------------------


def pss_mib(pid: int) -> float:
    """Proportional set size of a process (``/proc/<pid>/smaps_rollup``), in MiB: its private
    pages plus its share of each page it shares. A prefork child shares the pages of the
    Celery parent copy-on-write until it writes them, so RSS summed over a tree counts those
    pages once per process; PSS summed over the tree counts each page once."""
    with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
        for line in rollup:
            if line.startswith(b"Pss:"):
                return int(line.split()[1]) / 1024
    raise psutil.AccessDenied(pid)


class MemorySampler(threading.Thread):
    """Peak RSS and PSS of this process's gunicorn and Celery children and their descendants,
    sampled every ``interval_s``. Each peak is the largest sample of that sum (or process)."""

    def __init__(self, interval_s: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.stop = threading.Event()
        self.tree_peak: dict[str, float] = defaultdict(float)  # MiB RSS, all trees of a kind
        self.one_tree_peak: dict[str, float] = defaultdict(float)  # MiB RSS, one parent's tree
        self.single_peak: dict[str, float] = defaultdict(float)  # MiB RSS, one process
        self.tree_pss_peak: dict[str, float] = defaultdict(float)  # MiB PSS, all trees
        self.single_pss_peak: dict[str, float] = defaultdict(float)  # MiB PSS, one process
        self.samples = 0

    def run(self) -> None:
        me = psutil.Process()
        while not self.stop.is_set():
            total: dict[str, float] = defaultdict(float)
            total_pss: dict[str, float] = defaultdict(float)
            for child in me.children():
                try:
                    command = " ".join(child.cmdline())
                    kind = "web" if "gunicorn" in command else "worker" if "celery" in command \
                        else None
                    if kind is None:
                        continue
                    tree = (child, *child.children(recursive=True))
                    rss = [p.memory_info().rss / 2**20 for p in tree]
                    pss = [pss_mib(p.pid) for p in tree]
                except (psutil.Error, OSError):
                    continue
                total[kind] += sum(rss)
                total_pss[kind] += sum(pss)
                self.one_tree_peak[kind] = max(self.one_tree_peak[kind], sum(rss))
                self.single_peak[kind] = max(self.single_peak[kind], max(rss))
                self.single_pss_peak[kind] = max(self.single_pss_peak[kind], max(pss))
            for kind, mib in total.items():
                self.tree_peak[kind] = max(self.tree_peak[kind], mib)
            for kind, mib in total_pss.items():
                self.tree_pss_peak[kind] = max(self.tree_pss_peak[kind], mib)
            self.samples += 1
            self.stop.wait(self.interval_s)


class BoardWatcher(threading.Thread):
    """Follows the competition's live announcements; on each, marks the awaited finishers
    whose lines are now on the event's stored ``all`` board."""

    def __init__(self, client, competition_id: int, event_id: int) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.client, self.event_id = client, event_id
        self.channel = LIVE_CHANNEL.format(competition_id=competition_id)
        self.awaited: dict[int, float] = {}  # entry id -> when its finish read was stored
        self.seen: set[int] = set()  # a later finish read (duplicate, backup) is not awaited
        self.lags: list[tuple[float, float]] = []  # (stored at, lag s)
        self.announcements = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.subscribed = threading.Event()

    def expect(self, entry_ids: list[int], stored_at: float) -> None:
        with self.lock:
            for entry_id in entry_ids:
                if entry_id not in self.seen:
                    self.awaited.setdefault(entry_id, stored_at)

    def run(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe(self.channel)
        self.subscribed.set()
        board = f"athsys:lb:{self.event_id}:z:all"
        try:
            while not self.stop.is_set():
                message = pubsub.get_message(timeout=0.2)
                if message is None:
                    continue
                at = time.monotonic()
                if json.loads(message["data"]).get("event_id") != self.event_id:
                    continue
                self.announcements += 1
                with self.lock:
                    waiting = [e for e, stored in self.awaited.items() if stored <= at]
                if not waiting:
                    continue
                found = self.client.zmscore(board, [str(e) for e in waiting])
                with self.lock:
                    for entry_id, score in zip(waiting, found, strict=True):
                        if score is not None and entry_id in self.awaited:
                            self.seen.add(entry_id)
                            stored = self.awaited.pop(entry_id)
                            self.lags.append((stored, at - stored))
        finally:
            pubsub.close()


# -- replaying ------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What the posting side saw."""

    posts: int = 0
    resent: int = 0
    accepted: int = 0
    duplicate: int = 0
    accepted_at: list[tuple[float, int]] = field(default_factory=list)  # (2xx at, accepted)
    late_ticks: int = 0
    started: float = 0.0
    finished: float = 0.0
    batch_ids: set[int] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _schedule(race: MarathonRace, compression: float) -> Iterator[tuple[float, list[NoisyRead]]]:
    """(wall seconds after the start, the reads due by then), one tick at a time."""
    first = race.reads[0].deliver_ms
    index, tick = 0, 0
    while index < len(race.reads):
        tick += 1
        due_ms = first + tick * TICK_S * compression * 1000
        end = index
        while end < len(race.reads) and race.reads[end].deliver_ms <= due_ms:
            end += 1
        yield tick * TICK_S, list(race.reads[index:end])
        index = end


def deliver(base: str, sim: SimulatedRace, race: MarathonRace, watcher: BoardWatcher,
            entry_of_runner: dict[int, int], *, compression: float, clients: int,
            seed: int, progress: Callable[[str], None]) -> Delivery:
    """Post the race's reads decoder by decoder, at the compressed pace; returns when every
    post has been answered."""
    lot = random.Random(seed)  # nosec B311 # which payloads are sent twice, reproducibly
    delivery = Delivery()

    def post(token: str, chunk: list[NoisyRead], twice: bool) -> None:
        passings = [r.passing for r in chunk]
        answer = post_passings(base, token, passings, sim.gun)
        stored_at = time.monotonic()
        finishers = [entry_of_runner[int(p.chip[3:])] for p in passings
                     if p.point == "finish" and p.chip.startswith("SIM")]
        watcher.expect(finishers, stored_at)
        with delivery.lock:
            delivery.posts += 1
            delivery.accepted += answer["accepted"]
            delivery.duplicate += answer["duplicate"]
            delivery.accepted_at.append((stored_at, answer["accepted"]))
            delivery.batch_ids.add(answer["batch_id"])
        if twice:  # the device lost the answer: the same payload, which must store nothing
            again = post_passings(base, token, passings, sim.gun)
            if not again["replay"] or again["batch_id"] != answer["batch_id"]:
                raise RuntimeError(f"a payload sent twice was stored twice: {again}")
            with delivery.lock:
                delivery.resent += 1

    futures: list[Future[None]] = []
    with ThreadPoolExecutor(clients) as pool:
        delivery.started = time.monotonic()
        for due_s, reads in _schedule(race, compression):
            pause = delivery.started + due_s - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            else:
                delivery.late_ticks += 1
            by_device: dict[tuple[str, bool], list[NoisyRead]] = defaultdict(list)
            for read in reads:
                by_device[(read.passing.point, read.backup)].append(read)
            for device, device_reads in by_device.items():
                token = sim.point_tokens[device]
                for start in range(0, len(device_reads), MAX_BATCH):
                    chunk = device_reads[start:start + MAX_BATCH]
                    futures.append(pool.submit(post, token, chunk,
                                               lot.random() < RESEND_SHARE))
            if int(due_s / TICK_S) % int(30 / TICK_S) == 0:
                progress(f"    {due_s:.0f} s: {delivery.accepted} reads accepted, "
                         f"{len(futures)} posts in flight")
            done = [f for f in futures if f.done()]
            for future in done:
                future.result()  # a failed post stops the replay
            futures = [f for f in futures if not f.done()]
        for future in futures:
            future.result()
    delivery.finished = time.monotonic()
    return delivery


def wait_processed(engine: Engine, competition_id: int, timeout_s: float) -> float:
    """Seconds until no batch of the competition is waiting (or the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        with engine.connect() as conn:
            waiting = conn.execute(text(
                "SELECT count(*) FROM read_batch b JOIN timing_device d ON d.id = b.device_id"
                " WHERE d.competition_id = :c AND b.status IN ('pending', 'processing')"),
                {"c": competition_id}).scalar_one()
        if not waiting:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"batches still waiting {timeout_s:.0f} s after the last post")


@dataclass(frozen=True)
class Processing:
    """From the worker's ``processed_at``: reads per second from the first post to the last
    batch done, in the busiest 10 s, the seconds that took, and each batch's wait from
    stored to processed (ms; ``processed_at`` is the start of the transaction that processed
    it). A transaction is a batch and the batches it took along (``processed_with``):
    ``transaction_reads`` holds the reads of each."""

    rps: float
    peak_rps: float
    seconds: float
    batch_waits_ms: list[float]
    transaction_reads: list[int]
    waits_by_10s: list[list[float]]  # batch waits (ms) by 10 s of storing since the first


def processing(engine: Engine, competition_id: int) -> Processing:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT extract(epoch FROM b.processed_at), extract(epoch FROM b.received_at),"
            " b.accepted, coalesce(b.processed_with, b.id)"
            " FROM read_batch b JOIN timing_device d ON d.id = b.device_id"
            " WHERE d.competition_id = :c"), {"c": competition_id}).all()
    first = min(float(received) for _, received, _, _ in rows)
    last = max(float(processed) for processed, _, _, _ in rows)
    per_window: Counter[int] = Counter()
    per_transaction: Counter[int] = Counter()
    for processed, _, accepted, transaction in rows:
        per_window[int(float(processed) // 10)] += accepted
        per_transaction[transaction] += accepted
    total = sum(accepted for _, _, accepted, _ in rows)
    waits_by_10s: list[list[float]] = [[] for _ in range(int((last - first) // 10) + 1)]
    for processed, received, _, _ in rows:
        waits_by_10s[int((float(received) - first) // 10)].append(
            (float(processed) - float(received)) * 1000)
    return Processing(total / (last - first), max(per_window.values()) / 10, last - first,
                      [(float(p) - float(r)) * 1000 for p, r, _, _ in rows],
                      list(per_transaction.values()), waits_by_10s)


# -- the check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """One runner's times as the rules must give them (ms), computed from the truth."""

    heat_id: int
    mark: int | None
    net_mark: int | None
    splits: dict[str, tuple[int, int]]  # point -> (gun time, net time)


def expected_times(race: MarathonRace, sim: SimulatedRace,
                   entry_of_runner: dict[int, int]) -> dict[int, Expected]:
    """Entry id -> its expected times: official time from the wave's gun, net time from the
    runner's own start-mat crossing (the wave's gun without one), at every point read."""
    expected: dict[int, Expected] = {}
    for runner in race.truth:
        gun = race.waves_ms[runner.wave]
        origin = runner.counted_ms.get("start", gun)
        splits = {point: (at - gun, at - origin) for point, at in runner.counted_ms.items()}
        finish = splits.get("finish")
        expected[entry_of_runner[runner.runner]] = Expected(
            sim.wave_heat_ids[runner.wave], finish[0] if finish else None,
            finish[1] if finish else None, splits)
    return expected


def places(marks: dict[int, int]) -> dict[int, int]:
    """Entry -> 1 + how many have a strictly smaller mark (ties share, the next skips)."""
    ordered = sorted(marks.values())
    better: dict[int, int] = {}
    for index, mark in enumerate(ordered):
        better.setdefault(mark, index)
    return {entry: better[mark] + 1 for entry, mark in marks.items()}


@dataclass
class Check:
    missing: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    checked: Counter[str] = field(default_factory=Counter)

    @property
    def failures(self) -> int:
        return len(self.missing) + len(self.doubled) + len(self.wrong)


def check(engine: Engine, base: str, race: MarathonRace, sim: SimulatedRace, event_id: int,
          entry_of_runner: dict[int, int]) -> Check:
    """Compare the database and the public leaderboard with the truth."""
    found = Check()
    expected = expected_times(race, sim, entry_of_runner)
    heats = list(sim.wave_heat_ids)
    point_name = {}
    with engine.connect() as conn:
        point_name = dict(conn.execute(text(
            "SELECT id, name FROM timing_point WHERE competition_id = :c"),
            {"c": sim.competition_id}).all())
        results = conn.execute(text(
            "SELECT entry_id, heat_id, mark, net_mark, place, status FROM result"
            " WHERE heat_id = ANY(:h)"), {"h": heats}).all()
        split_rows = conn.execute(text(
            "SELECT entry_id, heat_id, timing_point_id, gun_time_ms, net_time_ms"
            " FROM timing_split WHERE heat_id = ANY(:h)"), {"h": heats}).all()
        reads = conn.execute(text(
            "SELECT count(*), count(DISTINCT (r.device_id, r.read_id)),"
            " count(*) FILTER (WHERE r.flag = 'unknown_chip'),"
            " count(*) FILTER (WHERE r.flag IS NOT NULL AND r.flag <> 'unknown_chip')"
            " FROM timing_read r JOIN timing_device d ON d.id = r.device_id"
            " WHERE d.competition_id = :c"), {"c": sim.competition_id}).one()

    # results: one per finisher, in the runner's wave, gun and net time, place in the wave
    stored: dict[int, list[tuple[int, int | None, int | None, int | None, str]]] = \
        defaultdict(list)
    for entry_id, heat_id, mark, net, place, status in results:
        stored[entry_id].append((heat_id, mark, net, place, status))
    wave_places: dict[int, int] = {}
    for heat_id in heats:
        wave_places |= places({e: x.mark for e, x in expected.items()
                               if x.heat_id == heat_id and x.mark is not None})
    for entry_id, want in expected.items():
        rows = stored.get(entry_id, [])
        if len(rows) > 1:
            found.doubled.append(f"entry {entry_id}: {len(rows)} results {rows}")
        if want.mark is None:
            if rows:
                found.wrong.append(f"entry {entry_id}: a result {rows[0]} but no finish read")
            continue
        found.checked["results"] += 1
        if not rows:
            found.missing.append(f"entry {entry_id}: no result (expected {want.mark} ms)")
            continue
        got = rows[0]
        wanted = (want.heat_id, want.mark, want.net_mark, wave_places[entry_id], "OK")
        if got != wanted:
            found.wrong.append(f"entry {entry_id}: result (heat, gun, net, place, status) "
                               f"{got}, expected {wanted}")
    unknown_entries = set(stored) - set(expected)
    found.wrong += [f"entry {e}: a result of no runner" for e in sorted(unknown_entries)]

    # splits: one per point read, gun and net time
    split_of: dict[tuple[int, str], list[tuple[int, int, int]]] = defaultdict(list)
    for entry_id, heat_id, point_id, gun, net in split_rows:
        split_of[(entry_id, point_name[point_id])].append((heat_id, gun, net))
    for entry_id, want in expected.items():
        for point, _ in MARATHON_POINTS:
            rows = split_of.pop((entry_id, point), [])
            if len(rows) > 1:
                found.doubled.append(f"entry {entry_id} at {point}: {len(rows)} splits")
            if point not in want.splits:
                if rows:
                    found.wrong.append(f"entry {entry_id} at {point}: split {rows[0]} "
                                       "but no read counts there")
                continue
            found.checked["splits"] += 1
            wanted_split = (want.heat_id, *want.splits[point])
            if not rows:
                found.missing.append(f"entry {entry_id} at {point}: no split "
                                     f"(expected {wanted_split})")
            elif rows[0] != wanted_split:
                found.wrong.append(f"entry {entry_id} at {point}: split (heat, gun, net) "
                                   f"{rows[0]}, expected {wanted_split}")
    found.wrong += [f"entry {e} at {p}: a split of no runner" for e, p in sorted(split_of)]

    # the public leaderboard: every finisher once, overall place by gun time over all waves
    overall = places({e: x.mark for e, x in expected.items() if x.mark is not None})
    lines: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    page = 1
    while True:
        with urllib.request.urlopen(  # noqa: S310 - loopback
                f"{base}/api/public/events/{event_id}/leaderboard?per_page={PAGE}&page={page}",
                timeout=60) as response:
            items = json.loads(response.read())["data"]["lines"]
        for line in items:
            if line["status"] == "OK":
                lines[line["entry_id"]].append((line["mark"], line["net_mark"], line["place"]))
        if len(items) < PAGE:
            break
        page += 1
    for entry_id, place in overall.items():
        want = expected[entry_id]
        found.checked["leaderboard lines"] += 1
        shown = lines.pop(entry_id, [])
        if len(shown) > 1:
            found.doubled.append(f"entry {entry_id}: {len(shown)} leaderboard lines")
        wanted_line = (want.mark, want.net_mark, place)
        if not shown:
            found.missing.append(f"entry {entry_id}: not on the leaderboard")
        elif shown[0] != wanted_line:
            found.wrong.append(f"entry {entry_id}: leaderboard (gun, net, place) {shown[0]}, "
                               f"expected {wanted_line}")
    found.wrong += [f"entry {e}: on the leaderboard without a finish" for e in sorted(lines)]

    # the raw reads: each stored once, unknown chips flagged, nothing else flagged
    total, distinct, unknown, other_flags = reads
    generated = len(race.reads)
    generated_unknown = sum(1 for r in race.reads if not r.passing.chip.startswith("SIM"))
    found.checked["reads"] = generated
    if total != distinct or total > generated:
        found.doubled.append(f"reads: {total} stored, {distinct} distinct, {generated} sent")
    if distinct < generated:
        found.missing.append(f"reads: {distinct} stored of {generated} sent")
    if unknown != generated_unknown or other_flags:
        found.wrong.append(f"reads: {unknown} flagged unknown_chip (sent {generated_unknown}),"
                           f" {other_flags} flagged otherwise")
    return found


# -- the whole replay -----------------------------------------------------------------------


@dataclass
class Replay:
    runners: int
    reads: int
    compression: float
    delivery: Delivery
    processing: Processing
    settle_s: float
    lags_ms: list[float]
    peak_minute_lags_ms: list[float]
    not_seen: int
    announcements: int
    memory: MemorySampler
    check: Check
    generate_s: float
    setup_s: float

    @property
    def accepted_rps(self) -> float:
        span = self.delivery.finished - self.delivery.started
        return self.delivery.accepted / span if span else 0.0

    @property
    def accepted_peak_rps(self) -> float:
        windows: Counter[int] = Counter()
        for at, accepted in self.delivery.accepted_at:
            windows[int((at - self.delivery.started) // 10)] += accepted
        return max(windows.values()) / 10 if windows else 0.0


@dataclass(frozen=True)
class WorkerSpec:
    """One Celery worker of the replay: its queues and its prefork processes."""

    queues: tuple[str, ...]
    concurrency: int

    def __str__(self) -> str:
        return f"{'+'.join(self.queues)}:{self.concurrency}"


def parse_workers(text: str) -> tuple[WorkerSpec, ...]:
    """``QUEUES:PROCESSES[,QUEUES:PROCESSES...]``, one item a worker; QUEUES is ``all`` or
    queue names joined by ``+``. Every queue must have a worker (a task on a queue nobody
    takes would wait for ever) and none two."""
    specs: list[WorkerSpec] = []
    for item in text.split(","):
        queues, _, processes = item.strip().partition(":")
        if not processes.isdigit() or int(processes) < 1:
            raise argparse.ArgumentTypeError(
                f"worker '{item}': give QUEUES:PROCESSES with PROCESSES a whole number >= 1")
        names = Queue.ALL if queues == "all" else tuple(queues.split("+"))
        unknown = [name for name in names if name not in Queue.ALL]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"worker '{item}': unknown queue(s) {', '.join(unknown)}; the queues are "
                f"{', '.join(Queue.ALL)} (or all)")
        specs.append(WorkerSpec(names, int(processes)))
    taken = [name for spec in specs for name in spec.queues]
    missing = [name for name in Queue.ALL if name not in taken]
    twice = sorted({name for name in taken if taken.count(name) > 1})
    if missing or twice:
        raise argparse.ArgumentTypeError(
            f"workers '{text}': " + "; ".join(
                ([f"no worker for {', '.join(missing)}"] if missing else [])
                + ([f"{', '.join(twice)} on two workers"] if twice else [])))
    return tuple(specs)


DEFAULT_WORKERS = "all:2"


def replay(bench: BenchEnvironment, *, runners: int, compression: float, clients: int = 4,
           seed: int = 1, workers: tuple[WorkerSpec, ...] = parse_workers(DEFAULT_WORKERS),
           max_memory_per_child_kib: int | None = None,
           progress: Callable[[str], None] = SAY) -> Replay:
    """Set up, replay and check one marathon on ``bench``'s servers (gunicorn and the
    ``workers`` are started here and stopped before returning)."""
    engine = make_engine(bench.settings, pool_size=2)
    client = make_redis(bench.settings, timeout_s=30)
    try:
        started = time.perf_counter()
        race = marathon_race(runners, waves_ms=WAVES_MS, seed=seed)
        generate_s = time.perf_counter() - started
        started = time.perf_counter()
        with Session(engine) as session, session.begin():
            sim = setup_race(session, SYSTEM, runners=runners, points=MARATHON_POINTS,
                             day=RACE_DAY, name=f"Marathon replay {seed}", code="MAR",
                             waves_ms=WAVES_MS, decoders_per_point=True,
                             backup_points=MARATHON_BACKUP_POINTS)
        setup_s = time.perf_counter() - started
        with engine.connect() as conn:
            event_id = conn.execute(text("SELECT id FROM event WHERE competition_id = :c"),
                                    {"c": sim.competition_id}).scalar_one()
            entry_of_bib = dict(conn.execute(text(
                "SELECT bib, id FROM entry WHERE event_id = :e"), {"e": event_id}).all())
        entry_of_runner = {r.runner: entry_of_bib[bib_of(r.runner)] for r in race.truth}
        progress(f"  {runners} runners, {len(race.reads)} reads generated in {generate_s:.1f} s,"
                 f" set up in {setup_s:.1f} s; replaying {compression:g} x faster than race day")
        memory = MemorySampler()
        watcher = BoardWatcher(client, sim.competition_id, event_id)
        with gunicorn(bench) as base, ExitStack() as started_workers:
            for number, spec in enumerate(workers, start=1):
                started_workers.enter_context(celery_worker(
                    bench, queues=",".join(spec.queues), concurrency=spec.concurrency,
                    name=f"worker{number}", max_memory_per_child_kib=max_memory_per_child_kib))
            memory.start()
            watcher.start()
            watcher.subscribed.wait(10)
            delivery = deliver(base, sim, race, watcher, entry_of_runner,
                               compression=compression, clients=clients, seed=seed,
                               progress=progress)
            progress(f"  posted in {delivery.finished - delivery.started:.1f} s "
                     f"({delivery.late_ticks} ticks late); waiting for the worker")
            settle_s = wait_processed(engine, sim.competition_id, SETTLE_S)
            deadline = time.monotonic() + 30
            while watcher.awaited and time.monotonic() < deadline:
                time.sleep(0.2)
            watcher.stop.set()
            watcher.join(5)
            memory.stop.set()
            memory.join(5)
            processed = processing(engine, sim.competition_id)
            progress("  checking every runner")
            checked = check(engine, base, race, sim, event_id, entry_of_runner)
        lags = [lag * 1000 for _, lag in watcher.lags]
        busiest = Counter(int(at // 60) for at, _ in watcher.lags)  # finishers stored
        peak_minute = busiest.most_common(1)[0][0] if busiest else None
        peak_lags = [lag * 1000 for at, lag in watcher.lags if int(at // 60) == peak_minute]
        return Replay(runners, len(race.reads), compression, delivery, processed,
                      settle_s, lags, peak_lags,
                      len(watcher.awaited), watcher.announcements, memory, checked,
                      generate_s, setup_s)
    finally:
        client.close()
        engine.dispose()


def report(result: Replay) -> list[str]:
    d, m, c, p = result.delivery, result.memory, result.check, result.processing
    lags, waits = result.lags_ms, p.batch_waits_ms
    tx = [float(reads) for reads in p.transaction_reads]
    return [
        f"  reads accepted            : {result.accepted_rps:>8,.0f} reads/s on average, "
        f"{result.accepted_peak_rps:,.0f} in the busiest 10 s ({d.accepted} accepted, "
        f"{d.duplicate} answered as duplicates, {d.posts} posts, {d.resent} sent twice)",
        f"  reads processed           : {p.rps:>8,.0f} reads/s on average, "
        f"{p.peak_rps:,.0f} in the busiest 10 s (first post to last batch "
        f"done {p.seconds:.1f} s; {result.settle_s:.1f} s after the last post)",
        f"  batch stored -> processed : p50 {percentile(waits, 0.5):,.0f} ms, p95 "
        f"{percentile(waits, 0.95):,.0f} ms, p99 {percentile(waits, 0.99):,.0f} ms "
        f"over {len(waits)} batches",
        "  batch wait p95 by 10 s    : " + " ".join(
            f"{percentile(w, 0.95) / 1000:.1f}" if w else "-" for w in p.waits_by_10s) + " s",
        f"  processing transactions   : {len(p.transaction_reads)}, reads in one p50 "
        f"{percentile(tx, 0.5):,.0f}, p95 {percentile(tx, 0.95):,.0f}, max "
        f"{max(tx, default=0):,}",
        f"  stored -> leaderboard     : p50 {percentile(lags, 0.5):,.0f} ms, p95 "
        f"{percentile(lags, 0.95):,.0f} ms, p99 {percentile(lags, 0.99):,.0f} ms, max "
        f"{max(lags, default=float('nan')):,.0f} ms over {len(lags)} finishers "
        f"({result.not_seen} not seen; {result.announcements} announcements); busiest "
        f"finish minute p95 {percentile(result.peak_minute_lags_ms, 0.95):,.0f} ms "
        f"({len(result.peak_minute_lags_ms)} finishers)",
        f"  peak RSS, web             : {m.tree_peak['web']:,.0f} MiB the tree "
        f"(gunicorn master + 2 workers), {m.single_peak['web']:,.0f} MiB the largest process",
        f"  peak PSS, web             : {m.tree_pss_peak['web']:,.0f} MiB the tree, "
        f"{m.single_pss_peak['web']:,.0f} MiB the largest process",
        f"  peak RSS, worker          : {m.tree_peak['worker']:,.0f} MiB all workers' trees "
        f"(Celery parents + children), {m.one_tree_peak['worker']:,.0f} MiB the largest "
        f"worker's tree, {m.single_peak['worker']:,.0f} MiB the largest process"
        f" ({m.samples} samples)",
        f"  peak PSS, worker          : {m.tree_pss_peak['worker']:,.0f} MiB all workers' trees"
        f" (shared pages counted once), {m.single_pss_peak['worker']:,.0f} MiB the largest "
        f"process",
        f"  check                     : {', '.join(f'{n} {k}' for k, n in c.checked.items())};"
        f" {len(c.missing)} missing, {len(c.doubled)} doubled, {len(c.wrong)} wrong",
        *(f"    {line}" for line in (c.missing + c.doubled + c.wrong)[:20]),
    ]


@contextmanager
def _load_average(label: str) -> Iterator[None]:
    print(f"  load average before {label}: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    yield
    print(f"  load average after {label} : {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=55_000)
    parser.add_argument("--compression", type=float, default=100.0,
                        help="race-day seconds per wall-clock second")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=parse_workers, default=DEFAULT_WORKERS,
                        help="Celery workers, QUEUES:PROCESSES each, comma-separated "
                             "(QUEUES: all, or queue names joined by +)")
    parser.add_argument("--max-memory-per-child", type=int, default=None, metavar="KIB",
                        help="Celery's --max-memory-per-child of every worker")
    args = parser.parse_args()
    print(f"marathon replay: {args.runners} runners x {len(MARATHON_POINTS)} timing points, "
          f"{len(WAVES_MS)} waves, {os.cpu_count()} CPU(s); workers "
          f"{', '.join(map(str, args.workers))}"
          + (f", max memory per child {args.max_memory_per_child} KiB"
             if args.max_memory_per_child else ""))
    with bench_environment("athsys-marathon-") as bench, _load_average("the replay"):
        result = replay(bench, runners=args.runners, compression=args.compression,
                        clients=args.clients, seed=args.seed, workers=args.workers,
                        max_memory_per_child_kib=args.max_memory_per_child)
    print("\n".join(report(result)))
    print("  targets (2 cores)         : stored -> leaderboard p95 <= 2,000 ms, worker PSS "
          "(all trees) <= 300 MB = 286 MiB, 0 missing, 0 doubled, 0 wrong")
    record("marathon.accepted_rps", result.accepted_peak_rps)
    record("marathon.processed_rps", result.processing.peak_rps)
    for share in (50, 95, 99):
        record(f"marathon.lag_p{share}_ms", percentile(result.lags_ms, share / 100))
    record("marathon.web_rss_mb", result.memory.tree_peak["web"])
    record("marathon.worker_rss_mb", result.memory.tree_peak["worker"])
    record("marathon.worker_pss_mb", result.memory.tree_pss_peak["worker"])
    record("marathon.wrong", result.check.failures)
    return 1 if result.check.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
