"""Schemas of clubs and athletes (load schemas refuse unknown fields)."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from athsys.inputs import StrictSchema
from athsys.sport.sex import Sex

_COUNTRY = validate.Regexp(r"^[A-Z]{3}$", error="Use the three-letter code (FRA, KEN).")
_NAME = validate.Length(min=1, max=80)


class ClubCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[A-Z0-9]{2,12}$", error="2 to 12 upper-case letters or digits."))
    country = fields.String(load_default=None, allow_none=True, validate=_COUNTRY)


class ClubUpdateSchema(StrictSchema):
    name = fields.String(validate=validate.Length(min=1, max=120))
    code = fields.String(validate=validate.Regexp(
        r"^[A-Z0-9]{2,12}$", error="2 to 12 upper-case letters or digits."))
    country = fields.String(allow_none=True, validate=_COUNTRY)


class ClubResponseSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    code = fields.String()
    country = fields.String(allow_none=True)


class _AthleteFields(StrictSchema):
    @validates("birth_date")
    def _plausible_birth_date(self, value: date | None, **_: Any) -> None:
        if value is not None and not date(1900, 1, 2) <= value <= date.today():
            raise ValidationError("Must be after 1900-01-01 and not in the future.")


class AthleteCreateSchema(_AthleteFields):
    first_name = fields.String(required=True, validate=_NAME)
    last_name = fields.String(required=True, validate=_NAME)
    sex = fields.Enum(Sex, by_value=True, required=True)
    birth_date = fields.Date(load_default=None, allow_none=True)
    club_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    licence = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    nationality = fields.String(load_default=None, allow_none=True, validate=_COUNTRY)


class AthleteUpdateSchema(_AthleteFields):
    first_name = fields.String(validate=_NAME)
    last_name = fields.String(validate=_NAME)
    sex = fields.Enum(Sex, by_value=True)
    birth_date = fields.Date(allow_none=True)
    club_id = fields.Integer(allow_none=True, strict=True)
    licence = fields.String(allow_none=True, validate=validate.Length(max=32))
    nationality = fields.String(allow_none=True, validate=_COUNTRY)


class AthleteResponseSchema(Schema):
    """``birth_date`` and ``licence`` are private: left out unless the caller may see them."""

    id = fields.Integer()
    first_name = fields.String()
    last_name = fields.String()
    sex = fields.Enum(Sex, by_value=True)
    club_id = fields.Integer(allow_none=True)
    nationality = fields.String(allow_none=True)
    birth_date = fields.Date(allow_none=True)
    licence = fields.String(allow_none=True)


PRIVATE_ATHLETE_FIELDS = ("birth_date", "licence")
