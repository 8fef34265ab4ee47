"""The build's version on the PDF's title page: the git commit (or tag), never a time stamp.

Sphinx prints ``release`` under the title and ``today`` as the date, which defaults to the day of
the build, so two builds of one commit would differ. Here ``release`` is ``git describe --tags
--always --dirty`` of the book's repository (``-dirty`` when the working tree has uncommitted
changes) and ``today`` is that commit's date: two builds of the same commit give the same title
page. Outside a git checkout (a source archive) the release says so.
"""

from __future__ import annotations

import subprocess

from sphinx.application import Sphinx

UNVERSIONED = "unversioned (not built from a git checkout)"


def git(srcdir: str, *args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=srcdir, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def set_version(app: Sphinx, config) -> None:
    described = git(app.srcdir, "describe", "--tags", "--always", "--dirty")
    config.release = config.version = described or UNVERSIONED
    config.today = git(app.srcdir, "log", "-1", "--format=%cd", "--date=format:%d %B %Y") or ""


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", set_version)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
