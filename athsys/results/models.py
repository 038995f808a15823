"""Results of entries in heats, their revisions, and field attempts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from athsys.competitions.advancement import Qualification
from athsys.competitions.models import Entry, Heat
from athsys.db import Base, Timestamped, enum_type
from athsys.sport.ranking import ResultStatus


class ResultSource(enum.Enum):
    MANUAL = "manual"
    LIF = "lif"  # FinishLynx photo finish
    CHIP = "chip"
    API = "api"


class Result(Timestamped, Base):
    """The current result of one entry in one heat; earlier versions are in ResultRevision.

    No index covers ``place`` and the table keeps pages 30 % free (migration 0009), so the
    places a new finisher moves are rewritten heap-only, without index writes.

    ``heat_id`` and ``entry_id`` reference ``heat`` and ``entry`` without foreign-key
    constraints: triggers of migration 0026 keep the same guarantee once a statement instead
    of once a row (a missing heat or entry refused with a foreign-key violation; deleting
    either deletes its results), since a worker catching up inserts a race's new chip
    results in one statement and the per-row checks were half of its cost."""

    __tablename__ = "result"

    id: Mapped[int] = mapped_column(primary_key=True)
    heat_id: Mapped[int] = mapped_column(Integer)
    entry_id: Mapped[int] = mapped_column(Integer)
    mark: Mapped[int | None] = mapped_column(Integer)  # ms, mm or points; official (gun) time
    net_mark: Mapped[int | None] = mapped_column(Integer)  # road: chip time from the start mat
    place: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[ResultStatus] = mapped_column(
        enum_type(ResultStatus, "result_status"), default=ResultStatus.OK,
        server_default=ResultStatus.OK.value,
    )
    status_rule: Mapped[str | None] = mapped_column(String(40))  # e.g. "TR16.8" for a DQ
    wind: Mapped[int | None] = mapped_column(Integer)  # tenths of m/s
    reaction_time: Mapped[int | None] = mapped_column(Integer)  # ms
    source: Mapped[ResultSource] = mapped_column(
        enum_type(ResultSource, "result_source"), default=ResultSource.MANUAL,
        server_default=ResultSource.MANUAL.value,
    )
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # a hand time: published to 1/10 s rounded up, no record, a best shown as "10.4h"
    # (photo finish and chips are fully automatic: never hand timed)
    hand_timed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Q (by place) or q (by time) once the round's advancement is decided (competitions.planning)
    qualification: Mapped[Qualification | None] = mapped_column(
        enum_type(Qualification, "qualification"))
    # WR, NR, MR, PB, SB earned when the heat became official (records.service)
    record_flags: Mapped[list[str]] = mapped_column(
        ARRAY(String(2)), default=list, server_default=text("'{}'::varchar[]"))

    heat: Mapped[Heat] = relationship(primaryjoin="foreign(Result.heat_id) == Heat.id")
    entry: Mapped[Entry] = relationship(primaryjoin="foreign(Result.entry_id) == Entry.id")
    revisions: Mapped[list[ResultRevision]] = relationship(
        back_populates="result", cascade="all, delete-orphan", passive_deletes=True,
        order_by="ResultRevision.revision",
    )

    __table_args__ = (
        UniqueConstraint("heat_id", "entry_id"),
        CheckConstraint("status <> 'OK' OR mark IS NOT NULL", name="ok_has_mark"),
        CheckConstraint("mark IS NULL OR mark >= 0", name="mark_not_negative"),
        CheckConstraint("place IS NULL OR place >= 1", name="place_positive"),
        CheckConstraint("revision >= 1", name="revision_positive"),
        CheckConstraint("record_flags <@ ARRAY['WR', 'NR', 'MR', 'CR', 'PB', 'SB']::varchar[]",
                        name="record_flags_known"),
        CheckConstraint("qualification IS NULL OR status = 'OK'", name="qualified_is_ok"),
        CheckConstraint("NOT hand_timed OR source NOT IN ('lif', 'chip')",
                        name="machine_not_hand"),
        Index("ix_result_entry_id", "entry_id"),
    )


class ResultRevision(Base):
    """A result as it was before a change: corrections are routine and keep their history."""

    __tablename__ = "result_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("result.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    mark: Mapped[int | None] = mapped_column(Integer)
    net_mark: Mapped[int | None] = mapped_column(Integer)
    place: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[ResultStatus] = mapped_column(enum_type(ResultStatus, "result_status"))
    status_rule: Mapped[str | None] = mapped_column(String(40))
    wind: Mapped[int | None] = mapped_column(Integer)
    reaction_time: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[ResultSource] = mapped_column(enum_type(ResultSource, "result_source"))
    hand_timed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    changed_by: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str | None] = mapped_column(String(255))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    result: Mapped[Result] = relationship(back_populates="revisions")

    __table_args__ = (UniqueConstraint("result_id", "revision"),)


class AttemptOutcome(enum.Enum):
    CLEARED = "o"
    FAILED = "x"
    PASSED = "-"
    RETIRED = "r"
    MARK = "m"  # a valid horizontal jump or throw; the distance is in `mark`


class Attempt(Timestamped, Base):
    """One trial of a field series, in the order it was taken."""

    __tablename__ = "attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    heat_id: Mapped[int] = mapped_column(ForeignKey("heat.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)  # mm; vertical jumps
    outcome: Mapped[AttemptOutcome] = mapped_column(enum_type(AttemptOutcome, "attempt_outcome"))
    mark: Mapped[int | None] = mapped_column(Integer)  # mm; horizontal jumps and throws
    wind: Mapped[int | None] = mapped_column(Integer)
    # a jump-off attempt for first place (results.jump_off): never the athlete's mark
    jump_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    heat: Mapped[Heat] = relationship()
    entry: Mapped[Entry] = relationship()

    __table_args__ = (
        UniqueConstraint("heat_id", "entry_id", "sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("(outcome = 'm') = (mark IS NOT NULL)", name="mark_iff_valid"),
        Index("ix_attempt_entry_id", "entry_id"),
    )
