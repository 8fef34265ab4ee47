"""Tests for codelib.tables: Markdown tables of computed numbers."""

from __future__ import annotations

import numpy as np
import pytest

from codelib.tables import Table, table


def test_a_table_has_a_header_a_rule_and_one_line_per_row():
    t = table(["$m$", "share", "kind"], [[3, 0.123456, "minimum"], [np.int64(4), np.float64(2e-7), "saddle"]])
    assert isinstance(t, Table)
    assert t.markdown.splitlines() == ["| $m$ | share | kind |", "|---:|---:|---:|",
                                       "| 3 | 0.123 | minimum |", "| 4 | 2e-07 | saddle |"]
    assert t._repr_markdown_() == t.markdown


def test_digits_and_special_values():
    assert table(["x"], [[np.pi]], digits=6).markdown.endswith("| 3.14159 |")
    assert table(["x"], [[float("nan")], [float("inf")]]).markdown.endswith("| nan |\n| inf |")
    assert table(["x"], [["a|b"]]).markdown.endswith(r"| a\|b |")  # a bar in a cell is escaped
    assert table([r"$\|g\|$"], []).markdown.startswith(r"| $\|g\|$ |")  # ... once, not twice
    assert table(["x"], []).markdown.count("\n") == 1  # header and rule only


@pytest.mark.parametrize(("header", "rows", "kwargs", "error", "match"), [
    ([], [], {}, ValueError, "header must be a non-empty list"),
    ("ab", [], {}, ValueError, "header must be a non-empty list"),
    ([1], [], {}, TypeError, "header must hold strings"),
    (["a"], [3.0], {}, TypeError, r"rows\[0\] must be a list"),
    (["a"], None, {}, TypeError, "rows must be a list of rows"),
    (["a", "b"], [[1.0]], {}, ValueError, r"rows\[0\] has 1 entries but the header has 2 columns"),
    (["a"], [[None]], {}, TypeError, r"rows\[0\] must hold strings or real numbers"),
    (["a"], [[True]], {}, TypeError, r"rows\[0\] must hold strings or real numbers"),
    (["a"], [[1.0]], {"digits": 0}, ValueError, "digits"),
])
def test_bad_input_says_what_to_pass(header, rows, kwargs, error, match):
    with pytest.raises(error, match=match):
        table(header, rows, **kwargs)
