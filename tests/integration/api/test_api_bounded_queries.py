"""Every GET endpoint under ``/api`` costs a fixed number of statements, whatever the rows.

The same request is made on a meet of 2 runners and on one of 30 (or, for a list across
meets, a page of 2 rows and one of 100): a statement issued per row (an N+1) shows as a
difference, and the total stays under :data:`STATEMENT_BOUND`. The endpoints come from the
app's url_map, so a new one fails :func:`test_every_api_get_endpoint_is_bounded_or_excused`
until it is measured here or excused in :data:`EXCUSED` with its reason. Admin list pages:
tests/integration/admin/test_admin_list_queries.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

import pytest
import redis as redis_lib
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.athletes.models import Club
from athsys.competitions.builder import MeetBuilder, Runner
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    HeatStatus,
    LaneAssignment,
    RelayLeg,
    RoundKind,
)
from athsys.leaderboards.cache import COMPETITIONS_SCOPE, competition_scope
from athsys.results.models import Attempt, AttemptOutcome, Result
from athsys.sport.ranking import ResultStatus
from athsys.sport.sex import Sex
from athsys.timing.models import ChipAssignment, TimingPoint, TimingSplit
from tests.integration.api.helpers import TestDataFactory, bearer
from tests.support.statements import app_engine, statements
from webui.api.public import _EVENT_COMPETITIONS, _PUBLISHED, public_cache

pytestmark = pytest.mark.integration

FEW, MANY = 2, 30
#: Sets of five more events (a road race, a 100 m in two rounds, a long jump, a relay, a
#: decathlon) of the meet of many events (:func:`_more_events`).
MORE_EVENTS = 3
#: The most statements any GET under /api may send: authentication (the token's user, its
#: roles), the ids named in the path, the page and its count, one per relation loaded. The
#: exports of a whole competition take the most: all its events, all their lines, the relay
#: teams' legs, the combined events' standings, heats and lanes, each read once.
STATEMENT_BOUND = 24

#: The exports of a whole competition: each costs the same for a meet of many events as for
#: one of few (:func:`test_a_meet_of_many_events_exports_what_a_meet_of_few_costs`).
COMPETITION_EXPORTS = (
    "public_api.competition_results_csv", "public_api.competition_results_json",
    "public_api.competition_results_semicolon", "public_api.competition_results_athletic_net",
    "public_api.competition_results_tfrrs", "public_api.competition_results_power_of_10",
    "public_api.competition_teams", "public_api.competition_teams_csv",
    "public_documents.competition_results", "public_documents.competition_team_scores",
    "public_documents.records",
)

#: Answers that do not grow with the meet's runners: the records that stand for each event
#: (both meets have the same events and no records), a PDF whose compressed size moves by a
#: few bytes with the time printed on it.
UNSCALED = frozenset({"public_documents.records"})

#: Endpoints measured: rule → the URL, its placeholders filled from a meet's ids. A list
#: across meets is filtered to the meet where it can be, else paged (``{per_page}``).
MEASURED: dict[str, str] = {
    "api_athletes.list": "/api/athletes?club_id={club}&per_page={per_page}",
    "api_attempts.list": "/api/attempts?race_id={field_heat}&per_page=100",
    "api_clubs.list": "/api/clubs?per_page={per_page}",
    "api_competitions.list": "/api/competitions?per_page={per_page}",
    "api_desk.search": "/api/desk/competitions/{competition}/entries?q=Runner",
    "api_events.list": "/api/events?per_page={per_page}",
    "api_home.home": "/api/home",
    "api_notifications.list_notifications": "/api/notifications?per_page={per_page}",
    "api_pickers.pick": "/api/pickers/entries?q=Runner",
    "api_races.list": "/api/races?per_page={per_page}",
    "api_registrations.list": "/api/registrations?competition_id={competition}&per_page=100",
    "api_relay_teams.list_teams": "/api/relay_teams?event_id={relay_event}&per_page=100",
    "api_results.list": "/api/results?race_id={road_heat}&per_page=100",
    "api_rounds.list": "/api/rounds?per_page={per_page}",
    "api_subscriptions.list_subscriptions": "/api/subscriptions?per_page={per_page}",
    "api_users.list": "/api/users?per_page={per_page}",
    "api_field.sheet": "/api/field/heats/{field_heat}",
    "api_starter.sheet": "/api/starter/heats/{sprint_heat}",
    "api_documents.judges_sheet": "/api/documents/heats/{field_heat}/judges-sheet.pdf",
    "timing_api.list_devices": "/api/timing/devices?competition_id={competition}",
    "timing_api.heat_evt": "/api/timing/heats/{sprint_heat}/lynx.evt",
    "timing_api.heat_ppl": "/api/timing/heats/{sprint_heat}/lynx.ppl",
    "timing_api.heat_results": "/api/timing/heats/{sprint_heat}/results.csv",
    "timing_api.competition_evt": "/api/timing/competitions/{competition}/lynx.evt",
    "timing_api.competition_ppl": "/api/timing/competitions/{competition}/lynx.ppl",
    "timing_api.competition_sch": "/api/timing/competitions/{competition}/lynx.sch",
    "timing_api.competition_unknown_chips":
        "/api/timing/competitions/{competition}/unknown-chips",
    "public_api.competitions": "/api/public/competitions",
    "public_api.competition": "/api/public/competitions/{competition}",
    "public_api.competition_live": "/api/public/competitions/{competition}/live",
    "public_api.search": "/api/public/competitions/{competition}/search?q=Runner",
    "public_api.entry_tracking":
        "/api/public/competitions/{competition}/entries/{road_entry}/tracking",
    "public_api.competition_teams": "/api/public/competitions/{competition}/teams",
    "public_api.competition_teams_csv": "/api/public/competitions/{competition}/teams.csv",
    "public_api.competition_results_csv": "/api/public/competitions/{competition}/results.csv",
    "public_api.competition_results_json":
        "/api/public/competitions/{competition}/results.json",
    "public_api.competition_results_semicolon":
        "/api/public/competitions/{competition}/results.txt",
    "public_api.competition_results_athletic_net":
        "/api/public/competitions/{competition}/athletic-net.csv",
    "public_api.competition_results_tfrrs": "/api/public/competitions/{competition}/tfrrs.csv",
    "public_api.competition_results_power_of_10":
        "/api/public/competitions/{competition}/power-of-10.csv",
    "public_api.leaderboard": "/api/public/events/{road_event}/leaderboard?per_page=100",
    "public_api.teams": "/api/public/events/{road_event}/teams?points=10,8,6&scorers=1",
    "public_api.event_results_csv": "/api/public/events/{road_event}/results.csv",
    "public_api.heat_results": "/api/public/heats/{road_heat}/results?per_page=100",
    "public_api.heat_board": "/api/public/heats/{sprint_heat}/board",
    "public_api.heat_start_list_csv": "/api/public/heats/{sprint_heat}/startlist.csv",
    "public_api.round_results": "/api/public/rounds/{sprint_round}/results?per_page=100",
    "public_documents.competition_results": "/api/public/competitions/{competition}/results.pdf",
    "public_documents.event_results": "/api/public/events/{road_event}/results.pdf",
    "public_documents.team_scores": "/api/public/events/{road_event}/teams.pdf",
    "public_documents.competition_team_scores":
        "/api/public/competitions/{competition}/teams.pdf",
    "public_documents.records": "/api/public/competitions/{competition}/records.pdf",
    "public_documents.start_list": "/api/public/heats/{sprint_heat}/startlist.pdf",
}

_ONE_ROW = "one row by its id: no list"
#: Endpoints not measured, and why.
EXCUSED: dict[str, str] = {
    **{f"api_{name}.show": _ONE_ROW for name in (
        "athletes", "attempts", "clubs", "competitions", "events", "races", "registrations",
        "results", "rounds", "users")},
    "api_relay_teams.show_team": "one team and its legs, loaded with it (selectin)",
    "timing_api.get_device": _ONE_ROW,
    "timing_api.get_batch": _ONE_ROW,
    "api_auth.me": "the signed-in user",
    "api_setup.templates": "a constant list of meet templates: no rows",
    "api_docs.swagger_ui": "a static page",
    "api_docs.apispec_json": "the OpenAPI document: no rows",
    "MenuApi.get_menu_data": "Flask-AppBuilder's menu: no rows of ours",
}


def _get_rules(app: Flask) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/api") and "GET" in (rule.methods or ())}


def test_every_api_get_endpoint_is_bounded_or_excused(api_app: Flask) -> None:
    endpoints = _get_rules(api_app)
    assert sorted(endpoints - MEASURED.keys() - EXCUSED.keys()) == []
    assert sorted((MEASURED.keys() | EXCUSED.keys()) - endpoints) == []  # no stale names
    assert not MEASURED.keys() & EXCUSED.keys()


def _meet(session: Session, runners: int, label: str) -> dict[str, int]:
    """A live meet of ``runners`` athletes, each of their own club, scoring teams: a 10 km
    road race with chips, splits and results, a 100 m heat with results, a long jump flight
    with an attempt each, a relay with a team per club, its legs and results, and a decathlon
    after two events."""
    build = MeetBuilder(session)
    today = datetime.now(UTC).date()
    clubs = [Club(name=f"Club {label}{i}", code=f"{label}{i}") for i in range(runners)]
    session.add_all(clubs)
    session.flush()
    competition = build.competition(f"Bounded {label}", day=today)
    competition.team_scheme = {"preset": "dual"}
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    road = build.event(competition, "10K", sex=Sex.MALE)
    sprint = build.event(competition, "100m", sex=Sex.MALE)
    jump = build.event(competition, "LJ", sex=Sex.MALE)
    relay = build.event(competition, "4x100m", sex=Sex.MALE)
    road_heat = build.race(road, scheduled_start=start, gun_time=start,
                           status=HeatStatus.STARTED)
    sprint_heat = build.race(sprint, scheduled_start=start)
    field_heat = build.race(jump, scheduled_start=start)
    relay_heat = build.race(relay, scheduled_start=start)
    athletes = build.athletes([
        Runner(f"Runner{i}", f"{label}Name{i}", Sex.MALE, club_id=club.id,
               birth_date=date(1990 + i % 20, 1, 1), licence=f"{label}L{i}")
        for i, club in enumerate(clubs)])
    road_entries = build.enter(road_heat, athletes, [f"{label}R{i}" for i in range(runners)])
    sprint_entries = build.enter(sprint_heat, athletes, [f"{label}S{i}" for i in range(runners)])
    jump_entries = build.enter(field_heat, athletes, [f"{label}J{i}" for i in range(runners)])
    teams = list(session.scalars(insert(Entry).returning(Entry.id, sort_by_parameter_order=True), [
        {"event_id": relay.id, "competition_id": competition.id, "club_id": club.id,
         "team_name": f"{club.name} A", "bib": f"{label}T{i}"} for i, club in enumerate(clubs)]))
    session.execute(insert(LaneAssignment), [
        {"heat_id": relay_heat.id, "entry_id": team, "position": n}
        for n, team in enumerate(teams, start=1)])
    session.execute(insert(RelayLeg), [
        {"entry_id": team, "event_id": relay.id, "athlete_id": athlete, "leg": 1}
        for team, athlete in zip(teams, athletes, strict=True)])
    points = [TimingPoint(competition_id=competition.id, name=name, distance_m=distance,
                          is_start=distance == 0, is_finish=distance == 10_000)
              for name, distance in (("Start", 0), ("5K", 5_000), ("Finish", 10_000))]
    session.add_all(points)
    session.flush()
    session.execute(insert(ChipAssignment), [
        {"competition_id": competition.id, "chip": f"{label}C{i}", "entry_id": entry}
        for i, entry in enumerate(road_entries)])
    session.execute(insert(TimingSplit), [
        {"heat_id": road_heat.id, "entry_id": entry, "timing_point_id": point.id,
         "gun_time_ms": point.distance_m * 180 + i * 1000 + 4000,
         "net_time_ms": point.distance_m * 180 + i * 1000}
        for i, entry in enumerate(road_entries) for point in points[1:]])
    session.execute(insert(Result), [
        {"heat_id": heat.id, "entry_id": entry, "mark": base + i * 10, "place": i + 1,
         "status": ResultStatus.OK}
        for heat, entries, base in ((road_heat, road_entries, 1_800_000),
                                    (sprint_heat, sprint_entries, 10_500))
        for i, entry in enumerate(entries)])
    session.execute(insert(Attempt), [
        {"heat_id": field_heat.id, "entry_id": entry, "sequence": 1,
         "outcome": AttemptOutcome.MARK, "mark": 6_000 + i * 10}
        for i, entry in enumerate(jump_entries)])
    session.execute(insert(Result), [
        {"heat_id": relay_heat.id, "entry_id": team, "mark": 40_000 + i * 10,
         "status": ResultStatus.OK} for i, team in enumerate(teams)])
    _decathlon(build, competition, athletes, label)
    session.flush()
    return {"competition": competition.id, "club": clubs[0].id, "road_event": road.id,
            "road_heat": road_heat.id, "road_entry": road_entries[-1],
            "sprint_heat": sprint_heat.id, "sprint_round": sprint_heat.round_id,
            "field_heat": field_heat.id, "relay_event": relay.id}


def _decathlon(build: MeetBuilder, competition: Competition, athletes: list[int],
               label: str, category: str = "SEN") -> None:
    """A decathlon after its 100 m and long jump, every athlete in it."""
    event = build.event(competition, "DEC", sex=Sex.MALE, age_category=category)
    sprint = build.race(event, ordinal=1, status=HeatStatus.OFFICIAL)
    entries = build.enter(sprint, athletes, [f"{label}D{i}" for i in range(len(athletes))])
    jump = build.race(event, ordinal=2)
    build.session.execute(insert(Result), [
        {"heat_id": heat.id, "entry_id": entry, "mark": base + i * step,
         "status": ResultStatus.OK}
        for heat, base, step in ((sprint, 10_800, 10), (jump, 7_200, -10))
        for i, entry in enumerate(entries)])


def _results(session: Session, heat: Heat, entries: list[int], base: int) -> None:
    session.execute(insert(Result), [
        {"heat_id": heat.id, "entry_id": entry, "mark": base + i * 10,
         "status": ResultStatus.OK} for i, entry in enumerate(entries)])


def _more_events(session: Session, meet: dict[str, int], label: str) -> None:
    """:data:`MORE_EVENTS` sets of five more events, with results, in the meet: a road race,
    a 100 m in two rounds, a long jump, a relay with its legs, a decathlon."""
    build = MeetBuilder(session)
    competition = session.get(Competition, meet["competition"])
    assert competition is not None
    clubs = session.scalars(select(Club).where(Club.code.startswith(label))).all()
    athletes = build.athletes([
        Runner(f"Extra{i}", f"{label}More{i}", Sex.MALE, club_id=club.id,
               birth_date=date(1985 + i % 20, 6, 1)) for i, club in enumerate(clubs)])
    for n, category in enumerate(("U20", "M35", "M40", "M45", "M50")[:MORE_EVENTS]):
        tag = f"{label}X{n}-"

        def event(code: str, category: str = category) -> Event:
            return build.event(competition, code, sex=Sex.MALE, age_category=category)

        road = build.race(event("5K"))
        sprint = event("100m")
        first = build.race(sprint, kind=RoundKind.HEAT)
        final = build.race(sprint, ordinal=2)
        jump = build.race(event("LJ"))
        relay = build.race(event("4x100m"))
        for heat, code, base in ((road, "R", 900_000), (first, "S", 11_000),
                                 (jump, "J", 7_500)):
            entries = build.enter(heat, athletes,
                                  [f"{tag}{code}{i}" for i in range(len(athletes))])
            _results(session, heat, entries, base)
            if heat is first:  # all of them through to the final
                session.execute(insert(LaneAssignment), [
                    {"heat_id": final.id, "entry_id": entry, "position": i}
                    for i, entry in enumerate(entries, start=1)])
                _results(session, final, entries, 10_900)
        teams = list(session.scalars(
            insert(Entry).returning(Entry.id, sort_by_parameter_order=True), [
                {"event_id": relay.round.event_id, "competition_id": competition.id,
                 "club_id": club.id, "team_name": f"{club.name} {n}", "bib": f"{tag}T{i}"}
                for i, club in enumerate(clubs)]))
        session.execute(insert(LaneAssignment), [
            {"heat_id": relay.id, "entry_id": team, "position": i}
            for i, team in enumerate(teams, start=1)])
        session.execute(insert(RelayLeg), [
            {"entry_id": team, "event_id": relay.round.event_id, "athlete_id": athlete,
             "leg": 1} for team, athlete in zip(teams, athletes, strict=True)])
        _results(session, relay, teams, 41_000)
        _decathlon(build, competition, athletes, tag, category)
    session.flush()


@pytest.fixture(scope="module")
def meets(api_app: Flask, engine: Engine) -> dict[str, dict[str, int]]:
    """Two meets, and users enough for the users' list (the module's rows go after it)."""
    with Session(engine) as session, session.begin():
        few, many = _meet(session, FEW, "F"), _meet(session, MANY, "M")
        wide = _meet(session, FEW, "W")
        _more_events(session, wide, "W")
    for _ in range(MANY - 1):
        TestDataFactory.create_user(role="Viewer")
    return {"few": {**few, "per_page": FEW}, "many": {**many, "per_page": 100},
            "wide": {**wide, "per_page": FEW}}


@pytest.fixture(scope="module")
def admin_headers(meets: dict[str, dict[str, int]]) -> dict[str, str]:
    user = TestDataFactory.create_user(role="Admin")
    return bearer(TestDataFactory.tokens(user["id"])["access"])


def _cost(app: Flask, api: FlaskClient, url: str, headers: dict[str, str],
          redis_client: redis_lib.Redis, scopes: Iterable[str] = ()) -> tuple[int, int]:
    """(statements, bytes answered) of a GET of ``url`` with nothing cached: the public
    cache emptied in Redis and in this process (the list of competitions, and ``scopes``
    for a URL asked for again), and what the process remembers of which competition is
    published (for two seconds) and of each event's competition."""
    redis_client.flushdb()
    with app.app_context():
        public_cache().drop_local([COMPETITIONS_SCOPE, *scopes])
    for memo in (_PUBLISHED, _EVENT_COMPETITIONS):
        app.extensions[memo].clear()
    with statements(app_engine(app)) as seen:
        answer = api.get(url, headers=headers)
    assert answer.status_code == 200, (url, answer.get_data(as_text=True)[:500])
    return len(seen), len(answer.get_data())


@pytest.mark.parametrize("endpoint", sorted(MEASURED))
def test_a_list_of_many_rows_costs_what_a_list_of_few_costs(
    api_app: Flask, api: FlaskClient, meets: dict[str, dict[str, int]],
    admin_headers: dict[str, str], redis_client: redis_lib.Redis, endpoint: str,
) -> None:
    few_url = MEASURED[endpoint].format(**meets["few"])
    many_url = MEASURED[endpoint].format(**meets["many"])
    few, few_size = _cost(api_app, api, few_url, admin_headers, redis_client)
    many, many_size = _cost(api_app, api, many_url, admin_headers, redis_client)
    assert many == few, f"{many_url}: {many} statements, {few} for {few_url}"
    assert many <= STATEMENT_BOUND
    if endpoint not in UNSCALED:
        assert many_size >= few_size  # the many rows were answered, not an empty page


@pytest.mark.parametrize("endpoint", COMPETITION_EXPORTS)
def test_a_meet_of_many_events_exports_what_a_meet_of_few_costs(
    api_app: Flask, api: FlaskClient, meets: dict[str, dict[str, int]],
    admin_headers: dict[str, str], redis_client: redis_lib.Redis, endpoint: str,
) -> None:
    """A meet of 5 events against one of 20 (road races, rounds, field events, relays with
    legs, combined events): a competition's export reads all its boards at once, not each
    event's on its own."""
    few_url = MEASURED[endpoint].format(**meets["few"])
    wide_url = MEASURED[endpoint].format(**meets["wide"])
    scopes = [competition_scope(meet["competition"]) for meet in meets.values()]
    few, few_size = _cost(api_app, api, few_url, admin_headers, redis_client, scopes)
    wide, wide_size = _cost(api_app, api, wide_url, admin_headers, redis_client, scopes)
    assert wide == few, f"{wide_url}: {wide} statements, {few} for {few_url}"
    assert wide <= STATEMENT_BOUND
    assert wide_size > few_size  # the other events were exported too
