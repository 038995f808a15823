"""Back up the database with ``pg_dump``, restore a backup with ``psql``, prune old backups.

A backup is single-flight (a PostgreSQL advisory lock held for its whole run), streamed
through gzip into a temporary file next to its final name, flushed to disk and only then
renamed, so that ``BACKUP_DIR`` never holds a half-written ``athsys_*.sql.gz``. Its SHA-256
goes into the :class:`~athsys.backups.models.Backup` row and into a ``.sha256`` file beside
it: a restore into an empty database has no Backup row to read.

Passwords reach ``pg_dump`` and ``psql`` through ``PGPASSWORD`` in their environment, never
on a command line; error messages are passed through :func:`athsys.logging.redact_text`.

These functions run their own transactions (a backup row must be visible while the dump
runs and must record a failure even when the dump fails), unlike the other services.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import re
import shutil
import subprocess  # nosec B404 # the PostgreSQL tools and our own children, argv lists, no shell
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Connection, create_engine, delete, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from athsys import embedded
from athsys.backups.models import Backup, BackupStatus
from athsys.config import Settings
from athsys.errors import (
    AthsysError,
    ConfigurationError,
    ConflictError,
    ExternalServiceError,
    NotFoundError,
    ValidationError,
)
from athsys.logging import redact_text

log = logging.getLogger(__name__)

#: Advisory lock key of the backup ("AthB"); a second backup while it is held is refused.
BACKUP_LOCK_ID = 0x41746842
FILENAME_FORMAT = "athsys_%Y%m%d_%H%M%S.sql.gz"
FILENAME_PATTERN = re.compile(r"^athsys_(\d{8})_(\d{6})\.sql\.gz$")
CHECKSUM_SUFFIX = ".sha256"
_CHUNK = 1024 * 1024
_PG_DUMP_TIMEOUT_S = 6 * 3600
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")


class BackupError(ExternalServiceError):
    """The backup could not be made (pg_dump failed, the directory is not writable, disk full)."""

    error_type = "backup_failed"


class BackupInProgressError(ConflictError):
    """Another backup holds the lock; this one is skipped."""

    error_type = "backup_in_progress"


@dataclass(frozen=True)
class BackupFile:
    id: int
    filename: str
    path: Path
    size: int
    sha256: str


# -- tools ---------------------------------------------------------------------------------

def pg_tool(settings: Settings, name: str) -> str:
    """``pg_dump`` or ``psql``: from ``PG_BIN_DIR``, else the embedded server's, else PATH."""
    if settings.pg_bin_dir:
        candidate = Path(settings.pg_bin_dir) / name
        if not os.access(candidate, os.X_OK):
            raise ConfigurationError(f"PG_BIN_DIR has no executable {name} ({candidate})")
        return str(candidate)
    try:
        bundled = Path(embedded.pg_dump_path()).with_name(name)
    except ConfigurationError:
        bundled = None
    if bundled is not None and os.access(bundled, os.X_OK):
        return str(bundled)
    found = shutil.which(name)
    if found is None:
        raise ConfigurationError(
            f"{name} not found: install the PostgreSQL client tools or set PG_BIN_DIR"
        )
    return found


def tool_major_version(version_output: str) -> int:
    """The major version in ``pg_dump (PostgreSQL) 15.18 (Debian ...)`` -> 15."""
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_output)
    if match is None:
        raise ConfigurationError(f"cannot read the version of {version_output.strip()!r}")
    return int(match.group(1))


def check_tool_version(tool: str, server_version_num: int) -> None:
    """Refuse a client older than the server: pg_dump cannot dump a newer server."""
    output = subprocess.run(  # nosec B603 # fixed argv list of a trusted executable, no shell
        [tool, "--version"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    tool_major = tool_major_version(output)
    server_major = server_version_num // 10000
    if tool_major < server_major:
        raise ConfigurationError(
            f"{tool} is version {tool_major} but the database server is PostgreSQL "
            f"{server_major}: install the version {server_major} client tools or point "
            "PG_BIN_DIR at them"
        )


def libpq_environment(database_url: str) -> dict[str, str]:
    """``PGHOST``/``PGPORT``/``PGUSER``/``PGPASSWORD``/``PGDATABASE`` for a SQLAlchemy URL."""
    url = make_url(database_url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    values = {
        "PGHOST": url.host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
        "PGSSLMODE": url.query.get("sslmode"),  # type: ignore[dict-item]
        "PGAPPNAME": "athsys-backup",
    }
    env.update({key: str(value) for key, value in values.items() if value})
    return env


# -- files -----------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def checksum_file(backup: Path) -> Path:
    return backup.with_name(backup.name + CHECKSUM_SUFFIX)


def _free_filename(directory: Path, at: datetime) -> str:
    """``athsys_YYYYMMDD_HHMMSS.sql.gz``, a second later if that name is taken already."""
    while (directory / at.strftime(FILENAME_FORMAT)).exists():
        at += timedelta(seconds=1)
    return at.strftime(FILENAME_FORMAT)


def _prepare_directory(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(
            f"backup directory {directory} cannot be created: {exc.strerror or exc}"
        ) from exc
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise BackupError(f"backup directory {directory} is not a writable directory")


def _dump_to(tool: str, database_url: str, target: Path) -> tuple[int, str]:
    """Stream ``pg_dump`` through gzip into ``target`` (a temporary file); size and SHA-256."""
    env = libpq_environment(database_url)
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as stderr, target.open("wb") as raw:
        process = subprocess.Popen(  # nosec B603 # fixed argv list of a trusted executable, no shell
            [tool, "--format=plain", "--no-owner", "--no-privileges", "--quote-all-identifiers",
             "--encoding=UTF8"],
            stdout=subprocess.PIPE, stderr=stderr, env=env,
        )
        assert process.stdout is not None  # nosec B101 # invariant for the type checker, not a check of input
        hashing = _HashingWriter(raw, digest)
        try:
            with process.stdout, gzip.GzipFile(
                filename="", mode="wb", fileobj=hashing, mtime=0
            ) as gz:
                while chunk := process.stdout.read(_CHUNK):
                    gz.write(chunk)
        except BaseException:
            process.kill()
            process.wait()
            raise
        returncode = process.wait(timeout=_PG_DUMP_TIMEOUT_S)
        raw.flush()
        os.fsync(raw.fileno())
        if returncode != 0:
            stderr.seek(0)
            message = stderr.read().decode("utf-8", "replace").strip()[-500:]
            raise BackupError(f"pg_dump failed (exit {returncode}): {redact_text(message)}")
        return hashing.size, digest.hexdigest()


class _HashingWriter:
    """A file wrapper that hashes and counts what gzip writes through it."""

    def __init__(self, raw: BinaryIO, digest: hashlib._Hash) -> None:
        self._raw = raw
        self._digest = digest
        self.size = 0

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        self.size += len(data)
        return self._raw.write(data)

    def flush(self) -> None:
        self._raw.flush()


# -- backup ------------------------------------------------------------------------------------

@contextmanager
def backup_lock(engine: Engine) -> Iterator[Connection]:
    """Hold the backup advisory lock, or raise :class:`BackupInProgressError` at once."""
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": BACKUP_LOCK_ID})
        if not got.scalar():
            conn.rollback()
            raise BackupInProgressError("another backup is running; this one is skipped")
        conn.commit()
        try:
            yield conn
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": BACKUP_LOCK_ID})
            conn.commit()


def create_backup(
    factory: sessionmaker[Session], settings: Settings, *, now: datetime | None = None
) -> BackupFile:
    """Dump the database of ``settings`` into ``BACKUP_DIR`` and record it.

    Raises :class:`BackupInProgressError` when another backup runs, :class:`BackupError`
    (after recording the failure in its Backup row) when this one fails, and
    :class:`~athsys.errors.ConfigurationError` when the client tools do not fit the server.
    """
    engine = factory.kw["bind"]
    with backup_lock(engine) as conn:
        server_version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
        conn.commit()
        directory = settings.backup_path
        at = (now or datetime.now(UTC)).astimezone(UTC)
        with factory.begin() as session:
            row = Backup(filename=at.strftime(FILENAME_FORMAT), path=str(directory),
                         status=BackupStatus.RUNNING)
            session.add(row)
            session.flush()
            backup_id = row.id
        try:
            tool = pg_tool(settings, "pg_dump")
            check_tool_version(tool, server_version)
            result = _write_backup(tool, settings.database_url, directory, at)
        except BaseException as exc:
            message = exc.message if isinstance(exc, AthsysError) else (
                f"{type(exc).__name__}: {redact_text(str(exc))}"
            )
            _finish(factory, backup_id, status=BackupStatus.FAILED, error=message)
            log.error("backup %s failed: %s", backup_id, message)
            if isinstance(exc, AthsysError):
                raise
            if isinstance(exc, OSError):
                raise BackupError(f"backup failed: {message}") from exc
            raise
        filename, path, size, digest = result
        _finish(factory, backup_id, status=BackupStatus.SUCCEEDED, filename=filename,
                path=str(path), size=size, sha256=digest)
    log.info("backup %s written: %s (%d bytes, sha256 %s)", backup_id, path, size, digest)
    _record_success_metric()
    return BackupFile(backup_id, filename, path, size, digest)


def _write_backup(
    tool: str, database_url: str, directory: Path, at: datetime
) -> tuple[str, Path, int, str]:
    _prepare_directory(directory)
    filename = _free_filename(directory, at)
    final = directory / filename
    fd, tmp_name = tempfile.mkstemp(prefix=f".{filename}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        size, digest = _dump_to(tool, database_url, tmp)
        _write_atomically(checksum_file(final), f"{digest}  {filename}\n".encode())
        os.replace(tmp, final)
        _fsync_dir(directory)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return filename, final, size, digest


def _finish(factory: sessionmaker[Session], backup_id: int, **values: object) -> None:
    with factory.begin() as session:
        session.execute(
            update(Backup).where(Backup.id == backup_id).values(
                finished_at=datetime.now(UTC), **values
            )
        )


def _record_success_metric() -> None:
    from athsys import metrics

    metrics.record_backup_success(time.time())


# -- restore -------------------------------------------------------------------------------------

def expected_checksum(backup: Path, engine: Engine | None = None) -> str:
    """The recorded SHA-256 of ``backup``: its Backup row if the database has one, else the
    ``.sha256`` file written next to it."""
    if engine is not None:
        with engine.connect() as conn:
            has_table = conn.execute(text("SELECT to_regclass('public.backup')")).scalar()
            if has_table is not None:
                recorded = conn.execute(
                    select(Backup.sha256).where(
                        Backup.filename == backup.name, Backup.status == BackupStatus.SUCCEEDED
                    )
                ).scalar()
                if recorded:
                    return str(recorded)
    sidecar = checksum_file(backup)
    try:
        line = sidecar.read_text().split()
    except FileNotFoundError:
        raise ValidationError(
            f"no checksum is recorded for {backup.name}: {sidecar.name} is missing next to it",
            details={"file": str(backup)},
        ) from None
    if not line or not re.fullmatch(r"[0-9a-f]{64}", line[0]):
        raise ValidationError(f"{sidecar} does not hold a SHA-256 checksum",
                              details={"file": str(sidecar)})
    return line[0]


def verify_backup(backup: Path, engine: Engine | None = None) -> str:
    """Check the file against its recorded checksum; return the checksum."""
    if not backup.is_file():
        raise NotFoundError(f"backup file {backup} does not exist", details={"file": str(backup)})
    expected = expected_checksum(backup, engine)
    actual = sha256_of(backup)
    if actual != expected:
        raise ValidationError(
            f"{backup.name} does not match its recorded checksum: the file is damaged or "
            "not the one that was backed up",
            details={"file": str(backup), "expected_sha256": expected, "actual_sha256": actual},
        )
    return actual


def user_relations(conn: Connection) -> list[str]:
    """Tables, views and sequences outside the system schemas (empty for an empty database)."""
    rows = conn.execute(
        text(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
            "AND n.nspname <> ALL(:system) AND n.nspname NOT LIKE 'pg_temp%' "
            "ORDER BY 1"
        ),
        {"system": list(_SYSTEM_SCHEMAS)},
    )
    return [row[0] for row in rows]


def _empty_database(conn: Connection) -> None:
    """Drop every user schema and give back an empty ``public`` (for ``--force``)."""
    schemas = conn.execute(
        text(
            "SELECT nspname FROM pg_namespace WHERE nspname <> ALL(:system) "
            "AND nspname NOT LIKE 'pg_%'"
        ),
        {"system": list(_SYSTEM_SCHEMAS)},
    ).scalars().all()
    for schema in schemas:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    conn.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))
    conn.execute(text("GRANT USAGE ON SCHEMA public TO PUBLIC"))


def restore_backup(
    settings: Settings, backup: Path, *, database_url: str | None = None, force: bool = False
) -> str:
    """Load ``backup`` into the database (``database_url`` or that of ``settings``).

    The checksum is verified first; a database that holds any table is refused unless
    ``force``, which empties it. ``psql`` runs the dump in one transaction and stops at the
    first error, so a failed restore leaves the database as it was (emptied, with ``force``).
    Returns the verified SHA-256.
    """
    url = database_url or settings.database_url
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        digest = verify_backup(backup, engine)
        with engine.connect() as conn:
            existing = user_relations(conn)
            if existing and not force:
                raise ConflictError(
                    f"database {make_url(url).database!r} is not empty ({len(existing)} "
                    "tables, views or sequences); restore into an empty database or pass "
                    "--force to replace its contents",
                    details={"relations": existing[:20]},
                )
            server_version = int(conn.execute(text("SHOW server_version_num")).scalar_one())
            if existing:
                log.warning("restore --force: emptying database %s", make_url(url).database)
                _empty_database(conn)
    finally:
        engine.dispose()
    psql = pg_tool(settings, "psql")
    check_tool_version(psql, server_version)
    _run_psql(psql, url, backup)
    log.info("restored %s (sha256 %s) into %s", backup, digest, make_url(url).database)
    return digest


def _run_psql(psql: str, database_url: str, backup: Path) -> None:
    env = libpq_environment(database_url)
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(  # nosec B603 # fixed argv list of a trusted executable, no shell
            [psql, "--no-psqlrc", "--quiet", "--single-transaction",
             "--set", "ON_ERROR_STOP=1", "--file", "-"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr, env=env,
        )
        assert process.stdin is not None  # nosec B101 # invariant for the type checker, not a check of input
        try:
            with gzip.open(backup, "rb") as gz:
                while chunk := gz.read(_CHUNK):
                    process.stdin.write(chunk)
        except BrokenPipeError:
            pass  # psql stopped at an error; its exit code and stderr say which
        except (OSError, EOFError) as exc:
            process.kill()
            process.wait()
            raise ValidationError(f"{backup.name} is not a readable gzip file: {exc}",
                                  details={"file": str(backup)}) from exc
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
        returncode = process.wait()
        if returncode != 0:
            stderr.seek(0)
            message = stderr.read().decode("utf-8", "replace").strip()[-500:]
            raise ExternalServiceError(
                f"restore of {backup.name} failed (psql exit {returncode}); the database is "
                f"unchanged: {redact_text(message)}"
            )


# -- retention -------------------------------------------------------------------------------------

def prune_backups(
    factory: sessionmaker[Session], settings: Settings, *, now: datetime | None = None
) -> int:
    """Delete backups older than ``BACKUP_RETENTION_DAYS``: files, checksums and rows.

    Files in ``BACKUP_DIR`` named like a backup but without a row (a restored database
    knows none of them) are judged by the time in their name. Returns the files removed.
    """
    cutoff = (now or datetime.now(UTC)) - timedelta(days=settings.backup_retention_days)
    removed = 0
    with factory.begin() as session:
        old = session.execute(
            select(Backup.id, Backup.path, Backup.filename, Backup.status).where(
                Backup.created_at < cutoff
            ).with_for_update(skip_locked=True)
        ).all()
        for row in old:
            if row.status is BackupStatus.SUCCEEDED:
                removed += _remove_backup_file(Path(row.path))
        if old:
            session.execute(delete(Backup).where(Backup.id.in_([row.id for row in old])))
    directory = settings.backup_path
    if directory.is_dir():
        for path in directory.iterdir():
            match = FILENAME_PATTERN.match(path.name)
            if match is None:
                continue
            stamp = datetime.strptime("".join(match.groups()), "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            if stamp < cutoff:
                removed += _remove_backup_file(path)
    log.info("pruned %d backup files older than %s", removed, cutoff.isoformat())
    return removed


def _remove_backup_file(path: Path) -> int:
    existed = path.exists()
    path.unlink(missing_ok=True)
    checksum_file(path).unlink(missing_ok=True)
    return int(existed)


def fail_abandoned_backups(factory: sessionmaker[Session]) -> int:
    """Mark ``running`` rows failed when no backup holds the lock (their worker died)."""
    engine = factory.kw["bind"]
    try:
        with backup_lock(engine), factory.begin() as session:
            result = session.execute(
                update(Backup).where(Backup.status == BackupStatus.RUNNING).values(
                    status=BackupStatus.FAILED, finished_at=datetime.now(UTC),
                    error="abandoned: the process making this backup stopped before it ended",
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]
    except BackupInProgressError:
        return 0
