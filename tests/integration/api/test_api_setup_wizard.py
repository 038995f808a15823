"""``/api/setup``: a meet set up in a few calls on PostgreSQL: competition, programme from a
template, entries from a CSV (all or nothing), chips, seeding, start-list links."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete
from athsys.audit.models import AuditLog
from athsys.competitions.models import Entry, Event, Heat, LaneAssignment, Round
from athsys.timing.models import ChipAssignment
from tests.integration.api.helpers import TestDataFactory, bearer, tag

pytestmark = pytest.mark.integration


def _as(role: str) -> dict[str, str]:
    user = TestDataFactory.create_user(role=role)
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def _meet(api: FlaskClient, chief: dict[str, str], template: str) -> tuple[int, list[dict]]:
    created = api.post("/api/setup/competitions", headers=chief, json={
        "name": f"Setup {template} {tag()}", "day": "2026-06-14", "venue": "Harbour Park",
        "time_zone": "Europe/Paris", "lanes": 8})
    assert created.status_code == 201, created.get_json()
    competition = created.get_json()["data"]
    assert competition["status"] == "open"
    programme = api.post("/api/setup/programme", headers=chief,
                         json={"template": template, "first_start": "09:30"})
    assert programme.status_code == 200, programme.get_json()
    return competition["id"], programme.get_json()["data"]


def test_a_chief_registrar_sets_up_a_club_meet_end_to_end(
    api: FlaskClient, committed_db: Engine
) -> None:
    chief = _as("Chief Registrar")
    competition, planned = _meet(api, chief, "club")
    kept = [e for e in planned if e["code"] in ("100m", "LJ")]
    kept[0]["rounds"][0]["start"] = "09:45"  # edited before saving
    saved = api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                     json={"lanes": 9, "events": kept})
    assert saved.status_code == 201, saved.get_json()
    assert [(e["name"], e["kind"]) for e in saved.get_json()["data"]] == [
        ("Women 100 m", "track"), ("Men 100 m", "track"), ("Women Long jump", "field"),
        ("Men Long jump", "field")]
    licence = f"L{tag()}"
    with Session(committed_db) as session, session.begin():
        session.add(Athlete(first_name="Ana", last_name="Known", sex="F",
                            birth_date=date(1999, 3, 2), licence=licence))
        session.add(Athlete(first_name="RUNNER0", last_name="fast0", sex="F",
                            birth_date=date(2000, 1, 1)))  # found by name and birth date
    csv = ("bib,first name,last name,sex,birth date,club,licence,event,seed mark\n"
           f",Ana,Known,F,1999-03-02,Harbour AC,{licence},100m,11.85\n"
           f",Ana,Known,F,1999-03-02,Harbour AC,{licence},LJ,6.10\n"
           + "".join(f",Runner{i},Fast{i},F,2000-01-0{i + 1},Harbour AC,,100m,12.{i}0\n"
                     for i in range(9))
           + ",Ben,Okafor,M,2001-05-05,,,100m,10.95\n")
    preview = api.post(f"/api/setup/competitions/{competition}/entries/preview",
                       headers=chief, json={"csv": csv, "first_bib": 100})
    data = preview.get_json()["data"]
    assert data["ok"] and data["problems"] == []
    assert [r["bib"] for r in data["rows"]][:3] == ["100", "101", "102"]
    assert data["rows"][0]["seed_mark"] == "11.85"
    imported = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                        json={"csv": csv, "first_bib": 100})
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["data"] == {"entries": 12, "athletes_created": 9,
                                           "athletes_reused": 2, "clubs_created": 1}
    seeded = api.post(f"/api/setup/competitions/{competition}/seed", headers=chief,
                      json={"seed": 7})
    assert seeded.status_code == 200, seeded.get_json()
    answer = seeded.get_json()["data"]
    assert set(answer["without_entries"]) == {"Men Long jump"}
    assert len(answer["start_lists"]) == 4  # women 100 m: 10 in two heats of 9 lanes
    first = answer["start_lists"][0]
    assert first["sheet"] == f"/live/heats/{first['heat_id']}/sheet"
    assert api.get(first["sheet"]).status_code == 200  # printable: the meet is open
    consoles = {link["name"]: link["console"] for link in answer["start_lists"]}
    assert consoles["Women Long jump, Final, group A"].startswith("/console/field/")
    assert consoles["Men 100 m, Final, heat 1"].startswith("/console/heat/")
    with Session(committed_db) as session:
        women_100 = session.scalar(select(Event).where(
            Event.competition_id == competition, Event.name == "Women 100 m"))
        assert women_100 is not None and women_100.lanes == 9
        start = women_100.rounds[0].scheduled_start
        assert start is not None and start.isoformat() == "2026-06-14T07:45:00+00:00"
        placed = session.scalar(select(func.count()).select_from(LaneAssignment).join(Heat)
                                .join(Round).where(Round.event_id == women_100.id))
        assert placed == 10
        assert session.scalar(select(func.count()).select_from(Athlete).where(
            Athlete.licence == licence)) == 1
        assert session.scalar(select(func.count()).select_from(Athlete).where(
            func.lower(Athlete.last_name) == "fast0")) == 1
        assert session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "import_entries", AuditLog.entity_id == str(competition))) == 1


def test_a_csv_with_bad_rows_names_every_one_and_stores_nothing(
    api: FlaskClient, committed_db: Engine
) -> None:
    chief = _as("Chief Registrar")
    competition, planned = _meet(api, chief, "club")
    api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
             json={"events": planned})
    csv = ("bib,first name,last name,sex,birth date,club,event,seed mark\n"
           "1,Ana,Lopes,F,1999-03-02,,100m,11.85\n"
           "2,Ben,Okafor,M,1999-02-30,,100m,10.90\n"
           "1,Cleo,Dunn,F,1998-01-01,,100m,12.10\n"
           "4,Dora,Eze,F,1998-01-01,,800m,\n"
           "5,Eli,Fox,M,1998-01-01,,LJ,1:02.3\n")
    preview = api.post(f"/api/setup/competitions/{competition}/entries/preview",
                       headers=chief, json={"csv": csv}).get_json()["data"]
    assert not preview["ok"]
    assert [(p["line"], p["field"]) for p in preview["problems"]] == [
        (3, "birth_date"), (4, "bib"), (5, "event"), (6, "seed_mark")]
    refused = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                       json={"csv": csv})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert set(error["details"]["csv"]) == {"3", "4", "5", "6"}
    assert "nothing was stored" in error["message"]
    with Session(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(Entry).where(
            Entry.competition_id == competition)) == 0
        assert session.scalar(select(func.count()).select_from(Athlete).where(
            Athlete.last_name == "Lopes")) == 0


def test_a_registered_athlete_the_row_does_not_fit_names_the_line_and_stores_nothing(
    api: FlaskClient, committed_db: Engine
) -> None:
    chief = _as("Chief Registrar")
    competition, planned = _meet(api, chief, "club")
    api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
             json={"events": planned})
    licence = f"L{tag()}"
    with Session(committed_db) as session, session.begin():
        session.add(Athlete(first_name="Max", last_name="Stored", sex="M", licence=licence))
    csv = ("first name,last name,sex,licence,event\n"
           "Zoe,Fresh,F,,100m\n"
           f"Maxine,Stored,F,{licence},100m\n")  # the licence is a man's
    refused = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                       json={"csv": csv})
    assert refused.status_code == 400
    assert set(refused.get_json()["error"]["details"]["csv"]) == {"3"}
    with Session(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(Athlete).where(
            Athlete.last_name == "Fresh")) == 0


def test_a_road_race_gets_chips_from_the_bibs(api: FlaskClient, committed_db: Engine) -> None:
    chief = _as("Admin")
    competition, planned = _meet(api, chief, "road")
    api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
             json={"events": planned})
    csv = "first name,last name,sex,event\n" + "".join(
        f"Road{i},Runner{i},{'F' if i % 2 else 'M'},10K\n" for i in range(6))
    assert api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                    json={"csv": csv}).status_code == 201
    chips = api.post(f"/api/setup/competitions/{competition}/chips", headers=chief,
                     json={"prefix": "T"})
    assert chips.get_json()["data"] == {"assigned": 6}
    again = api.post(f"/api/setup/competitions/{competition}/chips", headers=chief, json={})
    assert again.get_json()["data"] == {"assigned": 0}  # every entry wears one already
    with Session(committed_db) as session:
        worn = set(session.scalars(select(ChipAssignment.chip).where(
            ChipAssignment.competition_id == competition)))
    assert worn == {f"T{b}" for b in range(1, 7)}


def test_bad_input_is_a_400_naming_the_field_and_the_matrix_guards_every_step(
    api: FlaskClient,
) -> None:
    chief = _as("Chief Registrar")
    bad = api.post("/api/setup/competitions", headers=chief, json={
        "name": " ", "day": "14/06/2026", "venue": "X", "time_zone": "Mars/Olympus",
        "lanes": 12})
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["details"]) == {"name", "day", "time_zone", "lanes"}
    competition, planned = _meet(api, chief, "championship")
    planned[0]["rounds"][0]["start"] = "25:00"
    planned[1]["code"] = "100yd"
    wrong = api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                     json={"events": planned[:2]})
    assert wrong.status_code == 400
    assert set(wrong.get_json()["error"]["details"]["events"]) == {"0", "1"}
    twice = api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                     json={"events": [planned[2], planned[2]]})
    assert twice.status_code == 400
    assert "events.1" in twice.get_json()["error"]["details"]
    assert api.post("/api/setup/programme", headers=chief,
                    json={"template": "relays"}).status_code == 400
    registrar = _as("Registrar")
    for path in ("/api/setup/competitions", f"/api/setup/competitions/{competition}/seed"):
        assert api.post(path, headers=registrar, json={}).status_code == 403
    assert api.get("/api/setup/templates", headers=registrar).status_code == 403
    assert api.get("/api/setup/templates").status_code == 401
    home = api.get("/api/home", headers=chief).get_json()["data"]
    assert home["setup"] == "/console/setup"
    assert "setup" not in api.get("/api/home", headers=registrar).get_json()["data"]


def test_a_combined_events_meet_seeds_every_event_of_the_competition(
    api: FlaskClient, committed_db: Engine
) -> None:
    chief = _as("Chief Registrar")
    competition, planned = _meet(api, chief, "combined")
    assert [r["label"] for r in planned[1]["rounds"]] == [
        "100mH", "HJ", "SP", "200m", "LJ", "JT", "800m"]
    assert api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                    json={"events": planned}).status_code == 201
    csv = ("first name,last name,sex,birth date,event,seed mark\n"
           "Nafi,Thiam,F,1994-08-19,HEP,6800\n"
           "Kate,Johnson,F,1993-01-09,HEP,6600\n"
           "Dan,Warner,M,1989-08-01,DEC,8500\n")
    imported = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                        json={"csv": csv})
    assert imported.status_code == 201, imported.get_json()
    seeded = api.post(f"/api/setup/competitions/{competition}/seed", headers=chief,
                      json={}).get_json()["data"]
    assert len(seeded["seeded"]) == 17 and seeded["without_entries"] == []
    names = [link["name"] for link in seeded["start_lists"]]
    assert {"Men Decathlon, event 1, heat 1", "Women Heptathlon, event 7, heat 1"} <= set(names)
    with Session(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(LaneAssignment).join(Heat)
                              .join(Round).join(Event).where(
                                  Event.competition_id == competition)) == 7 * 2 + 10


def _relay_meet(api: FlaskClient, chief: dict[str, str], engine: Engine) -> int:
    """A club meet with a women's 4 x 100 m (entry standard 48.00) beside its 100 m."""
    competition, planned = _meet(api, chief, "club")
    sprint = next(e for e in planned if e["code"] == "100m" and e["sex"] == "F")
    relay = {**sprint, "code": "4x100m", "name": "Women 4 × 100 m relay"}
    saved = api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                     json={"events": [sprint, relay]})
    assert saved.status_code == 201, saved.get_json()
    with Session(engine) as session, session.begin():
        event = session.scalars(select(Event).where(Event.competition_id == competition,
                                                    Event.discipline_code == "4x100m")).one()
        event.entry_standard = 48_000
    return competition


def test_a_csv_enters_relay_teams_beside_athletes(api: FlaskClient, committed_db: Engine
                                                  ) -> None:
    chief = _as("Chief Registrar")
    competition = _relay_meet(api, chief, committed_db)
    club = f"Relay{tag()}"
    csv = ("first name,last name,sex,club,team,event,seed mark\n"
           f"Ana,Lopes,F,{club},,100m,11.85\n"
           f",,F,{club},Relayers A,4x100m,46.20\n")
    preview = api.post(f"/api/setup/competitions/{competition}/entries/preview",
                       headers=chief, json={"csv": csv}).get_json()["data"]
    assert preview["ok"], preview["problems"]
    assert [r["name"] for r in preview["rows"]] == ["Ana Lopes", "Relayers A"]
    saved = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                     json={"csv": csv})
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["data"]["entries"] == 2
    with Session(committed_db) as session:
        team = session.scalars(select(Entry).where(Entry.competition_id == competition,
                                                   Entry.team_name.is_not(None))).one()
        assert (team.team_name, team.athlete_id, team.seed_mark) == ("Relayers A", None, 46_200)
        assert team.club is not None and team.club.name == club


def test_a_bad_relay_row_names_its_line_and_nothing_is_stored(
    api: FlaskClient, committed_db: Engine
) -> None:
    chief = _as("Chief Registrar")
    competition = _relay_meet(api, chief, committed_db)
    club = f"Club{tag()}"
    checked = ("first name,last name,sex,club,team,event,seed mark\n"
               f"Ana,Lopes,F,{club},,100m,11.85\n"
               ",,F,,Lone A,4x100m,\n"  # no club
               f"Bea,Moss,F,{club},{club} B,4x100m,\n")  # an athlete on a team's row
    preview = api.post(f"/api/setup/competitions/{competition}/entries/preview",
                       headers=chief, json={"csv": checked}).get_json()["data"]
    assert [(p["line"], p["field"]) for p in preview["problems"]] == [
        (3, "club"), (3, "seed_mark"), (4, "first_name"), (4, "last_name"), (4, "seed_mark")]
    # a team slower than the entry standard is named by the check, and refused unwaived
    slow = ("first name,last name,sex,club,team,event,seed mark\n"
            f"Ana,Lopes,F,{club},,100m,11.85\n"
            f",,F,{club},{club} A,4x100m,49.00\n")
    preview = api.post(f"/api/setup/competitions/{competition}/entries/preview",
                       headers=chief, json={"csv": slow}).get_json()["data"]
    assert [(p["line"], p["field"]) for p in preview["problems"]] == [(3, "seed_mark")]
    assert "the seed mark 49.00 misses the entry standard 48.00" in (
        preview["problems"][0]["message"])
    refused = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                       json={"csv": slow})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert error["message"] == "csv: 1 bad line(s) (3); nothing was stored"
    assert "misses the entry standard 48.00" in error["details"]["csv"]["3"]["seed_mark"]
    with Session(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(Entry).where(
            Entry.competition_id == competition)) == 0
        assert session.scalar(select(func.count()).select_from(Athlete).where(
            Athlete.last_name == "Lopes", Athlete.first_name == "Ana",
            Athlete.club.has(name=club))) == 0


def test_a_waiver_column_enters_a_team_and_an_athlete_below_the_standard(
    api: FlaskClient, committed_db: Engine
) -> None:
    chief = _as("Chief Registrar")
    competition = _relay_meet(api, chief, committed_db)
    with Session(committed_db) as session, session.begin():
        sprint = session.scalars(select(Event).where(Event.competition_id == competition,
                                                     Event.discipline_code == "100m",
                                                     Event.sex == "F")).one()
        sprint.entry_standard = 12_000
    club = f"Waive{tag()}"
    csv = ("first name,last name,sex,club,team,event,seed mark,standard waiver\n"
           f"Ana,Lopes,F,{club},,100m,12.31,Host nation place\n"
           f"Bea,Moss,F,{club},,100m,11.80,A reason nobody needs\n"
           f",,F,{club},{club} A,4x100m,49.00,Regional champions\n")
    preview = api.post(f"/api/setup/competitions/{competition}/entries/preview",
                       headers=chief, json={"csv": csv}).get_json()["data"]
    assert preview["ok"], preview["problems"]
    assert [r["standard_waiver"] for r in preview["rows"]] == [
        "Host nation place", "", "Regional champions"]
    saved = api.post(f"/api/setup/competitions/{competition}/entries", headers=chief,
                     json={"csv": csv})
    assert saved.status_code == 201, saved.get_json()
    with Session(committed_db) as session:
        stored = dict(session.execute(select(
            func.coalesce(Entry.team_name, Athlete.last_name), Entry.standard_waiver)
            .outerjoin(Athlete, Athlete.id == Entry.athlete_id)
            .where(Entry.competition_id == competition)).all())
    assert stored == {"Lopes": "Host nation place", "Moss": None,
                      f"{club} A": "Regional champions"}


def test_the_programme_sets_entry_standards_in_each_events_notation(
    api: FlaskClient, committed_db: Engine
) -> None:
    """A standard is written as the results write it (a time, a distance, points); a bad or
    implausible one is a 400 naming its event, and no event is stored."""
    chief = _as("Chief Registrar")
    competition, planned = _meet(api, chief, "championship")
    by_code = {(e["code"], e["sex"]): e for e in planned}
    sprint, jump, mile = by_code[("100m", "M")], by_code[("LJ", "F")], by_code[("800m", "F")]
    assert sprint["entry_standard"] is None  # the template sets none
    sprint["entry_standard"], jump["entry_standard"] = "9.00", "6,40"
    mile["entry_standard"] = "2:05.00"
    refused = api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                       json={"events": [sprint, jump, mile]})
    assert refused.status_code == 400
    error = refused.get_json()["error"]
    assert set(error["details"]) == {"events.0.entry_standard", "events.1.entry_standard"}
    assert "Men 100 m, entry standard: 9.00 is not a plausible 100 m mark" in error["message"]
    assert "Women Long jump, entry standard" in error["message"]
    with Session(committed_db) as session:
        assert session.scalar(select(func.count()).select_from(Event).where(
            Event.competition_id == competition)) == 0
    sprint["entry_standard"], jump["entry_standard"] = "10.40", "6.40"
    saved = api.post(f"/api/setup/competitions/{competition}/events", headers=chief,
                     json={"events": [sprint, jump, mile, by_code[("SP", "M")]]})
    assert saved.status_code == 201, saved.get_json()
    with Session(committed_db) as session:
        assert dict(session.execute(select(Event.name, Event.entry_standard).where(
            Event.competition_id == competition)).all()) == {
            "Men 100 m": 10_400, "Women Long jump": 6_400, "Women 800 m": 125_000,
            "Men Shot put": None}
