"""What every admin view shares: eager loading, marks in the sport's notation, audited writes.

Flask-AppBuilder's ModelView adds, edits and deletes through its datamodel and turns any
exception into a flash message; on edit it even hides the message behind a generic
"database error". So the writes happen in the ``pre_add``/``pre_update``/``pre_delete`` hooks
(whose exception text FAB flashes as it is): they call the service of the entity, which
validates, checks the row-level rules, writes and audits; then the flush runs inside the
hook, so a unique or foreign-key violation becomes a message naming the field. The
datamodel itself only commits what the hook left in the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from flask import flash, redirect
from flask_appbuilder import ModelView
from sqlalchemy import ARRAY, Boolean, inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import LoaderOption
from wtforms import BooleanField, SelectField

from athsys.accounts.actor import Actor
from athsys.audit.service import audited_add, audited_delete, audited_update, snapshot
from athsys.errors import AthsysError
from webui.eager_lists import EagerListInterface
from webui.security.current import current_actor
from webui.views.array_filters import ArrayFilterConverter
from webui.views.integrity import constraint_error
from webui.views.marks import EnumSelectField, fill_notation_fields, value_choices
from webui.views.pickers import offer_filtered, picker_fields

Display = Callable[[Any], object]

#: Loader options per model, applied to every list query and to the choices of related
#: fields, so that rendering a row (or an option) never loads a relation row by row.
EAGER: dict[type, tuple[LoaderOption, ...]] = {}

#: Per model, columns shown through a function of the whole row (a mark needs its event).
DISPLAY: dict[type, dict[str, Display]] = {}


class AthsysInterface(EagerListInterface):
    """SQLAInterface with eager loading, row-aware display, and commits only.

    The writes themselves happen in :class:`AthsysModelView`'s hooks; here ``add``, ``edit``
    and ``delete`` only commit (rolling back and re-raising on error).
    """

    filter_converter_class = ArrayFilterConverter

    def list_loads(self) -> Sequence[LoaderOption]:
        return EAGER.get(self.obj, ())

    def is_array(self, col_name: str) -> bool:
        """A PostgreSQL array column, searched by :class:`ArrayFilterConverter`'s "Has"."""
        return isinstance(getattr(self.list_columns.get(col_name), "type", None), ARRAY)

    def _get_attr_value(self, item: Any, col: str) -> Any:  # type: ignore[override]
        shown = DISPLAY.get(self.obj, {}).get(col)
        if shown is not None:
            return shown(item)
        return shown_value(super()._get_attr_value(item, col))

    def add(self, item: Any, commit: bool = True) -> None:
        self._commit()

    def edit(self, item: Any, commit: bool = True) -> None:
        self._commit()

    def delete(self, item: Any, commit: bool = True) -> None:
        self._commit()

    def _commit(self) -> None:
        try:
            self.session.commit()
        except Exception:
            self.session.rollback()
            raise


def shown_value(value: Any) -> Any:
    """A cell as people read it: nothing for no value (not "None"), a moment in UTC to the
    second, named as such (a column that knows its competition shows the venue's clock
    through ``DISPLAY``)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        return moment.strftime("%Y-%m-%d %H:%M:%S") + (" UTC" if value.tzinfo else "")
    return value


Writer = Callable[[Session, Actor, Any], object]
Updater = Callable[[Session, Actor, Any, dict[str, Any]], object]
RowCheck = Callable[[Actor, Any], None]


def committed_snapshot(item: Any) -> dict[str, Any]:
    """The row as the database holds it, before the form's changes to ``item``."""
    state = inspect(item)
    as_stored = state.mapper.class_()
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        value = history.deleted[0] if history.deleted else getattr(item, attr.key)
        setattr(as_stored, attr.key, value)
    return snapshot(as_stored)


class AthsysModelView(ModelView):
    """A ModelView whose writes go through a service and whose mutations need a CSRF token."""

    datamodel: ClassVar[AthsysInterface]
    create: ClassVar[Writer] = staticmethod(audited_add)
    update: ClassVar[Updater] = staticmethod(audited_update)
    remove: ClassVar[Writer] = staticmethod(audited_delete)
    #: Raises AuthorizationError when the actor may not open this row's edit form.
    may_edit: ClassVar[RowCheck | None] = None
    #: Columns shown only to some (``DISPLAY`` masks them row by row). A filter or an order
    #: on one would tell the others whose value it is, so only callers for whom
    #: ``may_query_private`` holds search or sort by them.
    private_columns: ClassVar[frozenset[str]] = frozenset()
    may_query_private: ClassVar[Callable[[Actor], bool]] = staticmethod(lambda actor: True)

    # no "action" route: single-row actions would be GET mutations; bulk actions post a list
    include_route_methods = {"list", "show", "add", "edit", "delete", "action_post"}
    page_size = 25

    def _init_forms(self) -> None:
        """Enum columns get a select of their values (add, edit) or plain values (search);
        yes/no columns a plain check box (Flask-AppBuilder makes every NOT NULL column
        required, so an unticked box could never be saved); a column that picks an athlete,
        club, event, entry or heat a field that searches on the server as the user types, in
        the search form too."""
        def session() -> Any:  # the request's, when a form reads its choice
            return self.datamodel.session

        model = self.datamodel.obj
        self.add_form_extra_fields = {**_enum_fields(self.datamodel, self.add_columns),
                                      **_boolean_fields(self.datamodel, self.add_columns),
                                      **picker_fields(model, session, self.add_columns),
                                      **(self.add_form_extra_fields or {})}
        self.edit_form_extra_fields = {**_enum_fields(self.datamodel, self.edit_columns),
                                       **_boolean_fields(self.datamodel, self.edit_columns),
                                       **picker_fields(model, session, self.edit_columns),
                                       **(self.edit_form_extra_fields or {})}
        self.search_form_extra_fields = {
            **_enum_fields(self.datamodel, self.search_columns, search=True),
            **picker_fields(model, session, self.search_columns, search=True),
            **(self.search_form_extra_fields or {}),
        }
        super()._init_forms()

    # -- what a list may be searched and sorted by ---------------------------------------------
    def _hidden_columns(self) -> frozenset[str]:
        """The private columns the caller may neither search nor sort by."""
        if self.private_columns and not type(self).may_query_private(current_actor()):
            return self.private_columns
        return frozenset()

    def _get_list_widget(self, filters: Any, actions: Any = None, order_column: str = "",
                         order_direction: str = "", **kwargs: Any) -> Any:
        """The list (also as a related list), sorted and filtered only as the caller may.

        Flask-AppBuilder sorts by whatever ``_oc_<view>`` names, any attribute, even one of a
        related row (``athlete.licence``); only the view's sortable columns are honoured here.
        """
        hidden = self._hidden_columns()
        if order_column and (order_column not in self.order_columns or order_column in hidden):
            order_column, order_direction = "", ""
        kept = [(f, v) for f, v in zip(filters.filters, filters.values, strict=True)
                if f.column_name not in hidden]
        if len(kept) < len(filters.filters):
            flash("Only the registration staff may search by "
                  + ", ".join(self.label_columns.get(c, c) for c in sorted(hidden))
                  + "; that filter was left out.", "warning")
            filters.filters, filters.values = [f for f, _ in kept], [v for _, v in kept]
        return super()._get_list_widget(filters, actions, order_column, order_direction,
                                        **kwargs)

    def _get_search_widget(self, form: Any = None, exclude_cols: Any = None,
                           widgets: Any = None) -> Any:
        """The search form offers no private column to those who may not search by it
        (Flask-AppBuilder's own method, with the hidden columns left out of ``include_cols``:
        its template ignores ``exclude_cols``); its pickers carry the rows the active filters
        name."""
        widgets = widgets or {}
        hidden = self._hidden_columns()
        if form is not None:
            offer_filtered(form, self._filters, self.datamodel.session)
        widgets["search"] = self.search_widget(
            route_base=self.route_base, form=form,
            include_cols=[c for c in self.search_columns if c not in hidden],
            exclude_cols=exclude_cols or [], filters=self._filters,
        )
        return widgets

    def pre_add(self, item: Any) -> None:
        self._write(type(self).create, item)

    def pre_update(self, item: Any) -> None:
        before = committed_snapshot(item)
        self._write(lambda session, actor, row: type(self).update(session, actor, row, before),
                    item)

    def prefill_form(self, form: Any, pk: Any) -> None:
        item = self.datamodel.get(pk)
        check = type(self).may_edit
        if check is not None:
            check(current_actor(), item)
        fill_notation_fields(form, item)

    def pre_delete(self, item: Any) -> None:
        self._write(type(self).remove, item)

    def _write(self, writer: Writer, item: Any) -> None:
        session = self.datamodel.session
        try:
            # the form linked the new row to loaded ones; flushing before the service adds it
            # would warn and skip it, so only the service's own flush writes
            with session.no_autoflush:
                writer(session, current_actor(), item)
        except IntegrityError as exc:
            session.rollback()
            raise constraint_error(exc) from None
        except AthsysError:
            session.rollback()
            raise

    # -- bulk actions ---------------------------------------------------------------------------
    def run_bulk(self, items: Sequence[Any] | Any, service: Callable[..., int],
                 done: str) -> Any:
        """Apply a service to the selected rows in one transaction; flash what happened."""
        rows = list(items) if isinstance(items, Iterable) else [items]
        session = self.datamodel.session
        try:
            count = service(session, current_actor(), rows)
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            flash(constraint_error(exc).message, "danger")
        except AthsysError as exc:
            session.rollback()
            flash(exc.message, "danger")
        else:
            flash(done.format(count=count), "success")
        self.update_redirect()
        return redirect(self.get_redirect())


def _enum_fields(datamodel: AthsysInterface, columns: Sequence[str] | None,
                 search: bool = False) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in columns or ():
        column = datamodel.list_columns.get(name)
        enum_class = getattr(getattr(column, "type", None), "enum_class", None)
        if enum_class is None:
            continue
        label = name.replace("_", " ").capitalize()
        if search:
            fields[name] = SelectField(label, choices=value_choices(enum_class))
        else:
            fields[name] = EnumSelectField(label, enum_class=enum_class,
                                           optional=bool(column.nullable))
    return fields


def _boolean_fields(datamodel: AthsysInterface, columns: Sequence[str] | None) -> dict[str, Any]:
    return {
        name: BooleanField(name.replace("_", " ").capitalize(),
                           default=bool(datamodel.get_col_default(name)))
        for name in columns or ()
        if isinstance(getattr(datamodel.list_columns.get(name), "type", None), Boolean)
    }
