"""Schemas of competitions, events, rounds, races (heats) and registrations (entries).

Load schemas refuse unknown fields. Date-times without an offset are local times of the
competition (its ``time_zone``); responses carry the offset.
"""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from athsys.competitions.lane_draw import MAX_LANES, MIN_LANES
from athsys.competitions.models import CompetitionStatus, EntryStatus, HeatStatus, RoundKind
from athsys.errors import ValidationError as SchemeError
from athsys.inputs import StrictSchema
from athsys.sport.age_categories import WORLD_ATHLETICS, category_tables
from athsys.sport.disciplines import DISCIPLINES
from athsys.sport.fields import MarkField, WindField
from athsys.sport.sex import Sex
from athsys.sport.team_schemes import parse_team_scheme

_TIME_ZONE_HELP = "an IANA time zone such as Europe/Paris"
_INDOOR_HELP = "held indoors: its marks are published with i (8.41i)"
_ALTITUDE_HELP = "the venue's altitude in metres; from 1000 m marks are published with A"
_CHAMPIONSHIP_HELP = "the championship it is an edition of: its records are CR"
_ALTITUDE = validate.Range(min=-500, max=5000)
_AGE_TABLES = validate.OneOf(category_tables())
_AGE_TABLES_HELP = ("the table its athletes' age categories come from: wa (World Athletics "
                    "and WMA, the default) or uka (UK Athletics Rule 107: U11...U17, V35...)")
_TEAM_SCHEME_HELP = ("how clubs score: {\"preset\": \"dual\"|\"league\"|\"championship\"|"
                     "\"cross-country\"} or {\"scoring\": \"points\", \"points\": [6, 4, 2], "
                     "\"scorers\": 2}, with \"relays\": true|false; null: no team scores")


class TeamSchemeField(fields.Field):
    """A team score scheme, checked whole and stored in its full form (a preset spelled out),
    so what is stored is what is applied."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        try:
            return parse_team_scheme(value).as_json()
        except SchemeError as exc:
            raise ValidationError(str(exc)) from exc


WAIVER_HELP = ("why the athlete is entered although the seed mark misses the event's entry "
           "standard (registrars only; kept and audited)")
_STANDARD_HELP = ("the mark an entry's seed mark must equal or better, in the discipline's "
                  "notation (10.90, 7.80) or its unit (ms, mm)")


def _check_time_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone: use {_TIME_ZONE_HELP}.") from None


class _CompetitionFields(StrictSchema):
    @validates("time_zone")
    def _time_zone(self, value: str, **_: Any) -> None:
        _check_time_zone(value)

    @validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            raise ValidationError("Must not be before start_date.", field_name="end_date")


class CompetitionCreateSchema(_CompetitionFields):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    venue = fields.String(required=True, validate=validate.Length(min=1, max=160))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    time_zone = fields.String(load_default="UTC", metadata={"description": _TIME_ZONE_HELP})
    status = fields.Enum(CompetitionStatus, by_value=True, load_default=CompetitionStatus.DRAFT)
    allow_self_registration = fields.Boolean(load_default=False)
    indoor = fields.Boolean(load_default=False, metadata={"description": _INDOOR_HELP})
    altitude_m = fields.Integer(load_default=None, allow_none=True, strict=True,
                                validate=_ALTITUDE, metadata={"description": _ALTITUDE_HELP})
    championship = fields.String(load_default=None, allow_none=True,
                                 validate=validate.Length(min=1, max=120),
                                 metadata={"description": _CHAMPIONSHIP_HELP})
    team_scheme = TeamSchemeField(load_default=None, allow_none=True,
                                  metadata={"description": _TEAM_SCHEME_HELP})
    age_categories = fields.String(load_default=WORLD_ATHLETICS, validate=_AGE_TABLES,
                                   metadata={"description": _AGE_TABLES_HELP})


class CompetitionUpdateSchema(_CompetitionFields):
    name = fields.String(validate=validate.Length(min=1, max=160))
    venue = fields.String(validate=validate.Length(min=1, max=160))
    start_date = fields.Date()
    end_date = fields.Date()
    time_zone = fields.String(metadata={"description": _TIME_ZONE_HELP})
    status = fields.Enum(CompetitionStatus, by_value=True)
    allow_self_registration = fields.Boolean()
    indoor = fields.Boolean(metadata={"description": _INDOOR_HELP})
    altitude_m = fields.Integer(allow_none=True, strict=True, validate=_ALTITUDE,
                                metadata={"description": _ALTITUDE_HELP})
    championship = fields.String(allow_none=True, validate=validate.Length(min=1, max=120),
                                 metadata={"description": _CHAMPIONSHIP_HELP})
    team_scheme = TeamSchemeField(allow_none=True, metadata={"description": _TEAM_SCHEME_HELP})
    age_categories = fields.String(validate=_AGE_TABLES,
                                   metadata={"description": _AGE_TABLES_HELP})


class CompetitionResponseSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    venue = fields.String()
    start_date = fields.Date()
    end_date = fields.Date()
    time_zone = fields.String()
    status = fields.Enum(CompetitionStatus, by_value=True)
    allow_self_registration = fields.Boolean()
    indoor = fields.Boolean()
    altitude_m = fields.Integer(allow_none=True)
    championship = fields.String(allow_none=True)
    team_scheme = fields.Dict(allow_none=True)
    age_categories = fields.String()


_DISCIPLINE = validate.OneOf(list(DISCIPLINES))


_TRACK_LANES = validate.Range(min=MIN_LANES, max=MAX_LANES)


class EventCreateSchema(StrictSchema):
    competition_id = fields.Integer(required=True, strict=True)
    discipline_code = fields.String(required=True, validate=_DISCIPLINE)
    name = fields.String(load_default="", validate=validate.Length(max=120),
                         metadata={"description": "blank: the discipline's name"})
    sex = fields.Enum(Sex, by_value=True, required=True)
    age_category = fields.String(load_default="SEN", validate=validate.Length(min=1, max=12))
    lanes = fields.Integer(load_default=8, strict=True, validate=_TRACK_LANES)
    entry_standard = MarkField(load_default=None, allow_none=True,
                               metadata={"description": _STANDARD_HELP})


class EventUpdateSchema(StrictSchema):
    discipline_code = fields.String(validate=_DISCIPLINE)
    name = fields.String(validate=validate.Length(max=120))
    sex = fields.Enum(Sex, by_value=True)
    age_category = fields.String(validate=validate.Length(min=1, max=12))
    lanes = fields.Integer(strict=True, validate=_TRACK_LANES)
    entry_standard = MarkField(allow_none=True, metadata={"description": _STANDARD_HELP})


class EventResponseSchema(Schema):
    id = fields.Integer()
    competition_id = fields.Integer()
    discipline_code = fields.String()
    name = fields.String()
    sex = fields.Enum(Sex, by_value=True)
    age_category = fields.String()
    kind = fields.Function(lambda event: event.kind.value)
    lanes = fields.Integer()
    entry_standard = fields.Integer(allow_none=True)


class RoundCreateSchema(StrictSchema):
    event_id = fields.Integer(required=True, strict=True)
    kind = fields.Enum(RoundKind, by_value=True, required=True)
    ordinal = fields.Integer(load_default=None, strict=True, validate=validate.Range(min=1),
                             metadata={"description": "default: after the event's last round"})
    advance_by_place = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    advance_by_time = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0))
    ties_both_advance = fields.Boolean(load_default=True)
    scheduled_start = fields.DateTime(load_default=None, allow_none=True)


class RoundUpdateSchema(StrictSchema):
    kind = fields.Enum(RoundKind, by_value=True)
    ordinal = fields.Integer(strict=True, validate=validate.Range(min=1))
    advance_by_place = fields.Integer(strict=True, validate=validate.Range(min=0))
    advance_by_time = fields.Integer(strict=True, validate=validate.Range(min=0))
    ties_both_advance = fields.Boolean()
    scheduled_start = fields.DateTime(allow_none=True)


class RoundResponseSchema(Schema):
    id = fields.Integer()
    event_id = fields.Integer()
    kind = fields.Enum(RoundKind, by_value=True)
    ordinal = fields.Integer()
    advance_by_place = fields.Integer()
    advance_by_time = fields.Integer()
    ties_both_advance = fields.Boolean()
    scheduled_start = fields.DateTime(allow_none=True)


class RaceCreateSchema(StrictSchema):
    """A race is a heat of a round.

    With ``round_id`` the race is the next heat of that round. Without it the race stands
    alone: it is filed under a competition named after the race on the race's date (found,
    or created in the UTC time zone at venue "TBA"), in an event of ``discipline_code``
    (default 10K road) for ``sex`` (default M), in that event's final; creating one that
    way needs the right to create competitions.
    """

    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    date = fields.DateTime(required=True, metadata={
        "description": "scheduled start; without an offset, local time of the competition"})
    round_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    number = fields.Integer(load_default=None, allow_none=True, strict=True,
                            validate=validate.Range(min=1),
                            metadata={"description": "heat number; default: the next one"})
    discipline_code = fields.String(load_default=None, validate=_DISCIPLINE,
                                    metadata={"description": "only without round_id"})
    sex = fields.Enum(Sex, by_value=True, load_default=None,
                      metadata={"description": "only without round_id"})
    wind = WindField(load_default=None, allow_none=True)
    hand_timed = fields.Boolean(load_default=False, metadata={
        "description": "timed by hand: times typed in it are hand times unless said otherwise"})

    @validates_schema
    def _standalone_only(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("round_id") is not None:
            for name in ("discipline_code", "sex"):
                if data.get(name) is not None:
                    raise ValidationError("Only for a race without round_id.", field_name=name)


class RaceUpdateSchema(StrictSchema):
    """What an edit may change; never ``status`` or ``gun_time`` (unknown fields, so 400).

    A heat starts, finishes and becomes official through the officiating services, and its
    gun is set or shifted through ``POST /api/timing/heats/<id>/gun``.
    """

    name = fields.String(validate=validate.Length(min=1, max=120))
    date = fields.DateTime()
    number = fields.Integer(strict=True, validate=validate.Range(min=1))
    wind = WindField(allow_none=True)
    hand_timed = fields.Boolean(metadata={"description": "timed by hand"})


class RaceResponseSchema(Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)
    date = fields.DateTime(attribute="scheduled_start", allow_none=True)
    number = fields.Integer()
    status = fields.Enum(HeatStatus, by_value=True)
    round_id = fields.Integer()
    event_id = fields.Function(lambda heat: heat.round.event_id)
    competition_id = fields.Function(lambda heat: heat.round.event.competition_id)
    wind = fields.Integer(allow_none=True, metadata={"description": "tenths of m/s"})
    gun_time = fields.DateTime(allow_none=True)
    hand_timed = fields.Boolean(metadata={"description": "timed by hand"})


class RegistrationCreateSchema(StrictSchema):
    event_id = fields.Integer(required=True, strict=True)
    athlete_id = fields.Integer(required=True, strict=True)
    bib = fields.String(required=True, validate=validate.Length(min=1, max=12))
    seed_mark = MarkField(load_default=None, allow_none=True, metadata={
        "description": "ms / mm / points, or text in the event's notation"})
    status = fields.Enum(EntryStatus, by_value=True, load_default=EntryStatus.ENTERED)
    eligibility_override = fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={
            "description": "why the athlete is entered although the event's sex or age "
                           "category excludes them (registrars only; kept and audited)"})
    standard_waiver = fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"description": WAIVER_HELP})


class RegistrationUpdateSchema(StrictSchema):
    bib = fields.String(validate=validate.Length(min=1, max=12))
    seed_mark = MarkField(allow_none=True)
    status = fields.Enum(EntryStatus, by_value=True)
    eligibility_override = fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={
            "description": "why the athlete is entered although the event's sex or age "
                           "category excludes them (registrars only; kept and audited)"})
    standard_waiver = fields.String(
        allow_none=True, validate=validate.Length(max=200), metadata={"description": WAIVER_HELP})


class RegistrationResponseSchema(Schema):
    id = fields.Integer()
    competition_id = fields.Integer()
    event_id = fields.Integer()
    athlete_id = fields.Integer(allow_none=True, metadata={"description": "none for a relay team"})
    club_id = fields.Integer(allow_none=True, metadata={"description": "a relay team's club"})
    team_name = fields.String(allow_none=True, metadata={"description": "a relay team's name"})
    bib = fields.String()
    seed_mark = fields.Integer(allow_none=True)
    status = fields.Enum(EntryStatus, by_value=True)
    eligibility_override = fields.String(allow_none=True)
    standard_waiver = fields.String(allow_none=True)


# -- relay teams ------------------------------------------------------------------------------
class RelayTeamCreateSchema(StrictSchema):
    event_id = fields.Integer(required=True, strict=True)
    club_id = fields.Integer(required=True, strict=True)
    bib = fields.String(required=True, validate=validate.Length(min=1, max=12))
    team_name = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=80), metadata={
                                  "description": "blank: the club's next letter (Tigers AC A)"})
    seed_mark = MarkField(load_default=None, allow_none=True, metadata={
        "description": "ms, or the time as written (3:01.25)"})
    standard_waiver = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200), metadata={
            "description": "why the team is entered although its seed mark misses the event's "
                           "entry standard (registrars only; kept and audited)"})


class RelayLegDeclarationSchema(StrictSchema):
    athlete_id = fields.Integer(required=True, strict=True)
    leg = fields.Integer(load_default=None, allow_none=True, strict=True,
                         validate=validate.Range(min=1, max=10),
                         metadata={"description": "1 runs first; none for a reserve"})


class RelayLegsSchema(StrictSchema):
    legs = fields.List(fields.Nested(RelayLegDeclarationSchema), required=True,
                       validate=validate.Length(max=14), metadata={
                           "description": "every runner of the team (replaces the previous "
                                          "declaration): one per leg, plus reserves"})


class RelayLegResponseSchema(Schema):
    leg = fields.Integer(allow_none=True)
    athlete_id = fields.Integer()
    name = fields.Function(lambda leg: leg.athlete.full_name)


class RelayTeamResponseSchema(Schema):
    id = fields.Integer()
    competition_id = fields.Integer()
    event_id = fields.Integer()
    club_id = fields.Integer()
    club = fields.Function(lambda entry: entry.club.name if entry.club else None)
    team_name = fields.String()
    bib = fields.String()
    seed_mark = fields.Integer(allow_none=True)
    status = fields.Enum(EntryStatus, by_value=True)
    standard_waiver = fields.String(allow_none=True)
    legs = fields.List(fields.Nested(RelayLegResponseSchema))
