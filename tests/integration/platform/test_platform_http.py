import logging
from pathlib import Path

import psycopg2
import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from athsys.config import Settings
from athsys.errors import ConflictError
from webui.app import create_app
from webui.security import roles
from webui.security.sync import sync_roles

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def failing_app(settings: Settings) -> Flask:
    app = create_app(settings)

    @app.get("/api/test/conflict")
    def conflict() -> None:
        raise ConflictError("bib 101 is already taken", details={"bib": "duplicate"})

    @app.get("/api/test/crash")
    def crash() -> None:
        raise RuntimeError("SELECT password FROM ab_user WHERE id = 1 -- internals")

    @app.get("/test/crash")
    def crash_page() -> None:
        raise RuntimeError("SELECT password FROM ab_user")

    @app.post("/api/test/database-down")
    def database_down() -> None:
        raise OperationalError("INSERT INTO timing_read VALUES (%(secret)s)", {"secret": "x"},
                               psycopg2.OperationalError("the database system is shutting down"))

    return app


def operator_bearer(app: Flask) -> dict[str, str]:
    """Only operators see the components of ``/health``."""
    from flask_jwt_extended import create_access_token

    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
        sm = app.appbuilder.sm  # type: ignore[attr-defined]
        user = sm.find_user(username="http_operator") or sm.add_user(
            "http_operator", "Test", "Operator", "http_operator@example.org",
            sm.find_role(roles.ADMIN), password="http-operator-password")
        return {"Authorization": f"Bearer {create_access_token(identity=str(user.id))}"}


def test_probes(client) -> None:  # type: ignore[no-untyped-def]
    live = client.get("/live")
    assert live.status_code == 200 and live.json == {"status": "alive"}
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.json
    assert ready.json["status"] == "ready"
    assert set(ready.json["components"]) == {"database", "redis", "migrations"}


def test_health_reports_every_component_with_a_real_worker(client, celery_worker, app) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/health", headers=operator_bearer(app))
    body = response.json
    assert set(body["components"]) >= {"database", "redis", "broker", "worker"}
    for name in ("database", "redis", "broker", "worker"):
        assert body["components"][name]["status"] == "ok", body
        assert body["components"][name]["latency_ms"] >= 0
    assert "answered by" in body["components"]["worker"]["detail"]
    assert body["status"] == "healthy" and response.status_code == 200


def test_domain_error_becomes_the_envelope(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/api/test/conflict")
    assert response.status_code == 409
    assert response.json["success"] is False
    assert response.json["error"] == {
        "type": "conflict", "message": "bib 101 is already taken", "details": {"bib": "duplicate"},
    }


def test_unexpected_error_is_500_without_internals(failing_app: Flask, settings: Settings) -> None:
    response = failing_app.test_client().get("/api/test/crash",
                                             headers={"X-Request-ID": "crash-req-1"})
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "SELECT" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert response.json["error"]["type"] == "internal_error"
    assert response.json["request_id"] == "crash-req-1"
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = Path(settings.log_path).read_text()
    crash_lines = [line for line in log_text.splitlines() if "crash-req-1" in line]
    assert any("unexpected error" in line for line in crash_lines)


def test_a_database_that_cannot_be_reached_is_a_503_to_retry(failing_app: Flask) -> None:
    response = failing_app.test_client().post("/api/test/database-down")
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert response.json["error"]["type"] == "external_service_error"
    assert "nothing was stored" in response.json["error"]["message"]
    text = response.get_data(as_text=True)
    assert "INSERT" not in text and "secret" not in text and "shutting down" not in text


def test_unexpected_error_in_the_ui_is_a_page(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/test/crash")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "An unexpected error occurred" in text and "SELECT" not in text


def test_request_id_is_echoed_or_made(client) -> None:  # type: ignore[no-untyped-def]
    echoed = client.get("/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    fresh = client.get("/live", headers={"X-Request-ID": "bad id with spaces"})
    made = fresh.headers["X-Request-ID"]
    assert made != "bad id with spaces" and len(made) == 32


def test_unknown_api_path_is_an_envelope_and_ui_path_a_page(client) -> None:  # type: ignore[no-untyped-def]
    api = client.get("/api/nothing-here")
    assert api.status_code == 404 and api.json["error"]["type"] == "not_found"
    page = client.get("/nothing-here")
    assert page.status_code == 404 and page.mimetype == "text/html"
