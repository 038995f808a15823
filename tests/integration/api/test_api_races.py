import pytest
from sqlalchemy import func, select

from athsys.audit.models import AuditLog
from tests.integration.api.helpers import BaseAPITest, TestDataFactory, bearer

pytestmark = pytest.mark.integration


@pytest.fixture()
def admin_headers(api_app):
    user = TestDataFactory.create_user(role="Admin")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


class TestRaces(BaseAPITest):
    def test_race_lifecycle(self, api, admin_headers):
        # Create
        response = api.post("/api/races", headers=admin_headers,
                            json={"name": "Test Race", "date": "2024-01-15T10:00:00"})
        data = self.assert_success(response, 201)
        race_id = self.assert_has_field(data, "id")
        assert data["name"] == "Test Race"
        assert data["date"].startswith("2024-01-15T10:00:00")
        # Read
        got = self.assert_success(api.get(f"/api/races/{race_id}", headers=admin_headers))
        assert got["name"] == "Test Race"
        # Update
        updated = self.assert_success(api.put(f"/api/races/{race_id}", headers=admin_headers,
                                              json={"name": "Updated Race"}))
        assert updated["name"] == "Updated Race"
        # Delete
        self.assert_success(api.delete(f"/api/races/{race_id}", headers=admin_headers))
        self.assert_error(api.get(f"/api/races/{race_id}", headers=admin_headers), 404, "not_found")

    def test_standalone_races_of_one_name_and_day_share_a_round(self, api, admin_headers):
        name = f"City Run {TestDataFactory.create_club()}"
        first = self.assert_success(
            api.post("/api/races", headers=admin_headers,
                     json={"name": name, "date": "2024-03-02T09:00:00"}), 201)
        second = self.assert_success(
            api.post("/api/races", headers=admin_headers,
                     json={"name": name, "date": "2024-03-02T11:00:00"}), 201)
        assert first["round_id"] == second["round_id"]
        assert (first["number"], second["number"]) == (1, 2)
        listed = self.assert_success(api.get(
            f"/api/races?competition_id={first['competition_id']}", headers=admin_headers))
        assert [r["id"] for r in listed] == [first["id"], second["id"]]

    def test_every_write_is_audited(self, api, admin_headers):
        session = TestDataFactory.session()
        with TestDataFactory.app.app_context():
            before = session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.entity == "Heat"))
        created = self.assert_success(api.post("/api/races", headers=admin_headers, json={
            "name": "Audited", "date": "2024-05-05T10:00:00"}), 201)
        api.put(f"/api/races/{created['id']}", headers=admin_headers, json={"wind": "+1.2"})
        api.delete(f"/api/races/{created['id']}", headers=admin_headers)
        with TestDataFactory.app.app_context():
            rows = session.scalars(select(AuditLog).where(
                AuditLog.entity == "Heat", AuditLog.entity_id == str(created["id"]))
                .order_by(AuditLog.id)).all()
            assert [r.action for r in rows] == ["create", "update", "delete"]
            assert rows[1].changes["wind"] == {"before": None, "after": 12}
            assert session.scalar(select(func.count()).select_from(AuditLog).where(
                AuditLog.entity == "Heat")) == before + 3

    def test_race_in_a_round_uses_the_competition_time_zone(self, api, admin_headers):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        body = {"name": "Heat 2", "date": "2025-06-01T19:30:00", "round_id": meet["round"]}
        data = self.assert_success(api.post("/api/races", headers=admin_headers, json=body), 201)
        assert data["number"] == 2
        assert data["event_id"] == meet["event"]
        assert data["date"] == "2025-06-01T19:30:00+00:00"


class TestRaceInput(BaseAPITest):
    def test_invalid_body_names_every_bad_field(self, api, admin_headers):
        response = api.post("/api/races", headers=admin_headers,
                            json={"date": "yesterday", "number": 0, "colour": "red"})
        error = self.assert_error(response, 400, "validation_error")
        assert set(error["details"]) == {"name", "date", "number", "colour"}

    def test_not_json(self, api, admin_headers):
        response = api.post("/api/races", headers=admin_headers, data="name=x",
                            content_type="application/x-www-form-urlencoded")
        self.assert_error(response, 400)
        response = api.post("/api/races", headers=admin_headers, data="{not json",
                            content_type="application/json")
        self.assert_error(response, 400)
        response = api.post("/api/races", headers=admin_headers, json=["a", "list"])
        self.assert_error(response, 400)

    def test_too_large(self, api, admin_headers):
        response = api.post("/api/races", headers=admin_headers,
                            json={"name": "x" * (1024 * 1024 + 10), "date": "2024-01-15T10:00:00"})
        self.assert_error(response, 413)

    def test_unknown_round_is_named(self, api, admin_headers):
        response = api.post("/api/races", headers=admin_headers,
                            json={"name": "R", "date": "2024-01-15T10:00:00", "round_id": 99999999})
        assert "round_id" in self.assert_error(response, 400)["details"]

    def test_duplicate_heat_number_is_409_without_sql(self, api, admin_headers):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        body = {"name": "Again", "date": "2025-06-01T19:30:00", "round_id": meet["round"],
                "number": 1}
        error = self.assert_error(api.post("/api/races", headers=admin_headers, json=body), 409,
                                  "conflict")
        text = str(error).lower()
        assert "insert" not in text and "detail:" not in text and "heat (" not in text
        assert "number" in error["details"]

    def test_unknown_id_is_404(self, api, admin_headers):
        self.assert_error(api.put("/api/races/99999999", headers=admin_headers,
                                  json={"name": "x"}), 404)
        self.assert_error(api.delete("/api/races/99999999", headers=admin_headers), 404)


class TestPagination(BaseAPITest):
    def test_pages_are_stable_and_counted(self, api, admin_headers):
        club = TestDataFactory.create_club()
        for _ in range(3):
            TestDataFactory.create_meet(club)
        first = api.get(f"/api/athletes?club_id={club}&per_page=4", headers=admin_headers)
        body = first.get_json()
        assert first.status_code == 200
        assert body["pagination"] == {"page": 1, "per_page": 4, "total": 6, "pages": 2}
        second = api.get(f"/api/athletes?club_id={club}&per_page=4&page=2",
                         headers=admin_headers).get_json()
        ids = [a["id"] for a in body["data"]] + [a["id"] for a in second["data"]]
        assert ids == sorted(ids) and len(set(ids)) == 6

    def test_default_page_size_is_20(self, api, admin_headers):
        body = api.get("/api/races", headers=admin_headers).get_json()
        assert body["pagination"]["per_page"] == 20
        assert body["pagination"]["page"] == 1

    @pytest.mark.parametrize("query, field", [
        ("per_page=101", "per_page"), ("per_page=0", "per_page"), ("page=0", "page"),
        ("page=-1", "page"), ("page=abc", "page"), ("competition_id=x", "competition_id"),
        ("colour=red", "colour"),
    ])
    def test_bounds(self, api, admin_headers, query, field):
        error = self.assert_error(api.get(f"/api/races?{query}", headers=admin_headers), 400)
        assert field in error["details"]

    def test_at_most_100(self, api, admin_headers):
        body = api.get("/api/races?per_page=100", headers=admin_headers).get_json()
        assert body["pagination"]["per_page"] == 100
