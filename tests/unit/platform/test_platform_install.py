"""The install contract: pinned versions for every dependency, and a test run that installs
the Debian packages it needs or stops naming them (never a silent skip)."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_requirements() -> set[str]:
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    lines = setup["options"]["install_requires"].splitlines()
    for extra in setup["options.extras_require"].values():
        lines += extra.splitlines()
    names = {re.split(r"[\[<>=!~ ;]", line.strip(), maxsplit=1)[0] for line in lines}
    return {_normalise(name) for name in names if name}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[_normalise(name)] = version
    return pins


def test_every_declared_dependency_is_pinned() -> None:
    unpinned = _declared_requirements() - set(_pins())
    assert not unpinned, f"not in constraints.txt (run `make lock`): {sorted(unpinned)}"


def test_make_install_and_the_image_install_from_the_constraints() -> None:
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()
    assert "constraints.txt" in (ROOT / "ops" / "Dockerfile").read_text()


def _restricted_path(tmp_path: Path) -> str:
    """A PATH with the shell tools the installer uses, and neither sudo nor apt-get."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "id", "dirname"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.fixture()
def open_dir() -> Iterator[Path]:
    """A directory another user can enter (pytest's tmp_path is the owner's alone)."""
    path = Path(tempfile.mkdtemp(prefix="athsys-install-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def test_without_root_or_sudo_the_installer_names_the_packages_and_the_command(
    open_dir: Path,
) -> None:
    tmp_path = open_dir
    system = tmp_path / "system"
    system.mkdir()
    shutil.copy(ROOT / "ops" / "system" / "install", system / "install")
    (system / "packages.txt").write_text(
        "# command package\nathsys-no-such-command  athsys-no-such-package\nbash bash\n"
    )
    command = [str(system / "install")]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv") or "setpriv"
        command = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", *command]
    run = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False,
                         env={"PATH": _restricted_path(tmp_path)})
    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert lines == [
        "ops/system/install: missing Debian packages: athsys-no-such-package; install them with:"
        " sudo apt-get install -y athsys-no-such-package"
    ]


def test_the_installer_does_nothing_when_every_command_is_there(tmp_path: Path) -> None:
    system = tmp_path / "system"
    system.mkdir()
    shutil.copy(ROOT / "ops" / "system" / "install", system / "install")
    (system / "packages.txt").write_text("bash bash\nid coreutils\n")
    run = subprocess.run([str(system / "install")], capture_output=True, text=True, timeout=30,
                         check=False, env={"PATH": _restricted_path(tmp_path)})
    assert (run.returncode, run.stdout, run.stderr) == (0, "", "")
