"""Admin benchmark: prints figures, asserts nothing.

    .venv/bin/python ops/bench/admin_bench.py [--athletes 100000] [--entries 55000]
        [--requests 50] [--budget-s 10]

Starts the embedded PostgreSQL and Redis in a temporary directory, migrates, and loads (bulk
SQL) ``--athletes`` athletes in 500 clubs, 20 past competitions and one city meet: a marathon
(50,000 entries, one heat, a result each) and 20 track events (the rest of ``--entries``, 4
heats each with their start lists). Then gunicorn (2 workers x 4 threads, gthread) on
127.0.0.1, signed in as the admin with a session cookie, one keep-alive connection, one
request at a time, measures p50 and p95 over ``--requests`` requests (fewer when a URL uses
up ``--budget-s``; 3 warm-up requests first) of:

1. every admin list page (each registered ModelView's ``/list/``) and lists with a search
   filter applied (entries of one athlete, of one event; results of one heat; athletes by
   name);
2. the add and edit forms of entries, results, heats, start lists, attempts and chips;
3. every picker (``/api/pickers/<kind>?q=``) with a typed prefix, common and rare;
4. baseline: a static file from the same gunicorn.

Figures recorded (``ATHSYS_BENCH_RECORD``): ``admin.list_p95_ms`` (the worst list page),
``admin.form_p95_ms`` (the worst form), ``admin.picker_p95_ms`` (the worst picker) and
``baseline.admin_static_p95_ms``. Target on a 2-core machine: each p95 ≤ 150 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import time
import urllib.parse
from dataclasses import dataclass
from datetime import date

from bench_support import (  # first: it puts the project on sys.path
    BenchEnvironment,
    bench_environment,
    gunicorn,
    record,
)
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys.config import replace  # noqa: E402
from athsys.db import make_engine  # noqa: E402

MEET_DAY = date(2026, 9, 20)
USERNAME, PASSWORD = "bench-admin", "bench-admin-password"
LAST_NAMES = ("Kowalski", "Okafor", "Smith", "Müller", "García", "Rossi", "Dubois", "Nowak",
              "Johansson", "Virtanen", "Kipchoge", "Tanaka", "Silva", "Jensen", "Horvat",
              "Novak", "Papadopoulos", "Yilmaz", "Ivanova", "O'Brien", "Van Dijk", "Larsen",
              "Moreau", "Fischer", "Bianchi", "Kim", "Nguyen", "Cohen", "Murphy", "Schmidt")
FIRST_NAMES = ("Ana", "Bea", "Carl", "Dana", "Emil", "Faith", "Gus", "Hana", "Ivo", "Jo",
               "Kofi", "Lena", "Mo", "Nia", "Otto", "Pia", "Quinn", "Rui", "Sara", "Tom")


@dataclass(frozen=True)
class Ids:
    """Rows the filtered lists and edit forms point at."""

    athlete: int
    marathon: int
    marathon_heat: int
    track_heat: int
    entry: int
    result: int


def _array(values: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _load(session: Session, athletes: int, entries: int) -> Ids:
    """Clubs, athletes, competitions, events, rounds, heats, entries, start lists, results."""
    session.execute(text(
        "INSERT INTO club (name, code, country) SELECT 'Athletic Club ' || g, 'AC' || g, 'FRA'"
        " FROM generate_series(1, 500) g"))
    session.execute(text(
        f"INSERT INTO athlete (first_name, last_name, sex, birth_date, club_id, licence,"
        f" nationality) SELECT ({_array(FIRST_NAMES)})[1 + g % {len(FIRST_NAMES)}],"
        f" ({_array(LAST_NAMES)})[1 + (g / 7) % {len(LAST_NAMES)}] || ' ' || g,"
        f" CASE WHEN g % 2 = 0 THEN 'M' ELSE 'F' END, DATE '1960-01-01' + g % 20000,"
        f" (SELECT min(id) FROM club) + g % 500, 'LIC' || g, 'FRA'"
        f" FROM generate_series(1, :n) g"), {"n": athletes})
    session.execute(text(
        "INSERT INTO competition (name, venue, start_date, end_date, status)"
        " SELECT 'Meeting ' || g, 'Stadium ' || g, DATE '2025-05-01' + g, DATE '2025-05-01' + g,"
        " 'official' FROM generate_series(1, 20) g"))
    meet = session.execute(text(
        "INSERT INTO competition (name, venue, start_date, end_date, status, time_zone)"
        " VALUES ('City Marathon and Games', 'City', :d, :d, 'live', 'Europe/Paris')"
        " RETURNING id"), {"d": MEET_DAY}).scalar_one()
    marathon = session.execute(text(
        "INSERT INTO event (competition_id, discipline_code, name, sex, kind)"
        " VALUES (:c, 'MAR', 'Marathon', 'M', 'road') RETURNING id"), {"c": meet}).scalar_one()
    track_codes = ("100m", "200m", "400m", "800m", "1500m", "5000m", "10000m", "110mH", "400mH",
                   "3000mSC")
    session.execute(text(
        "INSERT INTO event (competition_id, discipline_code, name, sex, kind)"
        " SELECT :c, code, code || CASE WHEN s = 'M' THEN ' Men' ELSE ' Women' END,"
        " s, 'track' FROM unnest(CAST(:codes AS text[])) code,"
        " unnest(ARRAY['M', 'F']) s"), {"c": meet, "codes": list(track_codes)})
    session.execute(text(
        "INSERT INTO round (event_id, kind) SELECT id, 'final' FROM event"
        " WHERE competition_id = :c"), {"c": meet})
    session.execute(text(
        "INSERT INTO heat (round_id, number, scheduled_start, status)"
        " SELECT r.id, n, TIMESTAMPTZ '2026-09-20 09:00+02' + (r.id * 4 + n) * interval '5 min',"
        " 'scheduled' FROM round r JOIN event e ON e.id = r.event_id,"
        " generate_series(1, 4) n WHERE e.competition_id = :c AND (e.kind = 'track' OR n = 1)"),
        {"c": meet})
    marathon_entries = min(50_000, entries)
    session.execute(text(
        "INSERT INTO entry (event_id, competition_id, athlete_id, bib)"
        " SELECT :e, :c, a.id, (a.rn)::text FROM"
        " (SELECT id, row_number() OVER (ORDER BY id) rn FROM athlete ORDER BY id LIMIT :n) a"),
        {"e": marathon, "c": meet, "n": marathon_entries})
    per_event = max(0, entries - marathon_entries) // 20
    session.execute(text(
        "INSERT INTO entry (event_id, competition_id, athlete_id, bib)"
        " SELECT e.id, :c, a.id, (100000 + e.rn * 1000 + a.rn)::text FROM"
        " (SELECT id, row_number() OVER (ORDER BY id) rn FROM event"
        "  WHERE competition_id = :c AND kind = 'track') e,"
        " (SELECT id, row_number() OVER (ORDER BY id) rn FROM athlete"
        "  ORDER BY id OFFSET :skip LIMIT :per) a"),
        {"c": meet, "skip": marathon_entries, "per": per_event})
    session.execute(text(
        "INSERT INTO lane_assignment (heat_id, entry_id, lane, position)"
        " SELECT h.id, x.id, 1 + x.rn % 8, 1 + x.rn % 8 FROM"
        " (SELECT en.id, en.event_id, row_number() OVER (PARTITION BY en.event_id ORDER BY en.id)"
        "  - 1 AS rn FROM entry en JOIN event ev ON ev.id = en.event_id"
        "  WHERE ev.competition_id = :c AND ev.kind = 'track') x"
        " JOIN round r ON r.event_id = x.event_id"
        " JOIN heat h ON h.round_id = r.id AND h.number = 1 + x.rn / 8"
        " WHERE x.rn < 32"), {"c": meet})
    marathon_heat = session.execute(text(
        "SELECT h.id FROM heat h JOIN round r ON r.id = h.round_id WHERE r.event_id = :e"),
        {"e": marathon}).scalar_one()
    session.execute(text(
        "INSERT INTO result (heat_id, entry_id, mark, place, status)"
        " SELECT :h, id, 7500000 + (hashtext(id::text) & 2147483647) % 14400000,"
        " row_number() OVER (ORDER BY id), 'OK' FROM entry WHERE event_id = :e"),
        {"h": marathon_heat, "e": marathon})
    session.execute(text(
        "UPDATE heat SET status = 'started', gun_time = TIMESTAMPTZ '2026-09-20 09:00+02'"
        " WHERE id = :h"), {"h": marathon_heat})
    track_heat = session.execute(text(
        "SELECT min(heat_id) FROM lane_assignment")).scalar_one()
    entry, athlete = session.execute(text(
        "SELECT id, athlete_id FROM entry WHERE event_id = :e ORDER BY id LIMIT 1"),
        {"e": marathon}).one()
    result = session.execute(text("SELECT min(id) FROM result")).scalar_one()
    return Ids(athlete, marathon, marathon_heat, track_heat, entry, result)


def _counts(session: Session) -> str:
    tables = ("club", "athlete", "competition", "event", "heat", "entry", "lane_assignment",
              "result")
    found = session.execute(text(" UNION ALL ".join(
        f"SELECT '{t}', count(*) FROM {t}" for t in tables))).all()
    return ", ".join(f"{count:,} {table}s" for table, count in found)


def _prepare_accounts(bench: BenchEnvironment) -> list[str]:
    """Roles, the admin account, and the list URL of every registered ModelView."""
    from flask_appbuilder import ModelView

    from webui.app import create_app
    from webui.cli import accounts

    settings = replace(bench.settings, athsys_data_dir=str(bench.data_dir))
    app = create_app(settings)
    accounts.sync_roles(settings, app=app)
    accounts.create_admin(settings, username=USERNAME, email="bench@athsys.local",
                          password=PASSWORD, app=app)
    return sorted(f"{view.route_base}/list/" for view in app.appbuilder.baseviews  # type: ignore[attr-defined]
                  if isinstance(view, ModelView)
                  and "list" in (view.include_route_methods or {"list"}))


class Client:
    """One keep-alive connection to gunicorn carrying the admin's session cookie."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def get(self, path: str) -> tuple[int, str]:
        try:
            return self._get(path)
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            return self._get(path)

    def _get(self, path: str) -> tuple[int, str]:
        self.conn.request("GET", path, headers={"Cookie": self.cookie} if self.cookie else {})
        answer = self.conn.getresponse()
        body = answer.read().decode("utf-8", "replace")
        self._keep(answer)
        return answer.status, body

    def _keep(self, answer: http.client.HTTPResponse) -> None:
        for header in answer.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]

    def log_in(self) -> None:
        _, page = self.get("/login/")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if token is None:
            raise RuntimeError("no CSRF token on /login/")
        body = urllib.parse.urlencode({"username": USERNAME, "password": PASSWORD,
                                       "csrf_token": token.group(1)})
        self.conn.request("POST", "/login/", body=body, headers={
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"})
        answer = self.conn.getresponse()
        answer.read()
        self._keep(answer)
        if answer.status != 302 or "/login" in (answer.headers.get("Location") or ""):
            raise RuntimeError(f"admin sign-in failed: {answer.status}")


@dataclass(frozen=True)
class Timing:
    path: str
    count: int
    p50_ms: float
    p95_ms: float
    size_kb: float


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _time(client: Client, path: str, requests: int, budget_s: float) -> Timing:
    """p50/p95 of ``requests`` GETs of ``path`` (at least 5, fewer when ``budget_s`` is spent)."""
    size = 0
    for _ in range(3):
        status, body = client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}: {body[:300]}")
        size = len(body)
    times: list[float] = []
    started = time.monotonic()
    while len(times) < requests and (len(times) < 5 or time.monotonic() - started < budget_s):
        began = time.perf_counter()
        status, _ = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} -> {status}")
    return Timing(path, len(times), _percentile(times, 0.5), _percentile(times, 0.95),
                  size / 1024)


def _measure(label: str, client: Client, paths: list[str], args: argparse.Namespace,
             ) -> list[Timing]:
    print(f"  {label}:")
    found = []
    for path in paths:
        timing = _time(client, path, args.requests, args.budget_s)
        found.append(timing)
        print(f"    p50 {timing.p50_ms:7.1f} ms  p95 {timing.p95_ms:7.1f} ms  "
              f"({timing.count:2d} requests, {timing.size_kb:7.1f} KiB)  {path}")
    return found


def _worst(label: str, figure: str, timings: list[Timing]) -> None:
    worst = max(timings, key=lambda t: t.p95_ms)
    print(f"  worst {label:<10}: p95 {worst.p95_ms:7.1f} ms  {worst.path}")
    record(figure, worst.p95_ms)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=55_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--budget-s", type=float, default=10.0,
                        help="time spent on one URL at most (but at least 5 requests)")
    args = parser.parse_args()
    os.environ["RATELIMIT_ENABLED"] = "false"  # the bench asks the picker API thousands of times
    load_before = os.getloadavg()
    with bench_environment("athsys-admin-bench-") as bench:
        engine = make_engine(bench.settings, pool_size=2)
        started = time.monotonic()
        with Session(engine) as session, session.begin():
            ids = _load(session, args.athletes, args.entries)
        with Session(engine) as session:
            session.execute(text("ANALYZE"))
            counts = _counts(session)
        print(f"admin benchmark, {os.cpu_count()} CPU(s), load average {load_before[0]:.2f}: "
              f"{counts} (loaded in {time.monotonic() - started:.0f} s)")
        lists = _prepare_accounts(bench)
        engine.dispose()
        with gunicorn(bench) as base:
            client = Client(int(base.rsplit(":", 1)[1]))
            client.log_in()
            static = _time(client, "/static/live/live.css", args.requests, args.budget_s)
            print(f"  static file (baseline): p50 {static.p50_ms:.1f} ms, p95 "
                  f"{static.p95_ms:.1f} ms")
            record("baseline.admin_static_p95_ms", static.p95_ms)
            filtered = [
                f"/entryview/list/?_flt_0_athlete={ids.athlete}",
                f"/entryview/list/?_flt_0_event={ids.marathon}",
                f"/resultview/list/?_flt_0_heat={ids.marathon_heat}",
                "/athleteview/list/?_flt_0_last_name=Okafor",
                "/athleteview/list/?_flt_2_last_name=kowal",
                "/entryview/list/?_flt_0_bib=1234",
            ]
            timings = _measure("list pages", client, lists + filtered, args)
            forms = _measure("forms", client, [
                "/entryview/add", f"/entryview/edit/{ids.entry}",
                "/resultview/add", f"/resultview/edit/{ids.result}",
                "/heatview/add", f"/heatview/edit/{ids.marathon_heat}",
                "/laneassignmentview/add", "/attemptview/add", "/chipassignmentview/add",
            ], args)
            pickers = _measure("pickers", client, [
                f"/api/pickers/{kind}?q={urllib.parse.quote(typed)}" for kind, typed in (
                    ("athletes", "okaf"), ("athletes", "zzq"), ("athletes", "LIC1234"),
                    ("clubs", "club 4"), ("clubs", "zzq"),
                    ("events", "100m"), ("events", "zzq"),
                    ("entries", "1234"), ("entries", "kowal"), ("entries", "zzq"),
                    ("heats", "marathon"), ("heats", "zzq"))
            ], args)
            _worst("list page", "admin.list_p95_ms", timings)
            _worst("form", "admin.form_p95_ms", forms)
            _worst("picker", "admin.picker_p95_ms", pickers)
        load_after = os.getloadavg()
        print(f"  load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
              "target on 2 cores: p95 <= 150 ms for every list page, form and picker")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
