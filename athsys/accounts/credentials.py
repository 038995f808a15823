"""Tokens and sessions issued before a password change, a reset or a sign-out stop working.

The moment an account's credentials changed is kept with its profile, to the whole second
(an access token's ``iat`` is whole seconds): a token issued, or a browser session signed in,
before that second is refused. A sign-out signs the account out everywhere.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from athsys.accounts.models import UserProfile


def revoke_earlier_credentials(session: Session, user_id: int, at: datetime) -> None:
    """Every token and session of the account issued before ``at`` stops working."""
    second = at.replace(microsecond=0)
    session.execute(insert(UserProfile).values(user_id=user_id, credentials_changed_at=second)
                    .on_conflict_do_update(index_elements=[UserProfile.user_id],
                                           set_={"credentials_changed_at": second}))


def issued_before_change(session: Session, user_id: int, issued_at: float) -> bool:
    """Whether a token or session issued at ``issued_at`` (epoch seconds) predates the last
    change of the account's credentials."""
    changed = session.scalar(select(UserProfile.credentials_changed_at)
                             .where(UserProfile.user_id == user_id))
    return changed is not None and issued_at < changed.timestamp()
