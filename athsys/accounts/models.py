"""Links from a user account (Flask-AppBuilder's ``ab_user``) to the domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from athsys.db import Base


class UserProfile(Base):
    """The club a coach manages and the athlete an athlete account belongs to.

    ``user_id`` references ``ab_user.id``; that table lives in Flask-AppBuilder's metadata,
    so the foreign key is declared in the migration rather than here. The ``club`` and
    ``athlete`` relationships are declared in :mod:`athsys.athletes.models`: accounts sit
    below athletes and do not import them.
    """

    __tablename__ = "user_profile"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    club_id: Mapped[int | None] = mapped_column(ForeignKey("club.id", ondelete="SET NULL"))
    athlete_id: Mapped[int | None] = mapped_column(
        ForeignKey("athlete.id", ondelete="SET NULL"), unique=True
    )
    # tokens issued and sessions signed in before this no longer work (athsys.accounts.credentials)
    credentials_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
