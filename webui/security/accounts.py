"""Flask-AppBuilder's users and roles, handed to the account services as their store."""

from __future__ import annotations

from typing import Any

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash


class FabUserStore:
    """:class:`athsys.accounts.service.UserStore` over the app's security manager.

    Passwords are hashed as Flask-AppBuilder hashes them (its method and salt length), so
    its own login form accepts them.
    """

    def __init__(self, sm: Any, config: Any) -> None:
        self._sm = sm
        self._config = config

    @property
    def user_model(self) -> type:
        return self._sm.user_model  # type: ignore[no-any-return]

    def find_role(self, name: str) -> Any | None:
        return self._sm.find_role(name)

    def add_user(self, username: str, first_name: str, last_name: str, email: str,
                 roles: list[Any], hashed_password: str) -> Any:
        return self._sm.add_user(username, first_name, last_name, email, roles,
                                 hashed_password=hashed_password, commit=False)

    def hash_password(self, password: str) -> str:
        return generate_password_hash(
            password,
            method=self._config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
            salt_length=self._config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
        )

    def check_password(self, hashed: str, password: str) -> bool:
        return check_password_hash(hashed, password)


def user_store() -> FabUserStore:
    """The store of the current application."""
    return FabUserStore(current_app.appbuilder.sm, current_app.config)  # type: ignore[attr-defined]
