"""No state change on GET anywhere, and none without the CSRF token (issue 14, item 2).

Signed in as an Admin, the test walks every route of the web UI the application registers
(Flask-AppBuilder's user, role and group pages included), fills each URL with the id of a
row that exists (a spare user for the user pages), sends a GET to every route and a POST,
PUT, PATCH or DELETE without the CSRF token to every one that accepts it, and checks that no
answer is a 5xx and that every table of the database is, row for row, as it was.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule

from tests.integration.admin.admin_support import FAB_WTFORMS_WARNINGS, Meet
from webui.security import roles

pytestmark = [pytest.mark.integration, *FAB_WTFORMS_WARNINGS]

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
#: Left out, with the reason.
SKIPPED = {
    "live.stream": "a server-sent event stream: it never ends, and it only reads",
}
#: Probes answer 503 while a component is down (no worker or beat runs in this test).
PROBES = ("/health", "/ready")
#: The API guards itself (bearer tokens; a browser session's writes need X-CSRFToken).
OUT_OF_SCOPE = ("/api/", "/static/", "/appbuilder/", "/live/static/")


def _snapshot(engine: Engine) -> dict[str, str]:
    """Every table's rows, as one md5 per table."""
    with engine.connect() as conn:
        tables = conn.scalars(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).all()
        return {table: conn.scalar(text(
            f'SELECT md5(coalesce(string_agg(t::text, \',\' ORDER BY t::text), \'\')) '
            f'FROM "{table}" t')) for table in tables}


def _models(app: Flask) -> dict[str, Any]:
    """View class name -> its model, for every model view."""
    return {type(view).__name__: view.datamodel.obj
            for view in app.appbuilder.baseviews  # type: ignore[attr-defined]
            if getattr(view, "datamodel", None) is not None}


def _first_id(app: Flask, model: Any) -> int | None:
    with app.app_context():
        session = app.appbuilder.session  # type: ignore[attr-defined]
        key = inspect(model).primary_key[0]
        found = session.scalar(select(key).order_by(key).limit(1))
        session.rollback()
        return found


def _url(app: Flask, rule: Rule, models: dict[str, Any], spare_user: int) -> str:
    view = rule.endpoint.split(".")[0]
    values: dict[str, Any] = {}
    for argument in rule.arguments:
        if argument == "pk":
            model = models.get(view)
            is_user = model is not None and model.__tablename__ == "ab_user"
            found = spare_user if is_user else (_first_id(app, model) if model else None)
            values[argument] = found or 1
        elif argument == "name":
            actions = getattr(next((v for v in app.appbuilder.baseviews  # type: ignore[attr-defined]
                                    if type(v).__name__ == view), None), "actions", {}) or {}
            values[argument] = next(iter(actions), "x")
        else:  # ids, file names, chart groupings, locales: "1" fits every converter
            values[argument] = "1"
    with app.test_request_context():
        return str(rule.build(values, append_unknown=False)[1])


def test_no_route_changes_anything_on_get_or_without_the_csrf_token(
        admin_app: Flask, meet: Meet, signed_in: Any, engine: Engine) -> None:
    client: FlaskClient = signed_in(roles.ADMIN)
    with admin_app.app_context():
        sm = admin_app.appbuilder.sm  # type: ignore[attr-defined]
        spare = sm.find_user(username="csrf_walk_spare") or sm.add_user(
            "csrf_walk_spare", "Spare", "User", "csrf_walk_spare@example.org",
            sm.find_role(roles.VIEWER), password="spare-user-password")
        spare_user = spare.id
    models = _models(admin_app)
    before = _snapshot(engine)
    walked, failures = 0, []
    for rule in admin_app.url_map.iter_rules():
        if rule.rule.startswith(OUT_OF_SCOPE) or rule.endpoint in SKIPPED:
            continue
        url = _url(admin_app, rule, models, spare_user)
        methods = [m for m in ("GET", *WRITE_METHODS) if m in (rule.methods or ())]
        for method in methods:
            response = client.open(url, method=method, data={"name": "walk", "delete": "1"})
            walked += 1
            if response.status_code >= 500 and url not in PROBES:
                failures.append(f"{method} {url}: {response.status_code}")
            if method in WRITE_METHODS and response.status_code != 400:
                failures.append(f"{method} {url} without a token: {response.status_code}")
            response.close()
    after = _snapshot(engine)
    assert failures == []
    assert walked > 150  # every FAB and AthSys page was reached
    assert {t for t in before if before[t] != after.get(t)} == set()
