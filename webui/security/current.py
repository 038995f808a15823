"""The :class:`~athsys.accounts.actor.Actor` of the current request, for the services' rules.

A request is made by the holder of a JWT bearer token (API clients), by the signed-in user
of the web UI session, or by nobody. The actor is built once per request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_login import current_user
from jwt.exceptions import PyJWTError

from athsys.accounts.actor import Actor
from athsys.accounts.models import UserProfile
from athsys.errors import AuthenticationError

ANONYMOUS = Actor(user_id=None, username="anonymous")
_CACHE_KEY = "athsys_actor"


def _bearer_user() -> Any:
    try:
        verify_jwt_in_request()
    except (JWTExtendedException, PyJWTError) as exc:
        raise AuthenticationError(f"invalid token: {exc}") from None
    user = get_current_user()
    if user is None or not user.is_active:
        raise AuthenticationError("the token's user does not exist or is inactive")
    return user


def _user_from_request() -> Any | None:
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return _bearer_user()
    if getattr(current_user, "is_authenticated", False):
        return current_user
    return None


def actor_for(user: Any) -> Actor:
    """The Actor of a Flask-AppBuilder user, with the club and athlete of its profile."""
    session = current_app.appbuilder.session  # type: ignore[attr-defined]
    profile = session.get(UserProfile, user.id)
    return Actor(
        user_id=user.id,
        username=user.username,
        roles=frozenset(role.name for role in user.roles),
        club_id=profile.club_id if profile else None,
        athlete_id=profile.athlete_id if profile else None,
    )


def request_actor() -> Actor | None:
    """The caller of this request, or None when anonymous."""
    if _CACHE_KEY not in g:
        user = _user_from_request()
        setattr(g, _CACHE_KEY, actor_for(user) if user is not None else None)
    return getattr(g, _CACHE_KEY)  # type: ignore[no-any-return]


def current_actor() -> Actor:
    """The caller, with an anonymous visitor as an actor without roles."""
    return request_actor() or ANONYMOUS
