"""Browser sessions end with a sign-out or a password change, even a copied cookie.

A session cookie is signed, not stored: copied before a sign-out, it would go on working.
Each session therefore carries the moment it signed in, and a request whose session signed
in before the account's credentials last changed (:mod:`athsys.accounts.credentials`) is
signed out. Signing out marks that moment, for every session and token of the account.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any, Final

from flask import Flask, current_app, request, session
from flask_login import logout_user, user_logged_in, user_logged_out

from athsys.accounts.credentials import issued_before_change, revoke_earlier_credentials

SIGNED_IN_AT: Final = "athsys_signed_in_at"


def install(app: Flask) -> None:
    user_logged_in.connect(_signed_in, app, weak=False)
    user_logged_out.connect(_signed_out, app, weak=False)
    app.before_request(_end_stale_session)


def _signed_in(_app: Flask, user: Any, **_: Any) -> None:
    session[SIGNED_IN_AT] = time.time()


def _signed_out(_app: Flask, user: Any, **_: Any) -> None:
    if user is None or not getattr(user, "id", None):
        return
    db = current_app.appbuilder.session  # type: ignore[attr-defined]
    revoke_earlier_credentials(db, user.id, datetime.now(UTC))
    db.commit()


def _end_stale_session() -> None:
    user_id = str(session.get("_user_id", ""))
    if not user_id.isdigit() or request.headers.get("Authorization", "").startswith("Bearer "):
        return
    db = current_app.appbuilder.session  # type: ignore[attr-defined]
    if issued_before_change(db, int(user_id), float(session.get(SIGNED_IN_AT, 0.0))):
        logout_user()
        session.clear()
