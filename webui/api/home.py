"""``GET /api/home``: what the signed-in user's home page shows (see :mod:`athsys.home`).

Any signed-in role may ask; the answer holds only the sections of the caller's roles. The
home page asks again every 30 seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import redis as redis_lib
from flask import Blueprint, Response, url_for
from marshmallow import Schema, fields

from athsys.accounts.actor import Actor
from athsys.accounts.roles import (
    ADMIN,
    ATHLETE,
    CHIEF_REGISTRAR,
    COACH,
    REGISTRAR,
    ROLE_NAMES,
    STARTER,
)
from athsys.home.service import home_for
from tasks.metrics import broker_client, queue_lengths
from webui.api import openapi, setup
from webui.api.auth import current_actor, require_auth
from webui.api.envelope import success
from webui.api.resources import db, roles_allowed, settings

blueprint = Blueprint("api_home", __name__, url_prefix="/api")


class HomeSchema(Schema):
    user = fields.String()
    roles = fields.List(fields.String())
    now = fields.String(metadata={"description": "when the figures were read (UTC)"})
    competitions = fields.List(fields.Dict(), metadata={
        "description": "running today or starting within a week (drafts for organisers)"})
    dashboard = fields.Dict(metadata={"description": f"{ADMIN}, {CHIEF_REGISTRAR}: heats by "
                                      "status, results per minute, ingestion lag, queue depth, "
                                      "unknown chips, batches, last backup, warnings"})
    next_heats = fields.List(fields.Dict(), metadata={"description": STARTER})
    field_events = fields.List(fields.Dict(), metadata={"description": STARTER})
    check_in = fields.List(fields.Dict(), metadata={"description": f"{REGISTRAR} and above"})
    club_entries = fields.List(fields.Dict(), metadata={"description": COACH})
    club_relay_teams = fields.List(fields.Dict(), metadata={
        "description": f"{COACH}: the club's relay teams, each with its declared legs"})
    my_entries = fields.List(fields.Dict(), metadata={"description": ATHLETE})
    my_results = fields.List(fields.Dict(), metadata={"description": ATHLETE})
    personal_bests = fields.List(fields.Dict(), metadata={"description": ATHLETE})
    setup = fields.String(metadata={"description": "the meet set-up wizard, for those who may "
                                    "create competitions"})


def _queue_depth() -> dict[str, int] | None:
    client = broker_client(settings())
    try:
        return queue_lengths(client)
    except redis_lib.RedisError:
        return None
    finally:
        client.close()


@blueprint.get("/home")
@require_auth
def home() -> Response:
    actor = cast(Actor, current_actor())
    home = home_for(db(), actor, datetime.now(UTC), _queue_depth())
    if actor.is_admin or actor.has_role(*roles_allowed(*setup.PERMISSION)):
        home["setup"] = url_for("consoles.setup")
    return success(HomeSchema().dump(home))


openapi.describe(
    "api_home.home", summary="The signed-in user's home: today's competitions and next work",
    description="Sections by role; the home page asks every 30 s.", tag="home",
    response=HomeSchema(), roles=ROLE_NAMES,
)
