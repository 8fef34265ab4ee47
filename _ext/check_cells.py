"""The book's checks out of the reader's way: collapsed in the HTML, left out of the PDF.

A code cell tagged ``checks`` holds what the book asserts about the cell before it (``assert``,
``glue``, cross-checks against codelib). It runs on every build like any other cell. In the HTML
it is collapsed behind a "Show the checks" prompt (myst-nb's ``hide-cell`` with its own label);
in the PDF and every other non-HTML output it is left out, since a printed page cannot fold.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform

TAG_CLASS = "tag_checks"
PROMPT_SHOW = "Show the checks (asserted on every build)"
PROMPT_HIDE = "Hide the checks"


def _check_cells(document: nodes.document) -> list[nodes.container]:
    return [node for node in document.findall(nodes.container)
            if node.get("nb_element") == "cell_code" and TAG_CLASS in node["classes"]]


class CollapseChecks(SphinxPostTransform):
    """HTML: fold each check cell, input and output, under its own prompt."""

    default_priority = 198  # before myst-nb's HideInputCells (199), which builds the fold
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for node in _check_cells(self.document):
            node["hide_mode"] = "all"
            node["prompt_show"], node["prompt_hide"] = PROMPT_SHOW, PROMPT_HIDE


class RemoveChecks(SphinxPostTransform):
    """Every other format (LaTeX for the PDF): leave the check cells out."""

    default_priority = 198

    def is_supported(self) -> bool:
        return self.app.builder.format != "html"

    def run(self, **kwargs) -> None:
        for node in _check_cells(self.document):
            node.parent.remove(node)


def setup(app: Sphinx) -> dict:
    app.add_post_transform(CollapseChecks)
    app.add_post_transform(RemoveChecks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
