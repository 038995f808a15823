"""Fixtures of the admin tests: roles synced, one user per role, a small meet, signed-in clients.

The admin writes through the application's own session and commits, so the data here is
committed; each module builds its own meet with unique names and never truncates tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from athsys.accounts.models import UserProfile
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    LaneAssignment,
    Round,
    RoundKind,
)
from athsys.results.models import Result
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from tests.integration.admin.admin_support import PASSWORD, USERNAMES, Meet, login
from webui.security import roles
from webui.security.sync import sync_roles


@pytest.fixture(scope="module")
def admin_app(app: Flask) -> Flask:
    with app.app_context():
        sync_roles(app.appbuilder)  # type: ignore[attr-defined]
    return app


@pytest.fixture(scope="module")
def meet(admin_app: Flask) -> Meet:
    with admin_app.app_context():
        session = admin_app.appbuilder.session  # type: ignore[attr-defined]
        tag = uuid.uuid4().hex[:6].upper()
        club = Club(name=f"Coach Club {tag}", code=f"CC{tag}", country="FRA")
        other = Club(name=f"Other Club {tag}", code=f"OC{tag}", country="GER")
        athlete = Athlete(first_name="Ana", last_name=f"Own{tag}", sex=Sex.FEMALE, club=club,
                          birth_date=date(2001, 5, 17), licence=f"L{tag}A")
        rival = Athlete(first_name="Bea", last_name=f"Rival{tag}", sex=Sex.FEMALE, club=other,
                        birth_date=date(1999, 1, 2), licence=f"L{tag}B")
        competition = Competition(name=f"Test Meet {tag}", venue="Stadium",
                                  start_date=date(2025, 6, 1), end_date=date(2025, 6, 2))
        events = {}
        for code in ("100m", "LJ", "HJ", "10K"):
            found = discipline(code)
            events[code] = Event(competition=competition, discipline_code=code, name=found.name,
                                 sex=Sex.FEMALE, kind=found.kind)
        heats = {}
        for code in ("100m", "LJ"):
            rnd = Round(event=events[code], kind=RoundKind.FINAL, ordinal=1)
            heats[code] = Heat(round=rnd, number=1,
                               scheduled_start=datetime(2025, 6, 1, 18, tzinfo=UTC))
        session.add_all([club, other, athlete, rival, competition, *events.values(),
                         *heats.values()])
        session.flush()
        entry = Entry(event=events["100m"], competition_id=competition.id, athlete=athlete,
                      bib=f"{tag}1", seed_mark=11500)
        other_entry = Entry(event=events["100m"], competition_id=competition.id, athlete=rival,
                            bib=f"{tag}2")
        session.add_all([entry, other_entry])
        session.flush()
        session.add(LaneAssignment(heat=heats["100m"], entry=entry, lane=4, position=1))
        result = Result(heat=heats["100m"], entry=entry, mark=11430, status=ResultStatus.OK,
                        place=1, wind=12)
        session.add(result)
        session.commit()
        _ensure_users(admin_app, club.id, athlete.id)
        return Meet(tag, club.id, other.id, athlete.id, rival.id, competition.id,
                    events["100m"].id, events["LJ"].id, events["HJ"].id, events["10K"].id,
                    heats["100m"].id, heats["LJ"].id, entry.id, other_entry.id, result.id)


def _ensure_users(app: Flask, club_id: int, athlete_id: int) -> None:
    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    session = app.appbuilder.session  # type: ignore[attr-defined]
    for role_name, username in USERNAMES.items():
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(username, "Test", role_name, f"{username}@example.org",
                               sm.find_role(role_name), password=PASSWORD)
            assert user, f"could not create {username}"
        profile = session.get(UserProfile, user.id) or UserProfile(user_id=user.id)
        profile.club_id = club_id if role_name == roles.COACH else None
        profile.athlete_id = athlete_id if role_name == roles.ATHLETE else None
        session.add(profile)
    session.commit()


@pytest.fixture()
def signed_in(admin_app: Flask, meet: Meet) -> Iterator[Callable[[str], FlaskClient]]:
    """``signed_in(role)``: a fresh client signed in as that role's user."""
    def make(role_name: str) -> FlaskClient:
        client = admin_app.test_client()
        login(client, USERNAMES[role_name])
        return client
    yield make
