"""``GET /api/home``: each role's home holds its own sections, with figures read from the
database (a meet running today: a road race started, a sprint and a long jump to come)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis as redis_lib
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import (
    ADMIN,
    ATHLETE,
    CHIEF_REGISTRAR,
    COACH,
    REGISTRAR,
    ROLE_NAMES,
    STARTER,
    VIEWER,
)
from athsys.athletes.models import Athlete
from athsys.competitions.models import Entry, EntryStatus, Event, Heat, Round, RoundKind
from athsys.sport.disciplines import EventKind
from athsys.sport.sex import Sex
from tests.integration.admin.admin_support import csrf_token
from tests.integration.api.helpers import TestDataFactory, bearer
from tests.integration.leaderboards.leaderboards_support import Meet, build_meet, store_result

pytestmark = pytest.mark.integration

COMMON = {"user", "roles", "now", "competitions"}
SECTIONS = {
    ADMIN: {"dashboard", "next_heats", "field_events", "check_in", "setup"},
    CHIEF_REGISTRAR: {"dashboard", "check_in", "setup"},
    REGISTRAR: {"check_in"},
    STARTER: {"next_heats", "field_events"},
    COACH: {"club_entries", "club_relay_teams"},
    ATHLETE: {"my_entries", "my_results", "personal_bests"},
    VIEWER: set(),
}


@pytest.fixture()
def meet(committed_db: Engine) -> Meet:
    meet = build_meet(committed_db)
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    with Session(committed_db) as session, session.begin():
        jump = Event(competition_id=meet.competition_id, discipline_code="LJ",
                     name="Long jump", sex=Sex.MALE, kind=EventKind.FIELD)
        session.add(Heat(round=Round(event=jump, kind=RoundKind.FINAL), number=1,
                         scheduled_start=later))
        session.get(Entry, meet.sprint_entries[0]).status = EntryStatus.CHECKED_IN
        session.get(Entry, meet.sprint_entries[1]).status = EntryStatus.SCRATCHED
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000)
    return meet


def _home(api: FlaskClient, role: str, **profile: int) -> dict:
    user = TestDataFactory.create_user(role=role, **profile)
    response = api.get("/api/home", headers=bearer(TestDataFactory.tokens(user["id"])["access"]))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["data"]


def test_each_role_sees_its_own_sections(api: FlaskClient, meet: Meet, committed_db: Engine,
                                         redis_client: redis_lib.Redis) -> None:
    with Session(committed_db) as session:
        runner = session.scalar(select(Athlete).join(Entry, Entry.athlete_id == Athlete.id)
                                .where(Entry.id == meet.road_entries[0]))
        profiles = {COACH: {"club_id": runner.club_id}, ATHLETE: {"athlete_id": runner.id}}
    homes = {role: _home(api, role, **profiles.get(role, {})) for role in ROLE_NAMES}
    for role, home in homes.items():
        assert set(home) == COMMON | SECTIONS[role], role
        assert meet.competition_id in [c["id"] for c in home["competitions"]], role
    assert api.get("/api/home").status_code == 401

    dashboard = homes[ADMIN]["dashboard"]
    assert dashboard["heats"] == {"scheduled": 2, "started": 1, "finished": 0, "official": 0}
    assert dashboard["results_per_minute"] == 0.2  # one result in the last five minutes
    assert dashboard["unprocessed_batches"] == 0 and dashboard["ingestion_lag_s"] == 0
    assert isinstance(dashboard["queue_depth"], dict)  # the broker answered
    assert "No backup has been made yet." in dashboard["warnings"]

    heats = homes[STARTER]["next_heats"]
    assert [h["heat_id"] for h in heats] == [meet.road_heat_id, meet.sprint_heat_id]
    assert [h["name"] for h in heats] == ["10 km road, Final", "100 m, Final"]
    assert heats[1]["athletes"] == 4 and heats[1]["checked_in"] == 1
    assert [f["name"] for f in homes[STARTER]["field_events"]] == ["Long jump, Final"]
    sprint = next(e for e in homes[REGISTRAR]["check_in"] if e["event_id"] == meet.sprint_event_id)
    assert (sprint["entries"], sprint["checked_in"], sprint["scratched"]) == (4, 1, 1)

    mine = homes[ATHLETE]
    assert [r["mark"] for r in mine["my_results"]] == ["30:00"]
    assert [e["event"] for e in mine["my_entries"]] == ["10 km road"]
    club = homes[COACH]["club_entries"]
    assert runner.last_name in {e["athlete"].split()[-1] for e in club}
    assert all(e["athlete"].split()[0] != "Sprinter2" for e in club)  # not of the club


def test_a_session_of_the_web_ui_reads_its_home(api: FlaskClient, meet: Meet,
                                                redis_client: redis_lib.Redis) -> None:
    user = TestDataFactory.create_user(role=STARTER)
    login = api.post("/login/", data={"username": user["username"],
                                      "password": user["password"],
                                      "csrf_token": csrf_token(api, "/login/")})
    assert login.status_code == 302 and "/login" not in login.headers["Location"]
    page = api.get("/")
    assert page.status_code == 200 and b"home.js" in page.data and b"/api/home" in page.data
    assert set(api.get("/api/home").get_json()["data"]) == COMMON | SECTIONS[STARTER]


def test_the_dashboard_counts_only_the_competitions_running_today(
    api: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    """Last season's meet, still in the database, moves none of today's figures."""
    from datetime import date

    from athsys.competitions.models import Competition
    from athsys.results.models import Result
    from athsys.sport.ranking import ResultStatus

    with Session(committed_db) as session, session.begin():
        old = Competition(name="Last season", venue="Elsewhere", start_date=date(2024, 5, 4),
                          end_date=date(2024, 5, 4))
        sprint = Event(competition=old, discipline_code="100m", name="100 m", sex=Sex.MALE,
                       kind=EventKind.TRACK)
        heat = Heat(round=Round(event=sprint, kind=RoundKind.FINAL), number=1)
        runners = session.scalars(select(Entry.athlete_id)
                                  .where(Entry.id.in_(meet.sprint_entries[:3]))).all()
        session.add_all([old, sprint, heat])
        session.flush()
        for bib, runner in zip(("901", "902", "903"), runners, strict=True):
            entry = Entry(event=sprint, competition_id=old.id, athlete_id=runner, bib=bib)
            session.add(entry)
            session.flush()
            session.add(Result(heat=heat, entry=entry, mark=10_500, status=ResultStatus.OK))
    dashboard = _home(api, ADMIN)["dashboard"]
    assert dashboard["results_per_minute"] == 0.2  # still only today's one result
    assert dashboard["heats"] == {"scheduled": 2, "started": 1, "finished": 0, "official": 0}


def test_a_coach_sees_the_clubs_relay_teams_with_their_legs(
    api: FlaskClient, meet: Meet, committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    from athsys.accounts.actor import SYSTEM
    from athsys.athletes.models import Club
    from athsys.competitions.models import Competition
    from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs

    with Session(committed_db) as session, session.begin():
        competition = session.get(Competition, meet.competition_id)
        relay = Event(competition=competition, discipline_code="4x100m", name="4 × 100 m",
                      sex=Sex.MALE, kind=EventKind.TRACK)
        session.add(relay)
        sprinters = [session.get(Entry, e).athlete for e in meet.sprint_entries]
        club = session.get(Club, sprinters[0].club_id)
        team = create_relay_team(session, SYSTEM, relay, club, bib="R1")
        create_relay_team(session, SYSTEM, relay, club, bib="R2")  # no legs yet
        declare_legs(session, SYSTEM, team, [
            LegDeclaration(a.id, leg) for leg, a in [(2, sprinters[0]), (1, sprinters[1]),
                                                     (3, sprinters[2]), (4, sprinters[3])]])
        names = [f"{a.first_name} {a.last_name}" for a in sprinters]
        club_id, other = club.id, session.scalar(select(Club.id).where(Club.id != club.id,
                                                                       Club.code == "STR"))
    teams = _home(api, COACH, club_id=club_id)["club_relay_teams"]
    assert [(t["team"], t["bib"], t["event"]) for t in teams] == [
        ("Harriers A", "R1", "4 × 100 m"), ("Harriers B", "R2", "4 × 100 m")]
    assert [(leg["leg"], leg["name"]) for leg in teams[0]["legs"]] == [
        (1, names[1]), (2, names[0]), (3, names[2]), (4, names[3])]
    assert teams[1]["legs"] == []
    assert _home(api, COACH, club_id=other)["club_relay_teams"] == []
