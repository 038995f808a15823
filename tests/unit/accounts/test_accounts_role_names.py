"""Role names are spelt in one module: athsys/accounts/roles.py.

Every other module of the product refers to its constants; a string literal equal to a role
name anywhere else (``"Admin"``, ``"Starter"``, ...) is a second spelling that a rename of
the role would miss. ``__all__`` lists name Python objects (the ``Athlete`` model), not roles.
"""

import ast
from pathlib import Path

import pytest

from athsys.accounts import roles

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
PRODUCT = ("athsys", "tasks", "webui")
THE_MODULE = ROOT / "athsys" / "accounts" / "roles.py"
ROLE_NAMES = frozenset({*roles.ROLE_NAMES, roles.PUBLIC})


def _all_lists(tree: ast.AST) -> set[int]:
    """The ids of the string constants inside ``__all__ = [...]`` assignments."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            inside |= {id(c) for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
    return inside


def role_literals(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    skip = _all_lists(tree)
    return [
        (node.lineno, node.value) for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and node.value in ROLE_NAMES and id(node) not in skip
    ]


def test_the_finder_sees_a_role_name_and_skips_all_lists():
    source = '__all__ = ["Athlete"]\nactor.require_role("Chief Registrar")\nX = "Athletes"\n'
    assert role_literals(source) == [(2, "Chief Registrar")]


def test_no_role_name_is_spelt_outside_the_roles_module():
    found = []
    for package in PRODUCT:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == THE_MODULE:
                continue
            found += [f"{path.relative_to(ROOT)}:{line}: {value!r}"
                      for line, value in role_literals(path.read_text())]
    assert found == []


def test_the_roles_module_spells_every_role():
    assert role_literals(THE_MODULE.read_text()) != []
    assert set(roles.ROLE_NAMES) == {roles.ADMIN, roles.CHIEF_REGISTRAR, roles.REGISTRAR,
                                     roles.STARTER, roles.COACH, roles.ATHLETE, roles.VIEWER}
