import gzip
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from athsys.athletes.models import Athlete, Club
from athsys.backups import service
from athsys.backups.models import Backup, BackupStatus
from athsys.competitions.models import (
    Competition,
    Entry,
    Event,
    Heat,
    Round,
    RoundKind,
)
from athsys.config import Settings, replace
from athsys.db import make_session_factory
from athsys.errors import (
    ConfigurationError,
    ConflictError,
    ValidationError,
)
from athsys.results.models import Result
from athsys.sport.disciplines import EventKind
from athsys.sport.sex import Sex
from tests.support.database import create_empty_database, recreate_database
from webui.cli.main import main as cli_main

pytestmark = pytest.mark.integration


def _populate(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        club = Club(name="Harriers AC", code="HAR", country="GBR")
        meet = Competition(name="County Champs", venue="Stadium", start_date=date(2026, 6, 6),
                           end_date=date(2026, 6, 7))
        event = Event(competition=meet, discipline_code="100m", name="Men 100 m", sex=Sex.MALE,
                      kind=EventKind.TRACK)
        round_ = Round(event=event, kind=RoundKind.FINAL)
        heat = Heat(round=round_, number=1, wind=12)
        session.add_all([club, meet, event, round_, heat])
        session.flush()
        for n, (first, last, mark) in enumerate(
            [("Ada", "Quick", 10_431), ("Bo", "Fast", 10_502), ("Cy", "Ñúñez", 10_877)], start=1
        ):
            athlete = Athlete(first_name=first, last_name=last, sex=Sex.MALE, club=club,
                              birth_date=date(2000, 1, n))
            session.add(athlete)
            session.flush()
            entry = Entry(event_id=event.id, competition_id=meet.id, athlete_id=athlete.id,
                          bib=str(100 + n), seed_mark=mark)
            session.add(entry)
            session.flush()
            session.add(Result(heat_id=heat.id, entry_id=entry.id, mark=mark, place=n, wind=12))


def _tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )).scalars())


def _fingerprint(engine: Engine, skip: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """Row count and md5 of every row's text, in a fixed order, per table."""
    out = {}
    with engine.connect() as conn:
        for table in _tables(engine):
            if table in skip:
                continue
            count, digest = conn.execute(text(
                f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), '
                f"'')) FROM \"{table}\" t"
            )).one()
            out[table] = (count, digest)
    return out


@pytest.fixture()
def fresh_database(test_servers, settings: Settings) -> Iterator[str]:
    name = f"athsys_restore_{os.getpid()}"
    url = make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
    create_empty_database(test_servers.admin_database_url, url)
    admin = create_engine(test_servers.admin_database_url, isolation_level="AUTOCOMMIT")
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def source_database(test_servers, settings: Settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A database of its own, migrated: what other tests leave committed never counts here."""
    name = f"athsys_backup_source_{os.getpid()}"
    url = make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
    recreate_database(test_servers.admin_database_url, url)
    yield url
    admin = create_engine(test_servers.admin_database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def backup_settings(settings: Settings, source_database: str, tmp_path: Path) -> Settings:
    return replace(settings, backup_dir=str(tmp_path / "backups"), database_url=source_database)


@pytest.fixture()
def populated(source_database: str) -> Iterator[Engine]:
    engine = create_engine(source_database)
    _populate(engine)
    yield engine
    engine.dispose()


def test_backup_restores_into_a_fresh_database_identically(
    populated: Engine, backup_settings: Settings, fresh_database: str
) -> None:
    made = service.create_backup(make_session_factory(populated), backup_settings)

    assert made.path.parent == Path(backup_settings.backup_dir)
    assert made.filename.startswith("athsys_") and made.filename.endswith(".sql.gz")
    assert made.path.stat().st_size == made.size
    assert service.sha256_of(made.path) == made.sha256
    assert service.checksum_file(made.path).read_text() == f"{made.sha256}  {made.filename}\n"
    assert not [p for p in made.path.parent.iterdir() if p.name.endswith(".tmp")]
    with gzip.open(made.path, "rt") as fh:
        assert "PostgreSQL database dump" in fh.read(4096)
    with Session(populated) as session:
        row = session.get_one(Backup, made.id)
        assert (row.status, row.sha256, row.size) == (
            BackupStatus.SUCCEEDED, made.sha256, made.size
        )

    assert service.restore_backup(backup_settings, made.path,
                                  database_url=fresh_database) == made.sha256

    restored = create_engine(fresh_database)
    try:
        assert _tables(restored) == _tables(populated)
        source = _fingerprint(populated, skip=frozenset({"backup"}))
        copy = _fingerprint(restored, skip=frozenset({"backup"}))
        assert copy == source
        assert source["result"][0] == 3 and source["athlete"][0] == 3
        assert source["alembic_version"][0] == 1
        # the dump was taken while its own Backup row said "running"
        with restored.connect() as conn:
            assert conn.execute(text("SELECT id, filename, status FROM backup")).all() == [
                (made.id, made.filename, "running")
            ]
        # sequences come back too: the next insert does not collide
        with Session(restored) as session, session.begin():
            session.add(Club(name="New Club", code="NEW"))
    finally:
        restored.dispose()


def test_restore_refuses_a_non_empty_database_without_force(
    populated: Engine, backup_settings: Settings, fresh_database: str
) -> None:
    made = service.create_backup(make_session_factory(populated), backup_settings)
    service.restore_backup(backup_settings, made.path, database_url=fresh_database)
    restored = create_engine(fresh_database)
    try:
        with Session(restored) as session, session.begin():
            session.add(Club(name="Added After", code="AFT"))
        with pytest.raises(ConflictError, match="not empty.*--force"):
            service.restore_backup(backup_settings, made.path, database_url=fresh_database)
        with restored.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM club WHERE code = 'AFT'")).scalar() == 1

        service.restore_backup(backup_settings, made.path, database_url=fresh_database,
                               force=True)
        with restored.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM club WHERE code = 'AFT'")).scalar() == 0
        assert _fingerprint(restored, frozenset({"backup"})) == _fingerprint(
            populated, frozenset({"backup"})
        )
    finally:
        restored.dispose()


def test_restore_refuses_a_file_whose_checksum_does_not_match(
    populated: Engine, backup_settings: Settings, fresh_database: str, tmp_path: Path
) -> None:
    made = service.create_backup(make_session_factory(populated), backup_settings)
    damaged = tmp_path / made.filename
    data = bytearray(made.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    shutil.copy(service.checksum_file(made.path), service.checksum_file(damaged))

    with pytest.raises(ValidationError, match="does not match its recorded checksum") as info:
        service.restore_backup(backup_settings, damaged, database_url=fresh_database)
    assert info.value.details["expected_sha256"] == made.sha256
    assert _tables(create_engine(fresh_database)) == []

    service.checksum_file(damaged).unlink()
    with pytest.raises(ValidationError, match="no checksum is recorded"):
        service.restore_backup(backup_settings, damaged, database_url=fresh_database)


def test_the_backup_row_checksum_wins_over_the_sidecar(
    populated: Engine, backup_settings: Settings
) -> None:
    made = service.create_backup(make_session_factory(populated), backup_settings)
    service.checksum_file(made.path).write_text("0" * 64 + "  x\n")
    assert service.verify_backup(made.path, populated) == made.sha256
    with pytest.raises(ValidationError):
        service.verify_backup(made.path, None)


def test_backup_into_an_unwritable_directory_fails_visibly(
    committed_db: Engine, settings: Settings, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    broken = replace(settings, backup_dir=str(blocker / "backups"))

    with pytest.raises(service.BackupError, match="cannot be created"):
        service.create_backup(make_session_factory(committed_db), broken)

    with Session(committed_db) as session:
        row = session.scalars(select(Backup)).one()
    assert row.status is BackupStatus.FAILED
    assert "cannot be created" in (row.error or "")
    assert row.finished_at is not None


def test_a_failing_pg_dump_leaves_no_file_behind(
    committed_db: Engine, backup_settings: Settings
) -> None:
    wrong = replace(
        backup_settings,
        database_url=make_url(backup_settings.database_url).set(database="no_such_db")
        .render_as_string(hide_password=False),
    )
    with pytest.raises(service.BackupError, match="pg_dump failed") as info:
        service.create_backup(make_session_factory(committed_db), wrong)
    password = make_url(backup_settings.database_url).password
    assert password and password not in info.value.message
    assert list(Path(backup_settings.backup_dir).iterdir()) == []
    with Session(committed_db) as session:
        assert session.scalars(select(Backup.status)).all() == [BackupStatus.FAILED]


def test_a_pg_dump_older_than_the_server_is_refused(
    committed_db: Engine, backup_settings: Settings
) -> None:
    system = Path("/usr/bin/pg_dump")
    if not system.exists():
        pytest.skip("no system pg_dump to compare")
    with committed_db.connect() as conn:
        server_major = int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000
    import subprocess

    tool_major = service.tool_major_version(
        subprocess.run([str(system), "--version"], capture_output=True, text=True).stdout
    )
    if tool_major >= server_major:
        pytest.skip("the system pg_dump is recent enough")
    old = replace(backup_settings, pg_bin_dir="/usr/bin")
    expected = f"version {tool_major}.*PostgreSQL {server_major}"
    with pytest.raises(ConfigurationError, match=expected):
        service.create_backup(make_session_factory(committed_db), old)
    with Session(committed_db) as session:
        assert session.scalars(select(Backup.status)).all() == [BackupStatus.FAILED]


def test_a_second_backup_while_one_runs_is_refused(
    committed_db: Engine, backup_settings: Settings
) -> None:
    with service.backup_lock(committed_db):
        with pytest.raises(service.BackupInProgressError, match="another backup is running"):
            service.create_backup(make_session_factory(committed_db), backup_settings)
    with Session(committed_db) as session:
        assert session.scalars(select(Backup)).all() == []
    assert service.create_backup(make_session_factory(committed_db), backup_settings).size > 0


def test_prune_removes_old_files_checksums_and_rows(
    committed_db: Engine, backup_settings: Settings
) -> None:
    factory = make_session_factory(committed_db)
    old = service.create_backup(factory, backup_settings,
                                now=datetime.now(UTC) - timedelta(days=40))
    new = service.create_backup(factory, backup_settings)
    with factory.begin() as session:
        session.execute(update(Backup).where(Backup.id == old.id).values(
            created_at=datetime.now(UTC) - timedelta(days=40)))
    orphan = Path(backup_settings.backup_dir) / "athsys_20000101_020000.sql.gz"
    orphan.write_bytes(b"from a restored database")
    unrelated = Path(backup_settings.backup_dir) / "notes.txt"
    unrelated.write_text("keep me")

    assert service.prune_backups(factory, backup_settings) == 2

    assert not old.path.exists() and not service.checksum_file(old.path).exists()
    assert not orphan.exists()
    assert new.path.exists() and service.checksum_file(new.path).exists()
    assert unrelated.exists()
    with Session(committed_db) as session:
        assert session.scalars(select(Backup.id)).all() == [new.id]


def test_cli_backup_then_restore_refuses_damaged_file(
    committed_db: Engine, backup_settings: Settings, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fresh_database: str,
) -> None:
    _populate(committed_db)
    monkeypatch.setenv("BACKUP_DIR", backup_settings.backup_dir)
    assert cli_main(["backup"]) == 0
    out = capsys.readouterr().out
    assert "backup written" in out
    (written,) = Path(backup_settings.backup_dir).glob("athsys_*.sql.gz")

    assert cli_main(["restore", str(written)]) == 1
    assert "is not empty" in capsys.readouterr().err

    monkeypatch.setenv("DATABASE_URL", fresh_database)
    with written.open("ab") as fh:
        fh.write(b"x")
    assert cli_main(["restore", str(written)]) == 1
    assert "does not match its recorded checksum" in capsys.readouterr().err
    assert _tables(create_engine(fresh_database)) == []
