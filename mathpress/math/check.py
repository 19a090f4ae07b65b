"""Math positions and hints: offsets in a span's TeX → file line and column; close names for misspellings.

MathJax itself checks every span (math.typeset); this module says where in the file a
place in a span's TeX is (kramdown's doubled backslashes counted) and which known macro or
environment a misspelt one is close to (the names are in data/tex_names.json).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

from .spans import MathSpan

# Backslashes kramdown consumed in `\\(`…`\\)` math: `\\` was written `\\\\`, `\{` was `\\{`.
KRAMDOWN_DOUBLED = re.compile(r"\\(\\|[.*_+`<>()\[\]{}#!:|\"'$=-])")
KRAMDOWN_DELIMITERS = frozenset({"\\\\(", "\\\\["})
HINT_CUTOFF = 0.75


@dataclass(frozen=True)
class Names:
    """The macro and environment names that a span may use."""

    macros: frozenset[str]
    environments: frozenset[str]


@cache
def mathjax_names() -> Names:
    """Every macro and environment that MathJax 3 or 4 knows (loaded once)."""
    path = files("mathpress") / "data" / "tex_names.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return Names(frozenset(data["macros"]), frozenset(data["environments"]))


def tex_position(span: MathSpan, offset: int) -> tuple[int, int]:
    """File line and column of `span.tex[offset]`."""
    before = span.tex[:offset]
    newlines = before.count("\n")
    in_line = before[before.rfind("\n") + 1 :]
    width = _raw_width(in_line, span.delimiter in KRAMDOWN_DELIMITERS)
    col = span.tex_col + width if newlines == 0 else width + 1
    return span.tex_line + newlines, col


def _raw_width(text: str, kramdown: bool) -> int:
    """How many file characters `text` took (more where kramdown ate backslashes)."""
    if not kramdown:
        return len(text)
    return len(text) + sum(2 if m[1] == "\\" else 1 for m in KRAMDOWN_DOUBLED.finditer(text))


def hint(name: str, candidates: Iterable[str], prefix: str = "") -> str:
    """` (did you mean `\\frac`?)` when a known name is close to `name`, else ``."""
    close = difflib.get_close_matches(name, list(candidates), n=5, cutoff=HINT_CUTOFF)
    if not close:
        return ""
    best = min(close, key=lambda known: (edit_distance(name, known), len(known), known))
    return f" (did you mean `{prefix}{best}`?)"


def edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap neighbours) from `a` to `b`: `alpah` → `alpha` is 1."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i, j in ((i, j) for i in range(1, len(a) + 1) for j in range(1, len(b) + 1)):
        cost = int(a[i - 1] != b[j - 1])
        rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]
