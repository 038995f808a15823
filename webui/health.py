"""Probes: ``/live`` (the process answers), ``/ready`` (it can serve), ``/health`` (every
component).

``/health`` names servers, workers and the errors they gave: only operators (Admins, signed
in or with a bearer token) see that detail; anyone else gets the overall status and the status
code, which is all a load balancer or an uptime check needs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from flask import Blueprint, Response, current_app, jsonify

from athsys import health, migrations
from athsys.config import Settings
from athsys.errors import AuthenticationError
from webui.security.current import request_actor

blueprint = Blueprint("probes", __name__)


def _settings() -> Settings:
    return current_app.config["ATHSYS_SETTINGS"]  # type: ignore[no-any-return]


def _engine():  # type: ignore[no-untyped-def]
    return current_app.extensions["sqlalchemy"].engine


def _redis():  # type: ignore[no-untyped-def]
    return current_app.extensions["athsys_redis"]


def _check_broker() -> health.ComponentStatus:
    from tasks.app import celery_app

    def run() -> str:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "reachable"

    return health.timed(run)


def _check_worker(timeout_s: float) -> health.ComponentStatus:
    from athsys.jobs import TASK_QUEUES, TaskName
    from tasks.app import celery_app

    def run() -> str:
        result = celery_app.send_task(TaskName.PING, queue=TASK_QUEUES[TaskName.PING])
        try:
            answer = result.get(timeout=timeout_s)
        finally:
            result.forget()
        return f"answered by {answer['hostname']}:{answer['pid']}"

    return health.timed(run)


def _json(body: dict[str, object], ok: bool) -> Response:
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/live")
def live() -> Response:
    return _json({"status": "alive"}, True)


@blueprint.get("/ready")
def ready() -> Response:
    components = {
        "database": health.check_database(_engine()),
        "redis": health.check_redis(_redis()),
        "migrations": health.check_migrations(_engine(), migrations.head()),
    }
    status = "ready" if all(c.ok for c in components.values()) else "not_ready"
    return _json(
        {"status": status, "components": {k: v.as_dict() for k, v in components.items()}},
        status == "ready",
    )


@blueprint.get("/health")
def health_view() -> Response:
    engine, redis_client = _engine(), _redis()
    timeout_s = _settings().health_worker_timeout
    # the checks wait on different servers: run them side by side
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            "database": pool.submit(health.check_database, engine),
            "redis": pool.submit(health.check_redis, redis_client),
            "broker": pool.submit(_check_broker),
            "worker": pool.submit(_check_worker, timeout_s),
        }
        components = {name: future.result() for name, future in futures.items()}
    components["scheduler"] = health.check_beat(redis_client, health.utcnow())
    status = health.overall({k: v for k, v in components.items() if k != "scheduler"})
    body: dict[str, object] = {"status": status}
    if _is_operator():
        body["components"] = {k: v.as_dict() for k, v in components.items()}
    return _json(body, status == "healthy")


def _is_operator() -> bool:
    try:
        actor = request_actor()
    except AuthenticationError:  # a bad token is no operator; the probe still answers
        return False
    return actor is not None and actor.is_admin
