"""Equations: a post's MathSpans → spans whose labels are each defined once, and warnings about references.

MathJax numbers equations and resolves `\\eqref`/`\\ref` itself (math.engine typesets a
post as one document, as a page is in the browser). What MathJax cannot see is the page
around each formula, so here, in the order the page shows them:

* a `\\label` already defined earlier in the post is left out of the span (MathJax would
  stop with "Label multiply defined"), with a warning at both places;
* an `\\eqref{x}`/`\\ref{x}` to a label the post does not define is a warning (the page
  shows (???), as MathJax does).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from ..errors import Diagnostic, warning
from .check import tex_position
from .spans import MathSpan, numbered_if_labelled

LABEL = re.compile(r"\\label\s*\{([^{}]*)\}")
REFERENCE = re.compile(r"\\(eq)?ref\s*\{([^{}]*)\}")
UNKNOWN = "???"


def prepare_spans(
    spans: Sequence[MathSpan], order: Sequence[int], source: str
) -> tuple[tuple[MathSpan, ...], list[Diagnostic]]:
    """Spans with repeated labels left out; warnings for what was left out and for unknown references."""
    prepared, notes = _drop_repeated_labels(spans, order, source)
    labels = {m[1].strip() for index in order for m in LABEL.finditer(prepared[index].tex)}
    notes.extend(_unknown_references(prepared, order, labels, source))
    return tuple(prepared), notes


def _unknown_references(
    spans: Sequence[MathSpan], order: Sequence[int], labels: set[str], source: str
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
