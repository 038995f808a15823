"""Form fields and list formatters that speak the sport's notation, never raw integers.

A mark's unit depends on its discipline (``"10.43"`` is 10 430 ms in a 100 m, 10 430 mm in a
shot put; ``"2:09:45"`` is no distance at all), so a :class:`MarkField` asks the form which
discipline it belongs to (the heat, entry or event chosen in the same form) and parses with
:func:`athsys.sport.marks.parse_mark`. The error names the field and goes under it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm
from wtforms.widgets import DateTimeLocalInput

from athsys.competitions.time_zones import local_moment, parse_local_moment
from athsys.errors import ValidationError
from athsys.sport.disciplines import DISCIPLINES, Discipline, discipline
from athsys.sport.marks import (
    Measure,
    format_result_time,
    format_wind,
    parse_mark,
    parse_wind,
)
from athsys.sport.team_schemes import (
    NOTATION_HELP,
    parse_scheme_text,
    parse_team_scheme,
    scheme_text,
)

DisciplineOfForm = Callable[[BaseForm], Discipline | None]
DisciplineOfItem = Callable[[Any], Discipline | None]

_MS_PER_SECOND = 1000


class NotationField(StringField):
    """A text input holding an int: parsed on validation, formatted for display.

    ``data`` is the text until the form validates, then the int (or None when blank).
    """

    def __init__(self, label: str, *, required: bool = False, description: str = "",
                 **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"class": "form-control"})  # styled as FAB's inputs
        super().__init__(label, description=description, **kwargs)
        self.required = required
        self.text: str | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.text = valuelist[0].strip()
            self.data = self.text or None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.text or ""

    def show(self, item: Any) -> None:
        """Fill the input from the stored int of ``item`` (edit forms)."""
        self.text = self.format_item(item)

    def format_item(self, item: Any) -> str:
        raise NotImplementedError

    def parse(self, form: BaseForm, text: str) -> Any:
        raise NotImplementedError

    def post_validate(self, form: BaseForm, validation_stopped: bool) -> None:
        if validation_stopped or self.errors:
            return
        if not self.text:
            self.data = None
            if self.required:
                self.errors.append(f"{self.name}: a value is required")
            return
        try:
            self.data = self.parse(form, self.text)
        except ValidationError as exc:
            self.errors.append(exc.message)


class MarkField(NotationField):
    """A mark in the notation of the discipline the form's heat, entry or event belongs to."""

    def __init__(self, label: str, *, of_form: DisciplineOfForm, of_item: DisciplineOfItem,
                 column: str = "mark", measure: Measure | None = None, **kwargs: Any) -> None:
        super().__init__(label, **kwargs)
        self.of_form = of_form
        self.of_item = of_item
        self.column = column
        self.measure = measure  # fixed measure (bar heights) regardless of the discipline

    def format_item(self, item: Any) -> str:
        return show_mark(getattr(item, self.column), self.of_item(item), self.measure)

    def parse(self, form: BaseForm, text: str) -> int:
        found = self.of_form(form)
        if found is None:
            raise ValidationError(
                f"{self.name}: choose the event (heat or entry) first, then write the mark",
                details={"field": self.name},
            )
        measure = self.measure or found.measure
        return parse_mark(text, measure, field=self.name)


class WindField(NotationField):
    """Wind in m/s with its sign, ``+1.2``; stored in tenths."""

    def __init__(self, label: str = "Wind (m/s)", *, column: str = "wind", **kwargs: Any) -> None:
        super().__init__(label, description="e.g. +1.2 or -0.4", **kwargs)
        self.column = column

    def format_item(self, item: Any) -> str:
        return show_wind(getattr(item, self.column))

    def parse(self, form: BaseForm, text: str) -> int:
        return parse_wind(text, field=self.name)


class ReactionTimeField(NotationField):
    """Reaction time in seconds to the thousandth, ``0.145``; stored in milliseconds."""

    def __init__(self, label: str = "Reaction time (s)", **kwargs: Any) -> None:
        super().__init__(label, description="e.g. 0.145", **kwargs)

    def format_item(self, item: Any) -> str:
        return show_reaction(item.reaction_time)

    def parse(self, form: BaseForm, text: str) -> int:
        if ":" in text:
            raise ValidationError(f"{self.name}: a reaction time is like 0.145, not {text!r}",
                                  details={"field": self.name})
        return parse_mark(text, Measure.TIME, field=self.name)


class TeamSchemeField(NotationField):
    """A competition's team score scheme in the form's notation (``league; scorers 3``),
    stored as the whole scheme (:mod:`athsys.sport.team_schemes`); blank: no team scores."""

    def __init__(self, label: str = "Team scores", **kwargs: Any) -> None:
        super().__init__(label, description=NOTATION_HELP, **kwargs)

    def format_item(self, item: Any) -> str:
        stored = item.team_scheme
        return scheme_text(parse_team_scheme(stored)) if stored else ""

    def parse(self, form: BaseForm, text: str) -> dict[str, Any]:
        return parse_scheme_text(text).as_json()


TimeZoneOfForm = Callable[[BaseForm], str | None]
TimeZoneOfItem = Callable[[Any], str | None]


class VenueTimeField(NotationField):
    """A moment as the venue's clock shows it (``2026-06-14 18:05``, in the competition's time
    zone, which the form's round or event gives); stored as an aware datetime.

    Flask-AppBuilder's DateTimeField shows an aware value with its UTC offset and cannot read
    it back, so a second save blanked the schedule; this one shows and reads the same text.
    """

    def __init__(self, label: str, *, of_form: TimeZoneOfForm, of_item: TimeZoneOfItem,
                 column: str = "scheduled_start", **kwargs: Any) -> None:
        super().__init__(label, description="local time at the venue",
                         widget=DateTimeLocalInput(), **kwargs)
        self.of_form = of_form
        self.of_item = of_item
        self.column = column

    def _value(self) -> str:
        return super()._value().replace(" ", "T", 1)  # what a date-time input shows

    def format_item(self, item: Any) -> str:
        return local_moment(getattr(item, self.column), self.of_item(item))

    def parse(self, form: BaseForm, text: str) -> datetime:  # type: ignore[override]
        time_zone = self.of_form(form)
        if time_zone is None:
            raise ValidationError(f"{self.name}: choose the round or event first, then the time",
                                  details={"field": self.name})
        return parse_local_moment(text, time_zone, field=self.name)


def discipline_field(label: str = "Discipline") -> SelectField:
    return SelectField(label, choices=[SelectChoice(d.code, d.name) for d in DISCIPLINES.values()])


def show_mark(value: int | None, of: Discipline | None, measure: Measure | None = None, *,
              hand: bool = False) -> str:
    """A mark in the discipline's notation; a hand time as "10.2h"."""
    if value is None or of is None:
        return ""
    return format_result_time(value, measure or of.measure, road=of.road and measure is None,
                              hand=hand)


def show_wind(tenths: int | None) -> str:
    return "" if tenths is None else format_wind(tenths)


def show_reaction(ms: int | None) -> str:
    if ms is None:
        return ""
    seconds, thousandths = divmod(ms, _MS_PER_SECOND)
    return f"{seconds}.{thousandths:03d}"


def discipline_or_none(code: str | None) -> Discipline | None:
    if not code:
        return None
    try:
        return discipline(code)
    except ValidationError:
        return None


def notation_fields(form: BaseForm) -> list[NotationField]:
    return [f for f in form if isinstance(f, NotationField)]


def fill_notation_fields(form: BaseForm, item: Any) -> None:
    for field in notation_fields(form):
        if not field.raw_data:
            field.show(item)



class EnumSelectField(SelectField):
    """A select of an enum's *values*, giving the enum member.

    Flask-AppBuilder's own EnumField assumes the column stores member names; ours store
    values (``athsys.db.enum_type`` uses ``values_callable``), on which it raises KeyError.
    """

    def __init__(self, label: str, *, enum_class: type[enum.Enum], optional: bool = False,
                 **kwargs: Any) -> None:
        def coerce(value: object) -> enum.Enum | None:
            if value is None or value == "":
                return None
            return value if isinstance(value, enum_class) else enum_class(value)

        super().__init__(label, choices=value_choices(enum_class, blank=optional),
                         coerce=coerce, **kwargs)


def value_choices(enum_class: type[enum.Enum], *, blank: bool = False) -> list[SelectChoice]:
    choices = [SelectChoice("", "—")] if blank else []
    return choices + [SelectChoice(m.value, m.value) for m in enum_class]
