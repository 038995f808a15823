"""``/api/auth/...``: sign in, refresh, sign out, who am I, change password, self-registration.

Tokens are JWTs (HS256): an access token for 24 h and a refresh token for 30 days (both
configurable). Signing out revokes the access token and, when given, the refresh token: their
ids go to a denylist in Redis that expires with the token itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

import redis as redis_lib
from flask import Blueprint, Flask, Response, current_app, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    decode_token,
    get_jwt,
    get_jwt_identity,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_limiter import Limiter
from jwt.exceptions import ExpiredSignatureError, PyJWTError
from sqlalchemy.orm import Session

from athsys.accounts import service as accounts
from athsys.accounts.actor import Actor
from athsys.accounts.credentials import issued_before_change
from athsys.accounts.schemas import (
    LoginSchema,
    LogoutSchema,
    PasswordChangeSchema,
    RegisterSchema,
    TokenResponseSchema,
    UserResponseSchema,
)
from athsys.competitions import self_registration
from athsys.competitions.self_registration import SignUp
from athsys.errors import AuthenticationError, ValidationError
from webui.api import openapi
from webui.api.auth import current_actor, require_auth
from webui.api.envelope import json_body, success
from webui.api.limits import limit_failed_logins, record_failure
from webui.api.resources import db, load, settings, writing
from webui.api.users import dump_user
from webui.security import roles
from webui.security.accounts import user_store

DENYLIST_PREFIX = "athsys:jwt:revoked:"
_LOGIN = LoginSchema()
_LOGOUT = LogoutSchema()
_PASSWORD = PasswordChangeSchema()
_REGISTER = RegisterSchema()


# -- the denylist ------------------------------------------------------------------------------
def _redis() -> redis_lib.Redis:
    return cast(redis_lib.Redis, current_app.extensions["athsys_redis"])


def revoke(claims: dict[str, Any]) -> None:
    """Deny the token of ``claims`` until it would have expired anyway."""
    ttl = int(claims["exp"] - datetime.now(UTC).timestamp()) + 1
    if ttl > 0:
        _redis().set(DENYLIST_PREFIX + claims["jti"], claims.get("type", "access"), ex=ttl)


def is_revoked(_header: dict[str, Any], claims: dict[str, Any]) -> bool:
    """Signed out (its id denied), or issued before the account's password changed or the
    account signed out everywhere."""
    if _redis().exists(DENYLIST_PREFIX + claims["jti"]):
        return True
    subject = str(claims.get("sub", ""))
    return subject.isdigit() and issued_before_change(db(), int(subject), claims["iat"])


def install_denylist(app: Flask) -> None:
    jwt_manager = app.appbuilder.sm.jwt_manager  # type: ignore[attr-defined]
    jwt_manager.token_in_blocklist_loader(is_revoked)


# -- helpers -----------------------------------------------------------------------------------
def _sm() -> Any:
    return current_app.appbuilder.sm  # type: ignore[attr-defined]


def _tokens(session: Session, user: Any) -> dict[str, Any]:
    identity = str(user.id)
    return {
        "access_token": create_access_token(identity=identity, fresh=True),
        "refresh_token": create_refresh_token(identity=identity),
        "token_type": "Bearer",  # nosec B105 # not a password
        "expires_in": settings().jwt_access_token_expires,
        "user": dump_user(session, user),
    }


def _current_user() -> Any:
    actor = current_actor()
    if actor is None:
        raise AuthenticationError("authentication required")
    return _sm().get_user_by_id(actor.user_id)


# -- views -------------------------------------------------------------------------------------
def login() -> Response:
    """Sign in with a username or e-mail and a password; returns access and refresh tokens."""
    data = load(_LOGIN, json_body())
    identifier = (data.get("username") or data.get("email") or "").strip()
    sm = _sm()
    user = sm.auth_user_db(identifier, data["password"])
    if user is None:
        known = sm.find_user(username=identifier) or sm.find_user(email=identifier)
        record_failure("inactive_user" if known is not None and not known.is_active
                       else "invalid_credentials")
        raise AuthenticationError("invalid username, e-mail or password")
    return success(_tokens(db(), user))


def refresh() -> Response:
    """A new access token for a valid refresh token (``Authorization: Bearer <refresh>``)."""
    try:
        verify_jwt_in_request(refresh=True)
    except ExpiredSignatureError:
        record_failure("expired_token")
        raise AuthenticationError("the refresh token has expired; sign in again") from None
    except (JWTExtendedException, PyJWTError) as exc:
        record_failure("invalid_token")
        raise AuthenticationError(f"invalid refresh token: {exc}") from None
    identity = get_jwt_identity()
    return success({
        "access_token": create_access_token(identity=identity, fresh=False),
        "token_type": "Bearer",  # nosec B105 # not a password
        "expires_in": settings().jwt_access_token_expires,
    })


def logout() -> Response:
    """Revoke the access token used, and the refresh token given in the body."""
    try:
        verify_jwt_in_request()
    except (JWTExtendedException, PyJWTError) as exc:
        raise AuthenticationError(f"sign out with a valid access token: {exc}") from None
    access = get_jwt()
    body = json_body() if _has_body() else {}
    data = load(_LOGOUT, body)
    refresh_claims = None
    if data["refresh_token"]:
        try:
            refresh_claims = decode_token(data["refresh_token"], allow_expired=True)
        except (JWTExtendedException, PyJWTError):
            raise ValidationError("refresh_token: not a valid token",
                                  details={"refresh_token": ["Not a valid token."]}) from None
        if refresh_claims.get("type") != "refresh" or refresh_claims.get("sub") != access["sub"]:
            raise ValidationError("refresh_token: not a refresh token of this account",
                                  details={"refresh_token": ["Not a refresh token of this "
                                                             "account."]})
    revoke(access)
    if refresh_claims is not None:
        revoke(refresh_claims)
    return success({"revoked": ["access"] + (["refresh"] if refresh_claims else [])})


def _has_body() -> bool:
    return bool(request.content_length) or bool(request.get_data(cache=True))


@require_auth
def me() -> Response:
    """The signed-in account (never its password hash)."""
    return success(dump_user(db(), _current_user()))


@require_auth
def password() -> Response:
    """Change one's own password (the current one is required)."""
    data = load(_PASSWORD, json_body())
    actor = cast(Actor, current_actor())
    with writing() as session:
        try:
            accounts.change_own_password(session, user_store(), actor, _current_user(),
                                         data["current_password"], data["new_password"])
        except ValidationError:
            record_failure("invalid_credentials")
            raise
    return success({"changed": True})


def register() -> Response:
    """Self-registration for a competition that allows it: account, athlete, and entry."""
    body = json_body()
    data = load(_REGISTER, body)
    with writing(body) as session:
        done = self_registration.register(session, user_store(), SignUp(**data))
        tokens = _tokens(session, done.user)
    tokens["athlete_id"] = done.athlete.id
    tokens["entry_id"] = done.entry.id if done.entry is not None else None
    return success(tokens, status=201)


def blueprint(limiter: Limiter) -> Blueprint:
    bp = Blueprint("api_auth", __name__, url_prefix="/api/auth")
    bp.add_url_rule("/login", "login", limit_failed_logins(limiter, login), methods=["POST"])
    bp.add_url_rule("/refresh", "refresh", refresh, methods=["POST"])
    bp.add_url_rule("/logout", "logout", logout, methods=["POST"])
    bp.add_url_rule("/me", "me", me, methods=["GET"])
    bp.add_url_rule("/password", "password", password, methods=["POST"])
    bp.add_url_rule("/register", "register", register, methods=["POST"])
    tokens = TokenResponseSchema()
    everyone = tuple(roles.ROLE_NAMES)
    for name, summary, request_schema, response, signed_in, status, errors in (
        ("login", "Sign in (username or e-mail, and password)", LoginSchema(), tokens, False, 200,
         (401,)),
        ("refresh", "A new access token (send the refresh token as Bearer)", None, None, False,
         200, (401,)),
        ("logout", "Revoke the access token (and the refresh token given)", LogoutSchema(), None,
         True, 200, ()),
        ("me", "The signed-in account", None, UserResponseSchema(), True, 200, ()),
        ("password", "Change one's own password", PasswordChangeSchema(), None, True, 200, ()),
        ("register", "Self-registration for a competition that allows it", RegisterSchema(),
         tokens, False, 201, (403, 404)),
    ):
        openapi.describe(f"api_auth.{name}", summary=summary, tag="auth", request=request_schema,
                         response=response, status=status,
                         roles=everyone if signed_in else None, errors=errors)
    return bp
