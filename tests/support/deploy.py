"""What the deployment tests share: Compose variable interpolation as the Compose
specification defines it, and the environment variables AthSys processes read."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from athsys.config import Settings

ROOT = Path(__file__).resolve().parents[2]

# $$ | ${NAME} | ${NAME:-default} ${NAME-default} ${NAME:?error} ${NAME?error}
# ${NAME:+alt} ${NAME+alt} | $NAME  (no nesting: the compose file uses none)
_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)"
    r"|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(Exception):
    """A required variable (``${NAME:?message}``) is unset or empty."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"required variable {name} is missing a value: {message}")
        self.name = name


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """``value`` (a loaded compose file or any part of it) with every variable replaced."""
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if isinstance(value, str):
        return _VARIABLE.sub(lambda match: _substitute(match, environ), value)
    return value


def _substitute(match: re.Match[str], environ: Mapping[str, str]) -> str:
    if match["escaped"]:
        return "$"
    name = match["braced"] or match["bare"]
    op, arg = match["op"] or "", match["arg"] or ""
    value = environ.get(name)
    unset_or_empty = not value if op.startswith(":") else value is None
    if op.endswith("-"):
        return arg if unset_or_empty else str(value)
    if op.endswith("?"):
        if unset_or_empty:
            raise MissingVariable(name, arg)
        return str(value)
    if op.endswith("+"):
        return "" if unset_or_empty else arg
    return value or ""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def required_variables(value: Any) -> set[str]:
    """Names written as ``${NAME:?...}`` (or ``${NAME?...}``) in the values of ``value``."""
    return {m["braced"] for text in _strings(value) for m in _VARIABLE.finditer(text)
            if (m["op"] or "").endswith("?")}


def variable_defaults(value: Any) -> dict[str, str]:
    """Names written as ``${NAME:-default}`` in the values of ``value``, with the default."""
    return {m["braced"]: m["arg"] for text in _strings(value) for m in _VARIABLE.finditer(text)
            if m["op"] == ":-"}


def settings_variables() -> set[str]:
    """The variables :func:`athsys.config.get_config` reads: one per field of Settings
    (upper case), with ``ATHSYS_ENV`` choosing the environment."""
    return {f.name.upper() for f in fields(Settings) if f.name != "env"} | {"ATHSYS_ENV"}


#: Variables AthSys processes read outside Settings, with the file that reads each.
OTHER_READERS: dict[str, str] = {
    "PROMETHEUS_MULTIPROC_DIR": "athsys/metrics.py",
    "WEB_CONCURRENCY": "webui/gunicorn_conf.py",
    "GUNICORN_THREADS": "webui/gunicorn_conf.py",
    "FORWARDED_ALLOW_IPS": "webui/gunicorn_conf.py",
    "ATHSYS_WORKER_METRICS_PORT": "tasks/metrics.py",
    "ATHSYS_WORKER_METRICS_ADDRESS": "tasks/metrics.py",
    "FLOWER_BASIC_AUTH": "webui/cli/main.py",
}


def unknown_variables(names: set[str]) -> set[str]:
    """The names among ``names`` that no AthSys process reads."""
    return names - settings_variables() - set(OTHER_READERS)
