"""One row per backup attempt: where the file is, how big, its SHA-256, and how it ended."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from athsys.db import Base, enum_type


class BackupStatus(enum.Enum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Backup(Base):
    """A backup file of the whole database (``athsys_YYYYMMDD_HHMMSS.sql.gz``).

    ``sha256`` is the digest of the compressed file as written; restore refuses a file whose
    digest differs. A failed attempt keeps its row, with ``error``, so that it is visible.
    """

    __tablename__ = "backup"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[BackupStatus] = mapped_column(
        enum_type(BackupStatus, "backup_status"),
        default=BackupStatus.RUNNING,
        server_default=BackupStatus.RUNNING.value,
    )
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "status <> 'succeeded' OR (sha256 IS NOT NULL AND size IS NOT NULL)",
            name="succeeded_has_checksum",
        ),
        CheckConstraint("status <> 'failed' OR error IS NOT NULL", name="failed_has_error"),
        Index("ix_backup_created_at_desc", text("created_at DESC")),
        Index("uq_backup_filename_succeeded", "filename", unique=True,
              postgresql_where=text("status = 'succeeded'")),
    )
