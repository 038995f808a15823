"""Offline timing tools behind ``athsys ingest``, ``athsys watch`` and ``athsys simulate``.

``ingest`` reads a file from a USB stick: a FinishLynx ``.lif`` becomes results, a decoder
file is stored as one batch of its device and processed at once. ``watch`` polls a folder
for ``.lif`` files the camera writes and imports each content exactly once (the database
remembers path and SHA-256, so a restart or a rewrite with the same bytes imports nothing).
``simulate`` replays a synthetic race against the device API of a local server.
"""

from __future__ import annotations

import argparse
import http.client
import json
import logging
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from athsys.accounts.actor import Actor
from athsys.accounts.roles import ADMIN, STARTER
from athsys.config import Settings
from athsys.db import make_engine
from athsys.errors import AthsysError, ConfigurationError, NotFoundError, ValidationError
from athsys.jobs import discard_pending
from athsys.timing import batches as timing_batches
from athsys.timing import devices, lif_import
from athsys.timing import service as timing_service
from athsys.timing.formats import LIF, detect_format
from athsys.timing.models import TimingDevice
from athsys.timing.simulation import (
    DEFAULT_POINTS,
    SimulatedPassing,
    batches,
    parse_points,
    race_passings,
    setup_race,
)
from webui.cli import arguments
from webui.cli.servers import reachable_servers

log = logging.getLogger("athsys.cli.timing")

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
CLI_ACTOR = Actor(user_id=None, username="cli", roles=frozenset({ADMIN}))
WATCH_ACTOR = Actor(user_id=None, username="lif-watcher", roles=frozenset({STARTER}))
OFFLINE_MAX_LINES = 1_000_000
"""A decoder dump from a USB stick may hold a whole race; the API limit is for networks."""


@dataclass
class IngestReport:
    kind: str
    details: dict[str, Any]


def ingest_file(
    engine: Engine,
    path: Path,
    *,
    device_id: int | None,
    competition_id: int | None,
    window_ms: int,
    max_bytes: int,
) -> IngestReport:
    """Import one file: ``.lif`` → results of ``competition_id`` (or the device's
    competition); a decoder file → reads of ``device_id``, processed right away."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ValidationError(f"{path} has {size} bytes; the limit is {max_bytes}",
                              details={"file": str(path)})
    body = path.read_bytes()
    fmt = detect_format(body)
    with Session(engine) as session, session.begin():
        device = _device(session, device_id) if device_id is not None else None
        if fmt == LIF:
            target = competition_id or (device.competition_id if device else None)
            if target is None:
                raise ValidationError("a .lif file needs --competition or --device",
                                      details={"field": "competition"})
            if device is not None:
                devices.check_device_competition(device, competition_id)
            outcome = lif_import.import_lif(session, CLI_ACTOR, target, body,
                                         path=str(path.resolve()))
            return IngestReport("lif", outcome.as_dict())
        if device is None:
            raise ValidationError(f"a {fmt} file needs --device (the decoder that read it)",
                                  details={"field": "device"})
        devices.check_device_competition(device, competition_id)
        receipt = timing_service.receive_passings(session, device, body,
                                                  max_lines=OFFLINE_MAX_LINES)
        discard_pending(session)  # processed below, in this process
    details = {"format": fmt, **receipt.as_dict()}
    if not receipt.replay and receipt.accepted:
        with Session(engine) as session, session.begin():
            timing_batches.claim_batch(session, receipt.batch_id)
        with Session(engine) as session, session.begin():
            outcome = timing_service.process_batch(session, receipt.batch_id, window_ms=window_ms)
            if outcome is not None:
                details["processing"] = outcome.as_dict()
    return IngestReport(fmt, details)


def _device(session: Session, device_id: int) -> TimingDevice:
    device = session.get(TimingDevice, device_id)
    if device is None:
        raise NotFoundError(f"timing device {device_id} does not exist")
    return device


@dataclass
class LifWatcher:
    """Polls ``directory`` for ``*.lif`` files and imports each new content once.

    A file is looked at again only when its size or modification time changes, and only
    once it has not changed for ``settle_s`` seconds (the camera may still be writing).
    A file that does not validate is reported in :attr:`errors` and retried when it changes.
    """

    engine: Engine
    competition_id: int
    directory: Path
    settle_s: float = 0.0
    errors: dict[str, str] = field(default_factory=dict)
    _seen: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def scan(self) -> list[lif_import.LifOutcome]:
        """Import what is new; the outcomes of files actually imported now."""
        imported: list[lif_import.LifOutcome] = []
        now = time.time()
        for path in sorted(self.directory.glob("*.lif")) + sorted(self.directory.glob("*.LIF")):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            signature = (stat.st_size, stat.st_mtime_ns)
            if self._seen.get(path) == signature or now - stat.st_mtime < self.settle_s:
                continue
            self._seen[path] = signature
            outcome = self._import(path)
            if outcome is not None and not outcome.already_imported:
                imported.append(outcome)
        return imported

    def _import(self, path: Path) -> lif_import.LifOutcome | None:
        try:
            body = path.read_bytes()
            with Session(self.engine) as session, session.begin():
                outcome = lif_import.import_lif(session, WATCH_ACTOR, self.competition_id, body,
                                             path=str(path.resolve()))
        except AthsysError as exc:
            self.errors[path.name] = exc.message
            log.warning("%s not imported: %s", path.name, exc.message)
            return None
        self.errors.pop(path.name, None)
        if not outcome.already_imported:
            log.info("%s imported: heat %s, %s, %d result(s) changed", path.name,
                     outcome.heat_id, outcome.outcome, outcome.results_changed)
        return outcome

    def run(self, interval_s: float, stop_after_s: float | None = None) -> None:
        started = time.monotonic()
        while stop_after_s is None or time.monotonic() - started < stop_after_s:
            for outcome in self.scan():
                print(f"imported heat {outcome.heat_id}: {outcome.outcome}, "
                      f"{outcome.results_changed} result(s) changed", flush=True)
            time.sleep(interval_s)


def check_local_url(url: str) -> str:
    """The simulator only talks to a server on this machine."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or parsed.hostname not in LOCAL_HOSTS:
        raise ConfigurationError(
            f"--url {url} is not a local server: the simulator only posts to "
            "http://127.0.0.1:PORT or http://localhost:PORT"
        )
    return url.rstrip("/")


@dataclass
class SimulationReport:
    reads: int = 0
    accepted: int = 0
    duplicate: int = 0
    batches: int = 0
    seconds: float = 0.0
    stopped_early: bool = False

    @property
    def reads_per_second(self) -> float:
        return self.reads / self.seconds if self.seconds else 0.0


def simulate(
    url: str,
    token: str,
    *,
    runners: int,
    points: tuple[tuple[str, int], ...],
    gun: datetime,
    rate: int,
    batch_size: int,
    max_seconds: float,
    seed: int,
) -> SimulationReport:
    """Post the race's passings in batches, at most ``rate`` reads per second, for at most
    ``max_seconds``."""
    base = check_local_url(url)
    reads = race_passings(runners, points, seed)
    report = SimulationReport()
    started = time.monotonic()
    for chunk in batches(reads, batch_size):
        elapsed = time.monotonic() - started
        if elapsed > max_seconds:
            report.stopped_early = True
            break
        due = report.reads / rate if rate else 0.0
        if due > elapsed:
            time.sleep(due - elapsed)
        answer = post_passings(base, token, chunk, gun)
        report.reads += len(chunk)
        report.accepted += answer["accepted"]
        report.duplicate += answer["duplicate"]
        report.batches += 1
    report.seconds = time.monotonic() - started
    return report


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Answers after which a device sends the same payload again: the server was overloaded,
restarting, or could not reach its database; nothing of the payload was stored."""
RETRY_FIRST_WAIT_S = 0.2
RETRY_MAX_WAIT_S = 5.0
RETRY_GIVE_UP_S = 300.0


def passings_body(chunk: Sequence[SimulatedPassing], gun: datetime) -> bytes:
    """The JSON payload of a batch; the same chunk always gives the same bytes."""
    return json.dumps([p.as_json(gun) for p in chunk]).encode()


def post_passings(
    base: str,
    token: str,
    chunk: Sequence[SimulatedPassing],
    gun: datetime,
    *,
    give_up_after_s: float = RETRY_GIVE_UP_S,
) -> dict[str, Any]:
    """Post one batch until the server answers it, as a decoder does.

    A refused or dropped connection, a timeout or a 429/5xx answer sends the identical
    payload again (after 0.2 s, doubling up to 5 s) for at most ``give_up_after_s``. Resending
    is safe: the server stores a read once per (device, read id) and answers an identical
    payload with the counts of the first time, so a reply lost after the commit costs
    nothing. Any other 4xx is the payload's own fault and is raised at once.
    """
    body = passings_body(chunk, gun)
    deadline = time.monotonic() + give_up_after_s
    wait_s = RETRY_FIRST_WAIT_S
    while True:
        request = urllib.request.Request(
            f"{base}/api/timing/passings", data=body, method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local only  # nosec B310 # the --url of our own server given by the operator
                return json.loads(response.read())["data"]  # type: ignore[no-any-return]
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")[:300]
            if exc.code not in RETRY_STATUSES or time.monotonic() + wait_s > deadline:
                raise ConfigurationError(f"the server answered {exc.code}: {detail}") from None
            log.warning("the server answered %s; sending the batch again", exc.code)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out
            if time.monotonic() + wait_s > deadline:
                raise ConfigurationError(
                    f"no answer from {base} for {give_up_after_s:g} s: {exc}") from None
            log.warning("no answer from the server (%s); sending the batch again", exc)
        time.sleep(wait_s)
        wait_s = min(wait_s * 2, RETRY_MAX_WAIT_S)


# -- commands -------------------------------------------------------------------------------


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{value} must be between 0 and 86400 seconds")
    return value


def _existing_file(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text} is not a file")
    return path


def _existing_dir(text: str) -> Path:
    path = Path(text).expanduser()
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is not a directory")
    return path


def _local_url(text: str) -> str:
    try:
        return check_local_url(text)
    except ConfigurationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _points(text: str) -> tuple[tuple[str, int], ...]:
    try:
        return parse_points(text)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(exc.message) from None


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    if args.device is None and args.competition is None:
        raise ValidationError("say where the data goes: --device ID (decoder files, .lif) "
                              "or --competition ID (.lif)")
    with reachable_servers(settings) as resolved:
        engine = make_engine(resolved, pool_size=2)
        try:
            report = ingest_file(engine, args.file, device_id=args.device,
                                 competition_id=args.competition,
                                 window_ms=resolved.timing_duplicate_window_ms,
                                 max_bytes=resolved.ingest_max_body_bytes)
        finally:
            engine.dispose()
    details = report.details
    if report.kind == "lif":
        state = "already imported" if details["already_imported"] else details["outcome"]
        print(f"{args.file.name}: heat {details['heat_id']} {state}, "
              f"{details['results_changed']} result(s) changed")
    else:
        print(f"{args.file.name}: {report.kind} batch {details['batch_id']}: "
              f"{details['accepted']} read(s) accepted, {details['duplicate']} duplicate(s)")
        processing = details.get("processing")
        if processing:
            print(f"  results: {processing['results_created']} created, "
                  f"{processing['results_updated']} updated, flagged {processing['flagged']}")
    return 0


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    with reachable_servers(settings) as resolved:
        engine = make_engine(resolved, pool_size=2)
        try:
            watcher = LifWatcher(engine, args.competition, args.directory, settle_s=args.settle)
            if args.once:
                outcomes = watcher.scan()
                print(f"{len(outcomes)} file(s) imported from {args.directory}")
                for name, problem in sorted(watcher.errors.items()):
                    print(f"  {name}: {problem}", file=sys.stderr)
                return 1 if watcher.errors else 0
            print(f"watching {args.directory} for .lif files every {args.interval:g} s "
                  "(Ctrl-C to stop)", flush=True)
            watcher.run(args.interval)
        finally:
            engine.dispose()
    return 0


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    token, gun = args.token, None
    if args.setup:
        with reachable_servers(settings) as resolved:
            engine = make_engine(resolved, pool_size=2)
            try:
                with Session(engine) as session, session.begin():
                    race = setup_race(session, CLI_ACTOR, runners=args.runners,
                                      points=args.points, day=args.day,
                                      name=f"Simulated race {args.seed}-{time.time_ns()}")
            finally:
                engine.dispose()
        token, gun = race.token, race.gun
        print(f"competition {race.competition_id} set up: {args.runners} runners, device "
              f"{race.device_id}, heat {race.heat_id}")
    if not token:
        raise ValidationError("give --token of a chip decoder device, or --setup to create "
                              "a simulated competition")
    if gun is None:
        gun = datetime(args.day.year, args.day.month, args.day.day, 9, 0, tzinfo=UTC)
    report = simulate(args.url, token, runners=args.runners, points=args.points, gun=gun,
                      rate=args.rate, batch_size=args.batch, max_seconds=args.max_seconds,
                      seed=args.seed)
    print(f"{report.reads} reads in {report.batches} batches in {report.seconds:.1f} s "
          f"({report.reads_per_second:,.0f} reads/s): {report.accepted} accepted, "
          f"{report.duplicate} duplicate" + (" (stopped at --max-seconds)"
                                             if report.stopped_early else ""))
    return 0


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register ``ingest``, ``watch`` and ``simulate`` on the ``athsys`` parser."""
    def add(name: str, func: Any, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        parser.set_defaults(func=func)
        return parser

    ingest = add("ingest", cmd_ingest,
                 "import a FinishLynx .lif or a chip decoder file (RACE RESULT, MYLAPS, "
                 "ChronoTrack, IPICO, JSON) from a USB stick")
    ingest.add_argument("file", type=_existing_file, help="the file to import")
    ingest.add_argument("--device", type=arguments.positive, default=None,
                        help="timing device id the reads came from (required for decoder files)")
    ingest.add_argument("--competition", type=arguments.positive, default=None,
                        help="competition id (for .lif files without --device)")

    watch = add("watch", cmd_watch,
                "import .lif files the photo-finish camera writes into DIR, each content once")
    watch.add_argument("directory", metavar="DIR", type=_existing_dir)
    watch.add_argument("--competition", type=arguments.positive, required=True,
                       help="competition id")
    watch.add_argument("--interval", type=_seconds, default=2.0, help="seconds between scans")
    watch.add_argument("--settle", type=_seconds, default=1.0,
                       help="seconds a file must stay unchanged before it is read")
    watch.add_argument("--once", action="store_true", help="scan once and exit")

    simulate_parser = add("simulate", cmd_simulate,
                          "replay a synthetic road race against the device API of a local server")
    simulate_parser.add_argument("--url", type=_local_url, default="http://127.0.0.1:5000",
                                 help="server base URL (127.0.0.1 or localhost only)")
    simulate_parser.add_argument("--token", default=None, help="token of a chip decoder device")
    simulate_parser.add_argument("--setup", action="store_true",
                                 help="create a competition with runners, chips and a device")
    simulate_parser.add_argument("--runners", type=arguments.positive, default=10_000)
    simulate_parser.add_argument("--points", type=_points,
                                 default=",".join(f"{n}:{m}" for n, m in DEFAULT_POINTS),
                                 help="timing points name:metres (default start:0,5k:5000,"
                                 "8k:8000,finish:10000)")
    simulate_parser.add_argument("--rate", type=arguments.positive, default=5_000,
                                 help="reads per second at most")
    simulate_parser.add_argument("--batch", type=arguments.positive, default=1_000,
                                 help="passings per request (at most 10000)")
    simulate_parser.add_argument("--max-seconds", type=_seconds, default=600.0,
                                 help="stop after this long")
    simulate_parser.add_argument("--seed", type=int, default=1)
    simulate_parser.add_argument("--day", type=_day, default=date(2025, 10, 12),
                                 help="race day YYYY-MM-DD (the competition's date)")
