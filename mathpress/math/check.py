"""Math checks: MathSpans → warnings about TeX that MathJax would reject, with file positions.

The checks read each span's TeX once, left to right, the way MathJax's TeX input does:
braces, `\\begin`/`\\end` and `\\left`/`\\right` share one stack of open groups, `%` starts
a comment, and every control word must be a MathJax macro (from any TeX package, since
autoload and `\\require` can load them all; the names are in data/tex_names.json), a site
macro, or a macro the post defines in an earlier span or the same one.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import NamedTuple

from ..errors import Diagnostic, warning
from .spans import MathSpan

TOKEN = re.compile(r"\\(?:([A-Za-z]+)|.|$)|%[^\n]*|[{}]", re.S)
ENV_ARG = re.compile(r"\s*\{([^{}]*)\}")
DEFINED_MACRO = re.compile(
    r"\\(?:g?def|let)\s*\\([A-Za-z]+)"
    r"|\\(?:(?:re)?newcommand|DeclareMathOperator)\*?\s*\{?\s*\\([A-Za-z]+)"
)
DEFINED_ENV = re.compile(r"\\(?:re)?newenvironment\s*\{\s*([^{}\s]+)\s*\}")
# Backslashes kramdown consumed in `\\(`…`\\)` math: `\\` was written `\\\\`, `\{` was `\\{`.
KRAMDOWN_DOUBLED = re.compile(r"\\(\\|[.*_+`<>()\[\]{}#!:|\"'$=-])")
KRAMDOWN_DELIMITERS = frozenset({"\\\\(", "\\\\["})
HINT_CUTOFF = 0.75


@dataclass(frozen=True)
class Names:
    """The macro and environment names that a span may use."""

    macros: frozenset[str]
    environments: frozenset[str]

    def with_definitions(self, tex: str) -> Names:
        """These names plus what `tex` defines with \\def, \\newcommand, \\newenvironment, …"""
        macros = {a or b for a, b in DEFINED_MACRO.findall(tex)} - self.macros
        environments = set(DEFINED_ENV.findall(tex)) - self.environments
        if not macros and not environments:
            return self  # most spans define nothing: no copy of every MathJax name per span
        return Names(self.macros | macros, self.environments | environments)


class _Open(NamedTuple):
    """A group still open on the stack: `{`, `\\left`, or `\\begin{name}`."""

    kind: str
    name: str
    offset: int


@cache
def mathjax_names() -> Names:
    """Every macro and environment that MathJax 3 or 4 knows (loaded once)."""
    path = files("mathpress") / "data" / "tex_names.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return Names(frozenset(data["macros"]), frozenset(data["environments"]))


def check_spans(spans: Sequence[MathSpan], source: str, macros: tuple[str, ...]) -> list[Diagnostic]:
    """Warnings, in file order, for every span: braces, environments, \\left/\\right, macros."""
    base = mathjax_names()
    names = Names(base.macros | {name.lstrip("\\") for name in macros}, base.environments)
    found: list[Diagnostic] = []
    checked: dict[str, list[tuple[int, str]]] = {}  # by TeX, while the names stay the same
    for span in spans:
        defined = names.with_definitions(span.tex)
        if defined is not names:
            names, checked = defined, {}
        problems = checked.get(span.tex)
        if problems is None:
            problems = checked[span.tex] = check_tex(span.tex, names)
        for offset, message in problems:
            line, col = tex_position(span, offset)
            found.append(warning(source, line, col, message))
    return sorted(found)


def check_tex(tex: str, names: Names) -> list[tuple[int, str]]:
    """(offset in `tex`, message) for each problem in one piece of TeX."""
    scan = _Scan(tex, names)
    scan.run()
    return sorted(scan.found)


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


class _Scan:
    """One pass over one span's TeX, collecting (offset, message) pairs."""

    def __init__(self, tex: str, names: Names) -> None:
        self.tex = tex
        self.names = names
        self.stack: list[_Open] = []
        self.found: list[tuple[int, str]] = []

    def run(self) -> None:
        """Read every token, then report the groups left open."""
        pos = 0
        while match := TOKEN.search(self.tex, pos):
            pos = self._token(match)
        for item in self.stack:
            self.found.append((item.offset, _unclosed(item)))

    def _token(self, match: re.Match[str]) -> int:
        """Handle one token; return where reading goes on."""
        text, at = match.group(), match.start()
        if match[1]:
            return self._word(match[1], at, match.end())
        if text == "{":
            self.stack.append(_Open("{", "", at))
        elif text == "}":
            self._close("{", "", at)
        return match.end()  # a control symbol, a comment, or a closed brace

    def _word(self, name: str, at: int, end: int) -> int:
        """A control word `\\name` at `at`; return where reading goes on."""
        if name in ("begin", "end"):
            return self._environment(name, at, end)
        if name in ("verb", "newenvironment", "renewenvironment"):
            return self._verb(end) if name == "verb" else _skip_arguments(self.tex, end)
        if name in ("left", "right", "middle"):
            self._delimiter(name, at)
        elif name not in self.names.macros:
            self.found.append((at, self._unknown_macro(name)))
        return end

    def _delimiter(self, name: str, at: int) -> None:
        """`\\left` opens a group, `\\right` closes it, `\\middle` must be right inside one."""
        if name == "left":
            self.stack.append(_Open("left", "", at))
        elif name == "right":
            self._close("left", "", at)
        elif not self.stack or self.stack[-1].kind != "left":
            self.found.append((at, "`\\middle` outside `\\left`…`\\right`"))

    def _unknown_macro(self, name: str) -> str:
        """The message for an undefined control word, with a spelling hint."""
        candidates = (known for known in self.names.macros if known.isalpha())
        return f"unknown TeX macro `\\{name}`" + hint(name, candidates, "\\")

    def _environment(self, word: str, at: int, end: int) -> int:
        """`\\begin{name}` opens a group, `\\end{name}` closes one."""
        arg = ENV_ARG.match(self.tex, end)
        if not arg:
            return end  # no `{name}`: its braces are checked as ordinary ones
        name = arg[1].strip()
        if word == "end":
            self._close("begin", name, at)
            return arg.end()
        if name not in self.names.environments:
            message = f"unknown environment `{name}`{hint(name, self.names.environments)}"
            self.found.append((arg.start(1), message))
        self.stack.append(_Open("begin", name, at))
        return arg.end()

    def _close(self, kind: str, name: str, at: int) -> None:
        """Close the innermost open group of `kind`; report what it leaves open or mismatches."""
        depth = self._find(kind, name)
        if depth is None:
            self.found.append((at, _stray(kind, name)))
            return
        opened = self.stack[depth]
        for item in self.stack[depth + 1 :]:
            self.found.append((item.offset, _unclosed(item)))
        del self.stack[depth:]
        if opened.name != name:
            self.found.append((at, f"`\\begin{{{opened.name}}}` is closed by `\\end{{{name}}}`"))

    def _find(self, kind: str, name: str) -> int | None:
        """Stack index of the group `kind` closes: same name first, then the innermost."""
        indices = [i for i, item in enumerate(self.stack) if item.kind == kind]
        same = [i for i in indices if self.stack[i].name == name]
        if same or indices:
            return (same or indices)[-1]
        return None

    def _verb(self, end: int) -> int:
        """Skip `\\verb|…|`: its text is not TeX."""
        if end >= len(self.tex):
            return end
        close = self.tex.find(self.tex[end], end + 1)
        return len(self.tex) if close < 0 else close + 1


def _skip_arguments(tex: str, end: int) -> int:
    """Skip \\newenvironment's `{name}[n][default]{begin}{end}`: its TeX is only half groups."""
    pos = end
    for _ in range(5):
        group = re.compile(r"\s*(\{|\[[^\]]*\])").match(tex, pos)
        if not group:
            break
        stop = _group_end(tex, group.start(1)) if group[1] == "{" else group.end()
        if stop is None:
            return end  # unbalanced: let the ordinary checks report it
        pos = stop
    return pos


def _group_end(tex: str, start: int) -> int | None:
    """The offset just past the `}` matching the `{` at `start`, if there is one."""
    depth = 0
    for match in TOKEN.finditer(tex, start):
        depth += {"{": 1, "}": -1}.get(match.group(), 0)
        if depth == 0:
            return match.end()
    return None


def _unclosed(item: _Open) -> str:
    """The message for a group that is never closed."""
    if item.kind == "{":
        return "unbalanced `{`: never closed"
    if item.kind == "left":
        return "`\\left` without a matching `\\right`"
    return f"`\\begin{{{item.name}}}` is never closed"


def _stray(kind: str, name: str) -> str:
    """The message for a closing token with nothing open to close."""
    if kind == "{":
        return "unbalanced `}`: no `{` to close"
    if kind == "left":
        return "`\\right` without a matching `\\left`"
    return f"`\\end{{{name}}}` without a matching `\\begin{{{name}}}`"
