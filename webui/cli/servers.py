"""Which database and Redis a command talks to: given URLs, or the embedded servers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from athsys import embedded
from athsys.config import Settings, get_config, replace


def load_settings() -> Settings:
    return get_config()


@contextmanager
def reachable_servers(settings: Settings) -> Iterator[Settings]:
    """``settings`` with server URLs; embedded servers are started for the command if needed.

    Servers that ``athsys up`` runs are used as they are; servers this command had to
    start are stopped when it ends.
    """
    if settings.database_url and settings.redis_url:
        yield settings
        return
    servers, started = embedded.start(settings.data_dir)
    try:
        resolved = replace(
            settings,
            database_url=settings.database_url or servers.database_url(),
            redis_url=settings.redis_url or servers.redis_url(),
        )
        yield resolved
    finally:
        if started:
            embedded.stop(settings.data_dir)


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment for child processes: the same settings, with resolved URLs."""
    env = dict(os.environ)
    env.update(
        {
            "ATHSYS_ENV": settings.env,
            "ATHSYS_DATA_DIR": str(settings.data_dir),
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "LOG_DIR": str(settings.log_path.parent),
        }
    )
    return env


def web_environment(settings: Settings) -> dict[str, str]:
    """The web server's environment: several gunicorn workers sum their metrics in files."""
    return {
        **child_environment(settings),
        "PROMETHEUS_MULTIPROC_DIR": str(settings.data_dir / "run" / "metrics-web"),
    }
