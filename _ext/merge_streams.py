"""Merge a code cell's stream outputs once, in the cell itself, so no text is printed twice.

With ``nb_merge_streams: true`` myst-nb 1.4 merges a cell's stdout chunks for the page by
appending the later chunks to the first one *in place*, yet leaves the later chunks in the cell.
The executed notebook written afterwards (``_build/jupyter_execute``, the page's download) then
holds the merged first chunk followed by the later chunks again: their lines appear twice. How
many chunks a cell's output arrives in depends on timing (ipykernel sends stdout every 0.2 s), so
two builds could also write different notebooks (caught by ``tests/test_reproducible.py``). Here
the merge works on a copy and its result replaces the cell's outputs: page and download show each
line once, whatever the timing.
"""

from __future__ import annotations

import copy

from myst_nb.core import render
from sphinx.application import Sphinx

_coalesce = render.coalesce_streams


def merge_in_cell(outputs: list) -> list:
    """Merge ``outputs`` (a cell's own list) on a copy, then store the merged list in the cell."""
    outputs[:] = _coalesce(copy.deepcopy(outputs))
    return outputs


def setup(app: Sphinx) -> dict:
    render.coalesce_streams = merge_in_cell
    return {"parallel_read_safe": True, "parallel_write_safe": True}
