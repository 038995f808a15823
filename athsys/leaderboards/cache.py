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
  age-graded), and a hash of short per-line signatures (what changed). A new finisher is one
  ``ZADD``; a page of the board is one ``ZRANGE`` plus one ``ZCOUNT`` for its first place,
  and its 50-100 lines are then read from PostgreSQL by entry id.
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
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis as redis_lib

from athsys import metrics

log = logging.getLogger(__name__)

INVALIDATE_CHANNEL = "athsys:cache:invalidate"
LIVE_CHANNEL = "athsys:live:competition:{competition_id}"
LIVE_EVENTS_KEY = "athsys:live:events:{competition_id}"
#: Counts the announcements of an event (any change, even one that moved no board line: a
#: gun, a wind, a failed attempt); the scoreboards' cached answers are keyed by it.
LIVE_SEQUENCE_KEY = "athsys:live:sequence:{event_id}"
#: The version of an event's leaderboard; also what the ingestion tests watch.
EVENT_VERSION_KEY = "athsys:leaderboard:version:{id}"
COMPETITION_VERSION_KEY = "athsys:schedule:version:{id}"
#: The scope of the public list of competitions (invalidated when any competition changes).
COMPETITIONS_SCOPE = "competitions"
COMPETITIONS_VERSION_KEY = "athsys:competitions:version"
_VALUE_KEY = "athsys:cache:{cache}:{scope}:v{version}:{key}"
REDIS_ERRORS = (redis_lib.RedisError, OSError)
#: After a Redis failure, answers are computed directly for this long before trying again.
RETRY_AFTER_S = 5.0
REFRESH_LOCK_EXPIRES_S = 60
"""A refresh lock left by a dead worker frees itself after this long."""
REFRESH_LOCK_WAIT_S = 20
"""How long a refresh waits for the one running; then it runs anyway (never lost)."""
REBUILD_ASKED_EXPIRES_S = 3600
"""A rebuild asked for and never taken (the event was deleted) is forgotten after this long:
longer than :data:`athsys.leaderboards.refresh.FULL_REBUILD_EVERY_S`, after which any
refresh rebuilds anyway."""
LOCAL_MAX_ENTRIES = 2000


def event_scope(event_id: int) -> str:
    return f"event:{event_id}"


def competition_scope(competition_id: int) -> str:
    return f"competition:{competition_id}"


def version_key(scope: str) -> str:
    if scope == COMPETITIONS_SCOPE:
        return COMPETITIONS_VERSION_KEY
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
        self._local: dict[tuple[str, str, str], tuple[bytes, float, int]] = {}
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
        return self.get_or_compute_bytes(cache, scope, key, compute,
                                         min_version=min_version).decode()

    def get_or_compute_bytes(self, cache: str, scope: str, key: str,
                             compute: Callable[[], str], *, min_version: int = 0) -> bytes:
        """:meth:`get_or_compute` as UTF-8, what a response sends: local copies are kept
        encoded, so a hit is a dictionary lookup and nothing else."""
        local_key = (cache, scope, key)
        if self._listening:
            with self._lock:
                found = self._local.get(local_key)
            if found is not None and found[1] > time.monotonic() and found[2] >= min_version:
                metrics.record_cache_lookup(cache, hit=True)
                return found[0]
        if time.monotonic() < self._down_until:
            metrics.record_cache_lookup(cache, hit=False)
            return compute().encode()
        generation = self._generation.get(scope, 0)
        ttl = self.ttls.get(cache, 300)
        try:
            version = self.client.get(version_key(scope)) or "0"
            full_key = _VALUE_KEY.format(cache=cache, scope=scope, version=version, key=key)
            value = self.client.get(full_key)
        except REDIS_ERRORS as exc:
            self._mark_down(exc)
            metrics.record_cache_lookup(cache, hit=False)
            return compute().encode()
        metrics.record_cache_lookup(cache, hit=value is not None)
        if value is None:
            value = compute()
            try:
                self.client.set(full_key, value, ex=ttl)
            except REDIS_ERRORS as exc:
                self._mark_down(exc)
                return value.encode()
        body = value.encode()
        self._keep_local(local_key, body, ttl, generation, int(version))
        return body

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

    def _keep_local(self, local_key: tuple[str, str, str], value: bytes, ttl: int,
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

#: Loads a big board in one round trip: ``ARGV[1]`` is the command (``ZADD`` or ``HSET``),
#: ``ARGV[2]`` its arguments after the key as one JSON array, applied to ``KEYS[1]`` in
#: slices (Lua's ``unpack`` takes a few thousand values at most). The JSON is encoded by
#: Python's C encoder and decoded by Redis: packing 200,000 separate command arguments in
#: redis-py costs seconds of Python, this a few milliseconds.
_BULK_LOAD = """
local items = cjson.decode(ARGV[2])
for first = 1, #items, 2000 do
  redis.call(ARGV[1], KEYS[1], unpack(items, first, math.min(first + 1999, #items)))
end
return #items
"""


@dataclass(frozen=True)
class BoardPage:
    """A page of a stored board: the entry ids in order, their sort keys, how many lines
    are strictly better than the first, the leader's key and the board's length."""

    entry_ids: list[int]
    keys: list[int]
    better_than_first: int
    leader_key: int | None
    total: int


class BoardStore:
    """The boards of events as ZSETs (see the module docstring) and their metadata.

    Members are entry ids, each with a sort key on each board it is on (every line is on
    ``all`` or ``unplaced``). Recently changed members also have a *signature* in the
    event's ``sig`` hash (an opaque text the service derives from everything a line shows
    of its result), to tell a changed line from one merely read again. The lines themselves
    are read from PostgreSQL, a page at a time, by entry id.
    """

    def __init__(self, client: redis_lib.Redis) -> None:
        self.client = client
        self._bulk_load = client.register_script(_BULK_LOAD)

    @staticmethod
    def _key(event_id: int, part: str) -> str:
        return f"athsys:lb:{event_id}:{part}"

    def meta(self, event_id: int) -> dict[str, str]:
        return dict(self.client.hgetall(self._key(event_id, "meta")))

    @contextmanager
    def refreshing(self, event_id: int) -> Iterator[bool]:
        """Hold the event's refresh lock (yields whether it was had in time).

        Refreshes of one event run one after the other: two at once compute the same
        changes twice, and the one that read the database first could store its older
        lines last. A refresh that waited ``REFRESH_LOCK_WAIT_S`` in vain runs anyway."""
        lock = self.client.lock(self._key(event_id, "refreshing"),
                                timeout=REFRESH_LOCK_EXPIRES_S)
        held = bool(lock.acquire(blocking=True, blocking_timeout=REFRESH_LOCK_WAIT_S))
        if not held:
            log.warning("leaderboard refresh of event %s ran without the lock: another refresh"
                        " held it for %s s", event_id, REFRESH_LOCK_WAIT_S)
        try:
            yield held
        finally:
            if held:
                try:
                    lock.release()
                except redis_lib.exceptions.LockError:
                    log.warning("leaderboard refresh of event %s outlived its lock", event_id)

    def ask_rebuild(self, event_id: int) -> None:
        """Make the event's next refresh a full rebuild: what changed is shown on its lines
        but is no result (an athlete's name or birth date, a club's code, a relay team's
        runners), so an incremental refresh, which reads the results changed since the last,
        would not see it."""
        self.client.set(self._key(event_id, "rebuild"), 1, ex=REBUILD_ASKED_EXPIRES_S)

    def take_rebuild(self, event_id: int) -> bool:
        """Whether a rebuild was asked for since the last refresh took the request."""
        return bool(self.client.delete(self._key(event_id, "rebuild")))

    def build(self, event_id: int) -> BoardBuild:
        """Start a full rebuild of an event's boards (see :class:`BoardBuild`)."""
        return BoardBuild(self, event_id)

    def update(self, event_id: int, lines: Mapping[str, tuple[str, Mapping[str, int]]],
               meta: Mapping[str, str | int]) -> list[str]:
        """Put changed lines in place (member -> (signature, board -> sort key)): each
        leaves every other board and joins its own. Lines whose signature is the stored one
        are skipped (one without a stored signature has changed); returns the members that
        really changed."""
        changed: list[str] = []
        pipe = self.client.pipeline(transaction=True)
        if lines:
            members = list(lines)
            previous = self.client.hmget(self._key(event_id, "sig"), members)
            known_boards = self.client.smembers(self._key(event_id, "boards"))
            # one command per board, not per line: a burst brings thousands of lines
            joins: dict[str, dict[str, int]] = defaultdict(dict)
            leaves: dict[str, list[str]] = defaultdict(list)
            signatures: dict[str, str] = {}
            for member, old in zip(members, previous, strict=True):
                signature, boards = lines[member]
                if old == signature:
                    continue
                changed.append(member)
                for board in known_boards:
                    if board not in boards:
                        leaves[board].append(member)
                for board, key in boards.items():
                    joins[board][member] = key
                signatures[member] = signature
            for board, gone in leaves.items():
                pipe.zrem(self._key(event_id, f"z:{board}"), *gone)
            for board, keys in joins.items():
                pipe.zadd(self._key(event_id, f"z:{board}"), keys)
            if joins:
                pipe.sadd(self._key(event_id, "boards"), *joins)
            if signatures:
                pipe.hset(self._key(event_id, "sig"), mapping=signatures)
        pipe.hset(self._key(event_id, "meta"), mapping={k: str(v) for k, v in meta.items()})
        pipe.execute()
        return changed

    def known(self, event_id: int, entry_ids: Sequence[int]) -> int:
        """How many of ``entry_ids`` have a line on the event's boards."""
        if not entry_ids:
            return 0
        members = [str(e) for e in entry_ids]
        pipe = self.client.pipeline(transaction=False)
        pipe.zmscore(self._key(event_id, "z:all"), members)
        pipe.zmscore(self._key(event_id, "z:unplaced"), members)
        placed, unplaced = pipe.execute()
        return sum(1 for on_board, off_board in zip(placed, unplaced, strict=True)
                   if on_board is not None or off_board is not None)

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
        better = self.client.zcount(zkey, "-inf", f"({keys[0]}") if members else 0
        return BoardPage([int(member) for member, _ in members], keys, int(better),
                         int(leader[0][1]) if leader else None, int(total))

    def unplaced(self, event_id: int) -> list[int]:
        """The entry ids of the lines without a place (in no particular order)."""
        return [int(m) for m in self.client.zrange(self._key(event_id, "z:unplaced"), 0, -1)]


class BoardBuild:
    """A full rebuild of an event's boards, fed in chunks: each chunk is bulk-loaded under
    temporary keys by a background thread while the caller reads and ranks the next one
    (PostgreSQL, Python and Redis then work at once), and :meth:`commit` renames the whole
    in one transaction, so readers never see a half-written board. Used as a context
    manager: leaving it without a commit drops the temporary keys.

    Chunks are flat, as the commands take them: ``signatures`` member, signature, member,
    signature...; ``boards`` board -> sort key, member, sort key, member...
    """

    def __init__(self, store: BoardStore, event_id: int) -> None:
        self.store = store
        self.event_id = event_id
        self._prefix = f"build:{time.monotonic_ns()}"
        self._boards: set[str] = set()
        self._signatures = False
        self._loads: list[Future[None]] = []
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="athsys-board")

    def __enter__(self) -> BoardBuild:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loader.shutdown(wait=True)
        if exc_info[0] is not None:
            self.store.client.unlink(*self._temporary_keys())

    def add(self, signatures: Sequence[int | str], boards: Mapping[str, Sequence[int]]) -> None:
        loads = [(self._temporary(f"z:{board}"), "ZADD", _compact_json(members))
                 for board, members in boards.items() if members]
        self._boards.update(board for board, members in boards.items() if members)
        if signatures:
            self._signatures = True
            loads.append((self._temporary("sig"), "HSET", _compact_json(signatures)))
        if loads:
            self._loads.append(self._loader.submit(self._load, loads))

    def commit(self, meta: Mapping[str, str | int]) -> None:
        for load in self._loads:
            load.result()  # a failed load raises here
        store, event_id = self.store, self.event_id
        stale = store.client.smembers(store._key(event_id, "boards"))
        pipe = store.client.pipeline(transaction=True)
        # UNLINK: the old boards are freed by Redis in the background, not while it blocks
        pipe.unlink(*(store._key(event_id, f"z:{old}") for old in stale),
                    store._key(event_id, "sig"), store._key(event_id, "boards"),
                    store._key(event_id, "meta"))
        for board in self._boards:
            pipe.rename(self._temporary(f"z:{board}"), store._key(event_id, f"z:{board}"))
        if self._signatures:
            pipe.rename(self._temporary("sig"), store._key(event_id, "sig"))
        if self._boards:
            pipe.sadd(store._key(event_id, "boards"), *self._boards)
        pipe.hset(store._key(event_id, "meta"), mapping={k: str(v) for k, v in meta.items()})
        pipe.execute()
        self._boards.clear()
        self._signatures = False

    def _temporary(self, part: str) -> str:
        return self.store._key(self.event_id, f"{self._prefix}:{part}")

    def _temporary_keys(self) -> list[str]:
        return [self._temporary(f"z:{board}") for board in self._boards] + [
            self._temporary("sig")]

    def _load(self, loads: list[tuple[str, str, str]]) -> None:
        pipe = self.store.client.pipeline(transaction=False)
        for key, command, payload in loads:
            self.store._bulk_load(keys=[key], args=[command, payload], client=pipe)
        pipe.execute()


def _compact_json(values: Sequence[int | str]) -> str:
    return json.dumps(values, separators=(",", ":"))


def announce(client: redis_lib.Redis, competition_id: int, message: Mapping[str, Any]) -> None:
    """Tell the live pages of a competition what changed (and remember the event's version
    for clients that poll)."""
    pipe = client.pipeline(transaction=False)
    if "event_id" in message and "version" in message:
        pipe.hset(LIVE_EVENTS_KEY.format(competition_id=competition_id),
                  str(message["event_id"]), str(message["version"]))
    if "event_id" in message:
        pipe.incr(LIVE_SEQUENCE_KEY.format(event_id=message["event_id"]))
    pipe.publish(LIVE_CHANNEL.format(competition_id=competition_id),
                 json.dumps(dict(message), separators=(",", ":")))
    pipe.execute()


def announce_unchanged(client: redis_lib.Redis, competition_id: int, event_id: int) -> None:
    """Tell the live pages that something of the event changed that moved no board line (a
    gun, a wind, a failed attempt, a heat's status): the event's version stays, so the
    pages' cached answers stay good, and scoreboards read their heat again."""
    version = int(client.get(EVENT_VERSION_KEY.format(id=event_id)) or 0)
    announce(client, competition_id, {"event_id": event_id, "heat_ids": [], "version": version,
                                      "unchanged": True})


def live_sequence(client: redis_lib.Redis, event_id: int) -> int:
    """How many announcements the event has had (see :data:`LIVE_SEQUENCE_KEY`)."""
    return int(client.get(LIVE_SEQUENCE_KEY.format(event_id=event_id)) or 0)


def live_versions(client: redis_lib.Redis, competition_id: int) -> dict[str, int]:
    """Event id -> leaderboard version, for the polling fallback of the live pages."""
    raw = client.hgetall(LIVE_EVENTS_KEY.format(competition_id=competition_id))
    return {str(k): int(v) for k, v in raw.items()}


def cache_ttls(settings: Any) -> dict[str, int]:
    """The seed's TTLs from settings: leaderboards 5 min, schedule 1 h, API answers 300 s."""
    return {"leaderboard": settings.cache_ttl_leaderboard, "schedule": settings.cache_ttl_schedule,
            "api": settings.cache_ttl_api}
