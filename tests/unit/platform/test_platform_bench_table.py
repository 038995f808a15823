"""`make bench`'s table: medians judged against their targets by the ratio to a baseline."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def _bench_run() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "ops/bench/run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module  # dataclasses look their module up while defining
    spec.loader.exec_module(module)
    return module


def _row(lines: list[str], label: str) -> str:
    return next(line for line in lines if line.startswith(label))


def test_ratios_to_the_baseline_of_the_same_runs_decide_pass_or_short() -> None:
    run = _bench_run()
    samples = {
        "baseline.copy": [300_000.0, 100_000.0, 320_000.0],  # median 300,000
        "ingest.accepted": [50_000.0, 40_000.0, 60_000.0],   # median 50,000: 0.167 >= 0.15
        "ingest.processed_catching_up": [20_000.0, 21_000.0, 22_000.0],  # 0.07 < 0.08
        "leaderboard.full_ms": [500.0, 480.0, 520.0],
        "baseline.placings_read_ms": [410.0, 400.0, 420.0],  # 500 / 410 = 1.22 > 1.2
        "leaderboard.one_finisher_ms": [14.0, 90.0, 15.0],   # median 15 <= 50
    }
    lines = run.table(samples)
    assert "pass" in _row(lines, "reads accepted over HTTP")
    assert "0.167" in _row(lines, "reads accepted over HTTP")
    assert "SHORT" in _row(lines, "reads processed, catching up")
    assert "SHORT" in _row(lines, "full leaderboard")
    assert "pass" in _row(lines, "one new finisher reflected")
    assert "15.0 ms" in _row(lines, "one new finisher reflected")


def test_a_figure_no_run_measured_is_short_not_left_out() -> None:
    lines = _bench_run().table({})
    assert "missing" in _row(lines, "cached leaderboard JSON")
    assert "SHORT" in _row(lines, "cached leaderboard JSON")
    assert "missing" in _row(lines, "baseline: raw PostgreSQL COPY")
