"""Files only the instance's own user may read: logs, server logs, secrets, database files.

Logs hold names, request paths and the errors of failed writes; a laptop at the track is
often shared. Directories are created ``0700`` and files ``0600`` whatever the umask, and
an existing file or directory is narrowed to those modes when the instance opens it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Final

PRIVATE_DIR: Final = 0o700
PRIVATE_FILE: Final = 0o600


def private_dir(path: Path) -> Path:
    """``path`` (and any missing parent) as a directory only its owner may enter."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only its owner may read or write (created empty if missing)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)
    return path


def private_secret(path: Path, generate: Callable[[], str]) -> str:
    """The secret kept in ``path``; on first use, ``generate()`` is written there (``0600``).

    Several processes may start at once (gunicorn workers, a Celery worker, the CLI): the
    secret is written to a file of this process, then linked into place, so exactly one
    value wins and every process reads that one; a half-written file is never seen.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(generate())
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(draft, path)
            except FileExistsError:
                pass  # another process was first: its secret stands
        finally:
            draft.unlink(missing_ok=True)
    private_file(path)
    return path.read_text().strip()
