"""Flask-AppBuilder's security manager, its user forms bound to the rules of the accounts, and
its permission checks answered from one query per request.

A Chief Registrar manages users (the seed's "event and user management"), but only an
Admin may give or take away the Admin role: otherwise a Chief Registrar could make
themself (or anyone) an Admin. The rules are :mod:`athsys.accounts.service`'s, as for the API.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import g, has_request_context, request
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_appbuilder.security.views import AuthDBView, UserDBModelView
from flask_appbuilder.views import expose
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from athsys.accounts import service as accounts
from athsys.accounts.credentials import revoke_earlier_credentials
from athsys.audit.service import record
from webui.eager_lists import EagerListInterface
from webui.security.current import current_actor
from webui.security.roles import ADMIN, USER_RESOURCE


def _admin_in(roles: Any) -> bool:
    return any(getattr(role, "name", None) == ADMIN for role in roles or ())


class AthsysUserDBModelView(UserDBModelView):
    """FAB's user pages under the account rules of the API: only an Admin changes an Admin's
    account or gives the Admin role, and every change is audited in the same transaction."""

    # the permissions keep Flask-AppBuilder's name, which the role matrix uses
    class_permission_name = USER_RESOURCE

    # the form's user is not in the session yet: a query that autoflushed now would warn

    def pre_add(self, item: Any) -> None:
        with self.datamodel.session.no_autoflush:
            _check_admin_role_change(was_admin=False, item=item)
        super().pre_add(item)

    def post_add(self, item: Any) -> None:
        session = self.datamodel.session
        record(session, current_actor(), "create", "User", item.id,
               accounts.account_snapshot(item))
        session.commit()
        super().post_add(item)

    def process_form(self, form: Any, is_created: bool) -> None:
        """Before the form's values are set on the account: what it was, for the audit."""
        if not is_created:
            g.athsys_account_before = accounts.account_snapshot(self.datamodel.get(form._id))
        super().process_form(form, is_created)

    def pre_update(self, item: Any) -> None:
        before = g.pop("athsys_account_before")
        actor = current_actor()
        with self.datamodel.session.no_autoflush:
            accounts.check_may_change_account(actor, was_admin=ADMIN in before["roles"])
            _check_admin_role_change(was_admin=ADMIN in before["roles"], item=item)
            accounts.record_account_change(self.datamodel.session, actor, item.id, before,
                                           accounts.account_snapshot(item))
        super().pre_update(item)

    def pre_delete(self, item: Any) -> None:
        actor = current_actor()
        accounts.check_may_delete(actor, item)
        record(self.datamodel.session, actor, "delete", "User", item.id,
               accounts.account_snapshot(item))
        super().pre_delete(item)


def _check_admin_role_change(*, was_admin: bool, item: Any) -> None:
    accounts.check_admin_role_change(current_actor(), was_admin=was_admin,
                                     is_admin=_admin_in(item.roles))


class ClosedSecurityApi(SecurityApi):
    """Flask-AppBuilder's ``/api/v1/security/login`` and ``/refresh``, switched off: a second
    login with none of the limits, failure counters and token rules of ``/api/auth``."""

    include_route_methods: set[str] = set()


class LoadingInterface(EagerListInterface):
    """FAB's ``SQLAInterface`` whose list query loads ``relations`` with the page, one
    statement each (``selectin``): FAB's account pages list each user's roles and groups and
    each role's permissions, and read them row by row otherwise (two statements a user).
    FAB makes more of the class for related models, with the model alone: those load
    nothing more."""

    def __init__(self, obj: type, relations: tuple[str, ...] = ()) -> None:
        super().__init__(obj)
        self.loads = tuple(selectinload(getattr(obj, name)) for name in relations)

    def list_loads(self) -> tuple[LoaderOption, ...]:
        return self.loads


class AthsysAuthDBView(AuthDBView):
    """FAB's sign-in page, and signing out by a form only. FAB signs out on a plain GET, so
    any page an official opens on the venue's network could sign them out mid-meet (an image
    whose address is ``/logout/``); a POST must carry the page's CSRF token
    (:mod:`webui.csrf`). A GET, an old bookmark, shows the button instead."""

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self) -> Any:
        if request.method == "POST":
            return super().logout()
        return self.render_template("athsys/logout.html")


class AthsysSecurityManager(SecurityManager):
    userdbmodelview = AthsysUserDBModelView
    authdbview = AthsysAuthDBView
    security_api = ClosedSecurityApi

    def __init__(self, appbuilder: Any) -> None:
        super().__init__(appbuilder)
        self.userdbmodelview.datamodel = LoadingInterface(self.user_model, ("roles", "groups"))
        self.rolemodelview.datamodel = LoadingInterface(self.role_model, ("permissions",))

    def reset_password(self, userid: int, password: str) -> None:
        """FAB's own and others' password forms: an Admin's password only by an Admin, and
        the change audited (never the password). Outside a request (the CLI) it is the
        operator's own tool."""
        user = self.get_user_by_id(userid)
        if user is not None and has_request_context():
            actor = current_actor()
            if user.id != actor.user_id:
                accounts.check_may_change_account(
                    actor, was_admin=ADMIN in accounts.role_names(user))
            record(self.session, actor, "update", "User", user.id,
                   {"password": {"before": None, "after": "changed"}})
        if user is not None:
            revoke_earlier_credentials(self.session, user.id, datetime.now(UTC))
        super().reset_password(userid, password)

    def exist_permission_on_roles(self, view_name: str, permission_name: str,
                                  role_ids: list[int]) -> bool:
        """Whether one of ``role_ids`` holds ``permission_name`` on ``view_name``.

        Flask-AppBuilder asks once per menu item, button and action as it draws a page
        (45 queries on an admin list, three quarters of an empty list's time): within a
        request, the roles' permissions are read once and kept in ``g``. A change of roles
        applies from the next request, as a sign-in does.
        """
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        key = tuple(sorted(role_ids))
        held: dict[tuple[int, ...], frozenset[tuple[str, str]]] = g.setdefault(
            "athsys_role_permissions", {})
        if key not in held:
            held[key] = self._permissions_of_roles(list(key))
        return (view_name, permission_name) in held[key]

    def _permissions_of_roles(self, role_ids: list[int]) -> frozenset[tuple[str, str]]:
        """Every (view, permission) pair the roles hold, in one query."""
        assoc = assoc_permissionview_role
        found = self.session.execute(
            select(self.viewmenu_model.name, self.permission_model.name)
            .join(self.permissionview_model,
                  self.permissionview_model.view_menu_id == self.viewmenu_model.id)
            .join(self.permission_model,
                  self.permission_model.id == self.permissionview_model.permission_id)
            .join(assoc, assoc.c.permission_view_id == self.permissionview_model.id)
            .where(assoc.c.role_id.in_(role_ids))
            .distinct())
        return frozenset((view, permission) for view, permission in found)
