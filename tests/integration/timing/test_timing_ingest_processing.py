"""Processing stored reads into results: end to end with a real worker, and the rules that
protect results (corrections, official heats), in process."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.models import AuditLog
from athsys.audit.service import snapshot
from athsys.competitions.models import Heat, HeatStatus
from athsys.jobs import TASK_QUEUES, TaskName, discard_pending
from athsys.results import service as results_service
from athsys.results.models import Result, ResultRevision, ResultSource
from athsys.sport.ranking import ResultStatus
from athsys.timing import batches, corrections
from athsys.timing import service as timing_service
from athsys.timing.models import ReadBatch, TimingDevice, TimingRead, TimingSplit
from tests.integration.timing.timing_ingest_support import (
    GUN,
    Race,
    bearer,
    count,
    dumps,
    passing,
    process_pending,
    result_of,
    wait_for,
)
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.integration

OFFICIAL = Actor(user_id=None, username="chief", roles=frozenset({"Starter"}))


def _post(client: FlaskClient, race: Race, device: str, items: list[dict]) -> dict:  # type: ignore[type-arg]
    response = client.post("/api/timing/passings", data=dumps(items),
                           content_type="application/json", headers=bearer(race.tokens[device]))
    assert response.status_code == 202, response.get_json()
    return response.get_json()["data"]  # type: ignore[no-any-return]


def _batch_done(engine: Engine, batch_id: int) -> bool:
    with Session(engine) as session:
        status = session.scalar(select(ReadBatch.status).where(ReadBatch.id == batch_id))
        return status.value == "done"


def test_end_to_end_with_the_worker(
    client: FlaskClient, race: Race, committed_db: Engine, celery_worker: WorkerProcess,
    redis_client: redis_lib.Redis,
) -> None:
    entry_a, entry_b = race.entries[0], race.entries[1]
    _post(client, race, "start", [passing("S1", "C101", 4.210), passing("S2", "C102", 9.0)])
    _post(client, race, "5k", [passing("K1", "C101", 1500.5), passing("K2", "C102", 1510.0)])
    finish = _post(client, race, "finish", [
        passing("F1", "C101", 2999.991),
        passing("F2", "C101", 3003.0),  # within 10 s: a duplicate read of the same crossing
        passing("F3", "C102", 3100.250),
        passing("F4", "C999", 3101.0),  # nobody wears it: kept and reported
    ])
    wait_for(lambda: _batch_done(committed_db, finish["batch_id"]), what="batch processed")
    with Session(committed_db) as session:
        statuses = set(session.scalars(select(ReadBatch.status)))
    assert {s.value for s in statuses} == {"done"}

    result_a = result_of(committed_db, race.road_heat_id, entry_a)
    assert (result_a.mark, result_a.net_mark) == (2999991, 2999991 - 4210)
    assert (result_a.source, result_a.revision, result_a.place) == (ResultSource.CHIP, 1, 1)
    result_b = result_of(committed_db, race.road_heat_id, entry_b)
    assert (result_b.mark, result_b.net_mark, result_b.place) == (3100250, 3091250, 2)

    with Session(committed_db) as session:
        splits = {
            (s.entry_id, s.timing_point_id): (s.gun_time_ms, s.net_time_ms)
            for s in session.scalars(select(TimingSplit))
        }
        flagged = session.scalars(
            select(TimingRead.chip).where(TimingRead.flag == "unknown_chip")
        ).all()
    assert splits[(entry_a, race.points["5k"])] == (1500500, 1500500 - 4210)
    assert splits[(entry_a, race.points["finish"])] == (2999991, 2995781)
    assert flagged == ["C999"]
    wait_for(
        lambda: redis_client.get(f"athsys:leaderboard:version:{race.road_event_id}") is not None,
        what="leaderboard refresh requested",
    )
    # debounced: at most one refresh per event per batch (three batches here), not per read
    assert 1 <= int(redis_client.get(f"athsys:leaderboard:version:{race.road_event_id}")) <= 3


def test_sweeper_re_enqueues_a_batch_whose_message_was_lost(
    race: Race, committed_db: Engine, celery_worker: WorkerProcess
) -> None:
    with Session(committed_db) as session, session.begin():
        device = session.get(TimingDevice, race.device_ids["finish"])
        assert device is not None
        receipt = timing_service.receive_passings(
            session, device, dumps([passing("L1", "C103", 3200.0)]), max_lines=100
        )
        discard_pending(session)  # the broker message is lost
        session.execute(text("UPDATE read_batch SET received_at = now() - interval '10 minutes'"))
    assert not _batch_done(committed_db, receipt.batch_id)

    from tasks.app import celery_app

    swept = celery_app.send_task(
        TaskName.TIMING_SWEEP_UNPROCESSED, queue=TASK_QUEUES[TaskName.TIMING_SWEEP_UNPROCESSED]
    ).get(timeout=30)
    assert swept == [receipt.batch_id]
    wait_for(lambda: _batch_done(committed_db, receipt.batch_id), what="swept batch processed")
    assert result_of(committed_db, race.road_heat_id, race.entries[2]).mark == 3200000


def test_replayed_late_read_does_not_overwrite_a_correction(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    entry = race.entries[0]
    _post(client, race, "finish", [passing("F1", "C101", 3000.0)])
    process_pending(committed_db)
    result = result_of(committed_db, race.road_heat_id, entry)
    with Session(committed_db) as session, session.begin():
        stored = session.get(Result, result.id)
        assert stored is not None
        before = snapshot(stored)
        stored.mark = 2995000
        results_service.correct_result(session, OFFICIAL, stored, before,
                                       reason="photo of the finish line")
    # an earlier read from the backup mat and a replay of the first batch arrive late
    _post(client, race, "finish-backup", [passing("B1", "C101", 2990.0)])
    process_pending(committed_db)
    corrected = result_of(committed_db, race.road_heat_id, entry)
    assert (corrected.mark, corrected.source, corrected.revision) == (
        2995000, ResultSource.MANUAL, 2)
    with Session(committed_db) as session:
        history = session.scalars(
            select(ResultRevision).where(ResultRevision.result_id == result.id)
        ).all()
    assert [(h.revision, h.mark, h.source) for h in history] == [(1, 3000000, ResultSource.CHIP)]
    assert count(committed_db, "audit_log") >= 2


def test_backup_mat_never_overrides_an_earlier_primary_read(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    _post(client, race, "finish", [passing("F1", "C101", 3000.0)])
    _post(client, race, "finish-backup", [passing("B1", "C101", 2999.0),
                                          passing("B2", "C102", 3050.0)])
    process_pending(committed_db)
    assert result_of(committed_db, race.road_heat_id, race.entries[0]).mark == 3000000
    # no primary read for C102: the backup mat counts
    assert result_of(committed_db, race.road_heat_id, race.entries[1]).mark == 3050000


def test_official_heat_is_unchanged_and_late_reads_are_flagged(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    _post(client, race, "finish", [passing("F1", "C101", 3000.0)])
    process_pending(committed_db)
    with Session(committed_db) as session, session.begin():
        heat = session.get(Heat, race.road_heat_id)
        assert heat is not None
        heat.status = HeatStatus.OFFICIAL
    late = _post(client, race, "finish", [passing("F2", "C102", 3100.0),
                                          passing("F3", "C101", 2950.0)])
    process_pending(committed_db)
    assert result_of(committed_db, race.road_heat_id, race.entries[1]) is None
    assert result_of(committed_db, race.road_heat_id, race.entries[0]).mark == 3000000
    with Session(committed_db) as session:
        flags = session.execute(
            select(TimingRead.read_id, TimingRead.flag)
            .where(TimingRead.batch_id == late["batch_id"])
        ).all()
    assert {(r, f.value) for r, f in flags} == {("F2", "after_official"), ("F3", "after_official")}


def test_shifting_the_gun_and_reassigning_a_chip_recompute_from_raw_reads(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    _post(client, race, "finish", [passing("F1", "C101", 3000.0), passing("F2", "C777", 3100.0)])
    process_pending(committed_db)
    with Session(committed_db) as session, session.begin():
        corrections.shift_gun_time(session, OFFICIAL, race.road_heat_id, GUN + timedelta(seconds=2))
    shifted = result_of(committed_db, race.road_heat_id, race.entries[0])
    assert (shifted.mark, shifted.revision) == (2998000, 2)
    assert [c.chip for c in _unknown(committed_db, race)] == ["C777"]

    with Session(committed_db) as session, session.begin():
        corrections.reassign_chip(session, OFFICIAL, competition_id=race.competition_id,
                                  chip="C777", entry_id=race.entries[1])
    assert result_of(committed_db, race.road_heat_id, race.entries[1]).mark == 3098000
    assert _unknown(committed_db, race) == []
    with Session(committed_db) as session, session.begin():
        corrections.reassign_chip(session, OFFICIAL, competition_id=race.competition_id,
                                  chip="C101", entry_id=race.entries[3])
    assert result_of(committed_db, race.road_heat_id, race.entries[0]) is None
    assert result_of(committed_db, race.road_heat_id, race.entries[3]).mark == 2998000


def test_splits_follow_a_gun_shift_and_a_chip_reassignment(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    first, other = race.entries[0], race.entries[3]
    start, five_k, finish = (race.points[p] for p in ("start", "5k", "finish"))
    _post(client, race, "start", [passing("S1", "C101", 4.0)])
    _post(client, race, "5k", [passing("K1", "C101", 1500.0)])
    _post(client, race, "finish", [passing("F1", "C101", 3000.0)])
    process_pending(committed_db)
    assert _split_times(committed_db) == {
        (first, start): (4000, 0), (first, five_k): (1500000, 1496000),
        (first, finish): (3000000, 2996000),
    }
    with Session(committed_db) as session, session.begin():
        corrections.shift_gun_time(session, OFFICIAL, race.road_heat_id, GUN + timedelta(seconds=2))
    assert _split_times(committed_db) == {  # gun times move, net times stay
        (first, start): (2000, 0), (first, five_k): (1498000, 1496000),
        (first, finish): (2998000, 2996000),
    }
    with Session(committed_db) as session, session.begin():
        corrections.reassign_chip(session, OFFICIAL, competition_id=race.competition_id,
                                  chip="C101", entry_id=other)
    assert _split_times(committed_db) == {
        (other, start): (2000, 0), (other, five_k): (1498000, 1496000),
        (other, finish): (2998000, 2996000),
    }


def _split_times(engine: Engine) -> dict[tuple[int, int], tuple[int | None, int | None]]:
    with Session(engine) as session:
        return {(s.entry_id, s.timing_point_id): (s.gun_time_ms, s.net_time_ms)
                for s in session.scalars(select(TimingSplit))}


def _unknown(engine: Engine, race: Race) -> list[timing_service.UnknownChip]:
    with Session(engine) as session:
        return timing_service.unknown_chips(session, race.competition_id)


def test_gun_read_starts_the_heat_scheduled_nearest(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    gun_at = (GUN + timedelta(hours=3, seconds=1.5)).isoformat(timespec="milliseconds")
    _post(client, race, "finish", [{"read_id": "G1", "is_gun": True, "timestamp": gun_at}])
    process_pending(committed_db)
    with Session(committed_db) as session:
        heat = session.get(Heat, race.sprint_heat_id)
        assert heat is not None
        assert heat.gun_time == GUN + timedelta(hours=3, seconds=1.5)
        assert heat.status == HeatStatus.STARTED
        # through the officiating service: the move is audited as every heat state change
        moves = session.scalars(select(AuditLog.changes).where(
            AuditLog.entity == "Heat", AuditLog.entity_id == str(heat.id),
            AuditLog.action == "started")).all()
        assert [m["status"] for m in moves] == [{"before": "scheduled", "after": "started"}]


def test_processing_twice_changes_nothing(client: FlaskClient, race: Race,
                                          committed_db: Engine) -> None:
    batch = _post(client, race, "finish", [passing("F1", "C101", 3000.0)])
    process_pending(committed_db)
    with Session(committed_db) as session, session.begin():
        assert batches.claim_batch(session, batch["batch_id"]) is False
        assert timing_service.process_batch(session, batch["batch_id"]) is None
    with Session(committed_db) as session:
        results = session.scalars(select(Result)).all()
    assert [(r.mark, r.revision, r.status) for r in results] == [(3000000, 1, ResultStatus.OK)]
