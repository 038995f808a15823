"""Who is acting: the identity services check row-level rules against.

Views and API endpoints build an :class:`Actor` from the signed-in user; workers and beat act
as :data:`SYSTEM`. Role names are the seven of :mod:`athsys.accounts.roles`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from athsys.accounts.roles import ADMIN
from athsys.errors import AuthorizationError


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    roles: frozenset[str] = field(default_factory=frozenset)
    club_id: int | None = None  # the club a Coach manages
    athlete_id: int | None = None  # the athlete an Athlete account belongs to

    def has_role(self, *names: str) -> bool:
        return bool(self.roles.intersection(names))

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles

    def require_role(self, *names: str) -> None:
        if not (self.is_admin or self.has_role(*names)):
            raise AuthorizationError(
                f"{self.username} may not do this (needs one of: {', '.join(names)})"
            )


SYSTEM = Actor(user_id=None, username="system", roles=frozenset({ADMIN}))
