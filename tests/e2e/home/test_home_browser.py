"""Each role logs in through the login form of a real Chromium and lands on its own home:
the meet director's dashboard, the starter's next heats, the athlete's entries and results;
the dashboard's figures follow the database without a reload. Screenshots at laptop,
tablet and phone sizes go to ``$ATHSYS_SCREENSHOTS`` (or a temporary directory)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import (
    ADMIN,
    ATHLETE,
    CHIEF_REGISTRAR,
    COACH,
    REGISTRAR,
    STARTER,
    VIEWER,
)
from athsys.athletes.models import Athlete
from athsys.competitions.models import Entry
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory
from tests.integration.leaderboards.leaderboards_support import build_meet, store_result

pytestmark = pytest.mark.e2e

#: What each role's home shows, and a section it must not show.
HOMES = {
    ADMIN: (["#dashboard", "#next-heats", "#check-in"], "#my-results"),
    CHIEF_REGISTRAR: (["#dashboard", "#check-in"], "#my-entries"),
    REGISTRAR: (["#check-in"], "#dashboard"),
    STARTER: (["#next-heats", "#field-events"], "#dashboard"),
    COACH: (["#club-entries"], "#check-in"),
    ATHLETE: (["#my-entries", "#my-results", "#personal-bests"], "#check-in"),
    VIEWER: (["#competitions"], "#next-heats"),
}


def test_every_role_lands_on_its_own_home(browser: Any, server: str, officials: Flask,
                                         committed_db: Engine, screenshots: Path) -> None:
    from playwright import sync_api as playwright_api
    meet = build_meet(committed_db)
    with Session(committed_db) as session:
        runner, runner_club = session.execute(
            select(Athlete.id, Athlete.club_id).join(Entry, Entry.athlete_id == Athlete.id)
            .where(Entry.id == meet.road_entries[0])).one()
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000)

    for role, (shown, hidden) in HOMES.items():
        user = TestDataFactory.create_user(
            role=role, athlete_id=runner if role == ATHLETE else None,
            club_id=runner_club if role == COACH else None)
        for size in VIEWPORTS:
            page = open_page(browser, size)
            page.clock.install()
            blocked = csp_violations(page)
            log_in(page, server, user)
            for selector in shown:
                playwright_api.expect(page.locator(selector)).to_be_visible(timeout=10_000)
            assert page.locator(hidden).count() == 0, (role, hidden)
            playwright_api.expect(page.locator("#competitions")).to_contain_text("City 10K")
            assert "Welcome" not in page.inner_text("body")
            page.screenshot(path=str(screenshots / f"home-{role.lower().replace(' ', '-')}"
                                                    f"-{size}.png"), full_page=True)
            if role == ADMIN and size == "laptop":
                _the_dashboard_follows_the_database(page, committed_db, meet)
            assert blocked == [], blocked
            page.context.close()


def _the_dashboard_follows_the_database(page: Any, committed_db: Engine, meet: Any) -> None:
    """30 s later (the page's clock runs fast), a second result shows without a reload."""
    from playwright import sync_api as playwright_api

    rate = page.locator("#dashboard .home-tile", has_text="results per minute")
    playwright_api.expect(rate).to_contain_text("0.2")
    store_result(committed_db, meet.road_heat_id, meet.road_entries[1], 1_810_000)
    page.clock.fast_forward("00:31")
    playwright_api.expect(rate).to_contain_text("0.4", timeout=10_000)


def test_a_coach_sees_the_clubs_relay_team_and_its_legs(
    browser: Any, server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api

    from athsys.accounts.actor import SYSTEM
    from athsys.athletes.models import Club
    from athsys.competitions.builder import MeetBuilder
    from athsys.competitions.models import Competition
    from athsys.competitions.relays import LegDeclaration, create_relay_team, declare_legs
    from athsys.sport.sex import Sex

    meet = build_meet(committed_db)
    with Session(committed_db) as session, session.begin():
        competition = session.get(Competition, meet.competition_id)
        relay = MeetBuilder(session).event(competition, "4x100m", sex=Sex.MALE,
                                           name="4 × 100 m relay")
        sprinters = [session.get(Entry, e).athlete for e in meet.sprint_entries]
        club = session.get(Club, sprinters[0].club_id)
        team = create_relay_team(session, SYSTEM, relay, club, bib="R1", seed_mark=41_200)
        declare_legs(session, SYSTEM, team, [LegDeclaration(a.id, leg)
                                             for leg, a in enumerate(sprinters, start=1)])
        club_id = club.id
    coach = TestDataFactory.create_user(role=COACH, club_id=club_id)
    for size in VIEWPORTS:
        page = open_page(browser, size)
        blocked = csp_violations(page)
        log_in(page, server, coach)
        relays = page.locator("#club-relays")
        playwright_api.expect(relays).to_contain_text("Harriers A", timeout=10_000)
        playwright_api.expect(relays).to_contain_text("1: Sprinter1 Fast1")
        playwright_api.expect(relays).to_contain_text("4: Sprinter4 Fast4")
        page.screenshot(path=str(screenshots / f"home-coach-relays-{size}.png"), full_page=True)
        assert blocked == [], blocked
        page.context.close()
