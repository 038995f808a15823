"""A judge runs a high-jump flight on the field console of a real Chromium: one tap per
attempt, the sheet and the standing follow; the tablet loses the network mid-series, the
judge keeps typing, and when the network returns every attempt is stored once. Screenshots
at laptop, tablet and phone sizes go to ``$ATHSYS_SCREENSHOTS`` (or a temporary directory).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import STARTER
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.results.models import Attempt
from athsys.sport.sex import Sex
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def _flight(engine: Engine) -> tuple[int, list[int]]:
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("County Championships", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "HJ", sex=Sex.FEMALE,
                                      name="High Jump Women"))
        athletes = build.athletes([Runner(first, last, Sex.FEMALE) for first, last in
                                   (("Ana", "Alves"), ("Bea", "Brown"), ("Cleo", "Costa"))])
        return heat.id, build.enter(heat, athletes, ["101", "102", "103"])


def _stored(engine: Engine, heat_id: int) -> list[tuple[int, int, str, int | None]]:
    with Session(engine) as session:
        return [(entry, number, outcome.value, height) for entry, number, outcome, height in
                session.execute(select(Attempt.entry_id, Attempt.sequence, Attempt.outcome,
                                       Attempt.height)
                                .where(Attempt.heat_id == heat_id).order_by(Attempt.id))]


def test_a_judge_runs_a_high_jump_flight_through_a_network_cut(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    heat_id, (ana, bea, cleo) = _flight(committed_db)
    judge = TestDataFactory.create_user(role=STARTER)
    console = f"{server}/console/field/{heat_id}"

    page = open_page(browser)
    blocked = csp_violations(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, server, judge)
    page.goto(console)
    expect(page.locator("#field-up")).to_contain_text("Up: 101 Ana Alves")
    page.fill("#field-height", "1.80")
    taps = 0
    for outcome in ("o", "x", "-", "o"):  # Ana clears, Bea fails, Cleo passes, Bea clears
        page.click(f"[data-outcome='{outcome}']")
        taps += 1
        expect(page.locator("#field-unsent")).to_be_hidden()
    rows = page.locator("#field-rows tr")
    expect(rows.nth(0)).to_contain_text("o")
    expect(rows.nth(1)).to_contain_text("xo")
    expect(page.locator("#field-up")).to_contain_text("raise it")
    assert _stored(committed_db, heat_id) == [
        (ana, 1, "o", 1800), (bea, 1, "x", 1800), (cleo, 1, "-", 1800), (bea, 2, "o", 1800)]

    # the bar goes up; the tablet loses the network after the first jump at 1.85
    page.fill("#field-height", "1.85")
    page.click("[data-outcome='x']")
    expect(page.locator("#field-unsent")).to_be_hidden()
    page.context.set_offline(True)
    page.click("#field-rows tr:nth-child(2)")  # Bea
    page.click("[data-outcome='o']")
    page.click("#field-rows tr:nth-child(3)")  # Cleo
    page.click("[data-outcome='x']")
    expect(page.locator("#field-unsent")).to_have_text("2 unsent")
    page.screenshot(path=str(screenshots / "field-console-offline-tablet.png"), full_page=True)
    assert len(_stored(committed_db, heat_id)) == 5
    page.context.set_offline(False)
    expect(page.locator("#field-unsent")).to_be_hidden(timeout=15_000)
    stored = _stored(committed_db, heat_id)
    assert stored[5:] == [(bea, 3, "o", 1850), (cleo, 2, "x", 1850)]
    assert len(stored) == len(set((e, n) for e, n, *_ in stored)) == 7  # each once
    expect(rows.nth(1)).to_contain_text("1.85")  # Bea leads: best 1.85
    assert rows.nth(1).locator("td.field-place").inner_text() == "1"

    # a tablet reloaded finds nothing queued and the same sheet
    page.reload()
    expect(page.locator("#field-rows tr").nth(1)).to_contain_text("1.85")
    page.click("#field-undo")
    expect(page.locator("#field-rows tr").nth(2)).not_to_contain_text("x", timeout=10_000)
    assert len(_stored(committed_db, heat_id)) == 6
    assert blocked == [], blocked
    page.context.close()

    for size in VIEWPORTS:
        page = open_page(browser, size)
        log_in(page, server, judge)
        page.goto(console)
        expect(page.locator("#field-rows tr")).to_have_count(3)
        assert page.locator("[data-outcome='o']").bounding_box()["height"] >= 48
        page.screenshot(path=str(screenshots / f"field-console-{size}.png"), full_page=True)
        page.context.close()
    assert taps == 4  # one tap per attempt once the bar is set


def test_a_judge_runs_a_jump_off_for_first_place(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """Two athletes tied after count-back: the console turns to the jump-off, the bar is the
    rule's (not typed), one tap per jump, and the standing is decided by it."""
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    heat_id, (ana, bea, _) = _flight(committed_db)
    judge = TestDataFactory.create_user(role=STARTER)
    console = f"{server}/console/field/{heat_id}"

    page = open_page(browser, (1280, 800))
    blocked = csp_violations(page)
    log_in(page, server, judge)
    page.goto(console)
    expect(page.locator("#field-up")).to_contain_text("Up: 101 Ana Alves")

    def tap(row: int, outcome: str) -> None:
        page.click(f"#field-rows tr:nth-child({row})")
        page.click(f"[data-outcome='{outcome}']")
        expect(page.locator("#field-unsent")).to_be_hidden()

    page.fill("#field-height", "1.80")
    tap(1, "o")
    tap(2, "o")
    tap(3, "r")  # Cleo retires: she is out and the competition can end
    page.fill("#field-height", "1.85")
    for _ in range(3):
        tap(1, "x")
        tap(2, "x")
    banner = page.locator("#field-jumpoff")
    expect(banner).to_contain_text("Jump-off for first place between 101 Ana Alves and "
                                   "102 Bea Brown: one attempt each at 1.85")
    expect(page.locator("#field-height")).to_have_value("1.85")
    assert page.locator("#field-height").get_attribute("readonly") is not None
    expect(page.locator("[data-outcome='r'] small")).to_have_text("declines")
    page.screenshot(path=str(screenshots / "field-console-jump-off-open-laptop.png"),
                    full_page=True)
    tap(1, "x")
    tap(2, "x")
    expect(banner).to_contain_text("one attempt each at 1.83")  # all failed: 2 cm lower
    tap(1, "o")
    tap(2, "x")
    expect(banner).to_have_text("Jump-off decided: 101 Ana Alves first.")
    rows = page.locator("#field-rows tr")
    assert rows.nth(0).locator("td.field-place").inner_text() == "1"
    assert rows.nth(1).locator("td.field-place").inner_text() == "2"
    expect(page.locator("#field-columns")).to_contain_text("JO 1.83")
    jumps = [(e, n, o, h) for e, n, o, h in _stored(committed_db, heat_id) if n > 4]
    assert jumps == [(ana, 5, "x", 1850), (bea, 5, "x", 1850),
                     (ana, 6, "o", 1830), (bea, 6, "x", 1830)]
    assert blocked == [], blocked
    page.context.close()
    for size in VIEWPORTS:
        page = open_page(browser, size)
        log_in(page, server, judge)
        page.goto(console)
        expect(page.locator("#field-jumpoff")).to_be_visible()
        page.screenshot(path=str(screenshots / f"field-console-jump-off-{size}.png"),
                        full_page=True)
        page.context.close()


def test_a_throws_judge_sees_the_implement_of_the_category(
    browser: Any, server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """U18 men throw the 5 kg shot (World Athletics Technical Rules): the console says so at
    the top, on the tablet and on a phone."""
    from playwright import sync_api as playwright_api
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Youth Throws", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "SP", sex=Sex.MALE, name="Shot put U18 Men",
                                      age_category="U18"))
        build.enter(heat, build.athletes([Runner("Leo", "Stone", Sex.MALE)]), ["31"])
        heat_id = heat.id
    judge = TestDataFactory.create_user(role=STARTER)
    for size in ("tablet", "phone"):
        page = open_page(browser, size)
        log_in(page, server, judge)
        page.goto(f"{server}/console/field/{heat_id}")
        playwright_api.expect(page.locator(".field-implement")).to_have_text("5 kg shot")
        page.screenshot(path=str(screenshots / f"field-console-implement-{size}.png"))
        page.context.close()
