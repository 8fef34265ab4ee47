"""Two clean builds of the same commit give identical executed outputs.

The session's strict build (the ``book`` fixture) is compared with a second, independent clean
build: every executed notebook's outputs (text, HTML, images), every glued value and every
figure file must be identical. Seeded generators, content-hashed animation ids and the
house style's ``svg.hashsalt`` make this hold; a timestamp, a memory address or an unseeded
random number anywhere in an output makes it fail.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import MATHJAX_DIR, STRICT, jupyter_book

pytestmark = pytest.mark.book


def outputs(build: Path) -> dict[str, list]:
    """Each executed notebook's cell outputs, without execution timestamps."""
    found = {}
    for path in sorted((build / "jupyter_execute").rglob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        found[str(path.relative_to(build))] = [
            [{key: value for key, value in output.items() if key != "metadata"} | {
                "metadata": {k: v for k, v in output.get("metadata", {}).items() if k != "execution"}}
             for output in cell.get("outputs", [])]
            for cell in cells if cell["cell_type"] == "code"]
    return found


def files(folder: Path, pattern: str) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob(pattern))}


@pytest.fixture(scope="module")
def second_build(book, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book-again")
    env = {"BOOK_MATHJAX_DIR": str(MATHJAX_DIR)} if book.local_mathjax else {}
    result = jupyter_book(STRICT, out, env)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return out / "_build"


def test_executed_outputs_are_identical(book, second_build):
    first, second = outputs(book.out), outputs(second_build)
    assert first.keys() == second.keys() and first
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"outputs differ between two clean builds: {differing}"


def test_glued_values_are_identical(book, second_build):
    first, second = files(book.out / "jupyter_execute", "*.glue.json"), \
        files(second_build / "jupyter_execute", "*.glue.json")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_figure_files_are_identical(book, second_build):
    first, second = files(book.html / "_images", "*"), files(second_build / "html" / "_images", "*")
    assert first and sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
