"""A result's heat and entry, kept by migration 0026's triggers as its foreign keys kept
them: a missing parent is refused with a foreign-key violation and the whole statement
stores nothing; deleting a heat or an entry (or the event or competition above them)
deletes its results and their revisions, as ON DELETE CASCADE did; a parent's id named by a
result does not change, nor is a parent truncated without the results; a delete racing an
insert leaves no result behind (two connections, both orders, each parent)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from tests.integration.timing.parents_per_statement import (
    delete_refused_above_read_committed,
    truncate_refused_without_rows,
)
from tests.integration.timing.timing_ingest_support import Race, count
from tests.integration.timing.two_connections import second_waits

pytestmark = pytest.mark.integration

UNKNOWN = 2_000_000_000
HEAT_KEY = "fk_result_heat_id_heat"
ENTRY_KEY = "fk_result_entry_id_entry"
_RESULTS = text(
    "INSERT INTO result (heat_id, entry_id, mark, status, source, revision)"
    " SELECT heat_id, entry_id, mark, 'OK', 'chip', 1 FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
    " AS r(heat_id integer, entry_id integer, mark integer)")


def _store(conn: Connection, rows: list[dict[str, int]]) -> None:
    conn.execute(_RESULTS, {"rows": json.dumps(rows)})


def _row(race: Race, runner: int) -> dict[str, int]:
    return {"heat_id": race.road_heat_id, "entry_id": race.entries[runner],
            "mark": 1_800_000 + runner}


def _results(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT heat_id, entry_id FROM result ORDER BY heat_id, entry_id"))]


def _orphans(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM result r"
            " WHERE NOT EXISTS (SELECT FROM heat h WHERE h.id = r.heat_id)"
            " OR NOT EXISTS (SELECT FROM entry e WHERE e.id = r.entry_id)")).scalar_one())


@pytest.fixture()
def stored(race: Race, committed_db: Engine) -> list[tuple[int, int]]:
    """The first three road runners' results, committed, the first with a revision."""
    rows = [_row(race, runner) for runner in range(3)]
    with committed_db.begin() as conn:
        _store(conn, rows)
        conn.execute(text(
            "INSERT INTO result_revision (result_id, revision, mark, status, source)"
            " SELECT id, 1, mark, status, source FROM result WHERE entry_id = :e"),
            {"e": race.entries[0]})
    return sorted((r["heat_id"], r["entry_id"]) for r in rows)


# -- a missing parent ----------------------------------------------------------------------

@pytest.mark.parametrize(("column", "key", "parent"), [
    ("heat_id", HEAT_KEY, "heat"), ("entry_id", ENTRY_KEY, "entry")])
def test_a_result_naming_a_missing_parent_is_refused_and_nothing_is_stored(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine,
    column: str, key: str, parent: str,
) -> None:
    # three good results and, in the middle of the same statement, one naming nothing
    rows = [_row(race, runner) for runner in (3, 4, 4, 5)]
    rows[2][column] = UNKNOWN
    with pytest.raises(IntegrityError) as refused:
        with committed_db.begin() as conn:
            _store(conn, rows)
    error = refused.value.orig
    assert error.pgcode == "23503"
    assert error.diag.constraint_name == key
    assert f'Key ({column})=({UNKNOWN}) is not present in table "{parent}"' in str(refused.value)
    assert _results(committed_db) == stored


def test_moving_a_result_to_a_missing_parent_is_refused(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine
) -> None:
    for change, key in ((f"heat_id = {UNKNOWN}", HEAT_KEY), (f"entry_id = {UNKNOWN}", ENTRY_KEY)):
        with pytest.raises(IntegrityError, match=key):
            with committed_db.begin() as conn:
                conn.execute(text(f"UPDATE result SET {change} WHERE entry_id = :e"),
                             {"e": race.entries[0]})
    with committed_db.begin() as conn:  # a change of mark or place does not touch the keys
        conn.execute(text("UPDATE result SET mark = mark + 1, place = 1"))
        # nor does moving a result to an entry that exists
        conn.execute(text("UPDATE result SET entry_id = :other WHERE entry_id = :e"),
                     {"other": race.entries[5], "e": race.entries[2]})
    assert len(_results(committed_db)) == len(stored)


# -- deleting a parent ---------------------------------------------------------------------

@pytest.mark.parametrize("parent", ["heat", "entry", "event", "competition"])
def test_deleting_a_parent_deletes_its_results_and_their_revisions(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine, parent: str
) -> None:
    where = {"heat": race.road_heat_id, "entry": race.entries[0],
             "event": race.road_event_id, "competition": race.competition_id}[parent]
    with committed_db.begin() as conn:
        conn.execute(text(f"DELETE FROM {parent} WHERE id = :id"), {"id": where})
    kept = [s for s in stored if s[1] != race.entries[0]] if parent == "entry" else []
    assert _results(committed_db) == kept
    assert _orphans(committed_db) == 0
    assert count(committed_db, "result_revision") == 0


def test_deleting_another_heat_or_entry_keeps_the_results(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        conn.execute(text("DELETE FROM entry WHERE id = :id"), {"id": race.sprint_entries[0]})
        conn.execute(text("DELETE FROM heat WHERE id = :id"), {"id": race.sprint_heat_id})
    assert _results(committed_db) == stored
    assert count(committed_db, "result_revision") == 1


def test_a_parents_id_named_by_results_does_not_change(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:  # what else names them, to see the results' keys
        conn.execute(text("DELETE FROM lane_assignment WHERE heat_id = :h"),
                     {"h": race.road_heat_id})
        conn.execute(text("DELETE FROM chip_assignment WHERE entry_id = :e"),
                     {"e": race.entries[0]})
    for parent, key, parent_id in (("heat", HEAT_KEY, race.road_heat_id),
                                   ("entry", ENTRY_KEY, race.entries[0])):
        with pytest.raises(IntegrityError, match=key) as refused:
            with committed_db.begin() as conn:
                conn.execute(text(f"UPDATE {parent} SET id = :new WHERE id = :id"),
                             {"new": UNKNOWN, "id": parent_id})
        assert (f'Key (id)=({parent_id}) is still referenced from table "result"'
                in str(refused.value))
    assert _results(committed_db) == stored
    with committed_db.begin() as conn:  # once no result names it, the heat's id may change
        conn.execute(text("DELETE FROM result WHERE heat_id = :h"), {"h": race.road_heat_id})
        conn.execute(text("UPDATE heat SET id = :new WHERE id = :id"),
                     {"new": UNKNOWN, "id": race.road_heat_id})
    assert _results(committed_db) == []


@pytest.mark.parametrize("parent", ["heat", "entry"])
def test_a_parent_is_truncated_only_with_the_results_naming_it(
    stored: list[tuple[int, int]], committed_db: Engine, parent: str
) -> None:
    truncate_refused_without_rows(committed_db, parent, "result")
    assert count(committed_db, "result") == 0


def test_deleting_a_parent_of_results_needs_read_committed(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine
) -> None:
    delete_refused_above_read_committed(committed_db, "DELETE FROM entry WHERE id = :id",
                                        {"id": race.entries[0]})
    assert _results(committed_db) == stored


# -- a delete and an insert at the same time -------------------------------------------

def _delete_parent(conn: Connection, race: Race, parent: str) -> None:
    parent_id = race.road_heat_id if parent == "heat" else race.entries[3]
    conn.execute(text(f"DELETE FROM {parent} WHERE id = :id"), {"id": parent_id})


def _late_results(race: Race) -> list[dict[str, int]]:
    """Results of runners 3 - 5: they name the road heat and runner 3's entry."""
    return [_row(race, runner) for runner in range(3, 6)]


@pytest.mark.parametrize("parent", ["heat", "entry"])
def test_a_delete_waits_for_an_insert_of_results_then_deletes_them(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine, parent: str
) -> None:
    assert second_waits(committed_db, lambda conn: _store(conn, _late_results(race)),
                        lambda conn: _delete_parent(conn, race, parent)) is None
    assert _orphans(committed_db) == 0
    left = _results(committed_db)
    if parent == "heat":
        assert left == []
    else:
        assert left == sorted([*stored, *((race.road_heat_id, race.entries[r]) for r in (4, 5))])


@pytest.mark.parametrize(("parent", "key"), [("heat", HEAT_KEY), ("entry", ENTRY_KEY)])
def test_an_insert_waiting_for_a_delete_of_its_parent_is_refused(
    race: Race, stored: list[tuple[int, int]], committed_db: Engine, parent: str, key: str
) -> None:
    refused = second_waits(committed_db, lambda conn: _delete_parent(conn, race, parent),
                           lambda conn: _store(conn, _late_results(race)))
    assert refused is not None and key in str(refused)
    assert _results(committed_db) == ([] if parent == "heat" else stored)
    assert _orphans(committed_db) == 0
