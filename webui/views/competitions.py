"""Competitions, events, rounds, heats, entries and start lists (lane assignments)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_appbuilder.actions import action
from sqlalchemy.orm import selectinload
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from athsys.athletes.service import check_may_manage_club
from athsys.competitions import service
from athsys.competitions.models import Competition, Entry, Event, Heat, LaneAssignment, Round
from athsys.competitions.time_zones import local_clock, local_moment
from athsys.officiating import planning
from athsys.officiating import service as officiating
from athsys.results import field_service
from athsys.sport.age_categories import WORLD_ATHLETICS, category_table, category_tables
from athsys.sport.disciplines import DISCIPLINES, discipline
from athsys.sport.team_schemes import parse_team_scheme, scheme_text
from webui.security import roles
from webui.views.base import DISPLAY, EAGER, AthsysInterface, AthsysModelView
from webui.views.marks import (
    MarkField,
    TeamSchemeField,
    VenueTimeField,
    WindField,
    discipline_field,
    show_mark,
    show_wind,
)
from webui.views.results import AttemptView, ResultView

EAGER[Event] = (selectinload(Event.competition),)
EAGER[Round] = (selectinload(Round.event).selectinload(Event.competition),)
EAGER[Heat] = (selectinload(Heat.round).selectinload(Round.event)
               .selectinload(Event.competition),)
EAGER[Entry] = (selectinload(Entry.athlete), selectinload(Entry.event))
EAGER[LaneAssignment] = (
    selectinload(LaneAssignment.heat).selectinload(Heat.round).selectinload(Round.event),
    selectinload(LaneAssignment.entry).selectinload(Entry.athlete),
)

DISPLAY[Entry] = {"seed_mark": lambda e: show_mark(e.seed_mark, e.event.discipline)}


def _zone_of_heat(heat: Heat) -> str:
    return heat.round.event.competition.time_zone


def _zone_of_round(rnd: Round) -> str:
    return rnd.event.competition.time_zone


def _chosen_zone(form: Any, name: str, zone_of: Any) -> str | None:
    """The time zone of the round or event chosen in the same form (None: none chosen)."""
    chosen = getattr(form, name).data if name in form else None
    return zone_of(chosen) if chosen is not None else None


def _gun_time(heat: Heat) -> str:
    return local_clock(heat.gun_time, _zone_of_heat(heat), day=True)


DISPLAY[Heat] = {
    "wind": lambda h: show_wind(h.wind),
    "scheduled_start": lambda h: local_moment(h.scheduled_start, _zone_of_heat(h)),
    "gun_time": _gun_time,
}
DISPLAY[Round] = {
    "scheduled_start": lambda r: local_moment(r.scheduled_start, _zone_of_round(r)),
}


def _entry_discipline(form: Any) -> Any:
    return form.event.data.discipline if form.event.data is not None else None


def _event_discipline(form: Any) -> Any:
    code = form.discipline_code.data
    return discipline(code) if code in DISCIPLINES else None


class LaneAssignmentView(AthsysModelView):
    """The start list of a heat: who runs in which lane, in which order."""

    datamodel = AthsysInterface(LaneAssignment)
    class_permission_name = roles.LANE_ASSIGNMENTS
    create = staticmethod(service.create_lane_assignment)
    update = staticmethod(service.update_lane_assignment)

    list_columns = ["heat", "position", "lane", "entry"]
    show_columns = add_columns = edit_columns = ["heat", "entry", "lane", "position"]
    search_columns = ["heat", "lane", "position"]
    base_order = ("position", "asc")


class EntryView(AthsysModelView):
    datamodel = AthsysInterface(Entry)
    class_permission_name = roles.ENTRIES
    create = staticmethod(service.create_entry)
    update = staticmethod(service.update_entry)
    remove = staticmethod(service.delete_entry)
    may_edit = staticmethod(
        lambda actor, entry: check_may_manage_club(actor, entry.competitor_club_id))

    list_columns = ["bib", "athlete", "team_name", "event", "seed_mark", "status"]
    show_columns = ["bib", "athlete", "team_name", "club", "event", "seed_mark", "status",
                    "eligibility_override",
                    "standard_waiver", "created_at", "updated_at"]
    add_columns = edit_columns = ["event", "athlete", "bib", "seed_mark", "status",
                                  "eligibility_override", "standard_waiver"]
    search_columns = ["bib", "athlete", "event", "status"]
    label_columns = {"seed_mark": "Seed mark", "team_name": "Relay team",
                     "eligibility_override": "Entered anyway, because",
                     "standard_waiver": "Standard waived, because"}
    description_columns = {
        "eligibility_override": "only when the event's sex or age category excludes the "
                                "athlete (a guest, a dispensation); registrars only",
        "standard_waiver": "only when the seed mark misses the event's entry standard; "
                           "registrars only"}
    base_order = ("bib", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "seed_mark": MarkField("Seed mark", of_form=_entry_discipline,
                               of_item=lambda e: e.event.discipline, column="seed_mark",
                               description="in the event's notation: 10.43, 1:45.12, 8.41"),
    }

    @action(roles.SCRATCH, "Scratch", "Scratch the selected entries?", "fa-ban", single=False)
    def scratch(self, items: Any) -> Any:
        return self.run_bulk(items, service.scratch_entries, "{count} entries scratched")

    @action(roles.CHECK_IN, "Check in", None, "fa-check", single=False)
    def check_in(self, items: Any) -> Any:
        return self.run_bulk(items, service.check_in_entries, "{count} entries checked in")


class HeatView(AthsysModelView):
    """A heat (the seed's "race"): start list, results and attempts are its related lists.

    The form never edits ``status`` or ``gun_time``: a heat starts, finishes and becomes
    official only through the actions below, which run the officiating services (records,
    PB/SB and notifications follow an official heat), each guarded by its own permission.
    """

    datamodel = AthsysInterface(Heat)
    class_permission_name = roles.HEATS
    related_views = [LaneAssignmentView, ResultView, AttemptView]

    list_columns = ["round", "number", "name", "scheduled_start", "gun_time", "wind", "status",
                    "hand_timed"]
    show_columns = ["round", "number", "name", "scheduled_start", "gun_time", "wind", "status",
                    "hand_timed", "draw_seed"]
    add_columns = edit_columns = ["round", "number", "name", "scheduled_start", "wind",
                                  "hand_timed", "draw_seed"]
    search_columns = ["round", "status", "scheduled_start"]
    label_columns = {"wind": "Wind (m/s)", "gun_time": "Gun time",
                     "scheduled_start": "Scheduled start", "hand_timed": "Timed by hand"}
    description_columns = {"hand_timed": "times typed in this heat are hand times (published "
                                         "to the tenth, no record) unless said otherwise"}
    base_order = ("scheduled_start", "desc")
    add_form_extra_fields = edit_form_extra_fields = {
        "wind": WindField(),
        "scheduled_start": VenueTimeField(
            "Scheduled start", of_item=_zone_of_heat,
            of_form=lambda form: _chosen_zone(form, "round", _zone_of_round)),
    }

    @action(roles.START_HEAT, "Start", "Start the selected heats now?", "fa-play", single=False)
    def start_heat(self, items: Any) -> Any:
        now = datetime.now(UTC)
        return self.run_bulk(
            items, lambda s, a, heats: officiating.start_heats(s, a, heats, now),
            "{count} heats started",
        )

    @action(roles.FINISH_HEAT, "Finish", None, "fa-flag-checkered", single=False)
    def finish_heat(self, items: Any) -> Any:
        return self.run_bulk(items, officiating.finish_heats, "{count} heats finished")

    @action(roles.MARK_OFFICIAL, "Mark official", "Mark the selected heats official?",
            "fa-stamp", single=False)
    def mark_official(self, items: Any) -> Any:
        return self.run_bulk(items, officiating.mark_heats_official,
                             "{count} heats marked official")

    @action(roles.DERIVE_RESULTS, "Results from attempts",
            "Write the results of the selected flights from their field series?", "fa-list-ol",
            single=False)
    def derive_results(self, items: Any) -> Any:
        return self.run_bulk(items, field_service.derive_field_results,
                             "{count} results written from the field series")


class RoundView(AthsysModelView):
    datamodel = AthsysInterface(Round)
    class_permission_name = roles.ROUNDS
    related_views = [HeatView]

    list_columns = ["event", "kind", "ordinal", "advance_by_place", "advance_by_time",
                    "scheduled_start"]
    show_columns = add_columns = edit_columns = [
        "event", "kind", "ordinal", "advance_by_place", "advance_by_time", "ties_both_advance",
        "scheduled_start",
    ]
    search_columns = ["event", "kind"]
    label_columns = {"advance_by_place": "Q (by place)", "advance_by_time": "q (by time)",
                     "scheduled_start": "Scheduled start"}
    base_order = ("ordinal", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "scheduled_start": VenueTimeField(
            "Scheduled start", of_item=_zone_of_round,
            of_form=lambda form: _chosen_zone(form, "event",
                                              lambda event: event.competition.time_zone)),
    }

    @action(roles.SEED_HEATS, "Seed heats",
            "Seed the selected rounds into heats and draw the lanes (replaces their start "
            "lists)?", "fa-random", single=False)
    def seed_heats(self, items: Any) -> Any:
        return self.run_bulk(
            items, lambda s, a, rounds: sum(len(planning.seed_round(s, a, r)) for r in rounds),
            "{count} heats seeded")

    @action(roles.ADVANCE_ROUND, "Advance",
            "Mark Q/q on the selected finished rounds and seed their next rounds?",
            "fa-forward", single=False)
    def advance_round(self, items: Any) -> Any:
        return self.run_bulk(
            items,
            lambda s, a, rounds: sum(len(planning.advance_round(s, a, r).qualified)
                                     for r in rounds),
            "{count} athletes qualified; the next round is seeded")


class EventView(AthsysModelView):
    datamodel = AthsysInterface(Event)
    class_permission_name = roles.EVENTS
    create = staticmethod(service.create_event)
    update = staticmethod(service.update_event)
    related_views = [RoundView, EntryView]

    list_columns = ["competition", "name", "discipline_code", "sex", "age_category", "kind"]
    show_columns = ["competition", "name", "discipline_code", "sex", "age_category", "kind",
                    "lanes", "entry_standard"]
    add_columns = edit_columns = ["competition", "discipline_code", "name", "sex",
                                  "age_category", "lanes", "entry_standard"]
    search_columns = ["competition", "name", "discipline_code", "sex", "age_category", "kind"]
    label_columns = {"discipline_code": "Discipline", "age_category": "Age category",
                     "entry_standard": "Entry standard"}
    base_order = ("name", "asc")
    add_form_extra_fields = edit_form_extra_fields = {
        "discipline_code": discipline_field(),
        "entry_standard": MarkField("Entry standard", of_form=_event_discipline,
                                    of_item=lambda e: e.discipline, column="entry_standard",
                                    description="a seed mark must equal or better it, in the "
                                                "discipline's notation: 10.90, 7.80"),
    }


class CompetitionView(AthsysModelView):
    datamodel = AthsysInterface(Competition)
    class_permission_name = roles.COMPETITIONS
    create = staticmethod(service.create_competition)
    update = staticmethod(service.update_competition)
    related_views = [EventView]

    list_columns = ["name", "venue", "start_date", "end_date", "status"]
    show_columns = add_columns = edit_columns = [
        "name", "venue", "start_date", "end_date", "time_zone", "status",
        "allow_self_registration", "indoor", "altitude_m", "championship", "age_categories",
        "team_scheme",
    ]
    label_columns = {"altitude_m": "Altitude (m)", "championship": "Championship of",
                     "age_categories": "Age categories", "team_scheme": "Team scores"}
    add_form_extra_fields = edit_form_extra_fields = {
        "age_categories": SelectField("Age categories", choices=[
            SelectChoice(name, category_table(name).name) for name in category_tables()],
            default=WORLD_ATHLETICS,
            description="the table its athletes' age categories come from"),
        "team_scheme": TeamSchemeField(),
    }
    formatters_columns = {"team_scheme": lambda value: (
        scheme_text(parse_team_scheme(value)) if value else "no team scores")}
    description_columns = {
        "indoor": "its marks are published with i (8.41i)",
        "altitude_m": "the venue's; from 1000 m its marks are published with A",
        "championship": "the championship this meet is an edition of: its records are CR"}
    search_columns = ["name", "venue", "start_date", "status"]
    base_order = ("start_date", "desc")

