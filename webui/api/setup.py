"""``/api/setup``: the meet set-up wizard, one step per call (:mod:`athsys.officiating.meet_setup`).

1. ``POST /api/setup/competitions``: name, day, venue, time zone (and the lanes its events
   are run on) -> the competition, open for entries;
2. ``GET /api/setup/templates`` and ``POST /api/setup/programme`` (a template's events and
   schedule, nothing stored), then ``POST /api/setup/competitions/<id>/events`` with the
   programme as the director edited it;
3. ``POST .../entries/preview`` (every bad line and field named, nothing stored), then
   ``POST .../entries``: every row in one transaction, or a 400 naming the bad ones;
4. ``POST .../chips``: a chip per road-race entry (bibs are numbered at import);
5. ``POST .../seed``: every first round seeded, lanes drawn; the answer links each start
   list's printable heat sheet.

The role matrix's ``can_add`` on Competitions guards every step (Admin, Chief Registrar).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import time
from typing import Any

from flask import Blueprint, Response, url_for
from marshmallow import Schema, fields, validate, validates
from marshmallow import ValidationError as FieldError

from athsys.competitions.lane_draw import MAX_LANES, MIN_LANES
from athsys.competitions.meet_templates import (
    TEMPLATES,
    PlannedEvent,
    PlannedRound,
    event_name,
    expand,
)
from athsys.competitions.models import Competition, RoundKind
from athsys.competitions.schemas import _check_time_zone
from athsys.inputs import StrictSchema
from athsys.officiating import meet_setup
from athsys.sport.disciplines import DISCIPLINES
from athsys.sport.fields import MarkField
from athsys.sport.sex import Sex
from webui.api import openapi
from webui.api.envelope import json_body, success
from webui.api.resources import db, load, require_permission, roles_allowed, row_or_404, writing
from webui.security import roles

blueprint = Blueprint("api_setup", __name__, url_prefix="/api/setup")
PERMISSION = (roles.CAN_ADD, roles.COMPETITIONS)
_CLOCK = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", error="Write the time as HH:MM.")
_LANES = fields.Integer(load_default=8, strict=True, validate=validate.Range(
    min=MIN_LANES, max=MAX_LANES, error=f"A track has {MIN_LANES} to {MAX_LANES} lanes."),
    metadata={"description": f"lanes of the track, {MIN_LANES} to {MAX_LANES} (ranking "
                             "groups on 8 or 9, a draw by lot on any other)"})
_MAX_CSV = 2_000_000


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# -- schemas -----------------------------------------------------------------------------------
class SetupCompetitionRequestSchema(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=160))
    day = fields.Date(required=True, metadata={"description": "YYYY-MM-DD"})
    venue = fields.String(required=True, validate=validate.Length(min=1, max=160))
    time_zone = fields.String(load_default="UTC",
                              metadata={"description": "an IANA time zone such as Europe/Paris"})
    lanes = _LANES

    @validates("time_zone")
    def _time_zone(self, value: str, **_: Any) -> None:
        _check_time_zone(value)

    @validates("name")
    def _name(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise FieldError("Must not be blank.")


class SetupCompetitionAnswerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    venue = fields.String()
    day = fields.String()
    time_zone = fields.String()
    lanes = fields.Integer()
    status = fields.String()


class SetupTemplateSchema(Schema):
    key = fields.String()
    title = fields.String()
    description = fields.String()
    events = fields.Integer(metadata={"description": "how many events it holds"})


class SetupProgrammeRequestSchema(StrictSchema):
    template = fields.String(required=True, validate=validate.OneOf(list(TEMPLATES)))
    first_start = fields.String(load_default="10:00", validate=_CLOCK,
                                metadata={"description": "HH:MM at the venue"})


class SetupRoundSchema(StrictSchema):
    kind = fields.Enum(RoundKind, by_value=True, required=True)
    ordinal = fields.Integer(required=True, validate=validate.Range(1, 20), strict=True)
    start = fields.String(required=True, validate=_CLOCK,
                          metadata={"description": "HH:MM at the venue"})
    advance_by_place = fields.Integer(load_default=0, validate=validate.Range(0, 10), strict=True)
    advance_by_time = fields.Integer(load_default=0, validate=validate.Range(0, 20), strict=True)
    label = fields.String(load_default="", validate=validate.Length(max=20))


class SetupPlannedEventSchema(StrictSchema):
    code = fields.String(required=True, validate=validate.OneOf(list(DISCIPLINES)))
    name = fields.String(load_default="", validate=validate.Length(max=120))
    sex = fields.Enum(Sex, by_value=True, required=True)
    age_category = fields.String(load_default="SEN", validate=validate.Regexp(
        r"^(SEN|U18|U20|[MW][3-9][05])$", error="SEN, U18, U20 or a masters band (M35, W50)."))
    rounds = fields.List(fields.Nested(SetupRoundSchema), required=True,
                         validate=validate.Length(min=1, max=20))
    entry_standard = MarkField(load_default=None, allow_none=True, metadata={
        "description": "the mark an entry's seed mark must equal or better, as the results "
                       "write it (10.90, 7.80, 1:58.00); none: no standard"})


class SetupProgrammeSchema(StrictSchema):
    lanes = _LANES
    events = fields.List(fields.Nested(SetupPlannedEventSchema), required=True,
                         validate=validate.Length(min=1, max=200))


class SetupCreatedEventSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String(metadata={"description": "track, field, road or combined"})
    rounds = fields.Integer()


class SetupImportRequestSchema(StrictSchema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=_MAX_CSV),
                        metadata={"description": "the file's text, header line first"})
    first_bib = fields.Integer(load_default=None, allow_none=True, strict=True,
                               validate=validate.Range(1, 999_999),
                               metadata={"description": "where numbering starts for rows "
                                                        "without a bib"})


class SetupPreviewRowSchema(Schema):
    line = fields.Integer()
    bib = fields.String()
    bib_assigned = fields.Boolean()
    name = fields.String()
    sex = fields.String()
    birth_date = fields.String()
    club = fields.String()
    licence = fields.String()
    event = fields.String()
    seed_mark = fields.String(metadata={"description": "in the event's notation"})
    standard_waiver = fields.String(metadata={
        "description": "why the entry standard the seed mark misses is waived; empty when "
                       "it is met"})


class SetupProblemSchema(Schema):
    line = fields.Integer()
    field = fields.String()
    message = fields.String()


class SetupPreviewSchema(Schema):
    ok = fields.Boolean()
    rows = fields.List(fields.Nested(SetupPreviewRowSchema))
    problems = fields.List(fields.Nested(SetupProblemSchema))


class SetupImportedSchema(Schema):
    entries = fields.Integer()
    athletes_created = fields.Integer()
    athletes_reused = fields.Integer()
    clubs_created = fields.Integer()


class SetupChipsRequestSchema(StrictSchema):
    prefix = fields.String(load_default="", validate=validate.Regexp(
        r"^[A-Za-z0-9-]{0,12}$", error="Letters, digits and - only, at most 12."),
        metadata={"description": "the chip is prefix + bib"})


class SetupChipsSchema(Schema):
    assigned = fields.Integer()


class SetupSeedRequestSchema(StrictSchema):
    seed = fields.Integer(load_default=None, allow_none=True, strict=True,
                          validate=validate.Range(0, 2**31 - 1))


class SetupStartListLinkSchema(Schema):
    heat_id = fields.Integer()
    name = fields.String()
    sheet = fields.String(metadata={"description": "the printable heat sheet"})
    field = fields.Boolean(metadata={"description": "a field flight"})
    console = fields.String(metadata={"description": "the starter's or field judge's console"})


class SetupSeededSchema(Schema):
    seeded = fields.List(fields.Dict())
    without_entries = fields.List(fields.String())
    start_lists = fields.List(fields.Nested(SetupStartListLinkSchema))


# -- views -------------------------------------------------------------------------------------
def _competition_answer(competition: Competition, lanes: int) -> dict[str, Any]:
    return SetupCompetitionAnswerSchema().dump({  # type: ignore[no-any-return]
        "id": competition.id, "name": competition.name, "venue": competition.venue,
        "day": competition.start_date.isoformat(), "time_zone": competition.time_zone,
        "lanes": lanes, "status": competition.status.value})


@blueprint.post("/competitions")
def create_competition() -> Response:
    actor = require_permission(*PERMISSION)
    body = json_body()
    data = load(SetupCompetitionRequestSchema(), body)
    with writing(body) as session:
        competition = meet_setup.create_meet(session, actor, name=data["name"], day=data["day"],
                                             venue=data["venue"], time_zone=data["time_zone"])
        answer = _competition_answer(competition, data["lanes"])
    return success(answer, 201)


@blueprint.get("/templates")
def templates() -> Response:
    require_permission(*PERMISSION)
    return success(SetupTemplateSchema(many=True).dump([
        {"key": t.key, "title": t.title, "description": t.description, "events": len(t.events)}
        for t in TEMPLATES.values()]))


def _planned_json(planned: PlannedEvent) -> dict[str, Any]:
    return {"code": planned.code, "name": planned.name, "sex": planned.sex.value,
            "age_category": planned.age_category, "entry_standard": None,
            "rounds": [{"kind": r.kind.value, "ordinal": r.ordinal, "start": f"{r.start:%H:%M}",
                        "advance_by_place": r.advance_by_place,
                        "advance_by_time": r.advance_by_time, "label": r.label}
                       for r in planned.rounds]}


@blueprint.post("/programme")
def programme() -> Response:
    require_permission(*PERMISSION)
    data = load(SetupProgrammeRequestSchema(), json_body())
    return success([_planned_json(p) for p in expand(data["template"],
                                                     _clock(data["first_start"]))])


def _planned(data: dict[str, Any]) -> PlannedEvent:
    """A planned event as loaded, its entry standard as sent (the domain reads it:
    :func:`athsys.officiating.meet_setup.read_standards`)."""
    return PlannedEvent(
        code=data["code"], sex=data["sex"], age_category=data["age_category"],
        name=_event_name(data),
        rounds=tuple(PlannedRound(r["kind"], r["ordinal"], _clock(r["start"]),
                                  r["advance_by_place"], r["advance_by_time"], r["label"])
                     for r in data["rounds"]),
        entry_standard=data["entry_standard"])


def _event_name(data: dict[str, Any]) -> str:
    return str(data["name"]).strip() or event_name(data["code"], data["sex"],
                                                   data["age_category"])


@blueprint.post("/competitions/<int:competition_id>/events")
def add_events(competition_id: int) -> Response:
    actor = require_permission(*PERMISSION)
    body = json_body()
    data = load(SetupProgrammeSchema(), body)
    with writing(body) as session:
        competition = row_or_404(session, Competition, competition_id)
        events = meet_setup.add_programme(session, actor, competition,
                                          [_planned(e) for e in data["events"]],
                                          lanes=data["lanes"])
        answer = SetupCreatedEventSchema(many=True).dump(
            [{"id": e.id, "name": e.name, "kind": e.kind.value, "rounds": len(e.rounds)}
             for e in events])
    return success(answer, 201)


def _preview(check: Any) -> dict[str, Any]:
    return SetupPreviewSchema().dump({  # type: ignore[no-any-return]
        "ok": check.ok,
        "rows": [{"line": r.line, "bib": r.bib, "bib_assigned": r.bib_assigned,
                  "name": r.team or f"{r.first_name} {r.last_name}", "sex": r.sex.value,
                  "birth_date": r.birth_date.isoformat() if r.birth_date else "",
                  "club": r.club, "licence": r.licence, "event": r.event,
                  "seed_mark": r.seed_text, "standard_waiver": r.standard_waiver}
                 for r in check.rows],
        "problems": [asdict(p) for p in check.problems]})


@blueprint.post("/competitions/<int:competition_id>/entries/preview")
def preview_entries(competition_id: int) -> Response:
    require_permission(*PERMISSION)
    data = load(SetupImportRequestSchema(), json_body())
    session = db()
    competition = row_or_404(session, Competition, competition_id)
    return success(_preview(meet_setup.check_import(session, competition, data["csv"],
                                                    data["first_bib"])))


@blueprint.post("/competitions/<int:competition_id>/entries")
def import_entries(competition_id: int) -> Response:
    actor = require_permission(*PERMISSION)
    body = json_body()
    data = load(SetupImportRequestSchema(), body)
    with writing(body) as session:
        competition = row_or_404(session, Competition, competition_id)
        imported = meet_setup.import_entries(session, actor, competition, data["csv"],
                                             data["first_bib"])
    return success(SetupImportedSchema().dump(asdict(imported)), 201)


@blueprint.post("/competitions/<int:competition_id>/chips")
def chips(competition_id: int) -> Response:
    actor = require_permission(*PERMISSION)
    body = json_body()
    data = load(SetupChipsRequestSchema(), body)
    with writing(body) as session:
        competition = row_or_404(session, Competition, competition_id)
        assigned = meet_setup.assign_chips(session, actor, competition, data["prefix"])
    return success({"assigned": assigned})


@blueprint.post("/competitions/<int:competition_id>/seed")
def seed(competition_id: int) -> Response:
    actor = require_permission(*PERMISSION)
    body = json_body()
    data = load(SetupSeedRequestSchema(), body)
    with writing(body) as session:
        competition = row_or_404(session, Competition, competition_id)
        seeded, empty = meet_setup.seed_first_rounds(session, actor, competition, data["seed"])
        links = [{"heat_id": heat_id, "name": name, "field": field,
                  "sheet": url_for("live.heat_sheet", heat_id=heat_id),
                  "console": url_for("consoles.field" if field else "consoles.heat",
                                     heat_id=heat_id)}
                 for heat_id, name, field in meet_setup.first_heats(session, competition.id)]
        answer = SetupSeededSchema().dump({"seeded": [asdict(s) for s in seeded],
                                      "without_entries": empty, "start_lists": links})
    return success(answer)


_ROLES = roles_allowed(*PERMISSION)
for _endpoint, _summary, _request, _response, _status in (
    ("create_competition", "Wizard step 1: create a competition, open for entries",
     SetupCompetitionRequestSchema(), SetupCompetitionAnswerSchema(), 201),
    ("templates", "The meet templates: club meet, championship, road race, combined events",
     None, SetupTemplateSchema(many=True), 200),
    ("programme", "A template's events, rounds and schedule, to edit (nothing is stored)",
     SetupProgrammeRequestSchema(), SetupPlannedEventSchema(many=True), 200),
    ("add_events", "Wizard step 2: store the programme (events, rounds, start times)",
     SetupProgrammeSchema(), SetupCreatedEventSchema(many=True), 201),
    ("preview_entries", "Wizard step 3: check a CSV of entries; every bad line and field "
     "is named, nothing is stored", SetupImportRequestSchema(), SetupPreviewSchema(), 200),
    ("import_entries", "Wizard step 3: enter every row of the CSV in one transaction, or "
     "none (400 naming each bad line)", SetupImportRequestSchema(), SetupImportedSchema(), 201),
    ("chips", "Wizard step 4: a chip (prefix + bib) for every road-race entry without one",
     SetupChipsRequestSchema(), SetupChipsSchema(), 200),
    ("seed", "Wizard step 5: seed every first round and draw the lanes; links to the start "
     "lists", SetupSeedRequestSchema(), SetupSeededSchema(), 200),
):
    openapi.describe(f"api_setup.{_endpoint}", summary=_summary, tag="setup", request=_request,
                     response=_response, status=_status, roles=_ROLES)
