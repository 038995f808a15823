"""Leaderboard benchmark: prints figures, asserts nothing.

    .venv/bin/python ops/bench/leaderboard_bench.py [--runners 50000] [--seconds 10]

Starts the embedded PostgreSQL and Redis in a temporary directory, migrates, creates a
marathon with ``--runners`` finishers (bulk SQL; their results written an hour ago, as in a
race in progress), then measures:

1. the full leaderboard: load + rank + store all boards in Redis (``refresh_event``, full);
2. one new finisher reflected: store one result, incremental ``refresh_event``;
3. the cached leaderboard JSON under load: gunicorn on 127.0.0.1 (2 workers x 4 threads,
   gthread) and Debian's ``wrk`` (2 threads, 32 connections) on
   ``/api/public/events/<id>/leaderboard``.

Targets on a 2-core machine: full ≤ 0.5 s; one finisher ≤ 50 ms; ≥ 1,000 req/s at p95 ≤ 50 ms.
Not measured here: stored → visible on the live page through the ingestion API at a steady
1,000 reads/s (see the e2e test for one stored → visible figure).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from athsys import embedded, migrations  # noqa: E402
from athsys.config import get_config, replace  # noqa: E402
from athsys.db import make_engine  # noqa: E402
from athsys.leaderboards import service  # noqa: E402
from athsys.leaderboards.cache import BoardStore  # noqa: E402
from athsys.redis_client import make_redis  # noqa: E402

RACE_DAY = date.today()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _setup_marathon(session: Session, runners: int) -> tuple[int, int, int]:
    """Competition, marathon event, one heat, runners + 1 athletes and entries, and results
    for all but the last entry; returns (event id, heat id, last entry id)."""
    competition_id = session.execute(text(
        "INSERT INTO competition (name, venue, start_date, end_date) "
        "VALUES ('Bench Marathon', 'City', :d, :d) RETURNING id"), {"d": RACE_DAY}).scalar_one()
    event_id = session.execute(text(
        "INSERT INTO event (competition_id, discipline_code, name, sex, kind) "
        "VALUES (:c, 'MAR', 'Marathon', 'M', 'road') RETURNING id"), {"c": competition_id}
    ).scalar_one()
    round_id = session.execute(text(
        "INSERT INTO round (event_id, kind) VALUES (:e, 'final') RETURNING id"), {"e": event_id}
    ).scalar_one()
    heat_id = session.execute(text(
        "INSERT INTO heat (round_id, number, status) VALUES (:r, 1, 'started') RETURNING id"),
        {"r": round_id}).scalar_one()
    session.execute(text(
        "INSERT INTO club (name, code) SELECT 'Club ' || g, 'C' || g FROM generate_series(1, 200) g"))
    session.execute(text(
        "INSERT INTO athlete (first_name, last_name, sex, birth_date, club_id) "
        "SELECT 'Runner' || g, 'Bench' || g, 'M', DATE '1960-01-01' + (g % 15000), "
        "(SELECT min(id) FROM club) + g % 200 FROM generate_series(1, :n) g"), {"n": runners + 1})
    session.execute(text(
        "INSERT INTO entry (event_id, competition_id, athlete_id, bib) "
        "SELECT :e, :c, a.id, a.id::text FROM athlete a"), {"e": event_id, "c": competition_id})
    session.execute(text(
        "INSERT INTO result (heat_id, entry_id, mark, status, created_at, updated_at) "
        "SELECT :h, e.id, 7500000 + (hashtext(e.id::text) & 2147483647) % 14400000, 'OK', "
        "now() - interval '1 hour', now() - interval '1 hour' FROM entry e "
        "WHERE e.event_id = :e ORDER BY e.id LIMIT :n"), {"h": heat_id, "e": event_id, "n": runners})
    last = session.execute(text("SELECT max(id) FROM entry WHERE event_id = :e"),
                           {"e": event_id}).scalar_one()
    session.execute(text("ANALYZE"))
    return event_id, heat_id, last


def _wait_live(base: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/live", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer")


def _wrk_figures(output: str) -> tuple[float, str]:
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p95 = re.search(r"^\s+90%\s+(\S+)\n\s+99%\s+(\S+)", output, re.M)
    return rate, f"p90 {p95.group(1)}, p99 {p95.group(2)}" if p95 else "?"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runners", type=int, default=50_000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="athsys-lb-bench-"))
    data_dir.chmod(0o755)
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        servers, _ = embedded.start(data_dir)
        settings = replace(get_config("development"), database_url=servers.database_url(),
                           redis_url=servers.redis_url(), log_level="WARNING",
                           log_dir=str(data_dir / "logs"))
        migrations.upgrade(settings.database_url)
        engine = make_engine(settings, pool_size=2)
        with Session(engine) as session, session.begin():
            event_id, heat_id, last_entry = _setup_marathon(session, args.runners)
        store = BoardStore(make_redis(settings, timeout_s=30))
        print(f"leaderboard benchmark: marathon of {args.runners} finishers, "
              f"{os.cpu_count()} CPU(s)")

        with Session(engine) as session:
            info = service.event_info(session, event_id)
            started = time.perf_counter()
            lines = service.load_lines(session, info)
            load_s = time.perf_counter() - started
        started = time.perf_counter()
        board = service.rank_lines(lines)
        rank_s = time.perf_counter() - started
        assert board[0]["place"] == 1 and len(board) == args.runners
        fulls = []
        for _ in range(3):
            with Session(engine) as session:
                fulls.append(service.refresh_event(session, store, event_id,
                                                   force_full=True).compute_ms)
        print(f"  full leaderboard          : {min(fulls):8.0f} ms (best of 3: load "
              f"{load_s * 1000:.0f} ms + rank {rank_s * 1000:.0f} ms + store in Redis; "
              f"all runs {', '.join(f'{f:.0f}' for f in fulls)} ms)")

        incremental = []
        for i in range(5):
            with Session(engine) as session, session.begin():
                if i == 0:
                    session.execute(text(
                        "INSERT INTO result (heat_id, entry_id, mark, status) "
                        "VALUES (:h, :e, 8000000, 'OK')"), {"h": heat_id, "e": last_entry})
                else:
                    session.execute(text(
                        "UPDATE result SET mark = mark - 1000, revision = revision + 1 "
                        "WHERE entry_id = :e"), {"e": last_entry})
            with Session(engine) as session:
                outcome = service.refresh_event(session, store, event_id)
            assert not outcome.full and outcome.lines_changed == 1, outcome
            incremental.append(outcome.compute_ms)
        with Session(engine) as session:
            page = service.read_board(session, store, event_id, page=1, per_page=50)
        print(f"  one new finisher reflected: {sorted(incremental)[2]:8.1f} ms (median of 5: "
              f"{', '.join(f'{m:.1f}' for m in incremental)} ms; read of the changed rows, "
              f"ZADD, meta); page 1 source={page['source']}")

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "ATHSYS_ENV": "development", "DATABASE_URL": settings.database_url,
               "REDIS_URL": settings.redis_url, "LOG_LEVEL": "WARNING",
               "LOG_DIR": settings.log_dir, "ATHSYS_DATA_DIR": str(data_dir),
               "PROMETHEUS_MULTIPROC_DIR": str(data_dir / "prom")}
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--worker-class", "gthread", "--threads", "4",
             "--timeout", "120", "--log-level", "warning", "webui.wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        _wait_live(base)
        url = f"{base}/api/public/events/{event_id}/leaderboard?per_page=50"
        for _ in range(20):
            urllib.request.urlopen(url, timeout=10).read()
        wrk = shutil.which("wrk")
        if wrk is None:
            print("  cached leaderboard JSON   : wrk not installed (apt-get install wrk)")
        else:
            out = subprocess.run([wrk, "-t2", "-c32", f"-d{args.seconds}s", "--latency", url],
                                 capture_output=True, text=True, check=True).stdout
            rate, latency = _wrk_figures(out)
            print(f"  cached leaderboard JSON   : {rate:8.0f} req/s ({latency}; wrk -t2 -c32 "
                  f"-d{args.seconds}s against gunicorn 2 workers x 4 threads)")
            print("    " + "\n    ".join(line for line in out.splitlines() if line.strip()))
        print("  targets (2 cores)         :      500 ms full,     50 ms one finisher, "
              "1,000 req/s at p95 <= 50 ms")
        engine.dispose()
        return 0
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
