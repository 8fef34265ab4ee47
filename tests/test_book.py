"""The strict book build is the integration test: every cell runs, every reference resolves.

The book is built once per test session into a fresh temporary folder with
``jupyter-book build . -W -n --keep-going --all``, so no stale jupyter-cache or Sphinx
environment from an earlier ``make book`` can hide a failure.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")

pytestmark = pytest.mark.book


def toc_pages() -> list[str]:
    """Every document named in _toc.yml (root, chapters, sections), without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("sections", "chapters"):
                walk(entry.get(key, []))
            for part in entry.get("parts", []):
                walk(part.get("chapters", []))

    walk(toc.get("chapters", []))
    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    return [str(Path(page).with_suffix("")) for page in pages]


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("book")
    command = [str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(out),
               "-W", "-n", "--keep-going", "--all"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=1800)
    return result, out / "_build"


def build_log(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def test_build_succeeds(book):
    result, _ = book
    assert result.returncode == 0, build_log(result)[-6000:]


def test_build_has_no_warnings_or_errors(book):
    result, _ = book
    problems = [line for line in build_log(result).splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line)]
    assert not problems, "\n".join(problems)


def test_no_execution_reports(book):
    _, build = book
    reports = build / "html" / "reports"
    found = sorted(p.name for p in reports.rglob("*") if p.is_file()) if reports.exists() else []
    assert not found, f"cells failed; see the reports {found}"


def test_every_toc_page_is_in_the_html(book):
    _, build = book
    missing = [page for page in toc_pages() if not (build / "html" / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"


def test_every_toc_page_was_executed_fresh(book):
    """The build executed into its own cache, not the repository's _build/.jupyter_cache."""
    _, build = book
    executed = {p.stem for p in (build / "jupyter_execute").rglob("*.ipynb")}
    notebooks = {Path(page).name for page in toc_pages()
                 if "```{code-cell}" in (ROOT / f"{page}.md").read_text()}
    assert notebooks <= executed, f"not executed: {sorted(notebooks - executed)}"
    assert (build / ".jupyter_cache").is_dir()
