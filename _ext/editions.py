"""Two editions of one book: the instructor edition (the default) and the student edition.

``BOOK_EDITION=student`` in the environment (``make book EDITION=student``, ``make pdf
EDITION=student``) builds the student edition: every solution is left out of the pages, the
exercises stay, and so does their numbering (exercises are numbered on their own). The cells
inside a solution still run on every build, so the checks of a solution keep being asserted; only
what is shown changes. The page's download button is switched off too, since the downloaded
notebook and Markdown source would hold the solutions. The repository itself still holds them:
a course that must keep solutions from students publishes the student HTML from a private
repository (README, "Teaching with this book").

sphinx-exercise's own ``hide_solutions`` is not enough: it drops ``{solution}`` blocks but leaves
the content of gated ``{solution-start}`` ... ``{solution-end}`` blocks on the page.
"""

from __future__ import annotations

import os

from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

EDITIONS = ("instructor", "student")


def edition_from_environment() -> str:
    edition = os.environ.get("BOOK_EDITION", "instructor").strip().lower() or "instructor"
    if edition not in EDITIONS:
        raise ValueError(f"BOOK_EDITION must be one of {', '.join(EDITIONS)}, got {edition!r}.")
    return edition


class RemoveSolutions(SphinxTransform):
    """Student edition: remove every solution, after sphinx-exercise merged the gated ones (10)."""

    default_priority = 11

    def apply(self, **kwargs) -> None:
        if self.config.book_edition != "student":
            return
        for kind in (solution_node, solution_start_node, solution_end_node):
            for node in list(self.document.findall(kind)):
                node.parent.remove(node)


def no_download_button(app: Sphinx, config) -> None:
    if config.book_edition == "student":
        config.html_theme_options = {**config.html_theme_options, "use_download_button": False}


def setup(app: Sphinx) -> dict:
    app.add_config_value("book_edition", edition_from_environment(), "env")
    app.add_transform(RemoveSolutions)
    app.connect("config-inited", no_download_button)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
