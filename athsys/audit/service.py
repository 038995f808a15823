"""Writing the audit trail, in the same transaction as the change it describes."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from typing import Any, Protocol

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from athsys.audit.models import AuditLog
from athsys.logging import AuditLogger, redact_value, request_id_var

_audit_log = AuditLogger()


class Acting(Protocol):
    """Who did it, as the audit row names them: an :class:`athsys.accounts.actor.Actor`.

    A protocol, not that class, because accounts audit their own changes: the audit trail
    sits below them and imports nothing of theirs.
    """

    @property
    def user_id(self) -> int | None: ...

    @property
    def username(self) -> str: ...


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def snapshot(obj: object) -> dict[str, Any]:
    """The column values of a mapped object, as JSON-friendly values."""
    mapper = inspect(obj).mapper
    return {attr.key: _plain(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Only the fields that changed, as ``{field: {"before": ..., "after": ...}}``."""
    keys = set(before) | set(after)
    return {
        k: {"before": before.get(k), "after": after.get(k)}
        for k in sorted(keys)
        if before.get(k) != after.get(k) and k not in ("updated_at", "created_at")
    }


def record(
    session: Session,
    actor: Acting,
    action: str,
    entity: str,
    entity_id: object,
    changes: Mapping[str, Any] | None = None,
) -> AuditLog:
    """Add an audit row (committed with the caller's transaction) and log the action."""
    safe_changes = {k: redact_value(k, v) for k, v in (changes or {}).items()}
    row = AuditLog(
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        changes=safe_changes,
        request_id=request_id_var.get(),
    )
    session.add(row)
    _audit_log.log_action(actor.username, action, entity, entity_id, safe_changes)
    return row


def audited_add(session: Session, actor: Acting, obj: Any) -> Any:
    """Add a row and audit its creation (its id is known after the flush)."""
    session.add(obj)
    session.flush()
    record(session, actor, "create", type(obj).__name__, obj.id, snapshot(obj))
    return obj


def audited_update(
    session: Session, actor: Acting, obj: Any, before: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """Flush the changes made to ``obj``, audit what differs from ``before`` and return it."""
    session.flush()
    changes = diff(before, snapshot(obj))
    if changes:
        record(session, actor, "update", type(obj).__name__, obj.id, changes)
    return changes


def audited_delete(session: Session, actor: Acting, obj: Any) -> None:
    """Delete a row, keeping what it held in the audit trail."""
    before = snapshot(obj)
    session.delete(obj)
    session.flush()
    record(session, actor, "delete", type(obj).__name__, before["id"], before)
