"""CSRF protection of every browser form, app-wide.

A page on any site can make an official's browser send a form here with the official's
session cookie. Every request that may change something (not GET, HEAD, OPTIONS) outside
``/api/`` must therefore carry the page's CSRF token (the ``csrf_token`` field or the
``X-CSRFToken`` header): Flask-AppBuilder's own user, role and group pages included, which
also stop deleting on a plain GET once CSRFProtect is installed.

``/api/`` is left to the API's own rule (:func:`webui.api.auth.current_actor`): bearer
tokens and device tokens are not sent by browsers on their own and need no CSRF token, and a
signed-in browser session writing to the API must send ``X-CSRFToken``.

Flask-AppBuilder's file download routes (``/<view>/download/<name>``) serve uploads that
AthSys never stores: they answer 404 instead of failing.
"""

from __future__ import annotations

from typing import Final

from flask import Flask, abort, request
from flask_wtf.csrf import CSRFProtect

SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX: Final = "/api/"

csrf = CSRFProtect()


def install(app: Flask) -> None:
    """CSRFProtect on every browser route (``/api/`` guards itself), FAB's downloads off."""
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked by _protect, with the API left out
    csrf.init_app(app)
    app.before_request(_protect)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.endswith(".download"):
            app.view_functions[rule.endpoint] = _no_uploads


def _protect() -> None:
    """No route (a 404 or 405 follows), a safe method or the API: nothing to check."""
    if (request.url_rule is None or request.method in SAFE_METHODS
            or request.path.startswith(API_PREFIX)):
        return
    csrf.protect()


def _no_uploads(**_: object) -> None:
    abort(404)
