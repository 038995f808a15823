"""``/api/registrations``: athletes entered in events (the model's ``Entry``).

A coach enters only their club's athletes (the service's rule). ``seed_mark`` may be given in
the event's notation (``"10.43"``, ``"8.41"``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete
from athsys.audit.service import snapshot
from athsys.competitions import service
from athsys.competitions.models import Entry, EntryStatus, Event
from athsys.competitions.schemas import (
    RegistrationCreateSchema,
    RegistrationResponseSchema,
    RegistrationUpdateSchema,
)
from athsys.sport.fields import resolve_notation
from webui.api.resources import Resource, apply, column_filter, references
from webui.security import roles


def _create(session: Session, actor: Actor, data: dict[str, Any]) -> Entry:
    found = references(session, {"event_id": (Event, data.pop("event_id")),
                                 "athlete_id": (Athlete, data.pop("athlete_id"))})
    event: Event = found["event_id"]
    resolve_notation(data, event.discipline.measure, ("seed_mark",))
    entry = Entry(event=event, competition_id=event.competition_id,
                  athlete=found["athlete_id"], **data)
    return service.create_entry(session, actor, entry)


def _update(session: Session, actor: Actor, entry: Entry, data: dict[str, Any]) -> None:
    before = snapshot(entry)
    resolve_notation(data, entry.event.discipline.measure, ("seed_mark",))
    apply(entry, data)
    service.update_entry(session, actor, entry, before)


def resource() -> Resource:
    return Resource(
        name="registrations",
        model=Entry,
        permission=roles.ENTRIES,
        response=RegistrationResponseSchema(),
        create_schema=RegistrationCreateSchema(),
        update_schema=RegistrationUpdateSchema(),
        create=_create,
        update=_update,
        delete=service.delete_entry,
        description="Entries of athletes in events. A coach manages only their club's entries.",
        filters={
            "competition_id": column_filter(Entry.competition_id, fields.Integer()),
            "event_id": column_filter(Entry.event_id, fields.Integer()),
            "athlete_id": column_filter(Entry.athlete_id, fields.Integer()),
            "bib": column_filter(Entry.bib, fields.String()),
            "status": column_filter(Entry.status, fields.Enum(EntryStatus, by_value=True)),
        },
    )
