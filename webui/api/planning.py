"""``POST /api/rounds/<id>/seed`` and ``POST /api/rounds/<id>/advance``.

Seed: ``{"heats": 3, "seed": 2023}`` (both optional) seeds the round into heats and draws
the lanes (:func:`athsys.officiating.planning.seed_round`). Advance: ``{"seed": 5}``
(optional) marks Q/q on a finished round and seeds the next round from its results
(:func:`athsys.officiating.planning.advance_round`). Both answer the heats with their
start lists; the role matrix's ``seed_heats`` and ``advance_round`` on Rounds guard them
(Registrar and above).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from athsys.competitions.models import Round
from athsys.errors import NotFoundError
from athsys.officiating import planning
from webui.api import openapi
from webui.api.envelope import json_body, success
from webui.api.resources import load, require_permission, roles_allowed, writing
from webui.security import roles

blueprint = Blueprint("api_round_planning", __name__, url_prefix="/api/rounds")
_SEED = fields.Integer(load_default=None, validate=validate.Range(0, 2**31 - 1), strict=True)


class SeedRequestSchema(Schema):
    heats = fields.Integer(load_default=None, validate=validate.Range(1, 99), strict=True)
    seed = _SEED


class AdvanceRequestSchema(Schema):
    seed = _SEED


class StartListLineSchema(Schema):
    entry_id = fields.Integer()
    bib = fields.String()
    lane = fields.Integer(allow_none=True)


class SeededHeatSchema(Schema):
    heat_id = fields.Integer()
    number = fields.Integer()
    draw_seed = fields.Integer()
    start_list = fields.List(fields.Nested(StartListLineSchema))


class AdvancementSchema(Schema):
    round_id = fields.Integer()
    qualified = fields.Dict(keys=fields.String(), values=fields.String())
    next_round_id = fields.Integer()
    next_heats = fields.List(fields.Nested(SeededHeatSchema))


def _heat(seeded: planning.SeededHeat) -> dict[str, Any]:
    return {"heat_id": seeded.heat_id, "number": seeded.number, "draw_seed": seeded.draw_seed,
            "start_list": [{"entry_id": e, "bib": b, "lane": lane}
                           for e, b, lane in seeded.start_list]}


def _round(session: Any, round_id: int) -> Round:
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise NotFoundError(f"no round with id {round_id}", details={"id": round_id})
    return rnd  # type: ignore[no-any-return]


@blueprint.post("/<int:round_id>/seed")
def seed(round_id: int) -> Response:
    actor = require_permission(roles.SEED_HEATS, roles.ROUNDS)
    body = json_body()
    data = load(SeedRequestSchema(), body)
    with writing(body) as session:
        seeded = planning.seed_round(session, actor, _round(session, round_id),
                                     heats=data["heats"], seed=data["seed"])
        answer = [SeededHeatSchema().dump(_heat(h)) for h in seeded]
    return success(answer)


@blueprint.post("/<int:round_id>/advance")
def advance(round_id: int) -> Response:
    actor = require_permission(roles.ADVANCE_ROUND, roles.ROUNDS)
    body = json_body()
    data = load(AdvanceRequestSchema(), body)
    with writing(body) as session:
        outcome = planning.advance_round(session, actor, _round(session, round_id),
                                         seed=data["seed"])
        answer = AdvancementSchema().dump({
            "round_id": outcome.round_id,
            "qualified": {str(e): q for e, q in outcome.qualified.items()},
            "next_round_id": outcome.next_round_id,
            "next_heats": [_heat(h) for h in outcome.next_heats],
        })
    return success(answer)


openapi.describe(
    "api_round_planning.seed", summary="Seed a round into heats and draw the lanes",
    description="Zig-zag by seed mark (later rounds: by the previous round's results); "
                "lanes by ranking groups; the lot is reproducible from the stored seed.",
    tag="rounds", request=SeedRequestSchema(), response=SeededHeatSchema(many=True),
    roles=roles_allowed(roles.SEED_HEATS, roles.ROUNDS),
)
openapi.describe(
    "api_round_planning.advance",
    summary="Mark Q/q on a finished round and seed the next round from its results",
    tag="rounds", request=AdvanceRequestSchema(), response=AdvancementSchema(),
    roles=roles_allowed(roles.ADVANCE_ROUND, roles.ROUNDS),
)
