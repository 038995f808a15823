"""Schemas of results and field attempts.

A mark in a request is either an integer in the stored unit (ms for times, mm for distances
and heights, points) or a string in the sport's notation (``"10.43"``, ``"1:45.12"``,
``"8.41"``). Which unit a string means follows from the event of the heat, which only the
caller knows once it has loaded the heat: :func:`resolve_notation` turns the strings into
integers with :func:`athsys.results.marks.parse_mark`. JSON numbers with a fraction are
refused: ``10.43`` as a float is not exactly 10.43.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from athsys.errors import ValidationError as AthsysValidationError
from athsys.inputs import StrictSchema
from athsys.results.marks import Measure, format_mark, format_wind, parse_mark, parse_wind
from athsys.results.models import AttemptOutcome, ResultSource
from athsys.results.ranking import ResultStatus

_MAX_MARK = 10**9


class MarkField(fields.Field):
    """An int in the stored unit, or a str in the sport's notation (resolved later)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int | str:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError(
                'Write the mark as text in the sport\'s notation ("10.43", "8.41") '
                "or as a whole number of ms/mm."
            )
        if isinstance(value, int) and not 0 <= value <= _MAX_MARK:
            raise ValidationError(f"Must be between 0 and {_MAX_MARK}.")
        if isinstance(value, str) and not value.strip():
            raise ValidationError("Must not be blank.")
        return value


class WindField(fields.Field):
    """Wind in tenths of m/s (int, ``12``) or as written (``"+1.2"``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError('Write the wind as "+1.2" or in tenths of m/s (12).')
        if isinstance(value, int):
            if not -300 <= value <= 300:
                raise ValidationError("Must be between -300 and 300 tenths of m/s.")
            return value
        if isinstance(value, str):
            try:
                return parse_wind(value, field=attr or "wind")
            except AthsysValidationError as exc:
                raise ValidationError(exc.message) from None
        raise ValidationError('Write the wind as "+1.2" or in tenths of m/s (12).')


def resolve_notation(data: dict[str, Any], measure: Measure, names: Iterable[str]) -> None:
    """Parse the string marks among ``names`` in place; every bad one is named at once."""
    errors: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if isinstance(value, str):
            try:
                data[name] = parse_mark(value, measure, field=name)
            except AthsysValidationError as exc:
                errors[name] = exc.message
    if errors:
        raise AthsysValidationError(
            "; ".join(errors.values()), details={k: [v] for k, v in errors.items()}
        )


def formatted(value: int | None, measure: Measure, *, road: bool = False) -> str | None:
    return None if value is None else format_mark(value, measure, road=road)


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
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class _MeasuredSchema(Schema):
    """Dumps a ``*_display`` next to each mark, in the notation of the heat's discipline."""

    def _discipline(self, obj: Any) -> Any:
        return obj.heat.round.event.discipline

    def _display(self, obj: Any, name: str) -> str | None:
        found = self._discipline(obj)
        return formatted(getattr(obj, name), found.measure, road=found.road)


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

