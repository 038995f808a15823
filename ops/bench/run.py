"""``make bench``: every benchmark, several runs, one table of medians against the targets.

    .venv/bin/python ops/bench/run.py [--runs 3] [--log-dir var/bench]

Runs ``ingest_bench.py``, ``leaderboard_bench.py``, ``live_crowd.py``, ``admin_bench.py``
and ``marathon_replay.py`` ``--runs`` times each (each run starts its own embedded
PostgreSQL and Redis), keeps every run's printed output in
``--log-dir``, and prints one table: each figure's median, its target, pass or short, and
beside it the median of the baseline measured in the same runs (raw ``COPY`` of the same rows,
a plain Redis ``GET``, a static file served by the same gunicorn, reading the placings alone)
with the ratio the target is judged by. The machine is shared and noisy: the ratio is the
figure to compare between machines and days; the load average before and after says what else
was running.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("ingest_bench.py", "leaderboard_bench.py", "live_crowd.py", "admin_bench.py",
           "marathon_replay.py")


@dataclass(frozen=True)
class Target:
    """A figure, what it is judged against and how.

    ``baseline`` names the figure of the same runs shown beside it with their ratio;
    ``bound`` is the ratio to reach (or, when ``absolute``, the value itself), ``None`` for a
    figure shown without a target; ``at_least`` says which side of it passes.
    """

    figure: str
    label: str
    unit: str
    baseline: str
    bound: float | None
    at_least: bool
    absolute: bool = False

    def judged(self, value: float, baseline: float | None) -> float:
        if self.absolute:
            return value
        return value / baseline if baseline else float("nan")

    def result(self, value: float, baseline: float | None) -> str:
        if self.bound is None:
            return "-"
        judged = self.judged(value, baseline)
        passed = judged >= self.bound if self.at_least else judged <= self.bound
        return "pass" if passed else "SHORT"

    def wanted(self) -> str:
        if self.bound is None:
            return "(no target)"
        side = ">=" if self.at_least else "<="
        if self.absolute:
            return f"{side} {self.bound:g} {self.unit}"
        return f"{side} {self.bound:g} x {self.baseline.removeprefix('baseline.')}"


NO_BASELINE = ""
"""For a figure nothing of the same run scales (memory, a count of errors)."""

# The targets of the marathon-scale issue, each a ratio to a baseline of the same run where
# one exists (see ops/bench/README.md for what each figure measures).
TARGETS = (
    Target("ingest.accepted", "reads accepted over HTTP", "reads/s", "baseline.copy", 0.15, True),
    Target("ingest.processed_catching_up", "reads processed, catching up", "reads/s",
           "baseline.copy", 0.08, True),
    Target("ingest.processed_batch_by_batch", "reads processed, batch by batch", "reads/s",
           "baseline.copy", None, True),
    Target("ingest.end_to_end", "posted and processed by a worker", "reads/s",
           "baseline.copy", None, True),
    Target("leaderboard.full_ms", "full leaderboard", "ms", "baseline.placings_read_ms",
           1.2, False),
    Target("leaderboard.one_finisher_ms", "one new finisher reflected", "ms",
           "baseline.redis_get_ms", 50, False, absolute=True),
    Target("leaderboard.cached_json_rps", "cached leaderboard JSON", "req/s",
           "baseline.static_file_rps", 0.5, True),
    Target("live.stored_to_visible_p95_ms", "stored -> visible p95 at 1,000 reads/s", "ms",
           "baseline.redis_get_ms", 1000, False, absolute=True),
    Target("crowd.viewers_held", "live viewers held by one fan-out process", "viewers",
           "baseline.crowd_redis_get_p95_ms", 10_000, True, absolute=True),
    Target("crowd.update_p95_ms", "update latency p95, 10,000 viewers", "ms",
           "baseline.crowd_redis_get_p95_ms", 2000, False, absolute=True),
    Target("crowd.server_rss_mb", "fan-out server RSS, 10,000 viewers", "MiB",
           "baseline.crowd_redis_get_p95_ms", None, False, absolute=True),
    Target("admin.list_p95_ms", "admin list page p95 (worst), 100,000 athletes", "ms",
           "baseline.admin_static_p95_ms", 150, False, absolute=True),
    Target("admin.form_p95_ms", "admin add/edit form p95 (worst)", "ms",
           "baseline.admin_static_p95_ms", 150, False, absolute=True),
    Target("admin.picker_p95_ms", "admin picker p95 (worst kind and text)", "ms",
           "baseline.admin_static_p95_ms", 150, False, absolute=True),
    Target("marathon.accepted_rps", "marathon replay: accepted, busiest 10 s", "reads/s",
           "baseline.copy", None, True),
    Target("marathon.processed_rps", "marathon replay: processed, busiest 10 s", "reads/s",
           "baseline.copy", None, True),
    Target("marathon.lag_p50_ms", "marathon replay: stored -> leaderboard p50", "ms",
           "baseline.redis_get_ms", None, False, absolute=True),
    Target("marathon.lag_p95_ms", "marathon replay: stored -> leaderboard p95", "ms",
           "baseline.redis_get_ms", 2000, False, absolute=True),
    Target("marathon.lag_p99_ms", "marathon replay: stored -> leaderboard p99", "ms",
           "baseline.redis_get_ms", None, False, absolute=True),
    Target("marathon.web_rss_mb", "marathon replay: web peak RSS (tree)", "MiB",
           NO_BASELINE, None, False, absolute=True),
    Target("marathon.worker_rss_mb", "marathon replay: worker peak RSS (trees)", "MiB",
           NO_BASELINE, None, False, absolute=True),
    Target("marathon.worker_pss_mb", "marathon replay: worker peak PSS (trees; 300 MB)", "MiB",
           NO_BASELINE, 286, False, absolute=True),
    Target("marathon.wrong", "marathon replay: missing + doubled + wrong", "runners",
           NO_BASELINE, 0, False, absolute=True),
)
BASELINE_LABELS = {
    "baseline.copy": ("raw PostgreSQL COPY", "rows/s"),
    "baseline.placings_read_ms": ("reading the placings alone", "ms"),
    "baseline.redis_get_ms": ("plain Redis GET", "ms"),
    "baseline.static_file_rps": ("static file, same gunicorn", "req/s"),
    "baseline.crowd_redis_get_p95_ms": ("plain Redis GET p95 under the crowd", "ms"),
    "baseline.admin_static_p95_ms": ("static file p95, admin bench's gunicorn", "ms"),
}


def run_script(script: str, run: int, log_dir: Path) -> dict[str, float]:
    """One run of one benchmark; its figures (its printed output goes to a log file)."""
    figures_file = log_dir / f"{script.removesuffix('.py')}-{run}.jsonl"
    log_file = log_dir / f"{script.removesuffix('.py')}-{run}.log"
    env = {**os.environ, "ATHSYS_BENCH_RECORD": str(figures_file)}
    with open(log_file, "wb") as log:
        finished = subprocess.run([sys.executable, str(HERE / script)], env=env,  # noqa: S603
                                  stdout=log, stderr=subprocess.STDOUT, check=False)
    if finished.returncode != 0 and not figures_file.exists():
        raise SystemExit(f"{script} run {run} failed (exit {finished.returncode}); "
                         f"see {log_file}")
    if finished.returncode != 0:  # measured, then found something wrong (the replay's check)
        print(f"{script} run {run} exited {finished.returncode}; see {log_file}", flush=True)
    figures = {}
    for line in figures_file.read_text(encoding="utf-8").splitlines():
        found = json.loads(line)
        figures[found["figure"]] = float(found["value"])
    return figures


def table(samples: dict[str, list[float]]) -> list[str]:
    """The printed table: one line a figure, then the baselines."""
    def median(name: str) -> float | None:
        return statistics.median(samples[name]) if samples.get(name) else None

    rows = [("figure", "median", "target", "result", "baseline median", "ratio")]
    for target in TARGETS:
        value, base = median(target.figure), median(target.baseline)
        if value is None:
            rows.append((target.label, "missing", target.wanted(), "SHORT", "", ""))
            continue
        ratio = f"{value / base:.3f}" if base else ""
        base_text = f"{base:,.2f}" if base is not None else ""
        rows.append((target.label, f"{value:,.1f} {target.unit}", target.wanted(),
                     target.result(value, base), base_text, ratio))
    for name, (label, unit) in BASELINE_LABELS.items():
        value = median(name)
        rows.append((f"baseline: {label}", f"{value:,.2f} {unit}" if value is not None
                     else "missing", "", "", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            .rstrip() for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, choices=range(1, 21), metavar="1..20")
    parser.add_argument("--log-dir", type=Path, default=HERE.parents[1] / "var" / "bench")
    args = parser.parse_args()
    log_dir = args.log_dir / time.strftime("%Y%m%dT%H%M%S")
    log_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    samples: dict[str, list[float]] = defaultdict(list)
    for run in range(1, args.runs + 1):
        for script in SCRIPTS:
            print(f"run {run}/{args.runs}: {script} ...", flush=True)
            for name, value in run_script(script, run, log_dir).items():
                samples[name].append(value)
    load_after = os.getloadavg()
    print(f"\nAthSys benchmarks: medians of {args.runs} runs, {os.cpu_count()} CPU(s); "
          f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
          f"(1 min); each run's output in {log_dir}")
    print("\n".join(table(samples)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
