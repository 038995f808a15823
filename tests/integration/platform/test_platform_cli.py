import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import Engine

from athsys.config import Settings, replace

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


def test_up_shows_the_generated_admin_password_until_it_is_changed(
        app: Flask, settings: Settings, tmp_path: Path) -> None:
    """``athsys up`` keeps the generated password owner-only in the data directory and shows
    it on every start; once the admin changes it, the file goes and the banner says so."""
    from webui.cli.accounts import sync_roles
    from webui.cli.main import ADMIN_PASSWORD_FILE, admin_login_line

    sync_roles(settings, app=app)
    ours = replace(settings, athsys_data_dir=str(tmp_path), athsys_admin_password="")
    username = f"up_admin_{os.getpid()}"
    first = admin_login_line(ours, app, username, f"{username}@athsys.test")
    kept = tmp_path / ADMIN_PASSWORD_FILE
    password = kept.read_text().strip()
    assert first.startswith(f"{username} / {password} ") and len(password) >= 12
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert admin_login_line(ours, app, username, f"{username}@athsys.test") == first
    with app.app_context():
        sm = app.appbuilder.sm  # type: ignore[attr-defined]
        sm.reset_password(sm.find_user(username=username).id, "a-password-of-my-own")
    changed = admin_login_line(ours, app, username, f"{username}@athsys.test")
    assert "has been changed" in changed and password not in changed
    assert not kept.exists()


def test_a_port_in_use_is_refused_and_a_freed_one_is_taken() -> None:
    from athsys.errors import ConfigurationError
    from webui.cli.main import _ensure_port_free

    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn's
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(ConfigurationError, match=f"port {port} on 127.0.0.1 is already"):
            _ensure_port_free("127.0.0.1", port, wait_s=0.5)
        client = socket.create_connection(("127.0.0.1", port))
        accepted, _ = listener.accept()
        accepted.close()  # the server closes first: its side waits in TIME_WAIT
        client.close()
    _ensure_port_free("127.0.0.1", port, wait_s=0)
