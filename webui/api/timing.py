"""The timing API: devices post passings and photo-finish files; officials manage devices,
export start lists and correct timing.

Device endpoints authenticate with the device's own token (``Authorization: Bearer …``),
accepted only for the device's competition. The whole payload is validated before anything
is stored (400 naming line and field); reads are durable when the device hears 202.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, Final, TypeVar, cast

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy.orm import Session

from athsys import metrics
from athsys.accounts.actor import Actor
from athsys.config import Settings
from athsys.errors import AuthenticationError, PayloadTooLargeError, ValidationError
from athsys.inputs import (
    InputError,
    check_integer,
    check_text,
    integer_problem,
    moment_problem,
)
from athsys.timing import batches, corrections, devices, exports, lif_import, lookups
from athsys.timing import service as timing_service
from athsys.timing.models import DeviceKind, MatRole, TimingDevice
from webui.api import openapi
from webui.api.auth import current_actor
from webui.api.envelope import json_body, success
from webui.api.resources import require_permission
from webui.security import roles

blueprint = Blueprint("timing_api", __name__, url_prefix="/api/timing")

F = TypeVar("F", bound=Callable[..., Any])

#: What a signed-in official needs, by what the endpoint does (the role matrix grants it).
RECORD_RESULTS: Final = (roles.CAN_ADD, roles.RESULTS)  # photo-finish files, exports, batches
CORRECT_TIMING: Final = (roles.START_HEAT, roles.HEATS)  # gun times, chips
LIST_DEVICES: Final = (roles.CAN_LIST, roles.TIMING_DEVICES)
SHOW_DEVICE: Final = (roles.CAN_SHOW, roles.TIMING_DEVICES)
ADD_DEVICE: Final = (roles.CAN_ADD, roles.TIMING_DEVICES)
EDIT_DEVICE: Final = (roles.CAN_EDIT, roles.TIMING_DEVICES)  # also a new token
DELETE_DEVICE: Final = (roles.CAN_DELETE, roles.TIMING_DEVICES)
REVOKE_DEVICE: Final = (roles.REVOKE_DEVICE, roles.TIMING_DEVICES)


def _session() -> Session:
    return cast(Session, current_app.appbuilder.session)  # type: ignore[attr-defined]


def _settings() -> Settings:
    return cast(Settings, current_app.config["ATHSYS_SETTINGS"])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):].strip() if header.startswith("Bearer ") else None


def _is_jwt(token: str) -> bool:
    return token.count(".") == 2


def _device(use: devices.DeviceUse) -> TimingDevice:
    """The device of the request's token; 401 without one, for a wrong or revoked one; 403
    when its kind may not do ``use``."""
    if "timing_device" not in g:
        token = _bearer()
        if token is None:
            raise AuthenticationError(
                "a device token is required (Authorization: Bearer <token>)"
            )
        g.timing_device = devices.authenticate_device(_session(), token)
        devices.check_device_competition(g.timing_device, _optional_int("competition_id"))
    devices.check_device_use(g.timing_device, use)
    return cast(TimingDevice, g.timing_device)


def _device_or_user(use: devices.DeviceUse,
                    permission: tuple[str, str]) -> tuple[TimingDevice | None, Actor]:
    """A device token allowed ``use``, or a JWT/session of a user whose roles grant
    ``permission``."""
    token = _bearer()
    if token is not None and not _is_jwt(token):
        device = _device(use)
        return device, devices.device_actor(device)
    if current_actor() is None:
        raise AuthenticationError("a device token or a signed-in user is required")
    return None, require_permission(*permission)


def permitted(permission: tuple[str, str]) -> Callable[[F], F]:
    """Only signed-in users whose roles grant ``permission`` may call the endpoint."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            require_permission(*permission)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def _optional_int(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return check_integer(int(raw), f"query parameter {name}")
    except InputError as exc:
        raise ValidationError(str(exc), details={"field": name}) from None
    except ValueError:
        raise ValidationError(f"query parameter {name} must be a whole number, not {raw!r}",
                              details={"field": name}) from None


def _body(limit: int) -> bytes:
    """The raw body, refused with 413 above ``limit`` bytes before it is read."""
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLargeError(
            f"the body has {request.content_length} bytes; the limit is {limit} bytes",
            details={"limit": limit, "size": request.content_length},
        )
    request.max_content_length = limit
    data = request.get_data(cache=False)
    if not data:
        raise ValidationError("the body is empty", details={"field": "body"})
    return data


def _upload(limit: int) -> tuple[bytes, str | None]:
    """A file from a multipart form (field ``file``) or the raw body, and its name."""
    if request.mimetype == "multipart/form-data":
        if request.content_length is not None and request.content_length > limit:
            raise PayloadTooLargeError(
                f"the upload has {request.content_length} bytes; the limit is {limit} bytes",
                details={"limit": limit, "size": request.content_length},
            )
        request.max_content_length = limit
        upload = request.files.get("file")
        if upload is None:
            raise ValidationError("the form has no 'file' field", details={"field": "file"})
        try:
            check_text(upload.filename or "", "file name")
        except InputError as exc:
            raise ValidationError(f"the uploaded {exc}", details={"field": "file"}) from None
        data = upload.read()
        if not data:
            raise ValidationError("the uploaded file is empty", details={"field": "file"})
        return data, upload.filename
    return _body(limit), request.args.get("filename")


def _text(body: str, filename: str) -> Response:
    response = Response(body, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# -- device data ------------------------------------------------------------------------------


def _bad_reads(exc: ValidationError) -> int:
    """How many reads a refused payload had wrong (at least one: the payload itself)."""
    found = exc.details.get("errors") if isinstance(exc.details, dict) else exc.details
    return max(1, len(found) if isinstance(found, list) else 0)


@blueprint.post("/passings")
def post_passings() -> Response:
    """A batch of passings: JSON, or a decoder's native lines (RACE RESULT, MYLAPS,
    ChronoTrack, IPICO); ``?format=`` overrides detection. 202 with the counts."""
    device = _device(devices.DeviceUse.SEND_PASSINGS)
    settings = _settings()
    body = _body(settings.ingest_max_body_bytes)
    session = _session()
    try:
        receipt = timing_service.receive_passings(
            session, device, body, max_lines=settings.ingest_max_batch,
            fmt=request.args.get("format") or None,
        )
        session.commit()
    except ValidationError as exc:
        session.rollback()
        metrics.record_ingest_reads(rejected=_bad_reads(exc))
        raise
    except Exception:
        session.rollback()
        raise
    if receipt.replay:  # the same payload again: every read of it is a duplicate
        metrics.record_ingest_reads(duplicate=receipt.accepted + receipt.duplicate)
    else:
        metrics.record_ingest_reads(accepted=receipt.accepted, duplicate=receipt.duplicate)
    return success(receipt.as_dict(), status=200 if receipt.replay else 202)


@blueprint.get("/batches/<int:batch_id>")
def get_batch(batch_id: int) -> Response:
    device, _ = _device_or_user(devices.DeviceUse.SEND_PASSINGS, RECORD_RESULTS)
    batch = batches.batch_status(_session(), batch_id)
    if device is not None and batch.device_id != device.id:
        raise AuthenticationError("this batch was sent by another device")
    return success({
        "id": batch.id, "device_id": batch.device_id, "status": batch.status.value,
        "read_count": batch.read_count, "accepted": batch.accepted,
        "duplicate": batch.duplicate, "results_changed": batch.results_changed,
        "attempts": batch.attempts, "error": batch.error,
        "received_at": batch.received_at.isoformat(),
        "processed_at": batch.processed_at.isoformat() if batch.processed_at else None,
        "processed_with": batch.processed_with,
    })


@blueprint.post("/lif")
def post_lif() -> Response:
    """A FinishLynx ``.lif`` file (raw body with ``?filename=``, or a multipart ``file``),
    from the photo-finish device or an official who records results (``?competition_id=``)."""
    device, actor = _device_or_user(devices.DeviceUse.UPLOAD_LIF, RECORD_RESULTS)
    competition_id = device.competition_id if device else _optional_int("competition_id")
    if competition_id is None:
        raise ValidationError("query parameter competition_id is required",
                              details={"field": "competition_id"})
    body, filename = _upload(_settings().ingest_max_body_bytes)
    session = _session()
    try:
        outcome = lif_import.import_lif(
            session, actor, competition_id, body,
            path=filename or f"upload:{request.content_length or len(body)}",
            heat_id=_optional_int("heat_id"),
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return success(outcome.as_dict(), status=200 if outcome.already_imported else 201)


# -- exports ----------------------------------------------------------------------------------


def _export_access(competition_id: int | None = None, heat_id: int | None = None) -> None:
    device, _ = _device_or_user(devices.DeviceUse.READ_START_LISTS, RECORD_RESULTS)
    if device is None:
        return
    if heat_id is not None:
        _, competition_id = lookups.heat_with_competition(_session(), heat_id)
    if competition_id != device.competition_id:
        raise AuthenticationError(
            f"device {device.name!r} belongs to competition {device.competition_id}, "
            f"not to competition {competition_id}"
        )


@blueprint.get("/heats/<int:heat_id>/lynx.evt")
def heat_evt(heat_id: int) -> Response:
    _export_access(heat_id=heat_id)
    return _text(exports.export_evt(_session(), heat_id=heat_id), "lynx.evt")


@blueprint.get("/heats/<int:heat_id>/lynx.ppl")
def heat_ppl(heat_id: int) -> Response:
    _export_access(heat_id=heat_id)
    return _text(exports.export_ppl(_session(), heat_id=heat_id), "lynx.ppl")


@blueprint.get("/heats/<int:heat_id>/results.csv")
def heat_results(heat_id: int) -> Response:
    _export_access(heat_id=heat_id)
    response = _text(exports.export_results_csv(_session(), heat_id), f"heat-{heat_id}.csv")
    response.mimetype = "text/csv"
    return response


@blueprint.get("/competitions/<int:competition_id>/lynx.evt")
def competition_evt(competition_id: int) -> Response:
    _export_access(competition_id=competition_id)
    return _text(exports.export_evt(_session(), competition_id=competition_id), "lynx.evt")


@blueprint.get("/competitions/<int:competition_id>/lynx.ppl")
def competition_ppl(competition_id: int) -> Response:
    _export_access(competition_id=competition_id)
    return _text(exports.export_ppl(_session(), competition_id=competition_id), "lynx.ppl")


@blueprint.get("/competitions/<int:competition_id>/lynx.sch")
def competition_sch(competition_id: int) -> Response:
    _export_access(competition_id=competition_id)
    return _text(exports.export_sch(_session(), competition_id), "lynx.sch")


@blueprint.get("/competitions/<int:competition_id>/unknown-chips")
@permitted(CORRECT_TIMING)
def competition_unknown_chips(competition_id: int) -> Response:
    chips = timing_service.unknown_chips(_session(), competition_id)
    return success([
        {"chip": c.chip, "reads": c.reads, "first_read_at": c.first_read_at.isoformat(),
         "last_read_at": c.last_read_at.isoformat()}
        for c in chips
    ])


# -- corrections ------------------------------------------------------------------------------


def _commit_outcome(action: Callable[[Session, Actor], Any]) -> Any:
    session = _session()
    actor = current_actor()
    assert actor is not None  # nosec B101 # invariant for the type checker, not a check of input
    try:
        value = action(session, actor)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return value


def _datetime_field(body: dict[str, Any], name: str) -> datetime:
    raw = body.get(name)
    if not isinstance(raw, str):
        raise ValidationError(f"{name} is required (ISO 8601 with offset)", details={"field": name})
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValidationError(f"{name} {raw!r} is not an ISO 8601 date and time",
                              details={"field": name}) from None
    if value.tzinfo is None:
        raise ValidationError(f"{name} needs a UTC offset", details={"field": name})
    if problem := moment_problem(value):
        raise ValidationError(f"{name} {raw!r}: {problem}", details={"field": name})
    return value


def _int_field(body: dict[str, Any], name: str, *, required: bool = True) -> int | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(f"{name} must be a whole number", details={"field": name})
    if problem := integer_problem(value):
        raise ValidationError(f"{name} {problem}", details={"field": name})
    return value


@blueprint.post("/heats/<int:heat_id>/gun")
@permitted(CORRECT_TIMING)
def set_gun(heat_id: int) -> Response:
    """Set or shift a heat's gun time; its chip results are recomputed from raw reads."""
    body = json_body()
    gun_time = _datetime_field(body, "gun_time")
    window = _settings().timing_duplicate_window_ms
    outcome = _commit_outcome(
        lambda s, a: corrections.shift_gun_time(s, a, heat_id, gun_time, window_ms=window)
    )
    return success(outcome.as_dict())


@blueprint.post("/competitions/<int:competition_id>/chips/reassign")
@permitted(CORRECT_TIMING)
def reassign_chip(competition_id: int) -> Response:
    """Give a chip to another entry; both wearers' results are recomputed from raw reads."""
    body = json_body()
    chip = body.get("chip")
    if not isinstance(chip, str) or not chip.strip() or len(chip) > 32:
        raise ValidationError("chip must be a non-empty string of at most 32 characters",
                              details={"field": "chip"})
    entry_id = cast(int, _int_field(body, "entry_id"))
    valid_from = _datetime_field(body, "valid_from") if body.get("valid_from") else None
    window = _settings().timing_duplicate_window_ms
    outcome = _commit_outcome(lambda s, a: corrections.reassign_chip(
        s, a, competition_id=competition_id, chip=chip.strip(), entry_id=entry_id,
        valid_from=valid_from, window_ms=window))
    return success(outcome.as_dict())


# -- devices (admin) --------------------------------------------------------------------------


def _enum_field(body: dict[str, Any], name: str, enum_cls: Any, default: Any = None) -> Any:
    raw = body.get(name)
    if raw is None:
        if default is None:
            raise ValidationError(f"{name} is required", details={"field": name})
        return default
    try:
        return enum_cls(raw)
    except ValueError:
        choices = ", ".join(m.value for m in enum_cls)
        raise ValidationError(f"{name} {raw!r} is not one of {choices}",
                              details={"field": name}) from None


def _name_field(body: dict[str, Any], *, required: bool) -> str | None:
    name = body.get("name")
    if name is None and not required:
        return None
    if not isinstance(name, str) or not name.strip() or len(name) > 80:
        raise ValidationError("name must be a non-empty string of at most 80 characters",
                              details={"field": "name"})
    return name.strip()


@blueprint.get("/devices")
@permitted(LIST_DEVICES)
def list_devices() -> Response:
    found = devices.list_devices(_session(), _optional_int("competition_id"))
    return success([devices.device_as_dict(d) for d in found])


@blueprint.post("/devices")
@permitted(ADD_DEVICE)
def create_device() -> Response:
    """A new device; the token is in this response only."""
    body = json_body()
    name = cast(str, _name_field(body, required=True))
    competition_id = cast(int, _int_field(body, "competition_id"))
    kind = _enum_field(body, "kind", DeviceKind)
    mat_role = _enum_field(body, "mat_role", MatRole, MatRole.PRIMARY)
    point = _int_field(body, "timing_point_id", required=False)
    issued = _commit_outcome(lambda s, a: devices.create_device(
        s, a, competition_id=competition_id, name=name, kind=kind,
        timing_point_id=point, mat_role=mat_role))
    return success({**devices.device_as_dict(issued.device), "token": issued.token}, status=201)


@blueprint.get("/devices/<int:device_id>")
@permitted(SHOW_DEVICE)
def get_device(device_id: int) -> Response:
    return success(devices.device_as_dict(devices.get_device(_session(), device_id)))


@blueprint.patch("/devices/<int:device_id>")
@permitted(EDIT_DEVICE)
def update_device(device_id: int) -> Response:
    body = json_body()
    unknown = sorted(set(body) - {"name", "timing_point_id", "mat_role"})
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}",
                              details={"fields": unknown})
    name = _name_field(body, required=False)
    point = _int_field(body, "timing_point_id", required=False)
    mat_role = _enum_field(body, "mat_role", MatRole, False) if "mat_role" in body else None
    device = _commit_outcome(lambda s, a: devices.update_device(
        s, a, device_id, name=name, timing_point_id=point, mat_role=mat_role or None))
    return success(devices.device_as_dict(device))


@blueprint.delete("/devices/<int:device_id>")
@permitted(DELETE_DEVICE)
def delete_device(device_id: int) -> Response:
    _commit_outcome(lambda s, a: devices.delete_device(s, a, device_id))
    return success({"deleted": device_id})


@blueprint.post("/devices/<int:device_id>/rotate")
@permitted(EDIT_DEVICE)
def rotate_device(device_id: int) -> Response:
    """A new token (shown once); the old one stops working."""
    issued = _commit_outcome(lambda s, a: devices.rotate_device_token(s, a, device_id))
    return success({**devices.device_as_dict(issued.device), "token": issued.token})


@blueprint.post("/devices/<int:device_id>/revoke")
@permitted(REVOKE_DEVICE)
def revoke_device(device_id: int) -> Response:
    device = _commit_outcome(lambda s, a: devices.revoke_device(s, a, device_id))
    return success(devices.device_as_dict(device))


# -- the device API in the OpenAPI document, with the payloads devices send ------------------
openapi.describe(
    "timing_api.post_passings", summary="A batch of passings from a timing device",
    description="JSON (a list of reads), or the decoder's own lines: RACE RESULT, MYLAPS, "
                "ChronoTrack, IPICO (detected from the first line; `?format=` overrides). "
                "Every read is stored once (a resent payload answers 200 with the same "
                "counts); one bad line refuses the whole batch, naming each line and field.",
    tag="timing", security="device", status=202, also=(200,),
    request_examples={
        "application/json": {"JSON reads": [
            {"read_id": "F1-000123", "chip": "058812", "timing_point": "finish",
             "timestamp": "2024-10-13T09:47:12.347+02:00", "hits": 12, "rssi": -61,
             "antenna": 2},
            {"read_id": "F1-000124", "bib": "1402", "timing_point": "finish",
             "timestamp": "2024-10-13T09:47:13.010"},
            {"read_id": "G-1", "is_gun": True, "timing_point": "start",
             "timestamp": "2024-10-13T08:00:00.000+02:00"}]},
        "text/plain": {
            "RACE RESULT": "1;NHHAK17;2024-10-13;09:47:12.347;0;1A;5F;0;0;1;;0;0;0;0;0;"
                           "FinishBox;3;2;T-12345",
            "MYLAPS": "10KM@Passing@t=13:11:30.904|c=0000041|ct=UH|d=120606|l=13|dv=4|re=0|"
                      "an=00001111|g=0|b=41|n=41@1016@$",
            "ChronoTrack": "CT01_33~4~start~guntime~07:45:01.01~0~DF239A~0\n"
                           "CT01_13~24~START~50101~07:45:03.90~1~117F37~8",
            "IPICO": "aa400000000123450a2a01123018455927a7"},
    })
openapi.describe(
    "timing_api.post_lif", summary="A FinishLynx .lif result file",
    description="From the photo-finish camera (its device token) or an official who records "
                "results (`?competition_id=`); raw body with `?filename=`, or a multipart "
                "`file`. A lynx.evt start list sent here is refused as one.",
    tag="timing", security="device", status=201, also=(200,), errors=(404,),
    request_examples={"text/plain": {"100 m final": (
        "7,1,1,\"Men's 100m, Final\",+1.2,m/s,,,,100,21:00:00.0000\n"
        "1,201,4,Fast,One,Timing Club,10.43,,0.000,0.145\n"
        "2,202,5,Quick,Two,Timing Club,10.44,,0.003,0.151\n"
        "DNF,204,6,Slow,Three,Timing Club,DNF,,,")}})
