"""The ``_ext/merge_streams`` extension: a cell's stream chunks merged once, in the cell."""

from __future__ import annotations

import sys
from pathlib import Path

from nbformat.v4 import new_output

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "_ext"))
import merge_streams  # noqa: E402  (the extensions folder is not a package)


def chunks(*texts: str) -> list:
    return [new_output("stream", name="stdout", text=text) for text in texts]


def test_chunks_are_merged_in_the_cell_and_printed_once():
    outputs = chunks("first\n", "second\n", "third\n")
    merged = merge_streams.merge_in_cell(outputs)
    assert merged is outputs  # the cell's own list now holds the merged output ...
    assert [o["text"] for o in outputs] == ["first\nsecond\nthird\n"]  # ... and each line once


def test_one_chunk_or_several_give_the_same_cell():
    one, several = chunks("a\nb\n"), chunks("a\n", "b\n")
    assert merge_streams.merge_in_cell(one) == merge_streams.merge_in_cell(several)


def test_other_outputs_keep_their_place():
    figure = new_output("display_data", data={"text/plain": "<Figure>"})
    outputs = [*chunks("a\n"), figure, *chunks("b\n")]
    merge_streams.merge_in_cell(outputs)
    assert [o["output_type"] for o in outputs] == ["stream", "display_data"]
    assert outputs[0]["text"] == "a\nb\n"
