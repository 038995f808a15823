"""Hand timing through the API: a race timed by hand, a hand time typed on the starter's
console or posted to the results API, published to the tenth rounded up (11.11 -> 11.2h)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.integration.api.helpers import BaseAPITest, TestDataFactory, bearer

pytestmark = pytest.mark.integration


def _as(role: str) -> dict[str, str]:
    return bearer(TestDataFactory.tokens(TestDataFactory.create_user(role=role)["id"])["access"])


class TestHandTiming(BaseAPITest):
    def test_a_race_timed_by_hand_gives_hand_times_on_the_starters_console(
        self, api: FlaskClient
    ) -> None:
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        admin, starter = _as("Admin"), _as("Starter")
        race = self.assert_success(api.put(f"/api/races/{meet['race']}", headers=admin,
                                           json={"hand_timed": True}))
        assert race["hand_timed"] is True
        sheet = self.assert_success(api.post(
            f"/api/starter/heats/{meet['race']}/outcome", headers=starter,
            json={"entry_id": meet["spare_entry"], "status": "OK", "mark": "11.11"}))
        assert sheet["hand_timed"] is True
        line = self._result(api, admin, meet["spare_entry"])
        assert (line["mark_display"], line["hand_timed"], line["place"]) == ("11.2h", True, 1)
        # said otherwise: a fully automatic time in the same heat
        sheet = self.assert_success(api.post(
            f"/api/starter/heats/{meet['race']}/outcome", headers=starter,
            json={"entry_id": meet["spare_entry"], "status": "OK", "mark": "11.11",
                  "hand_timed": False}))
        line = self._result(api, admin, meet["spare_entry"])
        assert (line["mark_display"], line["hand_timed"]) == ("11.11", False)

    def test_a_time_written_with_an_h_is_a_hand_time(self, api: FlaskClient) -> None:
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        admin, starter = _as("Admin"), _as("Starter")
        url = f"/api/starter/heats/{meet['race']}/outcome"
        self.assert_success(api.post(url, headers=starter, json={
            "entry_id": meet["spare_entry"], "status": "OK", "mark": "11.9h"}))
        line = self._result(api, admin, meet["spare_entry"])
        assert (line["mark"], line["mark_display"], line["hand_timed"]) == (11_900, "11.9h", True)
        response = api.post(url, headers=starter, json={
            "entry_id": meet["spare_entry"], "status": "OK", "mark": "11.9h",
            "hand_timed": False})
        assert "hand_timed" in self.assert_error(response, 400)["details"]

    def _result(self, api: FlaskClient, headers: dict[str, str], entry_id: int) -> dict:
        found = self.assert_success(api.get(f"/api/results?entry_id={entry_id}",
                                            headers=headers))
        items = found["items"] if isinstance(found, dict) else found
        (line,) = items
        return line  # type: ignore[no-any-return]

    def test_the_results_api_takes_and_shows_a_hand_time(self, api: FlaskClient) -> None:
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        admin = _as("Admin")
        created = self.assert_success(api.post("/api/results", headers=admin, json={
            "race_id": meet["race"], "entry_id": meet["spare_entry"], "mark": "11.10",
            "hand_timed": True}), 201)
        assert (created["mark"], created["mark_display"], created["hand_timed"]) == (
            11_100, "11.1h", True)
        corrected = self.assert_success(api.put(f"/api/results/{created['id']}", headers=admin,
                                                json={"hand_timed": False, "reason": "FAT"}))
        assert (corrected["mark_display"], corrected["hand_timed"], corrected["revision"]) == (
            "11.10", False, 2)

    @pytest.mark.parametrize(("body", "needle"), [
        ({"mark": "10.43", "hand_timed": True, "source": "lif"}, "never hand timed"),
        ({"mark": "10.43", "hand_timed": True, "source": "chip"}, "never hand timed"),
        ({"mark": "10.43", "hand_timed": "yes please"}, "hand_timed"),
    ])
    def test_a_machine_result_is_never_hand_timed(
        self, api: FlaskClient, body: dict, needle: str
    ) -> None:
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        response = api.post("/api/results", headers=_as("Admin"), json={
            "race_id": meet["race"], "entry_id": meet["spare_entry"], **body})
        assert needle in str(self.assert_error(response, 400))

    def test_a_field_flight_is_not_timed_by_hand(self, api: FlaskClient) -> None:
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        response = api.put(f"/api/races/{meet['field_race']}", headers=_as("Admin"),
                           json={"hand_timed": True})
        assert "hand_timed" in str(self.assert_error(response, 400))
