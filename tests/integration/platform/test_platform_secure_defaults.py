"""Defaults that leak nothing, from the app itself: security headers on every answer, a CSP
the pages work under, HSTS only over TLS, ``no-store`` for signed-in answers, and ``/health``
detail for operators only."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_jwt_extended import create_access_token

from webui.security import roles
from webui.security.sync import sync_roles

pytestmark = pytest.mark.integration

PASSWORD = "secure-defaults-password"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S)


@pytest.fixture(scope="module")
def synced(app: Flask) -> Flask:
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    return app


def _user(app: Flask, role: str) -> Any:
    username = f"sd_{role.lower().replace(' ', '_')}_{uuid.uuid4().hex[:6]}"
    with app.app_context():
        sm = app.appbuilder.sm  # type: ignore[attr-defined]
        user = sm.add_user(username, "Test", role, f"{username}@example.org", sm.find_role(role),
                           password=PASSWORD)
        assert user
        return user.id, username


def _bearer(app: Flask, role: str) -> dict[str, str]:
    user_id, _ = _user(app, role)
    with app.app_context():
        return {"Authorization": f"Bearer {create_access_token(identity=str(user_id))}"}


def _signed_in(app: Flask, role: str) -> FlaskClient:
    _, username = _user(app, role)
    client = app.test_client()
    token = _CSRF.search(client.get("/login/").get_data(as_text=True))
    assert token
    answer = client.post("/login/", data={"username": username, "password": PASSWORD,
                                          "csrf_token": token.group(1)})
    assert answer.status_code == 302 and "/login" not in answer.headers["Location"]
    return client


def _policy(response: Any) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.partition(" ")[2] for part in header.split("; ")}


# (no answer the public cache would keep: the app is shared with later tests)
@pytest.mark.parametrize("path", ["/live/999999", "/login/", "/api/public/competitions/999999",
                                  "/live", "/apispec.json", "/no/such/page"])
def test_every_answer_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = _policy(response)
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


def test_hsts_only_over_tls(client: FlaskClient) -> None:
    assert "Strict-Transport-Security" not in client.get("/live").headers
    # as gunicorn reports a request that came over TLS, or through a trusted TLS proxy
    over_tls = client.get("/live", base_url="https://localhost")
    assert over_tls.headers["Strict-Transport-Security"].startswith("max-age=63072000")


def _scripts_have_the_nonce(response: Any) -> int:
    """Every inline or linked script of the page carries the nonce of the page's policy."""
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce
    scripts = list(_SCRIPT.finditer(response.get_data(as_text=True)))
    for script in scripts:
        attrs = script.group("attrs")
        if "src=" in attrs and "nonce" not in attrs:
            assert re.search(r'src="/', attrs), attrs  # same origin
            continue
        assert f'nonce="{nonce.group(1)}"' in attrs, script.group(0)[:200]
    assert not re.search(r"\son[a-z]+=\"", response.get_data(as_text=True)), \
        "inline event handlers do not run under the policy"
    return len(scripts)


def test_the_admin_pages_scripts_run_under_the_policy(synced: Flask) -> None:
    client = _signed_in(synced, roles.ADMIN)
    for path in ("/athleteview/list/", "/competitionview/add", "/users/list/", "/api/docs"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert _scripts_have_the_nonce(response) > 0, path
    one, two = client.get("/athleteview/list/"), client.get("/athleteview/list/")
    assert _policy(one)["script-src"] != _policy(two)["script-src"], "a nonce per request"


def test_signed_in_answers_are_not_stored(synced: Flask, client: FlaskClient) -> None:
    browser = _signed_in(synced, roles.VIEWER)
    for path in ("/athleteview/list/", "/api/public/competitions/999999", "/live/999999"):
        assert browser.get(path).headers["Cache-Control"] == "no-store", path
    api = client.get("/api/athletes", headers=_bearer(synced, roles.VIEWER))
    assert api.status_code == 200 and api.headers["Cache-Control"] == "no-store"
    anonymous = client.get("/live/999999")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")


def test_health_detail_only_for_operators(synced: Flask, client: FlaskClient) -> None:
    anonymous = client.get("/health")
    assert set(anonymous.json) == {"status"}
    assert anonymous.json["status"] in ("healthy", "unhealthy")
    viewer = client.get("/health", headers=_bearer(synced, roles.VIEWER))
    assert set(viewer.json) == {"status"}
    forged = client.get("/health", headers={"Authorization": "Bearer not-a-token"})
    assert set(forged.json) == {"status"} and forged.status_code in (200, 503)
    admin = client.get("/health", headers=_bearer(synced, roles.ADMIN))
    assert set(admin.json["components"]) >= {"database", "redis", "broker", "worker"}
    assert admin.status_code == anonymous.status_code
