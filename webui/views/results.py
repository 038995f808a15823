"""Results (corrections keep revisions), their revisions (read-only) and field attempts."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField

from athsys.competitions.models import Entry, Heat, Round
from athsys.results import field_service, service
from athsys.results.models import Attempt, Result, ResultRevision
from athsys.results.records import RecordKind
from athsys.sport.marks import Measure
from webui.security import roles
from webui.views.base import DISPLAY, EAGER, AthsysInterface, AthsysModelView
from webui.views.marks import (
    MarkField,
    ReactionTimeField,
    WindField,
    show_mark,
    show_reaction,
    show_wind,
    value_choices,
)

_HEAT_EVENT = selectinload(Result.heat).selectinload(Heat.round).selectinload(Round.event)

EAGER[Result] = (_HEAT_EVENT, selectinload(Result.entry).selectinload(Entry.athlete))
EAGER[Attempt] = (
    selectinload(Attempt.heat).selectinload(Heat.round).selectinload(Round.event),
    selectinload(Attempt.entry).selectinload(Entry.athlete),
)
EAGER[ResultRevision] = (
    selectinload(ResultRevision.result).selectinload(Result.heat).selectinload(Heat.round)
    .selectinload(Round.event),
)


def _discipline_of_heat(form: Any) -> Any:
    return form.heat.data.round.event.discipline if form.heat.data is not None else None


def _discipline(item: Any) -> Any:
    return item.heat.round.event.discipline


def _hand_choice(value: Any) -> bool | None:
    """The timing method chosen on the form: ``None`` (as the heat is timed), True, False."""
    if isinstance(value, bool) or value is None:
        return value
    return {"True": True, "False": False}.get(str(value))


def hand_timing_field() -> SelectField:
    """Hand or fully automatic; left to the heat by default (a heat timed by hand gives
    hand times). A photo-finish or chip result is never hand timed (the service refuses)."""
    return SelectField(
        "Timing", coerce=_hand_choice,
        choices=[(None, "As the heat is timed"), (True, "Hand timed"),
                 (False, "Fully automatic")],
        description="a hand time is published to the tenth, rounded up (10.2h), and makes "
                    "no record")


def _show_hand(result: Any) -> str:
    return "hand" if result.hand_timed else "fully automatic"


DISPLAY[Result] = {
    "mark": lambda r: show_mark(r.mark, _discipline(r), hand=r.hand_timed),
    "net_mark": lambda r: show_mark(r.net_mark, _discipline(r)),
    "hand_timed": lambda r: _show_hand(r),
    "wind": lambda r: show_wind(r.wind),
    "reaction_time": lambda r: show_reaction(r.reaction_time),
}
DISPLAY[ResultRevision] = {
    "mark": lambda r: show_mark(r.mark, _discipline(r.result), hand=r.hand_timed),
    "net_mark": lambda r: show_mark(r.net_mark, _discipline(r.result)),
    "hand_timed": lambda r: _show_hand(r),
    "wind": lambda r: show_wind(r.wind),
    "reaction_time": lambda r: show_reaction(r.reaction_time),
}
DISPLAY[Attempt] = {
    "mark": lambda a: show_mark(a.mark, _discipline(a)),
    "height": lambda a: show_mark(a.height, _discipline(a), Measure.HEIGHT),
    "wind": lambda a: show_wind(a.wind),
}


def _correct(session: Any, actor: Any, result: Result, before: dict[str, Any]) -> None:
    service.correct_result(session, actor, result, before,
                           reason=getattr(result, "correction_reason", None) or None)


class ResultView(AthsysModelView):
    datamodel = AthsysInterface(Result)
    class_permission_name = roles.RESULTS
    create = staticmethod(service.record_result)
    update = staticmethod(_correct)
    remove = staticmethod(service.delete_result)

    list_columns = ["heat", "place", "entry", "mark", "status", "wind", "reaction_time",
                    "source", "revision"]
    show_columns = ["heat", "entry", "place", "mark", "hand_timed", "net_mark", "status",
                    "status_rule", "wind", "reaction_time", "source", "revision", "created_at",
                    "updated_at"]
    add_columns = ["heat", "entry", "mark", "hand_timed", "net_mark", "place", "status",
                   "status_rule", "wind", "reaction_time", "source"]
    edit_columns = [*add_columns, "correction_reason"]
    search_columns = ["heat", "entry", "status", "source", "place", "record_flags"]
    search_form_extra_fields = {
        "record_flags": SelectField("Record or best", choices=value_choices(RecordKind))}
    label_columns = {"net_mark": "Net (chip) time", "reaction_time": "Reaction time (s)",
                     "record_flags": "Record or best",
                     "status_rule": "Rule", "correction_reason": "Reason for the correction",
                     "hand_timed": "Timing"}
    base_order = ("place", "asc")
    add_form_extra_fields = {
        "mark": MarkField("Mark", of_form=_discipline_of_heat, of_item=_discipline,
                          description="10.43, 1:45.12, 2:09:45, 8.41 or 2.05"),
        "net_mark": MarkField("Net (chip) time", of_form=_discipline_of_heat,
                              of_item=_discipline, column="net_mark"),
        "hand_timed": hand_timing_field(),
        "wind": WindField(),
        "reaction_time": ReactionTimeField(),
    }
    edit_form_extra_fields = {
        **add_form_extra_fields,
        "correction_reason": StringField("Reason for the correction"),
    }


class ResultRevisionView(AthsysModelView):
    """Earlier versions of results: written by corrections, never edited."""

    datamodel = AthsysInterface(ResultRevision)
    class_permission_name = roles.RESULT_REVISIONS
    include_route_methods = {"list", "show"}

    list_columns = ["result.entry", "revision", "mark", "status", "place", "changed_by",
                    "reason", "recorded_at"]
    show_columns = ["result.heat", "result.entry", "revision", "mark", "net_mark", "place",
                    "status", "status_rule", "wind", "reaction_time", "source", "hand_timed",
                    "changed_by",
                    "reason", "recorded_at"]
    search_columns = ["changed_by", "status", "recorded_at"]
    label_columns = {"result.entry": "Entry", "result.heat": "Heat"}
    base_order = ("recorded_at", "desc")


EAGER[ResultRevision] = (
    *EAGER[ResultRevision],
    selectinload(ResultRevision.result).selectinload(Result.entry).selectinload(Entry.athlete),
)


class AttemptView(AthsysModelView):
    datamodel = AthsysInterface(Attempt)
    class_permission_name = roles.ATTEMPTS
    create = staticmethod(field_service.record_attempt_of_form)
    update = staticmethod(service.correct_attempt)
    remove = staticmethod(service.delete_attempt)

    list_columns = ["heat", "entry", "sequence", "height", "outcome", "mark", "wind"]
    show_columns = edit_columns = ["heat", "entry", "sequence", "height", "outcome", "mark",
                                   "wind"]
    # the sequence of a new attempt is the entry's next one in the flight
    add_columns = ["heat", "entry", "height", "outcome", "mark", "wind"]
    search_columns = ["heat", "entry", "outcome"]
    label_columns = {"height": "Bar height"}
    base_order = ("sequence", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "height": MarkField("Bar height", of_form=_discipline_of_heat, of_item=_discipline,
                            column="height", measure=Measure.HEIGHT,
                            description="metres, e.g. 2.05 (vertical jumps only)"),
        "mark": MarkField("Mark", of_form=_discipline_of_heat, of_item=_discipline,
                          description="metres, e.g. 8.41 (valid trials of horizontal events)"),
        "wind": WindField(),
    }
