"""``/api/attempts``: trials of field events, in the order they were taken.

Heights and marks may be written in metres (``"2.05"``, ``"8.41"``) or as millimetres.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.audit.service import snapshot
from athsys.competitions.models import Entry, Heat
from athsys.results import service
from athsys.results.models import Attempt
from athsys.results.schemas import AttemptCreateSchema, AttemptResponseSchema, AttemptUpdateSchema
from athsys.sport.fields import resolve_notation
from athsys.sport.marks import Measure
from webui.api.resources import Resource, apply, column_filter, references
from webui.security import roles


def _resolve(data: dict[str, Any], heat: Heat) -> None:
    resolve_notation(data, heat.round.event.discipline.measure, ("mark",))
    resolve_notation(data, Measure.HEIGHT, ("height",))


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Attempt:
    found = references(session, {"race_id": (Heat, data.pop("race_id")),
                                 "entry_id": (Entry, data.pop("entry_id"))})
    _resolve(data, found["race_id"])
    attempt = Attempt(heat=found["race_id"], entry=found["entry_id"], **data)
    return service.record_attempt(session, actor, attempt)


def _update(session: Session, actor: Actor, attempt: Attempt, data: dict[str, Any]) -> None:
    before = snapshot(attempt)
    _resolve(data, attempt.heat)
    apply(attempt, data)
    service.correct_attempt(session, actor, attempt, before)


def resource() -> Resource:
    return Resource(
        name="attempts",
        model=Attempt,
        permission=roles.ATTEMPTS,
        response=AttemptResponseSchema(),
        create_schema=AttemptCreateSchema(),
        update_schema=AttemptUpdateSchema(),
        create=_create,
        update=_update,
        delete=service.delete_attempt,
        filters={
            "race_id": column_filter(Attempt.heat_id, fields.Integer()),
            "entry_id": column_filter(Attempt.entry_id, fields.Integer()),
        },
    )
