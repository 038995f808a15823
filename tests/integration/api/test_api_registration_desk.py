"""``/api/desk``: the registrar finds athletes by bib or name as they type (server-side,
bounded) and checks them in or scratches them with one tap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Competition, Entry
from athsys.sport.sex import Sex
from tests.integration.api.helpers import TestDataFactory, bearer

pytestmark = pytest.mark.integration


@pytest.fixture()
def road_race(committed_db: Engine) -> tuple[int, list[int]]:
    """A 10 km with 60 runners: bibs 100-159, one of them Zoë O'Brien_Smith."""
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Harbour 10K", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "10K", sex=Sex.FEMALE))
        names = [("Zoë", "O'Brien_Smith") if i == 7 else (f"Runner{i}", f"Road{i}")
                 for i in range(60)]
        athletes = build.athletes([Runner(first, last, Sex.FEMALE) for first, last in names])
        entries = build.enter(heat, athletes, [str(100 + i) for i in range(60)])
        return competition.id, entries


def _registrar() -> dict[str, str]:
    user = TestDataFactory.create_user(role="Registrar")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def test_a_bib_matches_from_its_start_and_a_name_anywhere(
    api: FlaskClient, road_race: tuple[int, list[int]]
) -> None:
    competition, _ = road_race
    url = f"/api/desk/competitions/{competition}/entries"
    registrar = _registrar()
    found = api.get(url, headers=registrar, query_string={"q": "10"}).get_json()["data"]
    # bibs 100-109, and 110 whose runner is "Runner10"
    assert [line["bib"] for line in found["lines"]] == [*(str(b) for b in range(100, 110)), "110"]
    assert found["entries"] == 60 and found["checked_in"] == 0
    many = api.get(url, headers=registrar, query_string={"q": "1"}).get_json()["data"]
    assert len(many["lines"]) == 25  # bounded: never the whole field
    name = api.get(url, headers=registrar, query_string={"q": "o'brien_s"}).get_json()["data"]
    assert [line["bib"] for line in name["lines"]] == ["107"]
    wild = api.get(url, headers=registrar, query_string={"q": "%"}).get_json()["data"]
    assert wild["lines"] == []  # a % is a character, not a wildcard
    long = api.get(url, headers=registrar, query_string={"q": "x" * 61})
    assert long.status_code == 400


def test_check_in_then_scratch_with_one_tap_each(
    api: FlaskClient, road_race: tuple[int, list[int]]
) -> None:
    competition, entries = road_race
    registrar = _registrar()
    checked = api.post(f"/api/desk/entries/{entries[3]}/check-in", headers=registrar)
    assert checked.status_code == 200
    data = checked.get_json()["data"]
    assert data["checked_in"] == 1 and data["lines"][0]["status"] == "checked_in"
    scratched = api.post(f"/api/desk/entries/{entries[4]}/scratch", headers=registrar)
    assert scratched.get_json()["data"]["scratched"] == 1
    late = api.post(f"/api/desk/entries/{entries[4]}/check-in", headers=registrar)
    assert late.status_code == 409
    assert "a scratched entry cannot check in" in late.get_json()["error"]["message"]


def test_a_chip_handed_out_at_the_desk_shows_with_its_last_read(
    api: FlaskClient, road_race: tuple[int, list[int]]
) -> None:
    competition, entries = road_race
    registrar = _registrar()
    url = f"/api/desk/competitions/{competition}/entries"
    before = api.get(url, headers=registrar, query_string={"q": "107"}).get_json()["data"]
    assert (before["lines"][0]["chip"], before["lines"][0]["chip_last_read"]) == ("", "")
    handed = api.post(f"/api/timing/competitions/{competition}/chips/reassign",
                      headers=registrar, json={"chip": "C107", "entry_id": entries[7]})
    assert handed.status_code == 200, handed.get_json()
    after = api.get(url, headers=registrar, query_string={"q": "107"}).get_json()["data"]
    assert (after["lines"][0]["chip"], after["lines"][0]["chip_last_read"]) == ("C107", "")


def _athletes(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM athlete")).scalar_one())


def test_a_late_entry_of_a_new_athlete_and_of_a_known_one(
    api: FlaskClient, road_race: tuple[int, list[int]], committed_db: Engine
) -> None:
    competition, entries = road_race
    registrar = _registrar()
    event_id = api.get(f"/api/registrations/{entries[0]}",
                       headers=registrar).get_json()["data"]["event_id"]
    url = f"/api/desk/competitions/{competition}/late-entries"
    new = api.post(url, headers=registrar, json={
        "event_id": event_id, "bib": "500",
        "athlete": {"first_name": "Late", "last_name": "Comer", "sex": "F",
                    "birth_date": "1990-05-01"}})
    assert new.status_code == 201, new.get_json()
    data = new.get_json()["data"]
    assert [(line["bib"], line["name"], line["status"]) for line in data["lines"]] == [
        ("500", "Late Comer", "entered")]
    assert data["entries"] == 61 and data["drawn"] is True  # the 60 were placed in the heat

    before = _athletes(committed_db)
    taken = api.post(url, headers=registrar, json={  # bib 101 is worn already
        "event_id": event_id, "bib": "101",
        "athlete": {"first_name": "Second", "last_name": "Comer", "sex": "F"}})
    assert taken.status_code in (400, 409), taken.get_json()
    assert "bib" in str(taken.get_json()["error"])
    assert _athletes(committed_db) == before  # the new athlete went with the refused entry

    both = api.post(url, headers=registrar, json={"event_id": event_id, "bib": "501",
                                                  "athlete_id": 1, "athlete": {
                                                      "first_name": "A", "last_name": "B",
                                                      "sex": "F"}})
    assert both.status_code == 400
    assert "athlete_id" in both.get_json()["error"]["details"]


def test_a_late_entry_into_an_event_of_another_competition_is_refused(
    api: FlaskClient, road_race: tuple[int, list[int]], committed_db: Engine
) -> None:
    competition, _ = road_race
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        other = build.competition("Other meet", day=datetime.now(UTC).date())
        elsewhere = build.event(other, "100m", sex=Sex.FEMALE).id
    refused = api.post(f"/api/desk/competitions/{competition}/late-entries",
                       headers=_registrar(), json={
                           "event_id": elsewhere, "bib": "600",
                           "athlete": {"first_name": "Lost", "last_name": "Way", "sex": "F"}})
    assert refused.status_code == 400
    assert "is not an event of this competition" in refused.get_json()["error"]["message"]


def test_a_late_entry_below_the_entry_standard_needs_a_reason(
    api: FlaskClient, road_race: tuple[int, list[int]], committed_db: Engine
) -> None:
    """The seed mark is written in the event's notation; one slower than the standard is
    refused naming both marks until a reason is given, and a bad mark names the field."""
    competition, _ = road_race
    with Session(committed_db) as session, session.begin():
        event = MeetBuilder(session).event(session.get(Competition, competition), "100m",
                                           sex=Sex.FEMALE)
        event.entry_standard = 12_000
        event_id = event.id
    url = f"/api/desk/competitions/{competition}/late-entries"
    registrar = _registrar()
    athlete = {"first_name": "Quick", "last_name": "Enough", "sex": "F",
               "birth_date": "1998-04-04"}

    def stored() -> list[tuple[object, ...]]:
        with Session(committed_db) as session:
            return [tuple(row) for row in session.execute(select(
                Entry.bib, Entry.seed_mark, Entry.standard_waiver)
                .where(Entry.event_id == event_id))]

    slow = api.post(url, headers=registrar, json={
        "event_id": event_id, "bib": "700", "athlete": athlete, "seed_mark": "12.31"})
    assert slow.status_code == 400, slow.get_json()
    assert "the seed mark 12.31 misses the entry standard 12.00" in (
        slow.get_json()["error"]["message"])
    bad = api.post(url, headers=registrar, json={
        "event_id": event_id, "bib": "700", "athlete": athlete, "seed_mark": "fast"})
    assert bad.status_code == 400 and "seed_mark" in bad.get_json()["error"]["details"]
    assert stored() == []
    waived = api.post(url, headers=registrar, json={
        "event_id": event_id, "bib": "700", "athlete": athlete, "seed_mark": "12.31",
        "standard_waiver": "host club's pick"})
    assert waived.status_code == 201, waived.get_json()
    fast = api.post(url, headers=registrar, json={
        "event_id": event_id, "bib": "701", "seed_mark": "11.95",
        "athlete": {**athlete, "first_name": "Quicker"}})
    assert fast.status_code == 201, fast.get_json()
    assert sorted(stored()) == [("700", 12_310, "host club's pick"), ("701", 11_950, None)]
