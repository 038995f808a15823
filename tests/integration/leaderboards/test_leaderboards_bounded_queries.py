"""The leaderboard's refresh and reads cost a fixed number of statements, whatever the
number of finishers: a 10 km of 4 runners against one of 60, every result stored, the board
built in full, then one line changed, then read from the store and from the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.leaderboards import reads, refresh
from athsys.leaderboards.cache import BoardStore
from athsys.results.models import Result
from athsys.sport.ranking import ResultStatus
from tests.integration.leaderboards.leaderboards_support import Meet, build_meet
from tests.support.database import truncate_all
from tests.support.statements import statements

pytestmark = pytest.mark.integration

FEW, MANY = 4, 60
#: The most statements a refresh or a read of one event's board may send.
STATEMENT_BOUND = 12


def _finished(engine: Engine, meet: Meet) -> None:
    """Every runner finished, the last one a DNF."""
    with Session(engine) as session, session.begin():
        last = meet.road_entries[-1]
        session.add_all(Result(heat_id=meet.road_heat_id, entry_id=entry,
                               mark=None if entry == last else 1_800_000 + 1_000 * n,
                               status=ResultStatus.DNF if entry == last else ResultStatus.OK)
                        for n, entry in enumerate(meet.road_entries))


def _costs(engine: Engine, store: BoardStore, runners: int) -> dict[str, int]:
    meet = build_meet(engine, runners)
    _finished(engine, meet)
    event = meet.road_event_id

    answers: dict[str, Any] = {}

    def cost(step: Callable[[Session], Any], name: str = "") -> int:
        with Session(engine) as session, statements(engine) as seen:
            answers[name] = step(session)
        return len(seen)

    def corrected(session: Session) -> None:
        session.execute(update(Result).where(Result.entry_id == meet.road_entries[0])
                        .values(mark=1_700_000))
        session.commit()

    costs = {
        "full build": cost(lambda s: refresh.refresh_event(s, store, event), "built"),
        "nothing changed": cost(lambda s: refresh.refresh_event(s, store, event)),
    }
    with Session(engine) as session:
        corrected(session)
    costs["one line changed"] = cost(lambda s: refresh.refresh_event(s, store, event))
    costs["read from the store"] = cost(
        lambda s: reads.read_board(s, store, event, per_page=100), "stored")
    costs["read from the database"] = cost(
        lambda s: reads.read_board(s, None, event, per_page=100), "direct")
    costs["heat results"] = cost(
        lambda s: reads.heat_results(s, meet.road_heat_id, per_page=100))
    truncate_all(engine)
    assert answers["built"].full and answers["built"].lines_changed == runners
    assert answers["stored"]["source"] == "store" and answers["direct"]["source"] == "database"
    assert answers["stored"]["lines"] == answers["direct"]["lines"]
    assert [line["mark"] for line in answers["stored"]["lines"]][:1] == [1_700_000]
    assert len(answers["stored"]["lines"]) == runners
    return costs


def test_refreshing_and_reading_a_board_costs_the_same_for_60_runners_as_for_4(
    committed_db: Engine, redis_client: redis_lib.Redis
) -> None:
    store = BoardStore(redis_client)
    few = _costs(committed_db, store, FEW)
    redis_client.flushdb()
    many = _costs(committed_db, store, MANY)
    assert many == few
    assert max(many.values()) <= STATEMENT_BOUND, many
