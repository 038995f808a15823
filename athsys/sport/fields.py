"""Marshmallow fields for marks and wind as people and devices write them.

A mark arrives as an int in its stored unit or as text in the sport's notation; the text is
resolved once the discipline is known (:func:`resolve_notation`), so a schema can name every
bad mark of a request at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from marshmallow import ValidationError, fields

from athsys.errors import ValidationError as AthsysValidationError
from athsys.sport.marks import Measure, format_result_time, parse_mark, parse_wind

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


def formatted(
    value: int | None, measure: Measure, *, road: bool = False, hand: bool = False
) -> str | None:
    """The mark as people read it, ``None`` kept; a hand time with its ``h`` ("10.2h")."""
    return None if value is None else format_result_time(value, measure, road=road, hand=hand)
