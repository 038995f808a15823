"""The simulated marathon the replay benchmark checks against (athsys.timing.simulation):
its reads carry the race-day noise it promises, and its truth — which crossing counts, known
from how the reads were made — agrees with the timing rules applied to the reads."""

from __future__ import annotations

from collections import Counter

import pytest

from athsys.timing import rules
from athsys.timing.simulation import (
    MARATHON_BACKUP_POINTS,
    MARATHON_POINTS,
    RaceNoise,
    chip_of,
    marathon_race,
    wave_of,
)

pytestmark = pytest.mark.unit

WAVES_MS = (0, 480_000, 960_000)


@pytest.fixture(scope="module")
def race():  # type: ignore[no-untyped-def]
    return marathon_race(600, waves_ms=WAVES_MS, seed=7)


def test_runners_are_split_into_waves_in_start_order() -> None:
    assert [wave_of(n, 10, 4) for n in range(1, 11)] == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3]
    assert {wave_of(n, 600, 3) for n in range(1, 601)} == {0, 1, 2}


def test_the_reads_carry_the_noise_of_race_day(race) -> None:  # type: ignore[no-untyped-def]
    reads = race.reads
    known = [r for r in reads if r.passing.chip.startswith("SIM")]
    crossings = sum(len(t.counted_ms) for t in race.truth)
    per_mat = Counter((r.passing.chip, r.passing.point, r.backup) for r in known)
    doubled = sum(n - 1 for n in per_mat.values())
    assert 0.07 < doubled / len(known) < 0.13  # 10 % duplicates
    assert 0.003 < (len(reads) - len(known)) / len(reads) < 0.007  # 0.5 % unknown chips
    assert {r.passing.point for r in known if r.backup} == MARATHON_BACKUP_POINTS
    assert sum(1 for t in race.truth if "finish" not in t.counted_ms) >= 1  # someone stopped
    assert crossings < len(known)
    late = [r for r in reads if r.deliver_ms - r.passing.time_ms > 60_000]
    assert 0.004 < len(late) / len(reads) < 0.02
    times = [r.passing.time_ms for r in reads]
    assert times != sorted(times)  # delivered out of order
    assert [r.deliver_ms for r in reads] == sorted(r.deliver_ms for r in reads)
    ids = [(r.backup, r.passing.read_id) for r in reads]
    assert len(set(ids)) == len(ids)


def test_the_rules_applied_to_the_reads_give_the_truth(race) -> None:  # type: ignore[no-untyped-def]
    """The replay's check is independent of the rules; this ties the two together once on
    plain values, so a wrong truth shows here and not as 'wrong' results on race day."""
    reads = [rules.MatRead(f"{'B' if r.backup else 'P'}{r.passing.read_id}", r.passing.chip,
                           r.passing.point, r.passing.time_ms, r.backup) for r in race.reads]
    assignments = [rules.ChipAssignment(chip_of(t.runner), t.runner) for t in race.truth]
    heats_of = {t.runner: [rules.HeatClock(t.wave, WAVES_MS[t.wave])] for t in race.truth}
    timed = rules.time_reads(reads, assignments, heats_of,
                             split_points=[name for name, _ in MARATHON_POINTS])
    for truth in race.truth:
        gun = WAVES_MS[truth.wave]
        origin = truth.counted_ms.get("start", gun)
        got = timed.times.get((truth.wave, truth.runner))
        if not truth.counted_ms:
            assert got is None
            continue
        assert got is not None
        assert {s.point: (s.gun_time_ms, s.net_time_ms) for s in got.splits} == {
            point: (at - gun, at - origin) for point, at in truth.counted_ms.items()}
        finish = truth.counted_ms.get("finish")
        assert got.gun_time_ms == (None if finish is None else finish - gun)
        assert got.net_time_ms == (None if finish is None else finish - origin)
    unknown = sum(1 for r in race.reads if not r.passing.chip.startswith("SIM"))
    assert Counter(timed.flags.values())[rules.ReadFlag.UNKNOWN_CHIP] == unknown


def test_a_backup_mat_counts_only_where_the_primary_missed() -> None:
    race = marathon_race(300, waves_ms=(0,), noise=RaceNoise(primary_miss=0.2), seed=3)
    primary = {(r.passing.chip, r.passing.point): r.passing.time_ms
               for r in sorted(race.reads, key=lambda r: -r.passing.time_ms) if not r.backup}
    from_backup = 0
    for truth in race.truth:
        for point, at in truth.counted_ms.items():
            first_primary = primary.get((chip_of(truth.runner), point))
            if first_primary is None:
                from_backup += 1
                assert point in MARATHON_BACKUP_POINTS
            else:
                assert at == first_primary
    assert from_backup > 0
