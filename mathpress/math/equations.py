"""Equations: a post's MathSpans → spans whose labels are each defined once, and the TeX for their MathML.

MathJax numbers equations, resolves `\\eqref`/`\\ref` and expands macros in the browser;
MathML has to be given all of that already done. So, in the order the page shows them:

* a `\\label` already defined earlier in the post is left out of the span (MathJax would
  stop with "Label multiply defined"), with a warning at both places;
* every display gets the numbers MathJax gives it (`tags`: none, ams or all, with a
  labelled post numbered as ams), written as `\\tag{n}` into its MathML TeX;
* `\\eqref{x}` becomes the text `(n)` and `\\ref{x}` the text `n` (`???` for a label with
  no number, as MathJax shows it);
* the site's macros and the post's own `\\def`/`\\newcommand` are expanded (texmacros).

The result is the span's `mathml_tex` (or `mathml_error` when expansion fails); its `tex`
stays what MathJax reads and what the MathML keeps as its annotation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from ..errors import Diagnostic, warning
from .check import tex_position
from .macros import Macro, MacroError, expand, group_end, take_definitions
from .mathml import convert_or_none, fallback
from .spans import MathSpan, numbered_if_labelled

LABEL = re.compile(r"\\label\s*\{([^{}]*)\}")
REFERENCE = re.compile(r"\\(eq)?ref\s*\{([^{}]*)\}")
# amsmath environments MathJax numbers; the ones in ROWS number each row, the others once.
TAGGABLE = ("equation", "align", "gather", "multline", "eqnarray", "alignat", "flalign")
ROWS = frozenset({"align", "gather", "eqnarray", "alignat", "flalign"})
STRUCTURE = re.compile(
    r"\\(begin|end)\s*\{([A-Za-z]+\*?)\}|\\(\\)|\\(tag\*?|notag|nonumber|label)(?![A-Za-z])|\\.|([{}])", re.S
)
UNKNOWN = "???"


@dataclass
class _Row:
    """One numbered unit of a display: a row of a row-numbered environment, or a whole equation."""

    numbered: bool  # MathJax numbers it unless it has \\tag, \\notag or \\nonumber
    start: int = 0
    end: int = -1  # where its automatic \\tag goes in the TeX
    tag: str | None = None
    auto: bool = False  # the tag is an automatic number
    unnumbered: bool = False
    labels: list[str] = field(default_factory=list)


def prepare_spans(
    spans: Sequence[MathSpan], order: Sequence[int], source: str, macros: Mapping[str, Macro], tags: str
) -> tuple[tuple[MathSpan, ...], list[Diagnostic]]:
    """Spans with repeated labels left out and their MathML TeX ready; warnings for what was left out."""
    spans, notes = _drop_repeated_labels(spans, order, source)
    if tags == "none" and any("\\label" in span.tex for span in spans):
        tags = "ams"  # as the page's MathJax is configured (templates.mathjax_config)
    counter = _Counter(tags)
    numbered = {index: counter.number(spans[index]) for index in order}
    labels: dict[str, str | None] = {}
    for index in order:
        for row in numbered[index][1]:
            for label in row.labels:
                labels.setdefault(label, row.tag)
    notes.extend(_unknown_references(spans, order, labels, source))
    prepared = list(spans)
    known = dict(macros)
    for index in order:
        tex, rows = numbered[index]
        prepared[index], known, problem = _for_mathml(spans[index], _with_numbers(tex, rows), labels, known)
        if problem:
            notes.append(warning(source, spans[index].line, spans[index].col, problem))
    return tuple(prepared), notes


class _Counter:
    """MathJax's equation counter for one page."""

    def __init__(self, tags: str) -> None:
        self.tags = tags
        self.count = 0

    def number(self, span: MathSpan) -> tuple[str, list[_Row]]:
        """The span's TeX as MathJax reads it, and its rows with their numbers."""
        if not span.display:
            return span.tex, [_Row(False, labels=[m[1].strip() for m in LABEL.finditer(span.tex)])]
        tex = numbered_if_labelled(span)
        rows = _rows(tex, self.tags)
        for row in rows:
            if row.tag is None and row.numbered and not row.unnumbered:
                self.count += 1
                row.tag, row.auto = str(self.count), True
        return tex, rows


def _rows(tex: str, tags: str) -> list[_Row]:
    """The numbered units of one display, in order: rows of its environments, then the display itself."""
    top = _Row(tags == "all", end=len(tex))
    rows: list[_Row] = []
    current, env, depth, inner = top, "", 0, False
    for match in STRUCTURE.finditer(tex):
        if match[1] and not env and match[1] == "begin" and match[2].rstrip("*") in TAGGABLE:
            env, depth, inner = match[2], 0, True
            current = _Row(tags != "none" and not env.endswith("*"), start=match.end())
        elif match[1] and env:
            depth += 1 if match[1] == "begin" else -1
            if depth < 0:  # the environment's own \end
                _end_row(current, rows, tex, match.start(), last=True)
                current, env = top, ""
        elif match[3] and env and depth == 0 and env.rstrip("*") in ROWS:
            _end_row(current, rows, tex, match.start(), last=False)
            current = _Row(current.numbered, start=match.end())
        elif match[4]:
            _mark(current, match[4], tex, match.end())
    if inner:
        top.numbered = False  # MathJax numbers a display itself only when nothing inside it is taggable
    return [*rows, top]


def _end_row(row: _Row, rows: list[_Row], tex: str, end: int, last: bool) -> None:
    """Close a row at `end`; an empty last row (a trailing `\\\\`) is no row, as in MathJax."""
    row.end = end
    if not (last and not tex[row.start : end].strip() and row.tag is None and not row.labels):
        rows.append(row)


def _mark(row: _Row, word: str, tex: str, pos: int) -> None:
    """Record a \\label, \\tag or \\notag found in a row."""
    if word in ("notag", "nonumber"):
        row.unnumbered = True
        return
    argument = re.compile(r"\s*\{").match(tex, pos)
    end = group_end(tex, argument.end() - 1) if argument else None
    if argument is None or end is None:
        return
    text = tex[argument.end() : end - 1]
    if word == "label":
        row.labels.append(text.strip())
    else:
        row.tag = text


def _for_mathml(
    span: MathSpan, tex: str, labels: Mapping[str, str | None], macros: dict[str, Macro]
) -> tuple[MathSpan, dict[str, Macro], str]:
    """The span with its MathML TeX (definitions taken out, macros expanded, references resolved)."""
    tex, macros = take_definitions(tex, macros)
    try:
        tex = expand(tex, macros)
    except MacroError as error:
        return replace(span, mathml_error=str(error)), macros, f"{error}; it is shown as TeX where MathML is used"
    tex = REFERENCE.sub(lambda m: _reference(m, labels), tex)
    return (span if tex == span.tex else replace(span, mathml_tex=tex)), macros, ""


def _unknown_references(
    spans: Sequence[MathSpan], order: Sequence[int], labels: Mapping[str, str | None], source: str
) -> list[Diagnostic]:
    """A warning for each \\eqref or \\ref to a label the post does not define."""
    found = []
    for index in order:
        for match in REFERENCE.finditer(spans[index].tex) if "ref" in spans[index].tex else ():
            if match[2].strip() not in labels:
                line, col = tex_position(spans[index], match.start())
                message = (
                    f"`{match.group()}`: no `\\label{{{match[2].strip()}}}` in this post (the page shows ({UNKNOWN}))"
                )
                found.append(warning(source, line, col, message))
    return found


def _reference(match: re.Match[str], labels: Mapping[str, str | None]) -> str:
    """`\\eqref{x}` → `\\text{(n)}`, `\\ref{x}` → `\\text{n}`, as MathJax writes them."""
    tag = labels.get(match[2].strip()) or UNKNOWN
    return f"\\text{{({tag})}}" if match[1] else f"\\text{{{tag}}}"


def _drop_repeated_labels(
    spans: Sequence[MathSpan], order: Sequence[int], source: str
) -> tuple[list[MathSpan], list[Diagnostic]]:
    """Leave out every `\\label{x}` after the first one, with a warning at both."""
    first: dict[str, tuple[int, int]] = {}
    result = list(spans)
    notes: list[Diagnostic] = []
    for index in order:
        span = spans[index]
        if "\\label" not in span.tex:
            continue
        keep: list[str] = []
        pos = 0
        for match in LABEL.finditer(span.tex):
            name = match[1].strip()
            line, col = tex_position(span, match.start())
            if name not in first:
                first[name] = (line, col)
                continue
            was = first[name]
            again = f"`\\label{{{name}}}` is defined again at line {line}; MathJax allows a label once per page"
            notes.append(warning(source, was[0], was[1], again))
            left = f"`\\label{{{name}}}` is already defined at line {was[0]}; this one is left out of the page"
            notes.append(warning(source, line, col, left))
            keep.append(span.tex[pos : match.start()])
            pos = match.end()
        if keep:  # a display numbered for its label stays numbered without it
            tex = "".join(keep) + span.tex[pos:]
            wrapped = numbered_if_labelled(span) != span.tex and "\\label{" not in tex
            result[index] = replace(span, tex=f"\\begin{{equation}}{tex}\\end{{equation}}" if wrapped else tex)
    return result, notes


def _with_numbers(tex: str, rows: Sequence[_Row]) -> str:
    """The TeX with `\\tag{n}` written where MathJax shows an automatic number."""
    for row in sorted(rows, key=lambda r: r.end, reverse=True):
        if row.auto:
            tex = tex[: row.end] + f"\\tag{{{row.tag}}}" + tex[row.end :]
    return tex


MathMLKey = tuple[str, bool, str]  # the TeX converted, display, the TeX kept as annotation
Converted = Mapping[MathMLKey, tuple[str, str | None]]


def mathml_key(span: MathSpan) -> MathMLKey:
    """What a prepared span's MathML depends on."""
    return span.mathml_tex or span.tex, span.display, span.tex


def span_mathml(span: MathSpan, converted: Converted | None = None) -> tuple[str, str | None]:
    """(MathML, None) for a prepared span, or (its TeX as code, why) when it cannot be converted.

    `converted` holds formulas already converted (the feed's, across workers); others are converted now.
    """
    if span.mathml:
        return span.mathml, None  # made by the render, which reported any problem
    if span.mathml_error:
        return fallback(span.tex), None  # reported when the span was prepared
    key = mathml_key(span)
    if converted is not None and key in converted:
        return converted[key]
    return convert_or_none(*key)
