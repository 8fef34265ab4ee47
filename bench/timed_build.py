"""``jupyter-book`` with nbclient's per-cell timing switched on; used by ``bench/run.py``.

myst-nb's cache executor calls ``jupyter_cache.executors.utils.single_nb_execution`` with its
default ``record_timing=False``, so a normal build keeps no per-cell timing: the only execution
record is ``execution_seconds`` per notebook in the jupyter-cache database. This launcher runs the
unchanged ``jupyter-book`` command line after wrapping that one call so that nbclient, which runs
the cells, records its timestamps (``iopub.execute_input``, ``shell.execute_reply``, ...).

nbclient writes them to each code cell's ``metadata.execution``, but jupyter-cache hashes all
cell metadata, so left there they would change the cache key and every later build would execute
the notebook again. The wrapper therefore moves them, in code-cell order, to the notebook-level
key ``metadata.cell_execution`` (jupyter-cache hashes only ``kernelspec`` at that level). Cells,
outputs and cache keys are those of a normal build; the executed notebooks in
``_build/jupyter_execute`` and in the cache carry the one extra key.

Usage: ``python bench/timed_build.py build <root> --path-output <dir> [jupyter-book options]``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import ModuleType

TIMING_KEY = "cell_execution"


def with_cell_timing(execute: Callable) -> Callable:
    """Wrap ``single_nb_execution``: record nbclient's timing, then move it off the cells."""

    def execute_and_time(nb, *args, **kwargs):
        result = execute(nb, *args, **{**kwargs, "record_timing": True})
        code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
        nb.metadata[TIMING_KEY] = [dict(cell.metadata.pop("execution", {})) for cell in code_cells]
        return result

    return execute_and_time


def time_myst_nb_executors() -> list[ModuleType]:
    """Make myst-nb's cache and force executors record per-cell timing; return the modules changed."""
    from myst_nb.core.execute import cache, direct

    for module in (cache, direct):
        module.single_nb_execution = with_cell_timing(module.single_nb_execution)
    return [cache, direct]


if __name__ == "__main__":
    time_myst_nb_executors()
    from jupyter_book.cli.main import main

    sys.exit(main(args=sys.argv[1:], prog_name="jupyter-book"))
