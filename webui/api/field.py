"""``/api/field/heats/<id>``: a field flight for the judges' console.

``GET`` the sheet (:mod:`athsys.results.field_sheet`): athletes in competition order with
their cells, the live standing and who is up. ``POST .../attempts`` records one attempt as
the judge writes it and answers the new sheet::

    {"entry_id": 12, "attempt": 4, "outcome": "x", "height": "2.05"}     high jump, vault
    {"entry_id": 12, "attempt": 2, "trial": "8.41", "wind": "+1.2"}     long jump
    {"entry_id": 12, "attempt": 3, "trial": "x"}                         foul (``-``: pass)

When a high jump or pole vault final ends with a tie for first, the tied athletes' next
attempts are the jump-off (``"height"`` may be left out: the rule sets it); ``"r"`` for
each of them records that they decline it and share first. The sheet's ``jump_off`` shows
its rounds, the bar, who is to jump and, once decided, who won.

``attempt`` (the athlete's attempt number) makes the write idempotent: sent again after a
lost answer, or by a second tablet, the same attempt is stored once (200, ``"replay":
true``); a different attempt under a number already used is a 409 naming what is stored.
``POST .../undo`` removes the last attempt (``{"entry_id": 12}``: that athlete's last).
Reading needs the attempts' ``can_list``, recording ``can_add``, undoing ``can_delete``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from athsys.competitions.models import Entry, Heat
from athsys.inputs import StrictSchema
from athsys.results import field_service
from athsys.results.field_sheet import FieldSheet, field_sheet
from athsys.sport.marks import Measure, format_mark
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

blueprint = Blueprint("api_field", __name__, url_prefix="/api/field")


class AttemptWrittenSchema(StrictSchema):
    entry_id = fields.Integer(required=True, strict=True)
    attempt = fields.Integer(load_default=None, strict=True, validate=validate.Range(1, 99),
                             metadata={"description": "the athlete's attempt number (retries)"})
    outcome = fields.String(load_default=None, validate=validate.OneOf(["o", "x", "-", "r"]),
                            metadata={"description": "vertical jumps: o, x, - or r"})
    height = fields.String(load_default=None, validate=validate.Length(1, 10),
                           metadata={"description": "vertical jumps: the bar, e.g. 2.05"})
    trial = fields.String(load_default=None, validate=validate.Length(1, 10),
                          metadata={"description": "jumps and throws: 8.41, x or -"})
    wind = fields.String(load_default=None, validate=validate.Length(1, 6),
                         metadata={"description": "long and triple jump: +1.2"})


class UndoSchema(StrictSchema):
    entry_id = fields.Integer(load_default=None, strict=True)


class SheetRowSchema(Schema):
    entry_id = fields.Integer()
    bib = fields.String()
    name = fields.String()
    cells = fields.List(fields.String())
    attempts = fields.Integer()
    place = fields.Integer(allow_none=True)
    best = fields.String()
    out = fields.Boolean()
    jump_off = fields.List(fields.String(), metadata={
        "description": "tied athletes: o, x, - or r per jump-off round, '' if not jumped"})


class JumpOffSheetSchema(Schema):
    heights = fields.List(fields.String(), metadata={"description": "the bar of each round"})
    bar = fields.String(allow_none=True, metadata={"description": "the bar now"})
    tied = fields.List(fields.Integer(), metadata={"description": "entry ids"})
    to_jump = fields.List(fields.Integer())
    winners = fields.List(fields.Integer(), metadata={
        "description": "entry ids: one winner, or those who share first; [] while undecided"})


class FieldSheetSchema(Schema):
    heat_id = fields.Integer()
    event = fields.String()
    vertical = fields.Boolean()
    wind = fields.Boolean()
    heights = fields.List(fields.String(), metadata={"description": "bar heights, e.g. 2.05"})
    trials = fields.Integer()
    rows = fields.List(fields.Nested(SheetRowSchema))
    up_next = fields.Integer(allow_none=True)
    final_round_order = fields.List(fields.String())
    jump_off = fields.Nested(JumpOffSheetSchema, allow_none=True)
    replay = fields.Boolean()


def _answer(sheet: FieldSheet, *, replay: bool = False) -> dict[str, Any]:
    data = asdict(sheet)
    data["heights"] = [format_mark(h, Measure.HEIGHT) for h in sheet.heights]
    if sheet.jump_off is not None:
        data["jump_off"]["heights"] = [format_mark(h, Measure.HEIGHT)
                                       for h in sheet.jump_off.heights]
        bar = sheet.jump_off.bar
        data["jump_off"]["bar"] = None if bar is None else format_mark(bar, Measure.HEIGHT)
    data["replay"] = replay
    return FieldSheetSchema().dump(data)  # type: ignore[no-any-return]


@blueprint.get("/heats/<int:heat_id>")
def sheet(heat_id: int) -> Response:
    require_permission(roles.CAN_LIST, roles.ATTEMPTS)
    return success(_answer(field_sheet(db(), row_or_404(db(), Heat, heat_id))))


@blueprint.post("/heats/<int:heat_id>/attempts")
def record(heat_id: int) -> Response:
    actor = require_permission(roles.CAN_ADD, roles.ATTEMPTS)
    body = json_body()
    data = load(AttemptWrittenSchema(), body)
    with writing(body) as session:
        heat = row_or_404(session, Heat, heat_id)
        entry = row_or_404(session, Entry, data.pop("entry_id"))
        stored = field_service.record_written_attempt(
            session, actor, heat, entry, data.pop("attempt"), **data)
        answer = _answer(field_sheet(session, heat), replay=not stored)
    return success(answer, status=201 if stored else 200)


@blueprint.post("/heats/<int:heat_id>/undo")
def undo(heat_id: int) -> Response:
    actor = require_permission(roles.CAN_DELETE, roles.ATTEMPTS)
    body = json_body()
    data = load(UndoSchema(), body)
    with writing(body) as session:
        heat = row_or_404(session, Heat, heat_id)
        entry = None if data["entry_id"] is None else row_or_404(session, Entry, data["entry_id"])
        field_service.undo_last_attempt(session, actor, heat, entry)
        answer = _answer(field_sheet(session, heat))
    return success(answer)


openapi.describe(
    "api_field.sheet", summary="A field flight as the judges' sheet shows it", tag="field",
    response=FieldSheetSchema(), roles=roles_allowed(roles.CAN_LIST, roles.ATTEMPTS),
)
openapi.describe(
    "api_field.record", summary="Record one attempt as the judge writes it",
    description="Idempotent with `attempt`: the same attempt sent twice is stored once.",
    tag="field", request=AttemptWrittenSchema(), response=FieldSheetSchema(),
    roles=roles_allowed(roles.CAN_ADD, roles.ATTEMPTS),
)
openapi.describe(
    "api_field.undo", summary="Remove the last attempt of the flight or of one athlete",
    tag="field", request=UndoSchema(), response=FieldSheetSchema(),
    roles=roles_allowed(roles.CAN_DELETE, roles.ATTEMPTS),
)
