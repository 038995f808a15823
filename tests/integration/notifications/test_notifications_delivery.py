import json
import random
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM, Actor
from athsys.config import Settings, replace
from athsys.db import make_session_factory
from athsys.errors import AuthorizationError, ValidationError
from athsys.jobs import TASK_QUEUES, TaskName, take_pending
from athsys.notifications import service
from athsys.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
)
from tests.support.webhook_receiver import verify_signature

from .conftest import DEFERRED, REJECTED, Meet, build_meet, free_port

pytestmark = pytest.mark.integration

SECRET = "a-webhook-secret-of-32-characters"


@pytest.fixture()
def meet(committed_db: Engine) -> Meet:
    return build_meet(committed_db)


@pytest.fixture()
def notify_settings(settings: Settings, smtp_server) -> Settings:
    port, _ = smtp_server
    return replace(settings, smtp_host="127.0.0.1", smtp_port=port, webhook_timeout=0.5,
                   notification_retry_base_s=30, notification_max_attempts=3)


def _subscribe(engine: Engine, **kwargs) -> int:
    with Session(engine) as session, session.begin():
        return service.subscribe(session, SYSTEM, **kwargs).id


def _outbox(engine: Engine, notification_id: int) -> Notification:
    with Session(engine) as session:
        return session.get_one(Notification, notification_id)


def _make_official(engine: Engine, meet: Meet, **kwargs) -> list[int]:
    """Outbox rows, without the dispatch job: these tests drive delivery themselves, and a
    worker left running by another test must not deliver them first."""
    with Session(engine) as session, session.begin():
        created = service.notify_result_official(session, heat_id=meet.heat_id, **kwargs)
        take_pending(session)
        return created


DOC = Path(__file__).resolve().parents[3] / "docs" / "notifications.md"


def _documented_fields() -> set[str]:
    """The payload fields ``docs/notifications.md`` names, one table row each."""
    payload = DOC.read_text().split("## Payload", 1)[1]
    return set(re.findall(r"^\| `([a-z_.\[\]]+)` \|", payload, flags=re.MULTILINE))


def _paths(value: Any, prefix: str = "") -> set[str]:
    """Every field of a payload as a dotted path, a list's items as ``[]``."""
    found = {prefix} if prefix and not prefix.endswith("[]") else set()
    if isinstance(value, dict):
        for key, item in value.items():
            found |= _paths(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for item in value:
            found |= _paths(item, f"{prefix}[]")
    return found


def _due_now(engine: Engine, notification_id: int) -> None:
    with Session(engine) as session, session.begin():
        session.execute(update(Notification).where(Notification.id == notification_id)
                        .values(next_attempt_at=datetime.now(UTC)))


# -- the outbox ---------------------------------------------------------------------------------

def test_outbox_rows_live_and_die_with_the_transaction(committed_db: Engine, meet: Meet) -> None:
    _subscribe(committed_db, channel=Channel.EMAIL, email="fan@example.com",
               athlete_id=meet.athlete_ids[0])
    with Session(committed_db) as session:
        session.begin()
        created = service.notify_result_official(session, heat_id=meet.heat_id)
        assert len(created) == 1
        assert [job.name for job in take_pending(session)] == [
            TaskName.NOTIFICATIONS_DISPATCH_PENDING
        ]
        session.rollback()
    with Session(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(Notification)) == 0

    (first,) = _make_official(committed_db, meet)
    assert _make_official(committed_db, meet) == []  # once per subscription and revision
    row = _outbox(committed_db, first)
    assert row.kind is NotificationKind.RESULT_OFFICIAL
    assert row.status is NotificationStatus.PENDING
    assert row.payload["athlete"]["last_name"] == "Swift"
    assert row.payload["result"]["mark_display"] == "11.21"
    assert row.payload["result"]["wind_display"] == "-0.5"


def test_subscribers_hear_of_their_athlete_event_or_competition(
    committed_db: Engine, meet: Meet
) -> None:
    by_athlete = _subscribe(committed_db, channel=Channel.EMAIL, email="a@example.com",
                            athlete_id=meet.athlete_ids[1])
    by_event = _subscribe(committed_db, channel=Channel.EMAIL, email="e@example.com",
                          event_id=meet.event_id, include_unofficial=True)
    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url="http://127.0.0.1:9/x",
               webhook_secret=SECRET, competition_id=meet.competition_id)

    unofficial = _make_official(committed_db, meet, official=False)
    official = _make_official(committed_db, meet)

    with Session(committed_db) as session:
        def per(ids):
            rows = session.scalars(select(Notification).where(Notification.id.in_(ids)))
            return sorted((r.subscription_id, r.result_id) for r in rows)

        assert per(unofficial) == [(by_event, meet.result_ids[0]), (by_event, meet.result_ids[1])]
        assert len(official) == 1 + 2 + 2
        assert (by_athlete, meet.result_ids[1]) in per(official)
        assert (by_athlete, meet.result_ids[0]) not in per(official)


def test_subscribe_validates_and_checks_who_asks(committed_db: Engine, meet: Meet) -> None:
    with Session(committed_db) as session, session.begin():
        with pytest.raises(ValidationError, match="exactly one"):
            service.subscribe(session, SYSTEM, channel=Channel.EMAIL, email="x@example.com",
                              athlete_id=meet.athlete_ids[0], event_id=meet.event_id)
        with pytest.raises(ValidationError, match="not an e-mail address"):
            service.subscribe(session, SYSTEM, channel=Channel.EMAIL, email="not-an-address",
                              athlete_id=meet.athlete_ids[0])
        with pytest.raises(ValidationError, match="at least 16"):
            service.subscribe(session, SYSTEM, channel=Channel.WEBHOOK,
                              webhook_url="https://example.com/h", webhook_secret="short",
                              athlete_id=meet.athlete_ids[0])
        with pytest.raises(ValidationError, match="does not exist"):
            service.subscribe(session, SYSTEM, channel=Channel.EMAIL, email="x@example.com",
                              athlete_id=999_999)
        parent = Actor(user_id=None, username="parent", roles=frozenset({"Viewer"}))
        with pytest.raises(AuthorizationError):
            service.subscribe(session, parent, channel=Channel.WEBHOOK,
                              webhook_url="https://example.com/h", webhook_secret=SECRET,
                              athlete_id=meet.athlete_ids[0])


# -- e-mail ------------------------------------------------------------------------------------

def test_email_is_delivered_once_even_when_delivery_runs_twice(
    committed_db: Engine, meet: Meet, notify_settings: Settings, smtp_server
) -> None:
    _, sink = smtp_server
    _subscribe(committed_db, channel=Channel.EMAIL, email="coach@example.com",
               athlete_id=meet.athlete_ids[0])
    (nid,) = _make_official(committed_db, meet)
    factory = make_session_factory(committed_db)

    assert service.deliver_notification(factory, notify_settings, nid) is NotificationStatus.SENT
    assert service.deliver_notification(factory, notify_settings, nid) is None

    assert len(sink.messages) == 1
    sender, recipients, content = sink.messages[0]
    assert recipients == ["coach@example.com"]
    assert "Dina Swift" in content and "11.21" in content and "official" in content
    row = _outbox(committed_db, nid)
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 1)
    assert row.sent_at is not None


def test_smtp_550_is_a_permanent_failure(
    committed_db: Engine, meet: Meet, notify_settings: Settings, smtp_server
) -> None:
    _subscribe(committed_db, channel=Channel.EMAIL, email=REJECTED, athlete_id=meet.athlete_ids[0])
    (nid,) = _make_official(committed_db, meet)
    factory = make_session_factory(committed_db)

    assert service.deliver_notification(factory, notify_settings, nid) is NotificationStatus.FAILED
    row = _outbox(committed_db, nid)
    assert row.attempts == 1 and "550" in (row.last_error or "")
    with Session(committed_db) as session:
        failed = session.scalars(select(Notification.id).where(
            Notification.status == NotificationStatus.FAILED)).all()
        assert failed == [nid]
    _due_now(committed_db, nid)
    assert service.deliver_notification(factory, notify_settings, nid) is None
    assert smtp_server[1].messages == []


def test_smtp_451_and_an_unreachable_server_are_retried_later(
    committed_db: Engine, meet: Meet, notify_settings: Settings
) -> None:
    _subscribe(committed_db, channel=Channel.EMAIL, email=DEFERRED, athlete_id=meet.athlete_ids[0])
    _subscribe(committed_db, channel=Channel.EMAIL, email="ok@example.com",
               athlete_id=meet.athlete_ids[0])
    deferred, unreachable = _make_official(committed_db, meet)
    factory = make_session_factory(committed_db)
    down = replace(notify_settings, smtp_port=free_port(), smtp_timeout=1.0)

    before = datetime.now(UTC)
    assert service.deliver_notification(factory, notify_settings, deferred,
                                        rng=random.Random(1)) is NotificationStatus.PENDING
    assert service.deliver_notification(factory, down, unreachable,
                                        rng=random.Random(1)) is NotificationStatus.PENDING
    for nid, text_ in ((deferred, "451"), (unreachable, "ConnectionRefusedError")):
        row = _outbox(committed_db, nid)
        assert text_ in (row.last_error or "")
        # first retry after 15-30 s (base 30 s, with jitter)
        assert 14 <= (row.next_attempt_at - before).total_seconds() <= 31
    # not due yet: delivery does nothing
    assert service.deliver_notification(factory, notify_settings, deferred) is None


# -- webhooks -----------------------------------------------------------------------------------

def test_webhook_is_signed_and_the_receiver_can_verify_it(
    committed_db: Engine, meet: Meet, notify_settings: Settings, webhook_receiver
) -> None:
    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/hook"),
               webhook_secret=SECRET, athlete_id=meet.athlete_ids[0])
    (nid,) = _make_official(committed_db, meet)
    factory = make_session_factory(committed_db)

    assert service.deliver_notification(factory, notify_settings, nid) is NotificationStatus.SENT

    (request,) = webhook_receiver.requests
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-AthSys-Delivery"] == str(nid)
    timestamp = headers["X-AthSys-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    assert verify_signature(SECRET, timestamp, request["body"],
                                     headers["X-AthSys-Signature"])
    assert not verify_signature("another-secret-of-enough-length", timestamp,
                                         request["body"], headers["X-AthSys-Signature"])
    assert not verify_signature(SECRET, timestamp, request["body"] + b" ",
                                         headers["X-AthSys-Signature"])
    body = json.loads(request["body"])
    assert body["kind"] == "result.official"
    assert body["result"]["id"] == meet.result_ids[0]


def test_webhook_500_and_timeout_are_retried_then_delivered(
    committed_db: Engine, meet: Meet, notify_settings: Settings, webhook_receiver
) -> None:
    webhook_receiver.statuses["/flaky"] = [500, 200]
    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/flaky"),
               webhook_secret=SECRET, athlete_id=meet.athlete_ids[0])
    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/slow"),
               webhook_secret=SECRET, athlete_id=meet.athlete_ids[0])
    flaky, slow = _make_official(committed_db, meet)
    factory = make_session_factory(committed_db)

    deliver = service.deliver_notification
    assert deliver(factory, notify_settings, flaky) is NotificationStatus.PENDING
    assert "HTTP 500" in (_outbox(committed_db, flaky).last_error or "")
    assert deliver(factory, notify_settings, slow) is NotificationStatus.PENDING
    assert "did not answer within 0.5 s" in (_outbox(committed_db, slow).last_error or "")

    _due_now(committed_db, flaky)
    assert service.deliver_notification(factory, notify_settings, flaky) is NotificationStatus.SENT
    row = _outbox(committed_db, flaky)
    assert (row.status, row.attempts) == (NotificationStatus.SENT, 2)


def test_webhook_4xx_is_permanent_and_retries_end(
    committed_db: Engine, meet: Meet, notify_settings: Settings, webhook_receiver
) -> None:
    webhook_receiver.statuses["/gone"] = [410]
    webhook_receiver.statuses["/down"] = [503]
    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/gone"),
               webhook_secret=SECRET, athlete_id=meet.athlete_ids[0])
    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/down"),
               webhook_secret=SECRET, athlete_id=meet.athlete_ids[0])
    gone, down = _make_official(committed_db, meet)
    factory = make_session_factory(committed_db)

    assert service.deliver_notification(factory, notify_settings, gone) is NotificationStatus.FAILED
    assert "HTTP 410" in (_outbox(committed_db, gone).last_error or "")

    statuses = []
    for _ in range(notify_settings.notification_max_attempts):
        _due_now(committed_db, down)
        statuses.append(service.deliver_notification(factory, notify_settings, down))
    assert statuses == [NotificationStatus.PENDING, NotificationStatus.PENDING,
                        NotificationStatus.FAILED]
    row = _outbox(committed_db, down)
    assert row.last_error.startswith(
        "gave up after 3 attempts: webhook 127.0.0.1 answered HTTP 503"
    )
    assert len([r for r in webhook_receiver.requests if r["path"] == "/down"]) == 3


def test_a_claim_never_recorded_is_failed_not_resent(
    committed_db: Engine, meet: Meet
) -> None:
    _subscribe(committed_db, channel=Channel.EMAIL, email="x@example.com",
               athlete_id=meet.athlete_ids[0])
    (nid,) = _make_official(committed_db, meet)
    with Session(committed_db) as session, session.begin():
        assert service.claim(session, nid) is not None
        assert service.claim(session, nid) is None
    with Session(committed_db) as session, session.begin():
        assert service.fail_stale_sending(session) == 0
        session.execute(update(Notification).where(Notification.id == nid).values(
            claimed_at=datetime(2000, 1, 1, tzinfo=UTC)))
        assert service.fail_stale_sending(session) == 1
    row = _outbox(committed_db, nid)
    assert row.status is NotificationStatus.FAILED and "outcome unknown" in row.last_error


# -- through a real worker ---------------------------------------------------------------------

def test_the_deliver_task_sends_once_when_it_runs_twice(
    committed_db: Engine, meet: Meet, celery_worker, webhook_receiver
) -> None:
    from tasks.app import celery_app

    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/w"),
               webhook_secret=SECRET, athlete_id=meet.athlete_ids[0])
    (nid,) = _make_official(committed_db, meet)
    queue = TASK_QUEUES[TaskName.NOTIFICATIONS_DELIVER]
    first = celery_app.send_task(TaskName.NOTIFICATIONS_DELIVER,
                                 kwargs={"notification_id": nid}, queue=queue)
    second = celery_app.send_task(TaskName.NOTIFICATIONS_DELIVER,
                                  kwargs={"notification_id": nid}, queue=queue)
    outcomes = sorted([first.get(timeout=30), second.get(timeout=30)], key=str)
    assert outcomes == [None, "sent"]
    assert [r["path"] for r in webhook_receiver.requests] == ["/w"]
    assert _outbox(committed_db, nid).status is NotificationStatus.SENT


def test_dispatch_task_enqueues_due_notifications(
    committed_db: Engine, meet: Meet, celery_worker, webhook_receiver
) -> None:
    from tasks.app import celery_app

    _subscribe(committed_db, channel=Channel.WEBHOOK, webhook_url=webhook_receiver.url("/d"),
               webhook_secret=SECRET, event_id=meet.event_id)
    created = _make_official(committed_db, meet)
    assert len(created) == 2
    result = celery_app.send_task(TaskName.NOTIFICATIONS_DISPATCH_PENDING,
                                  queue=TASK_QUEUES[TaskName.NOTIFICATIONS_DISPATCH_PENDING])
    assert result.get(timeout=30) >= 2
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if all(_outbox(committed_db, n).status is NotificationStatus.SENT for n in created):
            break
        time.sleep(0.2)
    assert [_outbox(committed_db, n).status for n in created] == [NotificationStatus.SENT] * 2
    assert len(webhook_receiver.requests) == 2


def test_a_relay_result_names_the_team_and_reaches_its_runners_subscribers(
    committed_db: Engine, meet: Meet
) -> None:
    from athsys.athletes.models import Athlete, Club
    from athsys.competitions.models import Competition, Event, Heat, Round, RoundKind
    from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs
    from athsys.notifications.delivery import render_email
    from athsys.results.models import Result
    from athsys.sport.disciplines import EventKind
    from athsys.sport.sex import Sex

    with Session(committed_db) as session, session.begin():
        competition = session.get_one(Competition, meet.competition_id)
        club = session.scalars(select(Club).where(Club.code == "STR")).one()
        relay = Event(competition=competition, discipline_code="4x100m", name="Women 4x100 m",
                      sex=Sex.FEMALE, kind=EventKind.TRACK)
        heat = Heat(round=Round(event=relay, kind=RoundKind.FINAL), number=1)
        runners = [Athlete(first_name=f"Leg{n}", last_name="Striders", sex=Sex.FEMALE, club=club)
                   for n in range(1, 6)]
        session.add_all([relay, heat, *runners])
        session.flush()
        team = create_relay_team(session, SYSTEM, relay, club, bib="R1")
        declare_legs(session, SYSTEM, team, [LegDeclaration(a.id, n if n <= 4 else None)
                                             for n, a in enumerate(runners, start=1)])
        session.add(Result(heat_id=heat.id, entry_id=team.id, mark=44_870, place=1))
        relay_meet = Meet(meet.competition_id, relay.id, heat.id, (), ())
        leg_two, reserve = runners[1].id, runners[4].id
    by_runner = _subscribe(committed_db, channel=Channel.EMAIL, email="r@example.com",
                           athlete_id=leg_two)
    _subscribe(committed_db, channel=Channel.EMAIL, email="x@example.com", athlete_id=reserve)
    by_event = _subscribe(committed_db, channel=Channel.EMAIL, email="e@example.com",
                          event_id=relay_meet.event_id)

    created = _make_official(committed_db, relay_meet)
    with Session(committed_db) as session:
        rows = session.scalars(select(Notification).where(Notification.id.in_(created))).all()
    assert sorted(r.subscription_id for r in rows) == [by_runner, by_event]  # not the reserve
    payload = rows[0].payload
    assert payload["athlete"] is None
    assert (payload["team"]["name"], payload["team"]["club"]) == ("Striders A", "Striders")
    assert [leg["name"] for leg in payload["team"]["legs"]] == [
        "Leg1 Striders", "Leg2 Striders", "Leg3 Striders", "Leg4 Striders"]
    _subscribe(committed_db, channel=Channel.EMAIL, email="fan@example.com",
               athlete_id=meet.athlete_ids[0])
    (individual,) = _make_official(committed_db, meet)
    # the documented payload: every field of a team's and an athlete's result, and no other
    assert _paths(payload) | _paths(_outbox(committed_db, individual).payload) == \
        _documented_fields()
    subject, body = render_email(payload)
    assert subject == "Striders A: Women 4x100 m 44.87 (official)"
    assert "Striders A (Striders): place 1, 44.87" in body
    assert "Legs: 1. Leg1 Striders, 2. Leg2 Striders, 3. Leg3 Striders, 4. Leg4 Striders" in body
