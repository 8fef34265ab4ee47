"""Shared fixtures: one strict build of the book per test session, and the skip policy.

On a laptop without Chromium, TeX or npm, the tests that need them are skipped with a reason
that says what to install. CI sets ``BOOK_REQUIRE_ALL=1`` (see ``.ci/run``): there, a missing
tool is a failure, not a skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
MATHJAX_DIR = ROOT / "node_modules" / "mathjax" / "es5"
THEBE_DIR = ROOT / "node_modules" / "thebe" / "lib"
STRICT = ["-W", "-n", "--keep-going", "--all"]


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


def require(available: bool, what: str) -> None:
    """Skip the calling test unless ``available``; under BOOK_REQUIRE_ALL=1 fail instead."""
    if available:
        return
    message = f"skipped: {what}"
    if os.environ.get("BOOK_REQUIRE_ALL") == "1":
        pytest.fail(f"BOOK_REQUIRE_ALL=1 but {what}")
    pytest.skip(message)


def have(command: str) -> bool:
    return shutil.which(command) is not None


class Build(NamedTuple):
    result: subprocess.CompletedProcess
    out: Path          # the build's _build folder
    local_mathjax: bool
    thebe_url: str | None = None   # the Jupyter server the pages' Live Code uses (None: Binder)

    @property
    def log(self) -> str:
        return self.result.stdout + self.result.stderr

    @property
    def html(self) -> Path:
        return self.out / "html"


def jupyter_book(args: list[str], out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [str(JUPYTER_BOOK), "build", str(ROOT), "--path-output", str(out), *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=3600,
                          env={**os.environ, **(env or {})})


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The strict HTML build into a fresh folder, with MathJax and Thebe served locally when the
    npm packages are installed. Then the pages' Live Code talks to a Jupyter server on
    127.0.0.1 at a port and token chosen here (``BOOK_THEBE_URL``, see _ext/live_code.py), which
    tests/test_live_code.py starts. Other builds copy its execution cache rather than build into it."""
    out = tmp_path_factory.mktemp("book")
    local = (MATHJAX_DIR / "tex-mml-chtml.js").is_file()
    env = {"BOOK_MATHJAX_DIR": str(MATHJAX_DIR)} if local else {}
    thebe_url = None
    if (THEBE_DIR / "index.js").is_file():
        thebe_url = f"http://127.0.0.1:{free_port()}/?token={secrets.token_hex(16)}"
        env |= {"BOOK_THEBE_JS": str(THEBE_DIR), "BOOK_THEBE_URL": thebe_url}
    result = jupyter_book(STRICT, out, env)
    return Build(result, out / "_build", local, thebe_url)


TEX_TOOLS = ("xelatex", "latexmk", "pdftotext", "pdfimages")


@pytest.fixture(scope="session")
def pdf(book, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """``make pdf``'s build, for print: ``BOOK_FIGURES=print`` makes every figure also a vector
    PDF, so the notebooks execute again, into the PDF's own folder (its cache is the student
    PDF's). ``book`` first, so the two builds do not run at the same time."""
    missing = [tool for tool in TEX_TOOLS if not have(tool)]
    require(not missing, f"{', '.join(missing)} not installed (apt-get install texlive-xetex "
                         "texlive-latex-recommended texlive-fonts-recommended latexmk poppler-utils)")
    out = tmp_path_factory.mktemp("pdf")
    result = jupyter_book(["--builder", "pdflatex", *STRICT], out, {"BOOK_FIGURES": "print"})
    latex = out / "_build" / "latex"
    text = subprocess.run(["pdftotext", "-layout", str(latex / "book.pdf"), "-"], capture_output=True,
                          text=True).stdout if (latex / "book.pdf").is_file() else ""
    return {"result": result, "latex": latex, "text": text, "out": out / "_build"}
