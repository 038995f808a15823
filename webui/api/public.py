"""``/api/public/...``: results, leaderboards, schedules and exports for everyone, no login.

Every answer is cached (see :mod:`athsys.leaderboards.cache`): the cached text is the whole
envelope, so a hit costs a dictionary lookup (or one Redis ``GET``) and no database work.
Caches are keyed by the scope whose changes invalidate them: the event (results, boards,
exports) or the competition (schedule). Redis down: answers are computed directly.

A draft competition is invisible here: whatever reaches it (its id, an event, round or heat of
it) answers 404 as for one that does not exist, before any cached answer is looked at.

The public API is exempt from the per-client default rate limit: spectators share venue and
mobile-carrier addresses, and cached answers are cheap.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from athsys.competitions.models import Entry, Event, Heat, Round
from athsys.errors import NotFoundError, ValidationError
from athsys.inputs import INTEGER_MAX, integer_problem
from athsys.leaderboards import (
    athletes,
    exports,
    federation,
    lines,
    reads,
    scoreboard,
    team_standings,
    tracking,
)
from athsys.leaderboards.cache import (
    COMPETITIONS_SCOPE,
    REDIS_ERRORS,
    BoardStore,
    Cache,
    cache_ttls,
    competition_scope,
    event_scope,
    live_sequence,
    live_versions,
)
from athsys.leaderboards.teams import parse_cross_country_scheme, parse_points_scheme
from webui.api.openapi import describe

blueprint = Blueprint("public_api", __name__, url_prefix="/api/public")
_CACHE_KEY = "athsys_public_cache"
_HEAT_EVENTS = "athsys_public_heat_events"
_ROUND_EVENTS = "athsys_public_round_events"
_EVENT_COMPETITIONS = "athsys_public_event_competitions"
_PUBLISHED = "athsys_public_published"
#: How long a process trusts what it last read of a competition's status (publishing or
#: taking one back to draft shows within this many seconds).
PUBLISHED_RECHECK_S = 2.0
#: How many ids each of those per-process memos holds before it starts afresh: a crowd
#: probing ids cannot grow a process without bound, and a memo is one query to refill.
MEMO_LIMIT = 20_000


def _memo(known: dict[int, Any], key: int, value: Any) -> None:
    if len(known) >= MEMO_LIMIT:
        known.clear()
    known[key] = value


def register(app: Flask) -> None:
    """Register the blueprint, its cache (listening for invalidations), no default limit."""
    cache = Cache(app.extensions["athsys_redis"], cache_ttls(app.config["ATHSYS_SETTINGS"]))
    app.extensions[_CACHE_KEY] = cache
    app.extensions[_HEAT_EVENTS] = {}
    app.extensions[_ROUND_EVENTS] = {}
    app.extensions[_EVENT_COMPETITIONS] = {}
    app.extensions[_PUBLISHED] = {}
    app.register_blueprint(blueprint)
    limiter = app.appbuilder.sm.limiter  # type: ignore[attr-defined]
    limiter.exempt(blueprint)
    # an exempt blueprint's limits are still resolved on every request (a fifth of a cache
    # hit's time); a request filter answers "exempt" before any of that
    limiter.request_filter(_is_public_request)
    published_seen = app.extensions[_PUBLISHED]
    tracking.on_competitions_committed(
        app, lambda ids: _competitions_changed(cache, published_seen, ids))


def _competitions_changed(cache: Cache, published_seen: dict[int, tuple[bool, float]],
                          competition_ids: set[int]) -> None:
    """Drop the cached list of competitions and the schedules of those changed (a meet
    published shows at once, not when the list's copy expires)."""
    for competition_id in competition_ids:
        published_seen.pop(competition_id, None)
    scopes = [COMPETITIONS_SCOPE, *map(competition_scope, sorted(competition_ids))]
    try:
        cache.invalidate(scopes)
    except REDIS_ERRORS:  # no Redis: this process's copies go; others expire by their TTL
        cache.drop_local(scopes)


def _is_public_request() -> bool:
    return request.blueprint == blueprint.name


def public_cache() -> Cache:
    cache = cast(Cache, current_app.extensions[_CACHE_KEY])
    cache.start_listening()  # per process: gunicorn forks after the app is created
    return cache


def db() -> Session:
    return cast(Session, current_app.appbuilder.session)  # type: ignore[attr-defined]


def board_store() -> BoardStore:
    return BoardStore(current_app.extensions["athsys_redis"])


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or integer_problem(int(raw)):
        raise ValidationError(f"{name} must be a whole number from 0 to {INTEGER_MAX}, "
                              f"got {raw!r}", details={name: raw})
    return int(raw)


def paging() -> tuple[int, int]:
    return reads.check_page(_int_arg("page", 1), _int_arg("per_page", 50))


def _json_text(data: Any) -> str:
    return json.dumps({"success": True, "data": data}, separators=(",", ":"), default=str)


def cached(cache: str, scope: str, key: str, compute: Callable[[], str],
           mimetype: str = "application/json") -> Response:
    """The cached answer; ``?v=<version>`` (sent by the live pages after an update of that
    version) skips local copies older than it."""
    raw = request.args.get("v", "")
    version = int(raw) if raw.isascii() and raw.isdigit() else 0
    body = public_cache().get_or_compute_bytes(cache, scope, key, compute, min_version=version)
    response = Response(body, mimetype=mimetype)
    response.headers["Cache-Control"] = "public, max-age=1"
    return response


def _remembered(store: str, ident: int, query: Select[tuple[int]], what: str) -> int:
    """The id ``query`` selects for the ``what`` ``ident``, remembered by the process (it
    never changes: a heat never moves to another event, an event to another competition);
    404 when there is no such ``what``."""
    known: dict[int, int] = current_app.extensions[store]
    found = known.get(ident)  # one look-up: another thread may start the memo afresh
    if found is None:
        found = db().scalar(query)
        if found is None:
            raise NotFoundError(f"no {what} {ident}", details={f"{what}_id": ident})
        _memo(known, ident, found)
    return found


def event_of_heat(heat_id: int) -> int:
    return _remembered(_HEAT_EVENTS, heat_id, select(Round.event_id).join(
        Heat, Heat.round_id == Round.id).where(Heat.id == heat_id), "heat")


def event_of_round(round_id: int) -> int:
    return _remembered(_ROUND_EVENTS, round_id,
                       select(Round.event_id).where(Round.id == round_id), "round")


def published(competition_id: int) -> int:
    """``competition_id`` if the public may see it; a draft is a 404 like an unknown id."""
    known: dict[int, tuple[bool, float]] = current_app.extensions[_PUBLISHED]
    now = time.monotonic()
    seen = known.get(competition_id)
    if seen is None or now - seen[1] > PUBLISHED_RECHECK_S:
        seen = (reads.is_published(db(), competition_id), now)
        _memo(known, competition_id, seen)
    if not seen[0]:
        raise NotFoundError(f"no competition {competition_id}",
                            details={"competition_id": competition_id})
    return competition_id


def competition_of_event(event_id: int) -> int:
    return _remembered(_EVENT_COMPETITIONS, event_id,
                       select(Event.competition_id).where(Event.id == event_id), "event")


def published_event(event_id: int) -> int:
    """``event_id`` if its competition is published (404 otherwise)."""
    published(competition_of_event(event_id))
    return event_id


# -- JSON ------------------------------------------------------------------------------------


@blueprint.get("/competitions")
def competitions() -> Response:
    """Competitions running today, in the last week or tomorrow (newest first)."""
    today = datetime.now(UTC).date()
    return cached("api", COMPETITIONS_SCOPE, today.isoformat(), lambda: _json_text(
        reads.competitions_around(db(), today)))


@blueprint.get("/competitions/<int:competition_id>")
def competition(competition_id: int) -> Response:
    """The competition with its events, rounds, heats and timetable."""
    return cached("schedule", competition_scope(published(competition_id)), "schedule",
                  lambda: _json_text(reads.schedule(db(), competition_id)))


@blueprint.get("/competitions/<int:competition_id>/live")
def competition_live(competition_id: int) -> Response:
    """Leaderboard versions per event: what polling clients compare to see a change."""
    published(competition_id)
    try:
        versions = live_versions(current_app.extensions["athsys_redis"], competition_id)
    except REDIS_ERRORS:
        versions = {}
    return Response(_json_text({"competition_id": competition_id, "events": versions}),
                    mimetype="application/json")


@blueprint.get("/events/<int:event_id>/leaderboard")
def leaderboard(event_id: int) -> Response:
    """A page of the event's leaderboard: ``board`` = all (default), sex:M, sex:F,
    cat:<category> (SEN, U20, M40, W45...), age-graded (the newest road tables) or
    age-graded:<edition> (2020, 2025); an age-graded answer names its tables and rounding."""
    page, per_page = paging()
    board = request.args.get("board", lines.ALL)
    return cached("leaderboard", event_scope(published_event(event_id)),
                  f"{board}:{page}:{per_page}",
                  lambda: _json_text(reads.read_board(
                      db(), board_store(), event_id, board, page, per_page)))


@blueprint.get("/events/<int:event_id>/teams")
def teams(event_id: int) -> Response:
    """Club scores of the event: ``points`` per place (e.g. 10,8,6,5,4,3,2,1) and
    ``scorers`` (members counted per club); or ``scoring=cross-country`` with ``scorers``
    (default 4) and ``displacers`` (default 2): low-point scoring of complete teams."""
    if request.args.get("scoring") == "cross-country":
        xc = parse_cross_country_scheme(request.args.get("scorers"),
                                        request.args.get("displacers"))
        return cached("api", event_scope(published_event(event_id)),
                      f"teams:xc:{xc.scorers}:{xc.displacers}",
                      lambda: _json_text(reads.cross_country_standings(db(), event_id, xc)))
    scheme = parse_points_scheme(request.args.get("points"), request.args.get("scorers"))
    key = f"teams:{','.join(map(str, scheme.points))}:{scheme.scorers}"
    return cached("api", event_scope(published_event(event_id)), key,
                  lambda: _json_text(reads.team_standings(db(), event_id, scheme)))


@blueprint.get("/competitions/<int:competition_id>/teams")
def competition_teams(competition_id: int) -> Response:
    """The competition's team standings under its stored scheme, as the leaderboard worker
    computed them last (computed here only when the worker has stored none yet)."""
    return Response(_json_text(_team_standings(published(competition_id))),
                    mimetype="application/json")


def _team_standings(competition_id: int) -> dict[str, Any]:
    try:
        found = team_standings.stored(current_app.extensions["athsys_redis"], competition_id)
    except REDIS_ERRORS:
        found = None
    return found if found is not None else team_standings.compute(db(), competition_id)


@blueprint.get("/heats/<int:heat_id>/results")
def heat_results(heat_id: int) -> Response:
    """A heat's results ranked, or its start list while it has no results."""
    page, per_page = paging()
    return cached("api", event_scope(published_event(event_of_heat(heat_id))),
                  f"heat:{heat_id}:{page}:{per_page}",
                  lambda: _json_text(reads.heat_results(db(), heat_id, page, per_page)))


@blueprint.get("/heats/<int:heat_id>/board")
def heat_board(heat_id: int) -> Response:
    """The heat's scoreboard state (docs/scoreboard.md): a race's gun, lanes and results, or
    a field flight's standing after each attempt, with a ``version``."""
    event_id = published_event(event_of_heat(heat_id))
    try:
        sequence = live_sequence(current_app.extensions["athsys_redis"], event_id)
    except REDIS_ERRORS:
        sequence = -1  # the cache is down as well: the answer is computed
    return cached("api", event_scope(event_id), f"board:{heat_id}:{sequence}",
                  lambda: _json_text(board_state(heat_id)))


def board_state(heat_id: int) -> dict[str, Any]:
    """The board as stored now; the read's transaction ends with it (a stream reads again
    and again, and must neither see old objects nor hold a transaction open)."""
    session = db()
    try:
        return scoreboard.board_state(session, heat_id)
    finally:
        session.rollback()


@blueprint.get("/rounds/<int:round_id>/results")
def round_results(round_id: int) -> Response:
    """All heats of a round ranked together."""
    page, per_page = paging()
    return cached("api", event_scope(published_event(event_of_round(round_id))),
                  f"round:{round_id}:{page}:{per_page}",
                  lambda: _json_text(reads.round_results(db(), round_id, page, per_page)))


# -- exports ---------------------------------------------------------------------------------

CSV = "text/csv; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


def _download(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/events/<int:event_id>/results.csv")
def event_results_csv(event_id: int) -> Response:
    """The event's results as CSV (non-finishers with their status)."""
    def compute() -> str:
        head, lines = reads.event_results(db(), event_id)
        return exports.results_csv([(head["name"], lines)])
    return _download(cached("api", event_scope(published_event(event_id)), "results.csv",
                            compute, CSV),
                     f"event-{event_id}-results.csv")


@blueprint.get("/competitions/<int:competition_id>/results.csv")
def competition_results_csv(competition_id: int) -> Response:
    """Every event's results as one CSV."""
    def compute() -> str:
        return exports.results_csv([(head["name"], lines) for head, lines in
                                    reads.competition_results(db(), competition_id)])
    return _download(cached("api", competition_scope(published(competition_id)), "results.csv",
                            compute, CSV), f"competition-{competition_id}-results.csv")


@blueprint.get("/competitions/<int:competition_id>/teams.csv")
def competition_teams_csv(competition_id: int) -> Response:
    """The team standings as CSV: totals, then each event's team scores."""
    return _download(Response(exports.team_standings_csv(
        _team_standings(published(competition_id))), mimetype=CSV),
        f"competition-{competition_id}-teams.csv")


@blueprint.get("/competitions/<int:competition_id>/results.txt")
def competition_results_semicolon(competition_id: int) -> Response:
    """The Hy-Tek-style semicolon results export that statistics sites import."""
    def compute() -> str:
        return exports.hytek_semicolon(reads.export_results(db(), competition_id)[1])
    return _download(cached("api", competition_scope(published(competition_id)), "results.txt",
                            compute, TEXT), f"competition-{competition_id}-results.txt")


def _competition_export(competition_id: int, key: str,
                        write: Callable[[dict[str, Any], list[Any]], str],
                        mimetype: str, filename: str) -> Response:
    """A whole competition's results written by ``write`` (cached per competition)."""
    def compute() -> str:
        competition, boards = reads.export_results(db(), competition_id)
        return write(competition, boards)
    return _download(cached("api", competition_scope(published(competition_id)), key,
                            compute, mimetype), f"competition-{competition_id}-{filename}")


@blueprint.get("/competitions/<int:competition_id>/athletic-net.csv")
def competition_results_athletic_net(competition_id: int) -> Response:
    """Athletic.net's delimited results file (a heading row, one athlete a line)."""
    return _competition_export(competition_id, "athletic-net.csv",
                               lambda _, boards: federation.athletic_net_csv(boards), CSV,
                               "athletic-net.csv")


@blueprint.get("/competitions/<int:competition_id>/tfrrs.csv")
def competition_results_tfrrs(competition_id: int) -> Response:
    """A TFRRS-compatible results CSV."""
    return _competition_export(competition_id, "tfrrs.csv",
                               lambda _, boards: federation.tfrrs_csv(boards), CSV, "tfrrs.csv")


@blueprint.get("/competitions/<int:competition_id>/power-of-10.csv")
def competition_results_power_of_10(competition_id: int) -> Response:
    """The Power of 10 results sheet."""
    return _competition_export(competition_id, "power-of-10.csv",
                               lambda _, boards: federation.power_of_10_csv(boards), CSV,
                               "power-of-10.csv")


@blueprint.get("/competitions/<int:competition_id>/results.json")
def competition_results_json(competition_id: int) -> Response:
    """The JSON results file (docs/results-json.md): every field the project knows."""
    return _competition_export(
        competition_id, "results.json",
        lambda competition, boards: json.dumps(
            federation.results_document(competition, boards), ensure_ascii=False,
            separators=(",", ":")),
        "application/json", "results.json")


@blueprint.get("/heats/<int:heat_id>/startlist.csv")
def heat_start_list_csv(heat_id: int) -> Response:
    """A heat's start list (lanes or order) as CSV."""
    def compute() -> str:
        heat = reads.heat_results(db(), heat_id, 1, 1)
        return exports.start_list_csv(heat["event"]["name"], heat["heat"]["number"],
                                      reads.start_list(db(), heat_id))
    return _download(cached("api", event_scope(published_event(event_of_heat(heat_id))),
                            f"start:{heat_id}",
                            compute, CSV), f"heat-{heat_id}-startlist.csv")


@blueprint.get("/competitions/<int:competition_id>/search")
def search(competition_id: int) -> Response:
    """Entries by bib (exact or leading digits) or name (every word, any order), at most 20."""
    published(competition_id)
    hits = athletes.search_entries(db(), competition_id, request.args.get("q", ""))
    response = Response(_json_text(hits), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=5"
    return response


@blueprint.get("/competitions/<int:competition_id>/entries/<int:entry_id>/tracking")
def entry_tracking(competition_id: int, entry_id: int) -> Response:
    """One athlete as the race goes: every split so far, the predicted finish, the result."""
    published(competition_id)
    event_id = db().scalar(select(Entry.event_id).where(
        Entry.id == entry_id, Entry.competition_id == competition_id))
    if event_id is None:
        raise NotFoundError(f"no entry {entry_id} in competition {competition_id}",
                            details={"entry_id": entry_id})
    return cached("api", event_scope(event_id), f"tracking:{entry_id}",
                  lambda: _json_text(athletes.tracking(db(), competition_id, entry_id)))


_PAGE_ARGS = {"page": "page number, 1 or more", "per_page": "lines per page, 1-100"}
for _endpoint, _summary, _media_type in (
    ("competitions", "Today's and recent competitions", "application/json"),
    ("competition", "A competition's schedule", "application/json"),
    ("competition_live", "Leaderboard versions for polling clients", "application/json"),
    ("leaderboard", "An event's leaderboard (paged; board=all|sex:M|cat:M40|age-graded"
                    "|age-graded:2020; age grades are cut, not rounded, to two decimals)",
     "application/json"),
    ("teams", "Club scores of an event (points=10,8,6...&scorers=3, or "
              "scoring=cross-country&scorers=4&displacers=2)", "application/json"),
    ("competition_teams", "A competition's team standings under its stored scheme (totals "
                          "and per event)", "application/json"),
    ("competition_teams_csv", "A competition's team standings as CSV", CSV),
    ("heat_results", "A heat's results, or its start list (paged)", "application/json"),
    ("round_results", "A round's heats ranked together (paged)", "application/json"),
    ("heat_board", "A heat's scoreboard state (race clock, lanes, results; field standing"
                   " after each attempt); schema in docs/scoreboard.md", "application/json"),
    ("event_results_csv", "An event's results as CSV", CSV),
    ("competition_results_csv", "A competition's results as CSV", CSV),
    ("competition_results_semicolon", "Semicolon results export (Hy-Tek style; heat place "
                                      "and combined points last)", TEXT),
    ("competition_results_athletic_net", "Athletic.net delimited results file", CSV),
    ("competition_results_tfrrs", "TFRRS-compatible results CSV", CSV),
    ("competition_results_power_of_10", "Power of 10 results sheet (CSV)", CSV),
    ("competition_results_json", "JSON results file, every field (docs/results-json.md)",
     "application/json"),
    ("heat_start_list_csv", "A heat's start list as CSV", CSV),
    ("search", "Find entries by bib or name (q, 1-40 characters; at most 20)",
     "application/json"),
    ("entry_tracking", "An athlete's splits so far, predicted finish and result",
     "application/json"),
):
    describe(f"public_api.{_endpoint}", summary=_summary, tag="public",
             description="Public, no login; cached.", media_type=_media_type)
