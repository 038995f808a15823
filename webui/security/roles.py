"""The role matrix: roles built cumulatively from permissions, read as a table.

A permission is a (action, resource) pair as Flask-AppBuilder stores it; the names of both,
and of the roles, are spelt once, in :mod:`athsys.accounts.roles`. Every admin view
sets ``class_permission_name`` to one of the resource constants below, and its menu item
has the same name, so "may read Results" is ``read(RESULTS)``: list, show and the menu.

Each role lists only what it adds to the role below it; Admin holds every permission there
is. Two ladders share the Viewer at their foot::

    Viewer -> Athlete -> Coach -> Registrar -> Chief Registrar
    Viewer -> Starter ----------^

Row-level rules (a coach edits only the athletes of their club, an athlete sees only their
own private data) are not permissions: the services enforce them (``athsys/*/service.py``).
"""

from __future__ import annotations

from typing import Final

from athsys.accounts.roles import (
    ADMIN as ADMIN,
)
from athsys.accounts.roles import (
    ADMINISTRATION,
    ADVANCE_ROUND,
    ATHLETE,
    ATHLETES,
    ATTEMPTS,
    AUDIT_LOG,
    CAN_ADD,
    CAN_DELETE,
    CAN_EDIT,
    CAN_GET,
    CAN_LIST,
    CAN_RESET_MY_PASSWORD,
    CAN_SHOW,
    CAN_THIS_FORM_GET,
    CAN_THIS_FORM_POST,
    CAN_USERINFO,
    CHECK_IN,
    CHIEF_REGISTRAR,
    CHIP_ASSIGNMENTS,
    CLUBS,
    COACH,
    COMPETITIONS,
    DERIVE_RESULTS,
    ENTRIES,
    EVENTS,
    FINISH_HEAT,
    HEATS,
    LANE_ASSIGNMENTS,
    MARK_OFFICIAL,
    MEET,
    MENU_ACCESS,
    MENU_API,
    MY_NOTIFICATIONS,
    MY_SUBSCRIPTIONS,
    NOTIFICATIONS_MENU,
    PUBLIC,
    RECORDS,
    REGISTRAR,
    REGISTRATION,
    RELEASE_CHIP,
    RESET_MY_PASSWORD,
    RESULT_REVISIONS,
    RESULTS,
    RESULTS_MENU,
    REVOKE_DEVICE,
    ROUNDS,
    SCRATCH,
    SECURITY,
    SEED_HEATS,
    START_HEAT,
    STARTER,
    TIMING,
    TIMING_DEVICES,
    TIMING_POINTS,
    TIMING_READS,
    USER_PROFILES,
    USER_RESOURCE,
    USERS_MENU,
    VIEWER,
    Permission,
)
from athsys.accounts.roles import (
    ROLE_NAMES as ROLE_NAMES,
)

#: Every admin resource, with its menu category: what the permission-matrix test walks.
RESOURCES: Final[dict[str, str]] = {
    COMPETITIONS: MEET, EVENTS: MEET, ROUNDS: MEET, HEATS: MEET, LANE_ASSIGNMENTS: MEET,
    CLUBS: REGISTRATION, ATHLETES: REGISTRATION, ENTRIES: REGISTRATION,
    CHIP_ASSIGNMENTS: REGISTRATION,
    RESULTS: RESULTS_MENU, ATTEMPTS: RESULTS_MENU, RESULT_REVISIONS: RESULTS_MENU,
    RECORDS: RESULTS_MENU,
    TIMING_POINTS: TIMING, TIMING_DEVICES: TIMING, TIMING_READS: TIMING,
    AUDIT_LOG: ADMINISTRATION, USER_PROFILES: ADMINISTRATION,
}


def see(*resources: str) -> frozenset[Permission]:
    """List and show the resources (reached from other pages: no menu item)."""
    return frozenset(p for r in resources for p in ((CAN_LIST, r), (CAN_SHOW, r)))


def menu(*resources: str) -> frozenset[Permission]:
    """The menu items of the resources, and their categories."""
    return frozenset(p for r in resources for p in ((MENU_ACCESS, r),
                                                    (MENU_ACCESS, RESOURCES[r])))


def read(*resources: str) -> frozenset[Permission]:
    """List and show the resources, and see their menu items and categories."""
    return see(*resources) | menu(*resources)


def write(*resources: str) -> frozenset[Permission]:
    """Add and edit (not delete)."""
    return frozenset(p for r in resources for p in ((CAN_ADD, r), (CAN_EDIT, r)))


def delete(*resources: str) -> frozenset[Permission]:
    return frozenset((CAN_DELETE, r) for r in resources)


def manage(*resources: str) -> frozenset[Permission]:
    """Everything on the resources: read, write, delete."""
    return read(*resources) | write(*resources) | delete(*resources)


def act(resource: str, *actions: str) -> frozenset[Permission]:
    return frozenset((a, resource) for a in actions)


# Flask-AppBuilder's own pages every signed-in user needs (own profile, password, menu).
SIGNED_IN: Final[frozenset[Permission]] = frozenset(
    {
        (CAN_THIS_FORM_GET, RESET_MY_PASSWORD),
        (CAN_THIS_FORM_POST, RESET_MY_PASSWORD),
        (CAN_USERINFO, USER_RESOURCE),
        (CAN_RESET_MY_PASSWORD, USER_RESOURCE),
        (CAN_GET, MENU_API),
    }
)

# Every signed-in user's own subscriptions and notifications (rows: athsys.notifications.inbox).
SELF_SERVICE: Final[frozenset[Permission]] = frozenset(
    {
        (CAN_LIST, MY_SUBSCRIPTIONS), (CAN_ADD, MY_SUBSCRIPTIONS),
        (CAN_DELETE, MY_SUBSCRIPTIONS), (MENU_ACCESS, MY_SUBSCRIPTIONS),
        (CAN_LIST, MY_NOTIFICATIONS), (CAN_EDIT, MY_NOTIFICATIONS),
        (MENU_ACCESS, MY_NOTIFICATIONS), (MENU_ACCESS, NOTIFICATIONS_MENU),
    }
)

# What anyone signed in may read: the meet as the public sees it.
PUBLIC_DATA: Final = (
    CLUBS, ATHLETES, COMPETITIONS, EVENTS, ROUNDS, HEATS, ENTRIES, LANE_ASSIGNMENTS,
    RESULTS, ATTEMPTS, RECORDS, TIMING_POINTS,
)

# The matrix. Each role: the role(s) below it | what it adds. A role's menu holds what it
# uses; the rest of the public data is reached through links (a heat's results, an entry's
# athlete) and the home page.
VIEWER_PERMISSIONS: Final[frozenset[Permission]] = (
    SIGNED_IN | SELF_SERVICE | see(*PUBLIC_DATA) | menu(COMPETITIONS, RESULTS, RECORDS)
)

# An athlete reads what a viewer reads; their own private data is a row-level rule.
ATHLETE_PERMISSIONS: Final[frozenset[Permission]] = VIEWER_PERMISSIONS

# A coach registers their club's athletes and enters them (rows checked by the services).
COACH_PERMISSIONS: Final[frozenset[Permission]] = (
    ATHLETE_PERMISSIONS
    | write(ATHLETES, ENTRIES) | menu(ATHLETES, ENTRIES)
)

# A starter starts heats (gun time, wind), checks athletes in at the call room and records
# results and field attempts.
STARTER_PERMISSIONS: Final[frozenset[Permission]] = (
    VIEWER_PERMISSIONS
    | act(HEATS, START_HEAT, FINISH_HEAT) | (frozenset({(CAN_EDIT, HEATS)}))
    | act(ENTRIES, CHECK_IN)
    | write(RESULTS) | manage(ATTEMPTS) | act(HEATS, DERIVE_RESULTS)
    | menu(HEATS, LANE_ASSIGNMENTS)
)

# A registrar runs registration and the races: athletes, entries, bibs, chips, heats.
REGISTRAR_PERMISSIONS: Final[frozenset[Permission]] = (
    STARTER_PERMISSIONS | COACH_PERMISSIONS
    | manage(CLUBS, ATHLETES, ENTRIES, CHIP_ASSIGNMENTS, ROUNDS, HEATS, LANE_ASSIGNMENTS)
    | act(ENTRIES, SCRATCH, CHECK_IN) | act(HEATS, MARK_OFFICIAL)
    | act(ROUNDS, SEED_HEATS, ADVANCE_ROUND)
    | act(CHIP_ASSIGNMENTS, RELEASE_CHIP)
    | delete(RESULTS) | read(RESULT_REVISIONS) | menu(EVENTS)
)

# The chief registrar sets up the meet (competitions, events, timing, records) and users.
CHIEF_REGISTRAR_PERMISSIONS: Final[frozenset[Permission]] = (
    REGISTRAR_PERMISSIONS
    | manage(COMPETITIONS, EVENTS, TIMING_POINTS, TIMING_DEVICES, RECORDS, USER_PROFILES)
    | act(TIMING_DEVICES, REVOKE_DEVICE)
    | read(TIMING_READS, AUDIT_LOG)
    | frozenset({
        (CAN_LIST, USER_RESOURCE), (CAN_SHOW, USER_RESOURCE), (CAN_ADD, USER_RESOURCE),
        (CAN_EDIT, USER_RESOURCE), (MENU_ACCESS, USERS_MENU), (MENU_ACCESS, SECURITY),
    })
)

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
