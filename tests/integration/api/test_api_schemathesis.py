"""Schemathesis against ``/apispec.json``: no 5xx, and every answer as the spec says.

The application runs on a real HTTP socket (werkzeug on 127.0.0.1) with the test servers'
PostgreSQL and Redis, its rate limits raised so that the run measures the API and not the
limiter. The test signs in as an Admin through ``/api/auth/login`` and sends that token with
every generated request. Each operation gets :data:`MAX_EXAMPLES` generated cases, valid
and invalid (derandomised: the same cases on every run): about 700 requests, well within
three minutes on two cores.

Left out: signing out (it would revoke the token the run uses), writes to the run's own
account (a generated request may deactivate or delete it), and the "schema-valid request
rejected" check: the spec cannot say that a referenced row must exist or that a date must lie
within the supported range, so such requests are rightly refused with a 400.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup
from werkzeug.serving import make_server

from athsys.config import Settings, replace
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 6
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
UNLIMITED = "1000000/hour"


@dataclass(frozen=True)
class Served:
    url: str
    admin_id: int
    token: str


@pytest.fixture(scope="module")
def served(api_app: Flask, settings: Settings) -> Iterator[Served]:
    from webui.app import create_app

    app = create_app(replace(settings, ratelimit_default=UNLIMITED, ratelimit_login=UNLIMITED))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        TestDataFactory.create_meet(TestDataFactory.create_club())  # something to find
        admin = TestDataFactory.create_user(role="Admin")
        login = requests.post(f"{url}/api/auth/login", timeout=10, json={
            "username": admin["username"], "password": admin["password"]})
        assert login.status_code == 200, login.text
        yield Served(url, admin["id"], login.json()["data"]["access_token"])
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _first_failure(operation: Any, served: Served) -> str | None:
    """Run the generated cases of one operation; its first failure, described, or None."""

    @given(case=st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in MODES)))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    def run(case: Any) -> None:
        if case.path == "/api/users/{item_id}" and case.path_parameters.get("item_id") == (
            served.admin_id
        ):
            return  # the run's own account stays as it is
        case.call_and_validate(headers={"Authorization": f"Bearer {served.token}"},
                               excluded_checks=[checks.positive_data_acceptance])

    try:
        run()
    except (FailureGroup, AssertionError) as exc:
        return str(exc)
    return None


def test_api_conforms_to_its_spec(served: Served) -> None:
    schema = schemathesis.openapi.from_url(f"{served.url}/apispec.json").exclude(
        path="/api/auth/logout")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50
    failures = {operation.label: found for operation in operations
                if (found := _first_failure(operation, served)) is not None}
    report = "\n\n".join(f"== {label}\n{found}" for label, found in failures.items())
    assert not failures, f"{len(failures)} operations fail:\n{report}"
