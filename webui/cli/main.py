"""athsys: one command for the meet director's laptop and for servers.

Every command reads its settings from the environment (see :mod:`athsys.config`);
``--data-dir`` and ``--env`` override ``ATHSYS_DATA_DIR`` and ``ATHSYS_ENV``. Without
``DATABASE_URL``/``REDIS_URL`` the embedded servers of the data directory are used.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from athsys import migrations
from athsys.config import ENVIRONMENTS, Settings
from athsys.embedded import with_server_urls
from athsys.errors import AthsysError, ConfigurationError
from athsys.jobs import Queue
from athsys.private_files import private_secret
from tasks import wiring
from webui.cli import accounts, arguments, backup, demo, scoring, timing
from webui.cli.servers import (
    child_environment,
    load_settings,
    reachable_servers,
    web_environment,
)
from webui.cli.supervisor import Child, Supervisor

if TYPE_CHECKING:
    from flask import Flask

log = logging.getLogger("athsys.cli")

Command = Callable[[argparse.Namespace, Settings], int]


def _queues(text: str) -> str:
    names = [q.strip() for q in text.split(",") if q.strip()]
    unknown = sorted(set(names) - set(Queue.ALL))
    if not names or unknown:
        raise argparse.ArgumentTypeError(
            f"unknown queue(s) {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(Queue.ALL)}"
        )
    return ",".join(names)


PORT_WAIT_S = 10.0
LIVE_STREAM_PORT = 5100
ADMIN_PASSWORD_FILE = "admin-password"  # nosec B105 # the file's name, not a password


def _ensure_port_free(host: str, port: int, wait_s: float = PORT_WAIT_S) -> None:
    """Refuse a port another program listens on; one an instance just stopped with Ctrl-C
    (closing, or its connections in TIME_WAIT) is waited for, not refused."""
    deadline = time.monotonic() + wait_s
    while True:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            try:
                sock.bind((host, port))
                return
            except OSError:
                if time.monotonic() >= deadline:
                    raise ConfigurationError(
                        f"port {port} on {host} is already in use (another AthSys? choose "
                        "another with --port or --flower-port)") from None
        time.sleep(0.25)


# -- process commands ------------------------------------------------------------------

def web_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn",
        "--config", "python:webui.gunicorn_conf",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "webui.wsgi:app",
    ]


def worker_argv(queues: str, concurrency: int, name: str) -> list[str]:
    return [
        sys.executable, "-m", "tasks.worker",
        "--queues", queues,
        "--concurrency", str(concurrency),
        "--hostname", f"{name}@%h",
        "--task-events",
        "--loglevel", "INFO",
    ]


def beat_argv(settings: Settings) -> list[str]:
    schedule = settings.data_dir / "run" / "celerybeat-schedule"
    schedule.parent.mkdir(parents=True, exist_ok=True)
    return [
        sys.executable, "-m", "celery", "-A", "tasks.app", "beat",
        "--schedule", str(schedule),
        "--pidfile=",
        "--loglevel", "INFO",
    ]


def flower_argv(host: str, port: int) -> list[str]:
    return [
        sys.executable, "-m", "celery", "-A", "tasks.app", "flower",
        f"--address={host}", f"--port={port}",
    ]


def _flower_env(settings: Settings, env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Flower's API is protected by basic auth; the password lives in the data directory."""
    credentials = os.environ.get("FLOWER_BASIC_AUTH")
    if not credentials:
        credentials = private_secret(settings.data_dir / "flower.secret",
                                     lambda: f"admin:{secrets.token_urlsafe(12)}")
    return {**env, "FLOWER_BASIC_AUTH": credentials}, credentials


def _exec(argv: list[str], env: dict[str, str]) -> int:
    os.execvpe(argv[0], argv, env)  # nosec B606 # execs the athsys argv it built itself
    return 0  # pragma: no cover - exec does not return


def cmd_web(args: argparse.Namespace, settings: Settings) -> int:
    settings = with_server_urls(settings)
    _ensure_port_free(args.host, args.port)
    return _exec(web_argv(args.host, args.port, args.workers), web_environment(settings))


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    settings = with_server_urls(settings)
    return _exec(worker_argv(args.queues, args.concurrency, args.name),
                 child_environment(settings))


def cmd_beat(args: argparse.Namespace, settings: Settings) -> int:
    settings = with_server_urls(settings)
    return _exec(beat_argv(settings), child_environment(settings))


def cmd_flower(args: argparse.Namespace, settings: Settings) -> int:
    settings = with_server_urls(settings)
    _ensure_port_free(args.host, args.flower_port)
    env, _ = _flower_env(settings, child_environment(settings))
    return _exec(flower_argv(args.host, args.flower_port), env)


def cmd_live_stream(args: argparse.Namespace, settings: Settings) -> int:
    from athsys.logging import configure_logging
    from webui.livestream import server

    settings = with_server_urls(settings)
    _ensure_port_free(args.host, args.port)
    configure_logging(settings)
    server.serve(settings, args.host, args.port)
    return 0


# -- data commands ---------------------------------------------------------------------

def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    with reachable_servers(settings) as resolved:
        migrations.upgrade(resolved.database_url)
    print(f"database at revision {migrations.head()}")
    return 0


def cmd_sync_roles(args: argparse.Namespace, settings: Settings) -> int:
    with reachable_servers(settings) as resolved:
        names = accounts.sync_roles(resolved)
    print(f"roles synchronised: {', '.join(names)}")
    return 0


def _admin_password(settings: Settings) -> str | None:
    return settings.athsys_admin_password or None


def admin_login_line(settings: Settings, app: Flask, username: str = "admin",
                     email: str = "admin@athsys.local") -> str:
    """Create the admin account of ``athsys up`` if needed; the banner's line about its login.

    Without ``ATHSYS_ADMIN_PASSWORD`` the password is generated once and kept in the data
    directory (owner-only), so every start can show it again, until the admin changes it:
    then the file is deleted and the banner says so.
    """
    if settings.athsys_admin_password:
        accounts.create_admin(settings, username=username, email=email,
                              password=settings.athsys_admin_password, app=app)
        return f"{username} (password from ATHSYS_ADMIN_PASSWORD)"
    path = settings.data_dir / ADMIN_PASSWORD_FILE
    password = private_secret(path, lambda: secrets.token_urlsafe(12))
    account = accounts.create_admin(settings, username=username, email=email,
                                    password=password, app=app)
    if account.created or accounts.has_password(app, username, password):
        return f"{username} / {password}   (kept in {path} until you change it)"
    path.unlink()
    return f"{username} (its password has been changed; the generated one is forgotten)"


def cmd_create_admin(args: argparse.Namespace, settings: Settings) -> int:
    with reachable_servers(settings) as resolved:
        account = accounts.create_admin(
            resolved, username=args.username, email=args.email,
            password=_admin_password(settings),
        )
    _print_admin(account)
    return 0


def _print_admin(account: accounts.AdminAccount) -> None:
    if not account.created:
        print(f"admin account {account.username!r} exists; its password is unchanged")
    elif account.password:
        print(f"admin account {account.username!r} created with password: {account.password}")
        print("  (shown once; set ATHSYS_ADMIN_PASSWORD to choose it yourself)")
    else:
        print(f"admin account {account.username!r} created with ATHSYS_ADMIN_PASSWORD")


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    with reachable_servers(settings) as resolved:
        loaded = demo.load_demo(resolved)
    _print_demo(loaded)
    return 0


def _print_demo(loaded: demo.DemoLoad) -> None:
    meet = loaded.meet
    state = "loaded" if meet.created else "already loaded"
    print(f"demo meet {meet.name!r} on {meet.start_date:%Y-%m-%d} {state}: "
          f"{meet.clubs} clubs, {meet.athletes} athletes, {meet.events} events, "
          f"{meet.results} results")
    if loaded.created_users:
        print(f"  demo logins created: {', '.join(loaded.created_users)}")
    if loaded.existing_users:
        print(f"  demo logins (existing, passwords unchanged): "
              f"{', '.join(loaded.existing_users)}")
    print(f"  demo password: {loaded.password}  (from {loaded.password_source})")


# -- all in one --------------------------------------------------------------------------

def _wait_ready(url: str, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback  # nosec B310 # a URL of our own server (http), never user-given schemes
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    _ensure_port_free(args.host, args.port)
    _ensure_port_free(args.host, args.flower_port)
    started = time.monotonic()
    with reachable_servers(settings) as resolved:
        migrations.upgrade(resolved.database_url)
        from webui.app import create_app

        app = create_app(resolved)
        accounts.sync_roles(resolved, app=app)
        admin_login = admin_login_line(resolved, app)
        demo_load = None if resolved.is_production else demo.load_demo(
            resolved, app=app, roles_synced=True
        )
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        env = child_environment(resolved)
        flower_env, flower_credentials = _flower_env(resolved, env)
        supervisor = Supervisor(
            [
                Child("web", web_argv(args.host, args.port, args.workers),
                      web_environment(resolved)),
                Child("worker", worker_argv(",".join(Queue.ALL), args.concurrency,
                                            "athsys"), env),
                Child("beat", beat_argv(resolved), env),
                Child("flower", flower_argv(args.host, args.flower_port), flower_env),
            ]
        )
        supervisor.start_all()
        base = f"http://{args.host}:{args.port}"
        if not _wait_ready(f"{base}/ready", 60):
            supervisor.stop_all()
            raise ConfigurationError(f"the web server did not become ready at {base}/ready")
        elapsed = time.monotonic() - started
        print()
        print(f"AthSys is running ({resolved.env}, data in {resolved.data_dir}; "
              f"ready in {elapsed:.1f} s)")
        print(f"  Web UI:   {base}/")
        print(f"  Health:   {base}/health")
        print(f"  Flower:   http://{args.host}:{args.flower_port}/  ", end="")
        if resolved.env == "development":
            print(f"(login {flower_credentials})")
        else:
            print(f"(credentials in {resolved.data_dir / 'flower.secret'})")
        print(f"  Login:    {admin_login}")
        if demo_load is not None:
            _print_demo(demo_load)
        print("Press Ctrl-C to stop.")
        sys.stdout.flush()
        return supervisor.run()


# -- parser --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", default=argparse.SUPPRESS,
                        help="data directory of the embedded servers (default ./var)")
    common.add_argument("--env", choices=ENVIRONMENTS, default=argparse.SUPPRESS,
                        help="configuration to use (default $ATHSYS_ENV or development)")

    parser = argparse.ArgumentParser(prog="athsys", description=__doc__.splitlines()[0],
                                     parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[common])
        p.set_defaults(func=func)
        return p

    up = add("up", cmd_up, "run everything: servers, migrations, web UI, worker, beat, Flower")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=arguments.port, default=5000, help="web UI port (default 5000)")
    up.add_argument("--flower-port", type=arguments.port, default=5555,
                    help="Flower port (default 5555)")
    up.add_argument("--workers", type=arguments.positive, default=2, help="gunicorn workers")
    up.add_argument("--concurrency", type=arguments.positive, default=2,
                    help="Celery worker processes")

    web = add("web", cmd_web, "run the web UI and API under gunicorn")
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=arguments.port, default=5000)
    web.add_argument("--workers", type=arguments.positive, default=2)

    worker = add("worker", cmd_worker, "run a Celery worker")
    worker.add_argument("--queues", type=_queues, default=",".join(Queue.ALL))
    worker.add_argument("--concurrency", type=arguments.positive, default=2)
    worker.add_argument("--name", default="athsys", help="worker name (before @host)")

    live = add("live-stream", cmd_live_stream,
               "serve the live pages' server-sent events to a crowd (one asyncio process, "
               "fed by one Redis subscription; nginx routes /live/<id>/stream to it)")
    live.add_argument("--host", default="127.0.0.1")
    live.add_argument("--port", type=arguments.port, default=LIVE_STREAM_PORT,
                      help=f"port (default {LIVE_STREAM_PORT})")

    add("beat", cmd_beat, "run the Celery beat scheduler (exactly one per deployment)")

    flower = add("flower", cmd_flower, "run Flower, the Celery monitor, behind basic auth")
    flower.add_argument("--host", default="127.0.0.1")
    flower.add_argument("--flower-port", type=arguments.port, default=5555)

    db = sub.add_parser("db", help="database schema commands", parents=[common])
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_sub.add_parser("upgrade", help="apply migrations up to the newest",
                                parents=[common])
    upgrade.set_defaults(func=cmd_db_upgrade)

    add("sync-roles", cmd_sync_roles, "create roles and permissions as the role matrix says")

    admin = add("create-admin", cmd_create_admin,
                "create the admin account (password from ATHSYS_ADMIN_PASSWORD or generated)")
    admin.add_argument("--username", default="admin")
    admin.add_argument("--email", default="admin@athsys.local")

    backup.add_commands(sub, common)
    timing.add_commands(sub, common)
    scoring.add_commands(sub, common)

    add("demo", cmd_demo,
        "load the demo meet and one login per role (development only; password from "
        "ATHSYS_DEMO_PASSWORD or generated)")
    return parser


def _apply_global_options(args: argparse.Namespace) -> None:
    data_dir = getattr(args, "data_dir", None)
    if data_dir is not None:
        path = Path(data_dir).expanduser()
        if path.exists() and not path.is_dir():
            raise ConfigurationError(f"--data-dir {data_dir} is not a directory")
        os.environ["ATHSYS_DATA_DIR"] = str(path.resolve())
    env = getattr(args, "env", None)
    if env is not None:
        os.environ["ATHSYS_ENV"] = env


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        _apply_global_options(args)
        wiring.install()  # jobs the commands' transactions ask for are sent
        settings = load_settings()
        return int(args.func(args, settings))
    except AthsysError as exc:
        print(f"athsys: error: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - one line for people; the trace goes to the log
        from sqlalchemy.exc import OperationalError

        log.debug("command failed", exc_info=True)
        if isinstance(exc, OperationalError):
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
            print(f"athsys: error: cannot reach the database: {reason}", file=sys.stderr)
        else:
            print(f"athsys: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


