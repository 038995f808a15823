"""``/api/pickers``: what a form offers as the user types, found on the server and bounded,
among 300 athletes (the admin forms that use them: tests/integration/admin/
test_admin_pickers.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.competitions.builder import MeetBuilder, Runner
from athsys.sport.sex import Sex
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration


@pytest.fixture()
def crowd(committed_db: Engine) -> tuple[int, list[int]]:
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Picker Open", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "10K", sex=Sex.FEMALE))
        names = [("Zoë", "O'Brien_Smith") if i == 7 else (f"Pia{i}", f"Picker{i:03d}")
                 for i in range(300)]
        athletes = build.athletes([Runner(first, last, Sex.FEMALE) for first, last in names])
        entries = build.enter(heat, athletes, [str(1000 + i) for i in range(300)])
        return heat.id, entries


def _viewer() -> dict[str, str]:
    user = TestDataFactory.create_user(role="Viewer")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def test_pickers_search_on_the_server_and_are_bounded(api: FlaskClient,
                                                      crowd: tuple[int, list[int]]) -> None:
    headers = _viewer()

    def pick(kind: str, text: str) -> list[str]:
        answer = api.get(f"/api/pickers/{kind}", headers=headers, query_string={"q": text})
        assert answer.status_code == 200, answer.get_json()
        return [row["text"] for row in answer.get_json()["data"]]

    assert len(pick("athletes", "Picker")) == 20  # 299 match: never the whole table
    assert pick("athletes", "picker042") == ["Picker042, Pia42"]
    assert pick("athletes", "o'brien_s") == ["O'Brien_Smith, Zoë"]
    assert pick("athletes", "%") == []  # a % is a character, not a wildcard
    assert pick("athletes", "  ") == []
    entries = pick("entries", "1007")
    assert len(entries) == 1 and entries[0].startswith("1007 Zoë O'Brien_Smith · 10 km")
    assert pick("heats", "Picker Open")[0].startswith("10 km")
    year = datetime.now(UTC).year
    assert pick("rounds", "picker open") == [f"10 km road, Final · Picker Open ({year})"]
    assert pick("competitions", "picker op") == [f"Picker Open ({year})"]
    assert pick("competitions", "stadium")  # by its venue too
    assert api.get("/api/pickers/nothing", headers=headers).status_code == 404
    assert api.get("/api/pickers/athletes", headers=headers,
                   query_string={"q": "x" * 61}).status_code == 400
    assert api.get("/api/pickers/athletes", query_string={"q": "a"}).status_code == 401
