"""Who is calling the API: a JWT bearer token, or the signed-in session of the web UI.

``require_auth`` and ``require_roles`` protect endpoints with the same role names as the
admin UI; services then apply row-level rules to the :class:`~athsys.accounts.actor.Actor`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import current_app, g, request
from flask_jwt_extended import get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_login import current_user
from jwt.exceptions import PyJWTError

from athsys.accounts.actor import Actor
from athsys.accounts.models import UserProfile
from athsys.errors import AuthenticationError

F = TypeVar("F", bound=Callable[..., Any])


def _user_from_request() -> Any | None:
    if request.headers.get("Authorization", "").startswith("Bearer "):
        try:
            verify_jwt_in_request()
        except (JWTExtendedException, PyJWTError) as exc:
            raise AuthenticationError(f"invalid token: {exc}") from None
        user = get_current_user()
        if user is None or not user.is_active:
            raise AuthenticationError("the token's user does not exist or is inactive")
        return user
    if current_user and current_user.is_authenticated:
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


def current_actor() -> Actor | None:
    """The caller, or None when anonymous; computed once per request."""
    if "athsys_actor" not in g:
        user = _user_from_request()
        g.athsys_actor = actor_for(user) if user is not None else None
    return cast(Actor | None, g.athsys_actor)


def require_auth(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None:
            raise AuthenticationError("authentication required")
        return view(*args, **kwargs)

    return cast(F, wrapper)


def require_roles(*roles: str) -> Callable[[F], F]:
    """Only callers holding one of ``roles`` (or Admin) may call the endpoint."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                raise AuthenticationError("authentication required")
            actor.require_role(*roles)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate
