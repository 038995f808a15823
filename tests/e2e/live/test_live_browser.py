"""A spectator's phone on the live page: a result stored through the service and refreshed by
the real worker appears without a reload, pushed by server-sent events."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.competitions.models import Heat
from athsys.officiating import service as officiating
from athsys.sport.ranking import ResultStatus
from tests.e2e.conftest import CHROMIUM, csp_violations
from tests.integration.leaderboards.leaderboards_support import Meet, build_meet, store_result
from tests.support.worker import WorkerProcess

pytestmark = pytest.mark.e2e


def test_the_admin_pages_run_under_the_content_security_policy(browser: Any, server: str,
                                                               app: Flask) -> None:
    """FAB's scripts (jQuery, the search filters, select2, date pickers) all run: they carry
    the page's nonce; nothing the policy refuses is on the page."""
    from playwright import sync_api as playwright_api
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    from webui.security.sync import sync_roles

    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
        sm = app.appbuilder.sm  # type: ignore[attr-defined]
        if sm.find_user(username="csp_admin") is None:
            sm.add_user("csp_admin", "Csp", "Admin", "csp_admin@example.org",
                        sm.find_role("Admin"), password="csp-admin-password")
    page = browser.new_page()
    blocked = csp_violations(page)
    page.goto(f"{server}/login/")
    page.fill("#username", "csp_admin")
    page.fill("#password", "csp-admin-password")
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    for path in ("/athleteview/list/", "/competitionview/add", "/api/docs"):
        page.goto(f"{server}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.jQuery !== 'undefined' || "
                             "typeof window.SwaggerUIBundle !== 'undefined'"), path
    page.goto(f"{server}/athleteview/list/")
    page.wait_for_load_state("networkidle")
    # FAB's own scripts ran: jQuery plugins, the filter widget's class
    assert page.evaluate("typeof jQuery.fn.select2 === 'function' && "
                         "typeof AdminFilters === 'function'")
    page.goto(f"{server}/api/docs")
    playwright_api.expect(page.locator("#swagger-ui .info")).to_be_visible(timeout=15_000)
    assert blocked == [], blocked


def test_a_stored_result_appears_on_the_live_page(
    browser: Any,
    server: str, committed_db: Engine, celery_worker: WorkerProcess, tmp_path: Path
) -> None:
    from playwright import sync_api as playwright_api
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    meet: Meet = build_meet(committed_db)
    store_result(committed_db, meet.road_heat_id, meet.road_entries[0], 1_800_000,
                 refresh_job=True)
    store_result(committed_db, meet.road_heat_id, meet.road_entries[5], None, ResultStatus.DNF,
                 refresh_job=True)
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    blocked = csp_violations(page)
    page.goto(f"{server}/live/{meet.competition_id}")
    board = page.locator(f"#board-{meet.road_event_id}")
    playwright_api.expect(board).to_contain_text("Runner0 Road0", timeout=15_000)
    # a stream slot of the test server may still be held by an earlier test's page: the
    # page polls meanwhile and tries the stream again every 30 s
    playwright_api.expect(page.locator("#conn")).to_have_text("live", timeout=60_000)
    assert "Runner1 Road1" not in board.inner_text()

    stored = time.monotonic()
    store_result(committed_db, meet.road_heat_id, meet.road_entries[1], 1_795_000,
                 refresh_job=True)
    playwright_api.expect(board).to_contain_text("Runner1 Road1", timeout=10_000)
    seen_after = time.monotonic() - stored
    rows = board.locator("tbody tr")
    assert rows.nth(0).inner_text().split("\t")[:3] == ["1", "102", "Runner1 Road1"]
    assert "DNF" in rows.nth(2).inner_text()
    playwright_api.expect(page.locator("#latest-body")).to_contain_text("Runner1 Road1")
    assert "unofficial" in board.inner_text().lower()
    page.screenshot(path=str(tmp_path / "live-unofficial.png"), full_page=True)

    # the heat becomes official: the badge turns, the stored PB/SB flags show
    for entry_id in meet.road_entries[2:5]:
        store_result(committed_db, meet.road_heat_id, entry_id, None, ResultStatus.DNS,
                     refresh_job=True)
    with Session(committed_db) as session, session.begin():
        heat = session.get(Heat, meet.road_heat_id)
        officiating.finish_heats(session, SYSTEM, [heat])
        officiating.mark_heats_official(session, SYSTEM, [heat])
    playwright_api.expect(board.locator(".badge.official")).to_have_text(
        "official", timeout=10_000)
    playwright_api.expect(rows.nth(0)).to_contain_text("PB SB")
    assert board.locator(".badge.unofficial").count() == 0
    playwright_api.expect(page.locator(f'li[data-heat="{meet.road_heat_id}"] .badge')
                          ).to_have_text("official")
    page.screenshot(path=str(tmp_path / "live.png"), full_page=True)
    assert blocked == [], "the Content-Security-Policy blocked part of the live page"
    print(f"stored -> visible in {seen_after:.2f} s")
    assert seen_after < 5
