"""Behind nginx the app trusts X-Forwarded-* from as many proxies as TRUSTED_PROXIES says,
and from no one otherwise; it answers no cross-origin browser request."""

from __future__ import annotations

import pytest
from flask import request

from athsys.config import Settings, get_config, replace
from webui.app import create_app

pytestmark = pytest.mark.integration

FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "results.example", "X-Forwarded-Port": "443"}


def _seen_by_app(settings: Settings, trusted_proxies: int) -> dict[str, str]:
    """What a request to /live with forwarded headers looks like inside the app."""
    app = create_app(replace(settings, trusted_proxies=trusted_proxies))
    seen: dict[str, str] = {}

    @app.before_request
    def look() -> None:  # no route of its own: the metrics keep their endpoint labels
        seen.update(scheme=request.scheme, remote=request.remote_addr or "",
                    host=request.host, url=request.url_root)

    assert app.test_client().get("/live", headers=FORWARDED).status_code == 200
    return seen


def test_behind_one_proxy_the_app_sees_https_and_the_client(settings: Settings) -> None:
    assert _seen_by_app(settings, 1) == {"scheme": "https", "remote": "203.0.113.7",
                                         "host": "results.example",
                                         "url": "https://results.example/"}


def test_without_trusted_proxies_forwarded_headers_are_ignored(settings: Settings) -> None:
    seen = _seen_by_app(settings, 0)
    assert seen["scheme"] == "http" and seen["remote"] == "127.0.0.1"
    assert seen["host"] == "localhost"


def test_production_trusts_the_one_proxy_it_is_deployed_behind() -> None:
    strong = "s" * 40
    production = get_config("production", environ={"SECRET_KEY": strong,
                                                   "JWT_SECRET_KEY": strong + "j"})
    assert production.trusted_proxies == 1
    assert get_config("development", environ={}).trusted_proxies == 0
    assert get_config("production", environ={"SECRET_KEY": strong, "JWT_SECRET_KEY": strong,
                                             "TRUSTED_PROXIES": "2"}).trusted_proxies == 2


def test_no_cross_origin_access_is_granted(client) -> None:
    for path in ("/api/public/competitions", "/api/auth/login"):
        preflight = client.options(path, headers={
            "Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})
        response = client.get(path, headers={"Origin": "https://elsewhere.example"})
        for answer in (preflight, response):
            assert "Access-Control-Allow-Origin" not in answer.headers, path
            assert "Access-Control-Allow-Credentials" not in answer.headers, path
