import os
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from athsys.config import Settings

pytestmark = pytest.mark.integration


def _athsys(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "webui.cli", *args],
        capture_output=True, text=True, env=env or dict(os.environ), timeout=120,
    )


def test_db_upgrade_is_idempotent(settings: Settings, engine: Engine) -> None:
    first = _athsys("db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "database at revision" in first.stdout
    assert _athsys("db", "upgrade").returncode == 0
    with engine.connect() as conn:
        from athsys.migrations import head

        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head()


def test_sync_roles_then_create_admin_once(settings: Settings, committed_db: Engine) -> None:
    synced = _athsys("sync-roles")
    assert synced.returncode == 0, synced.stderr
    assert "Admin" in synced.stdout
    env = {**os.environ, "ATHSYS_ADMIN_PASSWORD": "a-strong-test-password"}
    created = _athsys("create-admin", "--username", "cli_admin", "--email", "cli@athsys.test",
                      env=env)
    assert created.returncode == 0, created.stderr
    assert "created with ATHSYS_ADMIN_PASSWORD" in created.stdout
    assert "a-strong-test-password" not in created.stdout + created.stderr
    again = _athsys("create-admin", "--username", "cli_admin", "--email", "cli@athsys.test")
    assert again.returncode == 0 and "exists" in again.stdout
    with committed_db.connect() as conn:
        roles = conn.execute(text(
            "SELECT r.name FROM ab_user u JOIN ab_user_role ur ON ur.user_id = u.id "
            "JOIN ab_role r ON r.id = ur.role_id WHERE u.username = 'cli_admin'"
        )).scalars().all()
    assert roles == ["Admin"]


def test_generated_admin_password_is_shown_once(settings: Settings, committed_db: Engine) -> None:
    assert _athsys("sync-roles").returncode == 0
    env = {k: v for k, v in os.environ.items() if k != "ATHSYS_ADMIN_PASSWORD"}
    created = _athsys("create-admin", "--username", "gen_admin", "--email", "gen@athsys.test",
                      env=env)
    assert created.returncode == 0, created.stderr
    assert "created with password:" in created.stdout
    password = created.stdout.split("created with password:")[1].split()[0]
    assert len(password) >= 12


def test_unreachable_database_is_one_clear_line() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://athsys:s3cr3t@127.0.0.1:1/athsys"}
    result = _athsys("db", "upgrade", env=env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("athsys: error: cannot reach the database")
    assert "s3cr3t" not in result.stderr and "Traceback" not in result.stderr


def test_non_postgresql_url_is_refused() -> None:
    env = {**os.environ, "DATABASE_URL": "sqlite:///athsys.db"}
    result = _athsys("db", "upgrade", env=env)
    assert result.returncode == 1
    assert "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_web_without_servers_names_the_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = _athsys("--data-dir", str(tmp_path), "web", env=env)
    assert result.returncode == 1
    assert "embedded servers" in result.stderr and "athsys up" in result.stderr
