"""What storing a batch of reads, and a batch of splits, costs PostgreSQL, statement by
statement: prints figures, asserts nothing.

    .venv/bin/python ops/bench/read_insert_bench.py [--runners 10000] [--batch 1000]

Starts the embedded PostgreSQL in a temporary directory, migrates, sets up the simulated
10 km race of ``ingest_bench.py`` and stores its reads batch by batch as
``athsys.timing.batches.store_batch`` does (a ``read_batch`` row, ``COPY`` into the
temporary staging table, one ``INSERT … SELECT`` of reads taken as new, in a savepoint),
with psycopg2 alone: no Flask, no SQLAlchemy session. Each batch's rows go into four
tables in turn (the order rotates from batch to batch, so a busy moment of a shared machine
falls on each alike), each insert in its own transaction:

- ``timing_read`` as the migrations leave it;
- ``per-row keys``: a copy of it (``LIKE … INCLUDING ALL``: columns, indexes, checks) with
  the three foreign keys ``timing_read`` had up to migration 0020 (``device_id``,
  ``batch_id``, ``timing_point_id``), each checked by one trigger query per row;
- ``no keys``: the same copy with no foreign key and no trigger, the floor;
- ``no keys, ON CONFLICT``: another such copy, its reads inserted with ``ON CONFLICT
  (device_id, read_id) DO NOTHING`` as ``store_batch`` did before it took them as new
  (PostgreSQL's speculative insertion: a look in the unique index and a second WAL record
  a read).

Then the same for the splits processing writes: each read's runner at its timing point
(``--batch`` splits a statement, as a catch-up inserts its new splits:
``athsys.timing.splits.write_split_changes``'s ``INSERT … SELECT * FROM unnest(…)``) into
``timing_split``, a copy with the two per-row keys it had before migration 0023
(``timing_point_id``; ``(heat_id, entry_id)`` to ``lane_assignment``), and a copy with none.

Printed per table: the median and mean milliseconds of the ``INSERT … SELECT`` per batch
(the first ``--warm-up`` batches left out), and the ``COPY`` into the staging table for scale.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import date, timedelta

from bench_support import bench_environment  # first: it puts the project on sys.path
from sqlalchemy.orm import Session  # noqa: E402

from athsys.accounts.actor import SYSTEM  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.timing.batches import _NEW_READS, _SKIP_STORED, _STAGING_TABLE  # noqa: E402
from athsys.timing.simulation import batches, race_passings, setup_race  # noqa: E402

RACE_DAY = date(2025, 10, 12)
_COLUMNS = "read_id, chip, bib, timing_point_id, read_at, is_gun, hits, rssi, antenna"
_OLD_KEYS = (
    "ALTER TABLE {t} ADD FOREIGN KEY (device_id) REFERENCES timing_device (id)"
    " ON DELETE CASCADE, ADD FOREIGN KEY (batch_id) REFERENCES read_batch (id)"
    " ON DELETE SET NULL, ADD FOREIGN KEY (timing_point_id) REFERENCES timing_point (id)"
    " ON DELETE SET NULL"
)
TABLES = {"timing_read": "timing_read", "per-row keys": "bench_read_keys",
          "no keys": "bench_read_bare", "no keys, ON CONFLICT": "bench_read_conflict"}
_INSERT = ("INSERT INTO {table} (device_id, batch_id, " + _COLUMNS + ")"
           " SELECT %(device)s, %(batch)s, " + _COLUMNS + " FROM timing_read_incoming")
_OLD_SPLIT_KEYS = (
    "ALTER TABLE {t} ADD FOREIGN KEY (timing_point_id) REFERENCES timing_point (id)"
    " ON DELETE CASCADE, ADD FOREIGN KEY (heat_id, entry_id)"
    " REFERENCES lane_assignment (heat_id, entry_id) ON DELETE CASCADE"
)
SPLIT_TABLES = {"timing_split": "timing_split", "per-row keys": "bench_split_keys",
                "no keys": "bench_split_bare"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--warm-up", type=int, default=4)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    with bench_environment("athsys-read-insert-") as bench:
        engine = make_engine(bench.settings, pool_size=1)
        with Session(engine) as session, session.begin():
            race = setup_race(session, SYSTEM, runners=args.runners, day=RACE_DAY)
        raw = engine.raw_connection()
        try:
            timings = _measure(raw.driver_connection, race.competition_id, race.device_id,
                               race.gun, args)
            split_timings = _measure_splits(raw.driver_connection, race.competition_id,
                                            race.heat_id, args)
        finally:
            raw.close()
            engine.dispose()
    load = os.getloadavg()
    print(f"storing {args.runners * 4} reads in batches of {args.batch}, psycopg2 alone, "
          f"{os.cpu_count()} CPU(s), load average {load_before:.1f} before, {load[0]:.1f} after;"
          " ms per batch "
          f"(first {args.warm_up} batches left out):")
    _print(timings, args.warm_up)
    print(f"storing {args.runners * 4} splits in statements of {args.batch}:")
    _print(split_timings, args.warm_up)
    return 0


def _print(timings: dict[str, list[float]], warm_up: int) -> None:
    for name, values in timings.items():
        kept = values[warm_up:]
        print(f"  {name:<24}: median {statistics.median(kept):6.2f}   "
              f"mean {statistics.fmean(kept):6.2f}")


def _in_turn(names: list[str], number: int) -> list[str]:
    """``names`` rotated by the batch's number: each table goes first as often."""
    turn = number % len(names)
    return names[turn:] + names[:turn]


def _copies(cursor, tables: dict[str, str], keys: str, competition_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Creates the copies of ``tables``' first (``keys`` added to the second); returns the
    race's timing points by name."""
    original, keyed, *bare = tables.values()
    for copy in (keyed, *bare):
        cursor.execute(f"CREATE TABLE {copy} (LIKE {original} INCLUDING ALL)")
    cursor.execute(keys.format(t=keyed))
    cursor.execute("SELECT name, id FROM timing_point WHERE competition_id = %s",
                   (competition_id,))
    return dict(cursor.fetchall())


def _measure(conn, competition_id: int, device_id: int, gun, args) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    with conn.cursor() as cursor:
        points = _copies(cursor, TABLES, _OLD_KEYS, competition_id)
        cursor.execute(_STAGING_TABLE)
    conn.commit()
    timings: dict[str, list[float]] = {"COPY into the staging table": []}
    timings.update({name: [] for name in TABLES})
    names = list(TABLES)
    reads = race_passings(args.runners)
    for number, chunk in enumerate(batches(reads, args.batch)):
        rows = "".join(
            f"{p.read_id}\t{p.chip}\t\\N\t{points[p.point]}\t"
            f"{(gun + timedelta(milliseconds=p.time_ms)).isoformat()}\tf\t\\N\t\\N\t\\N\n"
            for p in chunk
        )
        with conn.cursor() as cursor:
            cursor.execute(
                "INSERT INTO read_batch (device_id, payload_sha256, format, read_count, accepted,"
                " duplicate) VALUES (%s, %s, 'json', %s, 0, %s) RETURNING id",
                (device_id, f"bench-{number}", len(chunk), len(chunk)))
            batch_id = cursor.fetchone()[0]
        conn.commit()
        for name in _in_turn(names, number):
            with conn.cursor() as cursor:
                started = time.perf_counter()
                cursor.copy_expert(f"COPY timing_read_incoming ({_COLUMNS}) FROM STDIN",
                                   io.StringIO(rows))
                copied = time.perf_counter()
                insert = _INSERT.format(table=TABLES[name])
                conflict = name.endswith("ON CONFLICT")
                cursor.execute(insert + _SKIP_STORED if conflict
                               else f"SAVEPOINT {_NEW_READS}; {insert}",
                               {"device": device_id, "batch": batch_id})
                stored = cursor.rowcount
                if not conflict:
                    cursor.execute(f"RELEASE SAVEPOINT {_NEW_READS}")
                inserted = time.perf_counter()
                if stored != len(chunk):
                    raise RuntimeError(f"{name}: {stored} of {len(chunk)} stored")
            conn.commit()
            timings["COPY into the staging table"].append((copied - started) * 1000)
            timings[name].append((inserted - copied) * 1000)
    return timings


def _measure_splits(conn, competition_id: int, heat_id: int, args) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    with conn.cursor() as cursor:
        points = _copies(cursor, SPLIT_TABLES, _OLD_SPLIT_KEYS, competition_id)
        cursor.execute("SELECT chip, entry_id FROM chip_assignment WHERE competition_id = %s",
                       (competition_id,))
        entries = dict(cursor.fetchall())
    conn.commit()
    timings: dict[str, list[float]] = {name: [] for name in SPLIT_TABLES}
    for number, chunk in enumerate(batches(race_passings(args.runners), args.batch)):
        columns = ([heat_id] * len(chunk), [entries[p.chip] for p in chunk],
                   [points[p.point] for p in chunk], [p.time_ms for p in chunk],
                   [p.time_ms for p in chunk])
        for name in _in_turn(list(SPLIT_TABLES), number):
            with conn.cursor() as cursor:
                started = time.perf_counter()
                cursor.execute(
                    f"INSERT INTO {SPLIT_TABLES[name]} (heat_id, entry_id, timing_point_id,"  # noqa: S608 - constant names
                    " gun_time_ms, net_time_ms) SELECT * FROM unnest(%s::int[], %s::int[],"
                    " %s::int[], %s::int[], %s::int[])", columns)
                inserted = time.perf_counter()
                if cursor.rowcount != len(chunk):
                    raise RuntimeError(f"{name}: {cursor.rowcount} of {len(chunk)} stored")
            conn.commit()
            timings[name].append((inserted - started) * 1000)
    return timings


if __name__ == "__main__":
    sys.exit(main())
