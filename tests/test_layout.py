"""Tests for the layout of codelib: no module reaches into another module's private names.

Every module of ``codelib/`` is parsed with :mod:`ast` (nothing is imported or run). A module
may import the private *modules* ``_typing``, ``_validate``, ``_numeric`` and ``_render`` (their
names carry no underscore), but no underscore name of any codelib module, neither as
``from .gd import _norm`` nor as ``gd._norm`` after ``from . import gd``. A helper two modules
need is made public in one of them (or moved to a private module) instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CODELIB = Path(__file__).resolve().parents[1] / "codelib"
MODULES = sorted(path.stem for path in CODELIB.glob("*.py") if path.stem != "__init__")
PRIVATE_MODULES = {"_typing", "_validate", "_numeric", "_render"}


def _private(name: str) -> bool:
    """A single-underscore name such as ``_norm``; dunders (``__name__``) are not private names."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _codelib_module(node: ast.ImportFrom) -> str | None:
    """The codelib module an import takes names from: '' for the package itself, None if outside."""
    if node.level == 1:
        return node.module or ""
    if node.level == 0 and node.module and (node.module == "codelib" or node.module.startswith("codelib.")):
        return node.module.removeprefix("codelib").removeprefix(".")
    return None


def private_imports(source: str) -> list[str]:
    """Every use of another codelib module's private name in ``source``, as ``line: text``."""
    tree = ast.parse(source)
    found, module_names = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (module := _codelib_module(node)) is not None:
            text = f"{node.lineno}: from {'.' * node.level}{node.module or ''} import"
            for alias in node.names:
                bound = alias.asname or alias.name
                if module == "" and alias.name in MODULES:  # from . import nets, _numeric
                    module_names.add(bound)
                    if _private(alias.name) and alias.name not in PRIVATE_MODULES:
                        found.append(f"{text} {alias.name}")
                elif _private(alias.name):
                    found.append(f"{text} {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("codelib.") and alias.asname:
                    module_names.add(alias.asname)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in module_names and _private(node.attr)):
            found.append(f"{node.lineno}: {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("module", MODULES)
def test_no_module_uses_another_modules_private_names(module):
    found = private_imports((CODELIB / f"{module}.py").read_text())
    assert not found, (f"codelib/{module}.py uses private names of other codelib modules: {found}. Make the "
                       "helper public in its module (or move it to a private module such as _numeric).")


@pytest.mark.parametrize(("source", "expected"), [
    ("from .gd import Trajectory, _norm", ["1: from .gd import _norm"]),
    ("from codelib.gd import _norm as norm", ["1: from codelib.gd import _norm"]),
    ("from . import nets\nX = nets._check_data", ["2: nets._check_data"]),
    ("import codelib.nets as n\nn._split", ["2: n._split"]),
    ("from . import _numeric, _validate\nfrom ._validate import as_float_array\n_numeric.sigmoid", []),
    ("from . import nets\nnets.__name__, nets.check_net", []),
    ("import numpy as np\nnp._NoValue", []),
])
def test_the_check_finds_private_names_and_only_those(source, expected):
    assert private_imports(source) == expected
