"""A worker that fell behind catches up: processing a batch takes the competition's other
waiting batches along, within a read budget, never a batch another worker holds or one that
failed before; a bad batch taken along does not fail the good one that took it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import tasks.ingest as ingest
from athsys.config import replace
from athsys.timing import batches
from athsys.timing import recompute as recompute_module
from athsys.timing import service as timing_service
from athsys.timing.models import ChipAssignment, ReadBatch, TimingSplit
from tests.integration.timing.timing_ingest_support import (
    GUN,
    Race,
    bearer,
    passing,
    process_pending,
    result_of,
    store_waiting,
)

pytestmark = pytest.mark.integration


def _batches(engine: Engine) -> dict[int, tuple[str, int | None, int, str | None]]:
    """id → (status, processed_with, results_changed, error)."""
    with Session(engine) as session:
        return {b.id: (b.status.value, b.processed_with, b.results_changed, b.error)
                for b in session.scalars(select(ReadBatch))}


def _process(engine: Engine, batch_id: int, **options: Any) -> Any:
    with Session(engine) as session, session.begin():
        batches.claim_batch(session, batch_id)
    with Session(engine) as session, session.begin():
        return timing_service.process_batch(session, batch_id, **options)


def test_waiting_batches_are_processed_together(race: Race, committed_db: Engine) -> None:
    start = store_waiting(committed_db, race, "start", [passing("S1", "C101", 4.0),
                                                 passing("S2", "C102", 6.0)])
    five_k = store_waiting(committed_db, race, "5k", [passing("K1", "C101", 1500.0)])
    finish = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0),
                                                   passing("F2", "C102", 3100.0)])
    outcome = _process(committed_db, start)
    assert outcome is not None and outcome.results_created == 2
    assert _batches(committed_db) == {
        start: ("done", None, 2, None),
        five_k: ("done", start, 0, None),
        finish: ("done", start, 0, None),
    }
    first = result_of(committed_db, race.road_heat_id, race.entries[0])
    assert (first.mark, first.net_mark, first.place) == (3000000, 2996000, 1)
    # the batches taken along are a no-op for their own tasks
    with Session(committed_db) as session, session.begin():
        assert batches.claim_batch(session, finish) is False
        assert timing_service.process_batch(session, finish) is None


def test_the_read_budget_bounds_what_is_taken_along(race: Race, committed_db: Engine) -> None:
    first = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0)])
    second = store_waiting(committed_db, race, "finish", [passing("F2", "C102", 3100.0),
                                                   passing("F3", "C103", 3200.0)])
    third = store_waiting(committed_db, race, "finish", [passing("F4", "C104", 3300.0)])
    outcome = _process(committed_db, first, catch_up_reads=2)  # 1 of its own: room for 1, not 2
    assert outcome.reads == 1
    assert {k: v[0] for k, v in _batches(committed_db).items()} == {
        first: "done", second: "pending", third: "pending"}
    outcome = _process(committed_db, second, catch_up_reads=3)
    assert outcome.reads == 3 and outcome.seconds > 0
    assert {k: v[:2] for k, v in _batches(committed_db).items()} == {
        first: ("done", None), second: ("done", None), third: ("done", second)}
    assert result_of(committed_db, race.road_heat_id, race.entries[3]).mark == 3300000


@pytest.mark.parametrize(("max_reads", "taken_along"), [(2, 1), (0, 0)])
def test_the_worker_takes_along_what_catch_up_max_reads_allows(
    race: Race, committed_db: Engine, monkeypatch: pytest.MonkeyPatch,
    max_reads: int, taken_along: int,
) -> None:
    """The task passes the CATCH_UP_MAX_READS setting: 2 reads leave room for one waiting
    read besides the batch's own; 0 processes the batch alone."""
    first = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0)])
    second = store_waiting(committed_db, race, "finish", [passing("F2", "C102", 3100.0)])
    third = store_waiting(committed_db, race, "finish", [passing("F3", "C103", 3200.0)])
    conf = ingest.process_batch.app.conf
    monkeypatch.setitem(conf, "athsys_settings",
                        replace(conf["athsys_settings"], catch_up_max_reads=max_reads))
    outcome = ingest.process_batch.run(first)
    assert outcome is not None and outcome["results_created"] == 1 + taken_along
    assert {k: v[:2] for k, v in _batches(committed_db).items()} == {
        first: ("done", None),
        second: ("done", first) if taken_along else ("pending", None),
        third: ("pending", None)}


def test_a_waiting_batch_the_catch_up_re_timed_entirely_is_done_with_it(
    race: Race, committed_db: Engine
) -> None:
    """Runners with a new start-mat read are re-timed at every point from all of their
    stored reads, those of batches still waiting included: a waiting batch beyond the budget
    holding only such runners' reads is done with the catch-up; one with a read of another
    runner waits for its own processing, which then changes only that runner."""
    start = store_waiting(committed_db, race, "start", [passing("S1", "C101", 4.0),
                                                 passing("S2", "C102", 6.0)])
    re_timed = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0),
                                                     passing("F2", "C102", 3100.0)])
    mixed = store_waiting(committed_db, race, "finish", [passing("F3", "C101", 3005.0),
                                                  passing("F4", "C103", 3200.0)])
    outcome = _process(committed_db, start, catch_up_reads=2)  # no room to take one along
    assert outcome is not None and (outcome.reads, outcome.results_created) == (4, 2)
    assert {k: v[:2] for k, v in _batches(committed_db).items()} == {
        start: ("done", None), re_timed: ("done", start), mixed: ("pending", None)}
    first = result_of(committed_db, race.road_heat_id, race.entries[0])
    second = result_of(committed_db, race.road_heat_id, race.entries[1])
    assert (first.mark, first.net_mark, second.mark, second.net_mark) == (
        3000000, 2996000, 3100000, 3094000)
    assert result_of(committed_db, race.road_heat_id, race.entries[2]) is None

    outcome = _process(committed_db, mixed)
    assert outcome is not None and (outcome.results_created, outcome.results_updated) == (1, 0)
    third = result_of(committed_db, race.road_heat_id, race.entries[2])
    assert (third.mark, third.net_mark, third.place) == (3200000, 3200000, 3)
    assert result_of(committed_db, race.road_heat_id, race.entries[0]).revision == 1


def test_a_batch_with_a_read_of_a_chip_that_changed_hands_waits(
    race: Race, committed_db: Engine
) -> None:
    """A runner re-timed at every point also had a second chip, worn by another runner
    later: the catch-up holds neither that chip's read nor its later wearer, so the batch
    with that read waits and its own processing gives the read to its wearer then."""
    _chip_passed_on(committed_db, race, "CZ", race.entries[0], race.entries[1],
                    until=GUN + timedelta(minutes=30), then_from=GUN + timedelta(minutes=30))
    start = store_waiting(committed_db, race, "start", [passing("S1", "C101", 4.0)])
    later = store_waiting(committed_db, race, "finish", [passing("F1", "CZ", 3000.0)])
    outcome = _process(committed_db, start, catch_up_reads=1)
    assert outcome is not None and outcome.reads == 1
    assert _batches(committed_db)[later][0] == "pending"
    _process(committed_db, later)
    second = result_of(committed_db, race.road_heat_id, race.entries[1])
    assert (second.mark, second.net_mark) == (3000000, 3000000)
    assert result_of(committed_db, race.road_heat_id, race.entries[0]) is None


def test_a_batch_another_worker_holds_is_skipped(race: Race, committed_db: Engine) -> None:
    first = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0)])
    held = store_waiting(committed_db, race, "finish", [passing("F2", "C102", 3100.0)])
    with Session(committed_db) as other_worker, other_worker.begin():
        other_worker.execute(select(ReadBatch).where(ReadBatch.id == held).with_for_update())
        _process(committed_db, first)
        assert _batches(committed_db)[held][0] == "pending"
    assert _batches(committed_db)[first][0] == "done"


def _chip_passed_on(engine: Engine, race: Race, chip: str, first: int, second: int, *,
                    until: datetime, then_from: datetime) -> None:
    """``chip`` worn by entry ``first`` from before the race ``until``, then by ``second``
    from ``then_from``."""
    with Session(engine) as session, session.begin():
        session.add_all([
            ChipAssignment(competition_id=race.competition_id, chip=chip, entry_id=first,
                           valid_from=datetime(2025, 10, 1, tzinfo=UTC), valid_until=until),
            ChipAssignment(competition_id=race.competition_id, chip=chip, entry_id=second,
                           valid_from=then_from),
        ])


def _overlapping_chip(engine: Engine, race: Race) -> None:
    """Chip CX worn by two entries at once from 40 to 60 min after the gun: a read then
    cannot be processed (a registrar must fix the assignments)."""
    _chip_passed_on(engine, race, "CX", race.entries[4], race.entries[5],
                    until=GUN + timedelta(minutes=60), then_from=GUN + timedelta(minutes=40))


def test_a_bad_batch_taken_along_fails_alone(
    race: Race, committed_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    refreshed: list[list[int]] = []
    monkeypatch.setattr(timing_service, "request_refresh",
                        lambda _session, ids: refreshed.append(sorted(ids)))
    _overlapping_chip(committed_db, race)
    good = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0)])
    bad = store_waiting(committed_db, race, "finish", [passing("F2", "CX", 3000.0)])

    outcome = ingest.process_batch.run(good)  # with the bad one: fails; then alone: done
    assert outcome is not None and outcome["results_created"] == 1
    assert refreshed == [[race.road_event_id]]
    assert _batches(committed_db)[good] == ("done", None, 1, None)
    assert _batches(committed_db)[bad][0] == "pending"

    with pytest.raises(Exception, match="chip CX is assigned to entries"):
        ingest.process_batch.run(bad)
    status, _, _, error = _batches(committed_db)[bad]
    assert status == "processing" and error is not None and "chip CX" in error

    later = store_waiting(committed_db, race, "finish", [passing("F3", "C102", 3100.0)])
    _process(committed_db, later)  # a batch that failed before is not taken along
    assert _batches(committed_db)[later] == ("done", None, 1, None)
    assert _batches(committed_db)[bad][0] == "processing"


def test_a_device_sees_its_batch_done_with_the_batch_that_took_it(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    first = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0)])
    second = store_waiting(committed_db, race, "finish", [passing("F2", "C102", 3100.0)])
    waiting = client.get(f"/api/timing/batches/{second}", headers=bearer(race.tokens["finish"]))
    assert waiting.status_code == 200
    assert (waiting.get_json()["data"]["status"], waiting.get_json()["data"]["processed_with"]) \
        == ("pending", None)
    _process(committed_db, first)
    done = client.get(f"/api/timing/batches/{second}", headers=bearer(race.tokens["finish"]))
    body = done.get_json()["data"]
    assert (body["status"], body["processed_with"], body["accepted"]) == ("done", first, 1)
    assert body["processed_at"] is not None
    other_device = client.get(f"/api/timing/batches/{second}", headers=bearer(race.tokens["5k"]))
    assert other_device.status_code == 401


def _splits_of(engine: Engine) -> dict[tuple[int, int], tuple[int | None, int | None, Any]]:
    """(entry, timing point) → (gun time, net time, updated at: a split written again,
    even with the same times, has a later one)."""
    with Session(engine) as session:
        return {(s.entry_id, s.timing_point_id): (s.gun_time_ms, s.net_time_ms, s.updated_at)
                for s in session.scalars(select(TimingSplit))}


def test_a_late_start_read_moves_only_its_runner_s_net_times(
    race: Race, committed_db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catch-up holding late start-mat reads re-times those runners at every point (their
    net times move, gun times and places stay) and every other runner only at the points
    its own new reads are at (and the start mat): C105's new finish read does not bring its
    5 km read to the rules, though C106 has a new 5 km read in the same catch-up."""
    a, b, c, d, e, f = race.entries[:6]
    start, five_k, finish = (race.points[p] for p in ("start", "5k", "finish"))
    store_waiting(committed_db, race, "start", [passing("S1", "C101", 4.0),
                                                passing("S2", "C102", 6.0),
                                                passing("S5", "C105", 5.0)])
    store_waiting(committed_db, race, "5k", [passing(f"K{n}", f"C10{n}", 1500.0 + n)
                                             for n in (1, 2, 3, 5)])
    store_waiting(committed_db, race, "finish", [passing(f"F{n}", f"C10{n}", 3000.0 + n)
                                                 for n in (1, 2, 3, 5)])
    process_pending(committed_db)
    before = _splits_of(committed_db)
    assert before[(c, five_k)][:2] == (1503000, 1503000)  # no start read yet: net = gun

    seen: list[tuple[str, str]] = []
    time_reads = recompute_module.rules.time_reads

    def recording(reads: Any, *args: Any, **kwargs: Any) -> Any:
        reads = list(reads)
        seen.extend((read.chip, read.point) for read in reads)
        return time_reads(reads, *args, **kwargs)

    monkeypatch.setattr(recompute_module.rules, "time_reads", recording)
    late = store_waiting(committed_db, race, "start", [
        passing("S1-late", "C101", 2.0),  # earlier than its crossing at 4.0: the new crossing
        passing("S3-late", "C103", 3.0),  # C103's first start read
        passing("S2-dup", "C102", 9.0),  # within 10 s of C102's crossing: a duplicate
    ])
    store_waiting(committed_db, race, "finish", [passing("F4", "C104", 3300.0)])
    store_waiting(committed_db, race, "finish-backup", [passing("B5", "C105", 3004.0)])
    store_waiting(committed_db, race, "5k", [passing("K6", "C106", 1506.0)])
    outcome = _process(committed_db, late)

    assert outcome is not None
    assert (outcome.results_created, outcome.results_updated) == (1, 2)
    loaded = Counter(seen)
    assert loaded[("C101", "5k")] == loaded[("C103", "finish")] == 1  # re-timed everywhere
    assert ("C105", "5k") not in loaded  # C105 has new finish reads, not a start read
    assert loaded[("C105", "start")] == 1 and loaded[("C105", "finish")] == 2
    assert loaded[("C104", "finish")] == 1

    after = _splits_of(committed_db)
    expected = {
        (a, start): (2000, 0), (a, five_k): (1501000, 1499000),
        (a, finish): (3001000, 2999000),
        (b, start): (6000, 0), (b, five_k): (1502000, 1496000),
        (b, finish): (3002000, 2996000),
        (c, start): (3000, 0), (c, five_k): (1503000, 1500000),
        (c, finish): (3003000, 3000000),
        (d, finish): (3300000, 3300000),
        (e, start): (5000, 0), (e, five_k): (1505000, 1500000),
        (e, finish): (3005000, 3000000),
        (f, five_k): (1506000, 1506000),
    }
    assert {key: split[:2] for key, split in after.items()} == expected
    # the splits the late reads do not move are not written again
    for key in [(b, start), (b, five_k), (b, finish), (e, start), (e, five_k), (e, finish)]:
        assert after[key] == before[key]
    results = {entry: result_of(committed_db, race.road_heat_id, entry)
               for entry in (a, b, c, d, e)}
    assert {entry: (r.mark, r.net_mark, r.place, r.revision) for entry, r in results.items()} == {
        a: (3001000, 2999000, 1, 2), b: (3002000, 2996000, 2, 1),
        c: (3003000, 3000000, 3, 2), d: (3300000, 3300000, 5, 1),
        e: (3005000, 3000000, 4, 1),
    }
