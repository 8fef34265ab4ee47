"""Build the book and read what the build recorded: times, per-chapter and per-cell execution, page weight.

Every number of the build measures comes from a real build into a fresh folder, timed by the wall
clock, or from the records the build leaves behind (the jupyter-cache database and the executed
notebooks); nothing of the build is executed a second time with a timer of our own.

The one exception is the comparison with an older commit (``--baseline``): its notebooks and the
current tree's are executed here, one notebook at a time, the way the build executes them
(``execute_notebook``), each tree importing its own codelib (``tree_environment``); the older
commit is exported with ``git archive`` into a temporary folder (``exported_commit``).
"""

from __future__ import annotations

import compileall
import io
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import nbclient
import nbformat
import yaml
from myst_nb.core.read import is_myst_markdown_notebook, read_myst_markdown_notebook
from timed_build import TIMING_KEY

STRICT = ("-W", "-n", "--keep-going")
CELL_TIMEOUT = 120  # seconds per cell, as ``execute.timeout`` in _config.yml
LAUNCHER = Path(__file__).with_name("timed_build.py")
EXECUTING = "Executing notebook"  # what myst-nb logs each time it runs a notebook


class BuildRun(NamedTuple):
    """One ``jupyter-book build``: wall-clock seconds, exit code, notebooks it executed, its log."""

    seconds: float
    returncode: int
    executed: int
    log: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class CellTime(NamedTuple):
    """One code cell: its position among the page's code cells (1-based), seconds, first line."""

    number: int
    seconds: float
    first_line: str


class PageRecord(NamedTuple):
    """What the build recorded for one page of the table of contents."""

    page: str                   # docname, e.g. "chapters/local_minima/index"
    execution: float | None     # jupyter-cache execution_seconds; None if not executed
    cells: tuple[CellTime, ...]  # per-cell times from nbclient's timestamps; empty if none
    html_bytes: int | None      # the page's .html; None if the page is missing
    image_bytes: int            # local images the page references, each counted once
    images: int

    @property
    def slowest_cell(self) -> CellTime | None:
        return max(self.cells, key=lambda cell: cell.seconds, default=None)

    @property
    def weight(self) -> int | None:
        return None if self.html_bytes is None else self.html_bytes + self.image_bytes


def toc_pages(root: Path) -> list[str]:
    """Every document in ``_toc.yml`` (root, chapters, sections, parts), in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())

    def walk(entries: list[dict]) -> list[str]:
        found = []
        for entry in entries:
            if "file" in entry:
                found.append(entry["file"])
            for key in ("sections", "chapters"):
                found += walk(entry.get(key, []))
            for part in entry.get("parts", []):
                found += walk(part.get("chapters", []))
        return found

    pages = [toc["root"], *walk(toc.get("chapters", []))]
    for part in toc.get("parts", []):
        pages += walk(part.get("chapters", []))
    return [str(Path(page).with_suffix("")) for page in pages]


def jupyter_book(root: Path, out: Path, *options: str, env: dict[str, str] | None = None) -> BuildRun:
    """Run ``jupyter-book build <root> --path-output <out> <options>`` (per-cell timing on), timed."""
    command = [sys.executable, str(LAUNCHER), "build", str(root), "--path-output", str(out), *options]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=root, timeout=3600,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    seconds = time.perf_counter() - start
    log = result.stdout + result.stderr
    return BuildRun(seconds, result.returncode, log.count(EXECUTING), log)


def clean_html_build(root: Path, out: Path) -> BuildRun:
    """The strict build of ``tests/conftest.py`` into an empty folder: every cell executed."""
    return jupyter_book(root, out, *STRICT, "--all")


def noop_html_build(root: Path, out: Path) -> BuildRun:
    """The same build again into the same folder, without ``--all``; nothing has changed."""
    return jupyter_book(root, out, *STRICT)


def tex_available() -> bool:
    """Whether the PDF build can run: the book's latex_engine (xelatex) and latexmk are installed."""
    return bool(shutil.which("xelatex") and shutil.which("latexmk"))


def pdf_build(root: Path, out: Path) -> BuildRun | None:
    """``make pdf``'s build, for print (vector figures), into ``out/pdf``: it executes every
    notebook again, as ``make pdf`` does in its own folder. None without TeX."""
    if not tex_available():
        return None
    return jupyter_book(root, out / "pdf", "--builder", "pdflatex", *STRICT, env={"BOOK_FIGURES": "print"})


def pdf_file(out: Path) -> Path | None:
    """The PDF the latex build wrote, if any."""
    pdfs = sorted((out / "pdf" / "_build" / "latex").glob("*.pdf"))
    return pdfs[0] if pdfs else None


def execution_seconds(out: Path, root: Path) -> dict[str, float]:
    """``{docname: execution_seconds}`` from jupyter-cache's ``nbcache`` table."""
    database = out / "_build" / ".jupyter_cache" / "global.db"
    if not database.is_file():
        return {}
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        rows = connection.execute("SELECT uri, data FROM nbcache").fetchall()
    seconds = {}
    for uri, data in rows:
        record, source = json.loads(data or "{}"), Path(uri).resolve()
        if "execution_seconds" in record and source.is_relative_to(root.resolve()):
            docname = source.relative_to(root.resolve()).with_suffix("")
            seconds[str(docname)] = float(record["execution_seconds"])
    return seconds


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def first_code_line(source: str | list[str]) -> str:
    """The first line of a cell that is code, not a comment or a blank line."""
    text = "".join(source) if isinstance(source, list) else source
    lines = [line.strip() for line in text.splitlines()]
    return next((line for line in lines if line and not line.startswith("#")), "")


def cell_times(notebook: Path) -> tuple[CellTime, ...]:
    """Per-cell seconds (``shell.execute_reply - iopub.execute_input``) from nbclient's timestamps.

    ``bench/timed_build.py`` stores them in code-cell order under the notebook's
    ``metadata.cell_execution``; a cell's own ``metadata.execution`` is read if present instead.
    """
    content = json.loads(notebook.read_text())
    cells = [cell for cell in content["cells"] if cell["cell_type"] == "code"]
    moved = content.get("metadata", {}).get(TIMING_KEY, [])
    times = []
    for number, cell in enumerate(cells, start=1):
        stamps = cell.get("metadata", {}).get("execution") or (moved[number - 1] if number <= len(moved) else {})
        if "iopub.execute_input" in stamps and "shell.execute_reply" in stamps:
            seconds = _timestamp(stamps["shell.execute_reply"]) - _timestamp(stamps["iopub.execute_input"])
            times.append(CellTime(number, seconds.total_seconds(), first_code_line(cell["source"])))
    return tuple(times)


class _ReferencedFiles(HTMLParser):
    """Collects the ``src``/``data`` URLs of images and other embedded media in a page."""

    TAGS = {"img": "src", "source": "src", "video": "src", "object": "data", "embed": "src"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = self.TAGS.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def referenced_images(page: Path, html_root: Path) -> set[Path]:
    """Local files inside the HTML folder that the page embeds (data: URIs are in the page already)."""
    parser = _ReferencedFiles()
    parser.feed(page.read_text(errors="replace"))
    files = set()
    for url in parser.urls:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            continue  # remote, or a data: URI
        target = (page.parent / unquote(parts.path)).resolve()
        if target.is_file() and target.is_relative_to(html_root.resolve()):
            files.add(target)
    return files


def page_record(page: str, out: Path, executions: dict[str, float]) -> PageRecord:
    """Everything recorded for one toc page."""
    html_root = out / "_build" / "html"
    html = html_root / f"{page}.html"
    notebook = out / "_build" / "jupyter_execute" / f"{page}.ipynb"
    images = referenced_images(html, html_root) if html.is_file() else set()
    return PageRecord(
        page=page,
        execution=executions.get(page),
        cells=cell_times(notebook) if notebook.is_file() else (),
        html_bytes=html.stat().st_size if html.is_file() else None,
        image_bytes=sum(image.stat().st_size for image in images),
        images=len(images),
    )


def page_records(root: Path, out: Path) -> list[PageRecord]:
    """One record per toc page, in reading order."""
    executions = execution_seconds(out, root)
    return [page_record(page, out, executions) for page in toc_pages(root)]


def median_weight(records: list[PageRecord]) -> float | None:
    """The median of the page weights (html + images) in bytes, over the pages that were built."""
    weights = [record.weight for record in records if record.weight is not None]
    return statistics.median(weights) if weights else None


# --- executing the notebooks of a tree (the comparison with an older commit) ---------------------

class NotebookRun(NamedTuple):
    """One notebook executed by ``execute_notebook``: wall-clock seconds and the error, if any."""

    seconds: float
    error: str | None  # the last line of the failure; None if every cell ran

    @property
    def ok(self) -> bool:
        return self.error is None


def notebook_source(root: Path, page: str) -> Path | None:
    """The file of a toc page if the build executes it (an .ipynb or a MyST-notebook .md), else None."""
    notebook = root / f"{page}.ipynb"
    if notebook.is_file():
        return notebook
    markdown = root / f"{page}.md"
    if markdown.is_file() and is_myst_markdown_notebook(markdown.read_text()):
        return markdown
    return None


def notebook_pages(root: Path) -> dict[str, Path]:
    """``{docname: file}`` of the toc pages the build executes, in reading order."""
    sources = {page: notebook_source(root, page) for page in toc_pages(root)}
    return {page: source for page, source in sources.items() if source is not None}


def read_notebook(source: Path) -> nbformat.NotebookNode:
    """A page as the build reads it: myst-nb's reader for .md, nbformat for .ipynb."""
    if source.suffix == ".ipynb":
        return nbformat.read(source, as_version=4)
    return read_myst_markdown_notebook(source.read_text(), path=source)


def tree_environment(root: Path) -> dict[str, str]:
    """This process's environment with ``PYTHONPATH`` set to ``root`` alone.

    The kernel then imports ``root``'s codelib, ahead of the editable install in the venv
    (which points at one checkout only); ``codelib_origin`` checks that it does.
    """
    return {**os.environ, "PYTHONPATH": str(root), "PYTHONUNBUFFERED": "1"}


def execute_notebook(notebook: nbformat.NotebookNode, cwd: Path, env: dict[str, str]) -> NotebookRun:
    """Execute every cell in a fresh kernel started with ``env`` in ``cwd``, timed by the wall clock.

    This is what myst-nb's cache executor does (``jupyter_cache.executors.utils.single_nb_execution``:
    nbclient, the notebook's own kernel, the book's timeout, errors not allowed), and the seconds
    cover the same span as its ``execution_seconds``: kernel start, every cell, kernel shutdown.
    """
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, allow_errors=False,
                                     resources={"metadata": {"path": str(cwd)}})
    start, error = time.perf_counter(), None
    try:
        client.execute(env=env)
    except Exception as failure:  # noqa: BLE001 - a failing notebook is reported, not raised
        lines = str(failure).strip().splitlines()
        error = f"{type(failure).__name__}: {lines[-1] if lines else ''}"
    return NotebookRun(time.perf_counter() - start, error)


def byte_compile(root: Path) -> None:
    """Byte-compile ``root``'s codelib up front, so that no timed notebook pays for it."""
    compileall.compile_dir(root / "codelib", quiet=1)


def codelib_origin(root: Path) -> str:
    """The ``codelib.__file__`` that a kernel started like ``execute_notebook``'s for ``root`` imports."""
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import codelib\nprint(codelib.__file__)")])
    probe.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    run = execute_notebook(probe, root, tree_environment(root))
    if not run.ok:
        return f"import failed: {run.error}"
    return "".join(output.get("text", "") for output in probe.cells[0].outputs).strip()


def commit_label(root: Path, commit: str) -> str:
    """``<short hash> <subject>`` of a commit; raises ValueError if git does not know it."""
    result = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h %s", f"{commit}^{{commit}}", "--"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise ValueError(f"{commit!r} is not a commit of {root}: {result.stderr.strip()}")
    return result.stdout.strip()


def working_tree_label(root: Path) -> str:
    """``<short hash> <subject>`` of HEAD, plus a note if the working tree has uncommitted changes."""
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return commit_label(root, "HEAD") + (" + uncommitted changes" if dirty else "")


@contextmanager
def exported_commit(root: Path, commit: str) -> Iterator[Path]:
    """The files of ``commit`` (``git archive``) in a temporary folder, removed afterwards.

    Nothing is written to the repository (no worktree, no ref, no object).
    """
    commit_label(root, commit)
    archive = subprocess.run(["git", "-C", str(root), "archive", "--format=tar", f"{commit}^{{commit}}"],
                             capture_output=True, check=True).stdout
    folder = Path(tempfile.mkdtemp(prefix="bench-baseline-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(folder, filter="data")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
