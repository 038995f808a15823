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

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.competitions.models import Heat
from athsys.officiating import service as officiating
from tests.e2e.conftest import ARGS, CHROMIUM, csp_violations
from tests.integration.leaderboards.leaderboards_support import Meet, build_meet, store_result
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.e2e


def test_a_result_arrives_on_the_board(
    server: str, committed_db: Engine, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    from playwright import sync_api as playwright_api
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    shots = Path(os.environ.get("ATHSYS_SCREENSHOTS", tmp_path))
    meet: Meet = build_meet(committed_db)
    url = f"{server}/live/heats/{meet.sprint_heat_id}/board"
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        blocked = csp_violations(page)
        page.goto(url)
        body = page.locator("#body")
        playwright_api.expect(body.locator("tr")).to_have_count(4, timeout=15_000)
        playwright_api.expect(page.locator("#conn")).to_have_text("live", timeout=10_000)
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

        stored = time.monotonic()
        store_result(committed_db, meet.sprint_heat_id, meet.sprint_entries[1], 10_001,
                     refresh_job=True)
        row = body.locator("tr").nth(0)
        playwright_api.expect(row).to_contain_text("10.01", timeout=10_000)
        seen_after = time.monotonic() - stored
        assert row.inner_text().split("\t")[:4] == ["1", "4", "202", "Sprinter2 Fast2"]
        assert body.locator("tr.waiting").count() == 3
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
        browser.close()
    assert blocked == [], "the Content-Security-Policy blocked part of the board"
    print(f"stored -> on the board in {seen_after:.2f} s")
    assert seen_after < 5
