"""Timing devices: decoders and photo-finish cameras of a competition, and the secret token
each authenticates with (stored only as a SHA-256 hash, shown once, rotatable, revocable)."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from athsys.accounts.actor import Actor
from athsys.accounts.roles import CHIEF_REGISTRAR
from athsys.audit.service import record, snapshot
from athsys.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    NotFoundError,
    ValidationError,
)
from athsys.timing.lookups import get_competition
from athsys.timing.models import DeviceKind, MatRole, TimingDevice, TimingPoint, TimingRead

TOKEN_PREFIX_LENGTH = 8


def hash_token(token: str) -> str:
    """SHA-256 hex of a device token: what we store and look tokens up by."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_prefix(token: str) -> str:
    """The first characters of a token, shown to recognise it (never enough to use it)."""
    return token[:TOKEN_PREFIX_LENGTH]


class DeviceUse(enum.Enum):
    """What a device's token is used for; each kind of device may do only its own part."""

    SEND_PASSINGS = "send passings"
    UPLOAD_LIF = "upload FinishLynx result files"
    READ_START_LISTS = "read start lists and heat results"


#: A decoder sends passings; a photo-finish camera reads start lists and uploads results.
DEVICE_USES: dict[DeviceKind, frozenset[DeviceUse]] = {
    DeviceKind.CHIP_DECODER: frozenset({DeviceUse.SEND_PASSINGS}),
    DeviceKind.PHOTO_FINISH: frozenset({DeviceUse.UPLOAD_LIF, DeviceUse.READ_START_LISTS}),
}


def check_device_use(device: TimingDevice, use: DeviceUse) -> None:
    """403 when the device's kind may not do ``use`` (a stolen decoder token uploads no
    results)."""
    if use not in DEVICE_USES[device.kind]:
        kind = device.kind.value.replace("_", " ")
        raise AuthorizationError(
            f"device {device.name!r} is a {kind}: a {kind}'s token may not {use.value}",
            details={"device_kind": device.kind.value},
        )


@dataclass(frozen=True)
class IssuedToken:
    """A device and its new token: the only moment the token is ever visible."""

    device: TimingDevice
    token: str


def device_as_dict(device: TimingDevice) -> dict[str, Any]:
    """What the API shows of a device (never the token or its hash)."""
    return {
        "id": device.id,
        "competition_id": device.competition_id,
        "timing_point_id": device.timing_point_id,
        "name": device.name,
        "kind": device.kind.value,
        "mat_role": device.mat_role.value,
        "token_prefix": device.token_prefix,
        "revoked_at": device.revoked_at.isoformat() if device.revoked_at else None,
        "last_seen_at": device.last_seen_at.isoformat() if device.last_seen_at else None,
    }


def _new_token() -> tuple[str, str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token), token_prefix(token)


def create_device(
    session: Session,
    actor: Actor,
    *,
    competition_id: int,
    name: str,
    kind: DeviceKind,
    timing_point_id: int | None = None,
    mat_role: MatRole = MatRole.PRIMARY,
) -> IssuedToken:
    """A new device of the competition and its token (stored only as a SHA-256 hash)."""
    actor.require_role(CHIEF_REGISTRAR)
    get_competition(session, competition_id)
    device = TimingDevice(competition_id=competition_id, timing_point_id=timing_point_id,
                          name=name, kind=kind, mat_role=mat_role)
    return IssuedToken(device, _register(session, actor, device))


def register_device(session: Session, actor: Actor, device: TimingDevice) -> str:
    """A device a form filled in (its competition set): stored with a new token, returned once."""
    actor.require_role(CHIEF_REGISTRAR)
    if device.competition is None:
        raise ValidationError("competition: choose the device's competition",
                              details={"competition": "required"})
    device.competition_id = device.competition.id
    if device.timing_point is not None:
        device.timing_point_id = device.timing_point.id
    return _register(session, actor, device)


def _register(session: Session, actor: Actor, device: TimingDevice) -> str:
    competition_id, timing_point_id = device.competition_id, device.timing_point_id
    if timing_point_id is not None:
        point = session.get(TimingPoint, timing_point_id)
        if point is None or point.competition_id != competition_id:
            raise ValidationError(
                f"timing_point_id {timing_point_id} is not a timing point of competition "
                f"{competition_id}",
                details={"field": "timing_point_id"},
            )
    if session.scalar(select(TimingDevice.id).where(
            TimingDevice.competition_id == competition_id, TimingDevice.name == device.name)):
        raise ConflictError(
            f"competition {competition_id} already has a device named {device.name!r}",
            details={"field": "name"},
        )
    token, device.token_hash, device.token_prefix = _new_token()
    session.add(device)
    session.flush()
    record(session, actor, "create", "timing_device", device.id, _device_audit(device))
    return token


def _device_audit(device: TimingDevice) -> dict[str, Any]:
    values = snapshot(device)
    values.pop("token_hash", None)
    return values


def get_device(session: Session, device_id: int) -> TimingDevice:
    device = session.get(TimingDevice, device_id)
    if device is None:
        raise NotFoundError(f"timing device {device_id} does not exist")
    return device


def list_devices(session: Session, competition_id: int | None = None) -> list[TimingDevice]:
    query = select(TimingDevice).order_by(TimingDevice.id)
    if competition_id is not None:
        query = query.where(TimingDevice.competition_id == competition_id)
    return list(session.scalars(query))


def update_device(
    session: Session,
    actor: Actor,
    device_id: int,
    *,
    name: str | None = None,
    timing_point_id: int | None = None,
    mat_role: MatRole | None = None,
) -> TimingDevice:
    actor.require_role(CHIEF_REGISTRAR)
    device = get_device(session, device_id)
    before = _device_audit(device)
    if name is not None:
        device.name = name
    if timing_point_id is not None:
        point = session.get(TimingPoint, timing_point_id)
        if point is None or point.competition_id != device.competition_id:
            raise ValidationError(
                f"timing_point_id {timing_point_id} is not a timing point of the device's "
                "competition",
                details={"field": "timing_point_id"},
            )
        device.timing_point_id = timing_point_id
    if mat_role is not None:
        device.mat_role = mat_role
    session.flush()
    after = _device_audit(device)
    record(session, actor, "update", "timing_device", device.id,
           {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]
            and k != "updated_at"})
    return device


def rotate_device_token(session: Session, actor: Actor, device_id: int) -> IssuedToken:
    """A new token for the device; the old one stops working at commit. Un-revokes it."""
    actor.require_role(CHIEF_REGISTRAR)
    device = get_device(session, device_id)
    token, digest, prefix = _new_token()
    device.token_hash, device.token_prefix, device.revoked_at = digest, prefix, None
    session.flush()
    record(session, actor, "rotate_token", "timing_device", device.id,
           {"token_prefix": prefix})
    return IssuedToken(device, token)


def revoke_device(session: Session, actor: Actor, device_id: int) -> TimingDevice:
    actor.require_role(CHIEF_REGISTRAR)
    device = get_device(session, device_id)
    _revoke(session, actor, device)
    return device


def revoke_devices(session: Session, actor: Actor, devices: Sequence[TimingDevice]) -> int:
    """Revoke the tokens of ``devices``; how many were not revoked already."""
    actor.require_role(CHIEF_REGISTRAR)
    return sum(_revoke(session, actor, device) for device in devices)


def _revoke(session: Session, actor: Actor, device: TimingDevice) -> bool:
    if device.revoked_at is not None:
        return False
    device.revoked_at = datetime.now(UTC)
    session.flush()
    record(session, actor, "revoke", "timing_device", device.id,
           {"revoked_at": device.revoked_at.isoformat()})
    return True


def delete_device(session: Session, actor: Actor, device_id: int) -> None:
    """Remove a device that never sent anything (one with reads is revoked instead)."""
    actor.require_role(CHIEF_REGISTRAR)
    device = get_device(session, device_id)
    if session.scalar(select(TimingRead.id).where(TimingRead.device_id == device_id).limit(1)):
        raise ConflictError(
            f"timing device {device_id} has stored reads; revoke it instead of deleting it"
        )
    record(session, actor, "delete", "timing_device", device.id, _device_audit(device))
    session.delete(device)
    session.flush()


def authenticate_device(session: Session, token: str) -> TimingDevice:
    """The device holding ``token``; AuthenticationError for an unknown or revoked token.
    Its competition comes in the same query: what a device sends is read in its
    competition's days and time zone, and the session then has it."""
    if not token:
        raise AuthenticationError("a device token is required (Authorization: Bearer <token>)")
    device = session.scalar(
        select(TimingDevice).options(joinedload(TimingDevice.competition))
        .where(TimingDevice.token_hash == hash_token(token))
    )
    if device is None:
        raise AuthenticationError("unknown device token")
    if device.revoked_at is not None:
        raise AuthenticationError(f"the token of device {device.name!r} has been revoked")
    return device


def device_actor(device: TimingDevice) -> Actor:
    """Who writes on a device's behalf in the audit trail."""
    return Actor(user_id=None, username=f"device:{device.id}:{device.name}"[:128])


def check_device_competition(device: TimingDevice, competition_id: int | None) -> None:
    """A device may only deliver data for its own competition."""
    if competition_id is not None and competition_id != device.competition_id:
        raise AuthenticationError(
            f"device {device.name!r} belongs to competition {device.competition_id}, "
            f"not to competition {competition_id}",
            details={"field": "competition_id"},
        )
