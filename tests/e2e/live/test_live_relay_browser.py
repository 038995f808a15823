"""A relay on the public pages, on a laptop, a tablet and a phone: the heat sheet and the
printed results name each team with its runners in leg order, and a team's own page lists
its legs; nothing scrolls sideways."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Event,
    Heat,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from tests.e2e.conftest import VIEWPORTS, csp_violations, open_page

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
TEAMS = (("Tigers Athletic Club", "TIG", 40_020), ("Lions AC", "LIO", 40_510),
         ("Harbour Harriers", "HAR", 41_330))


def _relay_meet(engine: Engine) -> dict[str, int]:
    with Session(engine) as session, session.begin():
        competition = Competition(name="Relay Open", venue="Stadium", start_date=date(2026, 6, 6),
                                  end_date=date(2026, 6, 6), status=CompetitionStatus.LIVE)
        event = Event(competition=competition, discipline_code="4x100m",
                      name="4 × 100 m relay", sex=Sex.MALE, kind=discipline("4x100m").kind)
        heat = Heat(round=Round(event=event, kind=RoundKind.FINAL, ordinal=1), number=1)
        session.add_all([competition, event, heat])
        session.flush()
        teams = []
        for lane, (name, code, mark) in enumerate(TEAMS, start=3):
            club = Club(name=name, code=code)
            runners = [Athlete(first_name=f"Runner{n}", last_name=f"{code.title()}son",
                               sex=Sex.MALE, club=club) for n in range(1, 5)]
            session.add_all([club, *runners])
            session.flush()
            team = create_relay_team(session, SYSTEM, event, club, bib=f"R{lane}")
            declare_legs(session, SYSTEM, team, [LegDeclaration(a.id, n)
                                                 for n, a in enumerate(runners, start=1)])
            session.add(LaneAssignment(heat_id=heat.id, entry_id=team.id, lane=lane,
                                       position=lane - 2))
            session.add(Result(heat_id=heat.id, entry_id=team.id, mark=mark,
                               status=ResultStatus.OK, place=lane - 2))
            teams.append(team.id)
        return {"competition": competition.id, "heat": heat.id, "team": teams[0]}


def test_relay_teams_and_their_legs_on_the_public_pages(
    server: str, committed_db: Engine, browser: Any
) -> None:
    from playwright.sync_api import expect

    ids = _relay_meet(committed_db)
    SHOTS.mkdir(parents=True, exist_ok=True)
    legs = "Runner1 Tigson, Runner2 Tigson, Runner3 Tigson, Runner4 Tigson"
    pages = {
        "print": f"/live/{ids['competition']}/print",
        "sheet": f"/live/heats/{ids['heat']}/sheet",
        "team": f"/live/{ids['competition']}/athletes/{ids['team']}",
    }
    for device, (width, _) in VIEWPORTS.items():
        page = open_page(browser, device)
        blocked = csp_violations(page)
        for name, path in pages.items():
            page.goto(f"{server}{path}")
            expect(page.locator("main")).to_contain_text("Tigers Athletic Club A")
            if name == "team":
                expect(page.locator("main")).to_contain_text("Runner3 Tigson")
                expect(page.locator("main")).to_contain_text("100 m")
            else:
                expect(page.locator(".legs").first).to_have_text(legs)
            if name == "print":
                expect(page.locator("main")).to_contain_text("40.02")
            page.screenshot(path=str(SHOTS / f"relay-{name}-{device}.png"), full_page=True)
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, f"{name} scrolls sideways on the {device}: {wide} px"
        assert blocked == [], "the Content-Security-Policy blocked part of the page"
        page.context.close()
