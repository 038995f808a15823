"""An instance's logs live under its own data directory, readable by its user only."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from athsys.config import get_config, replace
from athsys.logging import configure_logging

pytestmark = pytest.mark.unit


@pytest.fixture()
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            handler.close()
    root.handlers, root.level = handlers, level


def test_the_log_defaults_to_the_data_directory(tmp_path: Path) -> None:
    settings = get_config("development", {"ATHSYS_DATA_DIR": str(tmp_path / "meet")})
    assert settings.log_path == tmp_path / "meet" / "logs" / "athsys.log"
    given = get_config("development", {"ATHSYS_DATA_DIR": str(tmp_path), "LOG_DIR": "/x/y"})
    assert given.log_path == Path("/x/y/athsys.log")


def test_log_files_are_the_owners_only_even_after_a_rollover(
        tmp_path: Path, restore_root_logging: None) -> None:
    old_umask = os.umask(0o022)
    try:
        settings = replace(get_config("development", {"ATHSYS_DATA_DIR": str(tmp_path)}),
                           log_max_bytes=200, log_backup_count=2)
        configure_logging(settings, console=False)
        for n in range(20):
            logging.getLogger("athsys.test").warning("athlete %d registered", n)
    finally:
        os.umask(old_umask)
    directory = tmp_path / "logs"
    assert directory.stat().st_mode & 0o777 == 0o700
    files = sorted(directory.iterdir())
    assert [f.name for f in files] == ["athsys.log", "athsys.log.1", "athsys.log.2"]
    for path in files:
        assert path.stat().st_mode & 0o777 == 0o600, path
