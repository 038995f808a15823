"""``/api/relay_teams``: a club's teams in relay events and their declared legs.

``POST /api/relay_teams`` enters a team (``event_id``, ``club_id``, ``bib``, optional
``team_name``, ``seed_mark`` and ``standard_waiver`` for a seed mark that misses the event's
entry standard); ``PUT /api/relay_teams/<id>/legs`` declares its runners
as a whole (``{"legs": [{"athlete_id": 7, "leg": 1}, ..., {"athlete_id": 9, "leg": null}]}``,
null for a reserve) until its race starts. ``GET`` lists an event's teams with their legs.
A team is an entry: its bib, seed mark and status change, and it is deleted, through
``/api/registrations/<id>``. The entries' permissions of the role matrix guard all of it; a
coach manages only their club's teams (the service's rule).
"""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import fields
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from athsys.athletes.models import Club
from athsys.competitions.models import Entry, Event, RelayLeg
from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs, relay_team
from athsys.competitions.schemas import (
    RelayLegsSchema,
    RelayTeamCreateSchema,
    RelayTeamResponseSchema,
)
from athsys.sport.fields import resolve_notation
from webui.api import openapi
from webui.api.envelope import json_body, paginated, success
from webui.api.resources import (
    Filter,
    db,
    list_arguments,
    load,
    references,
    require_permission,
    roles_allowed,
    writing,
)
from webui.security import roles

blueprint = Blueprint("api_relay_teams", __name__, url_prefix="/api/relay_teams")
_TEAM = RelayTeamResponseSchema()
_FILTERS = {
    "competition_id": Filter(fields.Integer(), lambda s, v: s.where(Entry.competition_id == v)),
    "event_id": Filter(fields.Integer(), lambda s, v: s.where(Entry.event_id == v)),
    "club_id": Filter(fields.Integer(), lambda s, v: s.where(Entry.club_id == v)),
}


def _with_legs():  # type: ignore[no-untyped-def]
    return select(Entry).where(Entry.team_name.is_not(None)).options(
        selectinload(Entry.club), selectinload(Entry.legs).selectinload(RelayLeg.athlete))


@blueprint.get("", strict_slashes=False)
def list_teams() -> Response:
    require_permission(roles.CAN_LIST, roles.ENTRIES)
    page, per_page, values = list_arguments(_FILTERS)
    stmt = _with_legs()
    for name, value in values.items():
        stmt = _FILTERS[name].apply(stmt, value)
    session = db()
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.order_by(Entry.id).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    return paginated(_TEAM.dump(rows, many=True), page=page, per_page=per_page,
                     total=total or 0)


@blueprint.get("/<int:entry_id>")
def show_team(entry_id: int) -> Response:
    require_permission(roles.CAN_SHOW, roles.ENTRIES)
    return success(_TEAM.dump(relay_team(db(), entry_id)))


@blueprint.post("", strict_slashes=False)
def create_team() -> Response:
    actor = require_permission(roles.CAN_ADD, roles.ENTRIES)
    body = json_body()
    data = load(RelayTeamCreateSchema(), body)
    with writing(body) as session:
        found = references(session, {"event_id": (Event, data["event_id"]),
                                     "club_id": (Club, data["club_id"])})
        event: Event = found["event_id"]
        resolve_notation(data, event.discipline.measure, ("seed_mark",))
        team = create_relay_team(session, actor, event, found["club_id"], bib=data["bib"],
                                 name=data["team_name"], seed_mark=data["seed_mark"],
                                 standard_waiver=data["standard_waiver"])
    return success(_TEAM.dump(team), status=201)


@blueprint.put("/<int:entry_id>/legs")
def set_legs(entry_id: int) -> Response:
    actor = require_permission(roles.CAN_EDIT, roles.ENTRIES)
    body = json_body()
    data = load(RelayLegsSchema(), body)
    with writing(body) as session:
        team = relay_team(session, entry_id)
        declare_legs(session, actor, team, [LegDeclaration(d["athlete_id"], d["leg"])
                                            for d in data["legs"]])
    return success(_TEAM.dump(team))


openapi.describe("api_relay_teams.list_teams", summary="Relay teams with their legs",
                 tag="relay_teams", response=_TEAM, paginated=True, query=_FILTERS,
                 roles=roles_allowed(roles.CAN_LIST, roles.ENTRIES))
openapi.describe("api_relay_teams.show_team", summary="One relay team with its legs",
                 tag="relay_teams", response=_TEAM,
                 roles=roles_allowed(roles.CAN_SHOW, roles.ENTRIES))
openapi.describe("api_relay_teams.create_team", summary="Enter a club's team in a relay event",
                 tag="relay_teams", request=RelayTeamCreateSchema(), response=_TEAM,
                 status=201, errors=(409,),
                 roles=roles_allowed(roles.CAN_ADD, roles.ENTRIES))
openapi.describe("api_relay_teams.set_legs",
                 summary="Declare a team's runners: one per leg, plus reserves",
                 description="Replaces the team's runners. Refused (409) once the team's race "
                             "has started or when an athlete already runs for another team "
                             "of the event; 400 names each runner who is not of the team's "
                             "club or of the event's sex.",
                 tag="relay_teams", request=RelayLegsSchema(), response=_TEAM, errors=(409,),
                 roles=roles_allowed(roles.CAN_EDIT, roles.ENTRIES))
