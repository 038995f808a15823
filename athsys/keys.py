"""The keys that sign session cookies and API tokens: never one written in the source.

Production takes ``SECRET_KEY`` and ``JWT_SECRET_KEY`` from its environment (and refuses
missing, short or well-known ones, see :mod:`athsys.config`). Every other environment that
is given none generates both on first start, keeps them in ``<data dir>/signing-keys.json``
(owner-only) and reuses them, so every process of the instance (web workers, the CLI) signs
and checks with the same keys, a restart keeps everyone logged in, and a key read in the
repository signs nothing anywhere.
"""

from __future__ import annotations

import json
import secrets
from typing import Final

from athsys.config import Settings, replace
from athsys.errors import ConfigurationError
from athsys.private_files import private_secret

KEY_FILE: Final = "signing-keys.json"
SIGNING_KEYS: Final = ("secret_key", "jwt_secret_key")


def with_signing_keys(settings: Settings) -> Settings:
    """``settings`` with each signing key it lacks taken from the data directory."""
    missing = [name for name in SIGNING_KEYS if not getattr(settings, name)]
    if not missing:
        return settings
    if settings.is_production:
        raise ConfigurationError(f"production refuses to start: {missing[0].upper()} is missing")
    path = settings.data_dir / KEY_FILE
    stored = _parse(private_secret(path, _generate), str(path))
    return replace(settings, **{name: stored[name] for name in missing})


def _generate() -> str:
    return json.dumps({name: secrets.token_urlsafe(48) for name in SIGNING_KEYS})


def _parse(text: str, where: str) -> dict[str, str]:
    try:
        stored = json.loads(text)
    except ValueError:
        stored = None
    if not isinstance(stored, dict) or not all(
        isinstance(stored.get(name), str) and len(stored[name]) >= 32 for name in SIGNING_KEYS
    ):
        raise ConfigurationError(
            f"{where} is not a signing-key file of AthSys; move it away and start again "
            "(new keys are generated; everyone logs in again)"
        )
    return stored
