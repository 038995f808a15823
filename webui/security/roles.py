"""The role matrix: permission constants and roles built cumulatively, read as a table.

A permission is a (action, resource) pair as Flask-AppBuilder stores it. Each role lists
only what it adds to the role below it; Admin holds every permission there is.
"""

from __future__ import annotations

from typing import Final

Permission = tuple[str, str]

ADMIN: Final = "Admin"
CHIEF_REGISTRAR: Final = "Chief Registrar"
REGISTRAR: Final = "Registrar"
STARTER: Final = "Starter"
COACH: Final = "Coach"
ATHLETE: Final = "Athlete"
VIEWER: Final = "Viewer"
PUBLIC: Final = "Public"

ROLE_NAMES: Final = (ADMIN, CHIEF_REGISTRAR, REGISTRAR, STARTER, COACH, ATHLETE, VIEWER)

# Flask-AppBuilder's own pages every signed-in user needs (own profile, password, menu).
SIGNED_IN: Final[frozenset[Permission]] = frozenset(
    {
        ("can_this_form_get", "ResetMyPasswordView"),
        ("can_this_form_post", "ResetMyPasswordView"),
        ("can_userinfo", "UserDBModelView"),
        ("resetmypassword", "UserDBModelView"),
        ("can_get", "MenuApi"),
    }
)

VIEWER_PERMISSIONS: Final[frozenset[Permission]] = SIGNED_IN
ATHLETE_PERMISSIONS: Final[frozenset[Permission]] = VIEWER_PERMISSIONS
COACH_PERMISSIONS: Final[frozenset[Permission]] = VIEWER_PERMISSIONS
STARTER_PERMISSIONS: Final[frozenset[Permission]] = VIEWER_PERMISSIONS
REGISTRAR_PERMISSIONS: Final[frozenset[Permission]] = STARTER_PERMISSIONS
CHIEF_REGISTRAR_PERMISSIONS: Final[frozenset[Permission]] = REGISTRAR_PERMISSIONS

#: Every role but Admin (which gets all permissions) with exactly what it may do.
ROLE_PERMISSIONS: Final[dict[str, frozenset[Permission]]] = {
    CHIEF_REGISTRAR: CHIEF_REGISTRAR_PERMISSIONS,
    REGISTRAR: REGISTRAR_PERMISSIONS,
    STARTER: STARTER_PERMISSIONS,
    COACH: COACH_PERMISSIONS,
    ATHLETE: ATHLETE_PERMISSIONS,
    VIEWER: VIEWER_PERMISSIONS,
    PUBLIC: frozenset(),
}
