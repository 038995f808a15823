"""Faults under load, nothing lost (issue 14, item 8).

A chip decoder replays a simulated road race at a steady rate through the device API of a
real gunicorn (two workers) while a real Celery worker processes it; in turn, the test
SIGKILLs the Celery worker mid-batch (then starts a new one), restarts Redis, restarts
PostgreSQL, kills a web worker mid-request, and drops the device's connection after it sent
a batch and before the reply (the device then resends the batch). Each fault waits for the
pipeline to recover from the previous one, and the recovery times are printed.

Afterwards every read the device sent is stored once and processed once: the stored reads,
splits and results are those the pure simulation says, and the leaderboards equal those of
a clean run of the same race (a second competition, posted without faults).

The servers are the test's own (``fault_support``): restarting them touches no other test.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.leaderboards.cache import BoardStore
from athsys.leaderboards.lines import ALL, competition_events, load_lines, rank_lines
from athsys.leaderboards.reads import MAX_PER_PAGE, read_board
from athsys.redis_client import make_redis
from athsys.timing.simulation import SimulatedPassing, SimulatedRace, batches, race_passings
from tests.integration.faults.fault_support import (
    DROP_CONNECTION,
    KILL_WEB_WORKER,
    Device,
    FaultStack,
    SupervisedWorker,
    Sweeper,
    batch_counts,
    board_lines,
    fault_stack,
    first_processed_since,
    wait_for,
    web_server,
)
from webui.cli.timing import post_passings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

RUNNERS = 1_000
BATCH = 50
RATE = 100  # reads per second: 4,000 reads in 40 s, plus the pauses of the faults
FAULT_AT_BATCH = (8, 20, 32, 44, 56)  # of 80
RECOVERY_TIMEOUT_S = 90
CLEAN_BATCH = 1_000
KILL_CELERY_WORKER = "Celery worker SIGKILLed mid-batch"
RESTART_REDIS = "Redis restarted"
RESTART_POSTGRES = "PostgreSQL restarted"


@dataclass
class Recovery:
    fault: str
    batch: int
    seconds: float
    note: str


def test_every_read_is_processed_once_through_faults(capsys: pytest.CaptureFixture[str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    reads = race_passings(RUNNERS)
    chunks = list(batches(reads, BATCH))
    assert len(chunks) > FAULT_AT_BATCH[-1] + 10
    with fault_stack() as stack:
        race = stack.setup_race(RUNNERS, "Faulted 10K")
        clean = stack.setup_race(RUNNERS, "Clean 10K")
        worker = SupervisedWorker(stack)
        worker.spawn()  # boots while gunicorn does
        sweeper = Sweeper(stack.celery)
        sweeper.start()
        try:
            with web_server(stack) as server:
                worker.wait_ready()
                gates = {batch: threading.Event() for batch in FAULT_AT_BATCH[1:]}
                device = Device(server, race, chunks, rate=RATE, gates=gates,
                                tricks={FAULT_AT_BATCH[3]: KILL_WEB_WORKER,
                                        FAULT_AT_BATCH[4]: DROP_CONNECTION})
                device.start()
                recoveries = _inject_faults(stack, race, device, worker, gates)
                table = _recovery_table(recoveries, [what for _, what in worker.crashes])
                with capsys.disabled():
                    print(table)
                device.wait_sent(len(chunks), timeout_s=120)
                wait_for("every batch of the race processed",
                         lambda: batch_counts(stack.engine, race.device_id)
                         == {"done": len(chunks)}, timeout_s=60)
                for chunk in batches(reads, CLEAN_BATCH):
                    post_passings(server.base, clean.token, chunk, clean.gun)
                wait_for("every batch of the clean run processed",
                         lambda: set(batch_counts(stack.engine, clean.device_id)) == {"done"},
                         timeout_s=60)
                boards = _final_boards(stack, race, clean)
        finally:
            sweeper.stop()
            worker.stop()

        # the device: every batch answered once, every read accepted once; a server that
        # could not take a batch said so with a 503, never a 500
        heard = [r.getMessage() for r in caplog.records if r.name == "athsys.cli.timing"]
        assert [message for message in heard if "answered 5" in message
                and "answered 503" not in message] == [], table
        assert [d.index for d in device.deliveries] == list(range(len(chunks)))
        assert sum(d.answer["accepted"] for d in device.deliveries) == len(reads), table
        assert sum(d.answer["duplicate"] for d in device.deliveries) == 0, table
        # the database: every read stored once, in one batch per payload, processed
        stored = _stored_reads(stack.engine, race.device_id)
        assert len(stored) == len(reads), table
        assert {read_id for read_id, _, _ in stored} == {p.read_id for p in reads}
        assert [row for row in stored if row[1] is not None or row[2] != "done"] == []
        assert batch_counts(stack.engine, race.device_id) == {"done": len(chunks)}
        # the computed results: exactly what the race says, and what the clean run has
        expected_splits, expected_results = _expected(reads)
        assert _splits(stack.engine, race) == expected_splits
        results = _results(stack.engine, race)
        assert {bib: (mark, net) for bib, (mark, net, _, _) in results.items()} \
            == expected_results
        assert results == _results(stack.engine, clean)
        # the leaderboards the public sees: as the database says, and as the clean run's
        faulted_store, faulted_direct, clean_store = boards
        assert len(faulted_store) == RUNNERS
        assert faulted_store == faulted_direct
        assert faulted_store == clean_store


def _inject_faults(stack: FaultStack, race: SimulatedRace, device: Device,
                   worker: SupervisedWorker,
                   gates: dict[int, threading.Event]) -> list[Recovery]:
    """Each fault at its batch of the race, once the previous one recovered."""

    def kill_celery_worker() -> tuple[datetime, str]:
        batch_id = wait_for("a batch being processed",
                            lambda: _batch_in_processing(stack.engine, race.device_id),
                            timeout_s=30, interval_s=0.002)
        at = datetime.now(UTC)
        worker.replace()
        return at, f"batch {batch_id} was being processed"

    def restart_redis() -> tuple[datetime, str]:
        at = datetime.now(UTC)
        stack.restart_redis()
        return at, f"down {(datetime.now(UTC) - at).total_seconds():.1f} s"

    def restart_postgres() -> tuple[datetime, str]:
        at = datetime.now(UTC)
        stack.restart_postgres()
        return at, f"down {(datetime.now(UTC) - at).total_seconds():.1f} s"

    def by_device(trick: str) -> Callable[[], tuple[datetime, str]]:
        def done_by_device() -> tuple[datetime, str]:
            return device.trick_times[trick], device.trick_notes[trick]
        return done_by_device

    faults: list[tuple[str, Callable[[], tuple[datetime, str]], bool]] = [
        (KILL_CELERY_WORKER, kill_celery_worker, False),
        (RESTART_REDIS, restart_redis, False),
        (RESTART_POSTGRES, restart_postgres, False),
        (KILL_WEB_WORKER, by_device(KILL_WEB_WORKER), True),
        (DROP_CONNECTION, by_device(DROP_CONNECTION), True),
    ]
    recoveries = []
    for index, (name, inject, done_by_the_device) in enumerate(faults):
        batch = FAULT_AT_BATCH[index]
        # the device does its own faults while it sends that batch
        device.wait_sent(batch + 1 if done_by_the_device else batch, timeout_s=150)
        at, note = inject()
        try:
            recovered = wait_for(
                f"processing after '{name}'",
                lambda at=at: first_processed_since(stack.engine, race.device_id, at),
                timeout_s=RECOVERY_TIMEOUT_S,
            )
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{stack.log_tails()}") from None
        crashed = worker.crashes_since(at)
        if crashed:
            note += f"; {', '.join(crashed)} on its own and was restarted"
        recoveries.append(Recovery(name, batch, (recovered - at).total_seconds(), note))
        gate = gates.get(FAULT_AT_BATCH[index + 1]) if index + 1 < len(faults) else None
        if gate is not None:
            gate.set()
    return recoveries


def _batch_in_processing(engine: Engine, device_id: int) -> int | None:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT min(id) FROM read_batch WHERE device_id = :d AND status = 'processing'"),
            {"d": device_id}).scalar()


def _recovery_table(recoveries: list[Recovery], crashes: list[str]) -> str:
    width = max(len(r.fault) for r in recoveries)
    lines = ["", "faults under load: recovery (fault -> a batch sent after it processed)",
             f"  {'fault':<{width}}  batch  recovery  what happened"]
    lines += [f"  {r.fault:<{width}}  {r.batch:>5}  {r.seconds:>6.1f} s  {r.note}"
              for r in recoveries]
    lines.append(f"  Celery workers that exited on their own (restarted as by the supervisor): "
                 f"{', '.join(crashes) or 'none'}")
    return "\n".join(lines)


def _stored_reads(engine: Engine, device_id: int) -> list[tuple[str, str | None, str]]:
    """(read id, flag, status of its batch) of every read the device sent."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT r.read_id, r.flag, b.status FROM timing_read r"
            " LEFT JOIN read_batch b ON b.id = r.batch_id WHERE r.device_id = :d"),
            {"d": device_id})]


def _expected(reads: list[SimulatedPassing]) -> tuple[dict[tuple[str, str], int],
                                                       dict[str, tuple[int, int]]]:
    """Splits (bib, point) → gun time and results bib → (gun time, net time) of the race:
    each runner passes each point once, so its times are those of its reads."""
    at = {(p.chip, p.point): p.time_ms for p in reads}
    splits = {(_bib(chip), point): time_ms for (chip, point), time_ms in at.items()}
    results = {
        _bib(chip): (time_ms, time_ms - at[(chip, "start")])
        for (chip, point), time_ms in at.items() if point == "finish"
    }
    return splits, results


def _bib(chip: str) -> str:
    return str(int(chip.removeprefix("SIM")))


def _splits(engine: Engine, race: SimulatedRace) -> dict[tuple[str, str], int]:
    """(bib, timing point) → gun time of the race's splits."""
    with engine.connect() as conn:
        found = [((bib, point), gun_ms) for bib, point, gun_ms in conn.execute(text(
            "SELECT e.bib, p.name, s.gun_time_ms FROM timing_split s"
            " JOIN entry e ON e.id = s.entry_id JOIN timing_point p ON p.id = s.timing_point_id"
            " WHERE s.heat_id = :h"), {"h": race.heat_id})]
    splits = dict(found)
    assert len(splits) == len(found), "a runner has two splits at one timing point"
    return splits


def _results(engine: Engine, race: SimulatedRace) -> dict[str, tuple[Any, ...]]:
    """bib → (mark, net mark, place, status) of the race's results."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT e.bib, r.mark, r.net_mark, r.place, r.status FROM result r"
            " JOIN entry e ON e.id = r.entry_id WHERE r.heat_id = :h"), {"h": race.heat_id})
        found = [(row[0], tuple(row[1:])) for row in rows]
    results = dict(found)
    assert len(results) == len(found), "a runner has two results"
    return results


def _final_boards(stack: FaultStack, race: SimulatedRace,
                  clean: SimulatedRace) -> tuple[list[str], list[str], list[str]]:
    """The faulted race's board as stored, and as computed from the database, and the
    clean run's stored board, once the last refreshes are done."""
    client = make_redis(stack.settings)
    try:
        def boards() -> tuple[list[str], list[str], list[str], list[str]]:
            return (_board(stack.engine, client, race), _board(stack.engine, None, race),
                    _board(stack.engine, client, clean), _board(stack.engine, None, clean))

        def settled() -> bool:
            faulted_store, faulted_direct, clean_store, clean_direct = boards()
            return faulted_store == faulted_direct and clean_store == clean_direct

        try:
            wait_for("the stored leaderboards up to date", settled, timeout_s=30,
                     interval_s=1)
        except AssertionError:
            pass  # the assertions on the boards say what differs
        faulted_store, faulted_direct, clean_store, _ = boards()
        return faulted_store, faulted_direct, clean_store
    finally:
        client.close()


def _board(engine: Engine, client: redis_lib.Redis | None, race: SimulatedRace) -> list[str]:
    """Every line of the race's board: as stored, page by page (what the public reads), or
    (``client`` None) computed from the database."""
    with Session(engine) as session:
        (info,) = competition_events(session, race.competition_id)
        event_id = info.id
        if client is None:
            return board_lines(rank_lines(info, load_lines(session, info)))
        lines: list[dict[str, Any]] = []
        page = 1
        while True:
            answer = read_board(session, BoardStore(client), event_id, ALL, page, MAX_PER_PAGE)
            if answer["source"] != "store":
                return []
            lines += answer["lines"]
            if len(answer["lines"]) < MAX_PER_PAGE:
                return board_lines(lines)
            page += 1
