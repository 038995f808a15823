"""Leaderboard benchmark: prints figures, asserts nothing.

    .venv/bin/python ops/bench/leaderboard_bench.py [--runners 55000] [--seconds 10]
        [--live-runners 4000] [--live-rate 1000] [--live-seconds 15]

Starts the embedded PostgreSQL and Redis in a temporary directory, migrates, creates a
marathon with ``--runners`` finishers (bulk SQL; their results written an hour ago, as in a
race in progress), then measures:

1. the full leaderboard: load + place + store all boards in Redis (``refresh_event``, full),
   with the CPU it took in this process and in the Redis server (the machine may be shared:
   wall times include waiting for other work);
2. one new finisher reflected: store one result, incremental ``refresh_event``;
3. the cached leaderboard JSON under load: gunicorn on 127.0.0.1 (2 workers x 4 threads,
   gthread) and Debian's ``wrk`` (2 threads, 32 connections) on
   ``/api/public/events/<id>/leaderboard``;
4. read stored → visible on the live page: a simulated 10 km race (``--live-runners`` × 4
   timing points) posted to ``POST /api/timing/passings`` at a steady ``--live-rate`` reads/s
   (batches every 100 ms, for at most ``--live-seconds``), a real Celery worker (all queues,
   concurrency 2) processing them and refreshing the leaderboard, and a server-sent events
   client on ``/live/<id>/stream``. A finisher is visible when an ``update`` event arrives
   and the runner's line is on the stored board (what the page then fetches, one cached API
   call); the latency is from the HTTP 2xx of the batch holding the finish read (stored
   durably) to that event.

Targets on a 2-core machine: full ≤ 0.5 s; one finisher ≤ 50 ms; ≥ 1,000 req/s at p95 ≤ 50 ms;
stored → visible p95 ≤ 1 s at 1,000 reads/s. Everything runs on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from datetime import date
from pathlib import Path

from bench_support import (  # first: it puts the project on sys.path
    BenchEnvironment,
    bench_environment,
    celery_worker,
    gunicorn,
    record,
)
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys.accounts.actor import SYSTEM  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.jobs import Queue  # noqa: E402
from athsys.leaderboards import lines, reads, refresh
from athsys.leaderboards.cache import BoardStore  # noqa: E402
from athsys.redis_client import make_redis  # noqa: E402
from athsys.timing.simulation import race_passings, setup_race  # noqa: E402

RACE_DAY = date.today()


def _setup_marathon(session: Session, runners: int) -> tuple[int, int, int]:
    """Competition, marathon event, one heat, runners + 1 athletes and entries, and results
    for all but the last entry; returns (event id, heat id, last entry id)."""
    competition_id = session.execute(text(
        "INSERT INTO competition (name, venue, start_date, end_date, status) "
        "VALUES ('Bench Marathon', 'City', :d, :d, 'live') RETURNING id"),  # drafts are private
        {"d": RACE_DAY}).scalar_one()
    event_id = session.execute(text(
        "INSERT INTO event (competition_id, discipline_code, name, sex, kind) "
        "VALUES (:c, 'MAR', 'Marathon', 'M', 'road') RETURNING id"), {"c": competition_id}
    ).scalar_one()
    round_id = session.execute(text(
        "INSERT INTO round (event_id, kind) VALUES (:e, 'final') RETURNING id"), {"e": event_id}
    ).scalar_one()
    heat_id = session.execute(text(
        "INSERT INTO heat (round_id, number, status) VALUES (:r, 1, 'started') RETURNING id"),
        {"r": round_id}).scalar_one()
    session.execute(text(
        "INSERT INTO club (name, code)"
        " SELECT 'Club ' || g, 'C' || g FROM generate_series(1, 200) g"))
    session.execute(text(
        "INSERT INTO athlete (first_name, last_name, sex, birth_date, club_id) "
        "SELECT 'Runner' || g, 'Bench' || g, 'M', DATE '1960-01-01' + (g % 15000), "
        "(SELECT min(id) FROM club) + g % 200 FROM generate_series(1, :n) g"), {"n": runners + 1})
    session.execute(text(
        "INSERT INTO entry (event_id, competition_id, athlete_id, bib) "
        "SELECT :e, :c, a.id, a.id::text FROM athlete a"), {"e": event_id, "c": competition_id})
    session.execute(text(
        "INSERT INTO result (heat_id, entry_id, mark, status, created_at, updated_at) "
        "SELECT :h, e.id, 7500000 + (hashtext(e.id::text) & 2147483647) % 14400000, 'OK', "
        "now() - interval '1 hour', now() - interval '1 hour' FROM entry e "
        "WHERE e.event_id = :e ORDER BY e.id LIMIT :n"),
        {"h": heat_id, "e": event_id, "n": runners})
    last = session.execute(text("SELECT max(id) FROM entry WHERE event_id = :e"),
                           {"e": event_id}).scalar_one()
    session.execute(text("ANALYZE"))
    return event_id, heat_id, last


def _wrk_figures(output: str) -> tuple[float, str]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    found = re.search(r"^\s+90%\s+(\S+)\n\s+99%\s+(\S+)", output, re.M)
    return rate, f"p90 {found.group(1)}, p99 {found.group(2)}" if found else "?"


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _full_and_incremental(engine, store: BoardStore, runners: int) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as session, session.begin():
        event_id, heat_id, last_entry = _setup_marathon(session, runners)
    fulls, python_cpu, redis_cpu, loads = [], [], [], []
    for _ in range(3):  # the baseline read just before each full build: the same load on both
        with Session(engine) as session:
            info = lines.event_info(session, event_id)
            started = time.perf_counter()
            read = sum(len(chunk) for chunk in lines.placing_chunks(session, info))
            loads.append((time.perf_counter() - started) * 1000)
        assert read == runners
        redis_before, cpu_before = _redis_cpu_s(store), time.process_time()
        with Session(engine) as session:
            fulls.append(refresh.refresh_event(session, store, event_id,
                                               force_full=True).compute_ms)
        python_cpu.append((time.process_time() - cpu_before) * 1000)
        redis_cpu.append((_redis_cpu_s(store) - redis_before) * 1000)
    with Session(engine) as session:
        board = reads.read_board(session, store, event_id, per_page=1)
    assert board["lines"][0]["place"] == 1 and board["total"] == runners
    print(f"  full leaderboard          : {min(fulls):8.0f} ms (best of 3, all boards stored "
          f"in Redis; runs {', '.join(f'{f:.0f}' for f in fulls)} ms; CPU per run: Python "
          f"{', '.join(f'{c:.0f}' for c in python_cpu)} ms, Redis server "
          f"{', '.join(f'{c:.0f}' for c in redis_cpu)} ms; reading the placings alone "
          f"(PostgreSQL + Python, no Redis) before each: {', '.join(f'{m:.0f}' for m in loads)}"
          f" ms; medians {sorted(fulls)[1] / sorted(loads)[1]:.2f} x the read)")
    record("leaderboard.full_ms", sorted(fulls)[1])
    record("baseline.placings_read_ms", sorted(loads)[1])

    incremental = []
    for i in range(5):
        with Session(engine) as session, session.begin():
            if i == 0:
                session.execute(text(
                    "INSERT INTO result (heat_id, entry_id, mark, status) "
                    "VALUES (:h, :e, 8000000, 'OK')"), {"h": heat_id, "e": last_entry})
            else:
                session.execute(text(
                    "UPDATE result SET mark = mark - 1000, revision = revision + 1 "
                    "WHERE entry_id = :e"), {"e": last_entry})
        with Session(engine) as session:
            outcome = refresh.refresh_event(session, store, event_id)
        assert not outcome.full and outcome.lines_changed == 1, outcome
        incremental.append(outcome.compute_ms)
    with Session(engine) as session:
        page = reads.read_board(session, store, event_id, page=1, per_page=50)
    print(f"  one new finisher reflected: {sorted(incremental)[2]:8.1f} ms (median of 5: "
          f"{', '.join(f'{m:.1f}' for m in incremental)} ms; read of the changed rows, "
          f"ZADD, meta); page 1 source={page['source']}")
    record("leaderboard.one_finisher_ms", sorted(incremental)[2])
    get_ms = _redis_get_ms(store)
    print(f"  plain Redis GET (baseline): {get_ms:8.2f} ms (median of 1,000 round trips)")
    record("baseline.redis_get_ms", get_ms)
    return event_id


def _redis_get_ms(store: BoardStore) -> float:
    """Median round trip of a plain ``GET`` of a short key: the floor of any Redis answer."""
    store.client.set("athsys:bench:get", "x")
    times = []
    for _ in range(1_000):
        started = time.perf_counter()
        store.client.get("athsys:bench:get")
        times.append((time.perf_counter() - started) * 1000)
    return _percentile(times, 0.5)


def _redis_cpu_s(store: BoardStore) -> float:
    """CPU seconds the Redis server has used (user + system)."""
    found = store.client.info("cpu")
    return float(found["used_cpu_user"]) + float(found["used_cpu_sys"])


_WRK_P95 = """
done = function(summary, latency, requests)
  io.write(string.format("p95 latency: %.2fms\\n", latency:percentile(95) / 1000))
end
"""


def _wrk(url: str, seconds: int, data_dir: Path) -> tuple[float, str, str]:
    """(requests/s, latency summary, wrk's output) of ``wrk -t2 -c32`` against ``url``."""
    for _ in range(20):
        urllib.request.urlopen(url, timeout=10).read()  # noqa: S310 - loopback
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: make system-packages (Debian package wrk)")
    script = data_dir / "p95.lua"
    script.write_text(_WRK_P95)
    out = subprocess.run([wrk, "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script),
                          url], capture_output=True, text=True, check=True).stdout
    rate, latency = _wrk_figures(out)
    p95 = re.search(r"p95 latency: (\S+)", out)
    return rate, f"p95 {p95.group(1) if p95 else '?'}, {latency}", out


def _cached_json(base: str, event_id: int, seconds: int, data_dir: Path) -> None:
    rate, latency, out = _wrk(f"{base}/api/public/events/{event_id}/leaderboard?per_page=50",
                              seconds, data_dir)
    print(f"  cached leaderboard JSON   : {rate:8.0f} req/s ({latency}; wrk -t2 -c32 "
          f"-d{seconds}s against gunicorn 2 workers x 4 threads)")
    print("    " + "\n    ".join(line for line in out.splitlines() if line.strip()))
    record("leaderboard.cached_json_rps", rate)
    static_rate, static_latency, _ = _wrk(f"{base}/static/live/live.css", seconds, data_dir)
    print(f"  static file (baseline)    : {static_rate:8.0f} req/s ({static_latency}; the same "
          f"gunicorn serving /static/live/live.css)")
    record("baseline.static_file_rps", static_rate)


class _LiveWatcher(threading.Thread):
    """Follows /live/<id>/stream (reconnecting when the server closes it) and, on each
    ``update``, marks the awaited finishers whose lines are now on the stored board."""

    def __init__(self, port: int, competition_id: int, event_id: int, client) -> None:  # type: ignore[no-untyped-def]
        super().__init__(daemon=True)
        self.port, self.competition_id, self.event_id = port, competition_id, event_id
        self.client = client
        self.awaited: dict[int, float] = {}  # entry id -> when its read was stored
        self.latencies: list[float] = []
        self.updates = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.connected = threading.Event()

    def expect(self, entry_ids: list[int], stored_at: float) -> None:
        with self.lock:
            for entry_id in entry_ids:
                self.awaited.setdefault(entry_id, stored_at)

    def run(self) -> None:
        while not self.stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                conn.request("GET", f"/live/{self.competition_id}/stream")
                response = conn.getresponse()
                kind = None
                while not self.stop.is_set():
                    raw = response.readline()
                    if not raw:
                        break
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        kind = line[7:]
                        if kind == "hello":
                            self.connected.set()
                    elif line.startswith("data: ") and kind == "update":
                        self._seen(time.monotonic(), json.loads(line[6:]))
            except OSError:
                time.sleep(0.1)
            finally:
                conn.close()

    def _seen(self, at: float, message: dict) -> None:  # type: ignore[type-arg]
        if message.get("event_id") != self.event_id:
            return
        self.updates += 1
        with self.lock:
            waiting = [e for e, stored in self.awaited.items() if stored <= at]
        if not waiting:
            return
        found = self.client.zmscore(f"athsys:lb:{self.event_id}:z:all", [str(e) for e in waiting])
        with self.lock:
            for entry_id, line in zip(waiting, found, strict=True):
                if line is not None:
                    self.latencies.append(at - self.awaited.pop(entry_id))


def _stored_to_visible(engine, bench: BenchEnvironment, port: int,  # type: ignore[no-untyped-def]
                       runners: int, rate: int, seconds: int) -> None:
    with Session(engine) as session, session.begin():
        race = setup_race(session, SYSTEM, runners=runners, day=RACE_DAY, name="Bench 10K")
        event_id = session.execute(text(
            "SELECT e.id FROM event e WHERE e.competition_id = :c"),
            {"c": race.competition_id}).scalar_one()
        entry_of_bib = dict(session.execute(text(
            "SELECT bib, id FROM entry WHERE event_id = :e"), {"e": event_id}).all())
    reads = race_passings(runners)
    tick_s, per_tick = 0.1, max(1, rate // 10)
    batches = [reads[i:i + per_tick] for i in range(0, len(reads), per_tick)]
    batches = batches[:int(seconds / tick_s)]
    client = make_redis(bench.settings, timeout_s=10)
    watcher = _LiveWatcher(port, race.competition_id, event_id, client)
    try:
        with celery_worker(bench, queues=",".join(Queue.ALL)):
            watcher.start()
            watcher.connected.wait(10)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            headers = {"Authorization": f"Bearer {race.token}", "Content-Type": "application/json"}
            posted, slow_posts, started = 0, 0, time.monotonic()
            for index, chunk in enumerate(batches):
                due = started + index * tick_s
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                else:
                    slow_posts += 1
                body = json.dumps([p.as_json(race.gun) for p in chunk])
                conn.request("POST", "/api/timing/passings", body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                if answer.status >= 300:
                    raise RuntimeError(f"POST /api/timing/passings -> {answer.status}")
                stored_at = time.monotonic()
                posted += len(chunk)
                finishers = [entry_of_bib[str(int(p.chip[3:]))] for p in chunk
                             if p.point == "finish"]
                watcher.expect(finishers, stored_at)
            post_s = time.monotonic() - started
            deadline = time.monotonic() + 10
            while watcher.awaited and time.monotonic() < deadline:
                time.sleep(0.1)
            latencies = watcher.latencies
            p95_ms = _percentile(latencies, 0.95) * 1000 if latencies else float("nan")
            record("live.stored_to_visible_p95_ms", p95_ms)
            print(f"  stored -> visible (live)  : p95 {p95_ms:6.0f} ms "
                  f"at {posted / post_s:,.0f} reads/s for {post_s:.1f} s ({posted} reads, "
                  f"{len(latencies)} finishers seen, {len(watcher.awaited)} not seen within 10 s; "
                  f"{watcher.updates} SSE updates; {slow_posts} late posts)")
            if latencies:
                print(f"    latency ms: min {min(latencies) * 1000:.0f}, median "
                      f"{_percentile(latencies, 0.5) * 1000:.0f}, p95 "
                      f"{_percentile(latencies, 0.95) * 1000:.0f}, p99 "
                      f"{_percentile(latencies, 0.99) * 1000:.0f}, max {max(latencies) * 1000:.0f}")
    finally:
        watcher.stop.set()
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=55_000)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration")
    parser.add_argument("--live-runners", type=int, default=4_000)
    parser.add_argument("--live-rate", type=int, default=1_000, help="reads/s posted")
    parser.add_argument("--live-seconds", type=int, default=15)
    args = parser.parse_args()
    with bench_environment("athsys-lb-bench-") as bench:
        settings, data_dir = bench.settings, bench.data_dir
        engine = make_engine(settings, pool_size=2)
        store = BoardStore(make_redis(settings, timeout_s=30))
        print(f"leaderboard benchmark: marathon of {args.runners} finishers, "
              f"{os.cpu_count()} CPU(s)")
        event_id = _full_and_incremental(engine, store, args.runners)
        with gunicorn(bench) as base:
            port = int(base.rsplit(":", 1)[1])
            _cached_json(base, event_id, args.seconds, data_dir)
            _stored_to_visible(engine, bench, port, args.live_runners, args.live_rate,
                               args.live_seconds)
        print("  targets (2 cores)         :      500 ms full,     50 ms one finisher, "
              "1,000 req/s at p95 <= 50 ms, stored -> visible p95 <= 1 s at 1,000 reads/s")
        engine.dispose()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
