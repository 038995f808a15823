"""No key that anyone can read signs anything (issue 14, item 1).

Every signing key written anywhere in the repository (settings, compose files, manifests,
documents, tests) or in Flask-AppBuilder's example configuration is used to forge an Admin's
API token and an Admin's session cookie: each is refused. The same forgeries signed with the
instance's own keys are accepted, so the test can tell a refusal from a broken forgery.
"""

from __future__ import annotations

import hashlib
import re
import stat
import subprocess
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_appbuilder
import jwt
import jwt.warnings
import pytest
from flask import Flask
from flask.json.tag import TaggedJSONSerializer
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from athsys.config import KNOWN_DEFAULT_SECRETS, get_config
from athsys.keys import KEY_FILE, with_signing_keys
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]
#: ``SECRET_KEY = "…"``, ``JWT_SECRET_KEY: …``, ``secret_key="…"``, ``--secret-key …``
_ASSIGNED_KEY = re.compile(
    r"""(?i)\b(?:jwt[_-])?secret[_-]key["']?\s*[:=,]?\s*["']([^"'\s]{1,200})["']""")


def keys_in_the_source() -> set[str]:
    """Every literal assigned to a signing-key name in the repository and in FAB's package,
    with the well-known defaults the configuration refuses."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    paths = [ROOT / name for name in files]
    paths += Path(flask_appbuilder.__file__).parent.rglob("*.py")
    found = set(KNOWN_DEFAULT_SECRETS)
    for path in paths:
        if path.is_file() and path.suffix not in {".png", ".gz", ".lif", ".woff2"}:
            found.update(_ASSIGNED_KEY.findall(path.read_text(errors="replace")))
    return found


def _admin_token(user_id: int, key: str) -> str:
    now = datetime.now(UTC)
    with warnings.catch_warnings():  # the known keys are short too
        warnings.simplefilter("ignore", jwt.warnings.InsecureKeyLengthWarning)
        return jwt.encode({"sub": str(user_id), "jti": f"forged-{now.timestamp()}",
                           "type": "access", "fresh": True, "iat": now, "nbf": now,
                           "exp": now + timedelta(hours=1)}, key, algorithm="HS256")


def _admin_cookie(user_id: int, key: str) -> str:
    """A Flask session cookie signed as Flask signs one (``SecureCookieSessionInterface``)."""
    signer = URLSafeTimedSerializer(key, salt="cookie-session", serializer=TaggedJSONSerializer(),
                                    signer_kwargs={"key_derivation": "hmac",
                                                   "digest_method": hashlib.sha1})
    return signer.dumps({"_user_id": str(user_id), "_fresh": True})


def _as_admin_by_cookie(client: FlaskClient, app: Flask, cookie: str) -> int:
    client.set_cookie(app.config.get("SESSION_COOKIE_NAME", "session"), cookie)
    status = client.get("/users/list/").status_code
    client.delete_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return status


def test_no_key_from_the_source_signs_a_token_or_a_cookie(api: FlaskClient,
                                                          api_app: Flask) -> None:
    admin = TestDataFactory.create_user(role="Admin")
    known = keys_in_the_source()
    assert len(known) > 10  # the scan found the keys of the settings, docs and FAB
    assert api_app.config["SECRET_KEY"] not in known
    assert api_app.config["JWT_SECRET_KEY"] not in known

    # the forgeries are right: signed with the instance's own keys they get in
    own_token = _admin_token(admin["id"], api_app.config["JWT_SECRET_KEY"])
    assert api.get("/api/users", headers=bearer(own_token)).status_code == 200
    own_cookie = _admin_cookie(admin["id"], api_app.config["SECRET_KEY"])
    assert _as_admin_by_cookie(api, api_app, own_cookie) == 200

    for key in sorted(known):
        forged = api.get("/api/users", headers=bearer(_admin_token(admin["id"], key)))
        assert forged.status_code == 401, key
        assert _as_admin_by_cookie(api, api_app, _admin_cookie(admin["id"], key)) != 200, key


def test_keys_are_generated_once_kept_private_and_reused(tmp_path: Path) -> None:
    settings = get_config("development", environ={"ATHSYS_DATA_DIR": str(tmp_path)})
    assert settings.secret_key == "" and settings.jwt_secret_key == ""
    first = with_signing_keys(settings)
    again = with_signing_keys(get_config("development",
                                         environ={"ATHSYS_DATA_DIR": str(tmp_path)}))
    assert (first.secret_key, first.jwt_secret_key) == (again.secret_key, again.jwt_secret_key)
    assert len(first.secret_key) >= 32 and first.secret_key != first.jwt_secret_key
    assert stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode) == 0o600
    other = with_signing_keys(get_config("development",
                                         environ={"ATHSYS_DATA_DIR": str(tmp_path / "b")}))
    assert other.secret_key != first.secret_key  # each instance has keys of its own
