"""A batch's reads are inserted as new, and only a batch with a read stored before is
inserted again skipping the stored ones (``athsys.timing.batches._insert_batch``): whatever
the path, each read is stored once, under the batch that brought it first, and the counts a
device hears are those of its reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from athsys.jobs import discard_pending
from athsys.timing import service as timing_service
from athsys.timing.batches import BatchReceipt
from athsys.timing.models import TimingDevice
from tests.integration.timing.timing_ingest_support import (
    Race,
    bearer,
    count,
    dumps,
    passing,
    rows,
)
from tests.integration.timing.two_connections import second_waits

pytestmark = pytest.mark.integration

_BY_BATCH = text("SELECT r.read_id, b.accepted, b.duplicate FROM timing_read r"
                 " JOIN read_batch b ON b.id = r.batch_id WHERE r.device_id = :device"
                 " ORDER BY r.read_id")


def _reads(n: range) -> list[dict[str, Any]]:
    return [passing(f"r{i}", f"C{100 + i}", 60 + i) for i in n]


def _post(client: FlaskClient, token: str, body: bytes | str, content_type: str) -> Any:
    response = client.post("/api/timing/passings", data=body, content_type=content_type,
                           headers=bearer(token))
    assert response.status_code == 202, response.get_json()
    return response.get_json()["data"]


def test_a_json_batch_overlapping_stored_reads_stores_the_new_ones_only(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    token, device = race.tokens["finish"], race.device_ids["finish"]
    first = _post(client, token, dumps(_reads(range(1, 4))), "application/json")
    overlapping = _post(client, token, dumps(_reads(range(2, 6))), "application/json")
    assert (first["accepted"], first["duplicate"]) == (3, 0)
    assert (overlapping["accepted"], overlapping["duplicate"]) == (2, 2)
    # r2 and r3 stay with the batch that brought them first
    assert [tuple(row) for row in rows(committed_db, _BY_BATCH.bindparams(device=device))] == [
        ("r1", 3, 0), ("r2", 3, 0), ("r3", 3, 0), ("r4", 2, 2), ("r5", 2, 2)]
    # the device's next batch is new again: nothing left of the fallback
    after = _post(client, token, dumps(_reads(range(6, 8))), "application/json")
    assert (after["accepted"], after["duplicate"]) == (2, 0)
    assert count(committed_db, "timing_read") == 7


def test_decoder_lines_overlapping_stored_reads_store_the_new_ones_only(
    client: FlaskClient, race: Race, committed_db: Engine
) -> None:
    """RACE RESULT lines go through the staging table, not the JSON source."""
    def lines(numbers: range) -> str:
        return "\r\n".join(f"{n};C{100 + n};2025-10-12;09:3{n}:12.345" for n in numbers)

    token = race.tokens["finish"]
    assert _post(client, token, lines(range(1, 3)), "text/plain")["accepted"] == 2
    again = _post(client, token, lines(range(1, 5)), "text/plain")
    assert (again["accepted"], again["duplicate"]) == (2, 2)
    assert count(committed_db, "timing_read") == 4


def _store(race: Race, items: list[dict[str, Any]],
           receipts: list[BatchReceipt]) -> Callable[[Connection], None]:
    def store(conn: Connection) -> None:
        session = Session(bind=conn)
        device = session.get(TimingDevice, race.device_ids["finish"])
        assert device is not None
        receipts.append(timing_service.receive_passings(session, device, dumps(items),
                                                        max_lines=100))
        discard_pending(session)
    return store


def test_a_batch_waiting_for_another_storing_the_same_reads_skips_them(
    race: Race, committed_db: Engine
) -> None:
    """The second request's plain insert waits for the first's uncommitted reads, meets
    them once the first commits, and is run again skipping them."""
    first: list[BatchReceipt] = []
    second: list[BatchReceipt] = []
    error = second_waits(committed_db, _store(race, _reads(range(1, 4)), first),
                         _store(race, _reads(range(2, 6)), second))
    assert error is None
    assert [(r.accepted, r.duplicate) for r in first + second] == [(3, 0), (2, 2)]
    assert [row[0] for row in rows(committed_db, _BY_BATCH.bindparams(
        device=race.device_ids["finish"]))] == ["r1", "r2", "r3", "r4", "r5"]
