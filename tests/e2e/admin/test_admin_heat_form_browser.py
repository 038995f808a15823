"""A meet director moves a heat's start time in the admin form of a real Chromium: the form
shows the venue's clock in a date-time input, a save keeps what was not touched, the list
shows the new time, and nothing reads "None". Screenshots at laptop, tablet and phone sizes
go to ``$ATHSYS_SCREENSHOTS`` (or a temporary directory)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import ADMIN
from athsys.competitions.models import Competition, Heat
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory
from tests.integration.leaderboards.leaderboards_support import build_meet

pytestmark = pytest.mark.e2e

#: 10:00 at the venue in Lisbon (UTC+1 in summer, UTC in winter): shown as the venue says it
START = datetime(2026, 7, 18, 9, 0, tzinfo=UTC)


def _stored_start(engine: Engine, heat_id: int) -> datetime | None:
    with Session(engine) as session:
        return session.get(Heat, heat_id).scheduled_start  # type: ignore[union-attr]


def test_a_director_moves_a_heat_on_the_venue_clock(browser: Any, server: str, officials: Flask,
                                                    committed_db: Engine,
                                                    screenshots: Path) -> None:
    from playwright import sync_api as playwright_api
    meet = build_meet(committed_db)
    with Session(committed_db) as session, session.begin():
        session.execute(update(Competition).where(Competition.id == meet.competition_id)
                        .values(time_zone="Europe/Lisbon"))
        session.execute(update(Heat).where(Heat.id == meet.sprint_heat_id)
                        .values(scheduled_start=START))
    director = TestDataFactory.create_user(role=ADMIN)
    form_url = f"{server}/heatview/edit/{meet.sprint_heat_id}"

    shown = "2026-07-18T10:00"
    for size in VIEWPORTS:
        page = open_page(browser, size)
        blocked = csp_violations(page)
        log_in(page, server, director)
        page.goto(form_url)
        start = page.locator("input[name=scheduled_start]")
        playwright_api.expect(start).to_have_value(shown)
        page.screenshot(path=str(screenshots / f"admin-heat-edit-{size}.png"),
                        full_page=True)
        if size == "laptop":
            # saved untouched: the schedule stays (FAB's own field used to blank it)
            page.click("#model_form button[type=submit], #model_form input[type=submit]")
            page.wait_for_url(lambda url: "/edit/" not in url)
            assert _stored_start(committed_db, meet.sprint_heat_id) == START
            # moved by 45 minutes, typed as the venue's clock says it
            page.goto(form_url)
            page.fill("input[name=scheduled_start]", "2026-07-18T10:45")
            page.click("#model_form button[type=submit], #model_form input[type=submit]")
            page.wait_for_url(lambda url: "/edit/" not in url)
            assert _stored_start(committed_db, meet.sprint_heat_id) == START + timedelta(
                minutes=45)
            page.goto(f"{server}/heatview/show/{meet.sprint_heat_id}")
            body = page.inner_text("body")
            assert "2026-07-18 10:45" in body
            assert "None" not in body
            assert "Round\t100 m, Final\n" in body  # named as a schedule names it
            page.screenshot(path=str(screenshots / f"admin-heat-show-{size}.png"),
                            full_page=True)
            shown = "2026-07-18T10:45"
        assert blocked == [], blocked
        page.context.close()
