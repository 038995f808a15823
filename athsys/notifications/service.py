"""Subscriptions, the outbox, and delivering each notification at most once.

Flow: the results service calls :func:`notify_result_official` inside the transaction that
makes a heat's results official; outbox rows are inserted there and a dispatch is enqueued
after commit. ``notifications.dispatch_pending`` enqueues ``notifications.deliver`` for every
due row; :func:`deliver_notification` claims the row (``pending`` -> ``sending`` in one
UPDATE, committed before anything is sent), sends it, and records the outcome. A second run
for the same row finds nothing to claim. A worker that dies between claim and record leaves
the row in ``sending``; :func:`fail_stale_sending` later marks it failed ("outcome unknown")
rather than risk sending it twice.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, sessionmaker

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR
from athsys.athletes.models import Athlete
from athsys.audit.service import record, snapshot
from athsys.competitions.models import Competition, Entry, Event, Heat, Round
from athsys.competitions.relays import RanLeg, legs_ran
from athsys.config import Settings
from athsys.errors import AthsysError, AuthorizationError, ConflictError, ValidationError
from athsys.jobs import TaskName, enqueue_after_commit
from athsys.notifications import delivery
from athsys.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
    Subscription,
)
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.marks import format_result_time, format_wind

log = logging.getLogger(__name__)

MIN_SECRET_LENGTH = 16
RETRY_CAP_S = 3600
DISPATCH_BATCH = 500
STALE_SENDING_AFTER = timedelta(minutes=15)


# -- subscriptions ---------------------------------------------------------------------------

def subscribe(
    session: Session,
    actor: Actor,
    *,
    channel: Channel,
    athlete_id: int | None = None,
    event_id: int | None = None,
    competition_id: int | None = None,
    user_id: int | None = None,
    email: str | None = None,
    webhook_url: str | None = None,
    webhook_secret: str | None = None,
    include_unofficial: bool = False,
) -> Subscription:
    """Subscribe to one athlete, event or competition.

    Anyone signed in may subscribe their own account, by e-mail to the account's address or
    in the web UI (``in_app``); an e-mail to another address and any webhook need an Admin or
    Chief Registrar (they send data off the platform). The same account subscribing twice to
    the same subject the same way is a conflict: it would hear everything twice.
    """
    subjects = {"athlete_id": athlete_id, "event_id": event_id, "competition_id": competition_id}
    chosen = [name for name, value in subjects.items() if value is not None]
    if len(chosen) != 1:
        raise ValidationError(
            "subscribe to exactly one of athlete_id, event_id or competition_id",
            details={"subject": chosen or "none given"},
        )
    _check_subject(session, chosen[0], subjects[chosen[0]])
    if channel is Channel.WEBHOOK:
        actor.require_role(CHIEF_REGISTRAR)
        if not webhook_url:
            raise ValidationError("a webhook subscription needs webhook_url",
                                  details={"webhook_url": "missing"})
        problem = delivery.check_webhook_url(webhook_url)
        if problem:
            raise ValidationError(problem, details={"webhook_url": webhook_url})
        if not webhook_secret or len(webhook_secret) < MIN_SECRET_LENGTH:
            raise ValidationError(
                f"webhook_secret must have at least {MIN_SECRET_LENGTH} characters",
                details={"webhook_secret": "too short"},  # nosec B105 # not a password
            )
        email = None
    else:
        if channel is Channel.IN_APP:
            email = None
        if email is not None:
            problem = delivery.check_address(email)
            if problem:
                raise ValidationError(problem, details={"email": email})
            actor.require_role(CHIEF_REGISTRAR)
        elif user_id is None:
            user_id = actor.user_id
        if user_id is None and channel is Channel.IN_APP:
            raise ValidationError("an in-app subscription needs a user account",
                                  details={"user_id": "missing"})
        if user_id is None and email is None:
            raise ValidationError("an e-mail subscription needs an address or a user account",
                                  details={"email": "missing"})
        if user_id is not None and user_id != actor.user_id and not actor.is_admin:
            raise AuthorizationError(f"{actor.username} may not subscribe another account")
        webhook_url = webhook_secret = None
    _refuse_duplicate(session, user_id, channel, chosen[0], subjects[chosen[0]], email,
                      webhook_url)
    subscription = Subscription(
        channel=channel, user_id=user_id, email=email, webhook_url=webhook_url,
        webhook_secret=webhook_secret, include_unofficial=include_unofficial, **subjects,
    )
    session.add(subscription)
    session.flush()
    record(session, actor, "create", "subscription", subscription.id, _audited(subscription))
    return subscription


def _audited(subscription: Subscription) -> dict[str, Any]:
    """The row for the audit trail, without the webhook's signing secret."""
    values = snapshot(subscription)
    if values.get("webhook_secret"):
        values["webhook_secret"] = "(hidden)"  # nosec B105 # not a password
    return values


def _refuse_duplicate(
    session: Session, user_id: int | None, channel: Channel, subject: str, subject_id: int | None,
    email: str | None, webhook_url: str | None,
) -> None:
    if user_id is None:
        return
    existing = session.scalar(select(Subscription.id).where(
        Subscription.active,
        Subscription.user_id == user_id,
        Subscription.channel == channel,
        getattr(Subscription, subject) == subject_id,
        Subscription.email.is_not_distinct_from(email),
        Subscription.webhook_url.is_not_distinct_from(webhook_url),
    ))
    if existing is not None:
        raise ConflictError(f"subscription {existing} already does this",
                            details={subject: subject_id, "subscription_id": existing})


def unsubscribe(session: Session, actor: Actor, subscription: Subscription) -> None:
    """Delete a subscription (its notifications go with it). Its owner may, and an Admin or
    Chief Registrar, who see every subscription and manage the webhooks."""
    if subscription.user_id != actor.user_id:
        actor.require_role(CHIEF_REGISTRAR)
    before = _audited(subscription)
    session.delete(subscription)
    session.flush()
    record(session, actor, "delete", "subscription", before["id"], before)


def _check_subject(session: Session, name: str, value: int | None) -> None:
    model = {"athlete_id": Athlete, "event_id": Event, "competition_id": Competition}[name]
    if session.get(model, value) is None:
        raise ValidationError(f"{name} {value} does not exist", details={name: value})


# -- the outbox --------------------------------------------------------------------------------

def notify_result_official(
    session: Session,
    *,
    result_ids: Sequence[int] | None = None,
    heat_id: int | None = None,
    official: bool = True,
) -> list[int]:
    """Put a notification in the outbox for every subscriber of these results.

    Call it in the transaction that makes the results official (or, with ``official=False``,
    that publishes unofficial results: only subscriptions with ``include_unofficial`` hear of
    those). Idempotent per subscription, result and revision. Returns the new outbox ids; a
    dispatch task is enqueued for after the commit.
    """
    if (result_ids is None) == (heat_id is None):
        raise ValueError("give either result_ids or heat_id")
    query = (
        select(Result, Entry, Athlete, Event, Competition, Heat, Round)
        .join(Entry, Result.entry_id == Entry.id)
        .outerjoin(Athlete, Entry.athlete_id == Athlete.id)  # none for a relay team
        .join(Event, Entry.event_id == Event.id)
        .join(Competition, Event.competition_id == Competition.id)
        .join(Heat, Result.heat_id == Heat.id)
        .join(Round, Heat.round_id == Round.id)
    )
    query = query.where(Result.heat_id == heat_id) if heat_id is not None else query.where(
        Result.id.in_(list(result_ids or []))
    )
    rows = session.execute(query.order_by(Result.id)).all()
    if not rows:
        return []
    kind = NotificationKind.RESULT_OFFICIAL if official else NotificationKind.RESULT_UNOFFICIAL
    ran = legs_ran(session, [row.Entry.id for row in rows if row.Athlete is None],
                   {row.Entry.id: row.Heat.id for row in rows})
    runners = {row.Entry.id: {row.Athlete.id} if row.Athlete is not None else
               {leg.athlete_id for leg in ran.get(row.Entry.id, ())} for row in rows}
    subscriptions = _matching_subscriptions(session, rows, runners, official)
    values: list[dict[str, Any]] = []
    for result, entry, athlete, event, competition, heat, round_ in rows:
        payload = _payload(kind, result, entry, athlete, event, competition, heat, round_,
                           ran.get(entry.id, []))
        for sub in subscriptions:
            if (sub.athlete_id is None or sub.athlete_id in runners[entry.id]) and (
                sub.event_id in (None, event.id)) and (
                sub.competition_id in (None, competition.id)
            ):
                values.append({
                    "subscription_id": sub.id,
                    "kind": kind,
                    "dedup_key": f"{kind.value}:result:{result.id}:r{result.revision}",
                    "result_id": result.id,
                    "payload": payload,
                })
    if not values:
        return []
    created = session.scalars(
        insert(Notification).values(values)
        .on_conflict_do_nothing(index_elements=["subscription_id", "dedup_key"])
        .returning(Notification.id)
    ).all()
    if created:
        enqueue_after_commit(session, TaskName.NOTIFICATIONS_DISPATCH_PENDING)
    return list(created)


def _matching_subscriptions(
    session: Session, rows: Sequence[Any], runners: dict[int, set[int]], official: bool
) -> list[Subscription]:
    athletes = set().union(*runners.values())
    events = {row.Event.id for row in rows}
    competitions = {row.Competition.id for row in rows}
    query = select(Subscription).where(
        Subscription.active,
        or_(
            Subscription.athlete_id.in_(athletes),
            Subscription.event_id.in_(events),
            Subscription.competition_id.in_(competitions),
        ),
    )
    if not official:
        query = query.where(Subscription.include_unofficial)
    return list(session.scalars(query.order_by(Subscription.id)))


def _payload(
    kind: NotificationKind, result: Result, entry: Entry, athlete: Athlete | None, event: Event,
    competition: Competition, heat: Heat, round_: Round, legs: Sequence[RanLeg],
) -> dict[str, Any]:
    """What a subscriber is told; a relay team's result names the team (``team``, with its
    club and the runners of its legs in this heat) where an athlete's names the athlete."""
    try:
        spec = discipline(event.discipline_code)
        mark_display = (
            format_result_time(result.mark, spec.measure, road=spec.road,
                               hand=result.hand_timed)
            if result.mark is not None else None
        )
    except AthsysError:
        mark_display = None
    return {
        "kind": kind.value,
        "competition": {"id": competition.id, "name": competition.name},
        "event": {"id": event.id, "name": event.name, "discipline": event.discipline_code},
        "heat": {
            "id": heat.id, "number": heat.number, "round": round_.kind.value,
            "label": heat.name or f"{round_.kind.value} {heat.number}",
        },
        "athlete": None if athlete is None else {
            "id": athlete.id, "first_name": athlete.first_name, "last_name": athlete.last_name,
            "club": athlete.club.name if athlete.club else None,
        },
        "team": None if athlete is not None else {
            "entry_id": entry.id, "name": entry.team_name,
            "club": entry.club.name if entry.club else None,
            "legs": [{"leg": leg.leg, "athlete_id": leg.athlete_id, "name": leg.name}
                     for leg in legs],
        },
        "result": {
            "id": result.id, "place": result.place, "status": result.status.value,
            "mark": result.mark, "mark_display": mark_display, "wind": result.wind,
            "wind_display": format_wind(result.wind) if result.wind is not None else None,
            "revision": result.revision,
        },
    }


# -- delivery ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    id: int
    attempts: int
    payload: dict[str, Any]
    channel: Channel
    email: str | None
    user_id: int | None
    webhook_url: str | None
    webhook_secret: str | None


def due_notification_ids(session: Session, *, limit: int = DISPATCH_BATCH) -> list[int]:
    return list(session.scalars(
        select(Notification.id)
        .where(Notification.status == NotificationStatus.PENDING,
               Notification.next_attempt_at <= text("now()"))
        .order_by(Notification.next_attempt_at).limit(limit)
    ))


def claim(session: Session, notification_id: int) -> Claimed | None:
    """Move a due ``pending`` row to ``sending``; None if it is not there to claim."""
    row = session.execute(
        text(
            "WITH due AS (SELECT id FROM notification WHERE id = :id AND status = 'pending' "
            "AND next_attempt_at <= now() FOR UPDATE SKIP LOCKED) "
            "UPDATE notification n SET status = 'sending', claimed_at = now(), "
            "attempts = n.attempts + 1 FROM due WHERE n.id = due.id "
            "RETURNING n.id, n.attempts, n.payload, n.subscription_id"
        ),
        {"id": notification_id},
    ).one_or_none()
    if row is None:
        return None
    sub = session.get_one(Subscription, row.subscription_id)
    return Claimed(row.id, row.attempts, row.payload, sub.channel, sub.email, sub.user_id,
                   sub.webhook_url, sub.webhook_secret)


def retry_delay(attempts: int, base_s: int, rng: random.Random) -> timedelta:
    """Exponential backoff with jitter: half of ``base * 2**(attempts-1)`` plus up to as much
    again at random (capped at an hour), so that failing deliveries do not retry in step."""
    ceiling = min(RETRY_CAP_S, base_s * 2 ** max(0, attempts - 1))
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def record_outcome(
    session: Session,
    claimed: Claimed,
    outcome: delivery.DeliveryResult,
    settings: Settings,
    rng: random.Random,
) -> NotificationStatus:
    """Write what happened to a claimed notification: sent, retried later, or failed."""
    now = datetime.now(UTC)
    values: dict[str, Any]
    if outcome.ok:
        values = {"status": NotificationStatus.SENT, "sent_at": now, "last_error": None}
    elif outcome.permanent:
        values = {"status": NotificationStatus.FAILED, "last_error": outcome.error}
    elif claimed.attempts >= settings.notification_max_attempts:
        values = {
            "status": NotificationStatus.FAILED,
            "last_error": f"gave up after {claimed.attempts} attempts: {outcome.error}",
        }
    else:
        values = {
            "status": NotificationStatus.PENDING,
            "last_error": outcome.error,
            "next_attempt_at": now + retry_delay(
                claimed.attempts, settings.notification_retry_base_s, rng
            ),
        }
    session.execute(
        update(Notification).where(
            Notification.id == claimed.id, Notification.status == NotificationStatus.SENDING
        ).values(**values)
    )
    return values["status"]  # type: ignore[no-any-return]


def _user_email(session: Session, user_id: int) -> str | None:
    return session.execute(
        text("SELECT email FROM ab_user WHERE id = :id AND active"), {"id": user_id}
    ).scalar()


def _send(session: Session, claimed: Claimed, settings: Settings) -> delivery.DeliveryResult:
    if claimed.channel is Channel.IN_APP:
        return delivery.deliver_in_app()
    if claimed.channel is Channel.WEBHOOK:
        assert claimed.webhook_url is not None and claimed.webhook_secret is not None  # nosec B101 # invariant for the type checker, not a check of input
        return delivery.send_webhook(
            claimed.webhook_url, claimed.webhook_secret, claimed.payload,
            delivery_id=str(claimed.id), timeout_s=settings.webhook_timeout,
        )
    address = claimed.email or (
        _user_email(session, claimed.user_id) if claimed.user_id is not None else None
    )
    if not address:
        return delivery.DeliveryResult.give_up("the subscribed account has no e-mail address")
    subject, body = delivery.render_email(claimed.payload)
    return delivery.send_email(settings, address, subject, body)


def deliver_notification(
    factory: sessionmaker[Session],
    settings: Settings,
    notification_id: int,
    *,
    rng: random.Random | None = None,
) -> NotificationStatus | None:
    """Claim, send and record one notification (three steps, two transactions).

    Returns the new status, or None when the row was not there to claim (already sent,
    claimed by another worker, failed, or not yet due): running twice sends once.
    """
    with factory.begin() as session:
        claimed = claim(session, notification_id)
    if claimed is None:
        return None
    with factory() as session:
        outcome = _send(session, claimed, settings)
    with factory.begin() as session:
        status = record_outcome(session, claimed, outcome, settings, rng or random.Random())  # nosec B311 # jitter of retry delays, not a secret
    if status is NotificationStatus.FAILED:
        log.error("notification %s failed for good: %s", claimed.id, outcome.error)
    elif status is NotificationStatus.PENDING:
        log.warning("notification %s attempt %d failed, will retry: %s",
                    claimed.id, claimed.attempts, outcome.error)
    return status


def fail_stale_sending(session: Session, *, older_than: timedelta = STALE_SENDING_AFTER) -> int:
    """Rows claimed long ago and never recorded: their worker died mid-send. Not retried
    (that could send twice); marked failed so that someone can look."""
    result = session.execute(
        update(Notification).where(
            Notification.status == NotificationStatus.SENDING,
            Notification.claimed_at < datetime.now(UTC) - older_than,
        ).values(
            status=NotificationStatus.FAILED,
            last_error="outcome unknown: the worker stopped while sending; not retried",
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
