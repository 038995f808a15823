"""The device API's accept path in one process: the CPU a batch of reads costs, in Python
and in its PostgreSQL backend, figures the machine's load does not bend.

    .venv/bin/python ops/bench/accept_profile.py [--runners 10000] [--batch 1000]
        [--repeat 1] [--profile]

Sets up ``ingest_bench.py``'s race on embedded servers in a temporary directory and stores
its JSON bodies as ``POST /api/timing/passings`` does, without HTTP: per body,
``timing_service.receive_passings`` and the commit, on one connection (the Celery message
after the commit is left out). The first 4 bodies warm up; the rest are measured. With
``--repeat N`` the race's bodies are posted N times, to N new devices of the race.

Prints per batch: the Python thread's CPU (reading the payload, storing it, the commit),
the PostgreSQL backend's CPU (``/proc/<pid>/schedstat`` of the session's backend, which
runs on this machine) and the wall time, each the median over the measured batches, then
the cyclic collector's collections. ``--profile`` adds cProfile's heaviest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import sys
import time

from bench_support import bench_environment  # first: it puts the project on sys.path
from ingest_bench import RACE_DAY, WARM_UP_BATCHES  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys.accounts.actor import SYSTEM  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.jobs import discard_pending  # noqa: E402
from athsys.timing import service as timing_service  # noqa: E402
from athsys.timing.devices import create_device  # noqa: E402
from athsys.timing.models import DeviceKind, TimingDevice  # noqa: E402
from athsys.timing.simulation import batches, race_passings, setup_race  # noqa: E402


def _backend_cpu_s(pid: int) -> float:
    """Seconds the PostgreSQL backend ``pid`` has run on a CPU (the scheduler's count, ns)."""
    with open(f"/proc/{pid}/schedstat", encoding="ascii") as stat:
        return int(stat.read().split()[0]) / 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=1, help="post the race's bodies N times")
    parser.add_argument("--profile", action="store_true", help="cProfile the measured batches")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with bench_environment("athsys-accept-") as bench:
        engine = make_engine(bench.settings, pool_size=1)
        with Session(engine) as session, session.begin():
            race = setup_race(session, SYSTEM, runners=args.runners, day=RACE_DAY)
            device_ids = [race.device_id] + [
                create_device(session, SYSTEM, competition_id=race.competition_id,
                              name=f"decoder {n}", kind=DeviceKind.CHIP_DECODER,
                              timing_point_id=None).device.id
                for n in range(2, args.repeat + 1)]
        bodies = [json.dumps([p.as_json(race.gun) for p in chunk]).encode()
                  for chunk in batches(race_passings(args.runners), args.batch)]
        rows: list[tuple[float, float, float, float, float]] = []
        collections = [0, 0, 0]

        def count(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                collections[info["generation"]] += 1

        profile = cProfile.Profile()
        for device_id in device_ids:
            for number, body in enumerate(bodies):
                measured = number >= WARM_UP_BATCHES
                with Session(engine) as session:
                    backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
                    device = session.get(TimingDevice, device_id)
                    assert device is not None  # nosec B101 # the race's own device
                    if measured:
                        gc.callbacks.append(count)
                        if args.profile:
                            profile.enable()
                    wall, cpu, pg = time.perf_counter(), time.thread_time(), _backend_cpu_s(backend)
                    receipt = timing_service.receive_passings(session, device, body,
                                                              max_lines=100_000)
                    stored_cpu = time.thread_time()
                    session.commit()
                    done_cpu, done_wall = time.thread_time(), time.perf_counter()
                    pg = _backend_cpu_s(backend) - pg
                    if measured:
                        if args.profile:
                            profile.disable()
                        gc.callbacks.remove(count)
                        rows.append((done_cpu - cpu, stored_cpu - cpu, done_cpu - stored_cpu,
                                     pg, done_wall - wall))
                    discard_pending(session)
                    assert receipt.accepted == len(json.loads(body))  # nosec B101 # a bench check
        engine.dispose()
    medians = [statistics.median(column) * 1000 for column in zip(*rows, strict=True)]
    print(f"accept profile: {len(rows)} batches of {args.batch} measured, load average "
          f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(f"  per batch (median, ms): Python CPU {medians[0]:.1f} (receive {medians[1]:.1f}, "
          f"commit {medians[2]:.1f}), PostgreSQL CPU {medians[3]:.1f}, "
          f"both {medians[0] + medians[3]:.1f}; wall {medians[4]:.1f}")
    print(f"  collections while measured (generations 0/1/2): {collections}")
    if args.profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
