"""Admin form fields that pick an athlete, a club, a competition, an event, a round, an entry
or a heat by searching on the server as the user types (select2 asking
``/api/pickers/<kind>``, see ``static/athsys/pickers.js``), instead of Flask-AppBuilder's
select of the whole table.

The page carries only the row chosen; the form posts its id, read back here: an id that
names no row is refused beside the field. A list page's search form uses the same field for
its relation filters (Flask-AppBuilder would put every athlete into each filter's select): it
carries only the rows its active filters name, so that its script can show them chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session
from wtforms import Field
from wtforms.validators import InputRequired, Optional

from athsys.competitions.pickers import PICKER_OF, PICKERS, Picker
from athsys.inputs import whole_number

#: What each picker asks the user to type.
PLACEHOLDERS = {"athletes": "Type a name or licence", "clubs": "Type the club's name or code",
                "competitions": "Type the competition or the venue",
                "events": "Type the event or the competition",
                "rounds": "Type the event or the competition",
                "entries": "Type a bib or a name", "heats": "Type the event or the competition"}


class PickerWidget:
    def __call__(self, field: PickerField, **kwargs: Any) -> Markup:
        chosen = field.data
        options = '<option value=""></option>'
        if chosen is not None:
            options += (f'<option value="{chosen.id}" selected>'
                        f"{escape(field.picker.label(chosen))}</option>")
        for row in field.offered:
            if row is not chosen:
                options += f'<option value="{row.id}">{escape(field.picker.label(row))}</option>'
        classes = f"form-control athsys-picker {kwargs.pop('class', '')}".strip()
        return Markup(  # nosec B704 # every value escaped, the placeholders this module's own
            f'<select id="{escape(field.id)}" name="{escape(field.name)}" class="{escape(classes)}"'
            f' data-picker="/api/pickers/{escape(field.kind)}"'
            f' data-placeholder="{PLACEHOLDERS[field.kind]}">'
            f"{options}</select>")


class PickerField(Field):
    """A many-to-one choice: its data is the row chosen (or None); ``offered`` are rows the
    page carries besides it (a search form's active filters, see :func:`offer_filtered`)."""

    widget = PickerWidget()
    offered: Sequence[Any] = ()

    def __init__(self, label: str | None = None, validators: Sequence[Any] | None = None, *,
                 kind: str, session: Any, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.kind = kind
        self.picker: Picker = PICKERS[kind]
        self._session = session  # a callable giving the request's session

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        if not raw:
            self.data = None
            return
        ident = whole_number(raw)
        found = None if ident is None else self._session().get(self.picker.model, ident)
        if found is None:
            self.data = None
            raise ValueError(f"no such {self.kind.rstrip('s')} (id {raw!r}): pick one from "
                             "the list")
        self.data = found


def picker_fields(model: type, session: Any, columns: Sequence[str] | None, *,
                  search: bool = False) -> dict[str, Any]:
    """A picker for each many-to-one column of ``columns`` whose rows have a picker (in a
    search form, never required)."""
    fields: dict[str, Any] = {}
    relationships = inspect(model).relationships
    for name in columns or ():
        relation = relationships.get(name)
        if relation is None or relation.uselist or relation.mapper.class_ not in PICKER_OF:
            continue
        nullable = search or all(column.nullable for column in relation.local_columns)
        fields[name] = PickerField(
            name.replace("_", " ").capitalize(),
            [Optional()] if nullable else [InputRequired(message="choose one")],
            kind=PICKER_OF[relation.mapper.class_], session=session)
    return fields


def offer_filtered(form: Any, filters: Any, session: Session) -> None:
    """Give each picker of a search ``form`` the rows its active filters name (by id, one
    query per picker; an id that names no row is left out), so the page can show them.
    Flask-AppBuilder keeps a list of values per filter (the same filter given twice)."""
    wanted: dict[str, set[int]] = {}
    for active, values in zip(filters.filters, filters.values, strict=True):
        field = form._fields.get(active.column_name)
        if not isinstance(field, PickerField):
            continue
        for value in values if isinstance(values, list) else [values]:
            ident = whole_number(str(value))
            if ident is not None:
                wanted.setdefault(active.column_name, set()).add(ident)
    for name, idents in wanted.items():
        field = form._fields[name]
        model = field.picker.model
        field.offered = session.scalars(
            field.picker.with_label(select(model).where(model.id.in_(sorted(idents))))).all()
