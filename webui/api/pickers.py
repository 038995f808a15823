"""``/api/pickers/<kind>?q=...``: the rows a form offers as the user types.

``kind`` is ``athletes``, ``clubs``, ``competitions``, ``events``, ``rounds``, ``entries`` or
``heats``; the answer is at
most 20 ``{"id", "text"}`` (:mod:`athsys.competitions.pickers`), what the admin forms' search
fields show. Needs the ``can_list`` of the rows picked.
"""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, Response, request
from marshmallow import Schema, fields

from athsys.competitions.pickers import PICKERS
from athsys.errors import NotFoundError, ValidationError
from webui.api import openapi
from webui.api.envelope import success
from webui.api.resources import db, require_permission, roles_allowed
from webui.security import roles

blueprint = Blueprint("api_pickers", __name__, url_prefix="/api/pickers")
MAX_QUERY = 60
#: The role matrix's resource whose ``can_list`` each picker needs.
PERMISSIONS = {"athletes": roles.ATHLETES, "clubs": roles.CLUBS,
               "competitions": roles.COMPETITIONS, "events": roles.EVENTS,
               "rounds": roles.ROUNDS, "entries": roles.ENTRIES, "heats": roles.HEATS}


class PickSchema(Schema):
    id = fields.Integer()
    text = fields.String()


@blueprint.get("/<kind>")
def pick(kind: str) -> Response:
    if kind not in PICKERS:
        raise NotFoundError(f"no picker {kind!r}: choose one of {', '.join(PICKERS)}",
                            details={"kind": kind})
    require_permission(roles.CAN_LIST, PERMISSIONS[kind])
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        raise ValidationError(f"q: at most {MAX_QUERY} characters", details={"q": len(text)})
    found = PICKERS[kind].search(db(), text)
    return success(PickSchema(many=True).dump([asdict(pick) for pick in found]))


openapi.describe(
    "api_pickers.pick", summary="Rows a form offers as the user types (at most 20)",
    description="`kind`: athletes, clubs, competitions, events, rounds, entries or heats; "
                "`q`: the text typed "
                "(a name anywhere, a bib or licence from its start).",
    tag="pickers", response=PickSchema(many=True),
    roles=roles_allowed(roles.CAN_LIST, roles.ATHLETES),
)
