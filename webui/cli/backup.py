"""``athsys backup`` and ``athsys restore FILE [--force]``: the work behind the two commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from athsys.backups import service
from athsys.config import Settings
from athsys.db import make_engine, make_session_factory
from webui.cli.servers import reachable_servers


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    with reachable_servers(settings) as resolved:
        engine = make_engine(resolved, pool_size=2)
        try:
            made = service.create_backup(make_session_factory(engine), resolved)
        finally:
            engine.dispose()
    print(f"backup written: {made.path} ({made.size} bytes)")
    print(f"  sha256 {made.sha256}")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    backup = Path(args.file).expanduser().resolve()
    with reachable_servers(settings) as resolved:
        digest = service.restore_backup(resolved, backup, force=args.force)
    print(f"restored {backup.name} (sha256 {digest} verified)")
    print("  run `athsys db upgrade` if this backup predates the installed version")
    return 0


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Register ``backup`` and ``restore`` on the ``athsys`` parser."""
    backup = sub.add_parser(
        "backup", parents=[common],
        help="back up the database now (pg_dump, gzip, SHA-256) into BACKUP_DIR",
        description="back up the database now (pg_dump, gzip, SHA-256) into BACKUP_DIR",
    )
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser(
        "restore", parents=[common],
        help="restore a backup file into an empty database after checking its checksum",
        description="restore a backup file into an empty database after checking its checksum",
    )
    restore.add_argument("file", help="an athsys_YYYYMMDD_HHMMSS.sql.gz file")
    restore.add_argument("--force", action="store_true",
                         help="replace the contents of a database that is not empty")
    restore.set_defaults(func=cmd_restore)
