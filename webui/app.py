"""The Flask application factory.

Roles and permissions are synchronised by ``athsys sync-roles`` (run by ``athsys up`` and by
deployments before the web workers start), never at boot: several gunicorn workers booting
at once on a fresh database would race on the permission tables.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder
from flask_appbuilder.models.sqla.base import SQLA
from werkzeug.middleware.proxy_fix import ProxyFix

from athsys.accounts import roles
from athsys.config import Settings, get_config
from athsys.embedded import with_server_urls
from athsys.keys import with_signing_keys
from athsys.logging import configure_logging
from athsys.redis_client import make_redis
from tasks import wiring
from webui import consoles, csrf, errors, headers, health, inputs, live, metrics, request_log
from webui.api import limits as api_limits
from webui.api import timing as timing_api
from webui.api.registry import register_api
from webui.security import sessions
from webui.views.home import HomeView
from webui.views.registry import register_views

log = logging.getLogger(__name__)


def flask_config(settings: Settings) -> dict[str, Any]:
    """Flask, Flask-SQLAlchemy and Flask-AppBuilder settings derived from ours."""
    from flask_appbuilder.const import AUTH_DB

    return {
        "DEBUG": settings.debug,
        "TESTING": settings.env == "testing",
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_size": settings.db_pool_size,
            "pool_timeout": settings.db_pool_timeout,
            "pool_recycle": settings.db_pool_recycle,
            "pool_pre_ping": True,
            "connect_args": {
                "options": f"-c statement_timeout={settings.db_statement_timeout_ms}",
                "connect_timeout": 5,
                "application_name": "athsys-web",
            },
        },
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "MAX_CONTENT_LENGTH": settings.max_content_length,
        "APP_NAME": "AthSys",
        "AUTH_TYPE": AUTH_DB,
        "AUTH_ROLE_ADMIN": roles.ADMIN,
        "AUTH_ROLE_PUBLIC": roles.PUBLIC,
        "FAB_UPDATE_PERMS": False,
        "FAB_API_SWAGGER_UI": False,
        "FAB_PASSWORD_COMPLEXITY_ENABLED": False,  # nosec B105 # not a password
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.is_production,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "RATELIMIT_ENABLED": settings.ratelimit_enabled,
        "RATELIMIT_STORAGE_URI": settings.redis_url or "memory://",
        "RATELIMIT_DEFAULT": settings.ratelimit_default,
        "RATELIMIT_DEFAULTS_EXEMPT_WHEN": api_limits.defaults_exempt,
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,  # Redis down: serve without limits, and log it
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "JWT_SECRET_KEY": settings.jwt_secret_key,
        "JWT_ALGORITHM": settings.jwt_algorithm,
        "JWT_DECODE_ALGORITHMS": [settings.jwt_algorithm],
        "JWT_ACCESS_TOKEN_EXPIRES": timedelta(seconds=settings.jwt_access_token_expires),
        "JWT_REFRESH_TOKEN_EXPIRES": timedelta(seconds=settings.jwt_refresh_token_expires),
        "JWT_TOKEN_LOCATION": ["headers"],
        "FAB_CREATE_DB": False,
        "FAB_SECURITY_MANAGER_CLASS": "webui.security.manager.AthsysSecurityManager",
        "ATHSYS_SETTINGS": settings,
    }


def create_app(settings: Settings | None = None) -> Flask:
    settings = with_signing_keys(with_server_urls(settings or get_config()))
    wiring.install()
    configure_logging(settings)
    # what this process runs with, secrets and URL passwords masked: the first line an
    # operator reads when a deployment misbehaves
    log.info("web app starting (%s)", settings.env, extra={"settings": settings.redacted()})
    app = Flask(__name__)
    app.config.update(flask_config(settings))
    inputs.install(app)
    db = SQLA()
    appbuilder = AppBuilder(update_perms=False, indexview=HomeView,
                            base_template="athsys/base.html")
    with app.app_context():
        db.init_app(app)
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
    app.extensions["athsys_redis"] = make_redis(settings)
    request_log.register(app)
    metrics.register(app)
    errors.register(app)
    headers.register(app)
    app.register_blueprint(health.blueprint)
    register_api(app)
    app.register_blueprint(timing_api.blueprint)
    consoles.register(app)
    live.register(app)  # after register_api: the live pages use the public API's cache
    csrf.install(app)  # after every view: FAB's download routes are switched off
    sessions.install(app)
    _trust_proxies(app, settings.trusted_proxies)
    return app


def _trust_proxies(app: Flask, count: int) -> None:
    """Behind ``count`` reverse proxies, take the client's address, scheme, host and port
    from their X-Forwarded-* headers (so URLs are https and rate limits count clients, not
    nginx); with none, such headers are ignored, as any client could send them."""
    if count:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)
