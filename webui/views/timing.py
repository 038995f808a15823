"""Timing points, chips, devices (never their token hash) and raw reads (read-only)."""

from __future__ import annotations

from typing import Any

from flask import flash
from flask_appbuilder.actions import action
from sqlalchemy.orm import Session, selectinload

from athsys.accounts.actor import Actor
from athsys.timing import chips, devices
from athsys.timing.models import ChipAssignment, TimingDevice, TimingPoint, TimingRead
from webui.security import roles
from webui.views.base import EAGER, AthsysInterface, AthsysModelView

EAGER[TimingPoint] = (selectinload(TimingPoint.competition),)
EAGER[ChipAssignment] = (selectinload(ChipAssignment.entry),)
EAGER[TimingDevice] = (selectinload(TimingDevice.competition),
                       selectinload(TimingDevice.timing_point))
EAGER[TimingRead] = (selectinload(TimingRead.device),)


def _register_device(session: Session, actor: Actor, device: TimingDevice) -> None:
    token = devices.register_device(session, actor, device)
    flash(f"Token of {device.name} (shown once, copy it now): {token}", "warning")


class TimingPointView(AthsysModelView):
    datamodel = AthsysInterface(TimingPoint)
    class_permission_name = roles.TIMING_POINTS
    list_columns = ["competition", "name", "distance_m", "is_start", "is_finish"]
    show_columns = add_columns = edit_columns = list_columns
    search_columns = ["competition", "name"]
    label_columns = {"distance_m": "Distance (m)"}
    base_order = ("distance_m", "asc")


class ChipAssignmentView(AthsysModelView):
    datamodel = AthsysInterface(ChipAssignment)
    class_permission_name = roles.CHIP_ASSIGNMENTS
    create = staticmethod(chips.assign_chip)
    list_columns = ["chip", "entry", "valid_from", "valid_until"]
    show_columns = list_columns
    add_columns = ["entry", "chip"]
    edit_columns = ["entry", "chip", "valid_until"]
    search_columns = ["chip", "entry", "valid_until"]
    base_order = ("chip", "asc")

    @action(roles.RELEASE_CHIP, "Release", "Release the selected chips?", "fa-unlink",
            single=False)
    def release_chip(self, items: Any) -> Any:
        return self.run_bulk(items, chips.release_chips, "{count} chips released")


class TimingDeviceView(AthsysModelView):
    datamodel = AthsysInterface(TimingDevice)
    class_permission_name = roles.TIMING_DEVICES
    create = staticmethod(_register_device)
    list_columns = ["name", "competition", "kind", "timing_point", "mat_role", "token_prefix",
                    "last_seen_at", "revoked_at"]
    show_columns = list_columns
    add_columns = ["competition", "name", "kind", "timing_point", "mat_role"]
    edit_columns = ["name", "kind", "timing_point", "mat_role"]
    search_columns = ["name", "competition", "kind", "token_prefix"]
    label_columns = {"token_prefix": "Token starts with"}  # nosec B105 # not a password
    base_order = ("name", "asc")

    @action(roles.REVOKE_DEVICE, "Revoke token", "Revoke the selected devices' tokens?",
            "fa-lock", single=False)
    def revoke_device(self, items: Any) -> Any:
        return self.run_bulk(items, devices.revoke_devices, "{count} device tokens revoked")


class TimingReadView(AthsysModelView):
    """Raw passings as the devices sent them: evidence, never edited."""

    datamodel = AthsysInterface(TimingRead)
    class_permission_name = roles.TIMING_READS
    include_route_methods = {"list", "show"}
    list_columns = ["device", "read_id", "chip", "bib", "read_at", "is_gun", "received_at",
                    "batch.processed_at", "flag"]
    show_columns = [*list_columns, "timing_point_id", "hits", "rssi", "antenna"]
    search_columns = ["device", "chip", "bib", "read_at"]
    # a read is processed when its batch is
    label_columns = {"batch.processed_at": "Processed at"}
    base_order = ("read_at", "desc")
