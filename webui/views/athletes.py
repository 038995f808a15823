"""Clubs and athletes. A coach edits only their club's athletes (the service checks it)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from athsys.athletes import service
from athsys.athletes.models import Athlete, Club
from webui.security import roles
from webui.security.current import current_actor
from webui.views.base import DISPLAY, EAGER, AthsysInterface, AthsysModelView

PRIVATE = "(private)"

EAGER[Athlete] = (selectinload(Athlete.club),)


def _private(column: str) -> Any:
    def shown(athlete: Athlete) -> object:
        value = getattr(athlete, column)
        if value is None:
            return ""
        return value if service.may_see_private(current_actor(), athlete) else PRIVATE
    return shown


DISPLAY[Athlete] = {"birth_date": _private("birth_date"), "licence": _private("licence")}


class AthleteView(AthsysModelView):
    datamodel = AthsysInterface(Athlete)
    class_permission_name = roles.ATHLETES
    create = staticmethod(service.create_athlete)
    update = staticmethod(service.update_athlete)
    remove = staticmethod(service.delete_athlete)
    may_edit = staticmethod(
        lambda actor, athlete: service.check_may_manage_club(actor, athlete.club_id))
    private_columns = frozenset({"birth_date", "licence"})
    may_query_private = staticmethod(service.may_see_every_private)

    list_columns = ["last_name", "first_name", "sex", "club", "nationality", "licence"]
    show_columns = ["first_name", "last_name", "sex", "birth_date", "club", "licence",
                    "nationality", "created_at", "updated_at"]
    add_columns = edit_columns = ["first_name", "last_name", "sex", "birth_date", "club",
                                  "licence", "nationality"]
    search_columns = ["last_name", "first_name", "club", "sex", "licence", "nationality"]
    base_order = ("last_name", "asc")
    label_columns = {"birth_date": "Birth date", "licence": "Licence"}


class ClubView(AthsysModelView):
    datamodel = AthsysInterface(Club)
    class_permission_name = roles.CLUBS
    related_views = [AthleteView]

    list_columns = ["name", "code", "country"]
    show_columns = ["name", "code", "country", "created_at", "updated_at"]
    add_columns = edit_columns = ["name", "code", "country"]
    search_columns = ["name", "code", "country"]
    base_order = ("name", "asc")
