"""The full-screen scoreboard of a heat in Chromium: the lanes before the gun, the clock
running from the gun (computed by the page), then a result stored through the service and
refreshed by the real worker arriving on the board, pushed by server-sent events; under the
Content-Security-Policy, at 1920x1080 (an LED wall or a projector) and on a phone."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Club
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Entry, Heat, HeatStatus
from athsys.officiating import service as officiating
from athsys.results.field_service import record_field_attempt
from athsys.sport.sex import Sex
from tests.e2e.conftest import CHROMIUM, csp_violations
from tests.integration.leaderboards.leaderboards_support import Meet, build_meet, store_result
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.e2e


def test_a_result_arrives_on_the_board(
    browser: Any,
    server: str, committed_db: Engine, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    from playwright import sync_api as playwright_api
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    shots = Path(os.environ.get("ATHSYS_SCREENSHOTS", tmp_path))
    meet: Meet = build_meet(committed_db)
    url = f"{server}/live/heats/{meet.sprint_heat_id}/board"
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    blocked = csp_violations(page)
    page.goto(url)
    body = page.locator("#body")
    playwright_api.expect(body.locator("tr")).to_have_count(4, timeout=15_000)
    # a stream slot of the test server may still be held by an earlier test's page: the
    # page polls meanwhile and tries the stream again every 30 s
    playwright_api.expect(page.locator("#conn")).to_have_text("live", timeout=60_000)
    assert body.locator("tr").nth(0).inner_text().split("\t")[1:4] == [
        "3", "201", "Sprinter1 Fast1"]
    assert page.locator("#status").inner_text().lower() == "scheduled"

    with Session(committed_db) as session, session.begin():  # the gun, 3 s ago
        officiating.start_heats(session, SYSTEM, [session.get(Heat, meet.sprint_heat_id)],
                                datetime.now(UTC) - timedelta(seconds=3))
    playwright_api.expect(page.locator("#status")).to_have_text(
        re.compile("started", re.I), timeout=10_000)
    first = page.locator("#clock").inner_text()
    time.sleep(0.4)
    later = page.locator("#clock").inner_text()
    assert re.fullmatch(r"\d+\.\d", first) and 3 <= float(first) < 30, first
    assert float(later) > float(first)  # the page runs the clock itself
    page.screenshot(path=str(shots / "board-running.png"))
    # the winner's time stops the clock on the track

    stored = time.monotonic()
    store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[1], 10_001,
                 refresh_job=True)
    row = body.locator("tr").nth(0)
    playwright_api.expect(row).to_contain_text("10.01", timeout=10_000)
    seen_after = time.monotonic() - stored
    assert row.inner_text().split("\t")[:4] == ["1", "4", "202", "Sprinter2 Fast2"]
    assert body.locator("tr.waiting").count() == 3
    playwright_api.expect(page.locator("#clock")).to_have_text("10.01")
    page.screenshot(path=str(shots / "board-1920x1080.png"))
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 1920

    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    blocked += csp_violations(phone)
    phone.goto(url)
    playwright_api.expect(phone.locator("#body tr").nth(0)).to_contain_text("10.01",
                                                                           timeout=15_000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    phone.screenshot(path=str(shots / "board-phone.png"))
    assert blocked == [], "the Content-Security-Policy blocked part of the board"
    print(f"stored -> on the board in {seen_after:.2f} s")
    assert seen_after < 5


def test_a_field_attempt_moves_the_standing_on_the_board(
    browser: Any,
    server: str, committed_db: Engine, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    """Each attempt is on the board: the bar, who is up, the standing; a failure too."""
    from playwright import sync_api as playwright_api
    shots = Path(os.environ.get("ATHSYS_SCREENSHOTS", tmp_path))
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        club = Club(name="Jumpers", code="JMP")
        session.add(club)
        competition = build.competition("Jump night", day=datetime.now(UTC).date())
        event = build.event(competition, "HJ", sex=Sex.FEMALE)
        heat = build.race(event, status=HeatStatus.STARTED)
        entries = build.enter(heat, build.athletes([
            Runner(f"Jumper{i}", f"High{i}", Sex.FEMALE, club_id=club.id) for i in range(4)
        ]), ["31", "32", "33", "34"])
        heat_id = heat.id

    def attempt(index: int, outcome: str, height_mm: int) -> None:
        with Session(committed_db) as session, session.begin():
            record_field_attempt(session, SYSTEM, session.get(Heat, heat_id),
                                 session.get(Entry, entries[index]), outcome=outcome,
                                 height_mm=height_mm)

    for index, outcome in enumerate("oxo"):
        attempt(index, outcome, 1800)
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    blocked = csp_violations(page)
    page.goto(f"{server}/live/heats/{heat_id}/board")
    playwright_api.expect(page.locator("#clock")).to_have_text("Bar 1.80 m", timeout=15_000)
    playwright_api.expect(page.locator("#up")).to_contain_text("34 Jumper3 High3")
    attempt(3, "x", 1800)  # a failure: nobody moves, the next athlete is up
    playwright_api.expect(page.locator("#up")).to_contain_text(
        "32 Jumper1 High1 · attempt 2", timeout=10_000)
    attempt(1, "o", 1800)
    rows = page.locator("#body tr")
    playwright_api.expect(rows.nth(2)).to_contain_text("xo", timeout=10_000)
    # xo: third on count-back, behind the two first-time clearances
    assert rows.nth(2).inner_text().split("\t") == ["3", "32", "Jumper1 High1", "xo", "1.80"]
    assert rows.nth(3).inner_text().split("\t")[:3] == ["", "34", "Jumper3 High3"]
    page.screenshot(path=str(shots / "board-field-1920x1080.png"))
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{server}/live/heats/{heat_id}/board")
    playwright_api.expect(phone.locator("#body tr")).to_have_count(4, timeout=15_000)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(shots / "board-field-phone.png"))
    assert blocked == []
