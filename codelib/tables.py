"""Small tables of computed numbers, for a page where a paragraph would carry too many of them.

:func:`table` turns a header and rows into a :class:`Table`, which a notebook displays as a
Markdown table: the book renders it as a table in the HTML and in the PDF (myst-nb parses
Markdown outputs as MyST), and a plain Jupyter front end shows the same table.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from typing import NamedTuple

from ._validate import positive_int, show

__all__ = ["Table", "table"]


class Table(NamedTuple):
    """A rendered table: ``markdown`` is its text; notebooks display it through ``_repr_markdown_``."""

    markdown: str

    def _repr_markdown_(self) -> str:
        return self.markdown


def table(header: Sequence[str], rows: Sequence[Sequence[object]], *, digits: int = 3) -> Table:
    """A Markdown table of ``rows`` under ``header``; floats rounded to ``digits`` significant digits.

    Parameters
    ----------
    header : sequence of str
        The column titles (Markdown and ``$...$`` math allowed). A ``|`` in a title or an entry
        is escaped so that it stays in its cell; write a norm as ``\\lVert x \\rVert``, since the
        table reads LaTeX's ``\\|`` as an escaped bar.
    rows : sequence of sequences
        One entry per column in each row: a string (shown as is), an integer, or a real number
        (shown with ``digits`` significant digits; NaN and inf as written by Python).
    digits : int, default 3
        Significant digits of real numbers, >= 1.

    Returns
    -------
    Table

    Raises
    ------
    TypeError
        If a title is not a string, ``rows`` or a row is not a sequence, or an entry is not a string or a
        real number.
    ValueError
        If ``header`` is empty or a row does not have one entry per column.

    Examples
    --------
    >>> print(table(["width", "best loss"], [[1, 0.0812345], [2, 0.04]]).markdown)
    | width | best loss |
    |---:|---:|
    | 1 | 0.0812 |
    | 2 | 0.04 |
    """
    digits = positive_int(digits, "digits")
    if isinstance(header, str) or not isinstance(header, Sequence) or not header:
        raise ValueError(f"header must be a non-empty list of column titles, got {show(header)}.")
    for title in header:
        if not isinstance(title, str):
            raise TypeError(f"header must hold strings (column titles), got {show(title)}.")
    if isinstance(rows, str) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a list of rows (one list of entries per row), got {show(rows)}.")
    lines = ["| " + " | ".join(_escape_bars(title) for title in header) + " |", "|" + "|".join("---:" for _ in header) + "|"]
    for i, row in enumerate(rows):
        if isinstance(row, str) or not isinstance(row, Sequence):
            raise TypeError(f"rows[{i}] must be a list with one entry per column, got {show(row)}.")
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] has {len(row)} entries but the header has {len(header)} columns; "
                             "give one entry per column.")
        lines.append("| " + " | ".join(_cell(entry, digits, f"rows[{i}]") for entry in row) + " |")
    return Table("\n".join(lines))


def _escape_bars(text: str) -> str:
    """Every bar not escaped yet, escaped: ``$|x|$`` stays one cell (an escaped ``\\|`` is left as is)."""
    return re.sub(r"(?<!\\)\|", r"\\|", text)


def _cell(entry: object, digits: int, where: str) -> str:
    if isinstance(entry, str):
        return _escape_bars(entry)
    if isinstance(entry, bool) or not isinstance(entry, numbers.Real):
        raise TypeError(f"{where} must hold strings or real numbers, got {show(entry)}.")
    if isinstance(entry, numbers.Integral):
        return str(int(entry))
    return f"{float(entry):.{digits}g}"
