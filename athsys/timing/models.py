"""Timing points, chips, devices, and the raw reads they send."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from athsys.competitions.models import Competition, Entry
from athsys.db import Base, Timestamped, enum_type
from athsys.timing.rules import ReadFlag


class DeviceKind(enum.Enum):
    CHIP_DECODER = "chip_decoder"
    PHOTO_FINISH = "photo_finish"


class MatRole(enum.Enum):
    PRIMARY = "primary"
    BACKUP = "backup"


class BatchStatus(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"


class TimingPoint(Timestamped, Base):
    """A place where times are taken: the start, 5 km, ..., the finish."""

    __tablename__ = "timing_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    distance_m: Mapped[int] = mapped_column(Integer)
    is_start: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    is_finish: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    competition: Mapped[Competition] = relationship()

    __table_args__ = (
        UniqueConstraint("competition_id", "name"),
        CheckConstraint("distance_m >= 0", name="distance_not_negative"),
    )

    def __repr__(self) -> str:
        return self.name


class ChipAssignment(Timestamped, Base):
    """A chip worn by an entry from ``valid_from`` until ``valid_until`` (None: still worn)."""

    __tablename__ = "chip_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    chip: Mapped[str] = mapped_column(String(32))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    valid_from: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    entry: Mapped[Entry] = relationship()

    __table_args__ = (
        # one chip per competition at a time: at most one open assignment
        Index(
            "uq_chip_assignment_active_chip", "competition_id", "chip", unique=True,
            postgresql_where=text("valid_until IS NULL"),
        ),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="valid_range"),
        Index("ix_chip_assignment_entry_id", "entry_id"),
        # every wearer of a chip, past ones too: what processing a batch of reads looks up
        Index("ix_chip_assignment_competition_id_chip", "competition_id", "chip"),
    )


class TimingDevice(Timestamped, Base):
    """A decoder or photo-finish camera; it authenticates with a token we store only hashed."""

    __tablename__ = "timing_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    timing_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("timing_point.id", ondelete="SET NULL")
    )
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[DeviceKind] = mapped_column(enum_type(DeviceKind, "device_kind"))
    mat_role: Mapped[MatRole] = mapped_column(
        enum_type(MatRole, "mat_role"), default=MatRole.PRIMARY,
        server_default=MatRole.PRIMARY.value,
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 hex
    token_prefix: Mapped[str] = mapped_column(String(12))  # to recognise a token, not to use it
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    competition: Mapped[Competition] = relationship()
    timing_point: Mapped[TimingPoint | None] = relationship()

    __table_args__ = (UniqueConstraint("competition_id", "name"),)

    def __repr__(self) -> str:
        return self.name


class TimingRead(Base):
    """A raw passing as the device sent it; unique per (device, the device's read id).

    ``device_id``, ``batch_id`` and ``timing_point_id`` reference ``timing_device``,
    ``read_batch`` and ``timing_point`` without foreign-key constraints: triggers of
    migration 0021 keep the same guarantee once a statement instead of once a row (a
    missing parent refused with a foreign-key violation; deleting a device deletes its
    reads, deleting a batch or a timing point sets the column to NULL), since the per-row
    checks were most of the cost of storing a batch.
    """

    __tablename__ = "timing_read"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    device_id: Mapped[int] = mapped_column(Integer)
    read_id: Mapped[str] = mapped_column(String(64))
    chip: Mapped[str | None] = mapped_column(String(32))
    bib: Mapped[str | None] = mapped_column(String(12))
    timing_point_id: Mapped[int | None] = mapped_column(Integer)
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    is_gun: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    hits: Mapped[int | None] = mapped_column(Integer)
    rssi: Mapped[int | None] = mapped_column(Integer)
    antenna: Mapped[int | None] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    # a read is processed when its batch is (read_batch.processed_at)
    batch_id: Mapped[int | None] = mapped_column(BigInteger)
    # why processing did not use the read: unknown chip, heat already official, ...
    flag: Mapped[ReadFlag | None] = mapped_column(enum_type(ReadFlag, "read_flag"))

    device: Mapped[TimingDevice] = relationship(
        primaryjoin="foreign(TimingRead.device_id) == TimingDevice.id"
    )
    batch: Mapped[ReadBatch | None] = relationship(
        primaryjoin="foreign(TimingRead.batch_id) == ReadBatch.id"
    )

    __table_args__ = (
        UniqueConstraint("device_id", "read_id"),
        Index("ix_timing_read_batch_id", "batch_id"),
        Index("ix_timing_read_flag", "flag", postgresql_where=text("flag IS NOT NULL")),
        CheckConstraint("chip IS NOT NULL OR bib IS NOT NULL OR is_gun", name="identifies_someone"),
        # bib-only reads are rare: a small partial index finds them without a scan
        Index("ix_timing_read_bib_only", "bib", postgresql_where=text("chip IS NULL")),
        Index("ix_timing_read_chip", "chip"),
    )


class ReadBatch(Base):
    """One payload a device posted: stored with its reads, then processed by a worker.

    ``payload_sha256`` makes a resent payload answer the counts of the first one.
    ``status`` moves pending → processing (claimed, ``claimed_at``) → done (or failed after
    too many ``attempts``); the sweeper re-enqueues batches left pending or processing. A
    batch may be done by another batch's processing (``processed_with``).
    """

    __tablename__ = "read_batch"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("timing_device.id", ondelete="CASCADE"))
    payload_sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    status: Mapped[BatchStatus] = mapped_column(
        enum_type(BatchStatus, "batch_status"), default=BatchStatus.PENDING,
        server_default=BatchStatus.PENDING.value,
    )
    read_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    accepted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    duplicate: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    results_changed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the batch whose processing took this one along (a worker catching up); NULL: its own
    processed_with: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("read_batch.id", ondelete="SET NULL")
    )
    error: Mapped[str | None] = mapped_column(String(500))

    device: Mapped[TimingDevice] = relationship()

    __table_args__ = (
        UniqueConstraint("device_id", "payload_sha256"),
        CheckConstraint(
            "accepted >= 0 AND duplicate >= 0 AND accepted + duplicate = read_count",
            name="counts",
        ),
        Index(
            "ix_read_batch_unfinished", "received_at",
            postgresql_where=text("status IN ('pending', 'processing')"),
        ),
    )


class LifImport(Base):
    """A FinishLynx file imported once: the same content at the same path is not re-read."""

    __tablename__ = "lif_import"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id", ondelete="CASCADE"))
    heat_id: Mapped[int | None] = mapped_column(ForeignKey("heat.id", ondelete="SET NULL"))
    path: Mapped[str] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))  # imported | heat_official | no_results
    results_changed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    imported_by: Mapped[str | None] = mapped_column(String(128))
    imported_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )

    __table_args__ = (UniqueConstraint("competition_id", "path", "content_sha256"),)


class TimingSplit(Base):
    """An entry's times at one timing point of a heat, recomputed from the raw reads.

    The entry runs in the heat: ``(heat_id, entry_id)`` names its lane assignment (which
    says that the heat and the entry exist), and ``timing_point_id`` its timing point,
    without foreign-key constraints: triggers of migration 0023 keep the keys' guarantee
    once a statement instead of once a row (a missing assignment or timing point refused
    with a foreign-key violation; the split goes with either), since processing inserts a
    catch-up's splits in one statement. The three are the primary key (migration 0027: a
    surrogate id was one more index and a sequence call each split, half the cost of
    inserting them); the key also serves the delete of a lane assignment's splits.
    """

    __tablename__ = "timing_split"

    heat_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timing_point_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gun_time_ms: Mapped[int | None] = mapped_column(Integer)
    net_time_ms: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
