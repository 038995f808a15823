"""Schemas of the scoring calculators: ``POST /api/scoring/combined`` and ``.../age-grade``.

A mark in a request is either an integer in the stored unit (ms for times, mm for distances
and heights) or a string in the sport's notation: seconds or metres with up to three
decimals (``"10.55"``, ``"7.80"``), times with minutes and hours (``"4:36.11"``,
``"2:09:44"``). Which one a string means follows from the event. JSON numbers with a
fraction are refused: ``10.55`` as a float is not exactly 10.55.
For combined events ``null``, ``""``, ``"DNS"``, ``"DNF"``, ``"NM"`` and ``"DQ"`` mean no mark
(0 points).
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate

from athsys.errors import ValidationError as AthsysValidationError
from athsys.inputs import StrictSchema
from athsys.sport.age_grading import (
    DEFAULT_EDITION,
    ROAD_EDITIONS,
    Measure,
    age_grade_events,
)
from athsys.sport.combined import get_competition

_NO_MARK = frozenset({"", "DNS", "DNF", "NM", "DQ"})
_DECIMAL = re.compile(r"([0-9]+)(?:\.([0-9]{1,3}))?")
_SEXAGESIMAL = re.compile(r"[0-9]{2}")


def _thousandths(whole: str, fraction: str | None) -> int:
    return int(whole) * 1000 + int((fraction or "").ljust(3, "0"))


def _time_ms(text: str) -> int:
    """``"10.55"``, ``"4:36.11"``, ``"2:09:44.3"`` -> milliseconds."""
    *larger, seconds_text = text.split(":")
    seconds = _DECIMAL.fullmatch(seconds_text)
    if seconds is None or len(larger) > 2:
        raise ValueError(text)
    total = 0
    for position, part in enumerate(larger):
        leading = position == 0
        if not (part.isascii() and part.isdigit()) or (
            not leading and not _SEXAGESIMAL.fullmatch(part)
        ):
            raise ValueError(text)
        total = total * 60 + int(part)
    if larger and (not _SEXAGESIMAL.fullmatch(seconds[1]) or int(seconds[1]) >= 60):
        raise ValueError(text)
    if len(larger) == 2 and int(larger[1]) >= 60:
        raise ValueError(text)
    return total * 60_000 + _thousandths(seconds[1], seconds[2])


def _distance_mm(text: str) -> int:
    """``"7.80"`` (metres) -> millimetres."""
    metres = _DECIMAL.fullmatch(text)
    if metres is None:
        raise ValueError(text)
    return _thousandths(metres[1], metres[2])


def _mark(value: Any, measure: Measure) -> int | None:
    """A request mark -> ms or mm, ``None`` for no mark; raises marshmallow's ValidationError."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.upper() in _NO_MARK:
            return None
        try:
            return _time_ms(text) if measure == "time" else _distance_mm(text)
        except ValueError:
            example = "'10.55' or '4:36.11'" if measure == "time" else "'7.80' (metres)"
            raise ValidationError(
                f"{value!r} is not a {measure}; write it like {example}"
            ) from None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    unit = "ms" if measure == "time" else "mm"
    raise ValidationError(
        f"{value!r} is not a mark; give a non-negative integer in {unit} or a string"
    )


class CombinedScoreRequestSchema(StrictSchema):
    """``{"competition": "men_decathlon", "marks": {"100m": "10.55", "LJ": 7800}}``.

    ``hand_timed`` (optional) lists the races timed by hand.
    """

    competition = fields.String(required=True)
    marks = fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), required=True)
    hand_timed = fields.List(fields.String(), load_default=list)

    @post_load
    def _marks_to_integers(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        try:
            competition = get_competition(data["competition"])
        except AthsysValidationError as error:
            raise ValidationError(error.message, field_name="competition") from None
        marks: dict[str, int | None] = {}
        errors: dict[str, Any] = {}
        for event_key, value in data["marks"].items():
            try:
                event = competition.event(event_key)
                marks[event_key] = _mark(value, "time" if event.kind == "track" else "distance")
            except AthsysValidationError as error:
                errors[event_key] = [error.message]
            except ValidationError as error:
                errors[event_key] = error.messages
        if errors:
            raise ValidationError({"marks": errors})
        for event_key in data["hand_timed"]:
            try:
                kind = competition.event(event_key).kind
            except AthsysValidationError as error:
                raise ValidationError(error.message, field_name="hand_timed") from None
            if kind != "track":
                raise ValidationError(f"{event_key} is not a race", field_name="hand_timed")
        return {**data, "marks": marks}


class EventScoreSchema(Schema):
    event = fields.String()
    mark = fields.Integer(allow_none=True)
    points = fields.Integer()
    running_total = fields.Integer()


class CombinedScoreSchema(Schema):
    """Dumps a :class:`athsys.sport.combined.CombinedScore`."""

    competition = fields.String()
    events = fields.List(fields.Nested(EventScoreSchema))
    total = fields.Integer()


class AgeGradeRequestSchema(StrictSchema):
    """``{"sex": "F", "age": 52, "event": "ROAD_10K", "mark": "41:30", "edition": "2025"}``."""

    sex = fields.String(required=True, validate=validate.OneOf(["M", "F"]))
    age = fields.Integer(required=True, strict=True)
    event = fields.String(required=True)
    mark = fields.Raw(required=True)
    edition = fields.String(load_default=DEFAULT_EDITION, validate=validate.OneOf(ROAD_EDITIONS),
                            metadata={"description": "road tables (Alan Jones) to use; track "
                                                     "and field events use WMA 2023 in each"})

    @post_load
    def _mark_to_integer(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        measure = age_grade_events(data["edition"]).get(data["event"])
        if measure is None:
            raise ValidationError(
                f"no age-grading factors for event {data['event']!r}", field_name="event"
            )
        try:
            mark = _mark(data["mark"], measure)
        except ValidationError as error:
            raise ValidationError(error.messages, field_name="mark") from None
        if not mark:
            raise ValidationError("a positive mark is required", field_name="mark")
        return {**data, "mark": mark}


class AgeGradeSchema(Schema):
    """Dumps a :class:`athsys.sport.age_grading.AgeGrade`; factor and percentage as strings.
    The percentage is cut (never rounded up) to two decimals; times are rounded up to the
    millisecond and distances down to the millimetre, against the athlete."""

    table = fields.String(metadata={"description": "the tables used, edition included: "
                                                   "'WMA 2023', 'Alan Jones 2025 road'"})
    event = fields.String()
    sex = fields.String()
    age = fields.Integer()
    mark = fields.Integer()
    factor = fields.Decimal(as_string=True)
    open_standard = fields.Integer()
    age_standard = fields.Integer()
    age_graded_mark = fields.Integer()
    percentage = fields.Decimal(as_string=True, metadata={
        "description": "per cent, cut to two decimals (99.989 is 99.98)"})
