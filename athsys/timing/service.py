"""Timing ingestion inside a database transaction: devices, durable batches, processing into
results, FinishLynx imports and exports, and corrections that recompute from raw reads.

Callers own the transaction (a request or a task commits); nothing here commits. The flow
(DESIGN.md §5): :func:`receive_passings` validates a whole payload and stores its reads in one
statement idempotent on (device, read id), then asks for ``timing.process_batch`` after the
commit; :func:`process_batch` claims the batch, maps chips to entries, applies
:mod:`athsys.timing.rules`, upserts results (never over a newer or outranking result) and
reports the affected events for a leaderboard refresh. Processing of one competition is
serialised by a transaction-level advisory lock, so two workers never race on its results.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, delete, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, BIGINT, INTEGER, VARCHAR
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM, Actor
from athsys.athletes.models import Athlete, Club
from athsys.audit.service import record, snapshot
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
)
from athsys.competitions.disciplines import EventKind
from athsys.errors import AuthenticationError, ConflictError, NotFoundError, ValidationError
from athsys.jobs import TaskName, enqueue_after_commit
from athsys.logging import request_id_var
from athsys.results.marks import Measure, format_mark
from athsys.results.models import Result, ResultRevision, ResultSource
from athsys.results.ranking import ResultStatus
from athsys.timing import rules
from athsys.timing.formats import JSON, LIF, detect_format, parse_passings
from athsys.timing.formats.lif import DQ, LifFile, parse_lif
from athsys.timing.formats.lynx_export import (
    LynxCompetitor,
    StartListHeat,
    StartListLane,
    write_evt,
    write_ppl,
    write_sch,
)
from athsys.timing.models import (
    BatchStatus,
    ChipAssignment,
    DeviceKind,
    LifImport,
    MatRole,
    ReadBatch,
    ReadFlag,
    TimingDevice,
    TimingPoint,
    TimingRead,
)
from athsys.timing.passing import ParseOptions, Passing, fail, to_epoch_ms
from athsys.timing.processing import (
    GunCandidate,
    HeatStart,
    StoredTimes,
    competition_window,
    decide_chip_update,
    hash_token,
    heat_for_gun,
    heat_for_read,
    token_prefix,
)

_audit_log = logging.getLogger("athsys.audit")

PROCESSING_LOCK_NAMESPACE = 7301
"""First key of the advisory lock that serialises processing per competition."""
BIB_CHIP_PREFIX = "#bib:"
"""Reads identified by bib only are matched as if the bib were a chip of its entry."""
LIF_OUTCOME_IMPORTED = "imported"
LIF_OUTCOME_HEAT_OFFICIAL = "heat_official"
_CHUNK = 2_000
_COPY_COLUMNS = (
    "read_id", "chip", "bib", "timing_point_id", "read_at", "is_gun", "hits", "rssi", "antenna"
)


# -- devices ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    """A device and its new token: the only moment the token is ever visible."""

    device: TimingDevice
    token: str


def device_as_dict(device: TimingDevice) -> dict[str, Any]:
    """What the API shows of a device (never the token or its hash)."""
    return {
        "id": device.id,
        "competition_id": device.competition_id,
        "timing_point_id": device.timing_point_id,
        "name": device.name,
        "kind": device.kind.value,
        "mat_role": device.mat_role.value,
        "token_prefix": device.token_prefix,
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
        "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
    }


def _new_token() -> tuple[str, str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token), token_prefix(token)


def create_device(
    session: Session,
    actor: Actor,
    *,
    competition_id: int,
    name: str,
    kind: DeviceKind,
    timing_point_id: int | None = None,
    mat_role: MatRole = MatRole.PRIMARY,
) -> IssuedToken:
    """A new device of the competition and its token (stored only as a SHA-256 hash)."""
    actor.require_role("Admin")
    _competition(session, competition_id)
    if timing_point_id is not None:
        point = session.get(TimingPoint, timing_point_id)
        if point is None or point.competition_id != competition_id:
            raise ValidationError(
                f"timing_point_id {timing_point_id} is not a timing point of competition "
                f"{competition_id}",
                details={"field": "timing_point_id"},
            )
    if session.scalar(
        select(TimingDevice.id).where(
            TimingDevice.competition_id == competition_id, TimingDevice.name == name
        )
    ):
        raise ConflictError(
            f"competition {competition_id} already has a device named {name!r}",
            details={"field": "name"},
        )
    token, digest, prefix = _new_token()
    device = TimingDevice(
        competition_id=competition_id,
        timing_point_id=timing_point_id,
        name=name,
        kind=kind,
        mat_role=mat_role,
        token_hash=digest,
        token_prefix=prefix,
    )
    session.add(device)
    session.flush()
    record(session, actor, "create", "timing_device", device.id, _device_audit(device))
    return IssuedToken(device, token)


def _device_audit(device: TimingDevice) -> dict[str, Any]:
    values = snapshot(device)
    values.pop("token_hash", None)
    return values


def get_device(session: Session, device_id: int) -> TimingDevice:
    device = session.get(TimingDevice, device_id)
    if device is None:
        raise NotFoundError(f"timing device {device_id} does not exist")
    return device


def list_devices(session: Session, competition_id: int | None = None) -> list[TimingDevice]:
    query = select(TimingDevice).order_by(TimingDevice.id)
    if competition_id is not None:
        query = query.where(TimingDevice.competition_id == competition_id)
    return list(session.scalars(query))


def update_device(
    session: Session,
    actor: Actor,
    device_id: int,
    *,
    name: str | None = None,
    timing_point_id: int | None = None,
    mat_role: MatRole | None = None,
) -> TimingDevice:
    actor.require_role("Admin")
    device = get_device(session, device_id)
    before = _device_audit(device)
    if name is not None:
        device.name = name
    if timing_point_id is not None:
        point = session.get(TimingPoint, timing_point_id)
        if point is None or point.competition_id != device.competition_id:
            raise ValidationError(
                f"timing_point_id {timing_point_id} is not a timing point of the device's "
                "competition",
                details={"field": "timing_point_id"},
            )
        device.timing_point_id = timing_point_id
    if mat_role is not None:
        device.mat_role = mat_role
    session.flush()
    after = _device_audit(device)
    record(session, actor, "update", "timing_device", device.id,
           {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]
            and k != "updated_at"})
    return device


def rotate_device_token(session: Session, actor: Actor, device_id: int) -> IssuedToken:
    """A new token for the device; the old one stops working at commit. Un-revokes it."""
    actor.require_role("Admin")
    device = get_device(session, device_id)
    token, digest, prefix = _new_token()
    device.token_hash, device.token_prefix, device.revoked_at = digest, prefix, None
    session.flush()
    record(session, actor, "rotate_token", "timing_device", device.id,
           {"token_prefix": prefix})
    return IssuedToken(device, token)


def revoke_device(session: Session, actor: Actor, device_id: int) -> TimingDevice:
    actor.require_role("Admin")
    device = get_device(session, device_id)
    if device.revoked_at is None:
        device.revoked_at = datetime.now(UTC)
        session.flush()
        record(session, actor, "revoke", "timing_device", device.id,
               {"revoked_at": device.revoked_at.isoformat()})
    return device


def delete_device(session: Session, actor: Actor, device_id: int) -> None:
    """Remove a device that never sent anything (one with reads is revoked instead)."""
    actor.require_role("Admin")
    device = get_device(session, device_id)
    if session.scalar(select(TimingRead.id).where(TimingRead.device_id == device_id).limit(1)):
        raise ConflictError(
            f"timing device {device_id} has stored reads; revoke it instead of deleting it"
        )
    record(session, actor, "delete", "timing_device", device.id, _device_audit(device))
    session.delete(device)
    session.flush()


def authenticate_device(session: Session, token: str) -> TimingDevice:
    """The device holding ``token``; AuthenticationError for an unknown or revoked token."""
    if not token:
        raise AuthenticationError("a device token is required (Authorization: Bearer <token>)")
    device = session.scalar(select(TimingDevice).where(TimingDevice.token_hash == hash_token(token)))
    if device is None:
        raise AuthenticationError("unknown device token")
    if device.revoked_at is not None:
        raise AuthenticationError(f"the token of device {device.name!r} has been revoked")
    return device


def device_actor(device: TimingDevice) -> Actor:
    """Who writes on a device's behalf in the audit trail."""
    return Actor(user_id=None, username=f"device:{device.id}:{device.name}"[:128])


def check_device_competition(device: TimingDevice, competition_id: int | None) -> None:
    """A device may only deliver data for its own competition."""
    if competition_id is not None and competition_id != device.competition_id:
        raise AuthenticationError(
            f"device {device.name!r} belongs to competition {device.competition_id}, "
            f"not to competition {competition_id}",
            details={"field": "competition_id"},
        )


# -- receiving passings ---------------------------------------------------------------------


@dataclass(frozen=True)
class BatchReceipt:
    """What the device hears: the batch and how many reads were new or already stored.

    ``replay`` is True when the identical payload was received before: nothing was stored
    and the counts are those of the first time.
    """

    batch_id: int
    accepted: int
    duplicate: int
    replay: bool

    def as_dict(self) -> dict[str, Any]:
        return {"batch_id": self.batch_id, "accepted": self.accepted,
                "duplicate": self.duplicate, "replay": self.replay}


def _competition(session: Session, competition_id: int) -> Competition:
    competition = session.get(Competition, competition_id)
    if competition is None:
        raise NotFoundError(f"competition {competition_id} does not exist")
    return competition


def _zone(competition: Competition) -> ZoneInfo:
    try:
        return ZoneInfo(competition.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def parse_options(competition: Competition, max_lines: int, today: date | None = None) -> ParseOptions:
    """How a device payload of the competition is read: its time zone, its days, a window."""
    tz = _zone(competition)
    today = today or datetime.now(tz).date()
    day = today if competition.start_date <= today <= competition.end_date else competition.start_date
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
) -> tuple[str, list[Passing], list[int | None]]:
    """(format, passings, timing point id of each) of a payload; one ValidationError for all
    problems, so nothing is stored from a payload with a single bad line."""
    competition = _competition(session, device.competition_id)
    fmt = fmt or detect_format(body)
    if fmt == LIF:
        raise fail("timing payload", None, "format",
                   "a .lif file holds results: post it to /api/timing/lif")
    passings = parse_passings(body, fmt, parse_options(competition, max_lines))
    points = {
        name.casefold(): point_id
        for point_id, name in session.execute(
            select(TimingPoint.id, TimingPoint.name).where(
                TimingPoint.competition_id == device.competition_id
            )
        )
    }
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
    if problems:
        shown = "; ".join(f"line {p['line']} field '{p['field']}': {p['problem']}"
                          for p in problems[:5])
        raise ValidationError(
            f"timing payload: {len(problems)} problem(s): {shown}",
            details={"format": fmt, "errors": problems},
        )
    return fmt, passings, point_ids


def receive_passings(
    session: Session,
    device: TimingDevice,
    body: str | bytes,
    *,
    max_lines: int,
    fmt: str | None = None,
) -> BatchReceipt:
    """Validate the whole payload, then store it durably; processing is enqueued at commit."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    fmt, passings, point_ids = parse_device_payload(session, device, raw, max_lines=max_lines,
                                                    fmt=fmt)
    receipt = store_batch(session, device, passings, point_ids, fmt=fmt,
                          payload_sha256=hashlib.sha256(raw).hexdigest())
    return receipt


def store_batch(
    session: Session,
    device: TimingDevice,
    passings: Sequence[Passing],
    point_ids: Sequence[int | None],
    *,
    fmt: str,
    payload_sha256: str,
) -> BatchReceipt:
    """Store the reads in the caller's transaction, idempotent on (device, read id).

    The reads go through ``COPY`` into a temporary table, then one ``INSERT … SELECT … ON
    CONFLICT DO NOTHING``: the fastest idempotent path PostgreSQL offers. An identical
    payload sent again answers the counts of the first time and stores nothing.
    """
    count = len(passings)
    batch_id = session.execute(
        text(
            "INSERT INTO read_batch (device_id, payload_sha256, format, read_count, accepted,"
            " duplicate) VALUES (:device, :sha, :fmt, :n, 0, :n)"
            " ON CONFLICT (device_id, payload_sha256) DO NOTHING RETURNING id"
        ),
        {"device": device.id, "sha": payload_sha256, "fmt": fmt, "n": count},
    ).scalar()
    if batch_id is None:
        first = session.execute(
            select(ReadBatch.id, ReadBatch.accepted, ReadBatch.duplicate).where(
                ReadBatch.device_id == device.id, ReadBatch.payload_sha256 == payload_sha256
            )
        ).one()
        return BatchReceipt(first.id, first.accepted, first.duplicate, replay=True)
    accepted = _copy_reads(session, device.id, batch_id, passings, point_ids)
    done = accepted == 0
    session.execute(
        text(
            "UPDATE read_batch SET accepted = :a, duplicate = :d, status = :s,"
            " processed_at = CASE WHEN :done THEN now() END WHERE id = :id"
        ),
        {"a": accepted, "d": count - accepted, "id": batch_id, "done": done,
         "s": (BatchStatus.DONE if done else BatchStatus.PENDING).value},
    )
    session.execute(
        text("UPDATE timing_device SET last_seen_at = now() WHERE id = :id AND"
             " (last_seen_at IS NULL OR last_seen_at < now() - interval '1 minute')"),
        {"id": device.id},
    )
    if not done:
        enqueue_after_commit(session, TaskName.TIMING_PROCESS_BATCH, batch_id=batch_id)
    return BatchReceipt(batch_id, accepted, count - accepted, replay=False)


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return (
        str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy_reads(
    session: Session,
    device_id: int,
    batch_id: int,
    passings: Sequence[Passing],
    point_ids: Sequence[int | None],
) -> int:
    buffer = io.StringIO()
    for passing, point_id in zip(passings, point_ids, strict=True):
        row = (passing.read_id, passing.chip, passing.bib, point_id, passing.timestamp,
               passing.is_gun, passing.hits, passing.rssi, passing.antenna)
        buffer.write("\t".join(_copy_value(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    connection = session.connection()
    connection.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS timing_read_incoming ("
        " read_id varchar(64), chip varchar(32), bib varchar(12), timing_point_id integer,"
        " read_at timestamptz, is_gun boolean, hits integer, rssi integer, antenna integer"
        ") ON COMMIT DELETE ROWS"
    )
    connection.exec_driver_sql("DELETE FROM timing_read_incoming")
    with connection.connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.copy_expert(
            f"COPY timing_read_incoming ({', '.join(_COPY_COLUMNS)}) FROM STDIN", buffer
        )
    result = connection.execute(
        text(
            "INSERT INTO timing_read (device_id, batch_id, read_id, chip, bib, timing_point_id,"
            " read_at, is_gun, hits, rssi, antenna)"
            " SELECT :device, :batch, read_id, chip, bib, timing_point_id, read_at, is_gun, hits,"
            " rssi, antenna FROM timing_read_incoming"
            " ON CONFLICT (device_id, read_id) DO NOTHING"
        ),
        {"device": device_id, "batch": batch_id},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# -- processing -------------------------------------------------------------------------------


@dataclass
class ProcessingOutcome:
    """What processing changed: results, the events to refresh, reads set apart."""

    results_created: int = 0
    results_updated: int = 0
    results_deleted: int = 0
    results_kept: int = 0  # a newer or outranking result was kept
    waiting_for_gun: int = 0
    flagged: dict[str, int] = field(default_factory=dict)
    event_ids: set[int] = field(default_factory=set)

    @property
    def results_changed(self) -> int:
        return self.results_created + self.results_updated + self.results_deleted

    def as_dict(self) -> dict[str, Any]:
        return {
            "results_created": self.results_created,
            "results_updated": self.results_updated,
            "results_deleted": self.results_deleted,
            "results_kept": self.results_kept,
            "waiting_for_gun": self.waiting_for_gun,
            "flagged": dict(self.flagged),
            "event_ids": sorted(self.event_ids),
        }


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


def process_batch(
    session: Session,
    batch_id: int,
    *,
    window_ms: int = rules.DEFAULT_DUPLICATE_WINDOW_MS,
    actor: Actor | None = None,
) -> ProcessingOutcome | None:
    """Turn a stored batch into results; None when there is nothing to do (already done).

    Idempotent: the batch row is locked, a finished batch is skipped, and recomputing from
    raw reads a second time changes nothing.
    """
    row = session.execute(
        select(ReadBatch.id, ReadBatch.status, TimingDevice.competition_id)
        .join(TimingDevice, TimingDevice.id == ReadBatch.device_id)
        .where(ReadBatch.id == batch_id)
        .with_for_update(of=ReadBatch)
    ).one_or_none()
    if row is None or row.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return None
    competition_id = row.competition_id
    _lock_competition(session, competition_id)
    actor = actor or SYSTEM
    outcome = ProcessingOutcome()
    gun_heats = _apply_gun_reads(session, actor, competition_id, batch_id, outcome)
    chips, bibs = _batch_identities(session, batch_id)
    entry_ids = _entries_of(session, competition_id, chips, bibs)
    if gun_heats:
        entry_ids |= set(
            session.scalars(select(LaneAssignment.entry_id).where(LaneAssignment.heat_id.in_(gun_heats)))
        )
    _recompute(session, actor, competition_id, entry_ids, window_ms=window_ms,
               batch_id=batch_id, outcome=outcome, extra_chips=chips, extra_bibs=bibs,
               reason=f"chip reads of batch {batch_id}")
    session.execute(
        text("UPDATE timing_read SET processed_at = now() WHERE batch_id = :b AND processed_at IS NULL"),
        {"b": batch_id},
    )
    session.execute(
        text(
            "UPDATE read_batch SET status = 'done', processed_at = now(), results_changed = :n,"
            " error = NULL WHERE id = :id"
        ),
        {"id": batch_id, "n": outcome.results_changed},
    )
    return outcome


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
    ids = list(
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
    for batch_id in sorted(ids):
        enqueue_after_commit(session, TaskName.TIMING_PROCESS_BATCH, batch_id=batch_id)
    return sorted(ids)


def _lock_competition(session: Session, competition_id: int) -> None:
    session.execute(
        text("SELECT pg_advisory_xact_lock(:ns, :id)"),
        {"ns": PROCESSING_LOCK_NAMESPACE, "id": competition_id},
    )


def _batch_identities(session: Session, batch_id: int) -> tuple[set[str], set[str]]:
    chips: set[str] = set()
    bibs: set[str] = set()
    for chip, bib in session.execute(
        text("SELECT chip, bib FROM timing_read WHERE batch_id = :b AND NOT is_gun"),
        {"b": batch_id},
    ):
        if chip is not None:
            chips.add(chip)
        elif bib is not None:
            bibs.add(bib)
    return chips, bibs


def _entries_of(
    session: Session, competition_id: int, chips: set[str], bibs: set[str]
) -> set[int]:
    entries: set[int] = set()
    if chips:
        entries |= set(
            session.scalars(
                select(ChipAssignment.entry_id).where(
                    ChipAssignment.competition_id == competition_id,
                    ChipAssignment.chip.in_(list(chips)),
                )
            )
        )
    if bibs:
        entries |= set(
            session.scalars(
                select(Entry.id).where(
                    Entry.competition_id == competition_id, Entry.bib.in_(list(bibs))
                )
            )
        )
    return entries


def _ms(moment: datetime | None) -> int | None:
    return to_epoch_ms(moment) if moment is not None else None


def _apply_gun_reads(
    session: Session, actor: Actor, competition_id: int, batch_id: int, outcome: ProcessingOutcome
) -> set[int]:
    """Gun reads of the batch start the heat scheduled nearest them (DESIGN §5: waves have
    their own gun); a gun no heat can take is flagged."""
    guns = session.execute(
        text("SELECT id, read_at FROM timing_read WHERE batch_id = :b AND is_gun ORDER BY read_at"),
        {"b": batch_id},
    ).all()
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
            [GunCandidate(h.id, _ms(h.scheduled_start)) for h in candidates], to_epoch_ms(read_at)
        )
        if heat_id is None:
            session.execute(
                update(TimingRead).where(TimingRead.id == read_pk).values(flag=ReadFlag.UNMATCHED_GUN)
            )
            _count(outcome.flagged, ReadFlag.UNMATCHED_GUN)
            continue
        heat = session.get(Heat, heat_id)
        assert heat is not None
        heat.gun_time = read_at
        heat.status = HeatStatus.STARTED
        record(session, actor, "gun", "heat", heat_id,
               {"gun_time": read_at.isoformat(), "read": read_pk})
        started.add(heat_id)
    session.flush()
    return started


def _count(counter: dict[str, int], flag: ReadFlag) -> None:
    counter[flag.value] = counter.get(flag.value, 0) + 1


@dataclass(frozen=True)
class _Point:
    id: int
    name: str
    distance_m: int
    is_start: bool
    is_finish: bool


@dataclass(frozen=True)
class _HeatRow:
    id: int
    event_id: int
    gun_ms: int | None
    start_ms: int | None
    official: bool


def _recompute(
    session: Session,
    actor: Actor,
    competition_id: int,
    entry_ids: set[int],
    *,
    window_ms: int,
    outcome: ProcessingOutcome,
    reason: str,
    batch_id: int | None = None,
    extra_chips: Iterable[str] = (),
    extra_bibs: Iterable[str] = (),
) -> None:
    """Recompute results and splits of ``entry_ids`` from every raw read of their chips.

    Reads of the batch whose chip no assignment covers are flagged ``unknown_chip``; reads
    of a heat already official are flagged ``after_official`` and change nothing.
    """
    points = {
        row.id: _Point(row.id, row.name, row.distance_m, row.is_start, row.is_finish)
        for row in session.execute(
            select(TimingPoint.id, TimingPoint.name, TimingPoint.distance_m,
                   TimingPoint.is_start, TimingPoint.is_finish)
            .where(TimingPoint.competition_id == competition_id)
        )
    }
    assignments = _assignments(session, competition_id, entry_ids, set(extra_chips))
    bib_entries = _bib_entries(session, competition_id, entry_ids, set(extra_bibs))
    chips = sorted({a.chip for a in assignments} | set(extra_chips))
    bibs = sorted(set(bib_entries) | set(extra_bibs))
    for bib, entry_id in bib_entries.items():
        assignments.append(rules.ChipAssignment(BIB_CHIP_PREFIX + bib, entry_id))
    reads = _reads(session, competition_id, chips, bibs, batch_id)
    mat_reads = {
        pk: rules.MatRead(f"{pk:020d}", chip, points[point_id].name if point_id in points else "",
                          time_ms, backup)
        for pk, chip, point_id, time_ms, backup, _, _ in reads
    }
    in_batch = {pk for pk, *_, batch, _ in reads if batch}
    stored_flags = {pk: flag for pk, *_, flag in reads}
    match = rules.match_chips(mat_reads.values(), assignments)
    pk_of = {read.read_id: pk for pk, read in mat_reads.items()}
    flags: dict[int, ReadFlag | None] = {}
    for read in match.unknown:
        flags[pk_of[read.read_id]] = ReadFlag.UNKNOWN_CHIP
    entry_ids = entry_ids | {item.entry_id for item in match.assigned}
    heats_of = _heats_of(session, entry_ids)
    by_heat: dict[int, list[rules.EntryRead]] = defaultdict(list)
    for item in match.assigned:
        pk = pk_of[item.read.read_id]
        heat_id = heat_for_read(
            [HeatStart(h.id, h.gun_ms if h.gun_ms is not None else h.start_ms)
             for h in heats_of.get(item.entry_id, ())],
            item.read.time_ms,
        )
        if heat_id is None:
            flags[pk] = ReadFlag.NO_HEAT
            continue
        heat = next(h for h in heats_of[item.entry_id] if h.id == heat_id)
        if heat.official:
            if pk in in_batch:
                flags[pk] = ReadFlag.AFTER_OFFICIAL
            continue
        flags[pk] = None
        by_heat[heat_id].append(item)
    for flag in flags.values():
        if flag is not None:
            _count(outcome.flagged, flag)
    _write_flags(session, {
        pk: flag for pk, flag in flags.items()
        if stored_flags.get(pk) != (flag.value if flag else None)
    })

    ordered = sorted(points.values(), key=lambda p: (p.distance_m, p.id))
    start = next((p.name for p in ordered if p.is_start), "")
    finish = next((p.name for p in ordered if p.is_finish), "")
    point_id_of = {p.name: p.id for p in ordered}
    heat_rows = {h.id: h for hs in heats_of.values() for h in hs}
    times: dict[tuple[int, int], rules.RaceTime] = {}
    for heat_id, items in by_heat.items():
        gun = heat_rows[heat_id].gun_ms
        guns = {item.entry_id: gun for item in items} if gun is not None else {}
        crossings = rules.official_crossings(items, window_ms, gun_ms_by_entry=guns)
        for entry_id, crossed in crossings.items():
            times[(heat_id, entry_id)] = rules.race_time(
                entry_id, crossed, gun_ms=gun, start_point=start, finish_point=finish,
                split_points=[p.name for p in ordered],
            )
    open_heats = {
        h.id for hs in heats_of.values() for h in hs if not h.official
    }
    _write_splits(session, times, point_id_of, entry_ids, open_heats)
    _write_results(session, actor, times, entry_ids, open_heats, outcome, reason)
    outcome.event_ids |= {heat_rows[h].event_id for h in open_heats if h in by_heat}
    _place(session, open_heats)


def _assignments(
    session: Session, competition_id: int, entry_ids: set[int], chips: set[str]
) -> list[rules.ChipAssignment]:
    query = select(ChipAssignment.chip, ChipAssignment.entry_id, ChipAssignment.valid_from,
                   ChipAssignment.valid_until).where(ChipAssignment.competition_id == competition_id)
    conditions = []
    if entry_ids:
        conditions.append(ChipAssignment.entry_id.in_(sorted(entry_ids)))
    if chips:
        conditions.append(ChipAssignment.chip.in_(sorted(chips)))
    if not conditions:
        return []
    return [
        rules.ChipAssignment(chip, entry_id, _ms(valid_from), _ms(valid_until))
        for chip, entry_id, valid_from, valid_until in session.execute(query.where(or_(*conditions)))
    ]


def _bib_entries(
    session: Session, competition_id: int, entry_ids: set[int], bibs: set[str]
) -> dict[str, int]:
    conditions = []
    if entry_ids:
        conditions.append(Entry.id.in_(sorted(entry_ids)))
    if bibs:
        conditions.append(Entry.bib.in_(sorted(bibs)))
    if not conditions:
        return {}
    return {
        bib: entry_id
        for entry_id, bib in session.execute(
            select(Entry.id, Entry.bib).where(Entry.competition_id == competition_id, or_(*conditions))
        )
    }


def _reads(
    session: Session, competition_id: int, chips: list[str], bibs: list[str], batch_id: int | None
) -> list[tuple[int, str, int | None, int, bool, bool, str | None]]:
    """(pk, chip key, timing point id, epoch ms, backup mat, in this batch, current flag) of
    every chip read of the competition for these chips or bibs."""
    if not chips and not bibs:
        return []
    select_reads = (
        "SELECT r.id, coalesce(r.chip, :prefix || r.bib), r.timing_point_id,"
        " (extract(epoch FROM r.read_at) * 1000)::bigint, d.mat_role = 'backup',"
        " coalesce(r.batch_id = :batch, false), r.flag"
        " FROM timing_read r JOIN timing_device d ON d.id = r.device_id"
        " WHERE d.competition_id = :competition AND NOT r.is_gun AND "
    )
    # two index-friendly branches rather than one OR (bib-only reads are rare)
    branches = [select_reads + "r.chip = ANY(:chips)"]
    if bibs:
        branches.append(select_reads + "r.chip IS NULL AND r.bib = ANY(:bibs)")
    params: dict[str, Any] = {"prefix": BIB_CHIP_PREFIX, "batch": batch_id or 0,
                              "competition": competition_id, "chips": chips}
    arrays = [bindparam("chips", type_=ARRAY(VARCHAR))]
    if bibs:
        params["bibs"] = bibs
        arrays.append(bindparam("bibs", type_=ARRAY(VARCHAR)))
    rows = session.execute(text(" UNION ALL ".join(branches)).bindparams(*arrays), params)
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _heats_of(session: Session, entry_ids: set[int]) -> dict[int, list[_HeatRow]]:
    if not entry_ids:
        return {}
    heats: dict[int, list[_HeatRow]] = defaultdict(list)
    for entry_id, heat_id, event_id, gun, scheduled, status in session.execute(
        select(LaneAssignment.entry_id, Heat.id, Round.event_id, Heat.gun_time,
               Heat.scheduled_start, Heat.status)
        .join(Heat, Heat.id == LaneAssignment.heat_id)
        .join(Round, Round.id == Heat.round_id)
        .where(LaneAssignment.entry_id.in_(sorted(entry_ids)))
        .order_by(LaneAssignment.entry_id, Round.ordinal, Heat.number)
    ):
        heats[entry_id].append(
            _HeatRow(heat_id, event_id, _ms(gun), _ms(scheduled), status == HeatStatus.OFFICIAL)
        )
    return heats


def _write_flags(session: Session, flags: dict[int, ReadFlag | None]) -> None:
    if not flags:
        return
    ids = list(flags)
    values = [flag.value if flag else None for flag in flags.values()]
    session.execute(
        text(
            "UPDATE timing_read t SET flag = v.flag FROM unnest(:ids, :flags) AS v(id, flag)"
            " WHERE t.id = v.id AND t.flag IS DISTINCT FROM v.flag"
        ).bindparams(bindparam("ids", type_=ARRAY(BIGINT)), bindparam("flags", type_=ARRAY(VARCHAR))),
        {"ids": ids, "flags": values},
    )


def _write_splits(
    session: Session,
    times: dict[tuple[int, int], rules.RaceTime],
    point_id_of: dict[str, int],
    entry_ids: set[int],
    open_heats: set[int],
) -> None:
    """Bring the stored splits of these entries in open heats in line with ``times``:
    insert or update what changed, delete what no read supports any more (a chip
    reassigned, a gun moved). Unchanged splits are not written."""
    if not open_heats or not entry_ids:
        return
    wanted = {
        (heat_id, entry_id, point_id_of[split.point]): (split.gun_time_ms, split.net_time_ms)
        for (heat_id, entry_id), race in times.items()
        for split in race.splits
    }
    stored = {
        (heat_id, entry_id, point_id): (gun, net)
        for heat_id, entry_id, point_id, gun, net in session.execute(
            text(
                "SELECT heat_id, entry_id, timing_point_id, gun_time_ms, net_time_ms"
                " FROM timing_split WHERE heat_id = ANY(:heats) AND entry_id = ANY(:entries)"
            ).bindparams(bindparam("heats", type_=ARRAY(INTEGER)),
                         bindparam("entries", type_=ARRAY(INTEGER))),
            {"heats": sorted(open_heats), "entries": sorted(entry_ids)},
        )
    }
    gone = [key for key in stored if key not in wanted]
    changed = [(key, value) for key, value in wanted.items() if stored.get(key) != value]
    int_arrays = [bindparam(name, type_=ARRAY(INTEGER)) for name in ("h", "e", "p", "g", "n")]
    if gone:
        session.execute(
            text(
                "DELETE FROM timing_split s USING unnest(:h, :e, :p) AS k(h, e, p)"
                " WHERE s.heat_id = k.h AND s.entry_id = k.e AND s.timing_point_id = k.p"
            ).bindparams(*int_arrays[:3]),
            {"h": [k[0] for k in gone], "e": [k[1] for k in gone], "p": [k[2] for k in gone]},
        )
    if changed:
        session.execute(
            text(
                "INSERT INTO timing_split (heat_id, entry_id, timing_point_id, gun_time_ms,"
                " net_time_ms) SELECT * FROM unnest(:h, :e, :p, :g, :n)"
                " ON CONFLICT (heat_id, entry_id, timing_point_id) DO UPDATE SET"
                " gun_time_ms = excluded.gun_time_ms, net_time_ms = excluded.net_time_ms,"
                " updated_at = now()"
            ).bindparams(*int_arrays),
            {"h": [k[0] for k, _ in changed], "e": [k[1] for k, _ in changed],
             "p": [k[2] for k, _ in changed], "g": [v[0] for _, v in changed],
             "n": [v[1] for _, v in changed]},
        )


def _chunks(rows: list[dict[str, Any]], size: int = _CHUNK) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _precedence_source(source: ResultSource) -> str:
    """The rules' source name; API results rank as manual entries."""
    return rules.SOURCE_MANUAL if source in (ResultSource.MANUAL, ResultSource.API) else source.value


def _write_results(
    session: Session,
    actor: Actor,
    times: dict[tuple[int, int], rules.RaceTime],
    entry_ids: set[int],
    open_heats: set[int],
    outcome: ProcessingOutcome,
    reason: str,
) -> None:
    """Upsert chip results; each change keeps the previous version and writes an audit row."""
    if not open_heats or not entry_ids:
        return
    stored = {
        (r.heat_id, r.entry_id): r
        for r in session.execute(
            select(Result.id, Result.heat_id, Result.entry_id, Result.mark, Result.net_mark,
                   Result.place, Result.status, Result.status_rule, Result.wind,
                   Result.reaction_time, Result.source, Result.revision)
            .where(Result.heat_id.in_(sorted(open_heats)), Result.entry_id.in_(sorted(entry_ids)))
            .with_for_update()
        )
    }
    created: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    request_id = request_id_var.get()
    for key, race in times.items():
        if race.gun_time_ms is None:
            if race.net_time_ms is not None:
                outcome.waiting_for_gun += 1
            continue
        current = stored.get(key)
        times_now = (
            StoredTimes(_precedence_source(current.source), current.revision, current.mark,
                        current.net_mark)
            if current is not None
            else None
        )
        if current is not None and current.status != ResultStatus.OK:
            outcome.results_kept += 1  # a DNS/DNF/DQ decided by an official stands
            continue
        decision = decide_chip_update(times_now, race.gun_time_ms, race.net_time_ms)
        if not decision.replace:
            if current is not None and current.mark != race.gun_time_ms:
                outcome.results_kept += 1
            continue
        if current is None:
            created.append({"heat_id": key[0], "entry_id": key[1], "mark": race.gun_time_ms,
                            "net_mark": race.net_time_ms, "status": ResultStatus.OK,
                            "source": ResultSource.CHIP, "revision": 1})
            continue
        revisions.append(_revision_row(current, actor, reason))
        updates.append({"id": current.id, "mark": race.gun_time_ms, "net_mark": race.net_time_ms,
                        "source": ResultSource.CHIP, "revision": current.revision + 1})
        audits.append(_audit_row(actor, "update", current.id, request_id, {
            "mark": {"before": current.mark, "after": race.gun_time_ms},
            "net_mark": {"before": current.net_mark, "after": race.net_time_ms},
            "source": {"before": current.source.value, "after": ResultSource.CHIP.value},
            "revision": {"before": current.revision, "after": current.revision + 1},
            "reason": reason,
        }))
    deleted = [
        r for key, r in stored.items()
        if key not in times and r.source == ResultSource.CHIP and key[0] in open_heats
    ]
    if created:
        inserted = session.execute(
            text(
                "INSERT INTO result (heat_id, entry_id, mark, net_mark, status, source, revision)"
                " SELECT h, e, m, n, 'OK', 'chip', 1 FROM unnest(:h, :e, :m, :n) AS v(h, e, m, n)"
                " RETURNING id, heat_id, entry_id, mark, net_mark"
            ).bindparams(*(bindparam(n, type_=ARRAY(INTEGER)) for n in ("h", "e", "m", "n"))),
            {"h": [c["heat_id"] for c in created], "e": [c["entry_id"] for c in created],
             "m": [c["mark"] for c in created], "n": [c["net_mark"] for c in created]},
        ).all()
        audits.extend(
            _audit_row(actor, "create", row.id, request_id, {
                "heat_id": row.heat_id, "entry_id": row.entry_id, "mark": row.mark,
                "net_mark": row.net_mark, "source": ResultSource.CHIP.value, "reason": reason,
            })
            for row in inserted
        )
    if updates:
        session.execute(
            text(
                "UPDATE result r SET mark = v.mark, net_mark = v.net_mark, source = 'chip',"
                " revision = v.revision, updated_at = now()"
                " FROM unnest(:ids, :marks, :nets, :revisions) AS v(id, mark, net_mark, revision)"
                " WHERE r.id = v.id"
            ).bindparams(*(bindparam(n, type_=ARRAY(INTEGER)) for n in ("ids", "marks", "nets", "revisions"))),
            {"ids": [u["id"] for u in updates], "marks": [u["mark"] for u in updates],
             "nets": [u["net_mark"] for u in updates], "revisions": [u["revision"] for u in updates]},
        )
    for r in deleted:
        audits.append(_audit_row(actor, "delete", r.id, request_id, {
            "heat_id": r.heat_id, "entry_id": r.entry_id, "mark": r.mark, "net_mark": r.net_mark,
            "source": r.source.value, "revision": r.revision, "reason": reason,
        }))
    if deleted:
        session.execute(delete(Result).where(Result.id.in_([r.id for r in deleted])))
    for chunk in _chunks(revisions):
        session.execute(insert(ResultRevision), chunk)
    _insert_audit_rows(session, audits)
    outcome.results_created += len(created)
    outcome.results_updated += len(updates)
    outcome.results_deleted += len(deleted)


def _revision_row(current: Any, actor: Actor, reason: str) -> dict[str, Any]:
    return {
        "result_id": current.id, "revision": current.revision, "mark": current.mark,
        "net_mark": current.net_mark, "place": current.place, "status": current.status,
        "status_rule": current.status_rule, "wind": current.wind,
        "reaction_time": current.reaction_time, "source": current.source,
        "changed_by": actor.username, "reason": reason[:255],
    }


def _audit_row(
    actor: Actor, action: str, result_id: int, request_id: str | None, changes: dict[str, Any]
) -> dict[str, Any]:
    return {"actor_id": actor.user_id, "actor_name": actor.username, "action": action,
            "entity": "result", "entity_id": str(result_id), "changes": changes,
            "request_id": request_id}


def _insert_audit_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """Audit rows in one statement (a batch changes up to thousands of results)."""
    if not rows:
        return
    session.execute(
        text(
            "INSERT INTO audit_log (actor_id, actor_name, action, entity, entity_id, changes,"
            " request_id) SELECT a, n, act, ent, eid, c::jsonb, r"
            " FROM unnest(:a, :n, :act, :ent, :eid, :c, :r) AS v(a, n, act, ent, eid, c, r)"
        ).bindparams(bindparam("a", type_=ARRAY(INTEGER)),
                     *(bindparam(n, type_=ARRAY(VARCHAR)) for n in ("n", "act", "ent", "eid", "c", "r"))),
        {"a": [r["actor_id"] for r in rows], "n": [r["actor_name"] for r in rows],
         "act": [r["action"] for r in rows], "ent": [r["entity"] for r in rows],
         "eid": [r["entity_id"] for r in rows],
         "c": [json.dumps(r["changes"]) for r in rows], "r": [r["request_id"] for r in rows]},
    )
    _audit_log.info("%s wrote %d audit row(s) for %s", rows[0]["actor_name"], len(rows),
                    rows[0]["entity"])


def _place(session: Session, heat_ids: set[int]) -> None:
    """Places by time at 1/1000 (ties share, the next place skips), only rows that change."""
    if not heat_ids:
        return
    session.execute(
        text(
            "UPDATE result r SET place = ranked.place FROM ("
            " SELECT id, CASE WHEN status = 'OK' AND mark IS NOT NULL THEN"
            " rank() OVER (PARTITION BY heat_id, status = 'OK' AND mark IS NOT NULL ORDER BY mark)"
            " END AS place FROM result WHERE heat_id = ANY(:heats)) AS ranked"
            " WHERE r.id = ranked.id AND r.place IS DISTINCT FROM ranked.place"
        ).bindparams(bindparam("heats", type_=ARRAY(INTEGER))),
        {"heats": sorted(heat_ids)},
    )


# -- corrections ------------------------------------------------------------------------------


def reassign_chip(
    session: Session,
    actor: Actor,
    *,
    competition_id: int,
    chip: str,
    entry_id: int,
    valid_from: datetime | None = None,
    window_ms: int = rules.DEFAULT_DUPLICATE_WINDOW_MS,
) -> ProcessingOutcome:
    """Give ``chip`` to ``entry_id`` from ``valid_from`` (default: the very start, i.e. the
    assignment was wrong all along); results of the old and new wearer are recomputed from
    the raw reads."""
    actor.require_role("Chief Registrar", "Starter")
    entry = session.get(Entry, entry_id)
    if entry is None or entry.competition_id != competition_id:
        raise ValidationError(
            f"entry {entry_id} is not an entry of competition {competition_id}",
            details={"field": "entry_id"},
        )
    _lock_competition(session, competition_id)
    current = session.scalars(
        select(ChipAssignment).where(
            ChipAssignment.competition_id == competition_id, ChipAssignment.chip == chip,
            ChipAssignment.valid_until.is_(None),
        ).with_for_update()
    ).all()
    affected = {entry_id} | {a.entry_id for a in current}
    for assignment in current:
        if valid_from is None or valid_from <= assignment.valid_from:
            record(session, actor, "delete", "chip_assignment", assignment.id, snapshot(assignment))
            session.delete(assignment)
        else:
            assignment.valid_until = valid_from
            record(session, actor, "update", "chip_assignment", assignment.id,
                   {"valid_until": valid_from.isoformat()})
    session.flush()
    new = ChipAssignment(competition_id=competition_id, chip=chip, entry_id=entry_id,
                         valid_from=valid_from or datetime(1970, 1, 1, tzinfo=UTC))
    session.add(new)
    session.flush()
    record(session, actor, "create", "chip_assignment", new.id, snapshot(new))
    outcome = ProcessingOutcome()
    _recompute(session, actor, competition_id, affected, window_ms=window_ms, outcome=outcome,
               extra_chips=[chip], reason=f"chip {chip} reassigned to entry {entry_id}")
    _request_refresh(session, outcome)
    return outcome


def shift_gun_time(
    session: Session,
    actor: Actor,
    heat_id: int,
    gun_time: datetime,
    *,
    window_ms: int = rules.DEFAULT_DUPLICATE_WINDOW_MS,
) -> ProcessingOutcome:
    """Set or correct a heat's gun; its chip results are recomputed from the raw reads."""
    actor.require_role("Starter")
    if gun_time.tzinfo is None:
        raise ValidationError("gun_time needs a time zone offset", details={"field": "gun_time"})
    heat, competition_id = heat_with_competition(session, heat_id)
    if heat.status == HeatStatus.OFFICIAL:
        raise ConflictError(f"heat {heat_id} is official; its gun time cannot change")
    _lock_competition(session, competition_id)
    before = heat.gun_time
    heat.gun_time = gun_time
    if heat.status == HeatStatus.SCHEDULED:
        heat.status = HeatStatus.STARTED
    session.flush()
    record(session, actor, "update", "heat", heat_id, {
        "gun_time": {"before": before.isoformat() if before else None,
                     "after": gun_time.isoformat()}})
    entries = set(session.scalars(select(LaneAssignment.entry_id).where(LaneAssignment.heat_id == heat_id)))
    outcome = ProcessingOutcome()
    _recompute(session, actor, competition_id, entries, window_ms=window_ms, outcome=outcome,
               reason=f"gun time of heat {heat_id} set to {gun_time.isoformat()}")
    _request_refresh(session, outcome)
    return outcome


def correct_result(
    session: Session,
    actor: Actor,
    result_id: int,
    *,
    mark: int | None,
    status: ResultStatus = ResultStatus.OK,
    status_rule: str | None = None,
    net_mark: int | None = None,
    reason: str,
) -> Result:
    """An official's correction: it outranks chip and photo-finish data from now on."""
    actor.require_role("Starter", "Chief Registrar")
    result = session.get(Result, result_id, with_for_update=True)
    if result is None:
        raise NotFoundError(f"result {result_id} does not exist")
    if status == ResultStatus.OK and mark is None:
        raise ValidationError("a result with status OK needs a mark", details={"field": "mark"})
    if status == ResultStatus.DQ and not status_rule:
        raise ValidationError("a DQ needs the rule it was given under",
                              details={"field": "status_rule"})
    before = snapshot(result)
    session.add(ResultRevision(**_revision_row(result, actor, reason)))
    result.mark, result.status, result.status_rule = mark, status, status_rule
    result.net_mark = net_mark if net_mark is not None else result.net_mark
    result.source = ResultSource.MANUAL
    result.revision += 1
    session.flush()
    after = snapshot(result)
    record(session, actor, "update", "result", result.id, {
        **{k: {"before": before[k], "after": after[k]} for k in after
           if before[k] != after[k] and k != "updated_at"}, "reason": reason})
    _place(session, {result.heat_id})
    heat, _ = heat_with_competition(session, result.heat_id)
    _request_refresh(session, ProcessingOutcome(event_ids={heat.round.event_id}))
    return result


def heat_with_competition(session: Session, heat_id: int) -> tuple[Heat, int]:
    row = session.execute(
        select(Heat, Event.competition_id).join(Round, Round.id == Heat.round_id)
        .join(Event, Event.id == Round.event_id).where(Heat.id == heat_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"heat {heat_id} does not exist")
    return row[0], row[1]


def _request_refresh(session: Session, outcome: ProcessingOutcome) -> None:
    for event_id in sorted(outcome.event_ids):
        enqueue_after_commit(session, TaskName.LEADERBOARD_REFRESH, event_id=event_id)


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


# -- FinishLynx -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LifOutcome:
    import_id: int
    heat_id: int | None
    outcome: str
    results_changed: int
    already_imported: bool

    def as_dict(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "heat_id": self.heat_id, "outcome": self.outcome,
                "results_changed": self.results_changed,
                "already_imported": self.already_imported}


def find_lif_heat(session: Session, competition_id: int, lif: LifFile) -> Heat:
    """The heat a .lif file is about: event number = our event id (as exported in
    ``lynx.evt``), round = round ordinal, heat = heat number."""
    heat = session.scalar(
        select(Heat).join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id == competition_id, Event.id == lif.heat.event,
               Round.ordinal == lif.heat.round, Heat.number == lif.heat.heat)
    )
    if heat is None:
        raise ValidationError(
            f"FinishLynx LIF: line {lif.heat.line}: no heat {lif.heat.heat} of round "
            f"{lif.heat.round} of event {lif.heat.event} in competition {competition_id}",
            details={"errors": [{"line": lif.heat.line, "field": "event",
                                 "problem": "no such event/round/heat"}]},
        )
    return heat


def import_lif(
    session: Session,
    actor: Actor,
    competition_id: int,
    body: bytes,
    *,
    path: str,
    heat_id: int | None = None,
) -> LifOutcome:
    """Import a photo-finish result file once per (path, content).

    The whole file is validated first (every line, every bib) and nothing is stored when one
    thing is wrong. DNS/DNF/DQ (with the rule) are kept as statuses. An official heat is not
    changed: the import is recorded with outcome ``heat_official``. A manual correction is
    never overwritten (:func:`athsys.timing.rules.decide_update`).
    """
    _competition(session, competition_id)
    digest = hashlib.sha256(body).hexdigest()
    previous = session.scalar(
        select(LifImport).where(LifImport.competition_id == competition_id,
                                LifImport.path == path, LifImport.content_sha256 == digest)
    )
    if previous is not None:
        return LifOutcome(previous.id, previous.heat_id, previous.outcome,
                          previous.results_changed, already_imported=True)
    lif = parse_lif(body)
    if heat_id is not None:
        heat, heat_competition = heat_with_competition(session, heat_id)
        if heat_competition != competition_id:
            raise ValidationError(f"heat {heat_id} is not a heat of competition {competition_id}",
                                  details={"field": "heat_id"})
    else:
        heat = find_lif_heat(session, competition_id, lif)
    entries = _lif_entries(session, competition_id, heat, lif)
    _lock_competition(session, competition_id)
    changed = 0
    outcome = LIF_OUTCOME_HEAT_OFFICIAL
    if heat.status != HeatStatus.OFFICIAL:
        outcome = LIF_OUTCOME_IMPORTED
        changed = _apply_lif(session, actor, heat, lif, entries, reason=f"FinishLynx file {path}")
    inserted = session.execute(
        pg_insert(LifImport).values(
            competition_id=competition_id, heat_id=heat.id, path=path[:500],
            content_sha256=digest, size=len(body), outcome=outcome, results_changed=changed,
            imported_by=actor.username,
        ).on_conflict_do_nothing().returning(LifImport.id)
    ).scalar()
    if inserted is None:  # the same file imported concurrently: that import stands
        raise ConflictError(f"{path} is being imported by someone else; try again")
    record(session, actor, "import", "lif_import", inserted,
           {"path": path, "sha256": digest, "heat_id": heat.id, "outcome": outcome,
            "results_changed": changed})
    if changed:
        _request_refresh(session, ProcessingOutcome(event_ids={heat.round.event_id}))
    return LifOutcome(inserted, heat.id, outcome, changed, already_imported=False)


def _lif_entries(session: Session, competition_id: int, heat: Heat, lif: LifFile) -> dict[int, int]:
    """Result line → entry id: by bib in the competition, else by lane in the heat."""
    by_bib = dict(session.execute(
        select(Entry.bib, Entry.id).where(
            Entry.competition_id == competition_id,
            Entry.bib.in_([r.bib for r in lif.results if r.bib]),
        )
    ).all())
    by_lane = dict(session.execute(
        select(LaneAssignment.lane, LaneAssignment.entry_id).where(
            LaneAssignment.heat_id == heat.id, LaneAssignment.lane.is_not(None)
        )
    ).all())
    problems: list[dict[str, Any]] = []
    entries: dict[int, int] = {}
    for result in lif.results:
        entry_id = by_bib.get(result.bib) if result.bib else by_lane.get(result.lane)
        if entry_id is None:
            field_name, value = ("id", result.bib) if result.bib else ("lane", result.lane)
            problems.append({"line": result.line, "field": field_name,
                             "problem": f"no entry with {field_name} {value!r} in this "
                             "competition/heat"})
            continue
        entries[result.line] = entry_id
    if problems:
        shown = "; ".join(f"line {p['line']} field '{p['field']}': {p['problem']}" for p in problems[:5])
        raise ValidationError(f"FinishLynx LIF: {len(problems)} problem(s): {shown}",
                              details={"format": "FinishLynx LIF", "errors": problems})
    return entries


def _apply_lif(
    session: Session, actor: Actor, heat: Heat, lif: LifFile, entries: dict[int, int], reason: str
) -> int:
    existing = {
        r.entry_id: r for r in session.scalars(
            select(Result).where(Result.heat_id == heat.id).with_for_update()
        )
    }
    wind = lif.heat.wind_tenths if lif.heat.wind_tenths is not None and abs(lif.heat.wind_tenths) <= 300 else None
    changed = 0
    for line in lif.results:
        entry_id = entries[line.line]
        status = ResultStatus(line.status)
        mark = line.precise_time_ms if line.precise_time_ms is not None else line.time_ms
        if status != ResultStatus.OK:
            mark = None
        values = {"mark": mark, "place": line.place if status == ResultStatus.OK else None,
                  "status": status, "status_rule": line.dq_rule if line.status == DQ else None,
                  "wind": wind, "reaction_time": line.reaction_ms}
        current = existing.get(entry_id)
        if current is None:
            result = Result(heat_id=heat.id, entry_id=entry_id, source=ResultSource.LIF,
                            revision=1, **values)
            session.add(result)
            session.flush()
            record(session, actor, "create", "result", result.id, {**snapshot(result), "reason": reason})
            changed += 1
            continue
        stored_source = _precedence_source(current.source)
        decision = rules.decide_update(
            rules.StoredResult(stored_source, current.revision, current.mark),
            rules.ComputedResult(rules.SOURCE_LIF, mark, current.revision),
        )
        outranked = rules.SOURCE_PRECEDENCE[stored_source] > rules.SOURCE_PRECEDENCE[rules.SOURCE_LIF]
        same = current.source == ResultSource.LIF and all(
            getattr(current, k) == v for k, v in values.items()
        )
        # decide_update compares times only; a new status, place, wind or reaction is a change too
        if outranked or same or (not decision.replace and current.mark != mark):
            continue
        before = snapshot(current)
        session.add(ResultRevision(**_revision_row(current, actor, reason)))
        for key, value in values.items():
            setattr(current, key, value)
        current.source = ResultSource.LIF
        current.revision += 1
        session.flush()
        after = snapshot(current)
        record(session, actor, "update", "result", current.id, {
            **{k: {"before": before[k], "after": after[k]} for k in after
               if before[k] != after[k] and k != "updated_at"}, "reason": reason})
        changed += 1
    if wind is not None and heat.wind != wind:
        record(session, actor, "update", "heat", heat.id, {"wind": {"before": heat.wind, "after": wind}})
        heat.wind = wind
    if heat.status in (HeatStatus.SCHEDULED, HeatStatus.STARTED):
        heat.status = HeatStatus.FINISHED
    session.flush()
    return changed


# -- exports ----------------------------------------------------------------------------------


def _start_list_heat(session: Session, heat: Heat) -> StartListHeat:
    rows = session.execute(
        select(LaneAssignment.lane, Entry.bib, Athlete.last_name, Athlete.first_name, Club.name)
        .join(Entry, Entry.id == LaneAssignment.entry_id)
        .join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Club, Club.id == Athlete.club_id)
        .where(LaneAssignment.heat_id == heat.id)
        .order_by(LaneAssignment.position)
    ).all()
    event = heat.round.event
    return StartListHeat(
        event=event.id, round=heat.round.ordinal, heat=heat.number,
        name=heat.name or f"{event.name} {heat.round.kind.value} {heat.round.ordinal} heat {heat.number}",
        lanes=tuple(StartListLane(lane, bib, last, first, club or "")
                    for lane, bib, last, first, club in rows),
    )


def _competition_heats(session: Session, competition_id: int) -> list[Heat]:
    _competition(session, competition_id)
    return list(session.scalars(
        select(Heat).join(Round, Round.id == Heat.round_id).join(Event, Event.id == Round.event_id)
        .where(Event.competition_id == competition_id)
        .order_by(Heat.scheduled_start.asc().nulls_last(), Event.id, Round.ordinal, Heat.number)
    ))


def export_evt(session: Session, *, heat_id: int | None = None, competition_id: int | None = None) -> str:
    """``lynx.evt`` of one heat or of every heat of a competition (event number = event id)."""
    heats = [heat_with_competition(session, heat_id)[0]] if heat_id is not None else (
        _competition_heats(session, competition_id or 0))
    return write_evt(_start_list_heat(session, h) for h in heats)


def export_ppl(session: Session, *, heat_id: int | None = None, competition_id: int | None = None) -> str:
    """``lynx.ppl``: every competitor of the heat, or of the competition, by bib."""
    query = (
        select(Entry.bib, Athlete.last_name, Athlete.first_name, Club.name)
        .join(Athlete, Athlete.id == Entry.athlete_id).outerjoin(Club, Club.id == Athlete.club_id)
    )
    if heat_id is not None:
        heat_with_competition(session, heat_id)
        query = query.join(LaneAssignment, LaneAssignment.entry_id == Entry.id).where(
            LaneAssignment.heat_id == heat_id)
    else:
        _competition(session, competition_id or 0)
        query = query.where(Entry.competition_id == competition_id)
    rows = session.execute(query.order_by(Entry.bib).distinct()).all()
    return write_ppl(LynxCompetitor(bib, last, first, club or "") for bib, last, first, club in rows)


def export_sch(session: Session, competition_id: int) -> str:
    """``lynx.sch``: the competition's heats in running order."""
    competition = _competition(session, competition_id)
    heats = _competition_heats(session, competition_id)
    return write_sch((_start_list_heat(session, h) for h in heats), comment=competition.name)


RESULT_COLUMNS = ("place", "status", "rule", "bib", "last_name", "first_name", "affiliation",
                  "time", "net_time", "time_ms", "net_time_ms", "reaction_time_ms", "source",
                  "revision")


def export_results_csv(session: Session, heat_id: int) -> str:
    """The heat's results as CSV, statuses and DQ rules included, times as published
    (track: up to 1/100; road: up to the second) and in ms."""
    heat, _ = heat_with_competition(session, heat_id)
    road = heat.round.event.kind == EventKind.ROAD
    rows = session.execute(
        select(Result, Entry.bib, Athlete.last_name, Athlete.first_name, Club.name)
        .join(Entry, Entry.id == Result.entry_id).join(Athlete, Athlete.id == Entry.athlete_id)
        .outerjoin(Club, Club.id == Athlete.club_id).where(Result.heat_id == heat_id)
        .order_by(Result.place.asc().nulls_last(), Result.status, Entry.bib)
    ).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(RESULT_COLUMNS)
    for result, bib, last, first, club in rows:
        def shown(ms: int | None) -> str:
            return format_mark(ms, Measure.TIME, road=road) if ms is not None else ""

        writer.writerow([
            result.place or "", result.status.value, result.status_rule or "", bib, last, first,
            club or "", shown(result.mark), shown(result.net_mark),
            result.mark if result.mark is not None else "",
            result.net_mark if result.net_mark is not None else "",
            result.reaction_time if result.reaction_time is not None else "",
            result.source.value, result.revision,
        ])
    return buffer.getvalue()


def batch_status(session: Session, batch_id: int) -> ReadBatch:
    batch = session.get(ReadBatch, batch_id)
    if batch is None:
        raise NotFoundError(f"read batch {batch_id} does not exist")
    return batch
