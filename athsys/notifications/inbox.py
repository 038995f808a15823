"""What one user sees of notifications: their subscriptions and their in-app notifications.

A notification is in a user's list once its in-app subscription belongs to them and the
worker has delivered it (``sent``); until then it is still in the outbox. Someone else's
notification is "not found", never "forbidden": its existence is nobody else's business.
Reading is the user's own state, not meet data, so it is not audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR
from athsys.errors import AuthorizationError, NotFoundError
from athsys.notifications.models import Channel, Notification, NotificationStatus, Subscription

#: Who may see every account's subscriptions (and delete any: they manage the webhooks).
OVERSEERS = (CHIEF_REGISTRAR,)


def subscriptions_query(actor: Actor, *, everyone: bool = False,
                        user_id: int | None = None) -> Select[tuple[Subscription]]:
    """The actor's own subscriptions; with ``everyone`` (or another ``user_id``) those of all
    accounts, which only an Admin or Chief Registrar may ask for."""
    if everyone or (user_id is not None and user_id != actor.user_id):
        actor.require_role(*OVERSEERS)
    query = select(Subscription)
    if user_id is not None:
        return query.where(Subscription.user_id == user_id)
    if everyone:
        return query
    return query.where(Subscription.user_id == _signed_in(actor))


def own_subscription(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    """The subscription, if it is the actor's (or the actor oversees all); else not found."""
    subscription = session.get(Subscription, subscription_id)
    if subscription is None or not (
        subscription.user_id == actor.user_id or actor.is_admin or actor.has_role(*OVERSEERS)
    ):
        raise NotFoundError(f"no subscription with id {subscription_id}",
                            details={"id": subscription_id})
    return subscription


def notifications_query(actor: Actor, *, unread: bool | None = None
                        ) -> Select[tuple[Notification]]:
    """The actor's delivered in-app notifications, newest first."""
    query = (
        select(Notification)
        .join(Subscription, Notification.subscription_id == Subscription.id)
        .where(Subscription.user_id == _signed_in(actor),
               Subscription.channel == Channel.IN_APP,
               Notification.status == NotificationStatus.SENT)
    )
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def count(session: Session, query: Select[tuple[Notification]] | Select[tuple[Subscription]]
          ) -> int:
    return int(session.scalar(select(func.count()).select_from(
        query.order_by(None).subquery())) or 0)


def unread_count(session: Session, actor: Actor) -> int:
    return count(session, notifications_query(actor, unread=True))


def mark_read(session: Session, actor: Actor, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read (the first reading time is kept)."""
    notification = session.scalar(
        notifications_query(actor).where(Notification.id == notification_id)
    )
    if notification is None:
        raise NotFoundError(f"no notification with id {notification_id}",
                            details={"id": notification_id})
    if notification.read_at is None:
        notification.read_at = datetime.now(UTC)
        session.flush()
    return notification


def mark_all_read(session: Session, actor: Actor) -> int:
    """Mark every unread notification of the actor read; how many were."""
    unread = notifications_query(actor, unread=True).with_only_columns(Notification.id)
    result = session.execute(
        update(Notification)
        .where(Notification.id.in_(unread.order_by(None).scalar_subquery()))
        .values(read_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _signed_in(actor: Actor) -> int:
    if actor.user_id is None:
        raise AuthorizationError(f"{actor.username} has no account to hold subscriptions")
    return actor.user_id
