"""Who is calling the API: a JWT bearer token, or the signed-in session of the web UI.

``require_auth`` protects endpoints open to anyone signed in; the permissions of the role
matrix guard the rest (``webui.api.resources.require_permission``), and services then apply
row-level rules to the :class:`~athsys.accounts.actor.Actor`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import request
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError as WTFormsValidationError

from athsys.accounts.actor import Actor
from athsys.errors import AuthenticationError, AuthorizationError
from webui.security.current import request_actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

F = TypeVar("F", bound=Callable[..., Any])


def current_actor() -> Actor | None:
    """The caller, or None when anonymous.

    A browser session may call the API too (the UI's own pages do); its writes must then
    carry the page's CSRF token in ``X-CSRFToken``, since the browser sends the cookie to
    any site's request. Bearer tokens are not sent by browsers on their own.
    """
    actor = request_actor()
    if (
        actor is not None
        and request.method not in SAFE_METHODS
        and not request.headers.get("Authorization", "").startswith("Bearer ")
    ):
        _check_csrf()
    return actor


def _check_csrf() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except (CSRFError, WTFormsValidationError):
        raise AuthorizationError(
            "a signed-in browser session must send its CSRF token in X-CSRFToken"
        ) from None


def require_auth(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_actor() is None:
            raise AuthenticationError("authentication required")
        return view(*args, **kwargs)

    return cast(F, wrapper)
