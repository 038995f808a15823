"""The one leaderboard refresh request and its debounce: whoever asks
(:func:`athsys.jobs.request_refresh`, in a transaction), a refresh is sent after the commit at
once when the event's window opens, then at most once more at the window's end."""

from __future__ import annotations

from typing import Any

import pytest
import redis as redis_lib
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from athsys.jobs import TaskName, request_rebuild, request_refresh
from athsys.leaderboards.cache import REBUILD_ASKED_EXPIRES_S, BoardStore
from athsys.leaderboards.debounce import (
    REFRESH_DEBOUNCE_S,
    TRAILING_KEY,
    WINDOW_KEY,
    refresh_countdown,
)

pytestmark = pytest.mark.integration


def test_first_request_runs_at_once_then_one_trailing_refresh_covers_the_window(
    redis_client: redis_lib.Redis,
) -> None:
    assert refresh_countdown(redis_client, 7) == 0.0
    trailing = refresh_countdown(redis_client, 7)
    assert trailing is not None and 0 < trailing <= REFRESH_DEBOUNCE_S
    assert [refresh_countdown(redis_client, 7) for _ in range(5)] == [None] * 5


def test_events_are_debounced_apart_and_a_new_window_runs_at_once(
    redis_client: redis_lib.Redis,
) -> None:
    assert [refresh_countdown(redis_client, e) for e in (1, 2)] == [0.0, 0.0]
    redis_client.delete(WINDOW_KEY.format(event_id=1), TRAILING_KEY.format(event_id=1))
    assert refresh_countdown(redis_client, 1) == 0.0
    assert refresh_countdown(redis_client, 2) is not None  # event 2's trailing refresh


def _commit_asking(engine: Engine, event_ids: list[int]) -> None:
    with Session(engine) as session:
        request_refresh(session, event_ids)
        session.commit()


def test_commits_asking_for_one_event_send_two_refreshes_per_window(
    committed_db: Engine, sent: list[dict[str, Any]]
) -> None:
    for _ in range(6):
        _commit_asking(committed_db, [7, 7])
    refreshes = [(c["name"], c["kwargs"], c["countdown"]) for c in sent]
    assert refreshes[0] == (TaskName.LEADERBOARD_REFRESH, {"event_id": 7}, None)
    assert len(refreshes) == 2
    assert 0 < refreshes[1][2] <= REFRESH_DEBOUNCE_S


def test_a_rolled_back_request_sends_nothing(
    committed_db: Engine, sent: list[dict[str, Any]]
) -> None:
    with Session(committed_db) as session:
        request_refresh(session, [8])
        session.rollback()
    _commit_asking(committed_db, [])
    assert sent == []


def test_other_jobs_are_sent_at_once(
    committed_db: Engine, sent: list[dict[str, Any]]
) -> None:
    from athsys.jobs import enqueue_after_commit

    with Session(committed_db) as session:
        enqueue_after_commit(session, TaskName.PING)
        session.commit()
    assert [(c["name"], c["countdown"]) for c in sent] == [(TaskName.PING, None)]


def test_a_rebuild_waits_with_the_boards_when_the_debounce_drops_its_refresh(
    committed_db: Engine, sent: list[dict[str, Any]], redis_client: redis_lib.Redis
) -> None:
    """A rebuild is asked for in the window of a refresh already due: no refresh is sent for
    it, yet the one due takes it and rebuilds; the next takes nothing."""
    _commit_asking(committed_db, [9, 9])  # opens the window, then the trailing refresh
    with Session(committed_db) as session:
        request_rebuild(session, [9])
        session.commit()
    assert [c["kwargs"] for c in sent] == [{"event_id": 9}, {"event_id": 9}]
    store = BoardStore(redis_client)
    assert 0 < redis_client.ttl("athsys:lb:9:rebuild") <= REBUILD_ASKED_EXPIRES_S
    assert store.take_rebuild(9) is True
    assert store.take_rebuild(9) is False
