"""``/api/results``: results of entries in races; a change is a correction with a revision.

Marks may be given in the notation of the race's event (``"10.43"``, ``"2:09:45"``, ``"8.41"``)
or as integers (ms, mm, points).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import snapshot
from athsys.competitions.models import Entry, Heat
from athsys.results import service
from athsys.results.models import Result
from athsys.results.schemas import ResultCreateSchema, ResultResponseSchema, ResultUpdateSchema
from athsys.sport.fields import resolve_notation
from athsys.sport.marks import Measure
from athsys.sport.ranking import ResultStatus
from webui.api.resources import Resource, apply, column_filter, references
from webui.security import roles


def _resolve(data: dict[str, Any], heat: Heat) -> None:
    found = heat.round.event.discipline
    resolve_notation(data, found.measure, ("mark",))
    resolve_notation(data, Measure.TIME, ("net_mark",))


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Result:
    found = references(session, {"race_id": (Heat, data.pop("race_id")),
                                 "entry_id": (Entry, data.pop("entry_id"))})
    _resolve(data, found["race_id"])
    result = Result(heat=found["race_id"], entry=found["entry_id"], **data)
    return service.record_result(session, actor, result)


def _update(session: Session, actor: Actor, result: Result, data: dict[str, Any]) -> None:
    before = snapshot(result)
    reason = data.pop("reason", None)
    _resolve(data, result.heat)
    apply(result, data)
    service.correct_result(session, actor, result, before, reason=reason)


def resource() -> Resource:
    return Resource(
        name="results",
        model=Result,
        permission=roles.RESULTS,
        response=ResultResponseSchema(),
        create_schema=ResultCreateSchema(),
        update_schema=ResultUpdateSchema(),
        create=_create,
        update=_update,
        delete=service.delete_result,
        description="Results of an official race may be changed by the chief registrar only; "
                    "every correction keeps the earlier version as a revision.",
        filters={
            "race_id": column_filter(Result.heat_id, fields.Integer()),
            "entry_id": column_filter(Result.entry_id, fields.Integer()),
            "status": column_filter(Result.status, fields.Enum(ResultStatus, by_value=True)),
        },
    )
