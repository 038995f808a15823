"""Durable batches of reads: validate a device's payload, store its reads idempotently in the
caller's transaction, and hand the batch to a worker (claim, error, sweep).

A read is durable before the device hears 2xx: :func:`store_batch` (called by
:func:`athsys.timing.service.receive_passings`) stores the whole payload in the caller's
transaction and the caller commits before answering. Processing is
asked for after that commit; the sweeper re-sends batches a lost message or a dead worker
left behind, so a read stored is a read processed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from psycopg2.errors import UniqueViolation
from psycopg2.extensions import cursor as Cursor
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition
from athsys.competitions.time_zones import zone_of
from athsys.errors import NotFoundError, ValidationError
from athsys.jobs import TaskName, enqueue_after_commit
from athsys.timing.acceptance import competition_window
from athsys.timing.formats import JSON, LIF, detect_format, parse_passings
from athsys.timing.formats.json_batch import PlainBatch, read_plain_batch
from athsys.timing.lookups import get_competition
from athsys.timing.models import BatchStatus, ReadBatch, TimingDevice, TimingPoint, TimingRead
from athsys.timing.passing import ParseOptions, Passing, fail

_STAGING_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS timing_read_incoming ("
    " read_id varchar(64), chip varchar(32), bib varchar(12), timing_point_id integer,"
    " read_at timestamptz, is_gun boolean, hits integer, rssi integer, antenna integer"
    ") ON COMMIT DELETE ROWS"
)
Reads = Sequence[Passing] | PlainBatch
"""A payload's reads: passings, or a plain JSON batch stored without making them."""
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True)
class BatchReceipt:
    """What the device hears: the batch and how many reads were new or already stored.

    ``replay`` is True when the identical payload was received before: nothing was stored
    and the counts are those of the first time. ``acknowledgements`` are the protocol's
    answers for a decoder that expects one per message (MYLAPS), for its bridge to relay;
    a resent payload gets them again.
    """

    batch_id: int
    accepted: int
    duplicate: int
    replay: bool
    acknowledgements: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"batch_id": self.batch_id, "accepted": self.accepted,
                                  "duplicate": self.duplicate, "replay": self.replay}
        if self.acknowledgements:
            answer["acknowledgements"] = list(self.acknowledgements)
        return answer


def parse_options(
    competition: Competition, max_lines: int, today: date | None = None
) -> ParseOptions:
    """How a device payload of the competition is read: its time zone, its days, a window."""
    tz = zone_of(competition.time_zone)
    today = today or datetime.now(tz).date()
    during = competition.start_date <= today <= competition.end_date
    day = today if during else competition.start_date
    valid_from, valid_until = competition_window(competition.start_date, competition.end_date, tz)
    return ParseOptions(tz=tz, day=day, valid_from=valid_from, valid_until=valid_until,
                        max_lines=max_lines)


def parse_device_payload(
    session: Session,
    device: TimingDevice,
    body: str | bytes,
    *,
    max_lines: int,
    fmt: str | None = None,
) -> tuple[str, Reads, list[int | None]]:
    """(format, reads, timing point id of each) of a payload; one ValidationError for all
    problems, so nothing is stored from a payload with a single bad line. A plain JSON
    batch comes back as it was read (:class:`PlainBatch`); any other payload as passings."""
    competition = get_competition(session, device.competition_id)
    fmt = fmt or detect_format(body)
    if fmt == LIF:
        raise fail("timing payload", None, "format",
                   "a .lif file holds results: post it to /api/timing/lif")
    options = parse_options(competition, max_lines)
    points = {
        name.casefold(): point_id
        for point_id, name in session.execute(
            select(TimingPoint.id, TimingPoint.name).where(
                TimingPoint.competition_id == device.competition_id
            )
        )
    }
    if fmt == JSON and (plain := read_plain_batch(body, options)) is not None:
        plain_point_ids = _plain_point_ids(plain, points, device.timing_point_id)
        if plain_point_ids is not None:
            return fmt, plain, plain_point_ids
    passings = parse_passings(body, fmt, options)
    point_ids: list[int | None] = []
    problems: list[dict[str, Any]] = []
    for passing in passings:
        point_id: int | None = None
        named = passing.timing_point
        if passing.is_gun:
            point_id = points.get(named.casefold()) if named else None
        elif fmt != JSON and device.timing_point_id is not None:
            point_id = device.timing_point_id
        elif named:
            point_id = points.get(named.casefold())
            if point_id is None:
                problems.append({"line": passing.line, "field": "timing_point",
                                 "problem": f"unknown timing point '{named}' (known: "
                                 f"{', '.join(sorted(points)) or 'none'})"})
        else:
            point_id = device.timing_point_id
            if point_id is None:
                problems.append({"line": passing.line, "field": "timing_point",
                                 "problem": "no timing point: name one or configure the device's"})
        point_ids.append(point_id)
        problems.extend(_too_long(passing))
    if problems:
        shown = "; ".join(f"line {p['line']} field '{p['field']}': {p['problem']}"
                          for p in problems[:5])
        raise ValidationError(
            f"timing payload: {len(problems)} problem(s): {shown}",
            details={"format": fmt, "errors": problems},
        )
    return fmt, passings, point_ids


_STORED_LENGTHS = {name: TimingRead.__table__.c[name].type.length  # type: ignore[attr-defined]
                   for name in ("read_id", "chip", "bib")}


def _too_long(passing: Passing) -> list[dict[str, Any]]:
    """A problem for each identity longer than ``timing_read`` stores (a decoder's line
    format may carry any length; the JSON batch refuses it while reading)."""
    return [{"line": passing.line, "field": name,
             "problem": f"longer than {limit} characters"}
            for name, limit in _STORED_LENGTHS.items()
            if len(getattr(passing, name) or "") > limit]


def _plain_point_ids(
    plain: PlainBatch, points: dict[str, int], device_point_id: int | None
) -> list[int | None] | None:
    """The timing point id of each read of a plain JSON batch as the loop of
    :func:`parse_device_payload` assigns them; None when a read has none it must have (that
    loop then names its line)."""
    names = plain.timing_points()
    guns = plain.gun_markers()
    known = {name: points.get(name.casefold()) for name in set(names) if name is not None}
    point_ids = [known[name] if name is not None else None if gun else device_point_id
                 for name, gun in zip(names, guns, strict=True)]
    if None in point_ids and any(p is None and not gun
                                 for p, gun in zip(point_ids, guns, strict=True)):
        return None
    return point_ids


def store_batch(
    session: Session,
    device: TimingDevice,
    passings: Reads,
    point_ids: Sequence[int | None],
    *,
    fmt: str,
    payload_sha256: str,
) -> BatchReceipt:
    """Store the reads in the caller's transaction, idempotent on (device, read id).

    One statement inserts the batch's row (``ON CONFLICT DO NOTHING``) and its reads (a read
    stored before is skipped: :func:`_insert_batch`): from the payload itself for a plain
    JSON batch (:data:`_PLAIN_SOURCE`), else from a temporary table (not WAL-logged) the
    reads are first copied into (``COPY``). An identical payload sent again inserts no
    batch, hence no read, and answers the counts of the first time.
    """
    count = len(passings)
    params: dict[str, Any] = {"device": device.id, "sha": payload_sha256, "fmt": fmt,
                              "n": count}
    if isinstance(passings, PlainBatch):
        source, is_gun = _PLAIN_SOURCE, "coalesce(is_gun, false)"
        params.update(_plain_columns(passings, point_ids))
    else:
        source, is_gun = "timing_read_incoming", "is_gun"
        _copy_to_staging(session, passings, point_ids)
    with session.connection().connection.cursor() as cursor:  # type: ignore[attr-defined]
        batch_id, accepted = _insert_batch(cursor, is_gun, source, params)
    if batch_id is None:
        first = session.execute(
            select(ReadBatch.id, ReadBatch.accepted, ReadBatch.duplicate).where(
                ReadBatch.device_id == device.id, ReadBatch.payload_sha256 == payload_sha256
            )
        ).one()
        return BatchReceipt(first.id, first.accepted, first.duplicate, replay=True)
    done = accepted == 0
    session.execute(
        text(
            "UPDATE read_batch SET accepted = :a, duplicate = :d, status = :s,"
            " processed_at = CASE WHEN :done THEN now() END WHERE id = :id;"
            " UPDATE timing_device SET last_seen_at = now() WHERE id = :device AND"
            " (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')"
        ),
        {"a": accepted, "d": count - accepted, "id": batch_id, "done": done,
         "s": (BatchStatus.DONE if done else BatchStatus.PENDING).value, "device": device.id},
    )
    if not done:
        enqueue_after_commit(session, TaskName.TIMING_PROCESS_BATCH, batch_id=batch_id)
    return BatchReceipt(batch_id, accepted, count - accepted, replay=False)


def _insert_batch(
    cursor: Cursor, is_gun: str, source: str, params: dict[str, Any]
) -> tuple[int | None, int]:
    """Run :data:`_STORE` (the batch id or None, and how many reads were stored), first as
    if every read were new, in a savepoint: only when one of its reads is stored already (a
    device sending again some of what it sent before; a payload never holds a read id
    twice, its parser refuses it) is it rolled back and run again with
    ``ON CONFLICT (device_id, read_id) DO NOTHING``.

    Why: a read a device sends is nearly always new, and ``ON CONFLICT`` costs each read
    of every batch a look in the unique index before its insert and a second WAL record
    after it (PostgreSQL's speculative insertion): 7.1 ms of database CPU a batch of
    1,000 against 5.4 ms for the plain insert, whose index entry finds a read stored before
    all the same (``docs/performance.md``, "Storing a read as new"). A plain insert meeting
    a read another transaction is storing waits for it, as ``ON CONFLICT`` does, and falls
    back once that one commits."""
    try:
        cursor.execute(f"SAVEPOINT {_NEW_READS}; "
                       + _STORE.format(is_gun=is_gun, source=source, skip_stored=""), params)
    except UniqueViolation:
        cursor.execute(f"ROLLBACK TO SAVEPOINT {_NEW_READS}")
        cursor.execute(_STORE.format(is_gun=is_gun, source=source, skip_stored=_SKIP_STORED),
                       params)
    batch_id, accepted = cursor.fetchone()
    cursor.execute(f"RELEASE SAVEPOINT {_NEW_READS}")
    return batch_id, accepted


_NEW_READS = "new_reads"
_SKIP_STORED = " ON CONFLICT (device_id, read_id) DO NOTHING"
#: The batch's row, then its reads: none when the batch is a payload stored before (the
#: cross join with an empty ``batch``). The (batch id, reads stored). Whether a read stored
#: before is skipped (``skip_stored``) is :func:`_insert_batch`'s choice.
_STORE = (
    "WITH batch AS (INSERT INTO read_batch (device_id, payload_sha256, format, read_count,"
    " accepted, duplicate) VALUES (%(device)s, %(sha)s, %(fmt)s, %(n)s, 0, %(n)s)"
    " ON CONFLICT (device_id, payload_sha256) DO NOTHING RETURNING id),"
    " stored AS (INSERT INTO timing_read (device_id, batch_id, read_id, chip, bib,"
    " timing_point_id, read_at, is_gun, hits, rssi, antenna)"
    " SELECT %(device)s, batch.id, read_id, chip, bib, timing_point_id, read_at, {is_gun},"
    " hits, rssi, antenna FROM batch, {source}{skip_stored} RETURNING 1)"
    " SELECT (SELECT id FROM batch), (SELECT count(*) FROM stored)"
)
_PLAIN_SOURCE = (
    "ROWS FROM (jsonb_to_recordset(%(reads)s::jsonb) AS (read_id text, chip text, bib text,"
    " is_gun boolean, hits integer, rssi integer, antenna integer),"
    " unnest(%(points)s::integer[]), unnest(%(read_at)s::timestamptz[]))"
    " AS r (read_id, chip, bib, is_gun, hits, rssi, antenna, timing_point_id, read_at)"
)


def _plain_columns(plain: PlainBatch, point_ids: Sequence[int | None]) -> dict[str, str]:
    """A plain JSON batch as :data:`_PLAIN_SOURCE` reads it, without a Python object per
    read: PostgreSQL reads the payload as sent (every item of it checked already, no escape
    in any string), its timing point ids and times come as two arrays in the items' order
    (``ROWS FROM`` pairs them by position). A member left out is NULL; ``is_gun`` left out
    is false."""
    as_text = {point_id: "NULL" if point_id is None else str(point_id)
               for point_id in set(point_ids)}
    return {"reads": plain.text,
            "points": "{" + ",".join(map(as_text.__getitem__, point_ids)) + "}",
            "read_at": "{" + ",".join(plain.read_at) + "}"}


def _copy_text(value: str | None) -> str:
    return "\\N" if value is None else value.translate(_COPY_ESCAPES)


def _copy_int(value: int | None) -> str:
    return "\\N" if value is None else str(value)


def _copy_rows(passings: Sequence[Passing], point_ids: Sequence[int | None]) -> str:
    """The reads in COPY text format (tab separated, ``\\N`` for NULL)."""
    return "".join(
        f"{_copy_text(p.read_id)}\t{_copy_text(p.chip)}\t{_copy_text(p.bib)}\t"
        f"{_copy_int(point_id)}\t{p.timestamp.isoformat()}\t{'t' if p.is_gun else 'f'}\t"
        f"{_copy_int(p.hits)}\t{_copy_int(p.rssi)}\t{_copy_int(p.antenna)}\n"
        for p, point_id in zip(passings, point_ids, strict=True)
    )


def _copy_to_staging(
    session: Session, passings: Sequence[Passing], point_ids: Sequence[int | None]
) -> None:
    """The reads copied into this session's temporary staging table, emptied first."""
    connection = session.connection()
    connection.exec_driver_sql(_STAGING_TABLE + "; DELETE FROM timing_read_incoming")  # nosec B608 # only constant SQL fragments are joined; values are bound parameters
    with connection.connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.copy_expert(
            "COPY timing_read_incoming (read_id, chip, bib, timing_point_id, read_at, is_gun,"
            " hits, rssi, antenna) FROM STDIN", io.StringIO(_copy_rows(passings, point_ids))
        )


# -- the worker's side -------------------------------------------------------------------------


def claim_batch(session: Session, batch_id: int) -> bool:
    """pending → processing in one UPDATE (also re-claims a stale processing batch for the
    sweeper's messages); False when the batch is done, failed or missing: a no-op."""
    claimed = session.execute(
        text(
            "UPDATE read_batch SET status = 'processing', claimed_at = now(),"
            " attempts = attempts + 1 WHERE id = :id AND status IN ('pending', 'processing')"
            " RETURNING id"
        ),
        {"id": batch_id},
    ).scalar()
    return claimed is not None


def mark_batch_error(session: Session, batch_id: int, error: str, max_attempts: int) -> None:
    """Record why processing failed; after ``max_attempts`` claims the batch is failed."""
    session.execute(
        text(
            "UPDATE read_batch SET error = :e, status = CASE WHEN attempts >= :max THEN 'failed'"
            " ELSE status END WHERE id = :id AND status IN ('pending', 'processing')"
        ),
        {"id": batch_id, "e": error[:500], "max": max_attempts},
    )


def sweep_unprocessed(
    session: Session, *, older_than_s: int, limit: int = 500
) -> list[int]:
    """Claim batches left pending or processing longer than ``older_than_s`` and ask for
    their processing again after commit (lost broker message, dead worker).

    ``FOR UPDATE SKIP LOCKED``: a batch being processed right now is locked and skipped, and
    two sweepers never take the same batch.
    """
    ids = sorted(
        session.scalars(
            text(
                "UPDATE read_batch SET status = 'processing', claimed_at = now() WHERE id IN ("
                " SELECT id FROM read_batch WHERE status IN ('pending', 'processing')"
                " AND coalesce(claimed_at, received_at) < now() - make_interval(secs => :age)"
                " ORDER BY received_at LIMIT :limit FOR UPDATE SKIP LOCKED) RETURNING id"
            ),
            {"age": older_than_s, "limit": limit},
        )
    )
    for batch_id in ids:
        enqueue_after_commit(session, TaskName.TIMING_PROCESS_BATCH, batch_id=batch_id)
    return ids


def oldest_unprocessed_age_s(session: Session) -> float:
    """Seconds since the oldest batch still waiting for processing was received (0: none
    waits): the ingestion lag operators watch."""
    age = session.scalar(text(
        "SELECT extract(epoch FROM now() - min(received_at)) FROM read_batch"
        " WHERE status IN ('pending', 'processing')"
    ))
    return max(0.0, float(age)) if age is not None else 0.0


def batch_status(session: Session, batch_id: int) -> ReadBatch:
    batch = session.get(ReadBatch, batch_id)
    if batch is None:
        raise NotFoundError(f"read batch {batch_id} does not exist")
    return batch
