"""Serve MathJax 3 from the book's own files, for reading the book with no network.

Set ``BOOK_MATHJAX_DIR`` to MathJax's ``es5`` folder (``make book OFFLINE=1`` does, from the
npm package pinned in ``package-lock.json``). The HTML pages then load
``_static/mathjax/tex-mml-chtml.js`` instead of the CDN copy, and MathJax's fonts and lazily
loaded components are copied next to it. Without the variable nothing changes.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError

ENTRY = "tex-mml-chtml.js"
# The combined files the book does not load (SVG output, MathML input alone, speech, node).
SKIP = ("tex-svg*.js", "tex-mml-svg.js", "mml-*.js", "tex-chtml*.js", "node-main.js", "latest.js")


def _mathjax_dir() -> Path | None:
    value = os.environ.get("BOOK_MATHJAX_DIR")
    if not value:
        return None
    folder = Path(value)
    if not (folder / ENTRY).is_file():
        raise ExtensionError(f"BOOK_MATHJAX_DIR={value} has no {ENTRY}; point it to MathJax 3's es5 "
                             "folder, e.g. node_modules/mathjax/es5 after `npm ci`.")
    return folder


def _use_local_copy(app: Sphinx, config: Config) -> None:
    if _mathjax_dir() is not None:
        config.mathjax_path = f"mathjax/{ENTRY}"   # relative to _static


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    folder = _mathjax_dir()
    if exception is None and folder is not None and app.builder.format == "html":
        target = Path(app.outdir) / "_static" / "mathjax"
        shutil.copytree(folder, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*SKIP))
        shutil.copy2(folder / ENTRY, target / ENTRY)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _use_local_copy)
    app.connect("build-finished", _copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
