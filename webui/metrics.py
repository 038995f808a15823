"""HTTP metrics for every request and the ``/metrics`` scrape endpoint.

``/metrics`` needs no login and never touches the database, so a scrape still answers while
PostgreSQL is down; in production nginx keeps it off the public side (Prometheus scrapes the
replicas directly on the internal network).
"""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from athsys import metrics
from tasks.metrics import broker_client, refresh_queue_lengths

_STARTED = "metrics_request_started"


def register(app: Flask) -> None:
    """Observe every request of ``app``, time its database statements, serve ``/metrics``."""
    with app.app_context():
        metrics.instrument_engine(app.extensions["sqlalchemy"].engine)
    broker = broker_client(app.config["ATHSYS_SETTINGS"])

    @app.before_request
    def _start_timer() -> None:
        g.setdefault(_STARTED, time.perf_counter())

    @app.after_request
    def _observe(response: Response) -> Response:
        started = g.get(_STARTED)
        rule = request.url_rule.rule if request.url_rule is not None else None
        metrics.observe_http_request(
            request.method,
            rule,
            response.status_code,
            None if started is None else time.perf_counter() - started,
        )
        return response

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        refresh_queue_lengths(broker)
        response = Response(metrics.render_latest(), mimetype=None)
        response.headers["Content-Type"] = metrics.CONTENT_TYPE
        response.headers["Cache-Control"] = "no-store"
        return response
