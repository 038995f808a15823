"""Bringing an event's stored boards up to date (what the ``leaderboards.refresh_event`` task
runs).

:func:`refresh_event` reads only the results changed since the last refresh (``updated_at``
watermark of the result or its heat, with a safety margin for transactions that committed
late) and moves those lines in the event's sorted boards, so a new finisher costs a few Redis
commands, not a new ranking of 50,000 runners. A full rebuild happens when there is no stored
board, when results were deleted or the event's deciding round changed, for combined events,
and at least every :data:`FULL_REBUILD_EVERY_S`: one lean query, one pass in Python and one
bulk load per board.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from athsys.leaderboards.cache import BoardStore
from athsys.leaderboards.lines import (
    WATERMARK_MARGIN,
    Placing,
    event_info,
    placing_chunks,
    placings,
)
from athsys.runtime import cyclic_gc_paused

FULL_REBUILD_EVERY_S = 300

@dataclass(frozen=True)
class RefreshOutcome:
    """``published``: lines the public sees new or changed. A first build publishes every
    line; a later full rebuild (periodic, or after a deletion) rewrites lines without telling
    which changed, and counts none."""

    event_id: int
    competition_id: int
    full: bool
    lines_changed: int
    heat_ids: tuple[int, ...]
    compute_ms: float
    as_of: datetime
    published: int

    def as_dict(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "competition_id": self.competition_id,
                "full": self.full, "lines_changed": self.lines_changed,
                "heat_ids": list(self.heat_ids), "compute_ms": round(self.compute_ms, 2),
                "as_of": self.as_of.isoformat(), "published": self.published}

def _round_state(session: Session, round_id: int | None) -> tuple[int, str]:
    """How many results the round has, and its heats' ``id:number:status:wind`` (what lines show
    of their heat): a heat that changed is re-read whole, a heat that did not is not."""
    if round_id is None:
        return 0, ""
    count, heats = session.execute(text(
        "SELECT (SELECT count(*) FROM result r JOIN heat h ON h.id = r.heat_id "
        "        WHERE h.round_id = :r), "
        "       coalesce(string_agg(id || ':' || number || ':' || status || ':' || "
        "                           coalesce(wind::text, ''), ',' ORDER BY id), '') "
        "FROM heat WHERE round_id = :r"), {"r": round_id}).one()
    return int(count), str(heats)

def _heats_changed(before: str, now: str) -> list[int]:
    old = set(before.split(",")) if before else set()
    return [int(item.split(":")[0]) for item in now.split(",") if item and item not in old]

def refresh_event(session: Session, store: BoardStore, event_id: int,
                  *, force_full: bool = False) -> RefreshOutcome:
    """Bring the stored boards of the event up to date with the database, one refresh of
    an event at a time (:meth:`athsys.leaderboards.cache.BoardStore.refreshing`); a full
    rebuild if ``force_full`` or one was asked for
    (:meth:`athsys.leaderboards.cache.BoardStore.ask_rebuild`)."""
    with store.refreshing(event_id):
        rebuild = store.take_rebuild(event_id)
        try:
            return _refresh(session, store, event_id, force_full=force_full or rebuild)
        except BaseException:
            if rebuild:  # asked for again: the next refresh must still rebuild
                store.ask_rebuild(event_id)
            raise

@cyclic_gc_paused()
def _refresh(session: Session, store: BoardStore, event_id: int,
             *, force_full: bool) -> RefreshOutcome:
    """The refresh itself. The collector is paused (:func:`athsys.runtime.cyclic_gc_paused`):
    a full rebuild of a marathon allocates some 200,000 short-lived tuples, dicts and lists,
    and a burst of thousands of changed lines (a worker catching up) nearly as many."""
    started = time.perf_counter()
    info = event_info(session, event_id)
    now = session.scalar(text("SELECT now()"))
    assert isinstance(now, datetime)  # nosec B101 # invariant for the type checker, not a check of input
    meta = store.meta(event_id)
    count, heats = _round_state(session, info.round_id)
    full = (force_full or info.combined or not meta
            or meta.get("round_id") != str(info.round_id)
            or time.time() - float(meta.get("built_at", 0)) > FULL_REBUILD_EVERY_S)
    changed: list[Placing] = []
    if not full:
        since = datetime.fromisoformat(meta["watermark"]) - WATERMARK_MARGIN
        changed = placings(session, info, changed_since=since,
                            changed_heats=_heats_changed(meta.get("heats", ""), heats))
        known = int(meta.get("count", 0))
        new_lines = len(changed) - store.known(event_id, [item[0] for item in changed])
        if known + new_lines != count:
            full = True  # a result was deleted (or moved): start again
    new_meta: dict[str, str | int] = {
        "watermark": now.isoformat(), "count": count, "round_id": str(info.round_id),
        "heats": heats,
    }
    if full:
        new_meta["built_at"] = str(time.time())
        # counted, not kept: 50,000 placings kept alive make the garbage collector work
        lines, heat_ids = 0, set[int | None]()
        with store.build(event_id) as build:
            for chunk in placing_chunks(session, info):
                signatures: list[int | str] = []
                boards: defaultdict[str, list[int]] = defaultdict(list)
                for entry_id, _, signature, line_boards in chunk:
                    if signature is not None:
                        signatures += (entry_id, signature)
                    for board, key in line_boards.items():
                        boards[board] += (key, entry_id)
                build.add(signatures, boards)
                lines += len(chunk)
                heat_ids.update(item[1] for item in chunk)
            build.commit(new_meta)
    else:
        kept = set(store.update(event_id, {str(entry_id): (str(signature), line_boards)
                                           for entry_id, _, signature, line_boards in changed},
                                new_meta))
        changed = [item for item in changed if str(item[0]) in kept]
        lines, heat_ids = len(changed), {heat_id for _, heat_id, _, _ in changed}
    published = lines if not full or not meta else 0
    return RefreshOutcome(event_id, info.competition_id, full, lines,
                          tuple(sorted(h for h in heat_ids if h is not None)),
                          (time.perf_counter() - started) * 1000, now, published)
