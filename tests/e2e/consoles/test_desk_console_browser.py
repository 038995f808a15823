"""The registration desk in a real Chromium: the registrar types a bib, the athlete shows,
one tap checks them in and the day's count follows. Screenshots at laptop, tablet and phone
sizes go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.roles import REGISTRAR
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import Entry, EntryStatus
from athsys.sport.sex import Sex
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def test_a_registrar_checks_an_athlete_in_by_bib(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Parkside Relays", day=datetime.now(UTC).date())
        heat = build.race(build.event(competition, "800m", sex=Sex.FEMALE))
        athletes = build.athletes([Runner(f"Mia{i}", f"Moss{i}", Sex.FEMALE) for i in range(8)])
        entries = build.enter(heat, athletes, [str(300 + i) for i in range(8)])
        competition_id = competition.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)

    for size in VIEWPORTS:
        page = open_page(browser, size)
        blocked = csp_violations(page)
        log_in(page, server, registrar)
        page.goto(f"{server}/console/desk/{competition_id}")
        if size == "tablet":
            page.fill("#desk-search", "305")
            rows = page.locator("#desk-rows tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("Mia5 Moss5")
            page.click("[data-action='check-in'][data-bib='305']")  # the one tap
            expect(page.locator("#desk-counts")).to_contain_text("1 checked in")
            expect(rows.first.locator(".desk-status")).to_have_text("checked in")
            page.once("dialog", lambda dialog: dialog.accept("C305"))
            page.click("[data-chip='305']")  # a chip handed out with the bib
            expect(rows.first.locator(".desk-chip")).to_have_text("C305 (never read)")
        else:
            page.fill("#desk-search", "30")
            expect(page.locator("#desk-rows tr")).to_have_count(8)
        page.screenshot(path=str(screenshots / f"desk-console-{size}.png"), full_page=True)
        assert blocked == [], blocked
        page.context.close()
    with Session(committed_db) as session:
        assert session.get(Entry, entries[5]).status is EntryStatus.CHECKED_IN  # type: ignore[union-attr]


def test_a_registrar_makes_a_late_entry_and_changes_a_bib(
    browser: Any,
    server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """A new athlete entered on the day (found nowhere by last name), then a lost bib
    replaced: both from the desk, with the taps counted."""
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Late Autumn Open", day=datetime.now(UTC).date())
        build.event(competition, "LJ", sex=Sex.FEMALE, name="Long Jump Women")
        competition_id = competition.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)

    page = open_page(browser)
    blocked = csp_violations(page)
    log_in(page, server, registrar)
    page.goto(f"{server}/console/desk/{competition_id}")
    page.click(".desk-late-open")
    page.fill("#desk-athlete", "Quartey")
    page.click("text=New athlete…")
    expect(page.locator("#desk-last")).to_have_value("Quartey")
    page.fill("#desk-first", "Ama")
    page.fill("#desk-birth", "2004-02-29")
    page.fill("#desk-bib", "777")
    page.screenshot(path=str(screenshots / "desk-late-entry-tablet.png"), full_page=True)
    page.click(".desk-enter")
    expect(page.locator("#athsys-toasts")).to_contain_text("Bib 777 entered in Long Jump Women")
    rows = page.locator("#desk-rows tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ama Quartey")
    page.once("dialog", lambda dialog: dialog.accept("778"))
    page.click("[data-bib-change='777']")
    expect(page.locator("#athsys-toasts")).to_contain_text("now wears bib 778")
    expect(rows.first.locator(".field-bib")).to_have_text("778")
    page.screenshot(path=str(screenshots / "desk-bib-changed-tablet.png"), full_page=True)
    assert blocked == [], blocked
    page.context.close()
    with Session(committed_db) as session:
        entry = session.query(Entry).filter_by(competition_id=competition_id).one()
        assert (entry.bib, entry.athlete.last_name, str(entry.athlete.birth_date)) == (
            "778", "Quartey", "2004-02-29")


def test_a_registrar_declares_a_relay_teams_legs(
    browser: Any, server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """At the desk the registrar finds a 4 × 400 m team by its name, taps Legs…, picks one of
    the club's runners per leg and a reserve, and declares them; a runner picked for two legs
    is refused with the reason and nothing changes."""
    from playwright import sync_api as playwright_api
    from sqlalchemy import select

    from athsys.accounts.actor import SYSTEM
    from athsys.athletes.models import Club
    from athsys.competitions.models import RelayLeg
    from athsys.competitions.relays import create_relay_team

    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Club Relays", day=datetime.now(UTC).date())
        event = build.event(competition, "4x400m", sex=Sex.FEMALE)
        build.race(event)
        club = Club(name="Tigers Athletic Club", code="TIG")
        session.add(club)
        session.flush()
        runners = build.athletes([Runner(f"Tia{i}", f"Tiger{i}", Sex.FEMALE, club_id=club.id)
                                  for i in range(1, 6)])
        team = create_relay_team(session, SYSTEM, event, club, bib="R1")
        competition_id, team_id = competition.id, team.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)

    page = open_page(browser)
    blocked = csp_violations(page)
    log_in(page, server, registrar)
    page.goto(f"{server}/console/desk/{competition_id}")
    page.fill("#desk-search", "Tigers")
    expect(page.locator("#desk-rows tr")).to_have_count(1)
    page.click("[data-legs='R1']")
    legs = page.locator("#desk-legs select")
    expect(legs).to_have_count(6)  # four legs, two reserves
    for index in range(4):
        legs.nth(index).select_option(label=f"TIGER{index + 1} Tia{index + 1}")
    legs.nth(4).select_option(label="TIGER1 Tia1")  # the first leg again, as a reserve
    page.click("#desk-legs button[type=submit]")
    expect(page.locator("#field-message, .athsys-toast").first).to_contain_text("Tia1")
    with Session(committed_db) as session:
        assert not session.scalars(select(RelayLeg).where(RelayLeg.entry_id == team_id)).all()
    legs.nth(4).select_option(label="TIGER5 Tia5")
    page.screenshot(path=str(screenshots / "desk-relay-legs-tablet.png"), full_page=True)
    page.click("#desk-legs button[type=submit]")
    expect(page.locator("#desk-legs")).to_be_hidden()
    with Session(committed_db) as session:
        declared = {(leg.leg, leg.athlete_id) for leg in session.scalars(
            select(RelayLeg).where(RelayLeg.entry_id == team_id))}
    assert declared == {(1, runners[0]), (2, runners[1]), (3, runners[2]), (4, runners[3]),
                        (None, runners[4])}
    assert blocked == [], blocked
    page.context.close()

    phone = open_page(browser, "phone")
    log_in(phone, server, registrar)
    phone.goto(f"{server}/console/desk/{competition_id}")
    phone.fill("#desk-search", "R1")
    phone.click("[data-legs='R1']")
    expect(phone.locator("#desk-legs select").first).to_have_value(str(runners[0]))
    phone.screenshot(path=str(screenshots / "desk-relay-legs-phone.png"), full_page=True)
    phone.context.close()


def test_a_late_relay_team_missing_the_standard_is_refused_until_a_reason_is_given(
    browser: Any, server: str, officials: Flask, committed_db: Engine, screenshots: Path
) -> None:
    """The registrar enters a late 4 × 100 m team at the desk: its seed mark misses the
    event's entry standard, the desk shows the API's refusal as it is and nothing is
    stored; with a reason the team is entered and found at once, ready for its legs."""
    from playwright import sync_api as playwright_api
    from sqlalchemy import select

    from athsys.athletes.models import Club

    expect = playwright_api.expect
    with Session(committed_db) as session, session.begin():
        build = MeetBuilder(session)
        competition = build.competition("Late Relays", day=datetime.now(UTC).date())
        event = build.event(competition, "4x100m", sex=Sex.MALE)
        event.entry_standard = 42_000
        build.race(event)
        session.add(Club(name="Harbour Harriers", code="HBH"))
        competition_id, event_id = competition.id, event.id
    registrar = TestDataFactory.create_user(role=REGISTRAR)

    def teams() -> list[tuple[str | None, str | None]]:
        with Session(committed_db) as session:
            return [(t.team_name, t.standard_waiver) for t in session.scalars(
                select(Entry).where(Entry.event_id == event_id))]

    for size in VIEWPORTS:
        page = open_page(browser, size)
        blocked = csp_violations(page)
        log_in(page, server, registrar)
        page.goto(f"{server}/console/desk/{competition_id}")
        page.click("#desk-team summary")
        expect(page.locator("#desk-relay option").first).to_contain_text("· standard 42.00")
        page.fill("#desk-club", "Harbour")
        page.click("#desk-clubs button")
        expect(page.locator("#desk-club-chosen")).to_contain_text("Harbour Harriers")
        page.fill("#desk-team-bib", f"R{size[0]}")
        page.fill("#desk-team-seed", "42.35")
        page.click("#desk-team-form button[type=submit]")
        expect(page.locator("#field-message")).to_contain_text(
            "the seed mark 42.35 misses the entry standard 42.00")
        expect(page.locator("#field-message")).to_contain_text(
            "giving the reason as “Reason, if the seed mark misses the entry standard”")
        page.screenshot(path=str(screenshots / f"desk-relay-team-refused-{size}.png"),
                        full_page=True)
        if size == "tablet":
            assert teams() == []
            page.fill("#desk-team-waiver", "county champions")
            page.click("#desk-team-form button[type=submit]")
            rows = page.locator("#desk-rows tr")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("Harbour Harriers A")
            expect(page.locator("[data-legs='Rt']")).to_be_visible()
            assert teams() == [("Harbour Harriers A", "county champions")]
            page.screenshot(path=str(screenshots / "desk-relay-team-entered-tablet.png"),
                            full_page=True)
        assert blocked == [], blocked
        page.context.close()
