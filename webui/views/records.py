"""Records and bests, with marks in their discipline's notation."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from athsys.records.models import Record
from webui.security import roles
from webui.views.base import DISPLAY, EAGER, AthsysInterface, AthsysModelView
from webui.views.marks import MarkField, discipline_field, discipline_or_none, show_mark

EAGER[Record] = (selectinload(Record.athlete),)
DISPLAY[Record] = {"mark": lambda r: show_mark(r.mark, discipline_or_none(r.discipline_code),
                                               hand=r.hand_timed)}


def _form_discipline(form: Any) -> Any:
    return discipline_or_none(form.discipline_code.data)


class RecordView(AthsysModelView):
    datamodel = AthsysInterface(Record)
    class_permission_name = roles.RECORDS
    list_columns = ["scope", "discipline_code", "sex", "age_category", "region", "season",
                    "holder_name", "athlete", "mark", "set_on", "venue"]
    show_columns = add_columns = edit_columns = [
        "scope", "discipline_code", "sex", "age_category", "region", "season", "athlete",
        "holder_name", "mark", "hand_timed", "set_on", "venue",
    ]
    search_columns = ["scope", "discipline_code", "sex", "region", "season", "athlete"]
    label_columns = {"discipline_code": "Discipline", "holder_name": "Holder",
                     "hand_timed": "Hand time"}
    description_columns = {"hand_timed": "a personal or season best set by hand (10.4h)"}
    base_order = ("discipline_code", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "discipline_code": discipline_field(),
        "mark": MarkField("Mark", of_form=_form_discipline,
                          of_item=lambda r: discipline_or_none(r.discipline_code),
                          required=True),
    }
