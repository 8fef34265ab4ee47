"""The reader's edition, checked on the chapters' source (fast: nothing is built or run).

- No code line over 88 characters, in any cell (what the HTML, the PDF and the download show).
- A page is one sitting: at most 2,600 words of prose.
- Teaching code and checks apart: ``glue(...)`` and ``assert`` only in cells tagged ``checks``.
- Every content page has exercises with solutions, one of them solved by hand.
"""

from __future__ import annotations

import re

import pytest
from chapter_text import MAX_CODE_LINE, MAX_PROSE_WORDS, long_code_lines, prose_words
from conftest import ROOT, toc_pages

PAGES = [page for page in toc_pages() if (ROOT / f"{page}.md").is_file()]
#: Pages that are not chapters of the argument: the front page, the formula playground, the
#: notation, the bibliography, and the chapters' index pages.
NOT_CONTENT = {"chapters/intro", "chapters/try_your_own", "chapters/notation", "chapters/references"}
CONTENT = [page for page in PAGES if page not in NOT_CONTENT and not page.endswith("/index")]

CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?P<body>.*?)^```$", re.S | re.M)
CHECK_CALL = re.compile(r"^\s*(assert\b|glue\()", re.M)


def cells(page: str) -> list[tuple[list[str], str]]:
    """(tags, body) of every code cell of a page."""
    found = []
    for match in CELL.finditer((ROOT / f"{page}.md").read_text()):
        body = match["body"]
        tags = re.search(r"^:tags: \[(.*)\]$|^  tags: \[(.*)\]$", body, re.M)
        names = [t.strip() for t in (tags[1] or tags[2]).split(",")] if tags else []
        found.append((names, body))
    return found


def test_the_pages_are_found():
    assert len(CONTENT) >= 6, CONTENT


@pytest.mark.parametrize("page", PAGES)
def test_no_code_line_is_longer_than_88_characters(page):
    long = long_code_lines(ROOT / f"{page}.md")
    assert not long, f"{page}.md: code lines over {MAX_CODE_LINE} characters (line, length): {long}"


@pytest.mark.parametrize("page", PAGES)
def test_a_page_is_one_sitting(page):
    words = prose_words(ROOT / f"{page}.md")
    assert words <= MAX_PROSE_WORDS, f"{page}.md has {words} words of prose; split it or tighten it"


@pytest.mark.parametrize("page", PAGES)
def test_checks_sit_in_check_cells(page):
    leaking = [body.strip().splitlines()[0][:70] for tags, body in cells(page)
               if "checks" not in tags and CHECK_CALL.search(body)]
    assert not leaking, f"{page}.md: cells with glue(...) or assert not tagged checks, starting: {leaking}"


@pytest.mark.parametrize("page", CONTENT)
def test_every_content_page_has_exercises_with_solutions_one_by_hand(page):
    text = (ROOT / f"{page}.md").read_text()
    exercises = re.findall(r"^[:`]{3,}\{exercise\}(.*)$", text, re.M)
    solutions = re.findall(r"^[:`]{3,}\{solution(?:-start)?\}", text, re.M)
    assert exercises and len(solutions) >= len(exercises), (
        f"{page}.md: {len(exercises)} exercises, {len(solutions)} solutions")
    assert any("by hand" in title.lower() for title in exercises), (
        f"{page}.md: no exercise titled 'By hand'")
