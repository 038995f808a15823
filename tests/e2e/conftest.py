"""Fixtures of the browser tests: the app served over HTTP in a thread, and Chromium.

Debian's Chromium (``make test`` installs it) is driven by Playwright through
``executable_path``: no browser is downloaded.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Laptop, 10-inch tablet and phone, as officials and spectators hold them.
VIEWPORTS = {"laptop": (1366, 768), "tablet": (800, 1280), "phone": (390, 844)}


def open_page(browser: Any, size: str | tuple[int, int] = "tablet") -> Any:
    """A page in a fresh browser context (its own cookies and network) at a ``VIEWPORTS``
    size or a (width, height); ``page.context`` is that context."""
    width, height = VIEWPORTS[size] if isinstance(size, str) else size
    return browser.new_context(viewport={"width": width, "height": height}).new_page()


def log_in(page: Any, server: str, user: dict[str, Any]) -> None:
    """Through the login form, as a person does."""
    page.goto(f"{server}/login/")
    page.fill("#username", user["username"])
    page.fill("#password", user["password"])
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def csp_violations(page: Any) -> list[str]:
    """What the browser reports the page's Content-Security-Policy refused (filled as it runs)."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    return found


def _static_read_whole(app: Any) -> Any:
    """``app`` with each static file read whole, and closed, before the server writes it.

    Werkzeug's development server closes a response only after reading what is left of the
    request; when the browser has dropped the connection (a page left while its scripts
    still load), that read raises first and the file stays open until the garbage collector
    finds it, a ResourceWarning in whichever test runs then."""
    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        body = app(environ, start_response)
        if "/static/" not in environ.get("PATH_INFO", ""):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return serve


@pytest.fixture()
def server(app: Flask) -> Iterator[str]:
    http = make_server("127.0.0.1", 0, _static_read_whole(app), threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}"
    finally:
        http.shutdown()
        thread.join(timeout=10)


@pytest.fixture()
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright; closed after the test."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture()
def officials(app: Flask) -> Flask:
    """The app with the role matrix synchronised and the test users' factory bound to it;
    Debian's Chromium is there (``make test`` installs it)."""
    from tests.integration.api.helpers import TestDataFactory
    from webui.security.sync import sync_roles

    assert Path(CHROMIUM).exists(), "Debian chromium is missing: `make test` installs it"
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    TestDataFactory.bind(app)
    return app


@pytest.fixture()
def screenshots(tmp_path: Path) -> Path:
    """Where the tests write screenshots: ``$ATHSYS_SCREENSHOTS`` (kept as artifacts), else a
    temporary directory."""
    directory = Path(os.environ.get("ATHSYS_SCREENSHOTS", tmp_path))
    directory.mkdir(parents=True, exist_ok=True)
    return directory
