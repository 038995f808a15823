"""The hot queries use the indexes meant for them, on a database of realistic proportions.

100,000 athletes, ten competitions of two events of 25 heats of 100 (50,000 entries with
their results), 20,000 batches of reads already processed and 200,000 reads: enough that
PostgreSQL, vacuumed and with fresh statistics, reads a heat's results, a rare name or one
competition's entries through an index rather than a whole table. The statements are the
application's own, recorded at the cursor as it runs them (tests/support/statements.py) and
planned again under ``EXPLAIN``; the test names the index each must use. No
``enable_seqscan = off``: a plan that only an index-forcing setting gives would not be the
plan of production.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import SYSTEM
from athsys.athletes.models import Athlete
from athsys.competitions.builder import MeetBuilder
from athsys.competitions.pickers import PICKERS
from athsys.jobs import discard_pending
from athsys.leaderboards import refresh
from athsys.leaderboards.athletes import search_entries
from athsys.leaderboards.cache import BoardStore
from athsys.sport.sex import Sex
from athsys.timing import devices, recompute
from athsys.timing import service as timing_service
from athsys.timing.models import DeviceKind, MatRole, TimingDevice, TimingPoint
from athsys.timing.service import _waiting_batches
from tests.support.database import truncate_all
from tests.support.statements import executed

pytestmark = pytest.mark.integration

COMPETITIONS, EVENTS, HEATS, RUNNERS = 10, 2, 25, 100
ATHLETES, BATCHES, READS = 100_000, 20_000, 200_000
#: Names of letters, as people's are: with hex digits in them, a sample of names that happened
#: to hold the bib typed ("4321") told PostgreSQL one name in a hundred held it.
LETTERS_ONLY = {"digits": "0123456789", "letters": "ghijklmnop"}


@pytest.fixture(scope="module")
def database(engine: Engine) -> Iterator[dict[str, Any]]:
    """The meets, their athletes, a device with its batches; analysed. Emptied after."""
    with Session(engine) as session, session.begin():
        build = MeetBuilder(session)
        first_athlete = session.scalar(text(
            "WITH made AS (INSERT INTO athlete (first_name, last_name, sex, licence,"
            " created_at, updated_at)"
            " SELECT 'First' || translate(substr(md5('f' || i), 1, 6), :digits, :letters),"
            " initcap(translate(substr(md5(i::text), 1, 10), :digits, :letters)), 'M',"
            " 'LIC' || i, now(), now() FROM generate_series(1, :n) i RETURNING id)"
            " SELECT min(id) FROM made"), {"n": ATHLETES, **LETTERS_ONLY})
        heats = []
        for c in range(COMPETITIONS):
            competition = build.competition(f"Plans Meet {c}", day=datetime.now(UTC).date())
            for sex in (Sex.MALE, Sex.FEMALE)[:EVENTS]:
                event = build.event(competition, "100m", sex=sex)
                heats += [(competition.id, event.id, build.race(event, ordinal=h + 1).id)
                          for h in range(HEATS)]
        for n, (competition_id, event_id, heat_id) in enumerate(heats):
            session.execute(text(
                "WITH e AS (INSERT INTO entry (event_id, competition_id, athlete_id, bib,"
                " status, created_at, updated_at) SELECT :event, :competition, a,"
                " (a - :base + 1)::text, 'entered', now(), now()"
                " FROM generate_series(:lo, :hi) a RETURNING id),"
                " s AS (INSERT INTO lane_assignment (heat_id, entry_id, position)"
                " SELECT :heat, id, row_number() OVER (ORDER BY id) FROM e)"
                " INSERT INTO result (heat_id, entry_id, mark, status, created_at, updated_at)"
                " SELECT :heat, id, 10000 + id % 997, 'OK', now(), now() FROM e"),
                {"event": event_id, "competition": competition_id, "heat": heat_id,
                 "base": first_athlete, "lo": first_athlete + n * RUNNERS,
                 "hi": first_athlete + (n + 1) * RUNNERS - 1})
        finish = TimingPoint(competition_id=heats[0][0], name="Finish", distance_m=100,
                             is_finish=True)
        session.add(finish)
        session.flush()
        device = devices.create_device(session, SYSTEM, competition_id=heats[0][0],
                                       name="finish", kind=DeviceKind.CHIP_DECODER,
                                       timing_point_id=finish.id,
                                       mat_role=MatRole.PRIMARY).device.id
        session.execute(text(
            "INSERT INTO read_batch (device_id, payload_sha256, format, status, received_at)"
            " SELECT :device, md5(i::text) || md5('x' || i), 'json', 'done',"
            " now() - make_interval(secs => i) FROM generate_series(1, :n) i"),
            {"device": device, "n": BATCHES})
        session.execute(text(
            "INSERT INTO timing_read (device_id, read_id, chip, timing_point_id, read_at,"
            " is_gun) SELECT :device, 'read' || i, 'C' || i % :runners, :point,"
            " now() - make_interval(secs => i), false FROM generate_series(1, :n) i"),
            {"device": device, "runners": len(heats) * RUNNERS, "point": finish.id,
             "n": READS})
        rare = session.scalar(select(Athlete.last_name).where(Athlete.id == first_athlete + 4321))
    # VACUUM as well as ANALYZE: a GIN index's size figures, which its plans are costed by,
    # are VACUUM's to update, and until it runs new names wait in the index's pending list.
    # Left to autovacuum, the plans hung on when it reached the tables: in one CI run the
    # trigram indexes were costed above a parallel scan of all 100,000 athletes. Vacuumed, as
    # a database in service is, the name search is costed at a tenth of that scan.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    yield {"competition": heats[0][0], "event": heats[0][1], "device": device,
           "rare": rare.lower()[2:8]}
    truncate_all(engine)


def _plans(engine: Engine, call: Callable[[Session], Any],
           wanted: Callable[[str], bool]) -> list[str]:
    """The plans of the statements ``call`` sends that ``wanted`` picks (its writes undone)."""
    with Session(engine) as session, executed(engine) as sent:
        call(session)
        session.rollback()
    picked = [(query, parameters) for query, parameters in sent if wanted(query)]
    assert picked, "the statement was not sent"
    plans = []
    with engine.connect() as conn:
        cursor = conn.connection.cursor()
        for query, parameters in picked:
            cursor.execute("EXPLAIN " + query, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        conn.rollback()
    return plans


def _uses(plan: str, *indexes: str) -> None:
    for index in indexes:
        assert index in plan, f"{index} not used:\n{plan}"


def test_athlete_picker_finds_a_rare_name_through_the_trigram_indexes(
    engine: Engine, database: dict[str, Any]
) -> None:
    [plan] = _plans(engine, lambda s: PICKERS["athletes"].search(s, database["rare"]),
                    lambda q: "FROM athlete" in q)
    _uses(plan, "ix_athlete_first_last_trgm", "ix_athlete_last_first_trgm",
          "ix_athlete_licence_trgm")
    assert "Seq Scan on athlete" not in plan


def test_entry_picker_finds_bibs_and_names_each_through_its_index(
    engine: Engine, database: dict[str, Any]
) -> None:
    for typed in (database["rare"], "4321"):
        [plan] = _plans(engine, lambda s, typed=typed: PICKERS["entries"].search(s, typed),
                        lambda q: "FROM entry" in q)
        _uses(plan, "ix_athlete_first_last_trgm", "ix_athlete_last_first_trgm",
              "ix_entry_athlete_id", "ix_entry_team_name_trgm")
        # a bib's start: the trigram index, or the (competition, bib) B-tree's range (the
        # database's collation is C, where a prefix is a range)
        assert "ix_entry_bib_trgm" in plan or "uq_entry_competition_id_bib" in plan, plan
        assert "Seq Scan on athlete" not in plan and "Seq Scan on entry" not in plan, plan


def test_the_admin_last_name_filter_uses_its_trigram_index(
    engine: Engine, database: dict[str, Any]
) -> None:
    """Flask-AppBuilder's "contains" filter is ``ILIKE '%text%'`` (migration 0022)."""
    [plan] = _plans(engine, lambda s: s.scalar(select(func.count()).select_from(Athlete).where(
        Athlete.last_name.ilike(f"%{database['rare']}%"))), lambda q: "FROM athlete" in q)
    _uses(plan, "ix_athlete_last_name_trgm")


def test_live_search_by_bib_reads_one_competition_through_its_bib_index(
    engine: Engine, database: dict[str, Any]
) -> None:
    [plan] = _plans(engine, lambda s: search_entries(s, database["competition"], "1234"),
                    lambda q: "FROM entry" in q)
    _uses(plan, "uq_entry_competition_id_bib")
    assert "Seq Scan on entry" not in plan


def test_a_board_reads_its_heat_results_through_the_heat_index(
    engine: Engine, database: dict[str, Any], redis_client: redis_lib.Redis
) -> None:
    """The placings of a full build (and the lines): the results of the round's heats
    through the unique (heat, entry) index, not a scan of all 50,000."""
    plans = _plans(engine, lambda s: refresh.refresh_event(s, BoardStore(redis_client),
                                                           database["event"]),
                   lambda q: "FROM result r" in q)
    for plan in plans:
        _uses(plan, "uq_result_heat_id_entry_id")
        assert "Seq Scan on result" not in plan


@pytest.mark.parametrize("escaped", [False, True])
def test_a_resent_payload_is_found_by_its_unique_index(
    engine: Engine, database: dict[str, Any], escaped: bool
) -> None:
    """The device API's dedupe: the batch's (device, payload hash) is the arbiter of its
    row's ``ON CONFLICT DO NOTHING``; its reads are inserted as new, and a payload holding
    reads stored before is inserted again with each read's (device, read id) as the
    arbiter; whether the reads come from the payload itself (a plain batch) or from the
    staging table (a batch read item by item, here for an escape in a string)."""
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    items = [{"read_id": f"r{i}", "chip": f"C{i}", "timestamp": now} for i in range(3)]

    def receive(session: Session, indent: int | None) -> None:
        body = json.dumps(items, indent=indent)  # another payload, the same reads
        if escaped:
            body = body.replace('"C1"', '"C\\u0031"')
        device = session.get(TimingDevice, database["device"])
        timing_service.receive_passings(session, device, body, max_lines=10)
        discard_pending(session)

    with Session(engine) as session, executed(engine) as sent:
        receive(session, None)
        receive(session, 1)
        staging = [q for q, _ in sent if "CREATE TEMP TABLE" in q]
        stores = [(q[q.index("WITH batch"):], p) for q, p in sent if "WITH batch" in q]
        plans = []
        cursor = session.connection().connection.cursor()
        for query, parameters in stores:
            cursor.execute("EXPLAIN " + query, parameters)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        session.rollback()
    # the batch's row and its reads, one statement: as new, as new again (refused, the
    # reads are stored), then skipping the stored reads
    assert bool(staging) == escaped, sent
    assert ["(device_id, read_id) DO NOTHING" in q for q, _ in stores] == [False, False, True]
    _uses(plans[0], "uq_read_batch_device_id_payload_sha256")
    assert "uq_timing_read_device_id_read_id" not in plans[0]
    _uses(plans[2], "uq_read_batch_device_id_payload_sha256", "uq_timing_read_device_id_read_id")


def test_a_runners_reads_are_looked_up_through_the_chip_index(
    engine: Engine, database: dict[str, Any]
) -> None:
    """The recompute's reads of the chips it re-times: one lookup of the chip index per chip,
    not a scan of the 200,000 reads."""
    [plan] = _plans(engine, lambda s: recompute._reads(s, database["competition"],
                                                       everywhere={"C17", "C4242"}, at=set()),
                    lambda q: "FROM timing_read r" in q)
    # the chip alone (migration 0025), not the (chip, read_at) index it replaced
    assert re.search(r"\bix_timing_read_chip\b(?!_)", plan), plan
    assert "Index Cond: ((chip)::text = w.chip)" in plan, plan
    assert "Seq Scan on timing_read" not in plan


def test_catching_up_picks_waiting_batches_through_the_unfinished_index(
    engine: Engine, database: dict[str, Any]
) -> None:
    """Of 20,000 processed batches, the few waiting are found by the partial index."""
    [plan] = _plans(engine, lambda s: _waiting_batches(s, database["competition"], 0, 10_000),
                    lambda q: "SKIP LOCKED" in q)
    _uses(plan, "ix_read_batch_unfinished")
