"""The race-day consoles: pages officials keep open at the track.

- ``/console/field/<heat_id>``: the field judge's sheet of a flight
  (``static/athsys/field.js`` draws it from ``/api/field``);
- ``/console/heat/<heat_id>``: the starter's and track referee's heat
  (``static/athsys/heat.js``, from ``/api/starter``);
- ``/console/desk/<competition_id>``: the registration desk and call room: find by bib or
  name, check in, scratch (``static/athsys/desk.js``, from ``/api/desk``);
- ``/console/meet/<competition_id>``: the meet's page for its officials: its schedule, each
  heat with its console, start list, judges' sheet and scoreboard, and the meet's admin
  lists, live page, printed documents and exports, all of this one competition.

Each page is a shell for any signed-in user; what it shows and what it may record is
decided by the API's permissions, so a viewer sees the sheet and no button works for them.
Anonymous visitors are sent to the login.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from athsys.competitions.models import Competition, Heat
from athsys.errors import NotFoundError
from athsys.leaderboards.reads import schedule
from athsys.sport.disciplines import EventKind
from athsys.sport.marks import format_mark
from webui.api.resources import db
from webui.pages import render_page

blueprint = Blueprint("consoles", __name__, url_prefix="/console")


@blueprint.get("/field/<int:heat_id>")
def field(heat_id: int) -> ResponseReturnValue:
    return _console("athsys/field_console.html", heat_id)


@blueprint.get("/heat/<int:heat_id>")
def heat(heat_id: int) -> ResponseReturnValue:
    return _console("athsys/heat_console.html", heat_id)


@blueprint.get("/desk/<int:competition_id>")
def desk(competition_id: int) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    found = _competition(competition_id)
    events = sorted(found.events, key=lambda event: event.name)
    standards = {event.id: format_mark(event.entry_standard, event.discipline.measure)
                 for event in events if event.entry_standard is not None}
    return render_page("athsys/desk_console.html", competition=found, events=events,
                       standards=standards)


@blueprint.get("/meet/<int:competition_id>")
def meet(competition_id: int) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    found = _competition(competition_id)
    data = schedule(db(), competition_id)
    field = {event["id"] for event in data["events"] if event["kind"] == EventKind.FIELD.value}
    return render_page("athsys/meet.html", competition=found, data=data, field_events=field)


def _competition(competition_id: int) -> Competition:
    found = db().get(Competition, competition_id)
    if found is None:
        raise NotFoundError(f"no competition with id {competition_id}",
                            details={"id": competition_id})
    return found


@blueprint.get("/setup")
def setup() -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    return render_page("athsys/setup_wizard.html")


def _console(template: str, heat_id: int) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return redirect(f"/login/?next={request.path}")
    found = db().get(Heat, heat_id)
    if found is None:
        raise NotFoundError(f"no heat with id {heat_id}", details={"id": heat_id})
    return render_page(template, heat=found)


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
