"""Flask-AppBuilder's security manager, its user forms bound to the rules of the accounts.

A Chief Registrar manages users (the seed's "event and user management"), but only an
Admin may give or take away the Admin role: otherwise a Chief Registrar could make
themself (or anyone) an Admin. The rules are :mod:`athsys.accounts.service`'s, as for the API.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import UserDBModelView
from sqlalchemy import inspect

from athsys.accounts import service as accounts
from webui.security.current import current_actor
from webui.security.roles import ADMIN, USER_RESOURCE


def _admin_in(roles: Any) -> bool:
    return any(getattr(role, "name", None) == ADMIN for role in roles or ())


class AthsysUserDBModelView(UserDBModelView):
    # the permissions keep Flask-AppBuilder's name, which the role matrix uses
    class_permission_name = USER_RESOURCE

    # the form's user is not in the session yet: a query that autoflushed now would warn

    def pre_add(self, item: Any) -> None:
        with self.datamodel.session.no_autoflush:
            _check_admin_role_change(was_admin=False, item=item)
        super().pre_add(item)

    def pre_update(self, item: Any) -> None:
        history = inspect(item).attrs.roles.history
        before = list(history.deleted or []) + list(history.unchanged or [])
        with self.datamodel.session.no_autoflush:
            _check_admin_role_change(was_admin=_admin_in(before), item=item)
        super().pre_update(item)

    def pre_delete(self, item: Any) -> None:
        accounts.check_may_delete(current_actor(), item)
        super().pre_delete(item)


def _check_admin_role_change(*, was_admin: bool, item: Any) -> None:
    accounts.check_admin_role_change(current_actor(), was_admin=was_admin,
                                     is_admin=_admin_in(item.roles))


class AthsysSecurityManager(SecurityManager):
    userdbmodelview = AthsysUserDBModelView
    userstatschartview = None  # a chart of login counts nobody uses (and 500s on bad input)
