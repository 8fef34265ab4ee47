"""The course PDF: built with xelatex through Jupyter Book's LaTeX builder, then read back.

The PDF is built for print into its own folder (the ``pdf`` fixture in conftest.py): every
figure is also rendered as vector PDF, which the LaTeX build embeds, so its notebooks execute
again; the HTML build's outputs stay untouched for ``test_reproducible.py``.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, toc_pages

pytestmark = pytest.mark.book
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


def pdf_figures(latex: Path) -> int:
    """Figures the LaTeX build included: \\sphinxincludegraphics of a .pdf or .png file."""
    return len(re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{?[^}]+\}?\.(?:pdf|png)\}",
                          (latex / "book.tex").read_text()))


def test_every_figure_reaches_the_pdf(pdf, book):
    assert pdf_figures(pdf["latex"]) == html_figures(book.html) > 0


def test_figures_are_vector_or_at_least_300_ppi(pdf):
    """For print: figures are vector PDF; what stays raster inside one has at least 300 ppi."""
    tex = (pdf["latex"] / "book.tex").read_text()
    assert not re.search(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{?[^}]+\}?\.png\}", tex), "a PNG figure"
    listing = subprocess.run(["pdfimages", "-list", str(pdf["latex"] / "book.pdf")],
                             capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    rows = [row.split() for row in listing]
    low = [row for row in rows if row[2] == "image" and min(int(row[12]), int(row[13])) < 300]
    assert not low, f"{len(low)} raster images under 300 ppi, e.g. page {low[0][0]}: {low[0][12]} ppi"
    size = (pdf["latex"] / "book.pdf").stat().st_size
    assert size <= 25e6, f"the PDF is {size / 1e6:.1f} MB"


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


def test_the_title_page_names_the_commit_not_a_time_stamp(pdf):
    described = subprocess.run(["git", "describe", "--tags", "--always", "--dirty"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
    title_page = pdf["text"].split("\f")[0]
    assert described and described in title_page, title_page[:500]
    date = subprocess.run(["git", "log", "-1", "--format=%cd", "--date=format:%d %B %Y"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    assert date in title_page  # the commit's date, the same in every build of the commit


def test_checks_stay_out_of_the_pdf(pdf):
    """Check cells (tag ``checks``) run on every build but are not printed (_ext/check_cells.py)."""
    tex = (pdf["latex"] / "book.tex").read_text()
    assert "sphinxVerbatim" in tex  # teaching code is printed
    printed = re.findall(r"\\PYG\{k\}\{assert\}|\\PYG\{n\}\{glue\}\\PYG\{p\}\{\(\}", tex)  # calls, not imports
    assert not printed, f"{len(printed)} assert/glue calls printed in the PDF"
