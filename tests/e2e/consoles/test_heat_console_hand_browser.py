"""A heat timed by hand on the starter's console in a real Chromium: the console says so, a
time typed per lane is a hand time and shows to the tenth, rounded up (11.11 -> 11.2h)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import REGISTRAR
from athsys.competitions.models import Heat
from athsys.results.models import Result
from tests.e2e.conftest import log_in, open_page
from tests.e2e.consoles.test_heat_console_browser import _heat
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def test_times_typed_in_a_heat_timed_by_hand_are_hand_times(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    heat_id, _, _ = _heat(committed_db)
    with Session(committed_db) as session, session.begin():
        session.get(Heat, heat_id).hand_timed = True
    referee = TestDataFactory.create_user(role=REGISTRAR)

    page = open_page(browser)
    log_in(page, server, referee)
    page.goto(f"{server}/console/heat/{heat_id}")
    rows = page.locator("#heat-rows tr")
    expect(rows).to_have_count(4)
    expect(page.locator("#heat-times")).to_contain_text("timed by hand")
    page.click("#heat-start")
    expect(page.locator("#heat-state")).to_have_text("started")
    first = rows.nth(0)
    expect(first.locator("input")).to_have_attribute("placeholder", "11.9")
    first.locator("input").fill("11.11")
    first.locator("[data-status='OK']").click()
    expect(first.locator(".heat-result")).to_have_text("11.2h", timeout=15_000)
    page.screenshot(path=str(screenshots / "heat-console-hand-timed-tablet.png"),
                    full_page=True)
    page.context.close()
    with Session(committed_db) as session:
        result = session.scalars(select(Result).where(Result.heat_id == heat_id)).one()
        assert (result.mark, result.hand_timed) == (11_110, True)
