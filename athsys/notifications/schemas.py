"""Schemas of subscriptions and notifications as the API takes and gives them.

Load schemas refuse unknown fields (a misspelt ``athelete_id`` is an error naming it).
Self-service subscriptions default to the web UI (``in_app``); ``email`` (another address
than the account's) and webhooks are for an Admin or Chief Registrar, which the service
checks. The webhook's secret is write-only.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from athsys.accounts.schemas import StrictSchema
from athsys.notifications.models import Channel, NotificationKind, NotificationStatus

SUBJECTS = ("athlete_id", "event_id", "competition_id")
_ID = validate.Range(min=1)


class SubscriptionCreateSchema(StrictSchema):
    channel = fields.Enum(Channel, by_value=True, load_default=Channel.IN_APP)
    athlete_id = fields.Integer(validate=_ID)
    event_id = fields.Integer(validate=_ID)
    competition_id = fields.Integer(validate=_ID)
    email = fields.String(validate=validate.Length(min=3, max=254))
    webhook_url = fields.String(validate=validate.Length(min=1, max=2048))
    webhook_secret = fields.String(load_only=True, validate=validate.Length(min=1, max=128))
    include_unofficial = fields.Boolean(load_default=False)

    @validates_schema
    def _one_subject(self, data: dict[str, Any], **_: Any) -> None:
        given = [name for name in SUBJECTS if data.get(name) is not None]
        if len(given) != 1:
            message = ("Give exactly one of athlete_id, event_id, competition_id"
                       + (f" (not {', '.join(given)})." if given else "."))
            raise ValidationError(message, field_name="subject")

    @validates_schema
    def _fields_of_the_channel(self, data: dict[str, Any], **_: Any) -> None:
        channel = data.get("channel", Channel.IN_APP)
        allowed = {Channel.EMAIL: {"email"}, Channel.WEBHOOK: {"webhook_url", "webhook_secret"}}
        for name in ("email", "webhook_url", "webhook_secret"):
            if name in data and name not in allowed.get(channel, set()):
                raise ValidationError(f"Not used by the {channel.value} channel.",
                                      field_name=name)


class SubscriptionResponseSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer(allow_none=True)
    channel = fields.Enum(Channel, by_value=True)
    athlete_id = fields.Integer(allow_none=True)
    event_id = fields.Integer(allow_none=True)
    competition_id = fields.Integer(allow_none=True)
    email = fields.String(allow_none=True)
    webhook_url = fields.String(allow_none=True)
    include_unofficial = fields.Boolean()
    active = fields.Boolean()
    created_at = fields.DateTime()


class NotificationResponseSchema(Schema):
    id = fields.Integer()
    subscription_id = fields.Integer()
    kind = fields.Enum(NotificationKind, by_value=True)
    status = fields.Enum(NotificationStatus, by_value=True)
    result_id = fields.Integer(allow_none=True)
    payload = fields.Dict()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    read_at = fields.DateTime(allow_none=True)
    read = fields.Function(lambda n: n.read_at is not None)
