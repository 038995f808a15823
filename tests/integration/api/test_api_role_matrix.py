"""Every endpoint × every role, as one table.

O: allowed (2xx), F: forbidden (403), U: unauthenticated (401). Columns: Admin, Chief
Registrar, Registrar, Starter, Coach, Athlete, Viewer, anonymous. Each cell runs on rows of
its own, so a delete in one cell never changes another's outcome. Coach cells write athletes
and entries of the coach's own club (a row-level rule allows it). The timing API's devices
authenticate with device tokens (tested in tests/integration/timing); a user's JWT is no
device token, so posting passings is U for everyone.
"""

import re
from datetime import date

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
GET    /api/field/heats/{field_race} O O O O O O O U
POST   /api/field/heats/{field_race}/attempts O O O O F F F U
POST   /api/field/heats/{field_race}/undo O O O O F F F U
GET    /api/starter/heats/{race}  O O O O O O O U
POST   /api/starter/heats/{race}/start O O O O F F F U
POST   /api/starter/heats/{started_race}/finish O O O O F F F U
POST   /api/starter/heats/{finished_race}/official O O O F F F F U
POST   /api/starter/heats/{race}/outcome O O O O F F F U
GET    /api/relay_teams           O O O O O O O U
GET    /api/relay_teams/{relay_team} O O O O O O O U
POST   /api/relay_teams           O O O F O F F U
PUT    /api/relay_teams/{relay_team}/legs O O O F O F F U
GET    /api/desk/competitions/{competition}/entries O O O O O O O U
POST   /api/desk/competitions/{competition}/late-entries O O O F O F F U
GET    /api/pickers/{picker}?q=a  O O O O O O O U
GET    /api/documents/heats/{field_race}/judges-sheet.pdf O O O O O O O U
POST   /api/desk/entries/{spare_entry}/check-in O O O O F F F U
POST   /api/desk/entries/{spare_entry}/scratch O O O F F F F U
POST   /api/setup/competitions    O O F F F F F U
GET    /api/setup/templates       O O F F F F F U
POST   /api/setup/programme       O O F F F F F U
POST   /api/setup/competitions/{competition}/events O O F F F F F U
POST   /api/setup/competitions/{competition}/entries/preview O O F F F F F U
POST   /api/setup/competitions/{competition}/entries O O F F F F F U
POST   /api/setup/competitions/{competition}/chips O O F F F F F U
POST   /api/setup/competitions/{setup_competition}/seed O O F F F F F U
GET    /api/auth/me               O O O O O O O U
GET    /api/home                  O O O O O O O U
POST   /api/auth/logout           O O O O O O O U
GET    /api/subscriptions         O O O O O O O U
POST   /api/subscriptions         O O O O O O O U
DELETE /api/subscriptions/{subscription} O O O O O O O U
GET    /api/notifications         O O O O O O O U
POST   /api/notifications/{notification}/read O O O O O O O U
POST   /api/timing/passings       U U U U U U U U
GET    /api/timing/batches/{batch} O O O O F F F U
POST   /api/timing/lif?competition_id={competition} O O O O F F F U
GET    /api/timing/heats/{race}/lynx.evt O O O O F F F U
GET    /api/timing/heats/{race}/lynx.ppl O O O O F F F U
GET    /api/timing/heats/{race}/results.csv O O O O F F F U
GET    /api/timing/competitions/{competition}/lynx.evt O O O O F F F U
GET    /api/timing/competitions/{competition}/lynx.ppl O O O O F F F U
GET    /api/timing/competitions/{competition}/lynx.sch O O O O F F F U
GET    /api/timing/competitions/{competition}/unknown-chips O O O O F F F U
POST   /api/timing/heats/{race}/gun O O O O F F F U
POST   /api/timing/competitions/{competition}/chips/reassign O O O O F F F U
GET    /api/timing/devices        O O F F F F F U
POST   /api/timing/devices        O O F F F F F U
GET    /api/timing/devices/{device} O O F F F F F U
PATCH  /api/timing/devices/{device} O O F F F F F U
DELETE /api/timing/devices/{device} O O F F F F F U
POST   /api/timing/devices/{device}/rotate O O F F F F F U
POST   /api/timing/devices/{device}/revoke O O F F F F F U
"""

#: Routes under /api/ that no role guards, and why; every other route is a row above.
NOT_ROLE_GUARDED = {
    ("POST", "/api/auth/login"): "anyone signs in (test_api_auth, test_api_rate_limits)",
    ("POST", "/api/auth/refresh"): "the refresh token is the credential (test_api_auth)",
    ("POST", "/api/auth/register"): "self-registration (test_api_resources)",
    ("POST", "/api/auth/password"): "one's own password, any role (test_api_auth)",
    ("GET", "/api/docs"): "the API's documentation",
}
PUBLIC_PREFIX = "/api/public/"  # the public read model: no sign-in, no role

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
        ("POST", "relay_teams"): {"event_id": ids.get("relay_event"), "club_id": ids["club"],
                                  "bib": f"7{t[:5]}"},
        ("POST", "results"): {"race_id": ids["race"], "entry_id": ids["spare_entry"],
                              "mark": "11.87", "wind": "+1.1"},
        ("PUT", "results"): {"mark": "11.42", "reason": "photo finish read again"},
        ("POST", "attempts"): {"race_id": ids["field_race"], "entry_id": ids["jump_entry"],
                               "sequence": 2, "outcome": "m", "mark": "6.31"},
        ("PUT", "attempts"): {"mark": 6130},
        ("POST", "field"): {"entry_id": ids["jump_entry"], "trial": "6.31"},
        ("POST", "starter"): {"entry_id": ids["spare_entry"], "status": "DNS"},
        ("POST", "subscriptions"): {"athlete_id": ids["athlete"]},
    }
    if method in ("GET", "DELETE"):
        return None
    if path.startswith("/api/timing/"):
        return _timing_body(method, path, ids, t)
    actions = {  # bodies of the endpoints named by their last segment
        "seed": {"seed": 1},
        "advance": {"seed": 1},
        "combined": {"competition": "men_decathlon", "marks": {"100m": "10.55"}},
        "age-grade": {"sex": "F", "age": 52, "event": "ROAD_10K", "mark": "41:30"},
        "read": {},
        "undo": {},
        "start": {},
        "finish": {},
        "official": {},
        "check-in": {},
        "scratch": {},
        "legs": {"legs": [{"athlete_id": ids["athlete"], "leg": None}]},
    }
    if path.startswith("/api/setup/"):
        return _setup_body(path, t)
    if path.endswith("/late-entries"):
        return {"event_id": ids["field_event"], "athlete_id": ids["other_athlete"],
                "bib": f"8{t[:5]}"}
    if path.rsplit("/", 1)[1] in actions:
        return actions[path.rsplit("/", 1)[1]]
    if path.startswith("/api/auth/"):
        return {}
    return bodies[(method, path.split("/")[2])]


def _setup_body(path, t):
    """Bodies of the meet set-up wizard's steps (a CSV of no rows is checked and saved)."""
    csv = {"csv": "first name,last name,sex,event\n"}
    bodies = {
        "competitions": {"name": f"Wizard {t}", "day": "2025-07-01", "venue": "Park"},
        "programme": {"template": "club"},
        "events": {"events": [{"code": "400m", "sex": "F", "rounds": [
            {"kind": "final", "ordinal": 1, "start": "18:00"}]}]},
        "preview": csv, "entries": csv, "chips": {}, "seed": {"seed": 1},
    }
    return bodies[path.rsplit("/", 1)[1]]


def _relay(ids):
    """A women's 4 x 100 m in the meet and a team of the coach's club in it."""
    from athsys.competitions.models import Entry, Event
    from athsys.sport.disciplines import EventKind
    from athsys.sport.sex import Sex

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        event = Event(competition_id=ids["competition"], discipline_code="4x100m",
                      name="4 × 100 m relay", sex=Sex.FEMALE, kind=EventKind.TRACK)
        session.add(event)
        session.flush()
        team = Entry(event_id=event.id, competition_id=ids["competition"], club_id=ids["club"],
                     team_name=f"Team {tag()}", bib=f"R{tag()[:5]}")
        session.add(team)
        session.commit()
        return {"relay_event": event.id, "relay_team": team.id}


def _empty_competition():
    from athsys.competitions.models import Competition

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        competition = Competition(name=f"Empty {tag()}", venue="Park",
                                  start_date=date(2025, 7, 1), end_date=date(2025, 7, 1))
        session.add(competition)
        session.commit()
        return competition.id


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
    if "{started_race}" in path or "{finished_race}" in path:
        ids["started_race"] = ids["finished_race"] = _heat_moved(
            ids["race"], "started" if "{started_race}" in path else "finished")
    if "{setup_competition}" in path:
        ids["setup_competition"] = _empty_competition()
    if path.startswith("/api/relay_teams"):
        ids.update(_relay(ids))
    if "{picker}" in path:
        ids["picker"] = "athletes"
    if "{user}" in path:
        ids["user"] = TestDataFactory.create_user()["id"]
    if "{subscription}" in path or "{notification}" in path:  # the caller's (anonymous: a viewer's)
        ids.update(_own_inbox(role_users[role or "Viewer"]["id"], ids["event"]))
    if "{device}" in path or "{batch}" in path:
        ids.update(_device_and_batch(ids["competition"]))
    headers = {}
    if role is not None:
        headers = bearer(TestDataFactory.tokens(role_users[role]["id"])["access"])
    body = _body(method, path, ids)
    sent = {"data": body, "content_type": "text/plain"} if isinstance(body, str) else {
        "json": body}
    response = api.open(path.format(**ids), method=method, headers=headers, **sent)
    answer = response.get_json(silent=True)
    assert response.status_code in EXPECTED[cell], (response.status_code, answer)
    if cell != "O" or response.mimetype == "application/json":  # exports are text files
        assert answer["success"] is (cell == "O"), answer


def _template(path):
    """``/api/races/{race}?x={y}`` and ``/api/races/<int:item_id>`` both as ``/api/races/<>``."""
    return re.sub(r"\{[^}]+\}|<[^>]+>", "<>", path.split("?")[0])


def test_the_matrix_covers_every_api_route(api_app):
    covered = {(method, _template(path)) for method, path, *_ in
               (line.split() for line in MATRIX.strip().splitlines())}
    exempt = {(method, _template(path)) for method, path in NOT_ROLE_GUARDED}
    missing = []
    for rule in api_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule.startswith(("/api/v1/", PUBLIC_PREFIX)):
            continue  # Flask-AppBuilder's own API; the public pages
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            key = (method, _template(rule.rule.rstrip("/")))
            if key not in covered and key not in exempt:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def _timing_body(method, path, ids, t):
    """Bodies of the timing API's writes (the .lif is a photo-finish file of the cell's heat)."""
    if path.startswith("/api/timing/lif"):
        return (f'{ids["event"]},1,1,"100m final",+1.2,m/s,,,,100,18:00:00.0000\r\n'
                f"1,{_bib(ids['entry'])},1,Ana,A,Club,11.43,,0.000,0.150\r\n")
    last = path.rsplit("/", 1)[1]
    bodies = {
        "gun": {"gun_time": "2025-06-01T18:00:00.500+00:00"},
        "reassign": {"chip": f"C{t}", "entry_id": ids["spare_entry"]},
        "devices": {"competition_id": ids["competition"], "name": f"Mat {t}",
                    "kind": "chip_decoder"},
        "{device}": {"name": f"Renamed {t}"},
        "rotate": {},
        "revoke": {},
        "passings": [],
    }
    return bodies[last]


def _bib(entry_id):
    from athsys.competitions.models import Entry

    with TestDataFactory.app.app_context():
        return TestDataFactory.session().get(Entry, entry_id).bib


def _device_and_batch(competition_id):
    """A device of the competition without reads, and a batch it sent."""
    from athsys.accounts.actor import SYSTEM
    from athsys.timing import devices
    from athsys.timing.models import DeviceKind, ReadBatch

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        device = devices.create_device(session, SYSTEM, competition_id=competition_id,
                                       name=f"Matrix mat {tag()}",
                                       kind=DeviceKind.CHIP_DECODER).device
        batch = ReadBatch(device_id=device.id, payload_sha256="0" * 64, format="json")
        session.add(batch)
        session.commit()
        return {"device": device.id, "batch": batch.id}


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


def _heat_moved(heat_id, status):
    """The meet's 100 m heat, moved to ``status`` (started or finished)."""
    from athsys.competitions.models import Heat, HeatStatus

    with TestDataFactory.app.app_context():
        session = TestDataFactory.session()
        heat = session.get(Heat, heat_id)
        heat.status = HeatStatus(status)
        session.commit()
        return heat_id


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
