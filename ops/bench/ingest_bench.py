"""Ingestion benchmark: prints figures, asserts nothing.

    .venv/bin/python ops/bench/ingest_bench.py [--runners 10000] [--batch 1000] [--clients 16]

Starts the embedded PostgreSQL and Redis in a temporary directory, migrates, sets up a
simulated 10 km race (runners × 4 timing points), starts gunicorn on 127.0.0.1 (2 workers,
gthread, as ``athsys web``), then measures in one run:

1. reads/s accepted durably through ``POST /api/timing/passings`` (batches of ``--batch``,
   ``--clients`` concurrent HTTP clients; a 2xx means committed), and the CPU a batch cost
   meanwhile in gunicorn, PostgreSQL, Redis and the clients (from ``/proc``: a figure the
   machine's load does not bend, where the rate is the load's). The race's reads are posted
   by ``--accept-devices`` decoders of a race of their own (as a primary and a backup mat
   both send every read), all but the first ``WARM_UP_BATCHES`` measured: about 1.5 s of
   posting, where a single pass took 0.45 s and moved by a tenth between runs with the
   first requests each gunicorn worker serves. By default there are two clients for each
   request thread of the gunicorn (workers × threads × 2: 16), so that every thread has the
   next request waiting while it answers one and the figure is what the server accepts:
   with one client a thread, each thread waits for its client between answers (a marathon
   has some 22 decoders posting, two at each of eleven timing points);
2. reads/s processed into results, in one process as the worker does (claim, then process
   each batch in order; processing of a competition is serialised by its advisory lock):
   a. the race stored first, as after an outage: each processing catches up, taking the
      waiting batches along (up to ``CATCH_UP_MAX_READS`` reads a transaction, 15,000
      unless the environment says otherwise);
   b. a second race, stored first too, processed one batch at a time (catching up off), as
      when the worker keeps up and each batch is alone;
   each with the CPU seconds the PostgreSQL server (from ``/proc``) and this process used;
3. reads/s of a raw PostgreSQL ``COPY`` of the same rows into an empty table, the floor
   any durable path is compared with: the median of three (one takes 0.08 s);
4. end to end, the whole pipeline as on race day: a third race of the same size posted
   over HTTP while a real Celery worker (all queues, concurrency 2, as ``athsys worker``)
   processes it, from the first POST until its last batch is done.

Targets on a 2-core machine: ≥ 20,000 reads/s accepted, ≥ 10,000 reads/s processed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from bench_support import (  # first: it puts the project on sys.path
    GUNICORN_THREADS,
    BenchEnvironment,
    bench_environment,
    celery_worker,
    gunicorn,
    postgres_cpu_s,
    process_tree_cpu_s,
    record,
    server_pids,
)
from sqlalchemy import func, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys.accounts.actor import SYSTEM  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.jobs import Queue  # noqa: E402
from athsys.timing import batches as timing_batches  # noqa: E402
from athsys.timing import service as timing_service  # noqa: E402
from athsys.timing.devices import create_device  # noqa: E402
from athsys.timing.models import DeviceKind, ReadBatch, TimingDevice  # noqa: E402
from athsys.timing.simulation import (  # noqa: E402
    SimulatedRace,
    batches,
    race_passings,
    setup_race,
)

RACE_DAY = date(2025, 10, 12)
WARM_UP_BATCHES = 4


def _post(base: str, token: str, body: bytes) -> dict:  # type: ignore[type-arg]
    request = urllib.request.Request(
        f"{base}/api/timing/passings", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["data"]  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=None,
                        help="concurrent HTTP clients (default: 2 x gunicorn workers x threads)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--accept-devices", type=int, default=3,
                        help="decoders posting the race's reads while accepting is measured")
    args = parser.parse_args()
    args.clients = args.clients or 2 * args.workers * GUNICORN_THREADS

    with bench_environment("athsys-bench-") as bench:
        settings = bench.settings
        engine = make_engine(settings, pool_size=2)
        with Session(engine) as session, session.begin():
            race = setup_race(session, SYSTEM, runners=args.runners, day=RACE_DAY)
        reads = race_passings(args.runners)
        bodies = [json.dumps([p.as_json(race.gun) for p in chunk]).encode()
                  for chunk in batches(reads, args.batch)]

        with Session(engine) as session, session.begin():
            accepting = setup_race(session, SYSTEM, runners=args.runners, day=RACE_DAY,
                                   name="Simulated 10K, accepted only")
            tokens = [accepting.token] + [
                create_device(session, SYSTEM, competition_id=accepting.competition_id,
                              name=f"decoder {n}", kind=DeviceKind.CHIP_DECODER,
                              timing_point_id=None).token
                for n in range(2, args.accept_devices + 1)]
        accept_bodies = [json.dumps([p.as_json(accepting.gun) for p in chunk]).encode()
                         for chunk in batches(race_passings(args.runners, seed=4), args.batch)]
        posts = [(token, body) for token in tokens for body in accept_bodies]

        with gunicorn(bench, workers=args.workers) as base:
            warm, measured = posts[:WARM_UP_BATCHES], posts[WARM_UP_BATCHES:]
            for token, body in warm:
                _post(base, token, body)
            measured_reads = sum(len(json.loads(body)) for _, body in measured)
            load_before = os.getloadavg()[0]
            servers = server_pids(bench)
            server_cpu = {name: process_tree_cpu_s(pids) for name, pids in servers.items()}
            started, client_cpu = time.perf_counter(), time.process_time()
            with ThreadPoolExecutor(args.clients) as pool:
                answers = list(pool.map(lambda post: _post(base, *post), measured))
            accept_s = time.perf_counter() - started
            client_cpu = time.process_time() - client_cpu
            server_cpu = {name: (process_tree_cpu_s(servers[name]) - used) * 1000 / len(measured)
                          for name, used in server_cpu.items()}
            _forget(engine, accepting.competition_id)
            _post_all(base, race.token, bodies, args.clients)  # stored, to be processed
            accepted = sum(a["accepted"] for a in answers)
            assert accepted == measured_reads, (accepted, measured_reads)

            process_s, created, process_cpu = _process_in_order(
                bench, engine, race.competition_id,
                catch_up_reads=settings.catch_up_max_reads)
            alone = _post_race(base, engine, args.runners, args.batch, args.clients,
                               name="Simulated 10K, batch by batch", seed=3)
            alone_s, alone_created, alone_cpu = _process_in_order(
                bench, engine, alone.competition_id, catch_up_reads=0)

            copy_s = _raw_copy(engine, reads, race.gun)
            worker_reads, worker_s, worker_results = _through_the_worker(
                bench, base, engine, args.runners, args.batch, args.clients)
            total = len(reads)
            print(f"ingestion benchmark: {args.runners} runners x 4 points = {total} reads, "
                  f"batches of {args.batch}, {os.cpu_count()} CPU(s), gunicorn {args.workers} "
                  f"workers x {GUNICORN_THREADS} threads, {args.clients} HTTP clients")
            print(f"  accepted durably via HTTP : {measured_reads / accept_s:>10,.0f} reads/s "
                  f"({measured_reads} reads from {len(tokens)} decoders in {accept_s:.2f} s, "
                  f"after {len(warm)} warm-up batches; load average {load_before:.2f} before)")
            print("    CPU a batch, ms         : " + ", ".join(
                f"{name} {ms:.1f}" for name, ms in server_cpu.items())
                + f", clients {client_cpu * 1000 / len(measured):.1f}; all "
                f"{sum(server_cpu.values()) + client_cpu * 1000 / len(measured):.1f}")
            print(f"  processed, catching up    : {total / process_s:>10,.0f} reads/s "
                  f"({total} reads in {process_s:.2f} s; {created} results created; "
                  f"CPU {process_cpu})")
            print(f"  processed batch by batch  : {total / alone_s:>10,.0f} reads/s "
                  f"({total} reads in {alone_s:.2f} s; {alone_created} results created; "
                  f"CPU {alone_cpu})")
            print(f"  raw PostgreSQL COPY       : {total / copy_s:>10,.0f} reads/s "
                  f"({total} rows in {copy_s:.3f} s)")
            print(f"  end to end with a worker  : {worker_reads / worker_s:>10,.0f} reads/s "
                  f"({worker_reads} reads posted and processed in {worker_s:.2f} s; "
                  f"{worker_results} results)")
            print("  targets (2 cores)         :     20,000 accepted,     10,000 processed")
            record("ingest.accepted", measured_reads / accept_s)
            record("ingest.processed_catching_up", total / process_s)
            record("ingest.processed_batch_by_batch", total / alone_s)
            record("ingest.end_to_end", worker_reads / worker_s)
            record("baseline.copy", total / copy_s)
            engine.dispose()
            return 0


def _process_in_order(bench: BenchEnvironment, engine, competition_id: int, *,  # type: ignore[no-untyped-def]
                      catch_up_reads: int) -> tuple[float, int, str]:
    """(seconds, results created, CPU) to claim and process every batch of the competition;
    CPU: seconds of the PostgreSQL server and of this process (the only client meanwhile:
    gunicorn is idle)."""
    with Session(engine) as session:
        batch_ids = list(session.scalars(
            select(ReadBatch.id).join(TimingDevice, TimingDevice.id == ReadBatch.device_id)
            .where(TimingDevice.competition_id == competition_id).order_by(ReadBatch.id)))
    started, python_cpu, server_cpu = time.perf_counter(), time.process_time(), \
        postgres_cpu_s(bench)
    created = 0
    for batch_id in batch_ids:
        with Session(engine) as session, session.begin():
            timing_batches.claim_batch(session, batch_id)
        with Session(engine) as session, session.begin():
            outcome = timing_service.process_batch(session, batch_id, catch_up_reads=catch_up_reads)
            created += outcome.results_created if outcome else 0
    elapsed = time.perf_counter() - started
    cpu = (f"PostgreSQL {postgres_cpu_s(bench) - server_cpu:.2f} s, "
           f"Python {time.process_time() - python_cpu:.2f} s")
    return elapsed, created, cpu


def _post_race(base: str, engine, runners: int, size: int, clients: int, *,  # type: ignore[no-untyped-def]
               name: str, seed: int) -> SimulatedRace:
    """A new race of ``runners``, all its reads posted (nobody processes them yet)."""
    with Session(engine) as session, session.begin():
        race = setup_race(session, SYSTEM, runners=runners, day=RACE_DAY, name=name)
    bodies = [json.dumps([p.as_json(race.gun) for p in chunk]).encode()
              for chunk in batches(race_passings(runners, seed=seed), size)]
    _post_all(base, race.token, bodies, clients)
    return race


def _forget(engine, competition_id: int) -> None:  # type: ignore[no-untyped-def]
    """Delete the reads and batches of the race measured accepting, and vacuum: its decoders
    wear the same chips as the races processed next, whose lookups by chip would otherwise
    visit its reads too."""
    with engine.begin() as conn:
        conn.execute(text(
            "DELETE FROM timing_read WHERE device_id IN (SELECT id FROM timing_device"
            " WHERE competition_id = :c); DELETE FROM read_batch WHERE device_id IN"
            " (SELECT id FROM timing_device WHERE competition_id = :c)"), {"c": competition_id})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE timing_read, read_batch"))


def _post_all(base: str, token: str, bodies: list[bytes], clients: int) -> None:
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda b: _post(base, token, b), bodies))


def _through_the_worker(bench: BenchEnvironment, base: str, engine, runners: int,  # type: ignore[no-untyped-def]
                        size: int, clients: int) -> tuple[int, float, int]:
    """(reads, seconds, results) of a new race posted while a worker processes it."""
    with Session(engine) as session, session.begin():
        race = setup_race(session, SYSTEM, runners=runners, day=RACE_DAY,
                          name="Simulated 10K, end to end")
    reads = race_passings(runners, seed=2)
    bodies = [json.dumps([p.as_json(race.gun) for p in chunk]).encode()
              for chunk in batches(reads, size)]
    with celery_worker(bench, queues=",".join(Queue.ALL)):
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            batch_ids = [a["batch_id"] for a in pool.map(lambda b: _post(base, race.token, b),
                                                         bodies)]
        while _unfinished(engine, batch_ids):
            if time.perf_counter() - started > 600:
                raise RuntimeError("the worker did not process the race within 10 minutes")
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        results = conn.execute(text("SELECT count(*) FROM result WHERE heat_id = :h"),
                               {"h": race.heat_id}).scalar_one()
    return len(reads), elapsed, results


def _unfinished(engine, batch_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return session.scalar(select(func.count()).where(
            ReadBatch.id.in_(batch_ids), ReadBatch.status.not_in(["done", "failed"]))) or 0


def _raw_copy(engine, reads, gun) -> float:  # type: ignore[no-untyped-def]
    """Seconds to COPY the same rows into an empty table shaped like timing_read: the median
    of three, each into a table of its own."""
    rows = "".join(f"1\t{data['read_id']}\t{data['chip']}\t{data['timestamp']}\n"
                   for data in (p.as_json(gun) for p in reads))
    took = []
    for n in range(3):
        with engine.begin() as conn:
            conn.execute(text(
                f"CREATE TABLE bench_copy_{n} (device_id integer, read_id varchar(64),"
                " chip varchar(32), read_at timestamptz, UNIQUE (device_id, read_id))"))
        started = time.perf_counter()
        with engine.begin() as conn, conn.connection.cursor() as cursor:
            cursor.copy_expert(f"COPY bench_copy_{n} (device_id, read_id, chip, read_at)"
                               " FROM STDIN", io.StringIO(rows))
        took.append(time.perf_counter() - started)
    return statistics.median(took)


if __name__ == "__main__":
    sys.exit(main())
