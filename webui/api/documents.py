"""The documents a meet prints, as PDF (:mod:`athsys.documents.meet`).

For the public (published competitions only, as the rest of ``/api/public``):
``/api/public/heats/<id>/startlist.pdf``, ``/api/public/competitions/<id>/results.pdf``,
``/api/public/events/<id>/results.pdf``, ``/api/public/events/<id>/teams.pdf``
(``points``, ``scorers`` as the JSON scores take them),
``/api/public/competitions/<id>/teams.pdf`` (the stored team scheme) and
``/api/public/competitions/<id>/records.pdf``. For the officials:
``/api/documents/heats/<id>/judges-sheet.pdf`` (the attempts' ``can_list``).
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from athsys.competitions.models import Heat
from athsys.documents import meet
from athsys.leaderboards.teams import parse_points_scheme
from webui.api import openapi
from webui.api.public import db, event_of_heat, published, published_event
from webui.api.resources import require_permission, roles_allowed, row_or_404
from webui.security import roles

public_blueprint = Blueprint("public_documents", __name__, url_prefix="/api/public")
officials_blueprint = Blueprint("api_documents", __name__, url_prefix="/api/documents")
PDF = "application/pdf"


def _pdf(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype=PDF)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@public_blueprint.get("/heats/<int:heat_id>/startlist.pdf")
def start_list(heat_id: int) -> Response:
    published_event(event_of_heat(heat_id))
    return _pdf(meet.heat_sheet(db(), heat_id), f"heat-{heat_id}-start-list.pdf")


@public_blueprint.get("/competitions/<int:competition_id>/results.pdf")
def competition_results(competition_id: int) -> Response:
    published(competition_id)
    return _pdf(meet.results(db(), competition_id),
                f"competition-{competition_id}-results.pdf")


@public_blueprint.get("/events/<int:event_id>/results.pdf")
def event_results(event_id: int) -> Response:
    published_event(event_id)
    return _pdf(meet.event_results(db(), event_id), f"event-{event_id}-results.pdf")


@public_blueprint.get("/events/<int:event_id>/teams.pdf")
def team_scores(event_id: int) -> Response:
    published_event(event_id)
    scheme = parse_points_scheme(request.args.get("points"), request.args.get("scorers"))
    return _pdf(meet.team_scores(db(), event_id, scheme), f"event-{event_id}-teams.pdf")


@public_blueprint.get("/competitions/<int:competition_id>/teams.pdf")
def competition_team_scores(competition_id: int) -> Response:
    published(competition_id)
    return _pdf(meet.competition_team_scores(db(), competition_id),
                f"competition-{competition_id}-teams.pdf")


@public_blueprint.get("/competitions/<int:competition_id>/records.pdf")
def records(competition_id: int) -> Response:
    published(competition_id)
    return _pdf(meet.records(db(), competition_id), f"competition-{competition_id}-records.pdf")


@officials_blueprint.get("/heats/<int:heat_id>/judges-sheet.pdf")
def judges_sheet(heat_id: int) -> Response:
    require_permission(roles.CAN_LIST, roles.ATTEMPTS)
    return _pdf(meet.judge_sheet(db(), row_or_404(db(), Heat, heat_id)),
                f"heat-{heat_id}-judges-sheet.pdf")


def register(app: Flask) -> None:
    app.register_blueprint(public_blueprint)
    app.register_blueprint(officials_blueprint)


for _endpoint, _summary in (
    ("start_list", "A heat's start list (PDF)"),
    ("competition_results", "Every event's results (PDF)"),
    ("event_results", "An event's results (PDF)"),
    ("team_scores", "An event's club scores (PDF; points=10,8,6...&scorers=3)"),
    ("competition_team_scores", "The competition's team standings under its stored scheme, "
                                "then each event's (PDF)"),
    ("records", "The records that stand for the meet's events (PDF)"),
):
    openapi.describe(f"public_documents.{_endpoint}", summary=_summary, tag="documents",
                     media_type=PDF)
openapi.describe("api_documents.judges_sheet", summary="A field flight's judges' sheet (PDF)",
                 tag="documents", media_type=PDF,
                 roles=roles_allowed(roles.CAN_LIST, roles.ATTEMPTS))
