import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
import redis
from sqlalchemy.engine import make_url

from athsys import embedded, migrations

pytestmark = pytest.mark.integration


@pytest.fixture()
def data_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="athsys-embedded-"))
    path.chmod(0o755)
    yield path
    embedded.stop(path)
    shutil.rmtree(path, ignore_errors=True)


def _dsn(servers: embedded.EmbeddedServers) -> str:
    return servers.database_url().replace("+psycopg2", "")


def test_start_reuse_restart_keeps_data(data_dir: Path) -> None:
    servers, started = embedded.start(data_dir)
    assert started
    assert embedded.running(data_dir) == servers
    with psycopg2.connect(_dsn(servers)) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE kept (n int)")
        cur.execute("INSERT INTO kept VALUES (42)")
    redis.Redis.from_url(servers.redis_url()).set("kept", "yes")

    again, started_again = embedded.start(data_dir)
    assert not started_again and again == servers

    embedded.stop(data_dir)
    assert embedded.running(data_dir) is None
    restarted, started = embedded.start(data_dir)
    assert started
    assert (restarted.postgres_port, restarted.redis_port) == (servers.postgres_port,
                                                                servers.redis_port)
    with psycopg2.connect(_dsn(restarted)) as conn, conn.cursor() as cur:
        cur.execute("SELECT n FROM kept")
        assert cur.fetchone() == (42,)
    client = redis.Redis.from_url(restarted.redis_url())
    assert client.get("kept") == b"yes"
    client.close()


def test_servers_listen_on_loopback_with_passwords(data_dir: Path) -> None:
    servers, _ = embedded.start(data_dir)
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        psycopg2.connect(host="127.0.0.1", port=servers.postgres_port, user="postgres",
                         password="wrong", dbname="athsys")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=servers.redis_port, password="wrong").ping()
    assert (data_dir / "secrets.json").stat().st_mode & 0o077 == 0
    assert "password" not in str(embedded.describe(servers))


def test_two_data_dirs_run_side_by_side(data_dir: Path, test_servers) -> None:  # type: ignore[no-untyped-def]
    first, _ = embedded.start(data_dir)
    if test_servers.started_embedded:
        other = embedded.running(test_servers.data_dir)
        assert other is not None
        assert {first.postgres_port, first.redis_port}.isdisjoint(
            {other.postgres_port, other.redis_port}
        )


def _private(path: Path) -> bool:
    return path.stat().st_mode & 0o077 == 0


def test_the_app_role_owns_its_database_but_is_no_superuser(data_dir: Path) -> None:
    servers, _ = embedded.start(data_dir)
    assert make_url(servers.database_url()).username == embedded.APP_ROLE
    migrations.upgrade(servers.database_url())  # the migrations run as that role
    with psycopg2.connect(_dsn(servers)) as conn, conn.cursor() as cur:
        cur.execute("SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles "
                    "WHERE rolname = current_user")
        assert cur.fetchone() == (False, False, False, False)
        cur.execute("SELECT count(*), count(*) FILTER (WHERE tableowner = current_user) "
                    "FROM pg_tables WHERE schemaname = 'public'")
        tables, owned = cur.fetchone()
        assert tables > 10 and owned == tables
        with pytest.raises(psycopg2.errors.InsufficientPrivilege):
            cur.execute("COPY (SELECT 1) TO PROGRAM 'true'")


def test_an_older_data_directory_passes_its_objects_to_the_app_role(data_dir: Path) -> None:
    servers, _ = embedded.start(data_dir)
    superuser = servers.superuser_url(embedded.DATABASE_NAME).replace("+psycopg2", "")
    with psycopg2.connect(superuser) as conn, conn.cursor() as cur:  # as before the role
        cur.execute("CREATE TYPE colour AS ENUM ('red')")
        cur.execute("CREATE TABLE legacy (id serial PRIMARY KEY, c colour)")
    embedded.stop(data_dir)
    again, _ = embedded.start(data_dir)
    with psycopg2.connect(_dsn(again)) as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO legacy (c) VALUES ('red') RETURNING id")
        assert cur.fetchone() == (1,)
        cur.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'legacy'")
        assert cur.fetchone() == (embedded.APP_ROLE,)


def test_server_files_are_private_and_the_log_holds_no_rejected_values(data_dir: Path) -> None:
    servers, _ = embedded.start(data_dir)
    with psycopg2.connect(_dsn(servers)) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE person (licence text UNIQUE)")
        cur.execute("INSERT INTO person VALUES ('FRA-LIC-123456')")
    with psycopg2.connect(_dsn(servers)) as conn, conn.cursor() as cur:
        with pytest.raises(psycopg2.errors.UniqueViolation):
            cur.execute("INSERT INTO person VALUES ('FRA-LIC-123456')")
    log = (data_dir / "postgres.log").read_text()
    assert "duplicate key" in log  # the error is logged ...
    assert "FRA-LIC-123456" not in log  # ... without the statement or the DETAIL naming it
    assert _private(data_dir) or data_dir.stat().st_mode & 0o066 == 0  # root: pass-through
    for path in (data_dir / "postgres.log", data_dir / "secrets.json", data_dir / "redis",
                 data_dir / "postgres"):
        assert _private(path), f"{path} is {oct(path.stat().st_mode)}"
