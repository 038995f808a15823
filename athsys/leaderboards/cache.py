"""Redis behind the public results: cached answers, the sorted boards, and live announcements.

Three things live in Redis, all of them rebuildable from PostgreSQL (the source of truth):

* **Cached answers** (:class:`Cache`): a computed JSON text under a key that carries the
  *version* of its scope (``event:<id>`` or ``competition:<id>``). Invalidation bumps the
  version, so every older answer becomes unreachable at once, and announces the scope on
  :data:`INVALIDATE_CHANNEL`; each web process keeps local copies of hot answers and drops
  those of the announced scope. Local copies are only used while the process is subscribed:
  a process that may have missed an announcement does not trust them.
* **Boards** (:class:`BoardStore`): per event, a ZSET of entry ids scored by their sort key
  (see :mod:`athsys.leaderboards.rules`) for each board (all, by sex, by category,
  age-graded), and a hash of the lines' details. A new finisher is one ``ZADD``; a page of
  the board is one ``ZRANGE`` plus one ``ZCOUNT`` for its first place.
* **Live announcements**: after a refresh, ``athsys:live:competition:<id>`` carries which
  event and heats changed, for the server-sent events of the live pages.

A Redis outage never becomes an error page: :meth:`Cache.get_or_compute` computes the answer
directly, and stops trying Redis for a few seconds so a dead server costs no timeout per
request. Hits and misses feed ``athsys_cache_hits_total`` / ``athsys_cache_misses_total``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis as redis_lib

from athsys import metrics

log = logging.getLogger(__name__)

INVALIDATE_CHANNEL = "athsys:cache:invalidate"
LIVE_CHANNEL = "athsys:live:competition:{competition_id}"
LIVE_EVENTS_KEY = "athsys:live:events:{competition_id}"
#: The version of an event's leaderboard; also what the ingestion tests watch.
EVENT_VERSION_KEY = "athsys:leaderboard:version:{id}"
COMPETITION_VERSION_KEY = "athsys:schedule:version:{id}"
_VALUE_KEY = "athsys:cache:{cache}:{scope}:v{version}:{key}"
REDIS_ERRORS = (redis_lib.RedisError, OSError)
#: After a Redis failure, answers are computed directly for this long before trying again.
RETRY_AFTER_S = 5.0
LOCAL_MAX_ENTRIES = 2000


def event_scope(event_id: int) -> str:
    return f"event:{event_id}"


def competition_scope(competition_id: int) -> str:
    return f"competition:{competition_id}"


def version_key(scope: str) -> str:
    kind, _, ident = scope.partition(":")
    return (EVENT_VERSION_KEY if kind == "event" else COMPETITION_VERSION_KEY).format(id=ident)


class Cache:
    """Cached JSON answers with per-scope versions, local copies and graceful degradation.

    ``ttls`` maps cache names (``leaderboard``, ``schedule``, ``api``) to seconds.
    """

    def __init__(self, client: redis_lib.Redis, ttls: Mapping[str, int], *,
                 local_copies: bool = True) -> None:
        self.client = client
        self.ttls = dict(ttls)
        self.local_copies = local_copies
        self._local: dict[tuple[str, str, str], tuple[str, float, int]] = {}
        self._generation: dict[str, int] = {}
        self._lock = threading.Lock()
        self._listening = False
        self._listener: threading.Thread | None = None
        self._down_until = 0.0
        self._closed = threading.Event()

    # -- reading ---------------------------------------------------------------------------

    def get_or_compute(self, cache: str, scope: str, key: str, compute: Callable[[], str],
                       *, min_version: int = 0) -> str:
        """The cached text for ``key`` in ``scope``, computed (and stored) on a miss.

        ``min_version``: a client that was told of version N of the scope (the live pages
        are) is not answered from a local copy older than N, even if this process has not
        yet heard the invalidation (the announcement may overtake it)."""
        local_key = (cache, scope, key)
        if self._listening:
            with self._lock:
                found = self._local.get(local_key)
            if found is not None and found[1] > time.monotonic() and found[2] >= min_version:
                metrics.record_cache_lookup(cache, hit=True)
                return found[0]
        if time.monotonic() < self._down_until:
            metrics.record_cache_lookup(cache, hit=False)
            return compute()
        generation = self._generation.get(scope, 0)
        ttl = self.ttls.get(cache, 300)
        try:
            version = self.client.get(version_key(scope)) or "0"
            full_key = _VALUE_KEY.format(cache=cache, scope=scope, version=version, key=key)
            value = self.client.get(full_key)
        except REDIS_ERRORS as exc:
            self._mark_down(exc)
            metrics.record_cache_lookup(cache, hit=False)
            return compute()
        metrics.record_cache_lookup(cache, hit=value is not None)
        if value is None:
            value = compute()
            try:
                self.client.set(full_key, value, ex=ttl)
            except REDIS_ERRORS as exc:
                self._mark_down(exc)
                return value
        self._keep_local(local_key, value, ttl, generation, int(version))
        return str(value)

    def versions(self, scopes: Sequence[str]) -> list[int]:
        """The current versions of ``scopes`` (0 when never invalidated)."""
        values = self.client.mget([version_key(scope) for scope in scopes])
        return [int(value or 0) for value in values]

    # -- invalidating ----------------------------------------------------------------------

    def invalidate(self, scopes: Iterable[str]) -> dict[str, int]:
        """Bump the versions of ``scopes`` and tell every process; returns the new versions."""
        scopes = list(dict.fromkeys(scopes))
        pipe = self.client.pipeline(transaction=False)
        for scope in scopes:
            pipe.incr(version_key(scope))
        for scope in scopes:
            pipe.publish(INVALIDATE_CHANNEL, scope)
        results = pipe.execute()
        self.drop_local(scopes)
        return {scope: int(version) for scope, version in zip(scopes, results, strict=False)}

    def drop_local(self, scopes: Iterable[str]) -> None:
        scopes = set(scopes)
        with self._lock:
            for scope in scopes:
                self._generation[scope] = self._generation.get(scope, 0) + 1
            for local_key in [k for k in self._local if k[1] in scopes]:
                del self._local[local_key]

    # -- local copies ----------------------------------------------------------------------

    def start_listening(self) -> None:
        """Subscribe to invalidations in a daemon thread (once per process; after a fork,
        call it again in the child: threads do not survive a fork)."""
        if not self.local_copies or (self._listener is not None and self._listener.is_alive()):
            return
        self._listener = threading.Thread(
            target=self._listen, name="athsys-cache-invalidations", daemon=True
        )
        self._listener.start()

    def close(self) -> None:
        """Stop listening (the thread ends within a second)."""
        self._closed.set()

    def _listen(self) -> None:
        while not self._closed.is_set():
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(INVALIDATE_CHANNEL)
                self._listening = True
                while not self._closed.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self.drop_local([str(message["data"])])
            except REDIS_ERRORS as exc:
                log.warning("cache invalidations: subscription lost (%s); retrying", exc)
            finally:
                self._listening = False
                self._clear_local()
                pubsub.close()
            self._closed.wait(1.0)

    def _clear_local(self) -> None:
        with self._lock:
            for scope in self._generation:
                self._generation[scope] += 1
            self._local.clear()

    def _keep_local(self, local_key: tuple[str, str, str], value: str, ttl: int,
                    generation: int, version: int) -> None:
        if not self._listening:
            return
        with self._lock:
            if self._generation.get(local_key[1], 0) != generation:
                return  # invalidated while we were reading: the value may be stale
            if len(self._local) >= LOCAL_MAX_ENTRIES:
                self._local.clear()
            self._local[local_key] = (value, time.monotonic() + ttl, version)

    def _mark_down(self, exc: BaseException) -> None:
        if time.monotonic() >= self._down_until:
            log.warning("Redis unavailable (%s): answering without the cache for %.0f s",
                        exc, RETRY_AFTER_S)
        self._down_until = time.monotonic() + RETRY_AFTER_S


# -- boards ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardPage:
    """A page of a stored board: the lines' stored texts in order, their sort keys, how many
    lines are strictly better than the first, the leader's key and the board's length."""

    lines: list[str]
    keys: list[int]
    better_than_first: int
    leader_key: int | None
    total: int


class BoardStore:
    """The boards of events as ZSETs (see the module docstring) and their metadata.

    Lines are opaque texts here (the service encodes them); each member (an entry id) has
    one text in the event's ``line`` hash and a sort key on each board it is on.
    """

    def __init__(self, client: redis_lib.Redis) -> None:
        self.client = client

    @staticmethod
    def _key(event_id: int, part: str) -> str:
        return f"athsys:lb:{event_id}:{part}"

    def meta(self, event_id: int) -> dict[str, str]:
        return dict(self.client.hgetall(self._key(event_id, "meta")))

    def replace(self, event_id: int, lines: Mapping[str, str],
                boards: Mapping[str, Mapping[str, int]], meta: Mapping[str, str | int]) -> None:
        """Write an event's boards from scratch (a full rebuild): ``lines`` member -> text,
        ``boards`` board -> member -> sort key. Built under temporary keys and renamed in
        one transaction, so readers never see a half-written board."""
        stale = self.client.smembers(self._key(event_id, "boards"))
        build = f"build:{time.monotonic_ns()}"
        pipe = self.client.pipeline(transaction=False)
        for board, members in boards.items():
            if members:
                pipe.zadd(self._key(event_id, f"{build}:z:{board}"), members)
        if lines:
            pipe.hset(self._key(event_id, f"{build}:line"), mapping=lines)
        pipe.execute()
        pipe = self.client.pipeline(transaction=True)
        for old in stale:
            if old not in boards:
                pipe.delete(self._key(event_id, f"z:{old}"))
        pipe.delete(self._key(event_id, "line"), self._key(event_id, "boards"),
                    self._key(event_id, "meta"))
        for board, members in boards.items():
            if members:
                pipe.rename(self._key(event_id, f"{build}:z:{board}"),
                            self._key(event_id, f"z:{board}"))
            else:
                pipe.delete(self._key(event_id, f"z:{board}"))
        if lines:
            pipe.rename(self._key(event_id, f"{build}:line"), self._key(event_id, "line"))
        if boards:
            pipe.sadd(self._key(event_id, "boards"), *boards)
        pipe.hset(self._key(event_id, "meta"), mapping={k: str(v) for k, v in meta.items()})
        pipe.execute()

    def update(self, event_id: int, lines: Mapping[str, tuple[str, Mapping[str, int]]],
               meta: Mapping[str, str | int]) -> list[str]:
        """Put changed lines in place (member -> (text, board -> sort key)): each leaves
        every board and joins its own. Lines identical to the stored ones are skipped;
        returns the members that really changed."""
        changed: list[str] = []
        pipe = self.client.pipeline(transaction=True)
        if lines:
            members = list(lines)
            previous = self.client.hmget(self._key(event_id, "line"), members)
            known_boards = self.client.smembers(self._key(event_id, "boards"))
            for member, old in zip(members, previous, strict=True):
                text, boards = lines[member]
                if old == text:
                    continue
                changed.append(member)
                if old is not None:
                    for board in known_boards:
                        if board not in boards:
                            pipe.zrem(self._key(event_id, f"z:{board}"), member)
                for board, key in boards.items():
                    pipe.zadd(self._key(event_id, f"z:{board}"), {member: key})
                if boards:
                    pipe.sadd(self._key(event_id, "boards"), *boards)
                pipe.hset(self._key(event_id, "line"), member, text)
        pipe.hset(self._key(event_id, "meta"), mapping={k: str(v) for k, v in meta.items()})
        pipe.execute()
        return changed

    def known(self, event_id: int, entry_ids: Sequence[int]) -> int:
        """How many of ``entry_ids`` have a line on the event's boards."""
        if not entry_ids:
            return 0
        found = self.client.hmget(self._key(event_id, "line"), [str(e) for e in entry_ids])
        return sum(1 for value in found if value is not None)

    def boards(self, event_id: int) -> list[str]:
        return sorted(self.client.smembers(self._key(event_id, "boards")))

    def page(self, event_id: int, board: str, offset: int, count: int) -> BoardPage:
        zkey = self._key(event_id, f"z:{board}")
        pipe = self.client.pipeline(transaction=False)
        pipe.zrange(zkey, offset, offset + count - 1, withscores=True)
        pipe.zrange(zkey, 0, 0, withscores=True)
        pipe.zcard(zkey)
        members, leader, total = pipe.execute()
        keys = [int(score) for _, score in members]
        better = 0
        details: list[str | None] = []
        if members:
            pipe = self.client.pipeline(transaction=False)
            pipe.zcount(zkey, "-inf", f"({keys[0]}")
            pipe.hmget(self._key(event_id, "line"), [member for member, _ in members])
            better, details = pipe.execute()
        found = [(text, key) for text, key in zip(details, keys, strict=True) if text is not None]
        return BoardPage([text for text, _ in found], [key for _, key in found], int(better),
                         int(leader[0][1]) if leader else None, int(total))

    def unplaced(self, event_id: int) -> list[str]:
        members = self.client.zrange(self._key(event_id, "z:unplaced"), 0, -1)
        if not members:
            return []
        details = self.client.hmget(self._key(event_id, "line"), members)
        return [text for text in details if text is not None]


def announce(client: redis_lib.Redis, competition_id: int, message: Mapping[str, Any]) -> None:
    """Tell the live pages of a competition what changed (and remember the event's version
    for clients that poll)."""
    pipe = client.pipeline(transaction=False)
    if "event_id" in message and "version" in message:
        pipe.hset(LIVE_EVENTS_KEY.format(competition_id=competition_id),
                  str(message["event_id"]), str(message["version"]))
    pipe.publish(LIVE_CHANNEL.format(competition_id=competition_id),
                 json.dumps(dict(message), separators=(",", ":")))
    pipe.execute()


def live_versions(client: redis_lib.Redis, competition_id: int) -> dict[str, int]:
    """Event id -> leaderboard version, for the polling fallback of the live pages."""
    raw = client.hgetall(LIVE_EVENTS_KEY.format(competition_id=competition_id))
    return {str(k): int(v) for k, v in raw.items()}


def cache_ttls(settings: Any) -> dict[str, int]:
    """The seed's TTLs from settings: leaderboards 5 min, schedule 1 h, API answers 300 s."""
    return {"leaderboard": settings.cache_ttl_leaderboard, "schedule": settings.cache_ttl_schedule,
            "api": settings.cache_ttl_api}
