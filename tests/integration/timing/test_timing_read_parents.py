"""A timing read's device, batch and timing point, kept by migration 0021's triggers as its
foreign keys kept them: a missing parent is refused with a foreign-key violation and the
whole statement stores nothing; deleting a parent does what the key's ON DELETE action did;
a delete racing an insert leaves no read behind (two connections)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg2.errors import ForeignKeyViolation
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from athsys.timing import batches
from athsys.timing.models import TimingDevice
from athsys.timing.passing import Passing
from tests.integration.timing.parents_per_statement import (
    delete_refused_above_read_committed,
    truncate_refused_without_rows,
)
from tests.integration.timing.timing_ingest_support import Race, count
from tests.integration.timing.two_connections import second_waits

pytestmark = pytest.mark.integration

UNKNOWN = 2_000_000_000
KEYS = {
    "device_id": "fk_timing_read_device_id_timing_device",
    "batch_id": "fk_timing_read_batch_id_read_batch",
    "timing_point_id": "fk_timing_read_timing_point_id_timing_point",
}
_BATCH = text(
    "INSERT INTO read_batch (device_id, payload_sha256, format, read_count, accepted,"
    " duplicate) VALUES (:device, :sha, 'json', 0, 0, 0) RETURNING id")
_READS = text(
    "INSERT INTO timing_read (device_id, batch_id, timing_point_id, read_id, chip, read_at)"
    " SELECT :device, :batch, :point, :prefix || n, 'C101', now() FROM generate_series(1, :n) n")


def _new_batch(conn: Connection, device_id: int, sha: str) -> int:
    return int(conn.execute(_BATCH, {"device": device_id, "sha": sha}).scalar_one())


def _store(conn: Connection, device: int, batch: int | None, point: int | None,
           prefix: str, n: int = 3) -> None:
    conn.execute(_READS, {"device": device, "batch": batch, "point": point, "prefix": prefix,
                          "n": n})


def _reads(conn: Connection | Engine, **where: int) -> list[tuple[Any, ...]]:
    query = text("SELECT read_id, device_id, batch_id, timing_point_id FROM timing_read"
                 + "".join(f" {'WHERE' if i == 0 else 'AND'} {column} = :{column}"
                           for i, column in enumerate(where)) + " ORDER BY read_id")
    if isinstance(conn, Engine):
        with conn.connect() as fresh:
            return [tuple(row) for row in fresh.execute(query, where)]
    return [tuple(row) for row in conn.execute(query, where)]


def _orphans(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM timing_read r WHERE NOT EXISTS"
            " (SELECT FROM timing_device d WHERE d.id = r.device_id)"
            " OR (r.batch_id IS NOT NULL AND NOT EXISTS"
            "     (SELECT FROM read_batch b WHERE b.id = r.batch_id))"
            " OR (r.timing_point_id IS NOT NULL AND NOT EXISTS"
            "     (SELECT FROM timing_point p WHERE p.id = r.timing_point_id))")).scalar_one())


@pytest.fixture()
def stored(race: Race, committed_db: Engine) -> dict[str, int]:
    """Three reads of the finish decoder at the finish, in one batch, committed."""
    parents = {"device_id": race.device_ids["finish"], "timing_point_id": race.points["finish"]}
    with committed_db.begin() as conn:
        parents["batch_id"] = _new_batch(conn, parents["device_id"], "first")
        _store(conn, parents["device_id"], parents["batch_id"], parents["timing_point_id"], "R")
    return parents


# -- a missing parent ----------------------------------------------------------------------

@pytest.mark.parametrize("column", list(KEYS))
def test_a_read_naming_a_missing_parent_is_refused_and_nothing_is_stored(
    stored: dict[str, int], committed_db: Engine, column: str
) -> None:
    before = _reads(committed_db)
    # nine good reads and, in the middle of the same statement, one naming nothing
    rows = [{**stored, "read_id": f"N{n}"} for n in range(10)]
    rows[5][column] = UNKNOWN
    with pytest.raises(IntegrityError) as refused:
        with committed_db.begin() as conn:
            conn.execute(text(
                "INSERT INTO timing_read (device_id, batch_id, timing_point_id, read_id, chip,"
                " read_at) SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r("
                " device_id integer, batch_id bigint, timing_point_id integer,"
                " read_id text, chip text, read_at timestamptz)"),
                {"rows": json.dumps(
                    [{**row, "chip": "C101", "read_at": "2025-10-12T09:00:00Z"}
                     for row in rows])})
    error = refused.value.orig
    assert error.pgcode == "23503"
    assert error.diag.constraint_name == KEYS[column]
    assert f"Key ({column})=({UNKNOWN}) is not present" in str(refused.value)
    assert _reads(committed_db) == before


def test_store_batch_with_an_unknown_timing_point_stores_neither_batch_nor_reads(
    race: Race, committed_db: Engine
) -> None:
    passings = [Passing(read_id=f"P{n}", timestamp=datetime(2025, 10, 12, 9, tzinfo=UTC),
                        chip="C101") for n in range(3)]
    with Session(committed_db) as session:
        device = session.get(TimingDevice, race.device_ids["finish"])
        assert device is not None
        with pytest.raises(ForeignKeyViolation, match=KEYS["timing_point_id"]):
            batches.store_batch(session, device, passings,
                                [race.points["finish"], UNKNOWN, None],
                                fmt="json", payload_sha256="unknown-point")
        session.rollback()
    assert (count(committed_db, "timing_read"), count(committed_db, "read_batch")) == (0, 0)


def test_moving_a_read_to_a_missing_parent_is_refused(
    stored: dict[str, int], committed_db: Engine
) -> None:
    with pytest.raises(IntegrityError, match=KEYS["batch_id"]):
        with committed_db.begin() as conn:
            conn.execute(text("UPDATE timing_read SET batch_id = :b WHERE read_id = 'R1'"),
                         {"b": UNKNOWN})
    with committed_db.begin() as conn:  # a flag update does not touch the keys
        conn.execute(text("UPDATE timing_read SET flag = 'unknown_chip'"))
    assert len(_reads(committed_db, **stored)) == 3


# -- deleting a parent ---------------------------------------------------------------------

def test_deleting_a_device_deletes_its_reads(
    race: Race, stored: dict[str, int], committed_db: Engine
) -> None:
    other = race.device_ids["start"]
    with committed_db.begin() as conn:
        _store(conn, other, _new_batch(conn, other, "other"), race.points["start"], "S")
        conn.execute(text("DELETE FROM timing_device WHERE id = :d"), {"d": stored["device_id"]})
    assert _reads(committed_db, device_id=stored["device_id"]) == []
    assert len(_reads(committed_db, device_id=other)) == 3
    assert _orphans(committed_db) == 0


def test_deleting_a_competition_deletes_its_devices_reads(
    race: Race, stored: dict[str, int], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        conn.execute(text("DELETE FROM competition WHERE id = :c"), {"c": race.competition_id})
    assert count(committed_db, "timing_read") == 0


@pytest.mark.parametrize("column", ["batch_id", "timing_point_id"])
def test_deleting_a_batch_or_a_timing_point_keeps_its_reads_without_it(
    stored: dict[str, int], committed_db: Engine, column: str
) -> None:
    table = {"batch_id": "read_batch", "timing_point_id": "timing_point"}[column]
    with committed_db.begin() as conn:
        conn.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": stored[column]})
    kept = {**stored, column: None}
    assert _reads(committed_db) == [(f"R{n}", kept["device_id"], kept["batch_id"],
                                     kept["timing_point_id"]) for n in (1, 2, 3)]


def test_a_parents_id_named_by_reads_does_not_change(
    stored: dict[str, int], committed_db: Engine
) -> None:
    with pytest.raises(IntegrityError, match=KEYS["batch_id"]):
        with committed_db.begin() as conn:
            conn.execute(text("UPDATE read_batch SET id = :new WHERE id = :id"),
                         {"new": UNKNOWN, "id": stored["batch_id"]})
    with committed_db.begin() as conn:  # a batch no read names may be renumbered
        empty = _new_batch(conn, stored["device_id"], "empty")
        conn.execute(text("UPDATE read_batch SET id = :new WHERE id = :id"),
                     {"new": UNKNOWN, "id": empty})
    assert len(_reads(committed_db, **stored)) == 3


def test_a_parent_is_truncated_only_with_the_reads_naming_it(
    stored: dict[str, int], committed_db: Engine
) -> None:
    truncate_refused_without_rows(committed_db, "timing_point", "timing_read")
    assert count(committed_db, "timing_read") == 0


def test_deleting_a_parent_of_reads_needs_read_committed(
    stored: dict[str, int], committed_db: Engine
) -> None:
    delete_refused_above_read_committed(committed_db, "DELETE FROM read_batch WHERE id = :id",
                                        {"id": stored["batch_id"]})
    assert len(_reads(committed_db, **stored)) == 3


# -- a delete and an insert at the same time -------------------------------------------

PARENT_TABLES = {"device_id": "timing_device", "batch_id": "read_batch",
                 "timing_point_id": "timing_point"}


def _delete(table: str, parent_id: int) -> Callable[[Connection], None]:
    def delete(conn: Connection) -> None:
        conn.execute(text(f"DELETE FROM {table} WHERE id = :id"), {"id": parent_id})
    return delete


@pytest.mark.parametrize("column", list(KEYS))
def test_a_delete_waits_for_an_insert_of_reads_then_acts_on_them(
    stored: dict[str, int], committed_db: Engine, column: str
) -> None:
    def insert_reads(conn: Connection) -> None:
        _store(conn, stored["device_id"], stored["batch_id"], stored["timing_point_id"],
               "LATE", n=500)

    assert second_waits(committed_db, insert_reads,
                        _delete(PARENT_TABLES[column], stored[column])) is None
    assert _orphans(committed_db) == 0
    if column == "device_id":
        assert count(committed_db, "timing_read") == 0
    else:
        assert len(_reads(committed_db, device_id=stored["device_id"])) == 503
        assert _reads(committed_db, **{column: stored[column]}) == []


@pytest.mark.parametrize("column", list(KEYS))
def test_an_insert_waiting_for_a_delete_of_its_parent_is_refused(
    race: Race, stored: dict[str, int], committed_db: Engine, column: str
) -> None:
    # the reads name a batch of another device, so the batch's own key is not what waits
    other = race.device_ids["start"]
    with committed_db.begin() as conn:
        parents = {"device_id": other, "batch_id": _new_batch(conn, other, "other"),
                   "timing_point_id": race.points["start"]}

    def insert_reads(conn: Connection) -> None:
        _store(conn, parents["device_id"], parents["batch_id"], parents["timing_point_id"],
               "RACE", n=500)

    refused = second_waits(committed_db, _delete(PARENT_TABLES[column], parents[column]),
                           insert_reads)
    assert refused is not None and KEYS[column] in str(refused)
    assert _reads(committed_db, device_id=other) == []
    assert _orphans(committed_db) == 0
