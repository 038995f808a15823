"""The timing service: receive a device's batch of reads (:func:`receive_passings`: parsed,
checked and stored durably; processing is asked for at commit) and process a stored batch
into results (:func:`process_batch`, what the ``timing.process_batch`` task runs), and the
report of chips no assignment covers. The rules are pure (:mod:`athsys.timing.rules`); the
storage is :mod:`athsys.timing.batches` and :mod:`athsys.timing.recompute`.

Processing of one competition is serialised by a transaction-level advisory lock, so two
workers never race on its results. Only the runners the batch's reads are for, at the timing
points they are at, are recomputed (:class:`athsys.timing.recompute.Scope`), and a worker
that falls behind catches up by processing the waiting batches of a competition together
(:func:`process_batch`).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM, Actor
from athsys.audit.service import record
from athsys.competitions.heat_states import gun_fired
from athsys.competitions.models import Event, Heat, HeatStatus, Round
from athsys.config import Settings
from athsys.db import driver_execute, driver_rows, int_array
from athsys.jobs import request_refresh
from athsys.runtime import cyclic_gc_paused
from athsys.timing import rules
from athsys.timing.acceptance import GunCandidate, heat_for_gun
from athsys.timing.batches import BatchReceipt, parse_device_payload, store_batch
from athsys.timing.formats import MYLAPS
from athsys.timing.formats.mylaps import acknowledgements
from athsys.timing.lookups import BIB_CHIP_PREFIX, lock_competition
from athsys.timing.models import BatchStatus, ReadFlag, TimingDevice, TimingRead
from athsys.timing.outcome import ProcessingOutcome
from athsys.timing.passing import to_epoch_ms
from athsys.timing.recompute import Scope, recompute

HOST_NAME = "AthSys"
"""How the host names itself in the acknowledgements a decoder's protocol expects."""
CATCH_UP_MAX_READS = Settings.catch_up_max_reads
"""Processing a batch takes along the competition's other waiting batches, oldest first, up
to this many reads in all; the worker passes the ``CATCH_UP_MAX_READS`` setting
(:attr:`athsys.config.Settings.catch_up_max_reads`), this is its default. A recompute
loads every read of the entries it touches at the points it touches, so the larger the
catch-up, the fewer times a runner's reads are loaded and their splits compared; but every
batch in it waits for the whole of it, and a worker process keeps the memory of the largest
one it did. 15,000: with 50,000, a worker behind at a marathon's start mat caught up in
transactions of up to 50,000 reads and its children grew to 200 – 260 MiB each. A race
stored at once before any of it is processed (a worker that was down) still needs one
catch-up for its start: that one re-times every runner whose start-mat read it holds at
every point, from all of their stored reads, and the waiting batches of only those runners'
reads are done with it (``docs/performance.md``, "Catching up, third pass"). Far inside the
task's 120 s soft limit."""


@cyclic_gc_paused()
def receive_passings(
    session: Session,
    device: TimingDevice,
    body: str | bytes,
    *,
    max_lines: int,
    fmt: str | None = None,
) -> BatchReceipt:
    """Validate the whole payload, then store it durably; processing is enqueued at commit.

    The cyclic collector is paused meanwhile (:func:`athsys.runtime.cyclic_gc_paused`): a
    batch of 1,000 reads allocates some 10,000 objects that live until it is stored, and
    the collections they triggered walked the web app's whole heap, a third of the time
    spent reading the batch."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    fmt, passings, point_ids = parse_device_payload(session, device, raw, max_lines=max_lines,
                                                    fmt=fmt)
    receipt = store_batch(session, device, passings, point_ids, fmt=fmt,
                          payload_sha256=hashlib.sha256(raw).hexdigest())
    if fmt == MYLAPS:
        receipt = replace(receipt, acknowledgements=tuple(acknowledgements(raw, HOST_NAME)))
    return receipt


def process_batch(
    session: Session,
    batch_id: int,
    *,
    window_ms: int = rules.DEFAULT_DUPLICATE_WINDOW_MS,
    actor: Actor | None = None,
    catch_up_reads: int = CATCH_UP_MAX_READS,
) -> ProcessingOutcome | None:
    """Turn a stored batch into results; None when there is nothing to do (already done).

    Catching up: other batches of the competition still waiting (a worker was down, a burst
    came in faster than it is processed) are processed in the same transaction, up to
    ``catch_up_reads`` reads in all (0: this batch alone). Their reads share the work of
    one recompute (an entry's splits and result once, the heat placed once) instead of one
    each; their own tasks then find them done. A batch that failed before (it has an error)
    is never taken along, so a bad batch fails alone. A waiting batch beyond the budget is
    done too when the recompute re-timed every read of it (:func:`_retimed_batches`: a
    runner with a new start-mat read is re-timed at every point from all of its stored
    reads, those of batches still waiting included), since processing it would change
    nothing.

    Idempotent: the batch rows are locked, a finished batch is skipped, and recomputing from
    raw reads a second time changes nothing.
    """
    # through the driver: a worker catching up asks this of every batch it took along, and
    # the answer is then "done"
    rows = driver_rows(
        session,
        "SELECT b.status::text, b.accepted, d.competition_id FROM read_batch b"
        " JOIN timing_device d ON d.id = b.device_id WHERE b.id = %(b)s FOR UPDATE OF b",
        {"b": batch_id},
    )
    if not rows or rows[0][0] in (BatchStatus.DONE.value, BatchStatus.FAILED.value):
        return None
    _, accepted, competition_id = rows[0]
    lock_competition(session, competition_id)
    started = time.perf_counter()
    taken_along = _waiting_batches(session, competition_id, batch_id,
                                   catch_up_reads - accepted) if catch_up_reads else {}
    batch_ids = [batch_id, *taken_along]
    actor = actor or SYSTEM
    outcome = ProcessingOutcome(reads=accepted + sum(taken_along.values()))
    gun_heats = _apply_gun_reads(session, actor, competition_id, batch_ids, outcome)
    chips: set[str] = set()
    bibs: set[str] = set()
    reads_at: set[tuple[str, int]] = set()
    for chip, bib, point_id in driver_rows(
        session,
        "SELECT DISTINCT chip, bib, timing_point_id FROM timing_read"
        " WHERE batch_id = ANY(%(b)s::bigint[]) AND NOT is_gun",
        {"b": int_array(batch_ids)},
    ):
        if chip is not None:
            chips.add(chip)
            key = chip
        elif bib is not None:
            bibs.add(bib)
            key = BIB_CHIP_PREFIX + bib
        else:
            continue
        if point_id is not None:
            reads_at.add((key, point_id))
    gun_entries: set[int] = set()
    if gun_heats:
        gun_entries = set(session.scalars(
            text("SELECT entry_id FROM lane_assignment WHERE heat_id = ANY(:heats)"),
            {"heats": sorted(gun_heats)},
        ))
    # a gun moves every time of its heat: recompute all points then
    scope = Scope(frozenset(gun_entries), frozenset(chips), frozenset(bibs),
                  None if gun_heats else frozenset(reads_at), frozenset(batch_ids))
    reason = f"chip reads of batch {batch_id}" + (
        f" and {len(taken_along)} waiting batch(es) taken along" if taken_along else "")
    retimed = recompute(session, actor, competition_id, scope, window_ms=window_ms,
                        outcome=outcome, reason=reason)
    if not gun_heats:  # a batch without guns that this one re-timed entirely is done with it
        done_with = _retimed_batches(session, retimed)
        batch_ids.extend(done_with)
        outcome.reads += sum(done_with.values())
    driver_execute(
        session,
        "UPDATE read_batch SET status = 'done', processed_at = now(), error = NULL,"
        " results_changed = CASE WHEN id = %(b)s THEN %(n)s ELSE 0 END,"
        " processed_with = CASE WHEN id = %(b)s THEN NULL ELSE %(b)s END"
        " WHERE id = ANY(%(all)s::bigint[])",
        {"b": batch_id, "n": outcome.results_changed, "all": int_array(batch_ids)},
    )
    request_refresh(session, outcome.event_ids)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _waiting_batches(
    session: Session, competition_id: int, batch_id: int, max_reads: int
) -> dict[int, int]:
    """Other batches of the competition waiting for processing, oldest first, as long as
    their reads add up to at most ``max_reads``; locked; id → reads accepted. A batch
    another worker holds is skipped, and so is one that failed before."""
    if max_reads <= 0:
        return {}
    return dict(driver_rows(
        session,
        "WITH waiting AS (SELECT b.id, sum(b.accepted) OVER (ORDER BY b.received_at, b.id)"
        " AS reads FROM read_batch b JOIN timing_device d ON d.id = b.device_id"
        " WHERE d.competition_id = %(c)s AND b.status IN ('pending', 'processing')"
        " AND b.error IS NULL AND b.id <> %(b)s)"
        " SELECT id, accepted FROM read_batch"
        " WHERE id IN (SELECT id FROM waiting WHERE reads <= %(max)s)"
        " ORDER BY id FOR UPDATE SKIP LOCKED",
        {"c": competition_id, "b": batch_id, "max": max_reads},
    ))


def _retimed_batches(session: Session, retimed: dict[int, int]) -> dict[int, int]:
    """Of the waiting batches with reads the recompute re-timed
    (:func:`athsys.timing.recompute.recompute` says how many of each), those with no other
    read: locked, id → reads. Processing one would recompute what was just recomputed from
    the same reads and change nothing; its own task then finds it done. ``accepted`` counts
    every read stored for a batch, guns included (never re-timed), so a batch with a gun
    read is never among them; neither is one another worker holds or one that failed
    before."""
    if not retimed:
        return {}
    return dict(driver_rows(
        session,
        "SELECT b.id, b.accepted FROM read_batch b"
        " JOIN unnest(%(ids)s::bigint[], %(counts)s::int[]) AS v(id, retimed) ON v.id = b.id"
        " WHERE b.status IN ('pending', 'processing') AND b.error IS NULL"
        " AND b.accepted = v.retimed ORDER BY b.id FOR UPDATE OF b SKIP LOCKED",
        {"ids": int_array(retimed), "counts": int_array(retimed.values())},
    ))


def _apply_gun_reads(
    session: Session,
    actor: Actor,
    competition_id: int,
    batch_ids: list[int],
    outcome: ProcessingOutcome,
) -> set[int]:
    """Gun reads of the batches, in time order, start the heat scheduled nearest them
    (DESIGN §5: waves have their own gun); a gun no heat can take is flagged."""
    guns = driver_rows(
        session,
        "SELECT id, read_at FROM timing_read WHERE batch_id = ANY(%(b)s::bigint[]) AND is_gun"
        " ORDER BY read_at, id",
        {"b": int_array(batch_ids)},
    )
    started: set[int] = set()
    for read_pk, read_at in guns:
        candidates = session.execute(
            select(Heat.id, Heat.scheduled_start)
            .join(Round, Round.id == Heat.round_id)
            .join(Event, Event.id == Round.event_id)
            .where(Event.competition_id == competition_id, Heat.gun_time.is_(None),
                   Heat.status.in_([HeatStatus.SCHEDULED, HeatStatus.STARTED]))
        ).all()
        heat_id = heat_for_gun(
            [GunCandidate(h.id, to_epoch_ms(h.scheduled_start) if h.scheduled_start else None)
             for h in candidates],
            to_epoch_ms(read_at),
        )
        if heat_id is None:
            session.execute(update(TimingRead).where(TimingRead.id == read_pk)
                            .values(flag=ReadFlag.UNMATCHED_GUN))
            outcome.count_flag(ReadFlag.UNMATCHED_GUN)
            continue
        heat = session.get(Heat, heat_id)
        assert heat is not None  # nosec B101 # invariant for the type checker, not a check of input
        gun_fired(session, actor, heat, read_at)
        record(session, actor, "gun", "heat", heat_id,
               {"gun_time": read_at.isoformat(), "read": read_pk})
        started.add(heat_id)
    session.flush()
    return started


@dataclass(frozen=True)
class UnknownChip:
    chip: str
    reads: int
    first_read_at: datetime
    last_read_at: datetime


def unknown_chips(session: Session, competition_id: int) -> list[UnknownChip]:
    """Chips read in the competition that no assignment covers: kept, and reported here."""
    rows = session.execute(
        text(
            "SELECT coalesce(r.chip, :prefix || r.bib), count(*), min(r.read_at), max(r.read_at)"
            " FROM timing_read r JOIN timing_device d ON d.id = r.device_id"
            " WHERE d.competition_id = :c AND r.flag = 'unknown_chip'"
            " GROUP BY 1 ORDER BY 1"
        ),
        {"c": competition_id, "prefix": BIB_CHIP_PREFIX},
    )
    return [UnknownChip(chip, count, first, last) for chip, count, first, last in rows]
