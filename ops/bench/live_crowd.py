"""Live results for a crowd: prints figures, asserts nothing.

    .venv/bin/python ops/bench/live_crowd.py [--connections 10000] [--rate 2] [--seconds 30]
        [--client-processes 2]

Starts the embedded PostgreSQL and Redis in a temporary directory, migrates, creates one
published competition, starts ``athsys live-stream`` (the asyncio fan-out) on 127.0.0.1, then:

1. opens ``--connections`` server-sent event streams to ``/live/<id>/stream`` from
   ``--client-processes`` client processes (plain asyncio protocols that only look for the
   ``hello`` and each update's timestamp, so the clients cost little of the 2 cores; at most
   200 connecting at once each; every process raises its own open-files limit) and waits
   until each got its ``hello``;
2. publishes ``--rate`` announcements a second for ``--seconds`` on the competition's live
   channel (as a leaderboard refresh does, plus the wall-clock time of publishing), while a
   plain Redis ``GET`` round trip is timed every 50 ms as the baseline of the same run;
   With ``--replay-rate N``, a gunicorn and a Celery worker also run, and ``athsys simulate``
   replays a 4,000-runner 10 km road race at N reads a second into the device API meanwhile
   (its leaderboard refreshes announce on Redis too, through the same subscription);
3. prints connections held at the end, update latency p50/p95/p99 from ``PUBLISH`` to the
   ``update`` line read by the client (over every viewer and every update; updates missed are
   counted), the server's peak RSS and CPU seconds, the baseline, and the load average before
   and after (the machine is shared: what else was running shows there).

Target on a 2-core machine: 10,000 viewers held, update latency p95 <= 2 s. Everything runs on
127.0.0.1 (no address can be given) and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from multiprocessing.connection import Connection
from pathlib import Path

import redis as redis_lib
from bench_support import (
    ROOT,
    BenchEnvironment,
    bench_environment,
    celery_worker,
    gunicorn,
    live_stream,
    record,
    stop,
)
from sqlalchemy import create_engine, text

HOST = "127.0.0.1"  # loopback only, never an argument
CONNECTING_AT_ONCE = 200
MAX_CONNECTIONS = 20_000


def _raise_nofile() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


# -- the clients (each in its own process) ------------------------------------------------------

class _Viewer(asyncio.Protocol):
    """One viewer's stream, read as cheaply as possible (the client processes must not be
    what the latency measures): the timestamp of each update is read as it arrives."""

    def __init__(self, request: bytes, counts: dict[str, int], latencies: list[float],
                 connected: asyncio.Future[bool]) -> None:
        self.request, self.counts, self.latencies = request, counts, latencies
        self.connected = connected
        self.buffer = b""
        self.hello = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.write(self.request)  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        received = time.time()
        self.buffer += data
        if not self.hello:
            if b"event: hello" not in self.buffer:
                if b"event: fallback" in self.buffer or b" 404 " in self.buffer[:20]:
                    self._settle(False)
                return
            self.hello = True
            self.counts["hello"] += 1
            self._settle(True)
        *events, self.buffer = self.buffer.split(b"\n\n")
        for event in events:
            at = event.find(b'"t":')
            if at >= 0:
                self.latencies.append(received - float(event[at + 4:event.index(b"}", at)]))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.hello:
            self.counts["ended"] += 1
        self._settle(False)

    def _settle(self, ok: bool) -> None:
        if not self.connected.done():
            self.connected.set_result(ok)


async def _clients(port: int, path: str, count: int, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    counts = {"hello": 0, "ended": 0, "refused": 0}
    latencies: list[float] = []
    request = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    transports: list[asyncio.BaseTransport] = []

    async def connect() -> None:
        async with gate:
            connected: asyncio.Future[bool] = loop.create_future()
            try:
                transport, _ = await loop.create_connection(
                    lambda: _Viewer(request, counts, latencies, connected), HOST, port)
            except OSError:
                counts["refused"] += 1
                return
            transports.append(transport)
            try:
                if not await asyncio.wait_for(connected, 30):
                    counts["refused"] += 1
            except TimeoutError:
                counts["refused"] += 1

    await asyncio.gather(*(connect() for _ in range(count)))
    pipe.send(("connected", counts["hello"]))
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    held = counts["hello"] - counts["ended"]
    for transport in transports:
        transport.abort()
    pipe.send(("done", held, count - counts["hello"] + counts["ended"], latencies))


def _client_process(port: int, path: str, count: int, pipe: Connection) -> None:
    _raise_nofile()
    asyncio.run(_clients(port, path, count, pipe))


# -- the run ------------------------------------------------------------------------------------

def _published_competition(bench: BenchEnvironment) -> int:
    engine = create_engine(bench.settings.database_url)
    with engine.begin() as conn:
        competition_id = conn.execute(text(
            "INSERT INTO competition (name, venue, start_date, end_date, status) "
            "VALUES ('Crowd Marathon', 'City', current_date, current_date, 'live') "
            "RETURNING id")).scalar_one()
    engine.dispose()
    return int(competition_id)


def _replay(bench: BenchEnvironment, url: str, rate: int,
            seconds: int) -> subprocess.Popen[bytes]:
    """``athsys simulate --setup``: a 10 km road race posted to the device API at ``rate``
    reads a second, processed by the worker, whose refreshes announce on Redis (the same
    fan-out subscription hears them)."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "webui.cli", "simulate", "--setup", "--url", url,
         "--runners", "4000", "--rate", str(rate), "--batch", str(max(1, rate // 10)),
         "--max-seconds", str(seconds)],
        cwd=ROOT, env=bench.process_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _finish_replay(process: subprocess.Popen[bytes]) -> str:
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        stop(process)
        return "did not end in time"
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1] if lines else f"exit {process.returncode}"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _publish(client: redis_lib.Redis, channel: str, rate: float, seconds: float,
             pid: int) -> tuple[int, list[float], float]:
    """Publishes at a steady rate and times a plain GET every 50 ms in between; returns
    (announcements, GET round trips in ms, peak RSS of the server in MiB)."""
    client.set("athsys:bench:get", "x")
    gets: list[float] = []
    peak = _rss_mb(pid)
    started = time.monotonic()
    sent = 0
    while time.monotonic() - started < seconds:
        due = started + sent / rate
        if time.monotonic() >= due:
            sent += 1
            client.publish(channel, json.dumps(
                {"event_id": 1, "heat_ids": [], "version": sent, "t": time.time()},
                separators=(",", ":")))
            peak = max(peak, _rss_mb(pid))
            continue
        before = time.perf_counter()
        client.get("athsys:bench:get")
        gets.append((time.perf_counter() - before) * 1000)
        time.sleep(max(0.0, min(0.05, due - time.monotonic())))
    return sent, gets, peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=10_000,
                        choices=range(1, MAX_CONNECTIONS + 1), metavar=f"1..{MAX_CONNECTIONS}")
    parser.add_argument("--rate", type=float, default=2.0, help="announcements a second")
    parser.add_argument("--seconds", type=int, default=30, choices=range(1, 121),
                        metavar="1..120")
    parser.add_argument("--client-processes", type=int, default=2, choices=range(1, 9),
                        metavar="1..8")
    parser.add_argument("--replay-rate", type=int, default=0, choices=range(0, 5001),
                        metavar="0..5000",
                        help="also replay a simulated road race at this many reads a second "
                             "(gunicorn + a Celery worker + `athsys simulate`) during the "
                             "updates; 0: no replay (default)")
    args = parser.parse_args()
    if not 0.1 <= args.rate <= 20:
        parser.error("--rate must be between 0.1 and 20")
    print(f"open files limit: {_raise_nofile()} (this process)")
    load_before = os.getloadavg()
    with bench_environment("athsys-live-crowd-") as bench, ExitStack() as stack:
        competition_id = _published_competition(bench)
        replay_url = None
        if args.replay_rate:
            replay_url = stack.enter_context(gunicorn(bench, workers=1))
            stack.enter_context(celery_worker(bench, queues="ingest,leaderboards",
                                              concurrency=1))
        with live_stream(bench) as (address, server):
            port = int(address.rpartition(":")[2])
            path = f"/live/{competition_id}/stream"
            rss_idle = _rss_mb(server.pid)
            context = mp.get_context("spawn")
            shares = [args.connections // args.client_processes
                      + (1 if i < args.connections % args.client_processes else 0)
                      for i in range(args.client_processes)]
            pipes, processes = [], []
            connect_started = time.monotonic()
            for share in shares:
                ours, theirs = context.Pipe()
                process = context.Process(target=_client_process,
                                          args=(port, path, share, theirs))
                process.start()
                pipes.append(ours)
                processes.append(process)
            connected = sum(pipe.recv()[1] for pipe in pipes)
            connect_s = time.monotonic() - connect_started
            rss_connected = _rss_mb(server.pid)
            print(f"connected {connected:,} of {args.connections:,} viewers in {connect_s:.1f} s;"
                  f" server RSS {rss_idle:.0f} MiB idle, {rss_connected:.0f} MiB connected")
            client = redis_lib.Redis.from_url(bench.settings.redis_url)
            cpu_before = _cpu_s(server.pid)
            replay = None if replay_url is None else _replay(bench, replay_url,
                                                             args.replay_rate, args.seconds)
            sent, gets, rss_peak = _publish(
                client, f"athsys:live:competition:{competition_id}", args.rate, args.seconds,
                server.pid)
            if replay is not None:
                replay_report = _finish_replay(replay)
            time.sleep(3)  # the last announcement's stragglers
            with urllib.request.urlopen(f"http://{address}/health", timeout=10) as answer:  # noqa: S310 - loopback
                health = json.loads(answer.read())
            cpu_used = _cpu_s(server.pid) - cpu_before
            held, failed, latencies = 0, 0, []
            for pipe in pipes:
                pipe.send("stop")
            for pipe in pipes:
                _, process_held, process_failed, process_latencies = pipe.recv()
                held += process_held
                failed += process_failed
                latencies.extend(process_latencies)
            for process in processes:
                process.join(30)
            client.close()
    load_after = os.getloadavg()
    expected = sent * connected
    ms = [value * 1000 for value in latencies]
    p50, p95, p99 = (_percentile(ms, share) for share in (0.5, 0.95, 0.99))
    g50, g95, g99 = (_percentile(gets, share) for share in (0.5, 0.95, 0.99))
    print(f"\nviewers held at the end:        {held:,} of {args.connections:,} "
          f"({failed:,} failed, refused or ended)")
    print(f"announcements published:        {sent} at {args.rate:g}/s for {args.seconds} s")
    print(f"updates received:               {len(ms):,} of {expected:,} "
          f"({expected - len(ms):,} missed)")
    print(f"update latency publish->viewer: p50 {p50:8.1f} ms  p95 {p95:8.1f} ms  "
          f"p99 {p99:8.1f} ms  max {max(ms, default=float('nan')):8.1f} ms")
    print(f"baseline plain Redis GET:       p50 {g50:8.2f} ms  p95 {g95:8.2f} ms  "
          f"p99 {g99:8.2f} ms  ({len(gets):,} round trips during the run)")
    print(f"server RSS:                     peak {rss_peak:.0f} MiB "
          f"({(rss_peak - rss_idle) * 1024 / max(1, connected):.1f} KiB a viewer); "
          f"CPU {cpu_used:.1f} s over {args.seconds + 3} s of updates")
    print(f"server's own count:             {health['delivered']:,} events written, "
          f"{health['dropped']:,} viewers dropped as too slow")
    if args.replay_rate:
        print(f"replay during the updates:      {replay_report}")
    print(f"load average (1 min):           before {load_before[0]:.2f}, after "
          f"{load_after[0]:.2f}; {os.cpu_count()} CPU(s)")
    record("crowd.viewers_held", held)
    record("crowd.update_p95_ms", p95)
    record("crowd.update_p99_ms", p99)
    record("crowd.server_rss_mb", rss_peak)
    record("baseline.crowd_redis_get_p95_ms", g95)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
