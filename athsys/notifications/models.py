"""Subscriptions and the notification outbox.

An outbox row is written in the same transaction as the result it announces becoming
official, so a rolled-back change announces nothing and a committed one is never forgotten.
Delivery claims a row (``pending`` -> ``sending``) in one UPDATE before sending: each
notification is sent at most once, however often the delivery task runs.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from athsys.db import Base, Timestamped, enum_type


class Channel(enum.Enum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    IN_APP = "in_app"  # the user's list of notifications in the web UI; nothing leaves


class NotificationKind(enum.Enum):
    RESULT_OFFICIAL = "result.official"
    RESULT_UNOFFICIAL = "result.unofficial"


class NotificationStatus(enum.Enum):
    PENDING = "pending"  # waiting for its first attempt or for the next retry
    SENDING = "sending"  # claimed by one worker; never claimed again
    SENT = "sent"
    FAILED = "failed"  # permanent: a 4xx, a refused address, or retries exhausted


class Subscription(Timestamped, Base):
    """Who hears about what, and how.

    ``user_id`` references ``ab_user.id`` (Flask-AppBuilder's table, so the foreign key is
    declared in the migration); an e-mail subscription without ``email`` goes to the user's
    address; an in-app one lands in its user's list. Exactly one of athlete, event and
    competition is the subject.
    """

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "notification_channel"))
    email: Mapped[str | None] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(2048))
    webhook_secret: Mapped[str | None] = mapped_column(String(128))
    athlete_id: Mapped[int | None] = mapped_column(ForeignKey("athlete.id", ondelete="CASCADE"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"))
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("competition.id", ondelete="CASCADE")
    )
    include_unofficial: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))

    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(athlete_id, event_id, competition_id) = 1", name="one_subject"
        ),
        CheckConstraint(
            "channel <> 'webhook' OR (webhook_url IS NOT NULL AND webhook_secret IS NOT NULL)",
            name="webhook_has_url_and_secret",
        ),
        CheckConstraint(
            "channel <> 'email' OR email IS NOT NULL OR user_id IS NOT NULL",
            name="email_has_address",
        ),
        CheckConstraint("channel <> 'in_app' OR user_id IS NOT NULL", name="in_app_has_user"),
        Index("ix_subscription_athlete_id", "athlete_id", postgresql_where=text("active")),
        Index("ix_subscription_event_id", "event_id", postgresql_where=text("active")),
        Index("ix_subscription_competition_id", "competition_id",
              postgresql_where=text("active")),
        Index("ix_subscription_user_id", "user_id"),
    )


class Notification(Base):
    """One message to one subscription, in the outbox until delivered or given up."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.id", ondelete="CASCADE")
    )
    kind: Mapped[NotificationKind] = mapped_column(
        enum_type(NotificationKind, "notification_kind")
    )
    # what the message is about, to send it once per subscription and result revision
    dedup_key: Mapped[str] = mapped_column(String(120))
    result_id: Mapped[int | None] = mapped_column(ForeignKey("result.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[NotificationStatus] = mapped_column(
        enum_type(NotificationStatus, "notification_status"),
        default=NotificationStatus.PENDING,
        server_default=NotificationStatus.PENDING.value,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # when the subscriber read it in the web UI (in-app notifications only)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    subscription: Mapped[Subscription] = relationship()

    __table_args__ = (
        UniqueConstraint("subscription_id", "dedup_key"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        Index("ix_notification_due", "next_attempt_at",
              postgresql_where=text("status = 'pending'")),
        Index("ix_notification_status_created_at", "status", "created_at"),
        Index("ix_notification_result_id", "result_id"),
    )
