"""The registration desk in a real Chromium: the registrar types a bib, the athlete shows,
one tap checks them in and the day's count follows. Screenshots at laptop, tablet and phone
sizes go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import REGISTRAR
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Entry, EntryStatus
from athsys.sport.sex import Sex
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def test_a_registrar_checks_an_athlete_in_by_bib(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Parkside Relays", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "800m", sex=Sex.FEMALE))
        athletes = build.athletes([Runner(f"Mia{i}", f"Moss{i}", Sex.FEMALE) for i in range(8)])
        entries = build.enter(heat, athletes, [str(300 + i) for i in range(8)])
        competition_id = competition.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)

    for size in VIEWPORTS:
        page = open_page(browser, size)
        blocked = csp_violations(page)
        log_in(page, server, registrar)
        page.goto(f"{server}/console/desk/{competition_id}")
        if size == "tablet":
            page.fill("#desk-search", "305")
            rows = page.locator("#desk-rows tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("Mia5 Moss5")
            page.click("[data-action='check-in'][data-bib='305']")  # the one tap
            expect(page.locator("#desk-counts")).to_contain_text("1 checked in")
            expect(rows.first.locator(".desk-status")).to_have_text("checked in")
            page.once("dialog", lambda dialog: dialog.accept("C305"))
            page.click("[data-chip='305']")  # a chip handed out with the bib
            expect(rows.first.locator(".desk-chip")).to_have_text("C305 (never read)")
        else:
            page.fill("#desk-search", "30")
            expect(page.locator("#desk-rows tr")).to_have_count(8)
        page.screenshot(path=str(screenshots / f"desk-console-{size}.png"), full_page=True)
        assert blocked == [], blocked
        page.context.close()
    with Session(committed_db) as session:
        assert session.get(Entry, entries[5]).status is EntryStatus.CHECKED_IN  # type: ignore[union-attr]


def test_a_registrar_makes_a_late_entry_and_changes_a_bib(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """A new athlete entered on the day (found nowhere by last name), then a lost bib
    replaced: both from the desk, with the taps counted."""
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Late Autumn Open", day=datetime.now(UTC).date())
        build.event(competition, "LJ", sex=Sex.FEMALE, name="Long Jump Women")
        competition_id = competition.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)

    page = open_page(browser)
    blocked = csp_violations(page)
    log_in(page, server, registrar)
    page.goto(f"{server}/console/desk/{competition_id}")
    page.click(".desk-late-open")
    page.fill("#desk-athlete", "Quartey")
    page.click("text=New athlete…")
    expect(page.locator("#desk-last")).to_have_value("Quartey")
    page.fill("#desk-first", "Ama")
    page.fill("#desk-birth", "2004-02-29")
    page.fill("#desk-bib", "777")
    page.screenshot(path=str(screenshots / "desk-late-entry-tablet.png"), full_page=True)
    page.click(".desk-enter")
    expect(page.locator("#athsys-toasts")).to_contain_text("Bib 777 entered in Long Jump Women")
    rows = page.locator("#desk-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ama Quartey")
    page.once("dialog", lambda dialog: dialog.accept("778"))
    page.click("[data-bib-change='777']")
    expect(page.locator("#athsys-toasts")).to_contain_text("now wears bib 778")
    expect(rows.first.locator(".field-bib")).to_have_text("778")
    page.screenshot(path=str(screenshots / "desk-bib-changed-tablet.png"), full_page=True)
    assert blocked == [], blocked
    page.context.close()
    with Session(committed_db) as session:
        entry = session.query(Entry).filter_by(competition_id=competition_id).one()
        assert (entry.bib, entry.athlete.last_name, str(entry.athlete.birth_date)) == (
            "778", "Quartey", "2004-02-29")
