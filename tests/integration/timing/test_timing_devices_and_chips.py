"""Devices registered from the admin form, revoked in bulk; chips handed out and released."""

from datetime import date

import pytest
from sqlalchemy import select

from athsys.accounts import roles
from athsys.accounts.actor import Actor
from athsys.athletes.models import Athlete, Club
from athsys.audit.models import AuditLog
from athsys.competitions.models import Competition, Entry, Event
from athsys.errors import (
    AuthenticationError,
    AuthorizationError,
    ConflictError,
    ValidationError,
)
from athsys.sport.disciplines import discipline
from athsys.sport.sex import Sex
from athsys.timing import chips, devices
from athsys.timing.devices import hash_token, token_prefix
from athsys.timing.models import ChipAssignment, DeviceKind, TimingDevice, TimingPoint

pytestmark = pytest.mark.integration

CHIEF = Actor(user_id=None, username="chief", roles=frozenset({roles.CHIEF_REGISTRAR}))
STARTER = Actor(user_id=None, username="starter", roles=frozenset({roles.STARTER}))


@pytest.fixture()
def meet(db_session):
    competition = Competition(name="Chip meet", venue="Bergen", start_date=date(2026, 5, 1),
                              end_date=date(2026, 5, 1))
    other = Competition(name="Other meet", venue="Oslo", start_date=date(2026, 5, 1),
                        end_date=date(2026, 5, 1))
    event = Event(competition=competition, discipline_code="10K", sex=Sex.FEMALE,
                  name="10 km", kind=discipline("10K").kind)
    athlete = Athlete(first_name="Ada", last_name="Road", sex=Sex.FEMALE,
                      club=Club(name="Road club", code="RC", country="NOR"))
    foreign_point = TimingPoint(competition=other, name="Finish", distance_m=10000,
                                is_finish=True)
    db_session.add_all([competition, other, event, athlete, foreign_point])
    db_session.flush()
    entry = Entry(event=event, competition_id=competition.id, athlete=athlete, bib="11")
    db_session.add(entry)
    db_session.flush()
    return competition, entry, foreign_point


def test_a_registered_device_gets_a_token_stored_only_as_its_hash(db_session, meet):
    competition, _, _ = meet
    device = TimingDevice(competition=competition, name="Finish mat",
                          kind=DeviceKind.CHIP_DECODER)
    token = devices.register_device(db_session, CHIEF, device)
    assert device.id is not None and device.competition_id == competition.id
    assert (device.token_hash, device.token_prefix) == (hash_token(token), token_prefix(token))
    assert devices.authenticate_device(db_session, token).id == device.id
    audit = db_session.scalar(select(AuditLog).where(
        AuditLog.entity == "timing_device", AuditLog.entity_id == str(device.id)))
    assert audit.action == "create" and "token_hash" not in audit.changes
    assert token not in str(audit.changes)


def test_a_device_is_refused_a_duplicate_name_or_another_meets_point(db_session, meet):
    competition, _, foreign_point = meet
    devices.register_device(db_session, CHIEF, TimingDevice(
        competition=competition, name="Camera", kind=DeviceKind.PHOTO_FINISH))
    with pytest.raises(ConflictError):
        devices.register_device(db_session, CHIEF, TimingDevice(
            competition=competition, name="Camera", kind=DeviceKind.PHOTO_FINISH))
    with pytest.raises(ValidationError):
        devices.register_device(db_session, CHIEF, TimingDevice(
            competition=competition, name="Mat", kind=DeviceKind.CHIP_DECODER,
            timing_point=foreign_point))


def test_only_the_device_managers_register_and_revoke(db_session, meet):
    competition, _, _ = meet
    device = TimingDevice(competition=competition, name="Mat", kind=DeviceKind.CHIP_DECODER)
    with pytest.raises(AuthorizationError):
        devices.register_device(db_session, STARTER, device)
    with pytest.raises(AuthorizationError):
        devices.revoke_devices(db_session, STARTER, [])


def test_revoking_counts_only_devices_not_revoked_yet(db_session, meet):
    competition, _, _ = meet
    found = []
    for name in ("A", "B"):
        device = TimingDevice(competition=competition, name=name, kind=DeviceKind.CHIP_DECODER)
        token = devices.register_device(db_session, CHIEF, device)
        found.append((device, token))
    (first, first_token), (second, _) = found
    assert devices.revoke_devices(db_session, CHIEF, [first]) == 1
    assert devices.revoke_devices(db_session, CHIEF, [first, second]) == 1
    assert first.revoked_at is not None and second.revoked_at is not None
    with pytest.raises(AuthenticationError, match="revoked"):
        devices.authenticate_device(db_session, first_token)


def test_a_chip_goes_to_its_entrys_competition_and_is_released_once(db_session, meet):
    competition, entry, _ = meet
    assignment = chips.assign_chip(db_session, CHIEF, ChipAssignment(entry=entry, chip=" C77 "))
    assert (assignment.chip, assignment.competition_id) == ("C77", competition.id)
    assert chips.release_chips(db_session, CHIEF, [assignment]) == 1
    assert assignment.valid_until is not None
    assert chips.release_chips(db_session, CHIEF, [assignment]) == 0
    with pytest.raises(ValidationError):
        chips.assign_chip(db_session, CHIEF, ChipAssignment(chip="C78"))
