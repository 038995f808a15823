"""Schemas of results and field attempts.

A mark in a request is either an integer in the stored unit (ms for times, mm for distances
and heights, points) or a string in the sport's notation (``"10.43"``, ``"1:45.12"``,
``"8.41"``). Which unit a string means follows from the event of the heat, which only the
caller knows once it has loaded the heat: :func:`resolve_notation` turns the strings into
integers with :func:`athsys.sport.marks.parse_mark`. JSON numbers with a fraction are
refused: ``10.43`` as a float is not exactly 10.43.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from athsys.inputs import StrictSchema
from athsys.results.models import AttemptOutcome, ResultSource
from athsys.sport.fields import MarkField, WindField, formatted
from athsys.sport.marks import format_wind
from athsys.sport.ranking import ResultStatus

_MARK_DESCRIPTION = {
    "description": 'ms / mm / points as an integer, or text in the notation of the event '
                   '("10.43", "1:45.12", "8.41")'
}


class ResultCreateSchema(StrictSchema):
    race_id = fields.Integer(required=True, strict=True, metadata={"description": "the heat"})
    entry_id = fields.Integer(required=True, strict=True)
    status = fields.Enum(ResultStatus, by_value=True, load_default=ResultStatus.OK)
    mark = MarkField(load_default=None, allow_none=True, metadata=_MARK_DESCRIPTION)
    net_mark = MarkField(load_default=None, allow_none=True, metadata=_MARK_DESCRIPTION)
    place = fields.Integer(load_default=None, allow_none=True, strict=True,
                           validate=validate.Range(min=1))
    status_rule = fields.String(load_default=None, allow_none=True,
                                validate=validate.Length(max=40))
    wind = WindField(load_default=None, allow_none=True)
    reaction_time = fields.Integer(load_default=None, allow_none=True, strict=True,
                                   validate=validate.Range(min=0, max=10_000))
    source = fields.Enum(ResultSource, by_value=True, load_default=ResultSource.API)
    hand_timed = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "the time was taken by hand (published to 1/10 s, rounded up; no"
                       " record); default: as the race is timed; never for lif or chip"})


class ResultUpdateSchema(StrictSchema):
    """A correction: the earlier version is kept as a revision; ``reason`` is recorded."""

    status = fields.Enum(ResultStatus, by_value=True)
    mark = MarkField(allow_none=True, metadata=_MARK_DESCRIPTION)
    net_mark = MarkField(allow_none=True, metadata=_MARK_DESCRIPTION)
    place = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1))
    status_rule = fields.String(allow_none=True, validate=validate.Length(max=40))
    wind = WindField(allow_none=True)
    reaction_time = fields.Integer(allow_none=True, strict=True,
                                   validate=validate.Range(min=0, max=10_000))
    source = fields.Enum(ResultSource, by_value=True)
    hand_timed = fields.Boolean(metadata={"description": "the time was taken by hand"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class _MeasuredSchema(Schema):
    """Dumps a ``*_display`` next to each mark, in the notation of the heat's discipline."""

    def _discipline(self, obj: Any) -> Any:
        return obj.heat.round.event.discipline

    def _display(self, obj: Any, name: str) -> str | None:
        found = self._discipline(obj)
        return formatted(getattr(obj, name), found.measure, road=found.road,
                         hand=bool(getattr(obj, "hand_timed", False)))


class ResultResponseSchema(_MeasuredSchema):
    id = fields.Integer()
    race_id = fields.Integer(attribute="heat_id")
    entry_id = fields.Integer()
    status = fields.Enum(ResultStatus, by_value=True)
    mark = fields.Integer(allow_none=True)
    mark_display = fields.Method("_mark_display")
    net_mark = fields.Integer(allow_none=True)
    place = fields.Integer(allow_none=True)
    status_rule = fields.String(allow_none=True)
    wind = fields.Integer(allow_none=True, metadata={"description": "tenths of m/s"})
    wind_display = fields.Method("_wind_display")
    reaction_time = fields.Integer(allow_none=True)
    source = fields.Enum(ResultSource, by_value=True)
    hand_timed = fields.Boolean(metadata={
        "description": "a hand time: mark_display to 1/10 s, rounded up, with its h (10.2h)"})
    revision = fields.Integer()
    updated_at = fields.DateTime()

    def _mark_display(self, obj: Any) -> str | None:
        return self._display(obj, "mark")

    def _wind_display(self, obj: Any) -> str | None:
        return None if obj.wind is None else format_wind(obj.wind)


class AttemptCreateSchema(StrictSchema):
    race_id = fields.Integer(required=True, strict=True, metadata={"description": "the heat"})
    entry_id = fields.Integer(required=True, strict=True)
    sequence = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=99))
    outcome = fields.Enum(AttemptOutcome, by_value=True, required=True,
                          metadata={"description": "o cleared, x failed, - passed, r retired, "
                                                   "m a valid mark"})
    height = MarkField(load_default=None, allow_none=True,
                       metadata={"description": 'bar height: mm or metres as text ("2.05")'})
    mark = MarkField(load_default=None, allow_none=True, metadata=_MARK_DESCRIPTION)
    wind = WindField(load_default=None, allow_none=True)


class AttemptUpdateSchema(StrictSchema):
    sequence = fields.Integer(strict=True, validate=validate.Range(min=1, max=99))
    outcome = fields.Enum(AttemptOutcome, by_value=True)
    height = MarkField(allow_none=True)
    mark = MarkField(allow_none=True, metadata=_MARK_DESCRIPTION)
    wind = WindField(allow_none=True)


class AttemptResponseSchema(_MeasuredSchema):
    id = fields.Integer()
    race_id = fields.Integer(attribute="heat_id")
    entry_id = fields.Integer()
    sequence = fields.Integer()
    outcome = fields.Enum(AttemptOutcome, by_value=True)
    height = fields.Integer(allow_none=True)
    mark = fields.Integer(allow_none=True)
    mark_display = fields.Method("_mark_display")
    wind = fields.Integer(allow_none=True)

    def _mark_display(self, obj: Any) -> str | None:
        return self._display(obj, "mark")

