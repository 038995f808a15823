"""ops/postgres/init-app-role.sh (run by the postgres image on a fresh volume, in compose and
Kubernetes) makes a role that is no superuser, owns the app's database and can migrate it."""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from athsys import migrations
from athsys.backups.service import libpq_environment, pg_tool
from athsys.config import Settings
from tests.support import servers
from tests.support.deploy import ROOT

pytestmark = pytest.mark.integration

SCRIPT = ROOT / "ops" / "postgres" / "init-app-role.sh"


@pytest.fixture()
def app_role(settings: Settings, test_servers: servers.TestServers) -> Iterator[dict[str, str]]:
    suffix = secrets.token_hex(4)
    role = {"ATHSYS_DB_USER": f"athsys_app_{suffix}", "ATHSYS_DB_NAME": f"athsys_app_{suffix}",
            # quotes and a backslash: the script must pass values as data, not SQL
            "ATHSYS_DB_PASSWORD": f"pa'ss\"wo\\rd-{suffix}"}
    yield role
    admin = create_engine(test_servers.admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{role["ATHSYS_DB_NAME"]}" WITH (FORCE)'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{role["ATHSYS_DB_USER"]}"'))
    admin.dispose()


def _run_script(settings: Settings, test_servers: servers.TestServers,
                role: dict[str, str]) -> subprocess.CompletedProcess[str]:
    psql_dir = str(Path(pg_tool(settings, "psql")).parent)
    env = libpq_environment(test_servers.admin_database_url)
    env.pop("PGDATABASE", None)
    env.update(role, POSTGRES_USER=make_url(test_servers.admin_database_url).username or "",
               PATH=f"{psql_dir}:{env.get('PATH', '')}")
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_app_role_owns_its_database_and_is_no_superuser(
    settings: Settings, test_servers: servers.TestServers, app_role: dict[str, str]
) -> None:
    run = _run_script(settings, test_servers, app_role)
    assert run.returncode == 0, run.stderr
    admin = create_engine(test_servers.admin_database_url)
    with admin.connect() as conn:
        row = conn.execute(text(
            "SELECT r.rolsuper, r.rolcreatedb, r.rolcreaterole, pg_get_userbyid(d.datdba) "
            "FROM pg_roles r, pg_database d WHERE r.rolname = :role AND d.datname = :db"),
            {"role": app_role["ATHSYS_DB_USER"], "db": app_role["ATHSYS_DB_NAME"]}).one()
    admin.dispose()
    assert tuple(row) == (False, False, False, app_role["ATHSYS_DB_USER"])

    url = make_url(test_servers.admin_database_url).set(
        username=app_role["ATHSYS_DB_USER"], password=app_role["ATHSYS_DB_PASSWORD"],
        database=app_role["ATHSYS_DB_NAME"]).render_as_string(hide_password=False)
    migrations.upgrade(url)  # as the app role: the migrate step needs no superuser
    app = create_engine(url)
    with app.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == app_role["ATHSYS_DB_USER"]
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        with pytest.raises(Exception, match="permission denied"):
            conn.execute(text("CREATE ROLE athsys_not_allowed"))
    app.dispose()


def test_a_missing_password_stops_the_script_naming_it(
    settings: Settings, test_servers: servers.TestServers, app_role: dict[str, str]
) -> None:
    run = _run_script(settings, test_servers, {**app_role, "ATHSYS_DB_PASSWORD": ""})
    assert run.returncode != 0 and "ATHSYS_DB_PASSWORD" in run.stderr
