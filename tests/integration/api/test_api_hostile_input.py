"""Hostile input never gives a 5xx: each gets a 400 naming the problem, and nothing is written.

Deep nesting (also on the anonymous sign-in), NUL characters, overlong numbers, out-of-range
dates and UTC offsets, overlong lines of an uploaded file and NUL in an upload's file name.
After every refused request the row counts of every table are what they were before.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.integration.api.helpers import BaseAPITest, TestDataFactory, bearer
from tests.integration.timing.timing_ingest_support import Race, build_race

pytestmark = pytest.mark.integration

DEEP = 100_000  # far past Python's recursion limit
SHALLOW_BUT_TOO_DEEP = 100  # parses without recursion trouble, still past the limit


def nested(depth: int, *, inner: str = "[", outer: str = "]") -> str:
    return inner * depth + outer * depth


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        tables = [row[0] for row in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))]
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                for t in tables}


@pytest.fixture()
def unchanged(engine: Engine) -> Iterator[None]:
    """The test's requests must leave every table as it was."""
    before = row_counts(engine)
    yield
    after = row_counts(engine)
    assert after == before, {t: (before.get(t), n) for t, n in after.items()
                             if before.get(t) != n}


@pytest.fixture()
def admin(api_app: Flask) -> dict[str, str]:
    user = TestDataFactory.create_user(role="Admin")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


@pytest.fixture()
def meet(api_app: Flask) -> dict[str, int]:
    return TestDataFactory.create_meet(TestDataFactory.create_club())


def refused(response, *words: str) -> dict:
    """A 400 in the envelope whose message names each of ``words``."""
    error = BaseAPITest.assert_error(response, 400, "validation_error")
    text_ = (error["message"] + " " + str(error["details"])).lower()
    for word in words:
        assert word.lower() in text_, (word, error)
    return error


class TestNesting:
    @pytest.mark.parametrize("depth", [DEEP, SHALLOW_BUT_TOO_DEEP])
    def test_anonymous_login(self, api: FlaskClient, unchanged: None, depth: int) -> None:
        body = '{"username": ' + nested(depth) + ', "password": "x"}'
        refused(api.post("/api/auth/login", data=body, content_type="application/json"),
                "nest")

    @pytest.mark.parametrize("depth", [DEEP, SHALLOW_BUT_TOO_DEEP])
    def test_object_nesting_on_a_resource(self, api: FlaskClient, admin: dict[str, str],
                                          unchanged: None, depth: int) -> None:
        body = '{"a":' * depth + "1" + "}" * depth
        refused(api.post("/api/clubs", data=body, content_type="application/json",
                         headers=admin), "nest")

    def test_reasonable_nesting_still_reads(self, api: FlaskClient, admin: dict[str, str],
                                            unchanged: None) -> None:
        # 20 levels is within the limit: the schema, not the parser, refuses it
        refused(api.post("/api/clubs", json={"name": [[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]],
                                            "code": "AB"}, headers=admin), "name")


class TestNul:
    def test_in_a_json_string(self, api: FlaskClient, admin: dict[str, str],
                              unchanged: None) -> None:
        refused(api.post("/api/clubs", json={"name": "Club\u0000X", "code": "NUL1"},
                         headers=admin), "name", "nul")

    def test_in_a_json_key(self, api: FlaskClient, admin: dict[str, str],
                           unchanged: None) -> None:
        refused(api.post("/api/clubs", json={"na\u0000me": "Club", "code": "NUL2"},
                         headers=admin), "nul")

    def test_in_anonymous_login(self, api: FlaskClient, unchanged: None) -> None:
        refused(api.post("/api/auth/login", json={"username": "ad\u0000min", "password": "x"}),
                "username", "nul")

    def test_in_a_query_filter(self, api: FlaskClient, admin: dict[str, str]) -> None:
        refused(api.get("/api/users?username=a%00b", headers=admin), "username", "nul")

    def test_in_a_query_name(self, api: FlaskClient, admin: dict[str, str]) -> None:
        refused(api.get("/api/clubs?a%00b=1", headers=admin), "nul")


class TestNumbers:
    @pytest.mark.parametrize("page", ["99999999999999999999", "2147483648", "9" * 5000])
    def test_huge_page(self, api: FlaskClient, admin: dict[str, str], page: str) -> None:
        refused(api.get(f"/api/clubs?page={page}", headers=admin), "page")

    def test_huge_id_in_a_body(self, api: FlaskClient, admin: dict[str, str],
                               unchanged: None) -> None:
        refused(api.post("/api/events", headers=admin, json={
            "competition_id": 99999999999999999999, "discipline_code": "100m", "sex": "F"}),
            "competition_id")

    def test_huge_id_in_a_filter(self, api: FlaskClient, admin: dict[str, str]) -> None:
        refused(api.get("/api/races?competition_id=99999999999999999999", headers=admin),
                "competition_id")

    def test_huge_id_in_a_path(self, api: FlaskClient, admin: dict[str, str],
                               unchanged: None) -> None:
        for method in ("get", "put", "delete"):
            response = getattr(api, method)("/api/clubs/99999999999999999999", headers=admin,
                                            json={"name": "x"} if method == "put" else None)
            BaseAPITest.assert_error(response, 404, "not_found")

    def test_overlong_number_literal(self, api: FlaskClient, admin: dict[str, str],
                                     unchanged: None) -> None:
        body = '{"competition_id": ' + "9" * 5000 + ', "discipline_code": "100m", "sex": "F"}'
        refused(api.post("/api/events", data=body, content_type="application/json",
                         headers=admin), "digits")


class TestDates:
    @pytest.mark.parametrize("moment", [
        "2024-01-15T10:00:00+16:00", "2024-01-15T10:00:00-23:59", "9999-12-31T23:59:59-05:00",
        "0001-01-01T00:30:00+01:00", "0001-01-01T00:00:00",
    ])
    def test_race_date(self, api: FlaskClient, admin: dict[str, str], unchanged: None,
                       moment: str) -> None:
        refused(api.post("/api/races", headers=admin, json={"name": "Hostile", "date": moment}),
                "date")

    def test_offset_at_the_limit_is_accepted(self, api: FlaskClient, admin: dict[str, str],
                                             meet: dict[str, int]) -> None:
        response = api.put(f"/api/races/{meet['race']}", headers=admin,
                           json={"date": "2025-06-01T10:00:00+15:59"})
        BaseAPITest.assert_success(response)

    @pytest.mark.parametrize(("start", "end"), [
        ("0001-01-01", "0001-01-01"), ("9999-12-31", "9999-12-31"),
    ])
    def test_competition_dates(self, api: FlaskClient, admin: dict[str, str], unchanged: None,
                               start: str, end: str) -> None:
        refused(api.post("/api/competitions", headers=admin, json={
            "name": "Far away", "venue": "Nowhere", "start_date": start, "end_date": end}),
            "start_date")

    def test_round_start_offset(self, api: FlaskClient, admin: dict[str, str],
                                meet: dict[str, int], unchanged: None) -> None:
        refused(api.put(f"/api/rounds/{meet['round']}", headers=admin,
                        json={"scheduled_start": "2025-06-01T10:00:00+20:00"}),
                "scheduled_start")

    def test_race_day_filter(self, api: FlaskClient, admin: dict[str, str]) -> None:
        refused(api.get("/api/races?date=0001-01-01", headers=admin), "date")


@pytest.fixture()
def race(committed_db: Engine) -> Race:
    return build_race(committed_db)


@pytest.fixture()
def starter(api_app: Flask) -> dict[str, str]:
    user = TestDataFactory.create_user(role="Starter")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


class TestTimingUploads:
    def test_gun_time_offset(self, api: FlaskClient, race: Race, starter: dict[str, str],
                             unchanged: None) -> None:
        refused(api.post(f"/api/timing/heats/{race.road_heat_id}/gun", headers=starter,
                         json={"gun_time": "2025-10-12T09:00:00+16:00"}), "gun_time")

    def test_lif_line_over_128_kib(self, api: FlaskClient, race: Race, unchanged: None) -> None:
        header = f"{race.sprint_event_id},1,1,100m Final,+0.5,m/s,,,,100,21:00:00.0000"
        long_line = "1,201,1," + "x" * (129 * 1024) + ",Sprinter1,Club,10.43,,,"
        refused(api.post("/api/timing/lif?filename=long.lif", data=header + "\n" + long_line,
                         content_type="text/plain", headers=bearer(race.tokens["camera"])),
                "line 2", "long")

    def test_passing_line_over_128_kib(self, api: FlaskClient, race: Race,
                                       unchanged: None) -> None:
        body = "1;C101;2025-10-12;09:00:01.000;" + "9" * (129 * 1024)
        refused(api.post("/api/timing/passings", data=body, content_type="text/plain",
                         headers=bearer(race.tokens["finish"])), "line 1", "long")

    def test_deep_json_passings(self, api: FlaskClient, race: Race, unchanged: None) -> None:
        refused(api.post("/api/timing/passings", data=nested(DEEP),
                         content_type="application/json",
                         headers=bearer(race.tokens["finish"])), "nest")

    def test_nul_in_an_uploaded_file_name(self, api: FlaskClient, race: Race,
                                          unchanged: None) -> None:
        lif = f"{race.sprint_event_id},1,1,100m Final,+0.5,m/s,,,,100,21:00:00.0000\n"
        response = api.post(
            "/api/timing/lif", headers=bearer(race.tokens["camera"]),
            data={"file": (io.BytesIO(lif.encode()), "evil\x00.lif")},
            content_type="multipart/form-data")
        refused(response, "file", "nul")

    def test_nul_in_a_file_name_argument(self, api: FlaskClient, race: Race,
                                         unchanged: None) -> None:
        lif = f"{race.sprint_event_id},1,1,100m Final,+0.5,m/s,,,,100,21:00:00.0000\n"
        refused(api.post("/api/timing/lif?filename=evil%00.lif", data=lif,
                         content_type="text/plain", headers=bearer(race.tokens["camera"])),
                "filename", "nul")
