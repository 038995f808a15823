"""``/api/subscriptions`` and ``/api/notifications``: a signed-in user's own.

Any signed-in user subscribes themselves to an athlete, an event or a competition (in the web
UI by default, or by e-mail to their account's address), lists and deletes their
subscriptions, and reads their in-app notifications. An Admin or Chief Registrar may also list
(``?all=true``) and delete everyone's, and subscribe webhooks or other addresses (the
service's rules). Another user's subscription or notification is a 404. The role matrix's
"My subscriptions" and "My notifications" guard these endpoints and the pages alike.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import fields

from athsys.notifications import inbox, service
from athsys.notifications.models import Subscription
from athsys.notifications.schemas import (
    NotificationResponseSchema,
    SubscriptionCreateSchema,
    SubscriptionResponseSchema,
)
from webui.api import openapi
from webui.api.envelope import json_body, paginated, success
from webui.api.resources import (
    Filter,
    db,
    list_arguments,
    load,
    require_permission,
    roles_allowed,
    writing,
)
from webui.security import roles

subscriptions = Blueprint("api_subscriptions", __name__, url_prefix="/api/subscriptions")
notifications = Blueprint("api_notifications", __name__, url_prefix="/api/notifications")

_SUBSCRIPTION = SubscriptionResponseSchema()
_NOTIFICATION = NotificationResponseSchema()


def _as_argument(field: fields.Field, description: str) -> Filter:
    """A query argument read by the endpoint itself (not a column filter)."""
    return Filter(field, lambda stmt, _value: stmt, description)


SUBSCRIPTION_ARGUMENTS = {
    "all": _as_argument(fields.Boolean(),
                        "every account's subscriptions (Admin, Chief Registrar)"),
    "user_id": _as_argument(fields.Integer(),
                            "one account's subscriptions (another's: Admin, Chief Registrar)"),
}
NOTIFICATION_ARGUMENTS = {
    "unread": _as_argument(fields.Boolean(), "true: only unread; false: only read"),
}


def _page(query: Any, page: int, per_page: int, schema: Any) -> Response:
    session = db()
    total = inbox.count(session, query)
    rows = session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return paginated([schema.dump(row) for row in rows], page=page, per_page=per_page,
                     total=total)


@subscriptions.get("", strict_slashes=False)
def list_subscriptions() -> Response:
    """The caller's subscriptions (everyone's with ``all=true``: Admin, Chief Registrar)."""
    actor = require_permission(roles.CAN_LIST, roles.MY_SUBSCRIPTIONS)
    page, per_page, args = list_arguments(SUBSCRIPTION_ARGUMENTS)
    query = inbox.subscriptions_query(actor, everyone=bool(args.get("all")),
                                      user_id=args.get("user_id"))
    return _page(query.order_by(Subscription.id), page, per_page, _SUBSCRIPTION)


@subscriptions.post("", strict_slashes=False)
def create_subscription() -> Response:
    """Subscribe the caller to one athlete, event or competition."""
    actor = require_permission(roles.CAN_ADD, roles.MY_SUBSCRIPTIONS)
    body = json_body()
    data = load(SubscriptionCreateSchema(), body)
    with writing(body) as session:
        subscription = service.subscribe(session, actor, user_id=actor.user_id, **data)
        answer = _SUBSCRIPTION.dump(subscription)
    return success(answer, status=201)


@subscriptions.delete("/<int:subscription_id>")
def delete_subscription(subscription_id: int) -> Response:
    """Delete one of the caller's subscriptions (its notifications go with it)."""
    actor = require_permission(roles.CAN_DELETE, roles.MY_SUBSCRIPTIONS)
    with writing(deleting=True) as session:
        service.unsubscribe(session, actor,
                            inbox.own_subscription(session, actor, subscription_id))
    return success({"id": subscription_id, "deleted": True})


@notifications.get("", strict_slashes=False)
def list_notifications() -> Response:
    """The caller's delivered in-app notifications, newest first."""
    actor = require_permission(roles.CAN_LIST, roles.MY_NOTIFICATIONS)
    page, per_page, args = list_arguments(NOTIFICATION_ARGUMENTS)
    return _page(inbox.notifications_query(actor, unread=args.get("unread")), page, per_page,
                 _NOTIFICATION)


@notifications.post("/<int:notification_id>/read")
def read_notification(notification_id: int) -> Response:
    """Mark one of the caller's notifications read."""
    actor = require_permission(roles.CAN_EDIT, roles.MY_NOTIFICATIONS)
    with writing() as session:
        answer = _NOTIFICATION.dump(inbox.mark_read(session, actor, notification_id))
    return success(answer)


def register(app: Any) -> None:
    app.register_blueprint(subscriptions)
    app.register_blueprint(notifications)


_OWN = "Only the caller's own; another user's is answered 404."


def _document() -> None:
    for endpoint, summary, description, request, response, paged, status, query, permission in (
        ("api_subscriptions.list_subscriptions", "List my subscriptions",
         "The caller's subscriptions; `all=true` or another `user_id`: Admin, Chief Registrar.",
         None, _SUBSCRIPTION, True, 200, SUBSCRIPTION_ARGUMENTS,
         (roles.CAN_LIST, roles.MY_SUBSCRIPTIONS)),
        ("api_subscriptions.create_subscription", "Subscribe to an athlete, event or competition",
         "Exactly one of athlete_id, event_id, competition_id. channel: in_app (default, the "
         "web UI's list), email (to the account's address; another `email` or a webhook: "
         "Admin, Chief Registrar).",
         SubscriptionCreateSchema(), _SUBSCRIPTION, False, 201, None,
         (roles.CAN_ADD, roles.MY_SUBSCRIPTIONS)),
        ("api_subscriptions.delete_subscription", "Delete one of my subscriptions",
         _OWN + " Admin and Chief Registrar may delete any.", None, None, False, 200, None,
         (roles.CAN_DELETE, roles.MY_SUBSCRIPTIONS)),
        ("api_notifications.list_notifications", "List my notifications (newest first)",
         "Delivered in-app notifications of the caller's subscriptions; `unread=true` for the "
         "unread ones.", None, _NOTIFICATION, True, 200, NOTIFICATION_ARGUMENTS,
         (roles.CAN_LIST, roles.MY_NOTIFICATIONS)),
        ("api_notifications.read_notification", "Mark one of my notifications read", _OWN,
         None, _NOTIFICATION, False, 200, None, (roles.CAN_EDIT, roles.MY_NOTIFICATIONS)),
    ):
        openapi.describe(endpoint, summary=summary, description=description,
                         tag="notifications", request=request, response=response,
                         paginated=paged, status=status, query=query,
                         roles=roles_allowed(*permission))


_document()
