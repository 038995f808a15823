"""A request id on every log line of a request, and one log line in and out."""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request

from athsys.logging import APILogger, request_id_var

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_api_log = APILogger()
_QUIET_PATHS = frozenset({"/live", "/metrics"})


def _request_id() -> str:
    incoming = request.headers.get("X-Request-ID", "")
    return incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex


def register(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        g.request_id = _request_id()
        g.request_id_token = request_id_var.set(g.request_id)
        g.request_started = time.perf_counter()
        if request.path not in _QUIET_PATHS:
            _api_log.log_request(
                request.method, request.path, remote_addr=request.remote_addr,
                headers=request.headers,
            )

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if request.path not in _QUIET_PATHS and "request_started" in g:
            elapsed_ms = (time.perf_counter() - g.request_started) * 1000
            _api_log.log_response(request.method, request.path, response.status_code, elapsed_ms)
        return response

    @app.teardown_request
    def _unbind(_exc: BaseException | None) -> None:
        token = g.pop("request_id_token", None)
        if token is not None:
            request_id_var.reset(token)
