from datetime import UTC, datetime
from pathlib import Path

import pytest

from athsys.backups import service
from athsys.config import get_config
from athsys.errors import ConfigurationError

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("output, major", [
    ("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", 15),
    ("pg_dump (PostgreSQL) 18.6\n", 18),
    ("psql (PostgreSQL) 9.6.24\n", 9),
])
def test_tool_major_version(output: str, major: int) -> None:
    assert service.tool_major_version(output) == major


def test_unreadable_tool_version_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        service.tool_major_version("command not found")


def test_password_goes_to_the_environment_not_the_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PGPASSWORD", "stale")
    env = service.libpq_environment(
        "postgresql+psycopg2://athsys:s%40cret@db.example:6543/meet?sslmode=require"
    )
    assert {k: env[k] for k in ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
                                "PGSSLMODE")} == {
        "PGHOST": "db.example", "PGPORT": "6543", "PGUSER": "athsys", "PGPASSWORD": "s@cret",
        "PGDATABASE": "meet", "PGSSLMODE": "require",
    }


def test_backup_names_and_default_directory(tmp_path: Path) -> None:
    at = datetime(2026, 6, 7, 2, 0, 5, tzinfo=UTC)
    name = at.strftime(service.FILENAME_FORMAT)
    assert name == "athsys_20260607_020005.sql.gz"
    assert service.FILENAME_PATTERN.match(name)
    (tmp_path / name).touch()
    assert service._free_filename(tmp_path, at) == "athsys_20260607_020006.sql.gz"
    settings = get_config("testing", environ={"ATHSYS_DATA_DIR": str(tmp_path)})
    assert settings.backup_path == tmp_path / "backups"
    assert settings.backup_retention_days == 30


def test_a_bad_schedule_or_smtp_security_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="BACKUP_SCHEDULE"):
        get_config("testing", environ={"BACKUP_SCHEDULE": "daily"})
    with pytest.raises(ConfigurationError, match="SMTP_SECURITY"):
        get_config("testing", environ={"SMTP_SECURITY": "tls"})


def test_backup_schedule_in_crontab_order() -> None:
    settings = get_config("testing", environ={"BACKUP_SCHEDULE": "15 3 * * 1-5"})
    assert settings.backup_crontab == {"minute": "15", "hour": "3", "day_of_month": "*",
                                       "month_of_year": "*", "day_of_week": "1-5"}
