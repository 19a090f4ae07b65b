"""MathML: MathJax's MathML (math.engine) → safe, well-formed MathML for pages and feeds.

MathJax serialises its internal MathML with its own attributes (`data-latex` on every node,
`href` for `\\eqref`, `class`, `data-mjx-*`) and with `mlabeledtr` rows for equation numbers,
which MathML Core (Chromium, Firefox) does not render. We parse it and write it again from
the tree, never patching strings:

* elements: only `ELEMENTS` (MathML Core presentation elements); an `mlabeledtr` becomes an
  `mtr` with its number last; anything else makes the formula fall back to its TeX as code.
  Token elements (mi mn mo ms mtext) keep text only.
* attributes: only `ATTRIBUTES`, and only values made of `[A-Za-z0-9#.%+- ]` (so no
  `javascript:`, `data:`, `url(`, quotes or entities can survive); the rest is dropped.
* text: characters XML forbids become U+FFFD, then `& < >` are escaped.

The result is `<math display=…><semantics>CONTENT<annotation encoding="application/x-tex">`
holding the TeX as written.
"""

from __future__ import annotations

import functools
import html
import re
from xml.etree import ElementTree

__all__ = ["clean_mathml", "fallback"]

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
TOKENS = frozenset({"mi", "mn", "mo", "ms", "mtext"})
# Not here: math/semantics/annotation (we write those), annotation-xml (an HTML integration
# point), maction (legacy interaction), mfenced/mglyph/mstack… (not MathML Core);
# mlabeledtr becomes mtr.
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
PLAIN_TEXT = re.compile(r"[\x20-\x25\x27-\x3b=\x3f-\x7e]*")  # printable ASCII but & < >: nothing to do


def _clean(tex: str) -> str:
    """Newlines normalised to LF, characters XML 1.0 forbids (and C1 controls) → U+FFFD."""
    return NOT_XML.sub("\ufffd", tex.replace("\r\n", "\n").replace("\r", "\n"))


def _text(raw: str | None) -> str:
    """Text as escaped XML/HTML text."""
    if not raw or PLAIN_TEXT.fullmatch(raw):
        return raw or ""
    return html.escape(_clean(raw), quote=False)


def _attributes(node: ElementTree.Element) -> str:
    """The allow-listed attributes with safe values, serialised; the rest dropped."""
    return "".join(
        f' {name}="{html.escape(value)}"'
        for name, value in node.attrib.items()
        if name in ATTRIBUTES and SAFE_VALUE.fullmatch(value)
    )


def _local(tag: str) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _ink(text: str | None) -> str:
    """Text between elements, without MathJax's indentation."""
    return text if text and text.strip() else ""


def _serialise(node: ElementTree.Element) -> str:
    """One allow-listed element and its subtree as XML that HTML5 parses the same way."""
    tag = _local(node.tag)
    children = list(node)
    if tag == "mlabeledtr":  # the number first in MathJax's tree; MathML Core has no labelled rows
        tag, children = "mtr", [*children[1:], *children[:1]]
    if tag not in ELEMENTS:
        raise ValueError(f"unsupported MathML element <{tag}>")
    if tag in TOKENS:
        inner = _text("".join(node.itertext()))
    else:
        inner = _text(_ink(node.text)) + "".join(_serialise(c) + _text(_ink(c.tail)) for c in children)
    return f"<{tag}{_attributes(node)}>{inner}</{tag}>"


@functools.lru_cache(maxsize=4096)  # a blog writes $x$, $n$, $\mathbb{R}$ again and again: clean each once
def clean_mathml(mathml: str, tex: str, display: bool) -> str:
    """MathJax's `<math>` as safe MathML with the TeX as annotation; "" when it cannot be made safe."""
    try:
        root = ElementTree.fromstring(NOT_XML.sub("", mathml))  # MathJax keeps control characters it drops
        body = "".join(_serialise(child) for child in root)
    except (ElementTree.ParseError, ValueError, RecursionError):
        return ""
    body = body if len(root) == 1 else f"<mrow>{body}</mrow>"
    mode = "block" if display else "inline"
    markup = f'<math xmlns="{MATHML_NS}" display="{mode}"><semantics>{body}'
    markup += f'<annotation encoding="application/x-tex">{html.escape(_clean(tex), quote=False)}'
    return markup + "</annotation></semantics></math>"


def fallback(tex: str) -> str:
    """TeX that cannot become MathML, shown as code."""
    return f'<code class="math-tex">{html.escape(_clean(tex), quote=False)}</code>'
