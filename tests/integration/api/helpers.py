"""The seed's API test helpers: ``BaseAPITest`` assertions and ``TestDataFactory``."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from flask_jwt_extended import create_access_token, create_refresh_token

from athsys.accounts.models import UserProfile
from athsys.athletes.models import Athlete, Club
from athsys.competitions.models import (
    Competition,
    CompetitionStatus,
    Entry,
    Event,
    Heat,
    Round,
    RoundKind,
)
from athsys.results.models import Attempt, AttemptOutcome, Result
from athsys.sport.disciplines import discipline
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex

DEFAULT_PASSWORD = "correct-horse-battery"


class BaseAPITest:
    """Assertions on the envelope every answer of the API has."""

    @staticmethod
    def assert_success(response: Any, status: int = 200) -> Any:
        body = response.get_json()
        assert response.status_code == status, (response.status_code, body)
        assert body["success"] is True, body
        assert "data" in body
        return body["data"]

    @staticmethod
    def assert_error(response: Any, status: int, error_type: str | None = None) -> dict[str, Any]:
        body = response.get_json()
        assert response.status_code == status, (response.status_code, body)
        assert body["success"] is False, body
        assert set(body["error"]) >= {"type", "message", "details"}, body
        if error_type is not None:
            assert body["error"]["type"] == error_type, body
        return body["error"]  # type: ignore[no-any-return]

    @staticmethod
    def assert_has_field(data: Any, path: str) -> Any:
        """``assert_has_field(body, "data.id")``: each dotted step must exist."""
        node = data
        for step in path.split("."):
            assert isinstance(node, dict) and step in node, f"{path}: no {step!r} in {node!r}"
            node = node[step]
        return node


def tag() -> str:
    return uuid.uuid4().hex[:8].upper()


class TestDataFactory:
    """Rows committed through the application's session (the API reads them as they are)."""

    __test__ = False
    app: Flask

    @classmethod
    def bind(cls, app: Flask) -> None:
        cls.app = app

    @classmethod
    def session(cls) -> Any:
        return cls.app.appbuilder.session  # type: ignore[attr-defined]

    @classmethod
    def create_user(cls, username: str | None = None, password: str = DEFAULT_PASSWORD,
                    role: str = "Viewer", email: str | None = None, *, club_id: int | None = None,
                    athlete_id: int | None = None, active: bool = True) -> dict[str, Any]:
        """A user with ``role`` (found and reset when ``username`` exists already)."""
        username = username or f"user_{tag().lower()}"
        with cls.app.app_context():
            sm = cls.app.appbuilder.sm  # type: ignore[attr-defined]
            user = sm.find_user(username=username)
            if user is None:
                user = sm.add_user(username, "Test", role, email or f"{username}@example.org",
                                   sm.find_role(role), password=password)
                assert user, f"could not create {username}"
            else:
                user.roles = [sm.find_role(role)]
                sm.reset_password(user.id, password)
            user.active = active
            session = cls.session()
            profile = session.get(UserProfile, user.id) or UserProfile(user_id=user.id)
            profile.club_id, profile.athlete_id = club_id, athlete_id
            session.add(profile)
            session.commit()
            return {"id": user.id, "username": user.username, "email": user.email,
                    "password": password, "role": role}

    @classmethod
    def tokens(cls, user_id: int) -> dict[str, str]:
        with cls.app.app_context():
            return {"access": create_access_token(identity=str(user_id)),
                    "refresh": create_refresh_token(identity=str(user_id))}

    @classmethod
    def create_club(cls) -> int:
        with cls.app.app_context():
            t = tag()
            club = Club(name=f"Club {t}", code=f"C{t}", country="FRA")
            session = cls.session()
            session.add(club)
            session.commit()
            return club.id

    @classmethod
    def create_meet(cls, club_id: int, *, self_registration: bool = False) -> dict[str, int]:
        """A competition with a 100 m (heat, two entries, a result) and a long jump (an attempt)."""
        with cls.app.app_context():
            session = cls.session()
            t = tag()
            competition = Competition(
                name=f"Meet {t}", venue="Stadium", start_date=date(2025, 6, 1),
                end_date=date(2025, 6, 1), allow_self_registration=self_registration,
                status=CompetitionStatus.OPEN if self_registration else CompetitionStatus.DRAFT)
            athlete = Athlete(first_name="Ana", last_name=f"A{t}", sex=Sex.FEMALE, club_id=club_id,
                              birth_date=date(2001, 5, 17), licence=f"L{t}")
            other = Athlete(first_name="Bea", last_name=f"B{t}", sex=Sex.FEMALE, club_id=club_id)
            events, rounds, heats = {}, {}, {}
            for code in ("100m", "LJ"):
                found = discipline(code)
                events[code] = Event(competition=competition, discipline_code=code,
                                     name=found.name, sex=Sex.FEMALE, kind=found.kind)
                rounds[code] = Round(event=events[code], kind=RoundKind.FINAL, ordinal=1)
                heats[code] = Heat(round=rounds[code], number=1, name=f"{code} final",
                                   scheduled_start=datetime(2025, 6, 1, 18, tzinfo=UTC))
            session.add_all([competition, athlete, other, *events.values(), *rounds.values(),
                             *heats.values()])
            session.flush()
            entry = Entry(event=events["100m"], competition_id=competition.id, athlete=athlete,
                          bib=f"1{t[:4]}")
            spare = Entry(event=events["100m"], competition_id=competition.id, athlete=other,
                          bib=f"2{t[:4]}")
            jumper = Entry(event=events["LJ"], competition_id=competition.id, athlete=athlete,
                           bib=f"3{t[:4]}")
            session.add_all([entry, spare, jumper])
            session.flush()
            result = Result(heat=heats["100m"], entry=entry, mark=11430, status=ResultStatus.OK)
            attempt = Attempt(heat=heats["LJ"], entry=jumper, sequence=1,
                              outcome=AttemptOutcome.MARK, mark=6120)
            session.add_all([result, attempt])
            session.commit()
            return {
                "competition": competition.id, "event": events["100m"].id,
                "field_event": events["LJ"].id, "round": rounds["100m"].id,
                "race": heats["100m"].id, "field_race": heats["LJ"].id, "athlete": athlete.id,
                "other_athlete": other.id, "entry": entry.id, "spare_entry": spare.id,
                "jump_entry": jumper.id, "result": result.id, "attempt": attempt.id,
                "club": club_id,
            }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
