"""The instructor and the student edition (``BOOK_EDITION=student``, see _ext/editions.py).

The student HTML and PDF are built from a copy of the execution cache of the session's HTML and
PDF builds (nothing runs again) and compared with the instructor edition, page by page: the same exercises with the
same numbers, no solution and no download button in the student edition, every solution in the
instructor edition.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from conftest import ROOT, STRICT, jupyter_book, toc_pages

pytestmark = pytest.mark.book

EXERCISE = re.compile(r'class="exercise admonition"')
SOLUTION = re.compile(r'class="solution dropdown admonition"')
NUMBER = re.compile(r"Exercise (\d+(?:\.\d+)*)")
EXERCISE_SOURCE = r"^[:`]{3,}\{exercise\}"
SOLUTION_SOURCE = r"^[:`]{3,}\{solution(?:-start)?\}"


def sources_count(pattern: str) -> int:
    return sum(len(re.findall(pattern, (ROOT / f"{page}.md").read_text(), re.M)) for page in toc_pages())


@pytest.fixture(scope="module")
def student(book, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("student")
    shutil.copytree(book.out / ".jupyter_cache", out / "_build" / ".jupyter_cache")
    result = jupyter_book(STRICT, out, {"BOOK_EDITION": "student"})
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return out / "_build"


def test_the_student_edition_keeps_every_exercise_and_its_number_and_no_solution(book, student):
    exercises = 0
    for page in toc_pages():
        teacher = (book.html / f"{page}.html").read_text()
        pupil = (student / "html" / f"{page}.html").read_text()
        assert len(EXERCISE.findall(pupil)) == len(EXERCISE.findall(teacher)), page
        assert sorted(set(NUMBER.findall(pupil))) == sorted(set(NUMBER.findall(teacher))), page
        assert not SOLUTION.findall(pupil) and "Solution to" not in pupil, page
        assert "btn-download" not in pupil, f"{page}: the download would hold the solutions"
        exercises += len(EXERCISE.findall(pupil))
    assert exercises == sources_count(EXERCISE_SOURCE) > 0


def test_the_instructor_edition_has_every_solution(book):
    shown = sum(len(SOLUTION.findall((book.html / f"{page}.html").read_text())) for page in toc_pages())
    assert shown == sources_count(SOLUTION_SOURCE) > 0


def test_the_student_pdf_has_the_exercises_and_no_solution(pdf, tmp_path_factory):
    out = tmp_path_factory.mktemp("student-pdf")
    shutil.copytree(pdf["out"] / ".jupyter_cache", out / "_build" / ".jupyter_cache")
    result = jupyter_book(["--builder", "pdflatex", *STRICT], out,
                          {"BOOK_EDITION": "student", "BOOK_FIGURES": "print"})
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    text = subprocess.run(["pdftotext", str(out / "_build" / "latex" / "book.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "Solution to Exercise" not in text
    assert len(set(NUMBER.findall(text))) >= sources_count(EXERCISE_SOURCE)
