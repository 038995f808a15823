"""Every CSV the project writes is safe to open in a spreadsheet (OWASP CSV injection), and
carries no private field (licence, birth date).

A meet whose athletes, club and event carry formulas in their names is exported through every
endpoint that writes delimited text; each file is read back with :mod:`csv` and no cell may
start with a character that makes a spreadsheet evaluate it, while signed numbers (the wind
``-1.2``) stay readable.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from athsys.athletes.models import Athlete, Club
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
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from athsys.spreadsheet import FORMULA_TRIGGERS
from tests.integration.api.helpers import TestDataFactory, bearer, tag

FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+SUM(1+1)", "-2+3+cmd|' /C calc'!A0",
            "@SUM(A1:A9)", "\t=1+1")  # a line break in a name: FinishLynx files refuse it
#: The athletes' licences start with this, and none may show in an export (a private field).
PRIVATE = "PRIV"
BIRTH_DATE = date(1987, 3, 14)

#: A cell a spreadsheet may evaluate safely: it can only ever be the number itself.
SIGNED_NUMBER = re.compile(r"[+-][0-9][0-9.,:]*")


@pytest.fixture(scope="module")
def hostile_meet(api_app: Flask) -> dict[str, int]:
    with api_app.app_context():
        session = TestDataFactory.session()
        t = tag()
        club = Club(name=f"=cmd|' /C calc'!A0 {t}", code=f"X{t}")
        competition = Competition(name=f"@Meet {t}", venue="Stadium", start_date=date(2025, 6, 1),
                                  end_date=date(2025, 6, 1), status=CompetitionStatus.LIVE)
        found = discipline("100m")
        event = Event(competition=competition, discipline_code="100m", name="=1+1 100 m",
                      sex=Sex.FEMALE, kind=found.kind)
        heat = Heat(round=Round(event=event, kind=RoundKind.FINAL, ordinal=1), number=1,
                    name="+heat", status=HeatStatus.FINISHED, wind=-12,
                    scheduled_start=datetime(2025, 6, 1, 18, tzinfo=UTC))
        session.add_all([club, competition, event, heat])
        session.flush()
        for position, formula in enumerate(FORMULAS, start=1):
            athlete = Athlete(first_name=formula, last_name=formula, sex=Sex.FEMALE, club=club,
                              licence=f"{PRIVATE}{t}{position}", birth_date=BIRTH_DATE)
            entry = Entry(event=event, competition_id=competition.id, athlete=athlete,
                          bib=f"-{position}X{t[:3]}", seed_mark=11_000 + position)
            session.add(entry)
            session.flush()
            session.add(LaneAssignment(heat=heat, entry=entry, lane=position, position=position))
            session.add(Result(heat=heat, entry=entry, mark=11_000 + position * 10,
                               status=ResultStatus.OK, place=position, wind=-12))
        session.commit()
        return {"competition": competition.id, "event": event.id, "heat": heat.id}


def _cells(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _assert_safe(rows: list[list[str]]) -> None:
    cells = [cell for row in rows for cell in row]
    assert cells, "empty export"
    assert not [c for c in cells if PRIVATE in c or BIRTH_DATE.isoformat() in c], \
        "a private field in an export"
    for cell in cells:
        assert not cell or cell[0] not in FORMULA_TRIGGERS or SIGNED_NUMBER.fullmatch(cell), cell
    # the formulas are all there, only quoted
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells), cells


def test_public_exports_neutralise_every_formula(api: FlaskClient,
                                                 hostile_meet: dict[str, int]) -> None:
    for url in (f"/api/public/events/{hostile_meet['event']}/results.csv",
                f"/api/public/competitions/{hostile_meet['competition']}/results.csv",
                f"/api/public/heats/{hostile_meet['heat']}/startlist.csv",
                *(f"/api/public/competitions/{hostile_meet['competition']}/{name}"
                  for name in ("athletic-net.csv", "tfrrs.csv", "power-of-10.csv"))):
        response = api.get(url)
        assert response.status_code == 200, url
        _assert_safe(_cells(response.get_data(as_text=True)))
    semicolon = api.get(f"/api/public/competitions/{hostile_meet['competition']}/results.txt")
    assert semicolon.status_code == 200
    rows = _cells(semicolon.get_data(as_text=True), delimiter=";")
    _assert_safe(rows)
    assert {row[13] for row in rows} == {"-1.2"}  # the wind stays a number


def test_json_results_file_keeps_names_as_they_are(api: FlaskClient,
                                                   hostile_meet: dict[str, int]) -> None:
    """JSON is not a spreadsheet: names are kept exactly (no quote added), and no private
    field is in it."""
    response = api.get(f"/api/public/competitions/{hostile_meet['competition']}/results.json")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert PRIVATE not in text and BIRTH_DATE.isoformat() not in text
    names = {line["first_name"] for event in response.get_json()["events"]
             for line in event["results"]}
    assert names == set(FORMULAS)


def test_timing_exports_neutralise_every_formula(api: FlaskClient,
                                                 hostile_meet: dict[str, int]) -> None:
    starter = TestDataFactory.create_user(role="Starter")
    headers = bearer(TestDataFactory.tokens(starter["id"])["access"])
    heat, competition = hostile_meet["heat"], hostile_meet["competition"]
    for url in (f"/api/timing/heats/{heat}/results.csv", f"/api/timing/heats/{heat}/lynx.evt",
                f"/api/timing/heats/{heat}/lynx.ppl",
                f"/api/timing/competitions/{competition}/lynx.evt",
                f"/api/timing/competitions/{competition}/lynx.ppl"):
        response = api.get(url, headers=headers)
        assert response.status_code == 200, (url, response.get_data(as_text=True))
        _assert_safe(_cells(response.get_data(as_text=True)))
    schedule = api.get(f"/api/timing/competitions/{competition}/lynx.sch", headers=headers)
    assert schedule.status_code == 200
    assert all(not line or line[0] not in FORMULA_TRIGGERS
               for line in schedule.get_data(as_text=True).splitlines())
