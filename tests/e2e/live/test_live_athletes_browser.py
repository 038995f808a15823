"""A spectator's phone finds a runner by bib and by name, opens the runner's tracking page and
sees each split arrive (pushed by the live stream after the worker's refresh), the predicted
finish from the pace so far, then the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from athsys.sport.ranking import ResultStatus
from tests.e2e.conftest import CHROMIUM, csp_violations
from tests.integration.leaderboards.leaderboards_support import (
    Meet,
    add_splits,
    build_meet,
    store_result,
)
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.e2e

SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def test_search_then_follow_a_runner(
    browser: Any,
    server: str, committed_db: Engine, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    meet: Meet = build_meet(committed_db)
    runner = meet.road_entries[2]  # bib 103, Runner2 Road2
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    blocked = csp_violations(page)
    page.goto(f"{server}/live/{meet.competition_id}")
    hits = page.locator("#search-hits")
    page.fill("#search-q", "103")
    expect(hits.locator("li")).to_have_count(1, timeout=10_000)
    expect(hits).to_contain_text("Runner2 Road2")
    page.fill("#search-q", "road runner")
    expect(hits.locator("li")).to_have_count(6, timeout=10_000)
    page.fill("#search-q", "nobody-here")
    expect(hits).to_contain_text("No athlete found", timeout=10_000)
    page.fill("#search-q", "Road2")
    expect(hits).to_contain_text("103", timeout=10_000)
    page.screenshot(path=str(SHOTS / "live-search.png"), full_page=True)
    hits.locator("a").first.click()

    page.wait_for_url(f"**/live/{meet.competition_id}/athletes/{runner}")
    expect(page.locator("h1")).to_contain_text("103 Runner2 Road2")
    # a stream slot of the test server may still be held by an earlier test's page (up to
    # 25 s): the page polls meanwhile and takes the stream again within 30 s
    expect(page.locator("#conn")).to_have_text("live", timeout=60_000)
    expect(page.locator("#splits")).to_contain_text("No split yet")

    # a split arrives; the worker's refresh announces the event and the page reloads
    add_splits(committed_db, meet, runner, {5000: 900_000})
    store_result(committed_db, meet.road_heat_id, meet.road_entries[5], None,
                 ResultStatus.DNF, refresh_job=True)
    expect(page.locator("#splits")).to_contain_text("15:00", timeout=15_000)
    expect(page.locator("#finish")).to_have_text("30:00")
    expect(page.locator("#last-split")).to_have_text("5K · 15:00")
    page.screenshot(path=str(SHOTS / "live-tracking-running.png"), full_page=True)

    add_splits(committed_db, meet, runner, {10000: 1_790_000})
    store_result(committed_db, meet.road_heat_id, runner, 1_790_000, refresh_job=True)
    expect(page.locator("#finish-label")).to_have_text("Result", timeout=15_000)
    expect(page.locator("#finish")).to_have_text("29:50")
    expect(page.locator("#splits tbody tr")).to_have_count(2)
    page.screenshot(path=str(SHOTS / "live-tracking-finished.png"), full_page=True)
    assert blocked == [], "the Content-Security-Policy blocked part of the page"
