"""The federation and statistics exports through the public API, on PostgreSQL.

A published meet: a 100 m run in two heats (the wind measured per heat, one result with its
own wind, a tie across heats, a hand time, a DNF) and a decathlon after two events (Kevin
Mayer's 10.55 and 7.80 m: 963 + 1010 points). Each export is read back with :mod:`csv` or
:mod:`json`: the wind, heat places and combined points come from the data, nothing is asked
of anyone; a draft meet is invisible; the OpenAPI documents every endpoint.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient

from athsys.athletes.models import Athlete, Club
from athsys.competitions.advancement import Qualification
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.leaderboards import exports
from athsys.results.models import Result, ResultSource
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from tests.integration.api.helpers import TestDataFactory, tag

pytestmark = pytest.mark.integration

DOCS = Path(__file__).resolve().parents[3] / "docs" / "results-json.md"
BIRTH_DATE = date(1996, 2, 10)
PRIVATE = "LICX"
NEW_EXPORTS = ("athletic-net.csv", "tfrrs.csv", "power-of-10.csv", "results.json")

# bib -> (first, last, heat, mark, own wind, status, hand timed)
SPRINT = {
    "7": ("Ann", "Lee", 1, 11_071, 12, ResultStatus.OK, False),
    "12": ("Cat", "Dow", 2, 11_200, None, ResultStatus.OK, False),
    "15": ("Eve", "Fox", 1, 11_200, None, ResultStatus.OK, False),
    "21": ("Gil", "Ho", 2, 11_400, None, ResultStatus.OK, True),
    "9": ("Bo", "Kim", 1, None, None, ResultStatus.DNF, False),
}
HEAT_WINDS = {1: 8, 2: -4}  # tenths of m/s
LANES = {"7": 4, "15": 3, "9": 5, "12": 5, "21": 6}


def _competition(session, t: str, status: CompetitionStatus) -> Competition:
    competition = Competition(name=f"Fed Open {t}", venue="City Stadium",
                              start_date=date(2025, 6, 1), end_date=date(2025, 6, 2),
                              time_zone="Europe/London", altitude_m=1_200, status=status)
    session.add(competition)
    return competition


def _athlete(club: Club, first: str, last: str, sex: Sex, licence: str) -> Athlete:
    return Athlete(first_name=first, last_name=last, sex=sex, club=club, licence=licence,
                   birth_date=BIRTH_DATE)


@pytest.fixture(scope="module")
def fed_meet(api_app: Flask) -> dict[str, int]:
    with api_app.app_context():
        session = TestDataFactory.session()
        t = tag()
        club = Club(name=f"Harriers AC {t}", code=f"H{t[:5]}")
        competition = _competition(session, t, CompetitionStatus.LIVE)
        draft = _competition(session, t + "D", CompetitionStatus.DRAFT)
        sprint = Event(competition=competition, discipline_code="100m", name="100 m Women",
                       sex=Sex.FEMALE, kind=discipline("100m").kind)
        first_round = Round(event=sprint, kind=RoundKind.HEAT, ordinal=1)
        heats = {number: Heat(round=first_round, number=number, status=HeatStatus.OFFICIAL,
                              wind=wind, scheduled_start=datetime(2025, 6, 1, 17, tzinfo=UTC),
                              gun_time=datetime(2025, 6, 1, 17, 0, 4, 250_000, tzinfo=UTC))
                 for number, wind in HEAT_WINDS.items()}
        decathlon = Event(competition=competition, discipline_code="DEC", name="Decathlon Men",
                          sex=Sex.MALE, kind=discipline("DEC").kind)
        session.add_all([club, sprint, decathlon, *heats.values()])
        session.flush()
        for bib, (first, last, heat, mark, wind, status, hand) in SPRINT.items():
            entry = Entry(event=sprint, competition_id=competition.id, bib=bib,
                          athlete=_athlete(club, first, last, Sex.FEMALE, f"{PRIVATE}{t}{bib}"))
            session.add(entry)
            session.flush()
            session.add(LaneAssignment(heat=heats[heat], entry=entry, lane=LANES[bib],
                                       position=LANES[bib]))
            session.add(Result(
                heat=heats[heat], entry=entry, mark=mark, status=status, wind=wind,
                hand_timed=hand, reaction_time=None if hand else 140 + int(bib),
                source=ResultSource.MANUAL if hand else ResultSource.LIF,
                qualification=Qualification.BY_PLACE if bib == "7" else None))
        all_rounder = Entry(event=decathlon, competition_id=competition.id, bib="41",
                            athlete=_athlete(club, "Tom", "Ek", Sex.MALE, f"{PRIVATE}{t}41"))
        session.add(all_rounder)
        for ordinal, mark in enumerate((10_550, 7_800), start=1):
            heat = Heat(round=Round(event=decathlon, kind=RoundKind.FINAL, ordinal=ordinal),
                        number=1, status=HeatStatus.OFFICIAL)
            session.add(Result(heat=heat, entry=all_rounder, mark=mark))
        session.commit()
        return {"competition": competition.id, "draft": draft.id}


def _get(api: FlaskClient, competition: int, name: str) -> str:
    response = api.get(f"/api/public/competitions/{competition}/{name}")
    assert response.status_code == 200, (name, response.get_data(as_text=True))
    assert f"competition-{competition}-" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert PRIVATE not in text and BIRTH_DATE.isoformat() not in text, "a private field"
    return text


def test_hytek_file_carries_race_wind_heat_place_and_combined_points(
        api: FlaskClient, fed_meet: dict[str, int]) -> None:
    rows = list(csv.reader(io.StringIO(_get(api, fed_meet["competition"], "results.txt"),
                                       newline=""), delimiter=";"))
    lines = {row[7]: dict(zip(exports.HYTEK_FIELDS, row, strict=True)) for row in rows}
    assert {bib: (line["place"], line["heat_place"], line["wind"], line["mark"])
            for bib, line in lines.items() if bib in SPRINT} == {
        "7": ("1", "1", "+1.2", "11.08"),   # its own wind
        "12": ("2", "1", "-0.4", "11.20"),  # heat 2's wind; first in its heat
        "15": ("2", "2", "+0.8", "11.20"),  # tied on the board, second in heat 1
        "21": ("4", "2", "-0.4", "11.4h"),
        "9": ("", "", "", "DNF"),
    }
    assert (lines["41"]["mark"], lines["41"]["points"]) == ("1973", "1973")


def test_athletic_net_tfrrs_and_power_of_10_read_back(
        api: FlaskClient, fed_meet: dict[str, int]) -> None:
    competition = fed_meet["competition"]
    anet = {row["LastName"]: row for row in csv.DictReader(io.StringIO(
        _get(api, competition, "athletic-net.csv"), newline=""))}
    assert (anet["Ho"]["Time"], anet["Ho"]["Place"], anet["Ho"]["HeatPlace"]) == ("11.4", "4",
                                                                                 "2")
    assert (anet["Kim"]["Time"], anet["Kim"]["Place"]) == ("DNF", "")
    assert anet["Ek"]["Time"] == "1973" and anet["Lee"]["Gender"] == "F"
    tfrrs = list(csv.DictReader(io.StringIO(_get(api, competition, "tfrrs.csv"), newline="")))
    assert [(r["LAST"], r["ROUND"], r["HEAT"], r["HEAT_PLACE"], r["WIND"]) for r in tfrrs][:3] \
        == [("Lee", "Prelims", "1", "1", "+1.2"), ("Dow", "Prelims", "2", "1", "-0.4"),
            ("Fox", "Prelims", "1", "2", "+0.8")]
    po10 = list(csv.DictReader(io.StringIO(_get(api, competition, "power-of-10.csv"),
                                           newline="")))
    assert [(r["Surname"], r["Race"], r["Pos"], r["Perf"]) for r in po10] == [
        ("Lee", "h1", "1", "11.08"), ("Dow", "h2", "2", "11.20"), ("Fox", "h1", "2", "11.20"),
        ("Ho", "h2", "4", "11.4h"), ("Kim", "h1", "", "DNF"), ("Ek", "f", "1", "1973")]


def test_json_results_file_has_every_documented_field(
        api: FlaskClient, fed_meet: dict[str, int]) -> None:
    document = json.loads(_get(api, fed_meet["competition"], "results.json"))
    assert document["competition"]["id"] == fed_meet["competition"]
    sprint, decathlon = document["events"]
    assert [line["heat_place"] for line in sprint["results"]] == [1, 1, 2, 2, None]
    assert sprint["round"] == "heat" and sprint["results"][0]["records"] == []
    total = decathlon["results"][0]
    assert (total["points"], total["mark_text"]) == (1973, "1973")
    assert [(e["event"], e["mark"], e["points"]) for e in total["combined_events"]][:2] == [
        ("100m", 10_550, 963), ("LJ", 7_800, 1010)]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOCS.read_text(), flags=re.MULTILINE))
    used = (set(document) | set(document["competition"]) | set(sprint)
            | set(sprint["heats"][0]) | set(sprint["results"][0])
            | set(total["combined_events"][0]))
    assert used == documented
    lee = sprint["results"][0]
    assert (lee["lane"], lee["reaction_time"], lee["qualification"], lee["source"]) == (
        4, 147, "Q", "lif")
    assert sprint["results"][3]["source"] == "manual"  # the hand time
    # at 1200 m every finisher's mark is "A"; a DNF has no mark to mark
    assert [line["conditions"] for line in sprint["results"]] == [["A"]] * 4 + [[]]
    assert (document["competition"]["altitude_m"], sprint["wind_measured"]) == (1_200, True)
    assert [(heat["number"], heat["wind"], heat["gun_time"]) for heat in sprint["heats"]] == [
        (1, "+0.8", "2025-06-01T18:00:04.250+01:00"), (2, "-0.4", "2025-06-01T18:00:04.250+01:00")]
    assert document["competition"]["time_zone"] == "Europe/London"
    schema = json.loads((DOCS.parent / "results-json.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)


def test_a_draft_meet_exports_nothing(api: FlaskClient, fed_meet: dict[str, int]) -> None:
    for name in NEW_EXPORTS:
        response = api.get(f"/api/public/competitions/{fed_meet['draft']}/{name}")
        assert response.status_code == 404, name
        assert response.get_json()["success"] is False


def test_openapi_documents_every_export(api: FlaskClient) -> None:
    paths = api.get("/apispec.json").get_json()["paths"]
    for name in (*NEW_EXPORTS, "results.txt"):
        operation = paths[f"/api/public/competitions/{{competition_id}}/{name}"]["get"]
        assert operation["summary"] and "public" in operation["tags"]

