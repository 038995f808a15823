"""Security headers on every answer, from the app itself (no proxy needed on the laptop).

- ``Content-Security-Policy``: scripts only from this origin or inline with the request's
  nonce. Flask-AppBuilder's templates already write ``nonce="{{ csp_nonce() }}"`` on each of
  their scripts when a ``csp_nonce`` template global exists (the hook Flask-Talisman uses);
  this module provides it. Styles allow ``'unsafe-inline'``: Flask-AppBuilder's templates
  carry ``style`` attributes, which no nonce can cover, and a style cannot run code.
  ``connect-src 'self'`` covers the live page's ``fetch`` and its server-sent events.
- ``X-Frame-Options``/``frame-ancestors``: never in a frame (no clickjacking of the admin).
- ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (no URL, hence no
  competition or athlete id, leaves for another site).
- ``Strict-Transport-Security`` only on a request that came over TLS (directly, or through a
  proxy gunicorn trusts, ``FORWARDED_ALLOW_IPS``, that says ``X-Forwarded-Proto: https``): on
  plain HTTP at the venue it would be ignored at best, and lock a browser out at worst.
- ``Cache-Control: no-store`` on every answer to a signed-in user or a bearer token: a
  shared laptop's browser cache or a proxy never keeps a page only they may see.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request
from flask_login import current_user

NONCE_BYTES = 16
HSTS = "max-age=63072000; includeSubDomains"  # two years, as ops/nginx/nginx.conf

#: The policy; ``{nonce}`` is the request's.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'nonce-{nonce}'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def csp_nonce() -> str:
    """The nonce of this request's inline scripts (one per request)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(NONCE_BYTES)
    return str(g.csp_nonce)


def signed_in() -> bool:
    """Whether the request came from a signed-in session or with a bearer token."""
    if request.headers.get("Authorization"):
        return True
    return bool(getattr(current_user, "is_authenticated", False))


def secure(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.format(
        nonce=csp_nonce())
    for name, value in STATIC_HEADERS.items():
        response.headers[name] = value
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = HSTS
    if signed_in():
        response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(secure)
