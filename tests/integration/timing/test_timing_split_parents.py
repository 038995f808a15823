"""A split's timing point and lane assignment, kept by migration 0023's triggers as its
foreign keys kept them: a missing parent is refused with a foreign-key violation and the
whole statement stores nothing; deleting a parent (or the heat, entry or competition above
the assignment) deletes its splits, as ON DELETE CASCADE did; a delete racing an insert
leaves no split behind (two connections, both orders, each parent)."""

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
POINT_KEY = "fk_timing_split_timing_point_id_timing_point"
ASSIGNMENT_KEY = "fk_timing_split_heat_id_lane_assignment"
_SPLITS = text(
    "INSERT INTO timing_split (heat_id, entry_id, timing_point_id, gun_time_ms)"
    " SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb))"
    " AS r(heat_id integer, entry_id integer, timing_point_id integer, gun_time_ms integer)")


def _store(conn: Connection, rows: list[dict[str, int]]) -> None:
    conn.execute(_SPLITS, {"rows": json.dumps([{"gun_time_ms": 1_000, **row} for row in rows])})


def _row(race: Race, runner: int, point: str) -> dict[str, int]:
    return {"heat_id": race.road_heat_id, "entry_id": race.entries[runner],
            "timing_point_id": race.points[point]}


def _splits(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT heat_id, entry_id, timing_point_id FROM timing_split"
            " ORDER BY heat_id, entry_id, timing_point_id"))]


def _orphans(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(
            "SELECT count(*) FROM timing_split s WHERE NOT EXISTS"
            " (SELECT FROM timing_point p WHERE p.id = s.timing_point_id)"
            " OR NOT EXISTS (SELECT FROM lane_assignment la"
            "                WHERE la.heat_id = s.heat_id AND la.entry_id = s.entry_id)"
            )).scalar_one())


@pytest.fixture()
def stored(race: Race, committed_db: Engine) -> list[tuple[int, int, int]]:
    """The first three runners' splits at the 5 km and the finish, committed."""
    rows = [_row(race, runner, point) for runner in range(3) for point in ("5k", "finish")]
    with committed_db.begin() as conn:
        _store(conn, rows)
    return [(r["heat_id"], r["entry_id"], r["timing_point_id"]) for r in rows]


# -- a missing parent ----------------------------------------------------------------------

@pytest.mark.parametrize(("column", "key", "detail"), [
    ("timing_point_id", POINT_KEY, f"Key (timing_point_id)=({UNKNOWN}) is not present"
                                   ' in table "timing_point"'),
    ("entry_id", ASSIGNMENT_KEY, "Key (heat_id, entry_id)=({heat}, {entry}) is not present"
                                 ' in table "lane_assignment"'),
    ("heat_id", ASSIGNMENT_KEY, "Key (heat_id, entry_id)=({heat}, {entry}) is not present"
                                ' in table "lane_assignment"'),
])
def test_a_split_naming_a_missing_parent_is_refused_and_nothing_is_stored(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine,
    column: str, key: str, detail: str,
) -> None:
    # five good splits and, in the middle of the same statement, one naming nothing: an
    # unknown point, a sprinter who is not in the road heat, the road runner in the sprint
    rows = [_row(race, runner, "start") for runner in range(6)]
    rows[3][column] = {"timing_point_id": UNKNOWN, "entry_id": race.sprint_entries[0],
                       "heat_id": race.sprint_heat_id}[column]
    with pytest.raises(IntegrityError) as refused:
        with committed_db.begin() as conn:
            _store(conn, rows)
    error = refused.value.orig
    assert error.pgcode == "23503"
    assert error.diag.constraint_name == key
    assert detail.format(heat=rows[3]["heat_id"], entry=rows[3]["entry_id"]) in str(
        refused.value)
    assert _splits(committed_db) == sorted(stored)


def test_moving_a_split_to_a_missing_parent_is_refused(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine
) -> None:
    for change, key in ((f"timing_point_id = {UNKNOWN}", POINT_KEY),
                        (f"entry_id = {race.sprint_entries[0]}", ASSIGNMENT_KEY)):
        with pytest.raises(IntegrityError, match=key):
            with committed_db.begin() as conn:
                conn.execute(text(f"UPDATE timing_split SET {change}"
                                  " WHERE entry_id = :e AND timing_point_id = :p"),
                             {"e": race.entries[0], "p": race.points["finish"]})
    with committed_db.begin() as conn:  # a change of times does not touch the keys
        conn.execute(text("UPDATE timing_split SET gun_time_ms = gun_time_ms + 1"))
        # nor does moving a split to an existing point
        conn.execute(text("UPDATE timing_split SET timing_point_id = :start"
                          " WHERE entry_id = :e AND timing_point_id = :p"),
                     {"start": race.points["start"], "e": race.entries[0],
                      "p": race.points["5k"]})
    assert len(_splits(committed_db)) == len(stored)


# -- deleting a parent ---------------------------------------------------------------------

def test_deleting_a_timing_point_deletes_its_splits(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        conn.execute(text("DELETE FROM timing_point WHERE id = :p"), {"p": race.points["5k"]})
    assert _splits(committed_db) == sorted(s for s in stored if s[2] == race.points["finish"])


def test_deleting_a_lane_assignment_deletes_the_entry_s_splits_in_that_heat(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine
) -> None:
    with committed_db.begin() as conn:
        conn.execute(text("DELETE FROM lane_assignment WHERE heat_id = :h AND entry_id = :e"),
                     {"h": race.road_heat_id, "e": race.entries[1]})
    assert _splits(committed_db) == sorted(s for s in stored if s[1] != race.entries[1])


@pytest.mark.parametrize("parent", ["heat", "entry", "competition"])
def test_deleting_what_an_assignment_belongs_to_deletes_its_splits(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine, parent: str
) -> None:
    where = {"heat": ("heat", race.road_heat_id), "entry": ("entry", race.entries[0]),
             "competition": ("competition", race.competition_id)}[parent]
    with committed_db.begin() as conn:
        conn.execute(text(f"DELETE FROM {where[0]} WHERE id = :id"), {"id": where[1]})
    kept = [] if parent != "entry" else [s for s in stored if s[1] != race.entries[0]]
    assert _splits(committed_db) == sorted(kept)
    assert _orphans(committed_db) == 0


def test_a_parents_key_named_by_splits_does_not_change(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine
) -> None:
    with pytest.raises(IntegrityError, match=ASSIGNMENT_KEY) as refused:
        with committed_db.begin() as conn:
            conn.execute(text("UPDATE lane_assignment SET entry_id = :other"
                              " WHERE heat_id = :h AND entry_id = :e"),
                         {"other": race.sprint_entries[0], "h": race.road_heat_id,
                          "e": race.entries[0]})
    assert (f"Key (heat_id, entry_id)=({race.road_heat_id}, {race.entries[0]}) is still"
            ' referenced from table "timing_split"') in str(refused.value)
    with committed_db.begin() as conn:  # a point no device is at, named by one split
        point = conn.execute(text(
            "INSERT INTO timing_point (competition_id, name, distance_m)"
            " VALUES (:c, '8k', 8000) RETURNING id"), {"c": race.competition_id}).scalar_one()
        _store(conn, [{**_row(race, 0, "finish"), "timing_point_id": point}])
    with pytest.raises(IntegrityError, match=POINT_KEY):
        with committed_db.begin() as conn:
            conn.execute(text("UPDATE timing_point SET id = :new WHERE id = :id"),
                         {"new": UNKNOWN, "id": point})
    with committed_db.begin() as conn:
        conn.execute(text("DELETE FROM timing_split WHERE timing_point_id = :p"), {"p": point})
        conn.execute(text("UPDATE timing_point SET id = :new WHERE id = :id"),
                     {"new": UNKNOWN, "id": point})
    with committed_db.begin() as conn:  # an assignment no split names may change
        conn.execute(text("UPDATE lane_assignment SET entry_id = :other"
                          " WHERE heat_id = :h AND entry_id = :e"),
                     {"other": race.sprint_entries[0], "h": race.road_heat_id,
                      "e": race.entries[5]})
    assert _splits(committed_db) == sorted(stored)


@pytest.mark.parametrize("parent", ["timing_point", "lane_assignment"])
def test_a_parent_is_truncated_only_with_the_splits_naming_it(
    stored: list[tuple[int, int, int]], committed_db: Engine, parent: str
) -> None:
    truncate_refused_without_rows(committed_db, parent, "timing_split")
    assert count(committed_db, "timing_split") == 0


def test_deleting_a_parent_of_splits_needs_read_committed(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine
) -> None:
    delete_refused_above_read_committed(committed_db, "DELETE FROM heat WHERE id = :id",
                                        {"id": race.road_heat_id})
    assert _splits(committed_db) == sorted(stored)


# -- a delete and an insert at the same time -------------------------------------------

def _delete_parent(conn: Connection, race: Race, parent: str) -> None:
    if parent == "timing_point":
        conn.execute(text("DELETE FROM timing_point WHERE id = :p"), {"p": race.points["start"]})
    else:
        conn.execute(text("DELETE FROM lane_assignment WHERE heat_id = :h AND entry_id = :e"),
                     {"h": race.road_heat_id, "e": race.entries[0]})


def _late_splits(race: Race) -> list[dict[str, int]]:
    """Every runner's split at the start: they name the start and runner 0's assignment."""
    return [_row(race, runner, "start") for runner in range(6)]


@pytest.mark.parametrize("parent", ["timing_point", "lane_assignment"])
def test_a_delete_waits_for_an_insert_of_splits_then_deletes_them(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine, parent: str
) -> None:
    assert second_waits(committed_db, lambda conn: _store(conn, _late_splits(race)),
                        lambda conn: _delete_parent(conn, race, parent)) is None
    assert _orphans(committed_db) == 0
    left = _splits(committed_db)
    if parent == "timing_point":
        assert left == sorted(stored)
    else:
        assert [s for s in left if s[1] == race.entries[0]] == []
        assert len(left) == len(stored) - 2 + 5


@pytest.mark.parametrize("parent", ["timing_point", "lane_assignment"])
def test_an_insert_waiting_for_a_delete_of_its_parent_is_refused(
    race: Race, stored: list[tuple[int, int, int]], committed_db: Engine, parent: str
) -> None:
    refused = second_waits(committed_db, lambda conn: _delete_parent(conn, race, parent),
                           lambda conn: _store(conn, _late_splits(race)))
    key = POINT_KEY if parent == "timing_point" else ASSIGNMENT_KEY
    assert refused is not None and key in str(refused)
    assert [s for s in _splits(committed_db) if s[2] == race.points["start"]] == []
    assert _orphans(committed_db) == 0
