"""Self-service subscriptions and the in-app notification list: API, pages, and end to end
through a real worker (mark a heat official -> outbox -> worker -> the subscriber's list)."""

import time
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.audit.models import AuditLog
from athsys.competitions.models import Heat, HeatStatus
from athsys.config import Settings, replace
from athsys.db import make_session_factory
from athsys.notifications import service
from athsys.notifications.models import (
    Channel,
    Notification,
    NotificationKind,
    NotificationStatus,
    Subscription,
)
from athsys.officiating.service import mark_heats_official
from tests.integration.admin.admin_support import csrf_token
from tests.integration.api.helpers import DEFAULT_PASSWORD, TestDataFactory, bearer
from webui.security.sync import sync_roles

from .conftest import Meet, build_meet, free_port

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def inbox_app(app: Flask) -> Flask:
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    TestDataFactory.bind(app)
    return app


@pytest.fixture()
def meet(committed_db: Engine, inbox_app: Flask) -> Meet:
    return build_meet(committed_db)


@pytest.fixture()
def api(inbox_app: Flask, redis_client):
    return inbox_app.test_client()


def _user(role: str = "Viewer") -> dict:
    user = TestDataFactory.create_user(role=role)
    user["headers"] = bearer(TestDataFactory.tokens(user["id"])["access"])
    return user


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model))


def _subscriptions_of(engine: Engine, user_id: int) -> list[Subscription]:
    with Session(engine) as session:
        return list(session.scalars(select(Subscription).where(Subscription.user_id == user_id)
                                    .order_by(Subscription.id)))


def _sent_in_app(engine: Engine, meet: Meet, user_id: int, *, read: bool = False) -> int:
    """A delivered in-app notification of ``user_id`` (as the worker leaves it)."""
    with Session(engine) as session, session.begin():
        sub = Subscription(channel=Channel.IN_APP, user_id=user_id, event_id=meet.event_id)
        session.add(sub)
        session.flush()
        now = datetime.now(UTC)
        notification = Notification(
            subscription_id=sub.id, kind=NotificationKind.RESULT_OFFICIAL,
            dedup_key=f"test:{sub.id}", result_id=meet.result_ids[0],
            payload={"kind": "result.official", "athlete": {"first_name": "Dina",
                     "last_name": "Swift"}, "event": {"name": "Women 100 m"},
                     "result": {"mark_display": "11.21", "place": 1}},
            status=NotificationStatus.SENT, sent_at=now, read_at=now if read else None)
        session.add(notification)
        session.flush()
        return notification.id


# -- subscribing through the API -----------------------------------------------------------------

def test_a_viewer_subscribes_themselves_in_app_by_default(api, committed_db, meet):
    viewer, other = _user(), _user("Athlete")
    response = api.post("/api/subscriptions", headers=viewer["headers"],
                        json={"athlete_id": meet.athlete_ids[0]})
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["data"]
    assert (data["channel"], data["user_id"], data["athlete_id"]) == (
        "in_app", viewer["id"], meet.athlete_ids[0])
    assert "webhook_secret" not in data
    by_mail = api.post("/api/subscriptions", headers=other["headers"],
                       json={"event_id": meet.event_id, "channel": "email"})
    assert by_mail.status_code == 201, by_mail.get_json()
    assert by_mail.get_json()["data"]["email"] is None  # to the account's own address

    listed = api.get("/api/subscriptions", headers=viewer["headers"]).get_json()
    assert [s["id"] for s in listed["data"]] == [data["id"]]
    assert listed["pagination"]["total"] == 1
    again = api.post("/api/subscriptions", headers=viewer["headers"],
                     json={"athlete_id": meet.athlete_ids[0]})
    assert again.status_code == 409
    assert again.get_json()["error"]["details"]["subscription_id"] == data["id"]
    with Session(committed_db) as session:
        audit = session.scalars(select(AuditLog).where(AuditLog.entity == "subscription")).all()
        assert {row.action for row in audit} == {"create"} and len(audit) == 2


def test_a_viewer_may_not_send_notifications_off_the_platform(api, committed_db, meet):
    viewer = _user()
    for body in (
        {"athlete_id": meet.athlete_ids[0], "channel": "webhook",
         "webhook_url": "https://example.org/hook", "webhook_secret": "s" * 32},
        {"athlete_id": meet.athlete_ids[0], "channel": "email", "email": "fan@example.org"},
    ):
        response = api.post("/api/subscriptions", headers=viewer["headers"], json=body)
        assert response.status_code == 403, (body, response.get_json())
    assert _count(committed_db, Subscription) == 0
    chief = _user("Chief Registrar")
    hook = api.post("/api/subscriptions", headers=chief["headers"], json={
        "event_id": meet.event_id, "channel": "webhook",
        "webhook_url": "https://example.org/hook", "webhook_secret": "s" * 32})
    assert hook.status_code == 201, hook.get_json()
    with Session(committed_db) as session:
        audited = session.scalars(select(AuditLog).where(AuditLog.entity == "subscription")).one()
        assert "s" * 32 not in str(audited.changes)


def test_only_chief_registrar_and_admin_list_everyones(api, committed_db, meet):
    viewer, chief = _user(), _user("Chief Registrar")
    for user in (viewer, chief):
        assert api.post("/api/subscriptions", headers=user["headers"],
                        json={"competition_id": meet.competition_id}).status_code == 201
    assert api.get("/api/subscriptions?all=true", headers=viewer["headers"]).status_code == 403
    assert api.get(f"/api/subscriptions?user_id={chief['id']}",
                   headers=viewer["headers"]).status_code == 403
    everyone = api.get("/api/subscriptions?all=true", headers=chief["headers"]).get_json()
    assert {s["user_id"] for s in everyone["data"]} == {viewer["id"], chief["id"]}
    one = api.get(f"/api/subscriptions?user_id={viewer['id']}", headers=chief["headers"])
    assert [s["user_id"] for s in one.get_json()["data"]] == [viewer["id"]]


@pytest.mark.parametrize(("body", "field", "status"), [
    ({"athlete_id": 999_999}, "athlete_id", 400),
    ({"event_id": 999_999, "channel": "email"}, "event_id", 400),
    ({"athlete_id": 1, "colour": "red"}, "colour", 400),
    ({}, "subject", 400),
    ({"athlete_id": 1, "event_id": 1}, "subject", 400),
    ({"athlete_id": 1, "channel": "pigeon"}, "channel", 400),
    ({"athlete_id": "one"}, "athlete_id", 400),
    ({"athlete_id": 1, "email": "me@example.org"}, "email", 400),
])
def test_bad_input_is_refused_naming_the_field(api, committed_db, meet, body, field, status):
    viewer = _user()
    response = api.post("/api/subscriptions", headers=viewer["headers"], json=body)
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["details"], response.get_json()
    assert _count(committed_db, Subscription) == 0


def test_list_arguments_are_checked(api, meet):
    viewer = _user()
    response = api.get("/api/notifications?unread=perhaps&colour=red", headers=viewer["headers"])
    assert response.status_code == 400
    assert set(response.get_json()["error"]["details"]) == {"unread", "colour"}


def test_a_user_deletes_only_their_own_subscriptions(api, committed_db, meet):
    owner, other = _user(), _user("Coach")
    created = api.post("/api/subscriptions", headers=owner["headers"],
                       json={"athlete_id": meet.athlete_ids[1]}).get_json()["data"]
    refused = api.delete(f"/api/subscriptions/{created['id']}", headers=other["headers"])
    assert refused.status_code == 404
    assert len(_subscriptions_of(committed_db, owner["id"])) == 1
    assert api.delete("/api/subscriptions/999999", headers=owner["headers"]).status_code == 404
    deleted = api.delete(f"/api/subscriptions/{created['id']}", headers=owner["headers"])
    assert deleted.status_code == 200 and deleted.get_json()["data"]["deleted"] is True
    assert _subscriptions_of(committed_db, owner["id"]) == []


def test_a_browser_session_must_send_its_csrf_token(api, meet):
    viewer = _user()
    token = csrf_token(api, "/login/")
    api.post("/login/", data={"username": viewer["username"], "password": DEFAULT_PASSWORD,
                              "csrf_token": token})
    body = {"athlete_id": meet.athlete_ids[0]}
    assert api.post("/api/subscriptions", json=body).status_code == 403
    assert api.post("/api/subscriptions", json=body,
                    headers={"X-CSRFToken": token}).status_code == 201


def test_anonymous_is_refused(api):
    assert api.get("/api/subscriptions").status_code == 401
    assert api.post("/api/subscriptions", json={"athlete_id": 1}).status_code == 401
    assert api.get("/api/notifications").status_code == 401
    assert api.post("/api/notifications/1/read").status_code == 401


# -- in-app delivery -----------------------------------------------------------------------------

def test_in_app_delivery_marks_sent_and_sends_nothing(committed_db, meet, settings: Settings):
    user = _user()
    with Session(committed_db) as session, session.begin():
        service.subscribe(session, SYSTEM, channel=Channel.IN_APP, user_id=user["id"],
                          athlete_id=meet.athlete_ids[0])
    with Session(committed_db) as session, session.begin():
        (nid,) = service.notify_result_official(session, heat_id=meet.heat_id)
    nowhere = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(),
                      webhook_timeout=0.1)  # any attempt to send would fail
    factory = make_session_factory(committed_db)
    assert service.deliver_notification(factory, nowhere, nid) is NotificationStatus.SENT
    assert service.deliver_notification(factory, nowhere, nid) is None
    with Session(committed_db) as session:
        row = session.get_one(Notification, nid)
        assert (row.status, row.attempts, row.last_error, row.read_at) == (
            NotificationStatus.SENT, 1, None, None)


def test_an_in_app_subscription_needs_an_account(committed_db, meet):
    from athsys.errors import ValidationError

    with Session(committed_db) as session, pytest.raises(ValidationError) as raised:
        service.subscribe(session, SYSTEM, channel=Channel.IN_APP, athlete_id=meet.athlete_ids[0])
    assert raised.value.details == {"user_id": "missing"}


def test_official_heat_reaches_the_subscribers_list_through_the_worker(
    api, committed_db, meet, celery_worker
):
    fan, stranger = _user("Athlete"), _user()
    created = api.post("/api/subscriptions", headers=fan["headers"],
                       json={"athlete_id": meet.athlete_ids[0]})
    assert created.status_code == 201, created.get_json()
    assert api.get("/api/notifications", headers=fan["headers"]).get_json()["data"] == []

    with Session(committed_db) as session, session.begin():
        heat = session.get_one(Heat, meet.heat_id)
        heat.status = HeatStatus.FINISHED
        session.flush()
        mark_heats_official(session, SYSTEM, [heat])

    deadline, listed = time.monotonic() + 30, []
    while time.monotonic() < deadline and not listed:
        listed = api.get("/api/notifications", headers=fan["headers"]).get_json()["data"]
        time.sleep(0.2)
    assert len(listed) == 1, "the worker did not deliver the in-app notification"
    (item,) = listed
    assert item["status"] == "sent" and item["read"] is False
    assert item["payload"]["athlete"]["id"] == meet.athlete_ids[0]
    assert item["payload"]["result"]["mark_display"] == "11.21"
    unread = api.get("/api/notifications?unread=true", headers=fan["headers"]).get_json()
    assert unread["pagination"]["total"] == 1

    # nobody else sees it or marks it
    assert api.get("/api/notifications", headers=stranger["headers"]).get_json()["data"] == []
    assert api.post(f"/api/notifications/{item['id']}/read",
                    headers=stranger["headers"]).status_code == 404

    read = api.post(f"/api/notifications/{item['id']}/read", headers=fan["headers"])
    assert read.status_code == 200 and read.get_json()["data"]["read"] is True
    assert api.get("/api/notifications?unread=true",
                   headers=fan["headers"]).get_json()["data"] == []
    assert api.get("/api/notifications?unread=false",
                   headers=fan["headers"]).get_json()["pagination"]["total"] == 1


def test_notifications_are_paginated_newest_first(api, committed_db, meet):
    user = _user()
    ids = [_sent_in_app(committed_db, meet, user["id"]) for _ in range(3)]
    with Session(committed_db) as session, session.begin():
        for n, nid in enumerate(ids):
            session.execute(update(Notification).where(Notification.id == nid).values(
                created_at=datetime(2026, 4, 4, 12, n, tzinfo=UTC)))
    first = api.get("/api/notifications?per_page=2", headers=user["headers"]).get_json()
    second = api.get("/api/notifications?per_page=2&page=2",
                     headers=user["headers"]).get_json()
    assert [n["id"] for n in first["data"] + second["data"]] == ids[::-1]
    assert first["pagination"] == {"page": 1, "per_page": 2, "total": 3, "pages": 2}


# -- the pages -----------------------------------------------------------------------------------

def _sign_in(app: Flask, user: dict):
    client = app.test_client()
    token = csrf_token(client, "/login/")
    response = client.post("/login/", data={"username": user["username"],
                                            "password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    return client


def _flashes(client) -> list[str]:
    with client.session_transaction() as session:
        return [str(message) for _, message in session.pop("_flashes", [])]


def test_my_subscriptions_page_adds_and_deletes_through_forms(inbox_app, committed_db, meet):
    user, other = _user("Coach"), _user()
    client = _sign_in(inbox_app, user)
    page = client.get("/my/subscriptions/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'value="athlete:{meet.athlete_ids[0]}"' in html and "No subscriptions yet" in html
    token = csrf_token(client, "/my/subscriptions/")

    form = {"subject": f"athlete:{meet.athlete_ids[0]}", "channel": "in_app"}
    refused = client.post("/my/subscriptions/add", data=form)  # no CSRF token
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    assert _subscriptions_of(committed_db, user["id"]) == []

    added = client.post("/my/subscriptions/add", data={**form, "csrf_token": token,
                                                        "include_unofficial": "y"})
    assert added.status_code == 302 and _flashes(client) == ["Subscribed."]
    (sub,) = _subscriptions_of(committed_db, user["id"])
    assert (sub.channel, sub.athlete_id, sub.include_unofficial) == (
        Channel.IN_APP, meet.athlete_ids[0], True)
    listed = client.get("/my/subscriptions/").get_data(as_text=True)
    assert "Athlete: SWIFT Dina, STR" in listed

    client.post("/my/subscriptions/add", data={"subject": "athlete:999999",
                                               "channel": "email", "csrf_token": token})
    assert _flashes(client) == ["athlete_id 999999 does not exist"]
    client.post("/my/subscriptions/add", data={"subject": "nothing", "csrf_token": token})
    assert "choose a competition" in " ".join(_flashes(client))
    assert len(_subscriptions_of(committed_db, user["id"])) == 1

    # someone else's subscription is not theirs to delete, nor shown
    _sent_in_app(committed_db, meet, other["id"])
    (foreign,) = _subscriptions_of(committed_db, other["id"])
    assert "Event: Women 100 m" not in client.get("/my/subscriptions/").get_data(as_text=True)
    client.post(f"/my/subscriptions/delete/{foreign.id}", data={"csrf_token": token})
    assert _flashes(client) == [f"no subscription with id {foreign.id}"]
    assert len(_subscriptions_of(committed_db, other["id"])) == 1

    client.post(f"/my/subscriptions/delete/{sub.id}", data={})
    assert len(_subscriptions_of(committed_db, user["id"])) == 1  # no CSRF: kept
    _flashes(client)
    client.post(f"/my/subscriptions/delete/{sub.id}", data={"csrf_token": token})
    assert _flashes(client) == ["Subscription deleted."]
    assert _subscriptions_of(committed_db, user["id"]) == []


def test_my_notifications_page_highlights_unread_and_marks_all_read(
    inbox_app, committed_db, meet
):
    user, other = _user("Athlete"), _user()
    unread = _sent_in_app(committed_db, meet, user["id"])
    _sent_in_app(committed_db, meet, user["id"], read=True)
    foreign = _sent_in_app(committed_db, meet, other["id"])
    client = _sign_in(inbox_app, user)
    html = client.get("/my/notifications/").get_data(as_text=True)
    assert "(1 unread)" in html and html.count('data-id="') == 2
    assert f'data-id="{foreign}"' not in html
    assert "Dina Swift: Women 100 m 11.21 (official)" in html
    row = html.split(f'data-id="{unread}"')[0].rsplit("<tr", 1)[1]
    assert "unread" in row

    refused = client.post("/my/notifications/mark-all-read", data={})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)
    token = csrf_token(client, "/my/notifications/")
    client.post("/my/notifications/mark-all-read", data={"csrf_token": token})
    assert _flashes(client) == ["1 marked read."]
    assert "(0 unread)" in client.get("/my/notifications/").get_data(as_text=True)
    with Session(committed_db) as session:
        assert session.get_one(Notification, foreign).read_at is None


def test_anonymous_visitors_are_sent_to_the_login(inbox_app):
    client = inbox_app.test_client()
    for url in ("/my/subscriptions/", "/my/notifications/"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_endpoints_are_documented_with_their_roles(inbox_app):
    spec = inbox_app.test_client().get("/apispec.json").get_json()
    paths = spec["paths"]
    for path, method in (("/api/subscriptions", "get"), ("/api/subscriptions", "post"),
                         ("/api/subscriptions/{subscription_id}", "delete"),
                         ("/api/notifications", "get"),
                         ("/api/notifications/{notification_id}/read", "post")):
        operation = paths[path][method]
        assert "Viewer" in operation["description"] and operation["security"], (path, method)
    assert {p["name"] for p in paths["/api/notifications"]["get"]["parameters"]} >= {
        "page", "per_page", "unread"}
    create = paths["/api/subscriptions"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"] == {"$ref": "#/components/schemas/SubscriptionCreate"}
    assert "webhook_secret" not in spec["components"]["schemas"]["SubscriptionResponse"][
        "properties"]
