"""What operators watch on race day: reads counted by outcome at the device API, and the
ingestion lag (age of the oldest batch not yet processed) measured by the worker's exporter.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tasks.metrics import refresh_ingest_lag
from tests.integration.timing.timing_ingest_support import (
    Race,
    bearer,
    dumps,
    passing,
    process_pending,
    store_waiting,
)

pytestmark = pytest.mark.integration


def _reads(outcome: str) -> float:
    return REGISTRY.get_sample_value("athsys_ingest_reads_total", {"outcome": outcome}) or 0.0


def _lag() -> float | None:
    return REGISTRY.get_sample_value("athsys_ingest_lag_seconds", {})


def test_device_reads_are_counted_by_outcome(client: FlaskClient, race: Race,
                                             committed_db: Engine) -> None:
    before = {o: _reads(o) for o in ("accepted", "duplicate", "rejected")}
    batch = dumps([passing(f"F-{i}", f"C{101 + i}", 1800 + i) for i in range(3)])
    headers = bearer(race.tokens["finish"])
    sent = client.post("/api/timing/passings", data=batch, content_type="application/json",
                       headers=headers)
    assert sent.status_code == 202
    again = client.post("/api/timing/passings", data=batch, content_type="application/json",
                        headers=headers)
    assert again.status_code == 200
    bad = dumps([passing("B-1", "C101", 1900), {"read_id": "B-2", "chip": "C102"}])
    refused = client.post("/api/timing/passings", data=bad, content_type="application/json",
                          headers=headers)
    assert refused.status_code == 400
    assert _reads("accepted") == before["accepted"] + 3
    assert _reads("duplicate") == before["duplicate"] + 3  # the whole payload sent again
    assert _reads("rejected") == before["rejected"] + 1  # one bad read named


def test_the_lag_is_the_age_of_the_oldest_waiting_batch(race: Race,
                                                        committed_db: Engine) -> None:
    assert refresh_ingest_lag(committed_db) is True
    assert _lag() == 0.0
    waiting = store_waiting(committed_db, race, "finish", [passing("F1", "C101", 3000.0)])
    with committed_db.begin() as conn:
        conn.execute(text("UPDATE read_batch SET received_at = now() - interval '45 seconds'"
                          " WHERE id = :b"), {"b": waiting})
    store_waiting(committed_db, race, "finish", [passing("F2", "C102", 3100.0)])
    assert refresh_ingest_lag(committed_db) is True
    lag = _lag()
    assert lag is not None and 45 <= lag < 60
    process_pending(committed_db)
    assert refresh_ingest_lag(committed_db) is True
    assert _lag() == 0.0


def test_an_unreachable_database_leaves_the_lag_as_it_was(race: Race,
                                                          committed_db: Engine) -> None:
    refresh_ingest_lag(committed_db)
    before = _lag()
    closed = create_engine("postgresql+psycopg2://nobody@127.0.0.1:9/none",
                           connect_args={"connect_timeout": 1})
    assert refresh_ingest_lag(closed) is False
    assert _lag() == before
