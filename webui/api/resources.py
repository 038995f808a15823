"""A small generic resource: list, show, create, update and delete one model under ``/api/``.

Each :class:`Resource` names its model, its schemas, the role-matrix resource whose
permissions guard it (``can_list``, ``can_show``, ``can_add``, ``can_edit``, ``can_delete`` of
``webui/security/roles.py``: the API and the admin UI read the same table), its filters and
the service calls that write (each validates, applies row-level rules and audits). Lists are
paginated and ordered by id, so pages are stable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, current_app, request
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from marshmallow import fields as ma_fields
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import ExecutableOption

from athsys.accounts.actor import Actor
from athsys.accounts.schemas import PaginationSchema
from athsys.audit.service import audited_delete
from athsys.config import Settings
from athsys.errors import (
    AthsysError,
    AuthenticationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from athsys.inputs import StrictSchema
from webui.api import openapi
from webui.api.auth import current_actor
from webui.api.envelope import json_body, paginated, success
from webui.security import roles
from webui.views.integrity import constraint_error

#: The API's verbs and the permission of the role matrix each one needs.
ACTIONS: Mapping[str, str] = {
    "list": roles.CAN_LIST,
    "show": roles.CAN_SHOW,
    "create": roles.CAN_ADD,
    "update": roles.CAN_EDIT,
    "delete": roles.CAN_DELETE,
}

T = TypeVar("T")


def roles_allowed(permission: str, resource: str) -> tuple[str, ...]:
    """The roles holding ``(permission, resource)`` in the role matrix; Admin holds all."""
    return (roles.ADMIN, *sorted(
        name for name, granted in roles.ROLE_PERMISSIONS.items()
        if (permission, resource) in granted
    ))


def require_permission(permission: str, resource: str) -> Actor:
    """The caller, if the role matrix lets them; 401 when anonymous, 403 when not allowed."""
    actor = current_actor()
    if actor is None:
        raise AuthenticationError("authentication required (Authorization: Bearer <token>)")
    actor.require_role(*roles_allowed(permission, resource))
    return actor


def db() -> Session:
    return cast(Session, current_app.appbuilder.session)  # type: ignore[attr-defined]


def settings() -> Settings:
    return cast(Settings, current_app.config["ATHSYS_SETTINGS"])


def load(schema: Schema, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """Validate with ``schema``; one 400 naming every bad field."""
    try:
        return cast(dict[str, Any], schema.load(data, partial=partial))
    except SchemaError as exc:
        raise invalid(exc.normalized_messages()) from None


def invalid(messages: Mapping[str, Any]) -> ValidationError:
    names = ", ".join(sorted(str(k) for k in messages))
    return ValidationError(f"invalid fields: {names}", details=dict(messages))


@contextmanager
def writing(body: Mapping[str, Any] | None = None, *, deleting: bool = False) -> Iterator[Session]:
    """The session of one write: committed on success, rolled back on any error.

    This is the one place where a constraint the database enforced becomes a 400/409 naming
    the field, without any SQL in the message.
    """
    session = db()
    try:
        yield session
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise _constraint_error(exc, body or {}, deleting=deleting) from None
    except BaseException:
        session.rollback()
        raise


def _constraint_error(
    exc: IntegrityError, body: Mapping[str, Any], *, deleting: bool
) -> AthsysError:
    error = constraint_error(exc)
    details = error.details if isinstance(error.details, dict) else {}
    # the admin names a reference after its relationship ("athlete"), the API after its field
    renamed = {
        (f"{key}_id" if key not in body and f"{key}_id" in body else key): value
        for key, value in details.items()
    }
    if deleting and isinstance(error, ValidationError):
        return ConflictError("this row is still referred to by others; delete those first",
                             details=renamed)
    return type(error)(error.message, details=renamed)


def references(session: Session, wanted: Mapping[str, tuple[type, int | None]]) -> dict[str, Any]:
    """Load referenced rows by id; one 400 naming every field whose row does not exist."""
    found: dict[str, Any] = {}
    missing: dict[str, list[str]] = {}
    for name, (model, ident) in wanted.items():
        if ident is None:
            found[name] = None
            continue
        row = session.get(model, ident)
        if row is None:
            missing[name] = [f"No {model.__name__.lower()} with id {ident}."]
        found[name] = row
    if missing:
        raise invalid(missing)
    return found


def row_or_404(session: Session, model: type[T], ident: int) -> T:
    """The ``model`` row ``ident`` of a URL, or a 404 naming it."""
    row = session.get(model, ident)
    if row is None:
        raise NotFoundError(f"no {model.__name__.lower()} with id {ident}", details={"id": ident})
    return row


def apply(obj: object, data: Mapping[str, Any]) -> None:
    for key, value in data.items():
        setattr(obj, key, value)


# -- audited writes for models without a service of their own ----------------------------------






# -- filters -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filter:
    """A query argument: its marshmallow field and how it narrows the statement."""

    field: ma_fields.Field
    apply: Callable[[Select[Any], Any], Select[Any]]
    description: str = ""


def column_filter(column: Any, kind: ma_fields.Field, description: str = "") -> Filter:
    return Filter(kind, lambda stmt, value: stmt.where(column == value), description)


Creator = Callable[[Session, Actor, dict[str, Any]], Any]
Updater = Callable[[Session, Actor, Any, dict[str, Any]], None]
Deleter = Callable[[Session, Actor, Any], None]


@dataclass
class Resource:
    """One collection under ``/api/<name>`` and its items at ``/api/<name>/<id>``."""

    name: str
    model: type
    permission: str  # the resource of the role matrix
    response: Schema
    create_schema: Schema
    update_schema: Schema
    create: Creator
    update: Updater
    delete: Deleter = audited_delete
    filters: Mapping[str, Filter] = field(default_factory=dict)
    dump: Callable[[Actor, Any], dict[str, Any]] | None = None
    description: str = ""
    #: loader options for a page of the list (``selectinload`` of what ``response`` reads),
    #: so that a page costs the same statements whatever its length
    load: Sequence[ExecutableOption] = ()
    #: a page's rows serialised together (one query for what each row would look up alone)
    dump_page: Callable[[Actor, Sequence[Any]], list[dict[str, Any]]] | None = None

    def serialise(self, actor: Actor, obj: Any) -> dict[str, Any]:
        if self.dump is not None:
            return self.dump(actor, obj)
        return cast(dict[str, Any], self.response.dump(obj))

    def get(self, session: Session, ident: int) -> Any:
        obj = session.get(self.model, ident)
        if obj is None:
            raise NotFoundError(f"no {self.name[:-1]} with id {ident}",
                                details={"id": ident})
        return obj

    def blueprint(self) -> Blueprint:
        bp = Blueprint(f"api_{self.name}", __name__, url_prefix=f"/api/{self.name}")
        bp.add_url_rule("", "list", self._list, methods=["GET"], strict_slashes=False)
        bp.add_url_rule("", "create", self._create, methods=["POST"], strict_slashes=False)
        bp.add_url_rule("/<int:item_id>", "show", self._show, methods=["GET"])
        bp.add_url_rule("/<int:item_id>", "update", self._update, methods=["PUT"])
        bp.add_url_rule("/<int:item_id>", "delete", self._delete, methods=["DELETE"])
        self._document(bp.name)
        return bp

    # -- views ---------------------------------------------------------------------------------
    def _list(self) -> Response:
        actor = require_permission(ACTIONS["list"], self.permission)
        page, per_page, values = list_arguments(self.filters)
        stmt = select(self.model)
        for name, value in values.items():
            stmt = self.filters[name].apply(stmt, value)
        session = db()
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        order = self.model.id  # type: ignore[attr-defined]
        rows = session.scalars(
            stmt.options(*self.load).order_by(order).limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
        data = (self.dump_page(actor, rows) if self.dump_page is not None
                else [self.serialise(actor, row) for row in rows])
        return paginated(data, page=page, per_page=per_page, total=total or 0)

    def _show(self, item_id: int) -> Response:
        actor = require_permission(ACTIONS["show"], self.permission)
        return success(self.serialise(actor, self.get(db(), item_id)))

    def _create(self) -> Response:
        actor = require_permission(ACTIONS["create"], self.permission)
        body = json_body()
        data = load(self.create_schema, body)
        with writing(body) as session:
            obj = self.create(session, actor, data)
        return success(self.serialise(actor, obj), status=201)

    def _update(self, item_id: int) -> Response:
        actor = require_permission(ACTIONS["update"], self.permission)
        body = json_body()
        data = load(self.update_schema, body)
        with writing(body) as session:
            obj = self.get(session, item_id)
            self.update(session, actor, obj, data)
        return success(self.serialise(actor, obj))

    def _delete(self, item_id: int) -> Response:
        actor = require_permission(ACTIONS["delete"], self.permission)
        with writing(deleting=True) as session:
            self.delete(session, actor, self.get(session, item_id))
        return success({"id": item_id, "deleted": True})

    def _document(self, blueprint_name: str) -> None:
        label = self.name.replace("_", " ")
        read = self.response
        for action, summary, request_schema, status in (
            ("list", f"List {label}", None, 200),
            ("show", f"One of the {label}", None, 200),
            ("create", f"Create one of the {label}", self.create_schema, 201),
            ("update", f"Update one of the {label} (only the fields given)", self.update_schema,
             200),
            ("delete", f"Delete one of the {label}", None, 200),
        ):
            openapi.describe(
                f"{blueprint_name}.{action}",
                summary=summary,
                description=self.description,
                tag=self.name,
                request=request_schema,
                response=read if action != "delete" else None,
                paginated=action == "list",
                status=status,
                roles=roles_allowed(ACTIONS[action], self.permission),
                query=self.filters if action == "list" else None,
                errors=(409,) if action == "delete" else (),  # a row still referred to
            )


def list_arguments(filters: Mapping[str, Filter]) -> tuple[int, int, dict[str, Any]]:
    """``page``, ``per_page`` and the filters' values; one 400 naming every bad argument."""
    conf = settings()
    args = request.args.to_dict()
    paging = {k: args.pop(k) for k in ("page", "per_page") if k in args}
    errors: dict[str, Any] = {}
    page, per_page = 1, conf.api_page_size
    try:
        page, per_page = PaginationSchema(
            default_per_page=conf.api_page_size, max_per_page=conf.api_max_page_size
        ).load_page(paging)
    except SchemaError as exc:
        errors.update(exc.normalized_messages())
    values: dict[str, Any] = {}
    filter_schema = StrictSchema.from_dict({name: f.field for name, f in filters.items()})()
    try:
        values = filter_schema.load(args)
    except SchemaError as exc:
        errors.update(exc.normalized_messages())
    if errors:
        raise invalid(errors)
    return page, per_page, values
