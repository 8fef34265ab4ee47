"""The strict book build is the integration test: every cell runs, every reference resolves.

The book is built once per test session into a fresh temporary folder with
``jupyter-book build . -W -n --keep-going --all``, so no stale jupyter-cache or Sphinx
environment from an earlier ``make book`` can hide a failure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, toc_pages

pytestmark = pytest.mark.book


def test_build_succeeds(book):
    assert book.result.returncode == 0, book.log[-6000:]


def test_build_has_no_warnings_or_errors(book):
    problems = [line for line in book.log.splitlines()
                if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", line)]
    assert not problems, "\n".join(problems)


def test_no_execution_reports(book):
    reports = book.html / "reports"
    found = sorted(p.name for p in reports.rglob("*") if p.is_file()) if reports.exists() else []
    assert not found, f"cells failed; see the reports {found}"


def test_every_toc_page_is_in_the_html(book):
    missing = [page for page in toc_pages() if not (book.html / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml without HTML: {missing}"


def test_every_toc_page_was_executed_fresh(book):
    """The build executed into its own cache, not the repository's _build/.jupyter_cache."""
    executed = {p.stem for p in (book.out / "jupyter_execute").rglob("*.ipynb")}
    notebooks = {Path(page).name for page in toc_pages()
                 if "```{code-cell}" in (ROOT / f"{page}.md").read_text()}
    assert notebooks <= executed, f"not executed: {sorted(notebooks - executed)}"
    assert (book.out / ".jupyter_cache").is_dir()


def test_every_page_states_the_licence(book):
    missing = [page for page in toc_pages()
               if "creativecommons.org/licenses/by/4.0" not in (book.html / f"{page}.html").read_text()]
    assert not missing, f"pages without the licence in the footer: {missing}"


# --- the reader's edition (issue 13) -------------------------------------------------------------

CHECK_CELL = re.compile(r'<div class="cell tag_checks[^"]*">\s*(<details class="admonition hide above-input">)?')
DETAILS = re.compile(r"<details\b.*?</details>", re.S)
CODE = re.compile(r'<div class="highlight-ipython3 notranslate"><div class="highlight"><pre>(.*?)</pre>', re.S)


def visible_code(markup: str) -> list[str]:
    """Lines of the code cells a reader sees without opening anything (folded blocks removed)."""
    shown = DETAILS.sub("", markup)
    return [re.sub(r"<[^>]+>", "", line) for block in CODE.findall(shown) for line in block.splitlines()]


def test_checks_are_folded_and_kept_out_of_the_visible_code(book):
    folded, leaks = 0, []
    for page in toc_pages():
        markup = (book.html / f"{page}.html").read_text()
        cells = CHECK_CELL.findall(markup)
        assert all(cells), f"{page}: a check cell is not folded"
        folded += len(cells)
        leaks += [f"{page}: {line.strip()}" for line in visible_code(markup)
                  if re.match(r"\s*(assert\b|glue\()", line)]
    assert folded > 0 and not leaks, "\n".join(leaks[:20])


def test_the_index_has_the_key_terms(book):
    markup = (book.html / "genindex.html").read_text()
    entries = re.findall(r"<li><a href=", markup)
    assert len(entries) >= 60, f"{len(entries)} index entries"
    for term in ("condition number", "saddle point", "stable manifold", "edge of stability",
                 "gradient clipping", "filter normali"):
        assert term in markup.lower(), f"no index entry for {term!r}"
