"""Schemas of accounts: signing in, registering, changing a password, managing users, pages.

Every load schema refuses unknown fields (``unknown = RAISE``, marshmallow's default, kept
explicit): a misspelt field is an error naming it, never silently ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from athsys.accounts.roles import ROLE_NAMES
from athsys.inputs import StrictSchema
from athsys.sport.sex import Sex

MIN_PASSWORD_LENGTH = 8

_USERNAME = validate.And(
    validate.Length(min=3, max=64),
    validate.Regexp(r"^[A-Za-z0-9_.@+-]+$",
                    error="Use letters, digits and _ . @ + - only."),
)
_PASSWORD = validate.Length(min=MIN_PASSWORD_LENGTH, max=128)
_NAME = validate.Length(min=1, max=64)
_ROLE = fields.String(validate=validate.OneOf(ROLE_NAMES))


class LoginSchema(StrictSchema):
    """Sign in with a username or an e-mail address (``username`` may hold either)."""

    username = fields.String(validate=validate.Length(min=1, max=256))
    email = fields.String(validate=validate.Length(min=1, max=256))
    password = fields.String(required=True, load_only=True,
                             validate=validate.Length(min=1, max=128))

    @validates_schema(skip_on_field_errors=False)
    def _one_identifier(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("username") and not data.get("email"):
            raise ValidationError("Give a username or an email.", field_name="username")


class PasswordChangeSchema(StrictSchema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(min=1, max=128))
    new_password = fields.String(required=True, load_only=True, validate=_PASSWORD)

    @validates_schema
    def _different(self, data: dict[str, Any], **_: Any) -> None:
        current = data.get("current_password")
        if current and current == data.get("new_password"):
            raise ValidationError("The new password must differ from the current one.",
                                  field_name="new_password")


class RegisterSchema(StrictSchema):
    """Self-registration of an athlete for a competition that allows it.

    Creates an account with the Athlete role, the athlete it belongs to, and (with
    ``event_id``) an entry in that event with the next free bib.
    """

    username = fields.String(required=True, validate=_USERNAME)
    email = fields.Email(required=True, validate=validate.Length(max=256))
    password = fields.String(required=True, load_only=True, validate=_PASSWORD)
    first_name = fields.String(required=True, validate=_NAME)
    last_name = fields.String(required=True, validate=_NAME)
    sex = fields.Enum(Sex, by_value=True, required=True)
    birth_date = fields.Date(load_default=None)
    nationality = fields.String(load_default=None, validate=validate.Length(equal=3))
    competition_id = fields.Integer(required=True, strict=True)
    event_id = fields.Integer(load_default=None, strict=True)


class UserCreateSchema(StrictSchema):
    username = fields.String(required=True, validate=_USERNAME)
    email = fields.Email(required=True, validate=validate.Length(max=256))
    password = fields.String(required=True, load_only=True, validate=_PASSWORD)
    first_name = fields.String(required=True, validate=_NAME)
    last_name = fields.String(required=True, validate=_NAME)
    roles = fields.List(_ROLE, required=True, validate=validate.Length(min=1))
    active = fields.Boolean(load_default=True)
    club_id = fields.Integer(load_default=None, strict=True,
                             metadata={"description": "the club a Coach manages"})
    athlete_id = fields.Integer(load_default=None, strict=True,
                                metadata={"description": "the athlete an Athlete account is"})


class UserUpdateSchema(StrictSchema):
    """Every field optional; ``password`` sets a new one (an administrator's reset)."""

    email = fields.Email(validate=validate.Length(max=256))
    password = fields.String(load_only=True, validate=_PASSWORD)
    first_name = fields.String(validate=_NAME)
    last_name = fields.String(validate=_NAME)
    roles = fields.List(_ROLE, validate=validate.Length(min=1))
    active = fields.Boolean()
    club_id = fields.Integer(allow_none=True, strict=True)
    athlete_id = fields.Integer(allow_none=True, strict=True)


class ServerLocalDateTime(fields.DateTime):
    """Flask-AppBuilder keeps a user's times as naive local times of the server
    (``datetime.now()``): shown with the server's offset, as every time the API answers."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.astimezone()
        return super()._serialize(value, attr, obj, **kwargs)


class UserResponseSchema(Schema):
    """A user as the API shows it: never the password hash."""

    id = fields.Integer()
    username = fields.String()
    email = fields.String()
    first_name = fields.String()
    last_name = fields.String()
    active = fields.Boolean()
    roles = fields.Method("_role_names")
    club_id = fields.Integer(allow_none=True)
    athlete_id = fields.Integer(allow_none=True)
    last_login = ServerLocalDateTime(allow_none=True)
    created_on = ServerLocalDateTime(allow_none=True)

    def _role_names(self, user: Any) -> list[str]:
        return sorted(role.name for role in user.roles)


class TokenResponseSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "seconds until the access token expires"})
    user = fields.Nested(UserResponseSchema)


class LogoutSchema(StrictSchema):
    refresh_token = fields.String(
        load_default=None,
        metadata={"description": "also revoke this refresh token (recommended)"},
    )


class PaginationSchema(StrictSchema):
    """``page`` (from 1) and ``per_page`` (default and maximum from the settings)."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=None)

    def __init__(self, *, default_per_page: int = 20, max_per_page: int = 100,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.default_per_page = default_per_page
        self.max_per_page = max_per_page

    @validates_schema
    def _per_page_in_range(self, data: dict[str, Any], **_: Any) -> None:
        per_page = data.get("per_page")
        if per_page is not None and not 1 <= per_page <= self.max_per_page:
            raise ValidationError(f"Must be between 1 and {self.max_per_page}.",
                                  field_name="per_page")

    def load_page(self, args: dict[str, Any]) -> tuple[int, int]:
        """``(page, per_page)`` from query arguments; marshmallow errors propagate."""
        data = self.load(args)
        return data["page"], data["per_page"] or self.default_per_page
