"""A registrar enters an athlete through the admin form of a real Chromium: the athlete is
found by typing part of the name (the server searches among hundreds, the page never holds
them), chosen, and saved. Screenshots go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import REGISTRAR
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Entry
from athsys.sport.sex import Sex
from tests.e2e.conftest import csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def test_a_registrar_picks_an_athlete_by_typing(browser: Any, server: str, officials: Flask,
                                                committed_db: Engine, screenshots: Path) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Autumn Trials", day=datetime.now(UTC).date())
        event = build.event(competition, "LJ", sex=Sex.FEMALE, name="Long Jump Women")
        build.athletes([Runner(f"Jo{i}", f"Jumper{i:03d}", Sex.FEMALE) for i in range(400)]
                       + [Runner("Ngozi", "Okafor", Sex.FEMALE)])
        event_id = event.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)
    page = open_page(browser)
    blocked = csp_violations(page)
    log_in(page, server, registrar)
    page.goto(f"{server}/entryview/add")
    assert page.locator("select#athlete option").count() == 1  # none of the 401 athletes
    taps = 0

    def pick(field: str, typed: str, shown: str, shot: str | None = None) -> None:
        nonlocal taps
        page.locator(f"select#{field} + .select2 .select2-selection").click()
        # typed into the open dropdown's own search box (not wherever the focus is while
        # the previous dropdown closes)
        search = page.locator(".select2-container--open .select2-search__field")
        expect(search).to_be_visible()
        search.press_sequentially(typed)
        option = page.locator(".select2-results__option", has_text=shown)
        expect(option).to_have_count(1)
        if shot:
            page.screenshot(path=str(screenshots / shot), full_page=True)
        option.click()
        expect(page.locator(".select2-container--open")).to_have_count(0)
        taps += 2

    pick("event", "long jump", "Long Jump Women · Autumn Trials")
    pick("athlete", "okaf", "Okafor, Ngozi", "admin-entry-picker-tablet.png")
    page.fill("input[name=bib]", "4242")
    page.click("#model_form button[type=submit], #model_form input[type=submit]")
    page.wait_for_url(lambda url: "/add" not in url)
    assert taps + 1 == 5  # two pickers, two taps each, and save
    assert blocked == [], blocked
    page.context.close()
    with Session(committed_db) as session:
        entry = session.scalars(select(Entry).where(Entry.bib == "4242")).one()
        assert (entry.event_id, entry.athlete.last_name) == (event_id, "Okafor")
