"""Build the book and read what the build recorded: times, per-chapter and per-cell execution, page weight.

Every number here comes from a real build into a fresh folder, timed by the wall clock, or from
the records the build leaves behind (the jupyter-cache database and the executed notebooks);
nothing is executed a second time with a timer of our own.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from contextlib import closing
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

import yaml
from timed_build import TIMING_KEY

STRICT = ("-W", "-n", "--keep-going")
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

    page: str                   # docname, e.g. "chapters/local_minima"
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


def jupyter_book(root: Path, out: Path, *options: str) -> BuildRun:
    """Run ``jupyter-book build <root> --path-output <out> <options>`` (per-cell timing on), timed."""
    command = [sys.executable, str(LAUNCHER), "build", str(root), "--path-output", str(out), *options]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=root, timeout=3600,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
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
    """``make pdf``'s build into the same folder, reusing the execution cache; None without TeX."""
    if not tex_available():
        return None
    return jupyter_book(root, out, "--builder", "pdflatex", *STRICT)


def pdf_file(out: Path) -> Path | None:
    """The PDF the latex build wrote, if any."""
    pdfs = sorted((out / "_build" / "latex").glob("*.pdf"))
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
