"""The meet set-up wizard in a real Chromium: a Chief Registrar sets up a small club meet from
the home page (competition, template, CSV with a bad row fixed after the preview, seeding)
and opens a printable start list; the taps and keyboard entries are counted. Screenshots at
laptop, tablet and phone sizes go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import CHIEF_REGISTRAR
from athsys.competitions.models import Competition, Entry, Event, LaneAssignment
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory, tag

pytestmark = pytest.mark.e2e

BAD_CSV = ("bib,first name,last name,sex,birth date,club,event,seed mark\n"
           ",Ana,Lopes,F,1999-03-02,Harbour AC,100m,11.85\n"
           ",Bea,Moss,F,1999-02-30,Harbour AC,100m,12.10\n"  # no 30 February
           ",Cal,Nunes,M,2000-04-04,Harbour AC,100m,10.95\n"
           ",Dan,Ortiz,M,2001-05-05,,LJ,7.02\n")
GOOD_CSV = BAD_CSV.replace("1999-02-30", "1999-02-28")
#: Taps and keyboard entries a person makes from the home page to the printed start list
#: (one of them the men's 100 m entry standard).
MOST_ACTIONS = 22


class Counter:
    def __init__(self, page: Any) -> None:
        self.page, self.taps, self.typed = page, 0, 0

    def tap(self, selector: str) -> None:
        self.page.click(selector)
        self.taps += 1

    def type(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.typed += 1


def test_a_chief_registrar_sets_up_a_club_meet_through_the_wizard(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    chief = TestDataFactory.create_user(role=CHIEF_REGISTRAR)
    name = f"Harbour Open {tag()}"

    shots: dict[str, Any] = {}
    for size in VIEWPORTS:
        shots[size] = open_page(browser, size)
        log_in(shots[size], server, chief)
    page = shots["tablet"]  # the set-up runs on the 10-inch tablet
    blocked = csp_violations(page)
    me = Counter(page)
    page.goto(f"{server}/")
    me.tap("a[href='/console/setup']")
    page.wait_for_url("**/console/setup")
    me.type("#meet-name", name)
    me.type("#meet-day", "2026-06-14")
    me.type("#meet-venue", "Harbour Park")
    me.type("#meet-zone", "Europe/Paris")
    me.tap("#meet-create")
    expect(page.locator("#meet-done")).to_contain_text(name)
    me.tap("[data-template='club']")
    expect(page.locator(".setup-event")).to_have_count(10)
    for code in (2, 3, 4, 5, 8, 9):  # keep the 100 m and the women's and men's long jump
        me.tap(f"[data-keep='{code}']")
    me.type("[data-standard='1']", "11.00")  # the men's 100 m; Cal's 10.95 makes it
    me.tap("#programme-save")
    expect(page.locator("#programme-done")).to_contain_text("4 events saved")
    me.type("#csv-text", BAD_CSV)
    me.tap("#csv-check")
    problems = page.locator(".setup-problems li")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("Line 3, birth date: bad date")
    expect(page.locator("#csv-save")).to_be_hidden()
    shot_of_preview = screenshots / "setup-wizard-preview-tablet.png"
    page.screenshot(path=str(shot_of_preview), full_page=True)
    me.type("#csv-text", GOOD_CSV)
    me.tap("#csv-check")
    expect(page.locator(".setup-rows li")).to_have_count(4)
    me.tap("#csv-save")
    expect(page.locator("#csv-done")).to_contain_text("4 entries saved")
    expect(page.locator("#step-4")).to_be_hidden()  # chips: no road race here
    me.tap("#seed")
    links = page.locator("#start-lists li")
    expect(links).to_have_count(3)  # women 100 m, men 100 m, men LJ
    expect(page.locator("#seed-done")).to_contain_text("without entries: Women Long jump")
    with page.expect_popup() as popup:
        me.tap("#start-lists li:first-child a:has-text('Print heat sheet')")
    sheet = popup.value
    sheet.wait_for_load_state()
    expect(sheet.locator("body")).to_contain_text("Lopes")
    sheet.close()
    assert blocked == [], blocked
    actions = me.taps + me.typed
    print(f"\nset-up from the home page to a printed start list: {me.taps} taps, "
          f"{me.typed} fields typed, {actions} actions")
    assert actions <= MOST_ACTIONS
    page.screenshot(path=str(screenshots / "setup-wizard-tablet.png"), full_page=True)

    with Session(committed_db) as session:
        competition = session.scalar(select(Competition).where(Competition.name == name))
        assert competition is not None
        assert session.scalar(select(func.count()).select_from(Entry).where(
            Entry.competition_id == competition.id)) == 4
        assert dict(session.execute(select(Event.name, Event.entry_standard).where(
            Event.competition_id == competition.id)).all()) == {
            "Women 100 m": None, "Men 100 m": 11_000, "Women Long jump": None,
            "Men Long jump": None}
        assert session.scalar(select(func.count()).select_from(LaneAssignment).join(
            Entry, Entry.id == LaneAssignment.entry_id).where(
            Entry.competition_id == competition.id)) == 4

    # the same steps as drawn on a laptop and a phone, up to the preview of a bad file
    for size in ("laptop", "phone"):
        other = shots[size]
        other.goto(f"{server}/console/setup")
        other.fill("#meet-name", f"{name} {size}")
        other.fill("#meet-day", "2026-06-15")
        other.fill("#meet-venue", "Harbour Park")
        other.fill("#meet-lanes", "6")  # a club track: its heats draw lanes by lot
        other.click("#meet-create")
        expect(other.locator("#meet-done")).to_contain_text("6 lanes")
        other.click("[data-template='championship']")
        expect(other.locator(".setup-event")).to_have_count(22)
        expect(other.locator("[data-template='championship']")).to_have_attribute(
            "aria-pressed", "true")
        other.screenshot(path=str(screenshots / f"setup-wizard-programme-{size}.png"),
                         full_page=True)
        other.locator("[data-event='0']").scroll_into_view_if_needed()
        other.screenshot(path=str(screenshots / f"setup-wizard-events-{size}.png"))
        width = other.evaluate("document.documentElement.scrollWidth")
        assert width <= VIEWPORTS[size][0], (size, width)  # no sideways scrolling
