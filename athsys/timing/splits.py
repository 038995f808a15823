"""Stored splits brought in line with computed race times: only the difference is written.

A batch of reads usually confirms splits already stored (a backlog of reads, a device
resending its buffer), so the stored splits of the scope are read first, compared in
Python (:func:`split_changes`), and only new, changed or unsupported splits are written.
Splits are written only under the competition's processing lock, so a plain ``INSERT``
cannot meet a concurrent one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from athsys.db import driver_execute, driver_rows, int_array

SplitKey = tuple[int, int, int]
"""(heat id, entry id, timing point id)."""
SplitTimes = tuple[int | None, int | None]
"""(gun time ms, net time ms)."""


@dataclass(frozen=True)
class SplitChanges:
    insert: dict[SplitKey, SplitTimes]
    update: dict[SplitKey, SplitTimes]  # a stored split's new times
    delete: list[SplitKey]  # stored splits no read supports any more

    def __bool__(self) -> bool:
        return bool(self.insert or self.update or self.delete)


def split_changes(
    stored: Mapping[SplitKey, SplitTimes],
    wanted: Mapping[SplitKey, SplitTimes],
    *,
    delete_unsupported: bool,
) -> SplitChanges:
    """What to write so that ``stored`` becomes ``wanted``.

    ``delete_unsupported``: a stored split no wanted split matches is deleted (a full
    recompute after a gun moved or a chip changed hands). A batch of new reads only adds
    reads, and a crossing (the first read) never disappears when reads are added, so a
    scoped recompute keeps the splits it did not compute.
    """
    insert: dict[SplitKey, SplitTimes] = {}
    update: dict[SplitKey, SplitTimes] = {}
    for key, times in wanted.items():
        current = stored.get(key)
        if current is None:
            insert[key] = times
        elif current != times:
            update[key] = times
    delete = sorted(key for key in stored if key not in wanted) if delete_unsupported else []
    return SplitChanges(insert, update, delete)


def stored_splits(
    session: Session, heat_ids: list[int], entry_ids: list[int],
    at: set[tuple[int, int]] | None = None, *, every_point_of: frozenset[int] = frozenset(),
) -> dict[SplitKey, SplitTimes]:
    """The stored splits of these entries in these heats; only at the (entry id, timing
    point id) pairs ``at`` when given (not every point of every one of the entries), and at
    every point of the entries ``every_point_of`` (a runner re-timed at every point: one
    index lookup a runner instead of one a point)."""
    if not heat_ids or not entry_ids or at is not None and not at and not every_point_of:
        return {}
    pairs = sorted(at or ())
    select_splits = (
        "SELECT s.heat_id, s.entry_id, s.timing_point_id, s.gun_time_ms, s.net_time_ms"
    )
    if at is None:
        sql = (f"{select_splits} FROM timing_split s WHERE s.heat_id = ANY(%(heats)s::int[])"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
               " AND s.entry_id = ANY(%(entries)s::int[])")
    else:  # one index lookup a pair or runner (OFFSET 0: a nested loop, as in recompute._reads)
        sql = (f"{select_splits} FROM unnest(%(pair_entries)s::int[], %(pair_points)s::int[])"  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
               " AS w(entry_id, point_id) CROSS JOIN LATERAL (SELECT * FROM timing_split s"
               " WHERE s.heat_id = ANY(%(heats)s::int[]) AND s.entry_id = w.entry_id"
               " AND s.timing_point_id = w.point_id OFFSET 0) s"
               f" UNION ALL {select_splits} FROM unnest(%(every)s::int[]) AS w(entry_id)"
               " CROSS JOIN LATERAL (SELECT * FROM timing_split s"
               " WHERE s.heat_id = ANY(%(heats)s::int[]) AND s.entry_id = w.entry_id"
               " OFFSET 0) s")
    rows = driver_rows(session, sql, {
        "heats": int_array(heat_ids), "entries": int_array(entry_ids),
        "pair_entries": int_array([e for e, _ in pairs]),
        "pair_points": int_array([p for _, p in pairs]),
        "every": int_array(sorted(every_point_of)),
    })
    return {(h, e, p): (g, n) for h, e, p, g, n in rows}


def write_split_changes(session: Session, changes: SplitChanges) -> None:
    """Delete, update and insert, one statement each (none when there is nothing to do); a
    split is named by its key (heat, entry, timing point), the table's primary key."""
    if changes.delete:
        driver_execute(
            session,
            "DELETE FROM timing_split WHERE (heat_id, entry_id, timing_point_id) IN"
            " (SELECT * FROM unnest(%(h)s::int[], %(e)s::int[], %(p)s::int[]))",
            _key_columns(changes.delete),
        )
    if changes.update:
        driver_execute(
            session,
            "UPDATE timing_split s SET gun_time_ms = v.g, net_time_ms = v.n, updated_at = now()"
            " FROM unnest(%(h)s::int[], %(e)s::int[], %(p)s::int[], %(g)s::int[], %(n)s::int[])"
            " AS v(h, e, p, g, n)"
            " WHERE (s.heat_id, s.entry_id, s.timing_point_id) = (v.h, v.e, v.p)",
            {**_key_columns(list(changes.update)),
             "g": int_array(g for g, _ in changes.update.values()),
             "n": int_array(n for _, n in changes.update.values())},
        )
    if changes.insert:
        keys = list(changes.insert)
        driver_execute(
            session,
            "INSERT INTO timing_split (heat_id, entry_id, timing_point_id, gun_time_ms,"
            " net_time_ms) SELECT * FROM unnest(%(h)s::int[], %(e)s::int[], %(p)s::int[],"
            " %(g)s::int[], %(n)s::int[])",
            {**_key_columns(keys),
             "g": int_array(changes.insert[k][0] for k in keys),
             "n": int_array(changes.insert[k][1] for k in keys)},
        )


def _key_columns(keys: list[SplitKey]) -> dict[str, str]:
    """The keys as three array literals (``h``, ``e``, ``p``), in the keys' order."""
    return {"h": int_array(k[0] for k in keys), "e": int_array(k[1] for k in keys),
            "p": int_array(k[2] for k in keys)}
