"""Leaderboard tasks: bring an event's stored boards up to date, then tell the viewers.

Thin: load by id, call :mod:`athsys.leaderboards.refresh` and bring the competition's team
standings up to date with the refreshed event's team points
(:mod:`athsys.leaderboards.team_standings`, stored in Redis), then invalidate the
cached answers of the event and its competition (every web process drops its local copies)
and announce the change on the competition's live channel. Whatever changed the results asks
for a refresh in its transaction (``athsys.jobs.request_refresh``); ``tasks.dispatch`` sends
it, debounced, after the commit.
"""

from __future__ import annotations

from athsys import metrics
from athsys.competitions.models import Event
from athsys.jobs import TaskName
from athsys.leaderboards import refresh, team_standings
from athsys.leaderboards.cache import (
    BoardStore,
    Cache,
    announce,
    announce_unchanged,
    cache_ttls,
    competition_scope,
    event_scope,
)
from athsys.redis_client import make_redis
from athsys.runtime import release_free_heap
from tasks.app import celery_app
from tasks.base import AthsysTask


@celery_app.task(
    name=TaskName.LEADERBOARD_REFRESH, base=AthsysTask, bind=True,
    soft_time_limit=30, time_limit=45,
)
def refresh_event_leaderboard(self: AthsysTask, event_id: int) -> dict[str, object] | None:
    """Refresh the event's boards; an event deleted meanwhile is a no-op."""
    client = make_redis(self.settings)
    try:
        with self.transaction() as session:
            if session.get(Event, event_id) is None:
                return None
            outcome = refresh.refresh_event(session, BoardStore(client), event_id)
            team_standings.update(session, client, outcome.competition_id, [event_id])
        if outcome.published:
            metrics.record_results_published(outcome.published)
        if not outcome.full and not outcome.lines_changed:
            # no line moved, yet something of the event changed (a gun, a failed attempt):
            # the scoreboards of its heats read them again (issue 17 item 7)
            announce_unchanged(client, outcome.competition_id, event_id)
            return outcome.as_dict()
        versions = Cache(client, cache_ttls(self.settings), local_copies=False).invalidate(
            [event_scope(event_id), competition_scope(outcome.competition_id)]
        )
        announce(client, outcome.competition_id, {
            "event_id": event_id, "heat_ids": list(outcome.heat_ids),
            "version": versions[event_scope(event_id)],
        })
        return outcome.as_dict()
    finally:
        client.close()
        release_free_heap()
