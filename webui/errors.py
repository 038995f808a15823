"""One place that turns errors into responses: the JSON envelope under ``/api/``, a page elsewhere.

Unexpected exceptions are logged with the request id and answered with a 500 that says
nothing of the internals (no SQL, no stack, no exception text). A database that cannot be
reached is a 503 with ``Retry-After``: the client may send the same request again.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, g, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from athsys.errors import AthsysError, ExternalServiceError, RateLimitError
from webui.pages import render_page

log = logging.getLogger(__name__)

DATABASE_RETRY_AFTER_S = 2

_HTTP_ERROR_TYPES = {
    400: "validation_error",
    401: "authentication_error",
    403: "authorization_error",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limit_exceeded",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/health", "/ready")


def error_envelope(error_type: str, message: str, details: object = None) -> dict[str, object]:
    return {
        "success": False,
        "error": {"type": error_type, "message": message, "details": details or {}},
        "request_id": g.get("request_id"),
    }


def _respond(status: int, error_type: str, message: str, details: object = None) -> Response:
    if wants_json():
        response = jsonify(error_envelope(error_type, message, details))
    else:
        response = Response(
            render_page("athsys/error.html", status=status, message=message,
                        request_id=g.get("request_id")),
            mimetype="text/html",
        )
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(AthsysError)
    def _athsys_error(exc: AthsysError) -> Response:
        if exc.status_code >= 500:
            log.error("%s: %s", exc.error_type, exc.message)
        response = _respond(exc.status_code, exc.error_type, exc.message, exc.details)
        if isinstance(exc, RateLimitError) and exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(CSRFError)
    def _csrf_refused(exc: CSRFError) -> Response:
        return _respond(400, "csrf_error", f"{exc.description} The form expired or did not "
                        "come from this site: reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        error_type = _HTTP_ERROR_TYPES.get(status, "http_error")
        response = _respond(status, error_type, exc.description or exc.name)
        for header, value in exc.get_headers():
            if header.lower() in ("retry-after", "allow", "www-authenticate"):
                response.headers[header] = value
        return response

    @app.errorhandler(OperationalError)
    def _database_unavailable(exc: OperationalError) -> Response:
        """The database is restarting, unreachable or cancelled the statement: nothing was
        stored, and the same request may be sent again (devices do so on a 503)."""
        log.error("database unavailable: %s", type(exc.orig).__name__)
        response = _respond(503, ExternalServiceError.error_type,
                            "The database is unavailable; nothing was stored. Try again shortly.")
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return _respond(500, "internal_error", "An unexpected error occurred; it has been logged.")
