"""Clubs and athletes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, literal_column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from athsys.accounts.models import UserProfile
from athsys.db import Base, Timestamped, enum_type
from athsys.sport.sex import Sex


class Club(Timestamped, Base):
    __tablename__ = "club"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    country: Mapped[str | None] = mapped_column(String(3))

    athletes: Mapped[list[Athlete]] = relationship(back_populates="club")

    __table_args__ = (
        CheckConstraint("code = upper(code) AND length(code) >= 2", name="code_upper"),
    )

    def __repr__(self) -> str:
        return self.name


class Athlete(Timestamped, Base):
    __tablename__ = "athlete"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    sex: Mapped[Sex] = mapped_column(enum_type(Sex, "sex"))
    birth_date: Mapped[date | None] = mapped_column(Date)
    club_id: Mapped[int | None] = mapped_column(ForeignKey("club.id", ondelete="SET NULL"))
    licence: Mapped[str | None] = mapped_column(String(32), unique=True)
    nationality: Mapped[str | None] = mapped_column(String(3))

    club: Mapped[Club | None] = relationship(back_populates="athletes")

    __table_args__ = (
        Index("ix_athlete_first_name_last_name", "first_name", "last_name"),
        Index("ix_athlete_last_name_first_name", "last_name", "first_name"),
        Index("ix_athlete_club_id", "club_id"),
        # the pickers' name and licence searches (migration 0019), written as PostgreSQL
        # reflects them so that the schema check compares like with like
        Index("ix_athlete_first_last_trgm",
              literal_column("((first_name::text || ' '::text) || last_name::text)")
              .label("first_last"),
              postgresql_using="gin", postgresql_ops={"first_last": "gin_trgm_ops"}),
        Index("ix_athlete_last_first_trgm",
              literal_column("((last_name::text || ' '::text) || first_name::text)")
              .label("last_first"),
              postgresql_using="gin", postgresql_ops={"last_first": "gin_trgm_ops"}),
        Index("ix_athlete_licence_trgm", "licence", postgresql_using="gin",
              postgresql_ops={"licence": "gin_trgm_ops"}),
        # the admin list's "last name contains" filter (migration 0022)
        Index("ix_athlete_last_name_trgm", "last_name", postgresql_using="gin",
              postgresql_ops={"last_name": "gin_trgm_ops"}),
        CheckConstraint("birth_date IS NULL OR birth_date > DATE '1900-01-01'", name="birth_date"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def __repr__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


# The club a coach manages and the athlete an athlete account is: declared on the account's
# profile from here, because accounts sit below athletes (athsys.accounts imports nothing of
# athsys.athletes).
UserProfile.club = relationship(Club)
UserProfile.athlete = relationship(Athlete)
