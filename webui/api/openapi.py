"""The OpenAPI 3 document at ``/apispec.json`` and Swagger UI at ``/api/docs``.

The document is generated from the application's URL map, so every route under ``/api/``
is in it, including those of blueprints written elsewhere (the timing API): endpoints that
were described with :func:`describe` get their schemas, roles and query arguments; the
others get their docstring. Flask-AppBuilder's own API under ``/api/v1/`` is documented by
Flask-AppBuilder at ``/api/v1/_openapi`` and left out. Swagger UI is served with the assets
bundled in Flask-AppBuilder, so the page works offline.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Flask, Response, current_app, jsonify, url_for
from marshmallow import Schema, fields

from athsys.inputs import INTEGER_MAX, INTEGER_MIN
from webui.headers import csp_nonce

API_VERSION = "1"
FAB_API_PREFIX = "/api/v1/"
_CONVERTER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

blueprint = Blueprint("api_docs", __name__)


@dataclass(frozen=True)
class Operation:
    summary: str
    description: str = ""
    tag: str = ""
    request: Schema | None = None
    response: Schema | None = None
    paginated: bool = False
    status: int = 200
    roles: tuple[str, ...] | None = None  # None: no sign-in needed
    query: Mapping[str, Any] | None = None  # name -> object with .field and .description
    media_type: str = "application/json"  # of the success answer
    errors: tuple[int, ...] = ()  # error statuses beyond those the other fields imply
    # bodies that are not one JSON schema (a device's native lines): media type -> examples
    request_examples: Mapping[str, Mapping[str, str | list[Any]]] | None = None
    security: str = "bearer"  # or "device": the device's own token
    also: tuple[int, ...] = ()  # other success statuses (200 for a payload sent again)


_OPERATIONS: dict[str, Operation] = {}


def describe(endpoint: str, **operation: Any) -> None:
    """Document the view registered as ``endpoint`` (``blueprint.view``)."""
    _OPERATIONS[endpoint] = Operation(**operation)


class ErrorDetailSchema(Schema):
    type = fields.String(metadata={"example": "validation_error"})
    message = fields.String(metadata={"example": "invalid fields: date, name"})
    details = fields.Dict(metadata={"description": "per field: the list of its problems"})


class ErrorEnvelopeSchema(Schema):
    success = fields.Boolean(metadata={"example": False})
    error = fields.Nested(ErrorDetailSchema)
    request_id = fields.String(allow_none=True)


class PaginationInfoSchema(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


_ERRORS = {
    400: "Invalid input: malformed JSON, unknown or invalid fields (each named in details)",
    401: "Missing, expired, revoked or invalid token",
    403: "The role matrix or a row-level rule does not allow this",
    404: "No such item",
    409: "Conflicts with stored data (a duplicate, a row still referred to)",
    413: "Body too large",
    429: "Rate limit exceeded (see Retry-After)",
}


def _schema_name(schema: Schema) -> str:
    name = type(schema).__name__
    return name[: -len("Schema")] if name.endswith("Schema") and name != "Schema" else name


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="AthSys API",
        version=API_VERSION,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={"description": "Athletics meets, entries, timing and results. Every answer is an "
                             "envelope: {success, data} or {success: false, error}."},
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    spec.components.security_scheme("device", {
        "type": "http", "scheme": "bearer",
        "description": "a timing device's own token (created with the device, shown once)"})
    spec.components.schema("Error", schema=ErrorEnvelopeSchema)
    spec.components.schema("Pagination", schema=PaginationInfoSchema)
    for status, text in _ERRORS.items():
        spec.components.response(str(status), {
            "description": text,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        })
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not documented_path(rule.rule):
            continue
        path, parameters = _openapi_path(rule.rule)
        operations = paths.setdefault(path, {})
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(
                spec, rule.endpoint, app.view_functions.get(rule.endpoint), parameters, method
            )
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def documented_path(rule: str) -> bool:
    """Every route under ``/api/`` but Flask-AppBuilder's own ``/api/v1/``, plus the spec."""
    return (rule.startswith("/api/") and not rule.startswith(FAB_API_PREFIX)) or (
        rule == "/apispec.json"
    )


def _openapi_path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    parameters = []
    for match in _CONVERTER.finditer(rule):
        schema = ({"type": "integer", "minimum": 0, "maximum": INTEGER_MAX}
                  if match["converter"] == "int" else {"type": "string"})
        parameters.append({"name": match["name"], "in": "path", "required": True,
                           "schema": schema})
    return _CONVERTER.sub(lambda m: "{" + m["name"] + "}", rule), parameters


def _operation(spec: APISpec, endpoint: str, view: Any, parameters: list[dict[str, Any]],
               method: str) -> dict[str, Any]:
    described = _OPERATIONS.get(endpoint)
    if described is None:
        doc = inspect.getdoc(view) or ""
        summary = doc.splitlines()[0] if doc else endpoint
        return {
            "operationId": f"{endpoint}.{method.lower()}",
            "summary": summary,
            "description": doc,
            "tags": [endpoint.split(".")[0]],
            "parameters": parameters,
            "security": [{"bearer": []}],
            "responses": {
                "200": {"description": "Success"},
                **{str(s): {"$ref": f"#/components/responses/{s}"} for s in (400, 401, 403, 404)},
            },
        }
    operation: dict[str, Any] = {
        "operationId": endpoint,
        "summary": described.summary,
        "description": _description(described),
        "tags": [described.tag or endpoint.split(".")[0]],
        "parameters": parameters + _query_parameters(described),
        "responses": _responses(described, has_item=bool(parameters)),
    }
    if described.roles is not None or described.security == "device":
        operation["security"] = [{described.security: []}]
    if described.request is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": described.request}},
        }
    if described.request_examples:
        operation["requestBody"] = {"required": True, "content": {
            media: {"examples": {name: {"value": value} for name, value in examples.items()}}
            for media, examples in described.request_examples.items()}}
    return operation


def _description(described: Operation) -> str:
    parts = [described.description] if described.description else []
    if described.roles is not None:
        parts.append("Roles: " + ", ".join(described.roles) + ".")
    return "\n\n".join(parts)


def _query_parameters(described: Operation) -> list[dict[str, Any]]:
    if not described.paginated:
        return []
    params: list[dict[str, Any]] = [
        {"name": "page", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": INTEGER_MAX, "default": 1}},
        {"name": "per_page", "in": "query",
         "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
    ]
    for name, item in (described.query or {}).items():
        params.append({
            "name": name, "in": "query", "required": False,
            "description": getattr(item, "description", ""),
            "schema": _field_type(item.field),
        })
    return params


def _field_type(field: fields.Field) -> dict[str, Any]:
    if isinstance(field, fields.Integer):
        return {"type": "integer", "minimum": INTEGER_MIN, "maximum": INTEGER_MAX}
    if isinstance(field, fields.Boolean):
        return {"type": "boolean"}
    if isinstance(field, fields.Date):
        return {"type": "string", "format": "date"}
    if isinstance(field, fields.Enum):
        return {"type": "string", "enum": [m.value for m in field.enum]}
    return {"type": "string"}


def _responses(described: Operation, *, has_item: bool) -> dict[str, Any]:
    errors = {400, 429, *described.errors}
    if described.request is not None:
        errors |= {409, 413}
    if described.roles is not None or described.security == "device":
        errors |= {401, 403}
    if described.request_examples:
        errors.add(413)
    if has_item:
        errors.add(404)
    success = {"description": "Success",
               "content": {described.media_type: {"schema": _body(described)}}}
    return {
        **{str(status): success for status in (described.status, *described.also)},
        **{str(status): {"$ref": f"#/components/responses/{status}"} for status in sorted(errors)},
    }


def _body(described: Operation) -> dict[str, Any]:
    """The success answer: the envelope around the response schema (any JSON without one)."""
    if described.media_type != "application/json":
        return {"type": "string"}
    data: Any = {}
    if described.response is not None:
        data = ({"type": "array", "items": described.response} if described.paginated
                else described.response)
    body: dict[str, Any] = {"type": "object", "required": ["success", "data"], "properties": {
        "success": {"type": "boolean", "enum": [True]}, "data": data}}
    if described.paginated:
        body["properties"]["pagination"] = {"$ref": "#/components/schemas/Pagination"}
    return body


@blueprint.get("/apispec.json")
def apispec_json() -> Response:
    """The OpenAPI 3 document of the API (version 1)."""
    return jsonify(build_spec(current_app))


describe("api_docs.apispec_json", summary="The OpenAPI 3 document of the API (version 1)",
         tag="docs")


_SWAGGER_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AthSys API</title>
<link rel="stylesheet" href="{css}"></head>
<body><div id="swagger-ui"></div>
<script src="{js}"></script>
<script nonce="{nonce}">SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis]}});</script>
</body></html>"""


@blueprint.get("/api/docs")
def swagger_ui() -> Response:
    """Swagger UI for /apispec.json, with the assets bundled in Flask-AppBuilder (offline)."""
    page = _SWAGGER_PAGE.format(
        css=url_for("appbuilder.static", filename="css/swagger/swagger-ui.css"),
        js=url_for("appbuilder.static", filename="js/swagger-ui-bundle.js"),
        spec=url_for("api_docs.apispec_json"),
        nonce=csp_nonce(),
    )
    return Response(page, mimetype="text/html")


describe("api_docs.swagger_ui", summary="Swagger UI for /apispec.json", tag="docs",
         media_type="text/html")
