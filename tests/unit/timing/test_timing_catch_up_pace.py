"""The catch-up budget of a worker process (athsys.timing.catch_up): as many reads as the
last catch-up got through in the target time, within its bounds."""

from __future__ import annotations

import pytest

from athsys.timing.catch_up import CatchUpPace

pytestmark = pytest.mark.unit


def test_before_any_catch_up_the_budget_is_the_least() -> None:
    assert CatchUpPace(min_reads=2_000, max_reads=50_000).budget() == 2_000


def test_the_budget_is_what_the_last_catch_up_did_in_the_target_time() -> None:
    pace = CatchUpPace(target_s=1.0, min_reads=2_000, max_reads=50_000)
    pace.observe(4_000, 0.5)  # 8,000 reads/s
    assert pace.budget() == 8_000
    pace.observe(8_000, 2.0)  # the machine got busier: 4,000 reads/s
    assert pace.budget() == 4_000
    pace.target_s = 0.5
    assert pace.budget() == 2_000


@pytest.mark.parametrize(("reads", "seconds", "budget"), [
    (40_000, 0.4, 50_000),  # 100,000 reads/s: capped
    (2_000, 4.0, 2_000),  # 500 reads/s: never below the least
])
def test_the_budget_stays_within_its_bounds(reads: int, seconds: float, budget: int) -> None:
    pace = CatchUpPace(target_s=1.0, min_reads=2_000, max_reads=50_000)
    pace.observe(reads, seconds)
    assert pace.budget() == budget


def test_a_worker_behind_grows_its_catch_ups_to_the_target_time() -> None:
    """Catch-ups that cost 50 ms plus 0.1 ms a read: each takes along what the last did in
    a second, so they grow from the least until one takes about a second (9,500 reads)."""
    pace = CatchUpPace(target_s=1.0, min_reads=2_000, max_reads=50_000)
    sizes = []
    for _ in range(12):
        reads = pace.budget() - 37  # batches are not split: a catch-up falls a little short
        sizes.append(reads)
        pace.observe(reads, 0.05 + reads / 10_000)
    assert sizes == sorted(sizes) and sizes[0] == 1_963
    assert 9_000 < sizes[-1] < 9_500


def test_a_catch_up_without_a_measured_time_leaves_the_pace() -> None:
    pace = CatchUpPace(target_s=1.0, min_reads=2_000, max_reads=50_000)
    pace.observe(10_000, 1.0)
    pace.observe(5_000, 0.0)
    assert pace.budget() == 10_000
