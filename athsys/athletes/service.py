"""Registering clubs' athletes, with the row-level rules of coaches and athletes.

Who may do what as a *permission* is the role matrix (``webui/security/roles.py``); which
*rows* is decided here: a coach manages only the athletes of their own club, and only the
athlete themself (their coach and the registration staff) sees their private data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.models import UserProfile
from athsys.accounts.roles import CHIEF_REGISTRAR, COACH, REGISTRAR
from athsys.athletes.models import Athlete, Club
from athsys.audit.service import audited_add, audited_delete, audited_update
from athsys.errors import AuthorizationError, ValidationError

#: Roles that register any athlete of any club (Admin always may).
REGISTRATION_STAFF = (CHIEF_REGISTRAR, REGISTRAR)


def may_manage_club(actor: Actor, club_id: int | None) -> bool:
    """Staff manage every club's athletes; a coach only those of the club they coach."""
    if actor.is_admin or actor.has_role(*REGISTRATION_STAFF):
        return True
    return actor.has_role(COACH) and actor.club_id is not None and club_id == actor.club_id


def check_may_manage_club(actor: Actor, club_id: int | None, *, what: str = "athletes") -> None:
    if not may_manage_club(actor, club_id):
        raise AuthorizationError(
            f"{actor.username} may manage only the {what} of their own club",
            details={"club": "not your club"},
        )


def may_see_private(actor: Actor, athlete: Athlete) -> bool:
    """Birth date and licence: staff, the athlete's coach, and the athlete themself."""
    if actor.athlete_id is not None and actor.athlete_id == athlete.id:
        return True
    return may_manage_club(actor, athlete.club_id)


def may_see_every_private(actor: Actor) -> bool:
    """Whether ``actor`` sees every athlete's private data, so may also search and sort by
    it: a search by licence would otherwise tell a viewer (or a coach, of another club's
    athlete) whose licence a number is."""
    return actor.is_admin or actor.has_role(*REGISTRATION_STAFF)


def current_related(session: Session, obj: object, name: str) -> Any:
    """The row a many-to-one relationship points at now.

    Forms set the relationship (its key is stale until a flush), the API sets the key (the
    relationship is stale): whichever the caller changed wins.
    """
    state = inspect(obj)
    relationship = state.mapper.relationships[name]
    (column,) = tuple(relationship.local_columns)
    key = state.mapper.get_property_by_column(column).key
    if state.attrs[key].history.has_changes():
        value = getattr(obj, key)
        return None if value is None else session.get(relationship.mapper.class_, value)
    return getattr(obj, name)


def club_id_of(session: Session, athlete: Athlete) -> int | None:
    club = current_related(session, athlete, "club")
    return None if club is None else club.id


def create_athlete(session: Session, actor: Actor, athlete: Athlete) -> Athlete:
    _check_names(athlete)
    check_may_manage_club(actor, club_id_of(session, athlete))
    return audited_add(session, actor, athlete)  # type: ignore[no-any-return]


def update_athlete(
    session: Session, actor: Actor, athlete: Athlete, before: Mapping[str, Any]
) -> dict[str, Any]:
    """Apply the changes already made to ``athlete``; ``before`` is the stored row.

    A coach may neither edit another club's athlete nor move their own to another club.
    """
    _check_names(athlete)
    check_may_manage_club(actor, before.get("club_id"))
    check_may_manage_club(actor, club_id_of(session, athlete))
    return audited_update(session, actor, athlete, before)


def delete_athlete(session: Session, actor: Actor, athlete: Athlete) -> None:
    check_may_manage_club(actor, athlete.club_id)
    audited_delete(session, actor, athlete)


def _check_names(athlete: Athlete) -> None:
    for field in ("first_name", "last_name"):
        if not (getattr(athlete, field) or "").strip():
            raise ValidationError(f"{field}: a name is required", details={field: "required"})


#: The links of an account to the domain, and the row each one names.
ACCOUNT_LINKS: Mapping[str, type] = {"club_id": Club, "athlete_id": Athlete}


def link_account(session: Session, user_id: int, links: Mapping[str, int | None]) -> None:
    """Set the club a coach manages and the athlete an athlete account is, of those given.

    400 naming every link whose club or athlete does not exist. Auditing is the caller's:
    the link is part of the account write that sets it.
    """
    given = {name: links[name] for name in ACCOUNT_LINKS if name in links}
    if not given:
        return
    missing = {
        name: [f"No {ACCOUNT_LINKS[name].__name__.lower()} with id {ident}."]
        for name, ident in given.items()
        if ident is not None and session.get(ACCOUNT_LINKS[name], ident) is None
    }
    if missing:
        raise ValidationError(f"invalid fields: {', '.join(sorted(missing))}", details=missing)
    profile = session.get(UserProfile, user_id) or UserProfile(user_id=user_id)
    for name, ident in given.items():
        setattr(profile, name, ident)
    session.add(profile)
    session.flush()
