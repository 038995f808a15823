"""The leaderboard refresh debounce of ingestion: at once when the window opens, then at most
once more at its end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import redis as redis_lib

import tasks.ingest as ingest
from athsys.config import Settings
from athsys.jobs import TaskName

pytestmark = pytest.mark.integration


@dataclass
class _Task:
    settings: Settings


@pytest.fixture()
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def send_task(name: str, **options: Any) -> None:
        calls.append({"name": name, **options})

    monkeypatch.setattr(ingest.celery_app, "send_task", send_task)
    return calls


def test_first_request_refreshes_at_once_then_once_at_the_window_end(
    settings: Settings, redis_client: redis_lib.Redis, sent: list[dict[str, Any]]
) -> None:
    task = _Task(settings)
    ingest.request_refresh(task, [7])
    assert [(c["name"], c["kwargs"], c["countdown"]) for c in sent] == [
        (TaskName.LEADERBOARD_REFRESH, {"event_id": 7}, None)
    ]
    for _ in range(5):
        ingest.request_refresh(task, [7])
    assert len(sent) == 2
    trailing = sent[1]
    assert trailing["kwargs"] == {"event_id": 7}
    assert 0 < trailing["countdown"] <= ingest.REFRESH_DEBOUNCE_S


def test_events_are_debounced_apart_and_a_new_window_refreshes_at_once(
    settings: Settings, redis_client: redis_lib.Redis, sent: list[dict[str, Any]]
) -> None:
    task = _Task(settings)
    ingest.request_refresh(task, [1, 2])
    assert [(c["kwargs"]["event_id"], c["countdown"]) for c in sent] == [(1, None), (2, None)]
    redis_client.delete(ingest._WINDOW_KEY.format(event_id=1),
                        ingest._TRAILING_KEY.format(event_id=1))  # the window ended
    ingest.request_refresh(task, [1])
    assert (sent[-1]["kwargs"], sent[-1]["countdown"]) == ({"event_id": 1}, None)


def test_no_events_send_nothing(settings: Settings, sent: list[dict[str, Any]]) -> None:
    ingest.request_refresh(_Task(settings), [])
    assert sent == []
