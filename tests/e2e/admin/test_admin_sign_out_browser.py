"""Signing out from the user menu in a real Chromium, at laptop, tablet and phone sizes: the
menu's "Logout" is a form's button (a POST with the page's CSRF token), and a plain visit to
``/logout/``, as an image on another page would make, signs nobody out. Screenshots of the
page it shows and of the open menu go to ``$ATHSYS_SCREENSHOTS``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from athsys.accounts.roles import STARTER
from tests.e2e.conftest import VIEWPORTS, csp_violations, log_in, open_page
from tests.integration.api.helpers import TestDataFactory

pytestmark = pytest.mark.e2e


def test_an_official_signs_out_from_the_user_menu(browser: Any, server: str, officials: Flask,
                                                  screenshots: Path) -> None:
    from playwright import sync_api as playwright_api
    expect = playwright_api.expect
    starter = TestDataFactory.create_user(role=STARTER)
    for size in VIEWPORTS:
        page = open_page(browser, size)
        blocked = csp_violations(page)
        log_in(page, server, starter)
        page.goto(f"{server}/logout/")  # what an <img src> elsewhere would do
        expect(page.locator(".athsys-logout-page button")).to_have_text("Sign out")
        page.screenshot(path=str(screenshots / f"sign-out-page-{size}.png"))
        page.goto(f"{server}/")
        assert "/login" not in page.url, size  # still signed in
        toggle = page.locator(".navbar-toggle")
        if toggle.is_visible():  # the phone folds the menu bar
            toggle.click()
        page.click(".navbar-right .dropdown-toggle:has(.fa-user)")
        logout = page.locator(".athsys-logout button")
        expect(logout).to_be_visible()
        box = logout.bounding_box()
        assert box is not None and box["height"] >= 44, (size, box)  # a thumb's target
        page.screenshot(path=str(screenshots / f"sign-out-menu-{size}.png"))
        logout.click()
        page.wait_for_load_state()
        page.goto(f"{server}/users/userinfo/")
        assert "/login" in page.url, (size, page.url)  # signed out
        assert blocked == [], (size, blocked)
        page.context.close()
