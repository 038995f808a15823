"""A 100 m heat from start list to official result through the starter's console of a real
Chromium: the gun, a DNS tapped at the start, the photo-finish file arriving from the
camera through the device API and showing beside the start list, then the heat made
official. Screenshots at laptop, tablet and phone sizes go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.accounts.roles import REGISTRAR, STARTER
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Heat, HeatStatus
from athsys.results.models import Result
from athsys.sport.sex import Sex
from athsys.timing.devices import create_device
from athsys.timing.models import DeviceKind
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e

SPRINTERS = (("Ava", "Ames", "11"), ("Bo", "Bell", "12"), ("Cy", "Cole", "13"),
             ("Di", "Dunn", "14"))


def _heat(engine: Engine) -> tuple[int, int, str]:
    """The heat, its event and a photo-finish camera's token."""
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Club Sprint Night", day=datetime.now(UTC).date(),
                                        time_zone="Europe/London")
        event = build.event(competition, "100m", sex=Sex.MALE, name="100 m Men")
        heat = build.race(event, scheduled_start=datetime.now(UTC))
        athletes = build.athletes([Runner(first, last, Sex.MALE) for first, last, _ in SPRINTERS])
        build.enter(heat, athletes, [bib for *_, bib in SPRINTERS], lanes=[3, 4, 5, 6])
        camera = create_device(session, SYSTEM, competition_id=competition.id,
                               name="finish camera", kind=DeviceKind.PHOTO_FINISH)
        return heat.id, event.id, camera.token


def test_a_heat_from_start_list_to_official_result(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    heat_id, event_id, camera = _heat(committed_db)
    referee = TestDataFactory.create_user(role=REGISTRAR)
    console = f"{server}/console/heat/{heat_id}"

    page = open_page(browser)
    blocked = csp_violations(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, server, referee)
    page.goto(console)
    rows = page.locator("#heat-rows tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0).locator("td.lane")).to_have_text("3")
    expect(page.locator("#heat-state")).to_have_text("scheduled")
    # the call room: the first two report and are checked in with one tap each
    for row in (0, 1):
        rows.nth(row).locator("[data-check-in]").click()
        expect(rows.nth(row).locator(".heat-call")).to_have_text("✓ in")
    page.screenshot(path=str(screenshots / "heat-console-start-list-tablet.png"),
                    full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(screenshots / "heat-console-start-list-phone.png"),
                    full_page=True)
    page.set_viewport_size({"width": 800, "height": 1280})
    page.click("#heat-start")
    expect(page.locator("#heat-state")).to_have_text("started")
    expect(page.locator("#heat-times")).to_contain_text("gun")
    expect(rows.nth(2).locator(".heat-call")).to_have_text("not in")  # never reported
    # lane 6 never left; the tablet is off the network when the starter taps it
    page.context.set_offline(True)
    page.click("#heat-rows tr:nth-child(4) [data-status='DNS']")
    expect(page.locator("#field-unsent")).to_have_text("1 unsent")
    page.context.set_offline(False)
    expect(page.locator("#field-unsent")).to_be_hidden(timeout=15_000)
    expect(rows.nth(3).locator(".heat-result")).to_have_text("DNS")

    # the camera sends its file through the device API; the console shows it
    lif = "\r\n".join([
        f"{event_id},1,1,100 m Men,+0.8,m/s,,,,100,19:30:00.0000",
        "1,12,4,Bell,Bo,,10.87,,0.000,0.151",
        "2,11,3,Ames,Ava,,11.02,,0.150,0.160",
        "3,13,5,Cole,Cy,,11.40,,0.530,0.171",
        "",
    ])
    posted = officials.test_client().post("/api/timing/lif?filename=heat1.lif", data=lif,
                                    content_type="text/plain",
                                    headers={"Authorization": f"Bearer {camera}"})
    assert posted.status_code in (200, 201, 202), posted.get_json()
    expect(rows.nth(1).locator(".heat-result")).to_have_text("10.87 (photo)",
                                                              timeout=15_000)
    expect(rows.nth(1).locator("td.field-place")).to_have_text("1")
    expect(page.locator("#heat-state")).to_have_text("finished")
    page.screenshot(path=str(screenshots / "heat-console-photo-finish-tablet.png"),
                    full_page=True)

    page.click("#heat-official")
    expect(page.locator("#heat-state")).to_have_text("official")
    assert blocked == [], blocked
    page.context.close()

    for size in VIEWPORTS:
        page = open_page(browser, size)
        log_in(page, server, referee)
        page.goto(console)
        expect(page.locator("#heat-rows tr")).to_have_count(4)
        page.screenshot(path=str(screenshots / f"heat-console-{size}.png"), full_page=True)
        page.context.close()

    with Session(committed_db) as session:
        assert session.get(Heat, heat_id).status is HeatStatus.OFFICIAL  # type: ignore[union-attr]
        stored = {r.place: (r.mark, r.status.value) for r in session.scalars(
            select(Result).where(Result.heat_id == heat_id))}
    assert stored == {1: (10_870, "OK"), 2: (11_020, "OK"), 3: (11_400, "OK"),
                      None: (None, "DNS")}


def test_a_photo_finish_file_uploaded_from_the_console(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """No network to the camera: the file comes on a USB stick and the starter chooses it."""
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    heat_id, event_id, _ = _heat(committed_db)
    starter = TestDataFactory.create_user(role=STARTER)
    lif = "\r\n".join([
        f"{event_id},1,1,100 m Men,-0.3,m/s,,,,100,19:30:00.0000",
        "1,13,5,Cole,Cy,,10.99,,0.000,0.151",
        "2,11,3,Ames,Ava,,11.01,,0.020,0.160",
        "DNF,14,6,Dunn,Di,,DNF,,,",
        "DNS,12,4,Bell,Bo,,,,,",
        "",
    ])
    page = open_page(browser)
    blocked = csp_violations(page)
    log_in(page, server, starter)
    page.goto(f"{server}/console/heat/{heat_id}")
    rows = page.locator("#heat-rows tr")
    expect(rows).to_have_count(4)
    page.set_input_files("#heat-lif", files=[{
        "name": "001-1-01.lif", "mimeType": "text/plain", "buffer": lif.encode()}])
    expect(page.locator("#athsys-toasts")).to_contain_text(
        "001-1-01.lif: 4 result(s) from the photo finish")
    expect(rows.nth(2).locator(".heat-result")).to_have_text("10.99 (photo)")
    expect(rows.nth(2).locator("td.field-place")).to_have_text("1")
    expect(rows.nth(3).locator(".heat-result")).to_have_text("DNF")
    page.set_input_files("#heat-lif", files=[{
        "name": "bad.lif", "mimeType": "text/plain", "buffer": b"not a photo finish"}])
    expect(page.locator("#field-message")).to_contain_text("line 1")
    page.screenshot(path=str(screenshots / "heat-console-lif-upload-tablet.png"),
                    full_page=True)
    assert blocked == [], blocked
    page.context.close()
