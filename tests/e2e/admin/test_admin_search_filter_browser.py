"""A registrar filters the entries list by athlete in a real Chromium: the filter added from
"Add Filter" is a picker that searches on the server (the page holds none of the 400
athletes), the list then shows that athlete's entry alone, and the filter still shows the
athlete chosen. Screenshots at laptop, tablet and phone sizes go to ``$ATHSYS_SCREENSHOTS``."""

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
from athsys.sport.sex import Sex
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def test_a_registrar_filters_entries_by_a_picked_athlete(browser: Any, server: str,
                                                         officials: Flask,
                                                         committed_db: Engine,
                                                         screenshots: Path) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Filter Games", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "10K", sex=Sex.FEMALE))
        athletes = build.athletes([Runner(f"Fi{i}", f"Filterer{i:03d}", Sex.FEMALE)
                                   for i in range(400)] + [Runner("Ngozi", "Okafor", Sex.FEMALE)])
        build.enter(heat, athletes, [str(7000 + i) for i in range(len(athletes))])
    registrar = TestDataFactory.create_user(role=REGISTRAR)
    for name, (width, _) in VIEWPORTS.items():
        page = open_page(browser, name)
        blocked = csp_violations(page)
        log_in(page, server, registrar)
        page.goto(f"{server}/entryview/list/")
        assert "Filterer" not in page.content()  # no athlete in the search form
        page.click("#accordion1 a.accordion-toggle")  # FAB folds the search form away
        page.click("#filter_form button.dropdown-toggle")
        page.click("#filter_form a.filter[name=athlete]")
        page.locator("#filter_form select.athsys-picker + .select2 .select2-selection").click()
        page.keyboard.type("okaf")
        option = page.locator(".select2-results__option", has_text="Okafor, Ngozi")
        expect(option).to_have_count(1)
        option.click()
        page.click("#filter_form button[type=submit]")
        page.wait_for_url(lambda url: "_flt_0_athlete=" in url)
        listed = page.locator("table.table:not(.filters) tbody tr")
        rows = listed.filter(has_text="Okafor")
        expect(rows).to_have_count(1)
        assert "7400" in rows.inner_text()
        assert listed.filter(has_text="Filterer").count() == 0
        page.click("#accordion1 a.accordion-toggle")
        expect(page.locator("#accordion1_href.collapse.in")).to_be_visible()  # unfolded
        chosen = page.locator("#filter_form select.athsys-picker + .select2"
                              " .select2-selection__rendered")
        expect(chosen).to_contain_text("Okafor, Ngozi")
        filters = page.locator("#filter_form table.filters").bounding_box()
        assert filters and filters["x"] + filters["width"] <= width, name
        page.screenshot(path=str(screenshots / f"admin-entries-filter-{name}.png"),
                        full_page=True)
        assert blocked == [], blocked
        page.context.close()
