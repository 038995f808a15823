"""Files only the instance's own user may read: logs, server logs, secrets, database files.

Logs hold names, request paths and the errors of failed writes; a laptop at the track is
often shared. Directories are created ``0700`` and files ``0600`` whatever the umask, and
an existing file or directory is narrowed to those modes when the instance opens it.
"""

from __future__ import annotations

import os
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
