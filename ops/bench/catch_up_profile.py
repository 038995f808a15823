"""The marathon replay's processing, in one process and under cProfile: where a worker
catching up spends its time, and how many reads go through the timing rules.

    .venv/bin/python ops/bench/catch_up_profile.py [--runners 20000] [--reads 224718]
        [--round 20] [--top 25] [--no-profile]

Sets up the replay's race (``ops/bench/marathon_replay.py``: waves, 11 timing points,
decoders per point, backup mats) on embedded servers in a temporary directory and stores the
first ``--reads`` generated reads as its decoders post them at 100 x race-day pace (one
payload per decoder and half-second tick), without HTTP or a worker. Every ``--round``
payloads, the first of them is processed with ``timing_service.process_batch`` as the worker
does, which takes the others along (catching up). Storing is outside the measurement.

Prints the processing's wall and CPU seconds, reads/s, and the reads the timing rules were
given (``rules.time_reads``: a count that does not depend on the machine's load), then the
profile's heaviest functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys.accounts.actor import SYSTEM  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.jobs import discard_pending  # noqa: E402
from athsys.timing import batches as timing_batches  # noqa: E402
from athsys.timing import recompute as timing_recompute  # noqa: E402
from athsys.timing import service as timing_service  # noqa: E402
from athsys.timing.models import TimingDevice  # noqa: E402
from athsys.timing.simulation import (  # noqa: E402
    MARATHON_BACKUP_POINTS,
    MARATHON_POINTS,
    NoisyRead,
    marathon_race,
    setup_race,
)
from ops.bench.bench_support import bench_environment  # noqa: E402
from ops.bench.marathon_replay import RACE_DAY, WAVES_MS, _schedule  # noqa: E402
from webui.cli.timing import passings_body  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=20_000)
    parser.add_argument("--reads", type=int, default=224_718)
    parser.add_argument("--round", type=int, default=20, help="payloads processed together")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true", help="time without cProfile")
    args = parser.parse_args()
    print(f"catch-up profile: {args.runners} runners, first {args.reads} reads, "
          f"{args.round} payloads a round; load average {os.getloadavg()[0]:.2f}", flush=True)
    race = marathon_race(args.runners, waves_ms=WAVES_MS, seed=1)
    payloads: list[tuple[tuple[str, bool], list[NoisyRead]]] = []
    taken = 0
    for _, reads in _schedule(race, 100.0):
        by_device: dict[tuple[str, bool], list[NoisyRead]] = defaultdict(list)
        for read in reads[:args.reads - taken]:
            by_device[(read.passing.point, read.backup)].append(read)
        payloads.extend(by_device.items())
        taken += sum(len(chunk) for chunk in by_device.values())
        if taken >= args.reads:
            break
    with bench_environment("athsys-catch-up-") as bench:
        engine = make_engine(bench.settings, pool_size=2)
        with Session(engine) as session, session.begin():
            sim = setup_race(session, SYSTEM, runners=args.runners, points=MARATHON_POINTS,
                             day=RACE_DAY, name="Catch-up profile", code="MAR",
                             waves_ms=WAVES_MS, decoders_per_point=True,
                             backup_points=MARATHON_BACKUP_POINTS)
        with Session(engine) as session:
            devices = {(d.timing_point.name, d.mat_role.value == "backup"): d.id
                       for d in session.scalars(select(TimingDevice).where(
                           TimingDevice.competition_id == sim.competition_id,
                           TimingDevice.timing_point_id.is_not(None)))}
        rules_reads = 0
        time_reads = timing_recompute.rules.time_reads

        def counting(reads: Any, *rest: Any, **options: Any) -> Any:
            nonlocal rules_reads
            reads = list(reads)
            rules_reads += len(reads)
            return time_reads(reads, *rest, **options)

        timing_recompute.rules.time_reads = counting  # type: ignore[assignment]
        profile = cProfile.Profile()
        wall = cpu = 0.0
        for first in range(0, len(payloads), args.round):
            batch_ids = []
            for device, chunk in payloads[first:first + args.round]:
                with Session(engine) as session, session.begin():
                    found = session.get(TimingDevice, devices[device])
                    assert found is not None  # nosec B101 # the race's own devices
                    receipt = timing_service.receive_passings(
                        session, found, passings_body([r.passing for r in chunk], sim.gun),
                        max_lines=100_000)
                    discard_pending(session)
                    batch_ids.append(receipt.batch_id)
            started, started_cpu = time.perf_counter(), time.process_time()
            if not args.no_profile:
                profile.enable()
            with Session(engine) as session, session.begin():
                timing_batches.claim_batch(session, batch_ids[0])
            with Session(engine) as session, session.begin():
                timing_service.process_batch(session, batch_ids[0])
                discard_pending(session)
            if not args.no_profile:
                profile.disable()
            wall += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
        engine.dispose()
    print(f"  processed {taken} reads in {len(payloads)} payloads: {wall:.1f} s wall, "
          f"{cpu:.1f} s CPU of this process, {taken / wall:,.0f} reads/s; "
          f"{rules_reads:,} reads through the rules ({rules_reads / taken:.2f} per read); "
          f"load average {os.getloadavg()[0]:.2f}")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
