"""Which club a coach account manages and which athlete an athlete account is."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from athsys.accounts.models import UserProfile
from webui.security import roles
from webui.views.base import EAGER, AthsysInterface, AthsysModelView

EAGER[UserProfile] = (selectinload(UserProfile.club), selectinload(UserProfile.athlete))


class UserProfileView(AthsysModelView):
    datamodel = AthsysInterface(UserProfile)
    class_permission_name = roles.USER_PROFILES
    list_columns = ["user_id", "club", "athlete"]
    show_columns = add_columns = edit_columns = list_columns
    search_columns = ["user_id", "club", "athlete"]
    label_columns = {"user_id": "User id"}
    description_columns = {"user_id": "the id of the account (Security → List Users)"}
    base_order = ("user_id", "asc")
