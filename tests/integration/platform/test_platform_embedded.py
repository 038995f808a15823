import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import redis

from athsys import embedded

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
