"""Logging for every process: JSON in production, text in development.

Each line carries the request id of the request (or task) that wrote it. Secrets never reach
a handler: :class:`RedactingFilter` masks passwords, tokens, ``Authorization`` headers and
credentials in URLs, in messages and in structured fields alike.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from athsys.config import Settings
from athsys.private_files import private_dir, private_file

request_id_var: ContextVar[str | None] = ContextVar("athsys_request_id", default=None)

REDACTED = "***"
SENSITIVE_KEYS = re.compile(
    r"pass(word|wd)?|secret|token|authorization|api[_-]?key|cookie|credential|signature",
    re.IGNORECASE,
)
_SENSITIVE_IN_TEXT = [
    # Authorization: Bearer <token> / Basic <creds>
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), r"\1 " + REDACTED),
    # key=value and "key": "value" pairs whose key looks secret
    (
        re.compile(
            r"""(?ix)
            (["']?(?:[\w-]*(?:password|passwd|secret|token|api[_-]?key|authorization)[\w-]*)["']?
             \s*[:=]\s*)
            (["']?)[^\s"',&}]+\2
            """
        ),
        r"\1\2" + REDACTED + r"\2",
    ),
    # scheme://user:password@host
    (re.compile(r"(\w+://[^:/@\s]*:)[^@\s]+@"), r"\1" + REDACTED + "@"),
    # bare JSON Web Tokens
    (re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+"), REDACTED),
]

_STANDARD_RECORD_ATTRS = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


def redact_text(text: str) -> str:
    for pattern, replacement in _SENSITIVE_IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """Mask ``value`` if ``key`` names a secret; walk mappings and lists."""
    if SENSITIVE_KEYS.search(key):
        return REDACTED
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(key, v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RedactingFilter(logging.Filter):
    """Masks secrets in the message, its arguments and every extra field of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        for attr, value in list(vars(record).items()):
            if attr not in _STANDARD_RECORD_ATTRS:
                setattr(record, attr, redact_value(attr, value))
        if record.exc_info:
            # formatters print exc_text when exc_info is gone; an exception's text may hold
            # the secret that made it fail
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact_text(record.exc_text)
        return True


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s [%(process)d] [%(request_id)s] %(name)s: %(message)s"
JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(process)d"


def _formatter(settings: Settings) -> logging.Formatter:
    if settings.log_format == "json":
        return JsonFormatter(
            JSON_FORMAT, rename_fields={"levelname": "level", "asctime": "timestamp"}
        )
    return logging.Formatter(TEXT_FORMAT)


class PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file (the current one and each new one after a rollover)
    only the instance's user may read."""

    def _open(self):  # type: ignore[no-untyped-def]
        private_file(Path(self.baseFilename))
        return super()._open()


def configure_logging(settings: Settings, *, console: bool = True) -> None:
    """Install console and rotating-file handlers on the root logger (idempotent).

    The log file lives in ``LOG_DIR``, by default ``<data dir>/logs`` (each instance its own),
    in a directory and files only the instance's user may read.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_athsys", False):
            root.removeHandler(handler)
            handler.close()
    handlers: list[logging.Handler] = []
    if console:
        handlers.append(logging.StreamHandler(sys.stderr))
    log_path = Path(settings.log_path)
    private_dir(log_path.parent)
    handlers.append(
        PrivateRotatingFileHandler(
            log_path,
            maxBytes=settings.log_max_bytes,
            backupCount=settings.log_backup_count,
            encoding="utf-8",
            delay=True,
        )
    )
    formatter = _formatter(settings)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(RequestIdFilter())
        handler.addFilter(RedactingFilter())
        handler._athsys = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(settings.log_level.upper())


class APILogger:
    """One line per request in, one per response out."""

    def __init__(self, name: str = "athsys.api") -> None:
        self.logger = logging.getLogger(name)

    def log_request(
        self, method: str, path: str, *, remote_addr: str | None, headers: Mapping[str, str]
    ) -> None:
        self.logger.info(
            "%s %s",
            method,
            path,
            extra={"http_method": method, "path": path, "remote_addr": remote_addr,
                   "headers": dict(headers)},
        )

    def log_response(self, method: str, path: str, status_code: int, duration_ms: float) -> None:
        level = logging.ERROR if status_code >= 500 else logging.INFO
        self.logger.log(
            level,
            "%s %s -> %d in %.1f ms",
            method,
            path,
            status_code,
            duration_ms,
            extra={"http_method": method, "path": path, "status_code": status_code,
                   "duration_ms": round(duration_ms, 3)},
        )


class AuditLogger:
    """Who did what to which record; the database AuditLog table is the record of truth."""

    def __init__(self, name: str = "athsys.audit") -> None:
        self.logger = logging.getLogger(name)

    def log_action(
        self,
        actor: str | None,
        action: str,
        entity: str,
        entity_id: object,
        changes: Mapping[str, Any] | None = None,
    ) -> None:
        self.logger.info(
            "%s %s %s/%s",
            actor or "system",
            action,
            entity,
            entity_id,
            extra={"audit": True, "actor": actor, "action": action, "entity": entity,
                   "entity_id": str(entity_id), "changes": dict(changes or {})},
        )
