"""The names of roles and permissions: the one place where they are spelt.

A permission is an (action, resource) pair as Flask-AppBuilder stores it. The matrix that
grants permissions to roles is built from these names in ``webui/security/roles.py``;
services check roles by these names (see :class:`~athsys.accounts.actor.Actor`), and
nothing else spells a role or a permission as a string.
"""

from __future__ import annotations

from typing import Final

Permission = tuple[str, str]

# -- roles -------------------------------------------------------------------------------------
ADMIN: Final = "Admin"
CHIEF_REGISTRAR: Final = "Chief Registrar"
REGISTRAR: Final = "Registrar"
STARTER: Final = "Starter"
COACH: Final = "Coach"
ATHLETE: Final = "Athlete"
VIEWER: Final = "Viewer"
PUBLIC: Final = "Public"

ROLE_NAMES: Final = (ADMIN, CHIEF_REGISTRAR, REGISTRAR, STARTER, COACH, ATHLETE, VIEWER)

# -- actions ---------------------------------------------------------------------------------
CAN_LIST: Final = "can_list"
CAN_SHOW: Final = "can_show"
CAN_ADD: Final = "can_add"
CAN_EDIT: Final = "can_edit"
CAN_DELETE: Final = "can_delete"
MENU_ACCESS: Final = "menu_access"

# bulk actions (Flask-AppBuilder names an action's permission after the action itself)
SCRATCH: Final = "scratch"
CHECK_IN: Final = "check_in"
START_HEAT: Final = "start_heat"
FINISH_HEAT: Final = "finish_heat"
MARK_OFFICIAL: Final = "mark_official"
RELEASE_CHIP: Final = "release_chip"
REVOKE_DEVICE: Final = "revoke_device"
SEED_HEATS: Final = "seed_heats"  # seed a round into heats, draw lanes
ADVANCE_ROUND: Final = "advance_round"  # mark Q/q, seed the next round
DERIVE_RESULTS: Final = "derive_results"  # a flight's results from its field series

# -- resources (view permission names, and the menu items of the same name) -----------------
CLUBS: Final = "Clubs"
ATHLETES: Final = "Athletes"
COMPETITIONS: Final = "Competitions"
EVENTS: Final = "Events"
ROUNDS: Final = "Rounds"
HEATS: Final = "Heats"
ENTRIES: Final = "Entries"
LANE_ASSIGNMENTS: Final = "Start lists"
RESULTS: Final = "Results"
RESULT_REVISIONS: Final = "Result revisions"
ATTEMPTS: Final = "Attempts"
TIMING_POINTS: Final = "Timing points"
CHIP_ASSIGNMENTS: Final = "Chip assignments"
TIMING_DEVICES: Final = "Timing devices"
TIMING_READS: Final = "Timing reads"
RECORDS: Final = "Records"
AUDIT_LOG: Final = "Audit log"
USER_PROFILES: Final = "User profiles"
MY_SUBSCRIPTIONS: Final = "My subscriptions"  # the signed-in user's own, page and API
MY_NOTIFICATIONS: Final = "My notifications"
BACKUPS: Final = "Backups"  # Admin only, like the two below
FAILED_NOTIFICATIONS: Final = "Failed notifications"
SCHEDULE: Final = "Schedule"

# menu categories
MEET: Final = "Meet"
REGISTRATION: Final = "Registration"
RESULTS_MENU: Final = "Results & records"
TIMING: Final = "Timing"
ADMINISTRATION: Final = "Administration"
SECURITY: Final = "Security"  # Flask-AppBuilder's own user management
USERS_MENU: Final = "List Users"
NOTIFICATIONS_MENU: Final = "Notifications"

# Flask-AppBuilder's own views and their permissions (its names, kept as they are)
USER_RESOURCE: Final = "UserDBModelView"
RESET_MY_PASSWORD: Final = "ResetMyPasswordView"
MENU_API: Final = "MenuApi"
CAN_THIS_FORM_GET: Final = "can_this_form_get"
CAN_THIS_FORM_POST: Final = "can_this_form_post"
CAN_USERINFO: Final = "can_userinfo"
CAN_RESET_MY_PASSWORD: Final = "resetmypassword"
CAN_GET: Final = "can_get"
