"""What a reader meets on a chapter page, read from its MyST source: code lines and prose words.

Shared by tests/test_chapters.py and handy from the shell:
``python tests/chapter_text.py chapters/local_minima/landscapes.md`` prints the prose word count
and every code line over the limit.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

MAX_CODE_LINE = 88      # black's default; the PDF's code width
MAX_PROSE_WORDS = 2600  # one sitting (issue 13)

FENCE = re.compile(r"^(`{3,}|:{3,})")


def split(text: str) -> tuple[list[tuple[int, str]], list[str]]:
    """(code lines with their line numbers, prose lines) of a MyST notebook, header dropped."""
    lines = text.splitlines()
    if lines and lines[0] == "---":  # the jupytext front matter
        end = lines.index("---", 1)
        lines = [""] * (end + 1) + lines[end + 1:]
    code, prose, in_code, in_meta = [], [], False, False
    for number, line in enumerate(lines, 1):
        if line.startswith("```{code-cell}"):
            in_code, in_meta = True, False
            continue
        if in_code:
            if line.startswith("```"):
                in_code = False
            elif line == "---":  # a cell's YAML metadata block opens and closes with ---
                in_meta = not in_meta
            elif not in_meta and not line.startswith(":tags:"):
                code.append((number, line))
            continue
        prose.append(line)
    return code, prose


def long_code_lines(path: Path) -> list[tuple[int, int]]:
    """(line number, length) of every code line longer than MAX_CODE_LINE."""
    code, _ = split(path.read_text())
    return [(number, len(line)) for number, line in code if len(line) > MAX_CODE_LINE]


def prose_words(path: Path) -> int:
    """Words of prose: Markdown outside code cells, without fences, directive options, labels and
    display math (``$$ ... $$`` blocks); inline math counts by its whitespace-separated pieces."""
    _, prose = split(path.read_text())
    words, in_math = 0, False
    for line in prose:
        stripped = line.strip()
        if stripped.startswith("$$") or in_math:
            if stripped.count("$$") % 2 == 1:
                in_math = not in_math
            continue
        if FENCE.match(stripped) or re.match(r"^:[\w-]+:", stripped) or re.match(r"^\(.+\)=$", stripped):
            continue
        words += len(stripped.split())
    return words


if __name__ == "__main__":
    for name in sys.argv[1:]:
        path = Path(name)
        print(f"{name}: {prose_words(path)} prose words")
        for number, length in long_code_lines(path):
            print(f"  line {number}: {length} characters")
