"""The course PDF: built with xelatex through Jupyter Book's LaTeX builder, then read back.

The PDF is built into its own folder, seeded with a copy of the execution cache of the HTML
build of ``test_book.py``: it does not run every cell again, and it leaves that build's
outputs untouched for ``test_reproducible.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, STRICT, have, jupyter_book, require, toc_pages

pytestmark = pytest.mark.book
TEX_TOOLS = ("xelatex", "latexmk", "pdftotext", "pdfimages")


@pytest.fixture(scope="module")
def pdf(book, tmp_path_factory: pytest.TempPathFactory) -> dict:
    missing = [tool for tool in TEX_TOOLS if not have(tool)]
    require(not missing, f"{', '.join(missing)} not installed (apt-get install texlive-xetex "
                         "texlive-latex-recommended texlive-fonts-recommended latexmk poppler-utils)")
    out = tmp_path_factory.mktemp("pdf")
    shutil.copytree(book.out / ".jupyter_cache", out / "_build" / ".jupyter_cache")
    result = jupyter_book(["--builder", "pdflatex", *STRICT], out)
    latex = out / "_build" / "latex"
    text = subprocess.run(["pdftotext", "-layout", str(latex / "book.pdf"), "-"], capture_output=True,
                          text=True).stdout if (latex / "book.pdf").is_file() else ""
    return {"result": result, "latex": latex, "text": text}


def squash(text: str) -> str:
    """Lower case, typographic quotes made plain, hyphenation at line ends undone, one space."""
    text = text.translate(str.maketrans("\u2018\u2019\u201c\u201d", "''\"\""))
    return re.sub(r"\s+", " ", re.sub(r"-\n\s*", "", text)).lower()


def headings(page: str) -> list[str]:
    """The page's title and section titles (levels 1 and 2), outside code blocks."""
    found, fenced = [], False
    for line in (ROOT / f"{page}.md").read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,2} ", line):
            found.append(line.lstrip("#").strip())
    return found


def test_pdf_builds(pdf):
    log = pdf["result"].stdout + pdf["result"].stderr
    assert pdf["result"].returncode == 0, log[-5000:]
    assert (pdf["latex"] / "book.pdf").is_file()
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR)\b", line)]
    assert not warnings, "\n".join(warnings)


def test_every_chapter_and_section_title_is_in_the_pdf(pdf):
    text = squash(pdf["text"])
    missing = []
    for page in toc_pages():
        for title in headings(page):
            # math in a title is typeset, so compare the words around it
            for words in re.split(r"\$[^$]*\$", title):
                words = squash(words).strip(" :,.")
                if len(words) > 2 and words not in text:
                    missing.append(f"{page}: {title!r} ({words!r})")
    assert not missing, "\n".join(missing)


def test_no_unresolved_references(pdf):
    assert "??" not in pdf["text"]
    log = (pdf["latex"] / "book.log").read_text(errors="replace")
    assert "There were undefined references" not in log


def test_no_missing_characters(pdf):
    log = (pdf["latex"] / "book.log").read_text(errors="replace")
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log)))
    assert not missing, missing


def html_figures(html: Path) -> int:
    """Images in the book's pages: cell outputs and figures (an animation counts once)."""
    count = 0
    for page in toc_pages():
        markup = (html / f"{page}.html").read_text()
        count += len(re.findall(r'<img[^>]+src="(?:[./]*_images/|data:image/png)', markup))
    return count


def test_every_figure_reaches_the_pdf(pdf, book):
    listing = subprocess.run(["pdfimages", "-list", str(pdf["latex"] / "book.pdf")],
                             capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    images = [row for row in listing if row.split()[2] == "image"]   # not the alpha masks
    assert len(images) == html_figures(book.html) > 0


def test_labelled_equations_are_numbered(pdf):
    labelled = sum(len(re.findall(r"\$\$\s*\([\w-]+\)", (ROOT / f"{page}.md").read_text()))
                   for page in toc_pages())
    numbers = set(re.findall(r"\((\d+\.\d+)\)\s*$", pdf["text"], re.MULTILINE))
    tex = (pdf["latex"] / "book.tex").read_text()
    assert tex.count(r"\begin{equation}\label{equation:") == labelled > 0
    assert len(numbers) >= labelled


def test_the_instructor_pdf_has_every_solution(pdf):
    solutions = sum(len(re.findall(r"^[:`]{3,}\{solution(?:-start)?\}", (ROOT / f"{page}.md").read_text(), re.M))
                    for page in toc_pages())
    assert len(re.findall(r"Solution to Exercise \d+", pdf["text"])) == solutions > 0
