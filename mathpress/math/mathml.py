"""MathML: TeX → safe, well-formed MathML for feeds and pages without JavaScript.

latex2mathml builds an ElementTree and then returns `unescape(tostring(tree))`, which is
what lets `\\text{<img …>}` through as markup (and makes `\\text{R&D}` ill-formed XML).
So we take the tree it builds before that step (`convert_to_element`) and re-serialise it
ourselves from the tree, never patching strings:

* elements: only `ELEMENTS` (MathML Core presentation elements latex2mathml produces);
  any other element makes the whole formula fail with MathMLError (→ readable fallback).
  Token elements (mi mn mo ms mtext) keep text only: in HTML, elements inside them would
  be parsed as HTML, so nested markup (`\\mathop{\\rm max}`) is flattened to its text.
* attributes: only `ATTRIBUTES`, and only values made of `[A-Za-z0-9#.%+- ]` (so no
  `javascript:`, `data:`, `url(`, quotes or entities can survive); anything else
  (`href`, `style`, `class`, `on*`, `xlink:href`, `linebreak`…) is dropped silently.
* text: latex2mathml's `&#x…;` strings are decoded, characters XML forbids become U+FFFD,
  then `& < >` (and `"` in attributes) are escaped; no XML declaration, no prefixes.
  The output is parsed once more with ElementTree as a last check.

The result is `<math display=…><semantics>CONTENT<annotation encoding="application/x-tex">`
holding the original TeX (CR/CRLF → LF, characters XML forbids → U+FFFD); Chromium and
Firefox render it natively.

Equation numbers: amsmath environments become unnumbered tables; `\\label`, `\\notag`,
`\\nonumber`, `\\require` are dropped; a `\\tag{n}` stays visible as an `mtext` "(n)" after a
`\\qquad` at the end of its row (`_prepare`). The numbers MathJax gives automatically come
here already written as `\\tag{n}`, with macros expanded (equations.py).
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable
from xml.etree import ElementTree

from latex2mathml.converter import convert_to_element

__all__ = ["MathMLError", "convert_item", "convert_or_none", "fallback", "mathml_markup", "tex_to_mathml"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MAX_TEX = 20_000
TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext"})
# Not here: math/semantics/annotation (we write those), annotation-xml (an HTML integration
# point), maction (legacy interaction), mfenced/mlabeledtr/mglyph/mstack… (not MathML Core).
# fmt: off
ELEMENTS = TOKENS | {
    "mrow", "mspace", "msub", "msup", "msubsup", "munder", "mover", "munderover", "mfrac",
    "msqrt", "mroot", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose",
    "merror", "mmultiscripts", "mprescripts", "none",
}
ATTRIBUTES = frozenset({
    "mathvariant", "displaystyle", "scriptlevel", "stretchy", "fence", "separator", "lspace",
    "rspace", "minsize", "maxsize", "movablelimits", "accent", "accentunder", "form", "largeop",
    "symmetric", "columnalign", "rowalign", "columnspacing", "rowspacing", "columnlines",
    "rowlines", "frame", "width", "height", "depth", "voffset", "linethickness", "notation",
    "mathcolor", "mathbackground", "mathsize",
})
# fmt: on
SAFE_VALUE = re.compile(r"[A-Za-z0-9#.%+\- ]+")
NOT_XML = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CHAR_REF = re.compile(r"&#(x[0-9A-Fa-f]+|[0-9]+);")
ROW_BREAK = re.compile(r"(\\\\)")
EQNARRAY = re.compile(r"\\begin\s*\{eqnarray(\*?)\}(.*?)\\end\s*\{eqnarray\1\}", re.S)
# amsmath environments latex2mathml lacks → ones it has ("" = keep only the content).
ALIGNS = ("align", "align*", "flalign", "flalign*", "alignat", "alignat*", "aligned", "alignedat")
GATHERS = ("gather", "gather*", "multline", "multline*", "gathered")
ENVIRONMENTS = {
    **dict.fromkeys(ALIGNS, "align*"),
    **dict.fromkeys(GATHERS, "displaylines"),
    **dict.fromkeys(("equation", "equation*"), ""),
}
ENVIRONMENT = re.compile(
    r"\\(begin|end)\s*\{(" + "|".join(map(re.escape, sorted(ENVIRONMENTS, key=len)[::-1])) + r")\}"
)
FAILURES = {
    "NumeratorNotFoundError": "a fraction without a numerator",
    "DenominatorNotFoundError": "a fraction without a denominator",
    "ExtraLeftOrMissingRightError": "\\left without a matching \\right (or the reverse)",
    "MissingSuperScriptOrSubscriptError": "^ or _ without a script",
    "DoubleSubscriptsError": "double subscript (write x_{a_b})",
    "DoubleSuperscriptsError": "double superscript (write x^{a^b})",
    "NoAvailableTokensError": "unexpected end: a missing argument or an unclosed brace",
    "StopIteration": "unexpected end: a command is missing its argument",
    "InvalidStyleForGenfracError": "invalid \\genfrac style",
    "MissingEndError": "\\begin{…} without a matching \\end{…}",
    "InvalidAlignmentError": "invalid column alignment in an environment",
    "InvalidWidthError": "invalid width",
    "LimitsMustFollowMathOperatorError": "\\limits not after an operator",
    "RecursionError": "nested too deeply (or a macro that never ends)",
}


class MathMLError(Exception):
    """TeX that cannot be turned into safe MathML; the message says what failed, briefly."""


def _eqnarray(match: re.Match[str]) -> str:
    """An eqnarray as align*: `a &=& b` → `a &= b` in every row."""
    rows = []
    for row in ROW_BREAK.split(match[2]):
        cells = re.split(r"(?<!\\)&", row)
        rows.append(row if len(cells) < 3 else "&".join(cells[:2]) + "".join(cells[2:]))
    return "\\begin{align*}" + "".join(rows) + "\\end{align*}"


def _environment(match: re.Match[str]) -> str:
    """`\\begin{gather}` → `\\begin{displaylines}` and the like (see ENVIRONMENTS)."""
    target = ENVIRONMENTS[match[2]]
    return f"\\{match[1]}{{{target}}}" if target else ""


# What latex2mathml 3.81 does wrong → the rewrite, applied in this order:
#   \label{…} \require{…} \notag …  shown as text        → dropped
#   \tag{n}                   glued to the formula      → \qquad\tag{n} ("(n)" in an mtext)
#   \mathcolor{c}{x}          unknown, shows "red x"    → \textcolor{c}{x}
#   \mathrm{d}                an italic d               → \mathrm {d}
#   \\[2pt]                   shows "[2pt]"             → \\
#   aligned[t], alignat{2}    alignment error / a "2"   → the argument dropped
#   eqnarray (a &=& b)        flat row, raw &           → align* with a &= b
#   aligned, align(*), flalign(*), alignat(*), alignedat: flat rows, raw & → align* (unnumbered)
#   gather(*), gathered, multline(*): flat rows → displaylines (centred); equation(*): content
PREPASS: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"\\(?:label|require)\s*\{[^{}]*\}"), ""),
    (re.compile(r"\\(?:notag|nonumber)(?![A-Za-z])"), ""),
    (re.compile(r"\\tag(?![A-Za-z])"), r"\\qquad\\tag"),
    (re.compile(r"\\mathcolor(?![A-Za-z])"), r"\\textcolor"),
    (re.compile(r"\\mathrm\{"), r"\\mathrm {"),  # \mathrm{d} alone would lose its upright style
    (re.compile(r"(\\\\)\s*\[\s*-?[\d.]+\s*[a-z]{2}\s*\]"), r"\1"),  # \\[2pt] → \\
    (re.compile(r"(\\begin\s*\{(?:aligned|alignedat|gathered)\})\s*\[[tbc]\]"), r"\1"),
    (re.compile(r"(\\begin\s*\{(?:alignat\*?|alignedat)\})\s*\{\d+\}"), r"\1"),
    (EQNARRAY, _eqnarray),
    (ENVIRONMENT, _environment),
)


def _prepare(tex: str) -> str:
    """Rewrite what latex2mathml lacks (amsmath environments, labels, tags) into what it has."""
    for pattern, replacement in PREPASS:
        tex = pattern.sub(replacement, tex)
    return tex


def _clean(tex: str) -> str:
    """Newlines normalised to LF, characters XML 1.0 forbids (and C1 controls) → U+FFFD."""
    return NOT_XML.sub("\ufffd", tex.replace("\r\n", "\n").replace("\r", "\n"))


def _char(match: re.Match[str]) -> str:
    """One `&#x…;` / `&#…;` reference as its character (U+FFFD when out of range)."""
    ref = match[1]
    code = int(ref[1:], 16) if ref[0] == "x" else int(ref)
    return chr(code) if code <= 0x10FFFF else "\ufffd"


PLAIN_TEXT = re.compile(r"[\x20-\x25\x27-\x3b=\x3f-\x7e]*")  # printable ASCII but & < >: nothing to do


def _text(raw: str | None) -> str:
    """latex2mathml text (may hold `&#x…;` strings) as escaped XML/HTML text."""
    if not raw or PLAIN_TEXT.fullmatch(raw):
        return raw or ""
    return html.escape(_clean(CHAR_REF.sub(_char, raw)), quote=False)


def _attributes(node: ElementTree.Element) -> str:
    """The allow-listed attributes with safe values, serialised; the rest dropped."""
    return "".join(
        f' {name}="{html.escape(value)}"'
        for name, value in node.attrib.items()
        if name in ATTRIBUTES and SAFE_VALUE.fullmatch(value)
    )


def _serialise(node: ElementTree.Element) -> str:
    """One allow-listed element and its subtree as XML that HTML5 parses the same way."""
    tag = node.tag
    if tag not in ELEMENTS:
        raise MathMLError(f"unsupported MathML element <{tag}> in latex2mathml's output")
    if tag in TOKENS:
        inner = _text("".join(node.itertext()))
    else:
        inner = _text(node.text) + "".join(_serialise(c) + _text(c.tail) for c in node)
    return f"<{tag}{_attributes(node)}>{inner}</{tag}>"


def _failure(error: Exception, tex: str) -> MathMLError:
    """A MathMLError naming what latex2mathml choked on, with the start of the TeX."""
    name = type(error).__name__
    what = FAILURES.get(name) or f"unsupported or malformed TeX ({name}: {error})"[:120]
    excerpt = " ".join(tex.split())
    excerpt = excerpt if len(excerpt) <= 40 else excerpt[:39] + "…"
    return MathMLError(f"{what} in `{excerpt}`")


def tex_to_mathml(tex: str, display: bool, annotation: str = "") -> str:
    """TeX → one `<math>` element (semantics + the TeX, or `annotation`, kept); MathMLError if impossible."""
    if len(tex) > MAX_TEX:
        raise MathMLError(f"TeX too long for MathML ({len(tex)} characters, limit {MAX_TEX})")
    source = _clean(tex)
    mode = "block" if display else "inline"
    try:
        root = convert_to_element(_prepare(source), display=mode)
        body = "".join(_serialise(child) for child in root)
    except MathMLError:
        raise
    except Exception as error:  # latex2mathml raises IndexError, StopIteration, its own…
        raise _failure(error, source) from error
    body = body if len(root) == 1 else f"<mrow>{body}</mrow>"
    kept = _clean(annotation) if annotation else source
    markup = f'<math xmlns="{MATHML_NS}" display="{mode}"><semantics>{body}'
    markup += f'<annotation encoding="application/x-tex">{html.escape(kept, quote=False)}'
    markup += "</annotation></semantics></math>"
    try:
        ElementTree.fromstring(markup)
    except ElementTree.ParseError as error:  # cannot happen by construction; checked anyway
        raise MathMLError(f"ill-formed MathML produced ({error})") from error
    return markup


@functools.lru_cache(maxsize=1 << 15)  # by TeX: a build converts each distinct formula once
def convert_or_none(tex: str, display: bool, annotation: str = "") -> tuple[str, str | None]:
    """(markup, None) on success, else (readable `<code>` fallback of the TeX as written, the error message)."""
    try:
        return tex_to_mathml(tex, display, annotation), None
    except MathMLError as error:
        return fallback(annotation or tex), str(error)


def convert_item(item: tuple[str, bool, str]) -> tuple[str, str | None]:
    """convert_or_none of one (TeX, display, annotation), for worker processes."""
    return convert_or_none(*item)


def fallback(tex: str) -> str:
    """TeX that cannot become MathML, shown as code."""
    return f'<code class="math-tex">{html.escape(_clean(tex), quote=False)}</code>'


def mathml_markup(tex: str, display: bool) -> str:
    """The `<math>` element for TeX, or `<code class="math-tex">TEX</code>` when it fails."""
    return convert_or_none(tex, display)[0]
