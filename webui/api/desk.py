"""``/api/desk``: the registration desk and the call room.

``GET /api/desk/competitions/<id>/entries?q=12`` finds entries by bib (from its start) or
name (anywhere), at most 25, with the day's counts; ``POST /api/desk/entries/<id>/check-in``
and ``.../scratch`` answer the entry's new line. Searching needs the entries' ``can_list``;
checking in and scratching the role matrix's ``check_in`` and ``scratch`` (Registrar and
above).

``POST /api/desk/competitions/<id>/late-entries`` enters an athlete on the day: a known one
(``athlete_id``) or a new one (``athlete``: names, sex, birth date, created in the same
transaction, so a refused entry leaves no stray athlete), in one of the competition's
events, with a bib, and a ``seed_mark`` (with a ``standard_waiver`` when it misses the event's entry
standard); the entries' ``can_add`` (and the athletes' for a new one). The answer
says when the event's start lists were drawn before, so the registrar knows to draw them
again. A bib is changed with ``PUT /api/registrations/<id>``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import Schema, fields, validate, validates_schema
from marshmallow import ValidationError as SchemaError
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete
from athsys.athletes.schemas import AthleteCreateSchema
from athsys.athletes.service import create_athlete
from athsys.competitions import service
from athsys.competitions.models import Competition, Entry, Event, Heat, LaneAssignment, Round
from athsys.competitions.registration_desk import DeskLine, desk_counts, find_entries
from athsys.competitions.schemas import WAIVER_HELP
from athsys.competitions.time_zones import zone_of
from athsys.errors import ValidationError
from athsys.inputs import StrictSchema
from athsys.sport.fields import MarkField, resolve_notation
from athsys.timing.chips import worn_chips
from webui.api import openapi
from webui.api.envelope import json_body, success
from webui.api.resources import (
    db,
    load,
    references,
    require_permission,
    roles_allowed,
    row_or_404,
    writing,
)
from webui.security import roles

blueprint = Blueprint("api_desk", __name__, url_prefix="/api/desk")
MAX_QUERY = 60


class DeskLineSchema(Schema):
    entry_id = fields.Integer()
    competition_id = fields.Integer()
    bib = fields.String()
    name = fields.String()
    club = fields.String()
    event = fields.String()
    status = fields.String()
    chip = fields.String(metadata={"description": "the chip worn now, \"\" without one"})
    chip_last_read = fields.String(metadata={"description": "HH:MM:SS at the venue, or \"\""})
    team_club_id = fields.Integer(allow_none=True, metadata={
        "description": "a relay team: its club, whose athletes run its legs"})
    legs = fields.Integer(metadata={"description": "a relay team: its legs; 0 for an athlete"})


class DeskSchema(Schema):
    entries = fields.Integer()
    checked_in = fields.Integer()
    scratched = fields.Integer()
    lines = fields.List(fields.Nested(DeskLineSchema))
    drawn = fields.Boolean(metadata={
        "description": "late entry: the event's start lists were drawn before it"})


class LateEntrySchema(StrictSchema):
    event_id = fields.Integer(required=True, strict=True)
    bib = fields.String(required=True, validate=validate.Length(min=1, max=12))
    athlete_id = fields.Integer(load_default=None, strict=True,
                                metadata={"description": "a known athlete"})
    athlete = fields.Nested(AthleteCreateSchema, load_default=None,
                            metadata={"description": "or a new one"})
    eligibility_override = fields.String(load_default=None, validate=validate.Length(max=200))
    seed_mark = MarkField(load_default=None, allow_none=True, metadata={
        "description": "ms / mm / points, or text in the event's notation"})
    standard_waiver = fields.String(load_default=None, validate=validate.Length(max=200),
                                    metadata={"description": WAIVER_HELP})

    @validates_schema
    def _one_athlete(self, data: dict[str, Any], **_: Any) -> None:
        if (data["athlete_id"] is None) == (data["athlete"] is None):
            raise SchemaError("give athlete_id (a known athlete) or athlete (a new one)",
                              field_name="athlete_id")


def _desk(session: Session, competition_id: int, text: str) -> dict[str, Any]:
    lines = find_entries(session, competition_id, text)
    chips = worn_chips(session, [line.entry_id for line in lines])
    zone = zone_of(row_or_404(session, Competition, competition_id).time_zone)

    def with_chip(line: DeskLine) -> dict[str, Any]:
        worn = chips.get(line.entry_id)
        read = worn.last_read.astimezone(zone).strftime("%H:%M:%S") if worn and \
            worn.last_read else ""
        return {**asdict(line), "competition_id": competition_id,
                "chip": worn.chip if worn else "", "chip_last_read": read}

    return DeskSchema().dump({  # type: ignore[no-any-return]
        **asdict(desk_counts(session, competition_id)),
        "lines": [with_chip(line) for line in lines],
    })


@blueprint.get("/competitions/<int:competition_id>/entries")
def search(competition_id: int) -> Response:
    require_permission(roles.CAN_LIST, roles.ENTRIES)
    text = request.args.get("q", "")
    if len(text) > MAX_QUERY:
        raise ValidationError(f"q: at most {MAX_QUERY} characters", details={"q": len(text)})
    row_or_404(db(), Competition, competition_id)
    return success(_desk(db(), competition_id, text))


def _act(entry_id: int, permission: str, act: Any) -> Response:
    actor = require_permission(permission, roles.ENTRIES)
    with writing() as session:
        entry = row_or_404(session, Entry, entry_id)
        act(session, actor, [entry])
        answer = _desk(session, entry.competition_id, entry.bib)
    return success(answer)


@blueprint.post("/competitions/<int:competition_id>/late-entries")
def late_entry(competition_id: int) -> Response:
    actor = require_permission(roles.CAN_ADD, roles.ENTRIES)
    body = json_body()
    data = load(LateEntrySchema(), body)
    if data["athlete"] is not None:
        require_permission(roles.CAN_ADD, roles.ATHLETES)
    with writing(body) as session:
        row_or_404(session, Competition, competition_id)
        found = references(session, {"event_id": (Event, data["event_id"]),
                                      "athlete_id": (Athlete, data["athlete_id"])})
        event: Event = found["event_id"]
        if event.competition_id != competition_id:
            raise ValidationError(f"event_id: {event.name} is not an event of this competition",
                                  details={"event_id": event.id})
        resolve_notation(data, event.discipline.measure, ("seed_mark",))
        athlete = found["athlete_id"] or create_athlete(session, actor, Athlete(
            **data["athlete"]))
        entry = service.create_entry(session, actor, Entry(
            event=event, competition_id=competition_id, athlete=athlete, bib=data["bib"],
            seed_mark=data["seed_mark"], eligibility_override=data["eligibility_override"],
            standard_waiver=data["standard_waiver"]))
        answer = _desk(session, competition_id, entry.bib)
        answer["drawn"] = bool(session.scalar(select(exists().where(
            LaneAssignment.heat_id == Heat.id, Heat.round_id == Round.id,
            Round.event_id == event.id))))
    return success(answer, status=201)


@blueprint.post("/entries/<int:entry_id>/check-in")
def check_in(entry_id: int) -> Response:
    return _act(entry_id, roles.CHECK_IN, service.check_in_entries)


@blueprint.post("/entries/<int:entry_id>/scratch")
def scratch(entry_id: int) -> Response:
    return _act(entry_id, roles.SCRATCH, service.scratch_entries)


openapi.describe("api_desk.search", summary="Find entries by bib or name, with the day's counts",
                 tag="desk", response=DeskSchema(),
                 roles=roles_allowed(roles.CAN_LIST, roles.ENTRIES))
openapi.describe("api_desk.late_entry",
                 summary="Enter a known or a new athlete on the day, with a bib",
                 tag="desk", request=LateEntrySchema(), response=DeskSchema(),
                 roles=roles_allowed(roles.CAN_ADD, roles.ENTRIES))
openapi.describe("api_desk.check_in", summary="Check an athlete in at the call room",
                 tag="desk", response=DeskSchema(),
                 roles=roles_allowed(roles.CHECK_IN, roles.ENTRIES))
openapi.describe("api_desk.scratch", summary="Scratch an entry: it leaves the start lists",
                 tag="desk", response=DeskSchema(),
                 roles=roles_allowed(roles.SCRATCH, roles.ENTRIES))
