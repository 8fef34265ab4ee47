"""Benchmark of the book and of codelib: ``make bench`` prints markdown tables and budget lines.

What is measured, in one run, and how:

Book (``bench/book_metrics.py``), all builds into one fresh temporary folder with
``jupyter-book build <root> --path-output <folder>``, timed by the wall clock:

- clean build: the strict build of ``tests/conftest.py`` (``-W -n --keep-going --all``), every
  cell executed; it runs through ``bench/timed_build.py``, the same command line with nbclient's
  per-cell timing switched on (myst-nb turns it off; nothing else changes);
- no-op rebuild: the same build again into the same folder without ``--all``, nothing changed;
- per-chapter execution time: ``execution_seconds`` in jupyter-cache's database
  ``_build/.jupyter_cache/global.db`` (table ``nbcache``), as recorded by the build itself;
- per-cell time and the slowest cell: ``shell.execute_reply - iopub.execute_input`` from
  nbclient's timestamps, which ``bench/timed_build.py`` keeps under the notebook-level key
  ``metadata.cell_execution`` of each ``_build/jupyter_execute/**/*.ipynb``;
- page weight: bytes of each toc page's .html plus the local images and media it embeds
  (``img``/``source``/``video``/``object``/``embed``), each file once; 1 MB = 10^6 bytes;
  shared theme files (CSS, JavaScript, fonts) are not counted;
- PDF build: ``--builder pdflatex -W -n --keep-going`` (as ``make pdf``) into the same folder
  after the HTML build, so the executed notebooks come from the cache; skipped without xelatex.

Notebook execution against an older commit (``--baseline COMMIT``; ``make bench`` passes the
Makefile's ``BASELINE``). The commit's files are exported with ``git archive`` into a temporary
folder (removed afterwards; nothing is written to the repository). Each tree's toc pages that the
build executes are then executed directly with nbclient, the way myst-nb's cache executor does
(its reader, the notebook's kernel, the book's 120 s cell timeout, errors not allowed), not by
building each tree: the old commit's ``_config.yml``/``_toc.yml`` may differ, and a whole-book
build would also time Sphinx. Each kernel runs with ``PYTHONPATH`` set to its own tree alone, so
it imports that tree's codelib, not the venv's editable install; a one-cell kernel per tree
prints ``codelib.__file__`` first, and the comparison is not timed if it points elsewhere. The
two trees run alternately, chapter by chapter (baseline A, current A, baseline B, ...), so load on
a shared machine falls on both; a notebook's seconds run from kernel start to kernel shutdown,
the span of jupyter-cache's ``execution_seconds``. The table gives both trees' seconds per
chapter and their ratio; the budget compares the totals over the chapters in both trees, and a
chapter in one tree only is listed with a dash on the other side and totalled on its own line.

codelib against what a reader would otherwise write (``bench/codelib_ratios.py``), best of N
repeats with ``timeit``: the lambdified Hessian vs SymPy ``subs`` on a 200 x 200 grid; batched
vs looped gradient descent; the exact network Hessian vs numdifftools, with the accuracy of each.

Budgets are printed as PASS/FAIL lines; the exit status is 0 whatever they say (it is non-zero
only if the benchmark itself crashes). The machine may be shared, so times vary between runs.

Usage: ``python bench/run.py [--keep] [--no-book] [--no-codelib] [--baseline COMMIT]``;
only the comparison: ``python bench/run.py --no-book --no-codelib --baseline 06059d7``.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import book_metrics as bm
import codelib_ratios as cr

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000

CLEAN_BUILD_SECONDS = 120.0
NOOP_BUILD_SECONDS = 15.0
CHAPTER_SECONDS = 30.0
CELL_SECONDS = 10.0
MEDIAN_PAGE_BYTES = 1 * MB
LAMBDIFY_SPEEDUP = 100.0
BATCHED_GD_SPEEDUP = 10.0
BASELINE_RATIO = 0.6  # issue 12: total notebook execution at most 0.6 x the baseline commit's


class BookResult(NamedTuple):
    clean: bm.BuildRun
    noop: bm.BuildRun
    pdf: bm.BuildRun | None
    pdf_bytes: int | None
    pages: list[bm.PageRecord]


class CodelibResult(NamedTuple):
    hessian_grid: cr.HessianGrid
    gd: cr.GDBatch
    net_hessian: cr.NetHessian


class Tree(NamedTuple):
    """One side of the comparison: what it is, where its kernels found codelib, its notebook runs."""

    label: str
    root: Path
    codelib: str                     # codelib.__file__ as a kernel of this tree printed it
    runs: dict[str, bm.NotebookRun]  # docname -> run; empty if codelib came from elsewhere

    @property
    def own_codelib(self) -> bool:
        return Path(self.codelib).resolve().is_relative_to(self.root.resolve())


class Comparison(NamedTuple):
    commit: str
    baseline: Tree
    current: Tree
    chapters: list[str]  # every executed page of either tree, current reading order first
    load_at_start: float
    load_at_end: float


class Check(NamedTuple):
    name: str
    passed: bool
    detail: str


# --- measuring ---------------------------------------------------------------------------------

def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def report_failure(what: str, run: bm.BuildRun) -> None:
    """Show the end of a failed build's log on stderr; the tables on stdout stay clean."""
    if not run.ok:
        tail = "\n".join(run.log.splitlines()[-30:])
        progress(f"{what} failed with exit code {run.returncode}; last lines of its log:\n{tail}")


@contextmanager
def build_folder(keep: bool) -> Iterator[Path]:
    """A fresh temporary output folder, removed afterwards unless ``keep``."""
    folder = Path(tempfile.mkdtemp(prefix="bench-book-"))
    try:
        yield folder
    finally:
        if keep:
            progress(f"build folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def measure_book(out: Path) -> BookResult:
    """Clean build, no-op rebuild, records of the build, then the PDF, all in ``out``."""
    progress("clean HTML build (strict, --all) ...")
    clean = bm.clean_html_build(ROOT, out)
    report_failure("clean build", clean)
    progress("no-op rebuild ...")
    noop = bm.noop_html_build(ROOT, out)
    report_failure("no-op rebuild", noop)
    pages = bm.page_records(ROOT, out)
    progress("PDF build ..." if bm.tex_available() else "PDF build skipped: xelatex or latexmk not found")
    pdf = bm.pdf_build(ROOT, out)
    if pdf is not None:
        report_failure("PDF build", pdf)
    pdf_path = bm.pdf_file(out)
    return BookResult(clean, noop, pdf, pdf_path.stat().st_size if pdf_path else None, pages)


def execute_alternately(trees: list[tuple[str, Path, dict[str, Path]]], chapters: list[str]) -> list[dict]:
    """Execute chapter by chapter, each tree in turn: ``[{docname: NotebookRun}, ...]`` per tree."""
    runs: list[dict[str, bm.NotebookRun]] = [{} for _ in trees]
    for chapter in chapters:
        for (name, root, pages), done in zip(trees, runs):
            if chapter in pages:
                source = pages[chapter]
                done[chapter] = bm.execute_notebook(bm.read_notebook(source), source.parent,
                                                    bm.tree_environment(root))
                state = "" if done[chapter].ok else f", FAILED: {done[chapter].error}"
                progress(f"  {chapter} ({name}): "
                         f"{done[chapter].seconds:.1f} s{state}")
    return runs


def measure_comparison(commit: str) -> Comparison:
    """Execute the notebooks of ``commit`` and of the working tree, alternately, each with its codelib."""
    with bm.exported_commit(ROOT, commit) as old:
        load_at_start = load_average()
        pages = [bm.notebook_pages(old), bm.notebook_pages(ROOT)]
        chapters = list(pages[1]) + [page for page in pages[0] if page not in pages[1]]
        origins = []
        for root in (old, ROOT):
            bm.byte_compile(root)
            origins.append(bm.codelib_origin(root))
        trees = [Tree(bm.commit_label(ROOT, commit), old, origins[0], {}),
                 Tree(bm.working_tree_label(ROOT), ROOT, origins[1], {})]
        if all(tree.own_codelib for tree in trees):
            progress(f"executing the notebooks of {commit} and of the working tree, alternately ...")
            runs = execute_alternately([("baseline", old, pages[0]), ("current", ROOT, pages[1])],
                                       chapters)
            trees = [tree._replace(runs=run) for tree, run in zip(trees, runs)]
        else:
            progress("a kernel imported codelib from outside its tree; the comparison is not timed")
        return Comparison(commit, trees[0], trees[1], chapters, load_at_start, load_average())


def measure_codelib() -> CodelibResult:
    progress("codelib: lambdified Hessian vs subs ...")
    hessian_grid = cr.lambdify_vs_subs()
    progress("codelib: batched vs looped gradient descent ...")
    gd = cr.batched_vs_loop()
    progress("codelib: exact network Hessian vs numdifftools ...")
    return CodelibResult(hessian_grid, gd, cr.exact_vs_numdifftools())


# --- formatting ----------------------------------------------------------------------------------

def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def code_span(text: str, width: int = 48) -> str:
    """Table-safe inline code: no pipes or backticks, at most ``width`` characters."""
    text = text.replace("|", "¦").replace("`", "'")
    return f"`{text if len(text) <= width else text[:width - 1] + '…'}`"


def megabytes(size: float | None) -> str:
    return "—" if size is None else f"{size / MB:.2f} MB"


def build_cell(run: bm.BuildRun | None) -> str:
    if run is None:
        return "skipped"
    return f"{run.seconds:.1f} s" if run.ok else f"{run.seconds:.1f} s, FAILED (exit {run.returncode})"


def book_table(book: BookResult) -> str:
    built = [page for page in book.pages if page.weight is not None]
    heaviest = max(built, key=lambda page: page.weight, default=None)
    pdf_note = ("xelatex or latexmk not found" if book.pdf is None
                else f"{megabytes(book.pdf_bytes)} PDF, {book.pdf.executed} notebooks executed")
    rows = [
        ["clean build (HTML, `-W -n --keep-going --all`, fresh folder)", build_cell(book.clean),
         f"{book.clean.executed} notebooks executed"],
        ["no-op rebuild (same folder, no `--all`)", build_cell(book.noop), f"{book.noop.executed} notebooks executed"],
        ["PDF build (`--builder pdflatex`, execution cache reused)", build_cell(book.pdf), pdf_note],
        ["median page weight (html + images)", megabytes(bm.median_weight(book.pages)),
         f"over {len(built)} pages"],
        ["max page weight", megabytes(heaviest.weight if heaviest else None),
         heaviest.page if heaviest else "no page built"],
    ]
    return table(["measure", "value", "note"], rows)


def page_row(page: bm.PageRecord) -> list[str]:
    slowest = page.slowest_cell
    return [
        page.page,
        "—" if page.execution is None else f"{page.execution:.2f}",
        str(len(page.cells)),
        "—" if slowest is None else f"#{slowest.number} {code_span(slowest.first_line)}",
        "—" if slowest is None else f"{slowest.seconds:.2f}",
        megabytes(page.weight),
        "—" if page.html_bytes is None else f"{megabytes(page.html_bytes)} + {page.images} images",
    ]


def pages_table(pages: list[bm.PageRecord]) -> str:
    header = ["page", "execution (s)", "timed cells", "slowest cell", "cell (s)", "page weight", "html + images"]
    return table(header, [page_row(page) for page in pages])


def run_cell(run: bm.NotebookRun | None) -> str:
    if run is None:
        return "—"
    return f"{run.seconds:.2f}" if run.ok else f"{run.seconds:.2f}, FAILED"


def ratio_cell(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.2f}" if denominator > 0 else "—"


def comparison_totals(comparison: Comparison) -> tuple[float, float, list[str], float, list[str], float]:
    """Totals over chapters in both trees, then the chapters and total of each tree alone."""
    old, new = comparison.baseline.runs, comparison.current.runs
    both = [chapter for chapter in comparison.chapters if chapter in old and chapter in new]
    only_old = [chapter for chapter in comparison.chapters if chapter in old and chapter not in new]
    only_new = [chapter for chapter in comparison.chapters if chapter in new and chapter not in old]
    return (sum(old[c].seconds for c in both), sum(new[c].seconds for c in both),
            only_old, sum(old[c].seconds for c in only_old), only_new, sum(new[c].seconds for c in only_new))


def comparison_section(comparison: Comparison) -> str:
    base, current = comparison.baseline, comparison.current
    lines = [
        f"Baseline: `{base.label}`, exported with `git archive` into a temporary folder (removed "
        f"afterwards); its kernels imported codelib from `{base.codelib}`.",
        f"Current: the working tree `{current.label}` at `{current.root}`; its kernels imported "
        f"codelib from `{current.codelib}`.",
        "Each notebook executed with nbclient in a fresh kernel (seconds from kernel start to shutdown), "
        "baseline then current, chapter by chapter. "
        f"Load average {comparison.load_at_start:.2f} at the start of the comparison, "
        f"{comparison.load_at_end:.2f} at the end.",
        "",
    ]
    if not base.runs and not current.runs:
        return "\n".join(lines + ["Not timed: a kernel imported codelib from outside its own tree."])
    rows = [[chapter, run_cell(base.runs.get(chapter)), run_cell(current.runs.get(chapter)),
             ratio_cell(current.runs[chapter].seconds, base.runs[chapter].seconds)
             if chapter in base.runs and chapter in current.runs else "—"]
            for chapter in comparison.chapters]
    old_total, new_total, only_old, old_alone, only_new, new_alone = comparison_totals(comparison)
    rows.append(["**total, chapters in both**", f"**{old_total:.2f}**", f"**{new_total:.2f}**",
                 f"**{ratio_cell(new_total, old_total)}**"])
    if only_old:
        rows.append([f"total, only in the baseline ({len(only_old)}; not in the ratio)", f"{old_alone:.2f}", "—", "—"])
    if only_new:
        rows.append([f"total, only in the current tree ({len(only_new)}; not in the ratio)", "—",
                     f"{new_alone:.2f}", "—"])
    old_book, new_book = book_totals(comparison)
    rows.append(["**whole book (every notebook of each tree; the budget)**", f"**{old_book:.2f}**",
                 f"**{new_book:.2f}**", f"**{ratio_cell(new_book, old_book)}**"])
    return "\n".join(lines + [table(["chapter", "baseline (s)", "current (s)", "current / baseline"], rows)])


def book_totals(comparison: Comparison) -> tuple[float, float]:
    """Execution time of every notebook of each tree: pages split, added or removed since the
    baseline count on their own side, so the ratio is the whole book's."""
    return (sum(run.seconds for run in comparison.baseline.runs.values()),
            sum(run.seconds for run in comparison.current.runs.values()))


def codelib_table(result: CodelibResult) -> str:
    grid, gd, net = result.hessian_grid, result.gd, result.net_hessian
    rows = [
        [f"Hessian of the multimodal f on a {cr.GRID_SIZE}×{cr.GRID_SIZE} grid",
         f"`to_numpy(f).hess`: {grid.numpy_seconds * 1e3:.3f} ms (compiled once in {grid.compile_seconds:.2f} s)",
         f"`H.subs` at every point: {grid.subs_seconds:.2f} s (= {grid.points} × {grid.subs_per_point * 1e3:.3f} ms, "
         f"timed on {grid.sample} points)",
         f"{grid.ratio:.0f}×",
         f"max abs diff {grid.max_abs_diff:.1e} (entries up to {grid.max_abs_value:.0f})"],
        [f"gradient descent, {cr.STARTS} starts × {len(cr.STEP_SIZES)} step sizes × {gd.steps} steps",
         f"one ({gd.runs}, 2) array per step: {gd.batched_seconds * 1e3:.3f} ms",
         f"{gd.runs} × `gradient_descent`: {gd.loop_seconds:.2f} s",
         f"{gd.ratio:.0f}×",
         f"final points max abs diff {gd.max_final_diff:.1e}; diverged {gd.diverged_batched} vs {gd.diverged_loop}"],
        [f"Hessian of a {'-'.join(map(str, cr.NET_SIZES))} tanh MLP, {cr.SAMPLES} samples (P = {net.params})",
         f"`nets.hessian` (exact): {net.exact_seconds * 1e3:.3f} ms",
         f"`numdifftools.Hessian(nets.loss)`: {net.numdifftools_seconds:.2f} s",
         f"{net.ratio:.0f}×",
         f"exact: asymmetry before symmetrising {net.exact_raw_asymmetry:.1e}, vs Jacobian of the backprop "
         f"gradient {net.exact_vs_jacobian:.1e}; numdifftools: max abs error {net.numdifftools_error:.1e}, "
         f"asymmetry {net.numdifftools_asymmetry:.1e} (max abs H {net.scale:.2f})"],
    ]
    return table(["comparison", "codelib", "what a reader would write", "speed-up", "accuracy"], rows)


# --- budgets -------------------------------------------------------------------------------------

def at_most(name: str, value: float, limit: float, unit: str, ok: bool = True, why: str = "") -> Check:
    return Check(name, ok and value <= limit, why or f"{value:.1f} {unit} (budget ≤ {limit:g} {unit})")


def build_checks(book: BookResult) -> list[Check]:
    clean_why = "" if book.clean.ok else f"build failed (exit {book.clean.returncode}) after {book.clean.seconds:.1f} s"
    noop_why = "" if book.noop.ok else f"build failed (exit {book.noop.returncode}) after {book.noop.seconds:.1f} s"
    return [
        at_most("clean build", book.clean.seconds, CLEAN_BUILD_SECONDS, "s", book.clean.ok, clean_why),
        at_most("no-op rebuild", book.noop.seconds, NOOP_BUILD_SECONDS, "s", book.noop.ok, noop_why
                or f"{book.noop.seconds:.1f} s (budget ≤ {NOOP_BUILD_SECONDS:g} s), "
                   f"{book.noop.executed} notebooks executed again"),
    ]


def over_budget(items: list[tuple[str, float]], limit: float) -> str:
    return "; ".join(f"{name} {seconds:.1f} s" for name, seconds in items if seconds > limit)


def chapter_check(pages: list[bm.PageRecord]) -> Check:
    timed = [(page.page, page.execution) for page in pages if page.execution is not None]
    if not timed:
        return Check("every chapter ≤ 30 s", False, "no execution record found in the jupyter-cache database")
    name, slowest = max(timed, key=lambda item: item[1])
    over = over_budget(timed, CHAPTER_SECONDS)
    detail = f"over budget: {over}" if over else f"slowest {name} {slowest:.1f} s"
    return Check(f"every chapter ≤ {CHAPTER_SECONDS:g} s", not over, detail)


def cell_check(pages: list[bm.PageRecord]) -> Check:
    cells = [(f"{page.page} #{cell.number}", cell.seconds) for page in pages for cell in page.cells]
    if not cells:
        return Check(f"every cell ≤ {CELL_SECONDS:g} s", False, "no per-cell timestamps in the executed notebooks")
    name, slowest = max(cells, key=lambda item: item[1])
    over = over_budget(cells, CELL_SECONDS)
    detail = f"over budget: {over}" if over else f"slowest {name} {slowest:.2f} s"
    return Check(f"every cell ≤ {CELL_SECONDS:g} s", not over, detail)


def page_weight_check(pages: list[bm.PageRecord]) -> Check:
    median = bm.median_weight(pages)
    if median is None:
        return Check("median page ≤ 1 MB", False, "no page was built")
    return Check(f"median page ≤ {MEDIAN_PAGE_BYTES / MB:g} MB", median <= MEDIAN_PAGE_BYTES,
                 f"{median / MB:.2f} MB")


def at_least_ratio(name: str, ratio: float, limit: float) -> Check:
    return Check(f"{name} ≥ {limit:g}×", ratio >= limit, f"{ratio:.0f}×")


def codelib_checks(result: CodelibResult) -> list[Check]:
    return [
        at_least_ratio("lambdify vs subs", result.hessian_grid.ratio, LAMBDIFY_SPEEDUP),
        at_least_ratio("batched GD vs loop", result.gd.ratio, BATCHED_GD_SPEEDUP),
    ]


def comparison_check(comparison: Comparison) -> Check:
    name = f"total notebook execution ≤ {BASELINE_RATIO:g} × baseline ({comparison.commit})"
    base, current = comparison.baseline, comparison.current
    for tree in (base, current):
        if not tree.own_codelib:
            return Check(name, False, f"not timed: a kernel of `{tree.label}` imported codelib from {tree.codelib}")
    failed = [f"{chapter} ({side})" for side, tree in (("baseline", base), ("current", current))
              for chapter, run in tree.runs.items() if not run.ok]
    if failed:
        return Check(name, False, "not comparable, notebooks failed: " + "; ".join(failed))
    old_total, new_total, only_old, _, only_new, _ = comparison_totals(comparison)
    old_book, new_book = book_totals(comparison)
    if old_book <= 0:
        return Check(name, False, "no notebook of the baseline executed")
    alone = "".join(f"; only in the {side}: {', '.join(chapters)}"
                    for side, chapters in (("baseline", only_old), ("current tree", only_new)) if chapters)
    both = f" (pages in both: {new_total:.1f} s vs {old_total:.1f} s)" if old_total > 0 else ""
    detail = (f"whole book {new_book:.1f} s vs {old_book:.1f} s = {new_book / old_book:.2f}×{both}{alone}")
    return Check(name, new_book <= BASELINE_RATIO * old_book, detail)


def budget_lines(checks: list[Check]) -> str:
    lines = [f"- {'PASS' if check.passed else 'FAIL'} {check.name}: {check.detail}" for check in checks]
    met = sum(check.passed for check in checks)
    return "\n".join(lines + ["", f"{met} of {len(checks)} budgets met."])


def load_average() -> float:
    """The 1-minute load average (NaN where the platform has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def machine_line(load_at_start: float) -> str:
    return (f"Machine: {os.cpu_count()} CPUs, load average {load_at_start:.2f} at the start and "
            f"{load_average():.2f} at the end; Python {platform.python_version()}. "
            "Times vary on a shared machine.")


def report(book: BookResult | None, comparison: Comparison | None, codelib_result: CodelibResult | None,
           load_at_start: float) -> str:
    sections = ["# Benchmark", "", machine_line(load_at_start), ""]
    checks: list[Check] = []
    if book is not None:
        sections += ["## Book", "", book_table(book), "", "## Chapters", "", pages_table(book.pages), ""]
        checks += build_checks(book) + [chapter_check(book.pages), cell_check(book.pages),
                                        page_weight_check(book.pages)]
    if comparison is not None:
        sections += [f"## Notebook execution vs {comparison.commit}", "", comparison_section(comparison), ""]
        checks.append(comparison_check(comparison))
    if codelib_result is not None:
        sections += ["## codelib vs what a reader would write", "", codelib_table(codelib_result), ""]
        checks += codelib_checks(codelib_result)
    sections += ["## Budgets", "", budget_lines(checks)]
    return "\n".join(sections)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary build folder and print its path")
    parser.add_argument("--no-book", action="store_true",
                        help="skip the book builds (clean, no-op, PDF); --baseline still runs")
    parser.add_argument("--no-codelib", action="store_true", help="skip codelib vs what a reader would write")
    parser.add_argument("--baseline", metavar="COMMIT", default="",
                        help="also execute the notebooks of COMMIT and of the working tree, alternately, and "
                             f"compare them (budget: current ≤ {BASELINE_RATIO:g} × baseline); empty: skip")
    args = parser.parse_args(argv)
    if args.baseline:
        try:
            bm.commit_label(ROOT, args.baseline)
        except ValueError as error:
            parser.error(f"--baseline: {error}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_at_start, book, comparison, codelib_result = load_average(), None, None, None
    if not args.no_book:
        with build_folder(args.keep) as out:
            book = measure_book(out)
    if args.baseline:
        comparison = measure_comparison(args.baseline)
    if not args.no_codelib:
        codelib_result = measure_codelib()
    print(report(book, comparison, codelib_result, load_at_start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
