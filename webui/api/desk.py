"""``/api/desk``: the registration desk and the call room.

``GET /api/desk/competitions/<id>/entries?q=12`` finds entries by bib (from its start) or
name (anywhere), at most 25, with the day's counts; ``POST /api/desk/entries/<id>/check-in``
and ``.../scratch`` answer the entry's new line. Searching needs the entries' ``can_list``;
checking in and scratching the role matrix's ``check_in`` and ``scratch`` (Registrar and
above).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import Schema, fields
from sqlalchemy.orm import Session

from athsys.competitions import service
from athsys.competitions.models import Competition, Entry
from athsys.competitions.registration_desk import DeskLine, desk_counts, find_entries
from athsys.competitions.time_zones import zone_of
from athsys.errors import ValidationError
from athsys.timing.chips import worn_chips
from webui.api import openapi
from webui.api.envelope import success
from webui.api.resources import db, require_permission, roles_allowed, row_or_404, writing
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


class DeskSchema(Schema):
    entries = fields.Integer()
    checked_in = fields.Integer()
    scratched = fields.Integer()
    lines = fields.List(fields.Nested(DeskLineSchema))


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


@blueprint.post("/entries/<int:entry_id>/check-in")
def check_in(entry_id: int) -> Response:
    return _act(entry_id, roles.CHECK_IN, service.check_in_entries)


@blueprint.post("/entries/<int:entry_id>/scratch")
def scratch(entry_id: int) -> Response:
    return _act(entry_id, roles.SCRATCH, service.scratch_entries)


openapi.describe("api_desk.search", summary="Find entries by bib or name, with the day's counts",
                 tag="desk", response=DeskSchema(),
                 roles=roles_allowed(roles.CAN_LIST, roles.ENTRIES))
openapi.describe("api_desk.check_in", summary="Check an athlete in at the call room",
                 tag="desk", response=DeskSchema(),
                 roles=roles_allowed(roles.CHECK_IN, roles.ENTRIES))
openapi.describe("api_desk.scratch", summary="Scratch an entry: it leaves the start lists",
                 tag="desk", response=DeskSchema(),
                 roles=roles_allowed(roles.SCRATCH, roles.ENTRIES))
