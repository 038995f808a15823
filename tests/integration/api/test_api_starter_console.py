"""``/api/starter``: the starter's and referee's writes on a heat; bad input names the problem
and stores nothing."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from athsys.results.models import Result
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration


def _results() -> int:
    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        count = int(session.scalar(select(func.count()).select_from(Result)) or 0)
        session.rollback()
        return count


@pytest.fixture()
def meet(api: FlaskClient) -> dict[str, int]:
    return TestDataFactory.create_meet(TestDataFactory.create_club())


def _as(role: str) -> dict[str, str]:
    return bearer(TestDataFactory.tokens(TestDataFactory.create_user(role=role)["id"])["access"])


def test_a_time_typed_then_a_dq_with_its_rule_are_the_entrys_result_and_its_correction(
    api: FlaskClient, meet: dict[str, int]
) -> None:
    starter = _as("Starter")
    url = f"/api/starter/heats/{meet['race']}"
    typed = api.post(f"{url}/outcome", headers=starter,
                     json={"entry_id": meet["spare_entry"], "status": "OK", "mark": "11.87"})
    assert typed.status_code == 200, typed.get_json()
    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        places = {r.entry_id: (r.mark, r.place, r.source.value) for r in session.scalars(
            select(Result).where(Result.heat_id == meet["race"]))}
        session.rollback()
    assert places[meet["spare_entry"]] == (11_870, 2, "manual")  # behind the stored 11.43
    assert places[meet["entry"]][1] == 1
    dq = api.post(f"{url}/outcome", headers=starter,
                  json={"entry_id": meet["spare_entry"], "status": "DQ", "rule": "TR16.8"})
    assert dq.status_code == 200
    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        result = session.scalars(select(Result).where(
            Result.entry_id == meet["spare_entry"])).one()
        assert (result.status.value, result.status_rule, result.mark, result.revision) == (
            "DQ", "TR16.8", None, 2)
        session.rollback()


@pytest.mark.parametrize(("body", "needle"), [
    ({"status": "DQ"}, "cites its rule"),
    ({"status": "DNS", "mark": "11.20"}, "a DNS has no mark"),
    ({"status": "DNF", "rule": "TR17.3"}, "only a disqualification cites a rule"),
    ({"status": "OK", "mark": "1.12"}, "not a plausible 100 m mark"),
    ({"status": "LATE"}, "status"),
])
def test_a_bad_outcome_names_the_problem_and_stores_nothing(
    api: FlaskClient, meet: dict[str, int], body: dict, needle: str
) -> None:
    before = _results()
    response = api.post(f"/api/starter/heats/{meet['race']}/outcome", headers=_as("Starter"),
                        json={"entry_id": meet["spare_entry"], **body})
    assert response.status_code == 400, response.get_json()
    assert needle in str(response.get_json()["error"])
    assert _results() == before


def test_the_heat_moves_only_forward_and_only_for_whom_the_matrix_allows(
    api: FlaskClient, meet: dict[str, int]
) -> None:
    url = f"/api/starter/heats/{meet['race']}"
    starter, registrar = _as("Starter"), _as("Registrar")
    assert api.post(f"{url}/finish", headers=starter).status_code == 409  # not started yet
    started = api.post(f"{url}/start", headers=starter)
    assert started.status_code == 200 and started.get_json()["data"]["gun"]
    assert api.post(f"{url}/start", headers=starter).status_code == 409
    assert api.post(f"{url}/finish", headers=starter).status_code == 200
    assert api.post(f"{url}/official", headers=starter).status_code == 403
    official = api.post(f"{url}/official", headers=registrar)
    assert official.status_code == 200 and official.get_json()["data"]["status"] == "official"
