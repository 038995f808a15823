"""What every page offers, in a real Chromium: the dark theme and the folded menu remembered
per user, toasts, the keyboard shortcuts' help, a clear message when a role may not do
something, and the consoles checked with axe-core (WCAG 2 A/AA: labels, focus, contrast) in
both themes. Screenshots go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import REGISTRAR, STARTER, VIEWER
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.sport.sex import Sex
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
        "resultTypes": ["violations"]}


def _meet(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Evening Open", day=datetime.now(UTC).date())
        race = build.race(build.event(competition, "100m", sex=Sex.MALE))
        flight = build.race(build.event(competition, "HJ", sex=Sex.FEMALE))
        men = build.athletes([Runner(f"Sam{i}", f"Sprint{i}", Sex.MALE) for i in range(4)])
        build.enter(race, men, ["21", "22", "23", "24"], lanes=[3, 4, 5, 6])
        women = build.athletes([Runner(f"Hana{i}", f"High{i}", Sex.FEMALE) for i in range(3)])
        build.enter(flight, women, ["31", "32", "33"])
        return competition.id, race.id, flight.id


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    found = Axe().run(page, context="main", options=WCAG).response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['target']})"
            for v in found if v["impact"] in ("serious", "critical")]


def test_theme_menu_toasts_shortcuts_and_refusals(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    competition, race, flight = _meet(committed_db)
    starter = TestDataFactory.create_user(role=STARTER)
    viewer = TestDataFactory.create_user(role=VIEWER)
    html = "html"

    page = open_page(browser)
    blocked = csp_violations(page)
    log_in(page, server, starter)
    page.goto(f"{server}/console/field/{flight}")
    expect(page.locator("#field-up")).to_contain_text("Up: 31")
    # the dark theme, remembered for this user across pages and reloads
    page.click("#athsys-theme")
    expect(page.locator(html)).to_have_attribute("data-theme", "dark")
    page.goto(f"{server}/console/heat/{race}")
    expect(page.locator(html)).to_have_attribute("data-theme", "dark")
    expect(page.locator("#heat-rows tr")).to_have_count(4)
    page.screenshot(path=str(screenshots / "heat-console-dark-tablet.png"), full_page=True)
    # the menu folded away for more room, and back
    page.click("#athsys-fold")
    expect(page.locator("header.top")).to_be_hidden()
    page.reload()
    expect(page.locator("header.top")).to_be_hidden()
    page.click("#athsys-unfold")
    expect(page.locator("header.top")).to_be_visible()
    # the shortcuts' help lists the console's own keys
    page.keyboard.press("?")
    expect(page.locator("#athsys-shortcuts")).to_contain_text("read the sheet again now")
    page.keyboard.press("Escape")
    expect(page.locator("#athsys-shortcuts")).to_be_hidden()
    # a success is a toast that goes by itself
    page.locator("[data-check-in='21']").click()
    toast = page.locator("#athsys-toasts .athsys-toast")
    expect(toast).to_contain_text("Bib 21 checked in")
    expect(toast).to_have_count(0, timeout=10_000)
    assert blocked == [], blocked
    page.context.close()

    # another user on the same tablet gets the light theme: the choice is per user
    page = open_page(browser)
    log_in(page, server, viewer)
    page.goto(f"{server}/console/desk/{competition}")
    expect(page.locator(html)).not_to_have_attribute("data-theme", "dark")
    page.fill("#desk-search", "22")
    page.click("[data-action='check-in'][data-bib='22']")
    expect(page.locator("#field-message")).to_contain_text(
        "Your role may not do this")  # 403, said for people
    page.context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_consoles_pass_axe_wcag_checks(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path, theme: str
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    competition, race, flight = _meet(committed_db)
    registrar = TestDataFactory.create_user(role=REGISTRAR)
    page = open_page(browser)
    log_in(page, server, registrar)
    problems = {}
    for name, path, ready in (
            ("field", f"/console/field/{flight}", "#field-rows tr"),
            ("heat", f"/console/heat/{race}", "#heat-rows tr"),
            ("desk", f"/console/desk/{competition}", "#desk-counts"),
            ("meet", f"/console/meet/{competition}", ".meet-schedule"),
            ("home", "/", "#home-sections")):
        page.goto(f"{server}{path}")
        if theme == "dark" and page.locator("html").get_attribute("data-theme") != "dark":
            page.click("#athsys-theme")
        expect(page.locator(ready).first).to_be_visible()
        if name == "desk":
            page.fill("#desk-search", "2")
            expect(page.locator("#desk-rows tr").first).to_be_visible()
        problems[name] = _serious(page)
    page.context.close()
    assert problems == {name: [] for name in problems}, problems


def test_a_meets_page_holds_that_meet_only(browser: Any, server: str, officials: Flask,
                                           committed_db: Engine, screenshots: Path) -> None:
    """The meet director opens one competition: its heats with their consoles and papers,
    the admin lists filtered to it, its documents and exports; another meet is not there."""
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    competition, race, flight = _meet(committed_db)
    with Session(committed_db) as session, session.begin():
        MeetBuilder(session).competition("Another Meet", day=datetime.now(UTC).date())
    director = TestDataFactory.create_user(role=REGISTRAR)
    for size in VIEWPORTS:
        page = open_page(browser, size)
        log_in(page, server, director)
        page.goto(f"{server}/console/meet/{competition}")
        expect(page.locator("h1")).to_have_text("Evening Open")
        schedule = page.locator(".meet-schedule tbody tr")
        expect(schedule).to_have_count(2)
        assert "Another Meet" not in page.inner_text("main")
        page.screenshot(path=str(screenshots / f"meet-page-{size}.png"), full_page=True)
        if size == "laptop":
            page.click(f"a[href='/console/heat/{race}']")
            expect(page.locator("#heat-rows tr")).to_have_count(4)
            page.go_back()
            page.click(f"a[href='/console/field/{flight}']")
            expect(page.locator("#field-rows tr")).to_have_count(3)
            page.go_back()
            page.click("text=Events (admin)")
            rows = page.locator("table.table-bordered")
            expect(rows).to_contain_text("100 m")
            assert "Another Meet" not in rows.inner_text()
        page.context.close()
