import pytest
from sqlalchemy import select

from athsys.audit.models import AuditLog
from athsys.competitions.models import Competition, CompetitionStatus
from tests.integration.api.helpers import BaseAPITest, TestDataFactory, bearer, tag

pytestmark = pytest.mark.integration


def _headers(role, **profile):
    user = TestDataFactory.create_user(role=role, **profile)
    return bearer(TestDataFactory.tokens(user["id"])["access"])


@pytest.fixture()
def admin(api_app):
    return _headers("Admin")


class TestResults(BaseAPITest):
    def test_marks_in_the_sport_notation(self, api, admin):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        created = self.assert_success(api.post("/api/results", headers=admin, json={
            "race_id": meet["race"], "entry_id": meet["spare_entry"], "mark": "10.43",
            "wind": "-0.6", "place": 1}), 201)
        assert (created["mark"], created["mark_display"]) == (10430, "10.43")
        assert (created["wind"], created["wind_display"]) == (-6, "-0.6")
        corrected = self.assert_success(api.put(f"/api/results/{created['id']}", headers=admin,
                                                json={"mark": 10421, "reason": "photo"}))
        assert (corrected["mark"], corrected["mark_display"], corrected["revision"]) == (
            10421, "10.43", 2)

    def test_bad_marks_are_named(self, api, admin):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        response = api.post("/api/results", headers=admin, json={
            "race_id": meet["race"], "entry_id": meet["spare_entry"], "mark": 10.43})
        assert "mark" in self.assert_error(response, 400)["details"]
        response = api.post("/api/results", headers=admin, json={
            "race_id": meet["race"], "entry_id": meet["spare_entry"], "mark": "8.41m"})
        assert "mark" in self.assert_error(response, 400)["details"]

    def test_second_result_for_an_entry_is_409(self, api, admin):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        response = api.post("/api/results", headers=admin, json={
            "race_id": meet["race"], "entry_id": meet["entry"], "mark": "11.00"})
        error = self.assert_error(response, 409, "conflict")
        assert "entry_id" in error["details"]

    def test_field_attempt_in_metres(self, api, admin):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        created = self.assert_success(api.post("/api/attempts", headers=admin, json={
            "race_id": meet["field_race"], "entry_id": meet["jump_entry"], "sequence": 2,
            "outcome": "m", "mark": "6.417"}), 201)
        assert (created["mark"], created["mark_display"]) == (6417, "6.41")


class TestAthletes(BaseAPITest):
    def test_coach_writes_only_their_club(self, api):
        club, other = TestDataFactory.create_club(), TestDataFactory.create_club()
        coach = _headers("Coach", club_id=club)
        mine = {"first_name": "Kip", "last_name": f"K{tag()}", "sex": "M", "club_id": club}
        self.assert_success(api.post("/api/athletes", headers=coach, json=mine), 201)
        theirs = dict(mine, club_id=other)
        self.assert_error(api.post("/api/athletes", headers=coach, json=theirs), 403)
        meet = TestDataFactory.create_meet(other)
        self.assert_error(api.put(f"/api/athletes/{meet['athlete']}", headers=coach,
                                  json={"nationality": "KEN"}), 403)

    def test_private_fields_only_for_those_who_may_see_them(self, api):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        viewer = self.assert_success(api.get(f"/api/athletes/{meet['athlete']}",
                                             headers=_headers("Viewer")))
        assert "birth_date" not in viewer and "licence" not in viewer
        own = self.assert_success(api.get(f"/api/athletes/{meet['athlete']}",
                                          headers=_headers("Athlete", athlete_id=meet["athlete"])))
        assert own["birth_date"] == "2001-05-17"

    def test_deleting_an_athlete_with_entries_is_409(self, api, admin):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        self.assert_error(api.delete(f"/api/athletes/{meet['athlete']}", headers=admin), 409)

    def test_duplicate_club_code_is_409_naming_the_field(self, api, admin):
        body = {"name": f"Dup {tag()}", "code": f"D{tag()}"}
        self.assert_success(api.post("/api/clubs", headers=admin, json=body), 201)
        error = self.assert_error(api.post("/api/clubs", headers=admin,
                                           json=dict(body, name=f"Other {tag()}")), 409)
        assert "code" in error["details"]


class TestRegistrations(BaseAPITest):
    def test_seed_mark_in_notation_and_duplicate_bib(self, api, admin):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        created = self.assert_success(api.post("/api/registrations", headers=admin, json={
            "event_id": meet["field_event"], "athlete_id": meet["other_athlete"],
            "bib": f"7{tag()[:4]}", "seed_mark": "6.02"}), 201)
        assert created["seed_mark"] == 6020
        assert created["competition_id"] == meet["competition"]
        listed = api.get(f"/api/registrations?competition_id={meet['competition']}",
                         headers=admin).get_json()
        assert listed["pagination"]["total"] == 4
        newcomer = self.assert_success(api.post("/api/athletes", headers=admin, json={
            "first_name": "New", "last_name": f"N{tag()}", "sex": "F"}), 201)
        error = self.assert_error(api.post("/api/registrations", headers=admin, json={
            "event_id": meet["event"], "athlete_id": newcomer["id"], "bib": created["bib"]}), 409)
        assert list(error["details"]) == ["bib"]
        assert created["bib"] in error["message"]


    def test_entries_follow_the_events_sex_and_age_category(self, api, admin):
        """A man is refused in a women's event (nothing stored); a registrar may enter him
        anyway with a reason, which the entry keeps and the audit trail records; a coach
        may not."""
        club = TestDataFactory.create_club()
        meet = TestDataFactory.create_meet(club)
        man = self.assert_success(api.post("/api/athletes", headers=admin, json={
            "first_name": "Max", "last_name": f"M{tag()}", "sex": "M", "club_id": club}), 201)
        body = {"event_id": meet["event"], "athlete_id": man["id"], "bib": f"9{tag()[:4]}"}
        before = api.get(f"/api/registrations?competition_id={meet['competition']}",
                         headers=admin).get_json()["pagination"]["total"]
        error = self.assert_error(api.post("/api/registrations", headers=admin, json=body), 400)
        assert "the event is for women" in error["message"]
        assert "eligibility_override" in error["message"]
        after = api.get(f"/api/registrations?competition_id={meet['competition']}",
                        headers=admin).get_json()["pagination"]["total"]
        assert after == before

        reason = "guest pacer, meeting director's decision"
        coach = _headers("Coach", club_id=club)
        self.assert_error(api.post("/api/registrations", headers=coach, json={
            **body, "eligibility_override": reason}), 403)
        registrar = _headers("Registrar")
        created = self.assert_success(api.post("/api/registrations", headers=registrar, json={
            **body, "eligibility_override": reason}), 201)
        assert created["eligibility_override"] == reason
        with TestDataFactory.app.app_context():
            audit = TestDataFactory.session().scalars(select(AuditLog).where(
                AuditLog.entity == "Entry", AuditLog.entity_id == str(created["id"]))).one()
            assert reason in str(audit.changes)

    def test_an_age_category_that_does_not_fit_is_refused_with_the_reason(self, api, admin):
        """A U20 event (meet on 1 June 2025): a woman 20 by 31 December is refused, naming the
        rule and her category; one who is 18 on 31 December is entered."""
        club = TestDataFactory.create_club()
        meet = TestDataFactory.create_meet(club)
        event = self.assert_success(api.post("/api/events", headers=admin, json={
            "competition_id": meet["competition"], "discipline_code": "200m", "sex": "F",
            "age_category": "U20"}), 201)

        def athlete(born):
            return self.assert_success(api.post("/api/athletes", headers=admin, json={
                "first_name": "Uma", "last_name": f"U{tag()}", "sex": "F", "club_id": club,
                "birth_date": born}), 201)["id"]

        senior, junior = athlete("2005-12-31"), athlete("2007-01-01")
        error = self.assert_error(api.post("/api/registrations", headers=admin, json={
            "event_id": event["id"], "athlete_id": senior, "bib": f"8{tag()[:4]}"}), 400)
        assert ("U20 is for athletes aged under 20 on 31 December 2025 (World Athletics and "
                "WMA); born 2005-12-31, the athlete is SEN on 2025-06-01") in error["message"]
        self.assert_success(api.post("/api/registrations", headers=admin, json={
            "event_id": event["id"], "athlete_id": junior, "bib": f"7{tag()[:4]}"}), 201)


    def test_a_meet_under_a_federations_age_categories(self, api, admin):
        """UK Athletics Rule 107 (meet on 1 June 2025, competition year from 1 October 2024):
        U17 is 15 or 16 on 31 August 2025. A World Athletics meet has no U17: the event is
        refused when it is created; an unknown table is refused naming the ones there are."""
        club = TestDataFactory.create_club()
        meet = TestDataFactory.create_meet(club)
        url = f"/api/competitions/{meet['competition']}"
        u17 = {"competition_id": meet["competition"], "discipline_code": "200m", "sex": "F",
               "age_category": "U17"}
        error = self.assert_error(api.post("/api/events", headers=admin, json=u17), 400)
        assert "'U17' is not a women's category of World Athletics and WMA" in error["message"]
        bad = self.assert_error(api.put(url, headers=admin, json={"age_categories": "ukk"}),
                                400)
        assert "age_categories" in bad["details"] and "uka" in str(bad["details"])
        changed = self.assert_success(api.put(url, headers=admin,
                                              json={"age_categories": "uka"}))
        assert changed["age_categories"] == "uka"
        event = self.assert_success(api.post("/api/events", headers=admin, json=u17), 201)

        def athlete(born):
            return self.assert_success(api.post("/api/athletes", headers=admin, json={
                "first_name": "Ivy", "last_name": f"I{tag()}", "sex": "F", "club_id": club,
                "birth_date": born}), 201)["id"]

        sixteen, seventeen = athlete("2009-03-01"), athlete("2008-08-31")
        self.assert_success(api.post("/api/registrations", headers=admin, json={
            "event_id": event["id"], "athlete_id": sixteen, "bib": f"6{tag()[:4]}"}), 201)
        error = self.assert_error(api.post("/api/registrations", headers=admin, json={
            "event_id": event["id"], "athlete_id": seventeen, "bib": f"5{tag()[:4]}"}), 400)
        assert "U17 is for athletes aged" in error["message"]
        assert "the athlete is U20 on 2025-06-01" in error["message"]

    def test_entries_meet_the_events_entry_standard_or_are_waived(self, api, admin):
        """The long jump's standard is 6.00 (in the event's notation); a 6.02 seed meets it,
        a 5.90 is refused naming both marks until a registrar waives it with a reason."""
        club = TestDataFactory.create_club()
        meet = TestDataFactory.create_meet(club)
        event = self.assert_success(api.put(f"/api/events/{meet['field_event']}", headers=admin,
                                            json={"entry_standard": "6.00"}))
        assert event["entry_standard"] == 6000
        bad = self.assert_error(api.put(f"/api/events/{meet['field_event']}", headers=admin,
                                        json={"entry_standard": "60.00"}), 400)
        assert "entry_standard" in bad["details"]
        athletes = [self.assert_success(api.post("/api/athletes", headers=admin, json={
            "first_name": name, "last_name": f"L{tag()}", "sex": "F", "club_id": club}), 201)
            for name in ("Meets", "Misses")]
        body = {"event_id": meet["field_event"], "athlete_id": athletes[0]["id"],
                "bib": f"5{tag()[:4]}", "seed_mark": "6.02"}
        self.assert_success(api.post("/api/registrations", headers=admin, json=body), 201)
        short = {**body, "athlete_id": athletes[1]["id"], "bib": f"6{tag()[:4]}",
                 "seed_mark": "5.90"}
        error = self.assert_error(api.post("/api/registrations", headers=admin, json=short), 400)
        assert "the seed mark 5.90 misses the entry standard 6.00" in error["message"]
        assert "standard_waiver" in error["message"]
        coach = _headers("Coach", club_id=club)
        self.assert_error(api.post("/api/registrations", headers=coach, json={
            **short, "standard_waiver": "host nation place"}), 403)
        waived = self.assert_success(api.post("/api/registrations", headers=_headers(
            "Registrar"), json={**short, "standard_waiver": "host nation place"}), 201)
        assert waived["standard_waiver"] == "host nation place"


class TestUsers(BaseAPITest):
    def test_chief_registrar_cannot_grant_admin(self, api):
        chief = _headers("Chief Registrar")
        body = {"username": f"u_{tag().lower()}", "email": f"{tag().lower()}@example.org",
                "password": "long-enough-pw", "first_name": "A", "last_name": "B",
                "roles": ["Admin"]}
        self.assert_error(api.post("/api/users", headers=chief, json=body), 403)
        created = self.assert_success(api.post("/api/users", headers=chief,
                                               json=dict(body, roles=["Registrar"])), 201)
        assert created["roles"] == ["Registrar"] and "password" not in created
        again = api.post("/api/users", headers=chief, json=dict(body, roles=["Viewer"]))
        assert set(self.assert_error(again, 409)["details"]) == {"username", "email"}
        bad = api.post("/api/users", headers=chief, json=dict(body, roles=["Pope"], email="x"))
        assert set(self.assert_error(bad, 400)["details"]) >= {"roles", "email"}


class TestSelfRegistration(BaseAPITest):
    def _body(self, meet, **changes):
        t = tag().lower()
        body = {"username": f"self_{t}", "email": f"self_{t}@example.org",
                "password": "my-own-password", "first_name": "Self", "last_name": "Runner",
                "sex": "F", "competition_id": meet["competition"], "event_id": meet["event"]}
        body.update(changes)
        return body

    def test_register_where_allowed(self, api):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club(), self_registration=True)
        data = self.assert_success(api.post("/api/auth/register", json=self._body(meet)), 201)
        assert data["user"]["roles"] == ["Athlete"]
        assert data["user"]["athlete_id"] == data["athlete_id"]
        me = api.get("/api/auth/me", headers=bearer(data["access_token"]))
        assert self.assert_success(me)["username"] == data["user"]["username"]
        with TestDataFactory.app.app_context():
            actions = TestDataFactory.session().scalars(select(AuditLog.action).where(
                AuditLog.actor_id == data["user"]["id"])).all()
        assert sorted(actions) == ["create", "create", "register"]

    def test_refused_where_not_allowed(self, api):
        meet = TestDataFactory.create_meet(TestDataFactory.create_club())
        self.assert_error(api.post("/api/auth/register", json=self._body(meet)), 403)
        with TestDataFactory.app.app_context():
            session = TestDataFactory.session()
            competition = session.get(Competition, meet["competition"])
            competition.allow_self_registration = True
            competition.status = CompetitionStatus.FINISHED
            session.commit()
        self.assert_error(api.post("/api/auth/register", json=self._body(meet)), 403)
