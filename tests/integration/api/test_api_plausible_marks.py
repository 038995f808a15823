"""A mark that cannot be right is refused by every way in (results, attempts, entries' seed
marks, the field console) with the discipline, the mark as read and the notation, and
nothing is stored."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from athsys.results.models import Attempt, Result
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration


def _rows(model: type) -> int:
    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        count = int(session.scalar(select(func.count()).select_from(model)) or 0)
        session.rollback()
        return count


@pytest.fixture()
def meet(api: FlaskClient) -> dict[str, int]:
    return TestDataFactory.create_meet(TestDataFactory.create_club())


@pytest.fixture()
def registrar(api: FlaskClient) -> dict[str, str]:
    user = TestDataFactory.create_user(role="Registrar")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def test_an_800_m_typed_as_seconds_and_a_world_record_by_mistake_are_refused(
    api: FlaskClient, meet: dict[str, int], registrar: dict[str, str]
) -> None:
    before = _rows(Result)
    response = api.post("/api/results", headers=registrar, json={
        "race_id": meet["race"], "entry_id": meet["spare_entry"], "mark": "9.43"})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert "9.43 is not a plausible 100 m mark: faster than the world record (10.49)" in message
    assert _rows(Result) == before


def test_an_attempt_and_a_seed_mark_beyond_reason_are_refused(
    api: FlaskClient, meet: dict[str, int], registrar: dict[str, str]
) -> None:
    before = _rows(Attempt)
    attempt = api.post("/api/attempts", headers=registrar, json={
        "race_id": meet["field_race"], "entry_id": meet["jump_entry"], "sequence": 2,
        "outcome": "m", "mark": "64.1"})  # 6.41 with the point in the wrong place
    assert attempt.status_code == 400
    assert "not a plausible Long jump mark" in attempt.get_json()["error"]["message"]
    console = api.post(f"/api/field/heats/{meet['field_race']}/attempts", headers=registrar,
                       json={"entry_id": meet["jump_entry"], "trial": "641"})
    assert console.status_code == 400
    assert "beyond the world record (7.52 m)" in console.get_json()["error"]["message"]
    assert _rows(Attempt) == before
    seed = api.put(f"/api/registrations/{meet['entry']}", headers=registrar,
                   json={"seed_mark": "1.14"})  # 11.4 s typed with a misplaced point
    assert seed.status_code == 400
    assert "seed_mark: 1.14 is not a plausible 100 m mark" in seed.get_json()["error"]["message"]
