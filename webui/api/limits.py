"""Rate limits, on the limiter Flask-AppBuilder creates (``appbuilder.sm.limiter``).

Flask-AppBuilder reads the ``RATELIMIT_*`` settings (storage in Redis, so every gunicorn
worker counts together; defaults; headers). The default limit applies to ``/api/`` only,
per client address. Signing in is limited on *failures* only, per account and per client
address: a successful sign-in does not use up the allowance, so twenty officials behind one
venue router can all sign in while a password guesser is stopped after a few tries. The
same failure limits guard Flask-AppBuilder's form login (``POST /login/``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import func, or_, select

F = TypeVar("F", bound=Callable[..., Any])

LOGIN_LIMIT_MESSAGE = "too many failed sign-in attempts; try again later"


#: Timing devices post continuously on race day and authenticate with their own token.
DEVICE_PATHS = ("/api/timing/passings", "/api/timing/lif")


def defaults_exempt() -> bool:
    """The default limit counts API calls only (pages, probes, /metrics and devices are exempt)."""
    return not request.path.startswith("/api/") or request.path in DEVICE_PATHS


def login_limit() -> str:
    return str(current_app.config["ATHSYS_SETTINGS"].ratelimit_login)


def client_key() -> str:
    return f"client:{get_remote_address()}"


def _api_account() -> str:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return ""
    identifier = body.get("username") or body.get("email") or ""
    return identifier.strip().lower() if isinstance(identifier, str) else ""


def api_account_key() -> str:
    """The account a sign-in names (a sign-in naming none fails validation: never counted)."""
    return _account_key(_api_account())


def form_account_key() -> str:
    return _account_key(request.form.get("username") or "")


def _account_key(identifier: str) -> str:
    """One account is counted once, whatever it is called: its username in any case or its
    e-mail; a name that is no account is counted as written (lower case)."""
    name = identifier.strip().lower()
    if not name:
        return "account:"
    sm = current_app.appbuilder.sm  # type: ignore[attr-defined]
    user = sm.user_model
    found = sm.session.scalar(select(user.id).where(
        or_(func.lower(user.username) == name, func.lower(user.email) == name)).limit(1))
    return f"account:{found}" if found is not None else f"account:{name}"


def api_login_failed(response: Response) -> bool:
    return response.status_code == 401


def form_login_failed(response: Response) -> bool:
    """Flask-AppBuilder answers a failed form login with the form again or a redirect to it."""
    if response.status_code == 200:
        return True
    location = response.headers.get("Location", "")
    return response.status_code in (302, 303) and urlsplit(location).path.rstrip("/").endswith(
        "/login"
    )


def record_failure(reason: str) -> None:
    """Count a failed authentication in ``athsys_authentication_failures_total{reason}``."""
    from athsys import metrics

    metrics.record_authentication_failure(reason)


def _record_breach(_: Any) -> None:
    record_failure("rate_limited")


def limit_failed_logins(limiter: Limiter, view: F) -> F:
    """``view`` (the API login) limited on failures per client address and per account."""
    for key_func in (client_key, api_account_key):
        view = limiter.limit(
            login_limit, key_func=key_func, deduct_when=api_login_failed,
            override_defaults=False, error_message=LOGIN_LIMIT_MESSAGE,
            on_breach=_record_breach,
        )(view)
    return view


def limit_form_login(app: Flask) -> None:
    """The same failure limits on Flask-AppBuilder's form login (POST only)."""
    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    blueprint = sm.auth_view.blueprint
    for key_func in (client_key, form_account_key):
        sm.limiter.limit(
            login_limit, key_func=key_func, methods=["POST"], deduct_when=form_login_failed,
            error_message=LOGIN_LIMIT_MESSAGE,
        )(blueprint)
