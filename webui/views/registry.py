"""The one place that registers every admin view and its menu item."""

from __future__ import annotations

from typing import Any

from webui.security import roles
from webui.views.accounts import UserProfileView
from webui.views.athletes import AthleteView, ClubView
from webui.views.audit import AuditLogView
from webui.views.competitions import (
    CompetitionView,
    EntryView,
    EventView,
    HeatView,
    LaneAssignmentView,
    RoundView,
)
from webui.views.maintenance import register_maintenance_views
from webui.views.notifications import register_notification_views
from webui.views.records import RecordView
from webui.views.results import AttemptView, ResultRevisionView, ResultView
from webui.views.timing import ChipAssignmentView, TimingDeviceView, TimingPointView, TimingReadView

#: (view, menu item = permission resource, icon), in menu order; the category is roles.RESOURCES'.
VIEWS: tuple[tuple[type, str, str], ...] = (
    (CompetitionView, roles.COMPETITIONS, "fa-trophy"),
    (EventView, roles.EVENTS, "fa-list"),
    (RoundView, roles.ROUNDS, "fa-layer-group"),
    (HeatView, roles.HEATS, "fa-flag"),
    (LaneAssignmentView, roles.LANE_ASSIGNMENTS, "fa-grip-lines-vertical"),
    (ClubView, roles.CLUBS, "fa-users"),
    (AthleteView, roles.ATHLETES, "fa-running"),
    (EntryView, roles.ENTRIES, "fa-id-badge"),
    (ChipAssignmentView, roles.CHIP_ASSIGNMENTS, "fa-microchip"),
    (ResultView, roles.RESULTS, "fa-stopwatch"),
    (AttemptView, roles.ATTEMPTS, "fa-ruler"),
    (ResultRevisionView, roles.RESULT_REVISIONS, "fa-history"),
    (RecordView, roles.RECORDS, "fa-medal"),
    (TimingPointView, roles.TIMING_POINTS, "fa-map-marker"),
    (TimingDeviceView, roles.TIMING_DEVICES, "fa-satellite-dish"),
    (TimingReadView, roles.TIMING_READS, "fa-wave-square"),
    (AuditLogView, roles.AUDIT_LOG, "fa-clipboard-list"),
    (UserProfileView, roles.USER_PROFILES, "fa-id-card"),
)


def register_views(appbuilder: Any) -> None:
    """Add every admin view with its menu item (call once, inside the app context)."""
    for view, name, icon in VIEWS:
        appbuilder.add_view(view, name, icon=icon, category=roles.RESOURCES[name])
    register_maintenance_views(appbuilder)
    register_notification_views(appbuilder)
