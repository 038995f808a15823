"""Settings for every process of the platform, read from environment variables.

``get_config(name)`` builds the settings of one environment (``development``, ``testing``,
``production``): the seed's defaults, then the environment's own defaults, then any
environment variable of the same name as a field (upper case). A malformed variable is a
:class:`~athsys.errors.ConfigurationError` naming it; production also refuses missing,
short or well-known secrets.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from athsys.errors import ConfigurationError

ENVIRONMENTS = ("development", "testing", "production")

#: Secrets shipped in code (earlier releases, tutorials, framework docs): never valid anywhere.
KNOWN_DEFAULT_SECRETS = frozenset(
    {
        "changeme",
        "change-me",
        "secret",
        "dev",
        "development",
        "your-secret-key",
        "your-secret-key-here",
        "\2\1thisismyscretkey\1\2\\e\\y\\y\\h",  # Flask-AppBuilder's example config
        "athsys-development-secret-key-not-for-production",
        "athsys-development-jwt-key-not-for-production",
    }
)
MIN_SECRET_LENGTH = 32
#: The most reads a worker catching up takes into one transaction (``CATCH_UP_MAX_READS``).
#: A worker process keeps the memory of the largest catch-up it did: 15,000 reads peaked at
#: about 120 MiB a process, 50,000 at 200 - 260 MiB (``docs/performance.md``, "Catch-up
#: size and worker memory"); 100,000 is about twice what was ever measured, and beyond it
#: one catch-up could approach the task's time limit on a loaded machine.
MAX_CATCH_UP_READS = 100_000


@dataclass(frozen=True)
class Settings:
    """All settings; each field may be overridden by the environment variable of its
    upper-cased name."""

    env: str = "development"
    debug: bool = False
    # Empty: generated on first start into the data directory (athsys.keys); production
    # must be given both.
    secret_key: str = ""
    jwt_secret_key: str = ""

    # Where embedded servers, logs and backups live when no server URL is given.
    athsys_data_dir: str = "var"
    database_url: str = ""
    redis_url: str = ""
    celery_broker_url: str = ""
    celery_result_backend: str = ""

    db_pool_size: int = 20
    db_pool_timeout: int = 30
    db_pool_recycle: int = 300  # idle connections are replaced after 5 min
    db_statement_timeout_ms: int = 30_000

    ratelimit_enabled: bool = True
    ratelimit_default: str = "1000/hour"
    ratelimit_login: str = "5/hour"

    jwt_algorithm: str = "HS256"
    jwt_access_token_expires: int = 24 * 3600
    jwt_refresh_token_expires: int = 30 * 24 * 3600

    cache_ttl_api: int = 300
    cache_ttl_schedule: int = 3600
    cache_ttl_leaderboard: int = 300
    cache_ttl_permissions: int = 3600

    max_content_length: int = 1024 * 1024
    # Reverse proxies in front of the app (nginx, a load balancer) whose X-Forwarded-For,
    # -Proto, -Host and -Port headers are trusted; 0 trusts none. Production sits behind
    # nginx, which ends TLS: with 1 the app sees https and the client's address.
    trusted_proxies: int = 0
    api_page_size: int = 20
    api_max_page_size: int = 100

    log_level: str = "INFO"
    log_format: str = "text"  # "text" or "json"
    log_dir: str = ""  # default <data_dir>/logs
    log_file: str = "athsys.log"
    log_max_bytes: int = 10 * 1024 * 1024
    log_backup_count: int = 10

    # Timing ingestion: duplicate reads at one point within the window collapse to the first.
    timing_duplicate_window_ms: int = 10_000
    ingest_max_batch: int = 10_000  # passings (or lines) of one payload
    ingest_max_body_bytes: int = 16 * 1024 * 1024  # device payloads and .lif files
    ingest_sweep_after_s: int = 60  # a batch unfinished this long is enqueued again
    ingest_max_attempts: int = 5  # then the batch is marked failed
    # A worker that falls behind processes a competition's waiting batches together, oldest
    # first, up to this many reads a transaction (0: each batch alone). Larger: a backlog is
    # caught up in fewer transactions (a race stored at once, e.g. after an outage); smaller:
    # less memory a worker process and earlier commits. At most MAX_CATCH_UP_READS.
    catch_up_max_reads: int = 15_000

    task_soft_time_limit: int = 60
    task_time_limit: int = 90
    health_worker_timeout: float = 3.0

    # Only development may print generated demo credentials.
    athsys_demo_password: str = ""
    athsys_admin_password: str = ""

    # Backups: pg_dump of the database, kept for backup_retention_days.
    backup_dir: str = ""  # default <data_dir>/backups
    backup_schedule: str = "0 2 * * *"  # crontab: minute hour day-of-month month day-of-week
    backup_retention_days: int = 30
    pg_bin_dir: str = ""  # where pg_dump/psql live; default: the embedded server's, else PATH
    timing_read_retention_days: int = 180  # raw reads kept after the competition is official

    # Notifications: e-mail through SMTP, webhooks signed with HMAC-SHA256.
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "none"  # "none", "starttls" or "ssl"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "athsys@localhost"
    smtp_timeout: float = 10.0
    webhook_timeout: float = 10.0
    notification_max_attempts: int = 8
    notification_retry_base_s: int = 30

    @property
    def data_dir(self) -> Path:
        return Path(self.athsys_data_dir).expanduser().resolve()

    @property
    def backup_crontab(self) -> dict[str, str]:
        """``BACKUP_SCHEDULE`` as the keyword arguments of Celery's ``crontab``."""
        minute, hour, day_of_month, month_of_year, day_of_week = self.backup_schedule.split()
        return {"minute": minute, "hour": hour, "day_of_month": day_of_month,
                "month_of_year": month_of_year, "day_of_week": day_of_week}

    @property
    def backup_path(self) -> Path:
        return Path(self.backup_dir).expanduser().resolve() if self.backup_dir else (
            self.data_dir / "backups"
        )

    @property
    def log_path(self) -> Path:
        directory = Path(self.log_dir).expanduser() if self.log_dir else self.data_dir / "logs"
        return directory / self.log_file

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def redacted(self) -> dict[str, Any]:
        """The settings with secrets and credentials in URLs masked, for logs and diagnostics."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if "secret" in f.name or "password" in f.name:
                value = "***" if value else ""
            elif f.name.endswith("_url") and value:
                value = redact_url(value)
            out[f.name] = value
        return out


_ENVIRONMENT_DEFAULTS: dict[str, dict[str, Any]] = {
    "development": {"debug": True, "log_level": "INFO", "log_format": "text"},
    "testing": {
        "log_format": "text",
        "log_file": "test.log",
        "log_level": "DEBUG",
        "ratelimit_enabled": True,
    },
    "production": {
        "debug": False,
        "log_format": "json",
        "log_level": "INFO",
        "trusted_proxies": 1,
    },
}


def redact_url(url: str) -> str:
    """Mask the password of ``scheme://user:password@host`` URLs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def _coerce(name: str, raw: str, kind: Any) -> Any:
    env_name = name.upper()
    if kind in (bool, "bool"):
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ConfigurationError(f"{env_name} must be true or false, not {raw!r}")
    if kind in (int, "int"):
        try:
            value = int(raw)
        except ValueError:
            raise ConfigurationError(f"{env_name} must be a whole number, not {raw!r}") from None
        if value < 0:
            raise ConfigurationError(f"{env_name} must not be negative")
        return value
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError:
            raise ConfigurationError(f"{env_name} must be a number, not {raw!r}") from None
    return raw


def get_config(name: str | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Build the settings of environment ``name`` (default ``$ATHSYS_ENV`` or development)."""
    environ = os.environ if environ is None else environ
    name = name or environ.get("ATHSYS_ENV", "development")
    if name not in ENVIRONMENTS:
        raise ConfigurationError(
            f"unknown configuration {name!r}; choose one of {', '.join(ENVIRONMENTS)}"
        )
    values: dict[str, Any] = {"env": name, **_ENVIRONMENT_DEFAULTS[name]}
    for f in fields(Settings):
        if f.name == "env":
            continue
        raw = environ.get(f.name.upper())
        if raw is not None:
            values[f.name] = _coerce(f.name, raw, f.type)
    if values.get("database_url"):
        values["database_url"] = normalize_database_url(values["database_url"])
    settings = Settings(**values)
    _check(settings)
    return settings


def normalize_database_url(url: str) -> str:
    """A PostgreSQL URL with the psycopg2 driver we ship; anything else is refused.

    ``postgresql://`` alone would select psycopg 3 in SQLAlchemy 2.1, and ``postgres://``
    (as some hosts write it) is not understood at all.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError("DATABASE_URL is not a valid database URL") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "postgres":
        backend = "postgresql"
    if backend != "postgresql":
        raise ConfigurationError(f"DATABASE_URL must point at PostgreSQL, not {backend!r}")
    if driver not in ("", "psycopg2"):
        raise ConfigurationError(f"DATABASE_URL driver {driver!r} is not installed; use psycopg2")
    return parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


def _check(settings: Settings) -> None:
    if settings.log_format not in ("text", "json"):
        raise ConfigurationError(f"LOG_FORMAT must be text or json, not {settings.log_format!r}")
    if settings.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ConfigurationError(f"LOG_LEVEL {settings.log_level!r} is not a logging level")
    if settings.api_page_size > settings.api_max_page_size:
        raise ConfigurationError("API_PAGE_SIZE must not exceed API_MAX_PAGE_SIZE")
    if settings.jwt_algorithm != "HS256":
        raise ConfigurationError("JWT_ALGORITHM must be HS256")
    if settings.smtp_security not in ("none", "starttls", "ssl"):
        raise ConfigurationError(
            f"SMTP_SECURITY must be none, starttls or ssl, not {settings.smtp_security!r}"
        )
    if settings.catch_up_max_reads > MAX_CATCH_UP_READS:
        raise ConfigurationError(
            f"CATCH_UP_MAX_READS must be at most {MAX_CATCH_UP_READS:,} (reads a worker takes "
            f"into one transaction), not {settings.catch_up_max_reads:,}"
        )
    if len(settings.backup_schedule.split()) != 5:
        raise ConfigurationError(
            "BACKUP_SCHEDULE must have five crontab fields (minute hour day month weekday), "
            f"not {settings.backup_schedule!r}"
        )
    for secret_name in ("secret_key", "jwt_secret_key"):
        problem = _secret_problem(getattr(settings, secret_name), settings.is_production)
        if problem:
            raise ConfigurationError(f"refusing to start: {secret_name.upper()} {problem}")


def _secret_problem(value: str, production: bool) -> str | None:
    """Why ``value`` may not sign anything; elsewhere than in production an empty key is
    generated on first start (:mod:`athsys.keys`)."""
    if not value:
        return "is missing" if production else None
    if value in KNOWN_DEFAULT_SECRETS:
        return "is a known default (it is in public source)"
    if production and len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    return None


def replace(settings: Settings, **changes: Any) -> Settings:
    """A copy of ``settings`` with ``changes`` applied (for resolved server URLs)."""
    return dataclasses.replace(settings, **changes)
