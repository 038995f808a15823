"""Every endpoint × every role, as one table.

O: allowed (2xx), F: forbidden (403), U: unauthenticated (401). Columns: Admin, Chief
Registrar, Registrar, Starter, Coach, Athlete, Viewer, anonymous. Each cell runs on rows of
its own, so a delete in one cell never changes another's outcome. Coach cells write athletes
and entries of the coach's own club (a row-level rule allows it).
"""

import pytest

from tests.integration.api.helpers import TestDataFactory, bearer, tag

pytestmark = pytest.mark.integration

ROLES = ("Admin", "Chief Registrar", "Registrar", "Starter", "Coach", "Athlete", "Viewer", None)

MATRIX = """
GET    /api/users                 O O F F F F F U
GET    /api/users/{user}          O O F F F F F U
POST   /api/users                 O O F F F F F U
PUT    /api/users/{user}          O O F F F F F U
DELETE /api/users/{user}          O F F F F F F U
GET    /api/clubs                 O O O O O O O U
GET    /api/clubs/{club}          O O O O O O O U
POST   /api/clubs                 O O O F F F F U
PUT    /api/clubs/{spare_club}    O O O F F F F U
DELETE /api/clubs/{spare_club}    O O O F F F F U
GET    /api/athletes              O O O O O O O U
GET    /api/athletes/{athlete}    O O O O O O O U
POST   /api/athletes              O O O F O F F U
PUT    /api/athletes/{athlete}    O O O F O F F U
DELETE /api/athletes/{lone_athlete} O O O F F F F U
GET    /api/competitions          O O O O O O O U
GET    /api/competitions/{competition} O O O O O O O U
POST   /api/competitions          O O F F F F F U
PUT    /api/competitions/{competition} O O F F F F F U
DELETE /api/competitions/{competition} O O F F F F F U
GET    /api/events                O O O O O O O U
GET    /api/events/{event}        O O O O O O O U
POST   /api/events                O O F F F F F U
PUT    /api/events/{event}        O O F F F F F U
DELETE /api/events/{event}        O O F F F F F U
GET    /api/rounds                O O O O O O O U
GET    /api/rounds/{round}        O O O O O O O U
POST   /api/rounds                O O O F F F F U
PUT    /api/rounds/{round}        O O O F F F F U
DELETE /api/rounds/{round}        O O O F F F F U
POST   /api/rounds/{seed_round}/seed O O O F F F F U
POST   /api/rounds/{finished_round}/advance O O O F F F F U
POST   /api/scoring/combined      O O O O O O O O
POST   /api/scoring/age-grade     O O O O O O O O
GET    /api/races                 O O O O O O O U
GET    /api/races/{race}          O O O O O O O U
POST   /api/races                 O O O F F F F U
PUT    /api/races/{race}          O O O O F F F U
DELETE /api/races/{race}          O O O F F F F U
GET    /api/registrations         O O O O O O O U
GET    /api/registrations/{entry} O O O O O O O U
POST   /api/registrations         O O O F O F F U
PUT    /api/registrations/{entry} O O O F O F F U
DELETE /api/registrations/{spare_entry} O O O F F F F U
GET    /api/results               O O O O O O O U
GET    /api/results/{result}      O O O O O O O U
POST   /api/results               O O O O F F F U
PUT    /api/results/{result}      O O O O F F F U
DELETE /api/results/{result}      O O O F F F F U
GET    /api/attempts              O O O O O O O U
GET    /api/attempts/{attempt}    O O O O O O O U
POST   /api/attempts              O O O O F F F U
PUT    /api/attempts/{attempt}    O O O O F F F U
DELETE /api/attempts/{attempt}    O O O O F F F U
GET    /api/auth/me               O O O O O O O U
POST   /api/auth/logout           O O O O O O O U
GET    /api/subscriptions         O O O O O O O U
POST   /api/subscriptions         O O O O O O O U
DELETE /api/subscriptions/{subscription} O O O O O O O U
GET    /api/notifications         O O O O O O O U
POST   /api/notifications/{notification}/read O O O O O O O U
"""

EXPECTED = {"O": range(200, 300), "F": (403,), "U": (401,)}


def _rows():
    for line in MATRIX.strip().splitlines():
        method, path, *cells = line.split()
        assert len(cells) == len(ROLES), line
        for role, cell in zip(ROLES, cells, strict=True):
            yield pytest.param(method, path, role, cell,
                               id=f"{method} {path} {role or 'anonymous'}")


def _body(method, path, ids):
    """A valid body for each write, on the cell's own rows."""
    t = tag()
    bodies = {
        ("POST", "users"): {"username": f"u_{t.lower()}", "email": f"{t.lower()}@example.org",
                            "password": "a-long-password", "first_name": "New",
                            "last_name": "User", "roles": ["Viewer"]},
        ("PUT", "users"): {"first_name": "Renamed"},
        ("POST", "clubs"): {"name": f"New club {t}", "code": f"N{t}"},
        ("PUT", "clubs"): {"country": "KEN"},
        ("POST", "athletes"): {"first_name": "New", "last_name": f"N{t}", "sex": "F",
                               "club_id": ids["club"]},
        ("PUT", "athletes"): {"nationality": "FRA"},
        ("POST", "competitions"): {"name": f"Comp {t}", "venue": "Park",
                                   "start_date": "2025-07-01", "end_date": "2025-07-02"},
        ("PUT", "competitions"): {"venue": "Other park"},
        ("POST", "events"): {"competition_id": ids["competition"], "discipline_code": "200m",
                             "sex": "F"},
        ("PUT", "events"): {"lanes": 9},
        ("POST", "rounds"): {"event_id": ids["event"], "kind": "heat"},
        ("PUT", "rounds"): {"advance_by_place": 2},
        ("POST", "races"): {"name": "Heat B", "date": "2025-06-01T19:00:00",
                            "round_id": ids["round"]},
        ("PUT", "races"): {"wind": "+0.4"},
        ("POST", "registrations"): {"event_id": ids["field_event"],
                                    "athlete_id": ids["other_athlete"], "bib": f"9{t[:5]}",
                                    "seed_mark": "6.02"},
        ("PUT", "registrations"): {"seed_mark": "11.51"},
        ("POST", "results"): {"race_id": ids["race"], "entry_id": ids["spare_entry"],
                              "mark": "11.87", "wind": "+1.1"},
        ("PUT", "results"): {"mark": "11.42", "reason": "photo finish read again"},
        ("POST", "attempts"): {"race_id": ids["field_race"], "entry_id": ids["jump_entry"],
                               "sequence": 2, "outcome": "m", "mark": "6.31"},
        ("PUT", "attempts"): {"mark": 6130},
        ("POST", "subscriptions"): {"athlete_id": ids["athlete"]},
    }
    if method in ("GET", "DELETE"):
        return None
    actions = {  # bodies of the endpoints named by their last segment
        "seed": {"seed": 1},
        "advance": {"seed": 1},
        "combined": {"competition": "men_decathlon", "marks": {"100m": "10.55"}},
        "age-grade": {"sex": "F", "age": 52, "event": "ROAD_10K", "mark": "41:30"},
        "read": {},
    }
    if path.rsplit("/", 1)[1] in actions:
        return actions[path.rsplit("/", 1)[1]]
    if path.startswith("/api/auth/"):
        return {}
    return bodies[(method, path.split("/")[2])]


@pytest.fixture(scope="module")
def coach_club(api_app):
    return TestDataFactory.create_club()


@pytest.fixture(scope="module")
def role_users(api_app, coach_club):
    users = {}
    for role in ROLES:
        if role is not None:
            users[role] = TestDataFactory.create_user(role=role, club_id=(
                coach_club if role == "Coach" else None))
    return users


@pytest.mark.parametrize("method, path, role, cell", list(_rows()))
def test_role_matrix(api, role_users, coach_club, method, path, role, cell):
    ids = TestDataFactory.create_meet(coach_club)
    ids["spare_club"] = TestDataFactory.create_club()
    if "{lone_athlete}" in path:
        ids["lone_athlete"] = _lone_athlete(api, coach_club)
    if "{seed_round}" in path:
        ids["seed_round"] = _round_of(ids["field_race"])
    if "{finished_round}" in path:
        ids["finished_round"] = _finished_round(ids["race"])
    if "{user}" in path:
        ids["user"] = TestDataFactory.create_user()["id"]
    if "{subscription}" in path or "{notification}" in path:  # the caller's (anonymous: a viewer's)
        ids.update(_own_inbox(role_users[role or "Viewer"]["id"], ids["event"]))
    headers = {}
    if role is not None:
        headers = bearer(TestDataFactory.tokens(role_users[role]["id"])["access"])
    response = api.open(path.format(**ids), method=method, headers=headers,
                        json=_body(method, path, ids))
    assert response.status_code in EXPECTED[cell], (response.status_code, response.get_json())
    body = response.get_json()
    assert body["success"] is (cell == "O"), body


def _lone_athlete(api, club_id):
    """An athlete of the coach's club without entries (deleting one with entries is a 409)."""
    from athsys.athletes.models import Athlete, Sex

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        athlete = Athlete(first_name="Lone", last_name=f"L{tag()}", sex=Sex.MALE, club_id=club_id)
        session.add(athlete)
        session.commit()
        return athlete.id


def _round_of(heat_id):
    from athsys.competitions.models import Heat

    with TestDataFactory.app.app_context():
        return TestDataFactory.session().get(Heat, heat_id).round_id


def _finished_round(heat_id):
    """The 100 m round of the meet, finished, with "first 1 of each heat" to advance."""
    from athsys.competitions.models import Heat, HeatStatus

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        heat = session.get(Heat, heat_id)
        heat.status = HeatStatus.FINISHED
        heat.round.advance_by_place = 1
        session.commit()
        return heat.round_id


def _own_inbox(user_id, event_id):
    """An in-app subscription of the user and one delivered notification of it."""
    from datetime import UTC, datetime

    from athsys.notifications.models import (
        Channel,
        Notification,
        NotificationKind,
        NotificationStatus,
        Subscription,
    )

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        subscription = Subscription(channel=Channel.IN_APP, user_id=user_id, event_id=event_id)
        session.add(subscription)
        session.flush()
        notification = Notification(
            subscription_id=subscription.id, kind=NotificationKind.RESULT_OFFICIAL,
            dedup_key=f"matrix:{tag()}", payload={"kind": "result.official"},
            status=NotificationStatus.SENT, sent_at=datetime.now(UTC))
        session.add(notification)
        session.commit()
        return {"subscription": subscription.id, "notification": notification.id}
