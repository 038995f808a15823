"""The live page's team scores: computed by the real worker under the competition's stored
scheme, updated without a reload, readable on a laptop, a tablet and a phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.competitions.models import Competition
from tests.e2e.conftest import VIEWPORTS, csp_violations
from tests.integration.leaderboards.leaderboards_support import Meet, build_meet, store_result
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.e2e


def test_team_scores_on_the_live_page(browser: Any, server: str, committed_db: Engine,
                                      celery_worker: WorkerProcess, screenshots: Path) -> None:
    from playwright import sync_api as playwright_api
    meet: Meet = build_meet(committed_db)
    with Session(committed_db) as session, session.begin():
        competition = session.get(Competition, meet.competition_id)
        assert competition is not None
        competition.team_scheme = {"scoring": "points", "points": [5, 3, 1], "scorers": None,
                                   "relays": True}
    # HAR, STR finish (HAR 5, STR 3)
    for i, entry_id in enumerate(meet.road_entries[:2]):
        store_result(committed_db, meet.road_heat_id, entry_id, 1_800_000 + i * 1000,
                     refresh_job=True)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    blocked = csp_violations(page)
    page.goto(f"{server}/live/{meet.competition_id}")
    teams = page.locator("#teams-body")
    playwright_api.expect(teams).to_contain_text("HAR", timeout=15_000)
    playwright_api.expect(page.locator("#teams-scheme")).to_contain_text("5-3-1")
    # a stream slot of the test server may still be held by an earlier test's page: the
    # live page polls meanwhile and tries the stream again every 30 s
    playwright_api.expect(page.locator("#conn")).to_have_text("live", timeout=60_000)
    # a third finisher (HAR, 1 point) arrives while the page is open: HAR 6
    store_result(committed_db, meet.road_heat_id, meet.road_entries[2], 1_802_000,
                 refresh_job=True)
    playwright_api.expect(teams.locator("tbody tr").first).to_contain_text("6",
                                                                           timeout=15_000)
    for name, (width, height) in VIEWPORTS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.locator("#teams").scroll_into_view_if_needed()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        page.screenshot(path=str(screenshots / f"live-teams-{name}.png"))
    assert blocked == [], blocked
