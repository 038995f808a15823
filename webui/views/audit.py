"""The audit log, read-only: who changed what, before and after, when."""

from __future__ import annotations

from athsys.audit.models import AuditLog
from webui.security import roles
from webui.views.base import AthsysInterface, AthsysModelView


class AuditLogView(AthsysModelView):
    datamodel = AthsysInterface(AuditLog)
    class_permission_name = roles.AUDIT_LOG
    include_route_methods = {"list", "show"}
    list_columns = ["at", "actor_name", "action", "entity", "entity_id", "request_id"]
    show_columns = [*list_columns, "actor_id", "changes"]
    search_columns = ["actor_name", "action", "entity", "entity_id", "at", "request_id"]
    label_columns = {"actor_name": "Who", "entity_id": "Id"}
    base_order = ("at", "desc")
