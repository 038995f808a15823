"""The PDFs a meet prints: real PDF files, paginated with the meet's header on every page,
whose text (read back with pypdf) says what the data and the web pages say."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.competitions.builder import MeetBuilder, Runner
from athsys.records.models import Record, RecordScope
from athsys.results.models import Attempt, AttemptOutcome
from athsys.sport.sex import Sex
from tests.integration.api.helpers import TestDataFactory, bearer
from tests.integration.leaderboards.leaderboards_support import build_meet, store_result

pytestmark = pytest.mark.integration


def _pages(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    # cells come out one per line: spaces make a row read as it prints
    return [" ".join(page.extract_text().split())
            for page in PdfReader(io.BytesIO(response.data)).pages]


def test_results_and_start_list_say_what_the_data_says(client: FlaskClient,
                                                        committed_db: Engine) -> None:
    meet = build_meet(committed_db)
    for i, entry_id in enumerate(meet.road_entries):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i * 61_000)
    results = _pages(client.get(f"/api/public/events/{meet.road_event_id}/results.pdf"))
    text = "\n".join(results)
    assert "City 10K" in text and "Riverside" in text and "page 1 of 1" in text
    assert "10 km road" in text and "unofficial" in text
    assert "1 101 Runner0 Road0 HAR 30:00" in text
    assert "6 106 Runner5 Road5 STR 35:05 +5:05" in text  # place, bib, name, club, time, gap
    whole = "\n".join(_pages(client.get(
        f"/api/public/competitions/{meet.competition_id}/results.pdf")))
    assert "10 km road" in whole and "100 m" in whole and "No results." in whole
    start = "\n".join(_pages(client.get(f"/api/public/heats/{meet.sprint_heat_id}/"
                                        "startlist.pdf")))
    assert "Start list" in start and "1 3 201" in start and "10.11" in start
    teams = "\n".join(_pages(client.get(
        f"/api/public/events/{meet.road_event_id}/teams.pdf?points=10,8,6&scorers=1")))
    assert "1 HAR 10" in teams and "2 STR 8" in teams


def test_a_long_list_runs_over_pages_with_the_header_on_each(client: FlaskClient,
                                                             committed_db: Engine) -> None:
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Harbour Half", day=datetime.now(UTC).date(),
                                        venue="Quayside")
        heat = build.race(build.event(competition, "HM", sex=Sex.FEMALE, name="Half marathon"))
        entries = build.enter(heat, build.athletes(
            [Runner(f"Ida{i}", f"Long{i:03d}", Sex.FEMALE) for i in range(150)]),
            [str(500 + i) for i in range(150)])
        event_id, heat_id = heat.round.event_id, heat.id
    for i, entry_id in enumerate(entries):
        store_result(committed_db, heat_id, entry_id, 4_500_000 + i * 7_000)
    pages = _pages(client.get(f"/api/public/events/{event_id}/results.pdf"))
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "Harbour Half" in page and "Quayside" in page and "Results" in page
        assert f"page {number} of {len(pages)}" in page
        assert "Pl Bib Name" in page  # the table's header row repeats
    text = "\n".join(pages)
    assert all(f"{i + 1} {500 + i} Ida{i} Long{i:03d}" in text for i in range(150))


def test_records_and_judges_sheet_print_every_name_as_written(
        client: FlaskClient, api: FlaskClient, committed_db: Engine) -> None:
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Mistrzostwa Mazowsza", day=datetime.now(UTC).date(),
                                        venue="Łódź")
        competition.championship = "Mistrzostwa Mazowsza"
        flight = build.race(build.event(competition, "HJ", sex=Sex.FEMALE, name="Skok wzwyż K"))
        ids = build.enter(flight, build.athletes([
            Runner("Małgorzata", "Wąsowska", Sex.FEMALE), Runner("Zoë", "Ångström", Sex.FEMALE)]),
            ["11", "12"])
        session.add_all([
            Attempt(heat_id=flight.id, entry_id=ids[0], sequence=1, height=1700,
                    outcome=AttemptOutcome.CLEARED),
            Attempt(heat_id=flight.id, entry_id=ids[1], sequence=1, height=1700,
                    outcome=AttemptOutcome.FAILED),
            Record(scope=RecordScope.CHAMPIONSHIP, discipline_code="HJ", sex=Sex.FEMALE,
                   region="Mistrzostwa Mazowsza", mark=1910, holder_name="Kamila Lićwinko",
                   venue="Warszawa", set_on=date(2015, 6, 20)),
            Record(scope=RecordScope.WORLD, discipline_code="HJ", sex=Sex.FEMALE, mark=2100,
                   holder_name="Yaroslava Mahuchikh", venue="Paris", set_on=date(2024, 7, 7)),
        ])
        flight_id, competition_id = flight.id, competition.id
    records = "\n".join(_pages(client.get(
        f"/api/public/competitions/{competition_id}/records.pdf")))
    assert "Mistrzostwa Mazowsza" in records and "Łódź" in records
    assert "WR" in records and "2.10 Yaroslava Mahuchikh Paris 2024-07-07" in records
    assert "CR Mistrzostwa Mazowsza 1.91 Kamila Lićwinko" in records

    user = TestDataFactory.create_user(role="Starter")
    judges = bearer(TestDataFactory.tokens(user["id"])["access"])
    sheet = "\n".join(_pages(api.get(f"/api/documents/heats/{flight_id}/judges-sheet.pdf",
                                     headers=judges)))
    assert "Judges' sheet" in sheet and "1.70" in sheet
    assert "11 Małgorzata Wąsowska o 1.70 1" in sheet
    assert "12 Zoë Ångström x" in sheet
    assert api.get(f"/api/documents/heats/{flight_id}/judges-sheet.pdf").status_code == 401
    assert client.get("/api/public/competitions/999999/records.pdf").status_code == 404


def test_sheets_name_the_implement_and_hurdles_of_the_category(
        client: FlaskClient, api: FlaskClient, committed_db: Engine) -> None:
    """World Athletics Technical Rules: U18 men throw the 5 kg shot and run the 110 m hurdles
    over 91.4 cm; the judges' sheet, the start list (PDF and web) and the results say so."""
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Youth Games", day=datetime.now(UTC).date())
        shot = build.race(build.event(competition, "SP", sex=Sex.MALE, name="Shot put U18 Men",
                                      age_category="U18"))
        hurdles = build.race(build.event(competition, "110mH", sex=Sex.MALE,
                                         name="110 m hurdles U18 Men", age_category="U18"))
        runners = build.athletes([Runner("Leo", "Shot", Sex.MALE), Runner("Max", "Hurdle",
                                                                          Sex.MALE)])
        build.enter(shot, runners[:1], ["31"])
        build.enter(hurdles, runners[1:], ["32"], lanes=[4])
        shot_id, hurdles_id = shot.id, hurdles.id
    judge = TestDataFactory.create_user(role="Starter")
    judges = bearer(TestDataFactory.tokens(judge["id"])["access"])
    sheet = "\n".join(_pages(api.get(f"/api/documents/heats/{shot_id}/judges-sheet.pdf",
                                     headers=judges)))
    assert "5 kg shot" in sheet
    start = "\n".join(_pages(client.get(f"/api/public/heats/{hurdles_id}/startlist.pdf")))
    assert "hurdles 91.4 cm" in start
    web = client.get(f"/live/heats/{hurdles_id}/sheet")  # the web sheet says what the PDF says
    assert web.status_code == 200 and "hurdles 91.4 cm" in web.get_data(as_text=True)
    board = client.get(f"/api/public/heats/{hurdles_id}/results").get_json()["data"]
    assert board["event"]["implement"] == "hurdles 91.4 cm"
