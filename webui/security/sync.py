"""``athsys sync-roles``: make the database's roles exactly the matrix of :mod:`roles`."""

from __future__ import annotations

import logging
from typing import Any

from webui.security.roles import ADMIN, ROLE_PERMISSIONS

log = logging.getLogger(__name__)


def sync_roles(appbuilder: Any) -> list[str]:
    """Register every view's permissions, then set each role's permissions; idempotent."""
    sm = appbuilder.sm
    # Flask-AppBuilder grants each new permission to the Admin role as it registers it
    admin = sm.find_role(ADMIN) or sm.add_role(ADMIN)
    appbuilder.add_permissions(update_perms=True)
    all_permission_views = sm.session.query(sm.permissionview_model).all()
    admin.permissions = list(all_permission_views)
    for role_name, wanted in ROLE_PERMISSIONS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        found = []
        for action, resource in sorted(wanted):
            permission_view = sm.find_permission_view_menu(action, resource)
            if permission_view is None:
                raise LookupError(f"permission {action} on {resource} does not exist")
            found.append(permission_view)
        role.permissions = found
    sm.session.commit()
    log.info("roles synchronised: %s", ", ".join([ADMIN, *ROLE_PERMISSIONS]))
    return [ADMIN, *ROLE_PERMISSIONS]
