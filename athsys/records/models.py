"""Records and bests, one row per holder of a record kind in a discipline."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from athsys.athletes.models import Athlete
from athsys.db import Base, Timestamped, enum_type
from athsys.sport.sex import Sex


class RecordScope(enum.Enum):
    WORLD = "WR"
    AREA = "AR"
    NATIONAL = "NR"
    MEETING = "MR"
    CHAMPIONSHIP = "CR"
    PERSONAL_BEST = "PB"
    SEASON_BEST = "SB"


class Record(Timestamped, Base):
    """A record mark; ``region`` names the area, nation or meeting, ``season`` a season
    best's year."""

    __tablename__ = "record"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[RecordScope] = mapped_column(enum_type(RecordScope, "record_scope"))
    discipline_code: Mapped[str] = mapped_column(String(12))
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, "sex"))
    age_category: Mapped[str] = mapped_column(String(12), default="SEN", server_default="SEN")
    region: Mapped[str | None] = mapped_column(String(80))
    season: Mapped[int | None] = mapped_column(Integer)
    athlete_id: Mapped[int | None] = mapped_column(ForeignKey("athlete.id", ondelete="CASCADE"))
    holder_name: Mapped[str | None] = mapped_column(String(160))
    mark: Mapped[int] = mapped_column(Integer)
    set_on: Mapped[date | None] = mapped_column(Date)
    venue: Mapped[str | None] = mapped_column(String(160))
    # a personal or season best that is a hand time ("10.4h"); records are never hand times
    hand_timed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    athlete: Mapped[Athlete | None] = relationship()

    __table_args__ = (
        CheckConstraint("mark > 0", name="mark_positive"),
        CheckConstraint(
            "scope NOT IN ('PB', 'SB') OR athlete_id IS NOT NULL", name="bests_have_athlete"
        ),
        CheckConstraint("scope <> 'SB' OR season IS NOT NULL", name="season_best_has_season"),
        Index(
            "uq_record_holder",
            "scope", "discipline_code", "sex", "age_category",
            text("coalesce(region, '')"), text("coalesce(season, 0)"),
            text("coalesce(athlete_id, 0)"),
            unique=True,
        ),
        Index("ix_record_athlete_id", "athlete_id"),
    )
