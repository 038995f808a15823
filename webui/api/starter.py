"""``/api/starter/heats/<id>``: a heat for the starter's and the track referee's console.

``GET`` the sheet (:mod:`athsys.officiating.heat_sheet`): the start list by lane with each
athlete's check-in and result. ``POST .../start`` (the gun now), ``.../finish`` and
``.../official`` move the heat (each guarded by its own permission of the role matrix:
``start_heat``, ``finish_heat``, ``mark_official``). ``POST .../outcome`` records what the
starter says of one athlete and answers the new sheet::

    {"entry_id": 12, "status": "DNS"}
    {"entry_id": 12, "status": "DQ", "rule": "TR16.8"}
    {"entry_id": 12, "status": "OK", "mark": "11.87"}     a time typed without photo finish
    {"entry_id": 12, "status": "OK", "mark": "11.87", "hand_timed": true}   a hand time

A typed time without ``hand_timed`` is a hand time when the heat is timed by hand
(``hand_timed`` of the race); the sheet shows a hand time to the tenth, rounded up ("11.9h").

The wind is the heat's (``PUT /api/races/<id>`` with ``{"wind": "+0.4"}``).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from athsys.competitions.models import Entry, Heat
from athsys.inputs import StrictSchema
from athsys.officiating import service as officiating
from athsys.officiating.heat_sheet import heat_sheet
from athsys.sport.ranking import ResultStatus
from webui.api import openapi
from webui.api.envelope import json_body, success
from webui.api.resources import (
    db,
    load,
    require_permission,
    roles_allowed,
    row_or_404,
    writing,
)
from webui.security import roles

blueprint = Blueprint("api_starter", __name__, url_prefix="/api/starter")


class OutcomeSchema(StrictSchema):
    entry_id = fields.Integer(required=True, strict=True)
    status = fields.Enum(ResultStatus, by_value=True, required=True,
                         metadata={"description": "OK (with a mark), DNS, DNF or DQ"})
    mark = fields.String(load_default=None, validate=validate.Length(1, 12),
                         metadata={"description": "a time typed without photo finish, 11.87"})
    rule = fields.String(load_default=None, validate=validate.Length(1, 40),
                         metadata={"description": "the rule a DQ cites, TR16.8"})
    hand_timed = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "the time was taken by hand; default: as the heat is timed"})


class LaneLineSchema(Schema):
    entry_id = fields.Integer()
    lane = fields.Integer(allow_none=True)
    position = fields.Integer(allow_none=True)
    bib = fields.String()
    name = fields.String()
    club = fields.String()
    legs = fields.List(fields.String())
    entry_status = fields.String()
    result_id = fields.Integer(allow_none=True)
    mark = fields.String()
    status = fields.String()
    rule = fields.String()
    place = fields.Integer(allow_none=True)
    source = fields.String()
    hand_timed = fields.Boolean()


class HeatSheetSchema(Schema):
    heat_id = fields.Integer()
    name = fields.String()
    event_id = fields.Integer()
    status = fields.String()
    scheduled = fields.String()
    gun = fields.String()
    wind = fields.String()
    wind_measured = fields.Boolean()
    hand_timed = fields.Boolean()
    lines = fields.List(fields.Nested(LaneLineSchema))


def _answer(session: Session, heat: Heat) -> dict[str, Any]:
    return HeatSheetSchema().dump(asdict(heat_sheet(session, heat)))  # type: ignore[no-any-return]


@blueprint.get("/heats/<int:heat_id>")
def sheet(heat_id: int) -> Response:
    require_permission(roles.CAN_LIST, roles.HEATS)
    return success(_answer(db(), row_or_404(db(), Heat, heat_id)))


def _move(heat_id: int, permission: str, move: Any) -> Response:
    actor = require_permission(permission, roles.HEATS)
    with writing() as session:
        heat = row_or_404(session, Heat, heat_id)
        move(session, actor, heat)
        answer = _answer(session, heat)
    return success(answer)


@blueprint.post("/heats/<int:heat_id>/start")
def start(heat_id: int) -> Response:
    now = datetime.now(UTC)
    return _move(heat_id, roles.START_HEAT,
                 lambda s, a, heat: officiating.start_heats(s, a, [heat], now))


@blueprint.post("/heats/<int:heat_id>/finish")
def finish(heat_id: int) -> Response:
    return _move(heat_id, roles.FINISH_HEAT,
                 lambda s, a, heat: officiating.finish_heats(s, a, [heat]))


@blueprint.post("/heats/<int:heat_id>/official")
def official(heat_id: int) -> Response:
    return _move(heat_id, roles.MARK_OFFICIAL,
                 lambda s, a, heat: officiating.mark_heats_official(s, a, [heat]))


@blueprint.post("/heats/<int:heat_id>/outcome")
def outcome(heat_id: int) -> Response:
    actor = require_permission(roles.CAN_ADD, roles.RESULTS)
    body = json_body()
    data = load(OutcomeSchema(), body)
    with writing(body) as session:
        heat = row_or_404(session, Heat, heat_id)
        entry = row_or_404(session, Entry, data["entry_id"])
        officiating.record_lane_outcome(session, actor, heat, entry, status=data["status"],
                                        mark=data["mark"], rule=data["rule"],
                                        hand_timed=data["hand_timed"])
        answer = _answer(session, heat)
    return success(answer)


for name, summary, permission in (
    ("start", "Start the heat: the gun now", roles.START_HEAT),
    ("finish", "Finish the heat (results in)", roles.FINISH_HEAT),
    ("official", "Make the heat official: records, PB/SB, notifications", roles.MARK_OFFICIAL),
):
    openapi.describe(f"api_starter.{name}", summary=summary, tag="starter",
                     response=HeatSheetSchema(), roles=roles_allowed(permission, roles.HEATS))
openapi.describe("api_starter.sheet", summary="A heat's start list with check-in and results",
                 tag="starter", response=HeatSheetSchema(),
                 roles=roles_allowed(roles.CAN_LIST, roles.HEATS))
openapi.describe("api_starter.outcome", summary="DNS, DNF, DQ with its rule, or a typed time",
                 tag="starter", request=OutcomeSchema(), response=HeatSheetSchema(),
                 roles=roles_allowed(roles.CAN_ADD, roles.RESULTS))
