"""Markup stage: theorem-like blocks and references to them, in protected Markdown → HTML elements.

Writers use pandoc's fenced divs (`::: {.theorem #thm-main title="Cauchy"}` … `:::`, Quarto's
`::: {#thm-main}`) or LaTeX's `\\begin{theorem}[Cauchy]\\label{thm:main}` … `\\end{theorem}`, and
refer to them with `@thm-main` (Quarto), `\\ref{thm:main}` (the number) or `\\cref{thm:main}`.

This runs on text whose math is already protected (math.spans), so `\\begin{align}` and any
TeX are tokens here and never read as a theorem. Numbers are given per post in page order by
one counter shared by the numbered kinds (amsthm's common `\\newtheorem{lemma}[theorem]{Lemma}`
setup); site.yml's `theorems:` can give a kind its own counter, unnumber it or add kinds.

Two parts: `claim_references` reads the raw body before protection (labels, references that
name no label, with their file positions; `\\ref{}` to a theorem is taken from MathJax), and
`TheoremExtension` (a block processor, an inline pattern and a tree processor) builds the HTML.
"""

from __future__ import annotations

import bisect
import functools
import re
import xml.etree.ElementTree as etree
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple

import markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .errors import Diagnostic, LineStarts, warning
from .math.spans import MathSpan, Protected


class Kind(NamedTuple):
    """One theorem-like kind (a tuple: RenderInput fields are part of the JSON cache key)."""

    key: str  # what the writer types: `.theorem`, `\begin{theorem}`
    name: str  # what the reader sees: "Theorem"
    counter: str  # kinds with the same counter share the numbers
    numbered: bool
    style: str  # plain: italic body; definition, remark: upright; proof: "Proof." and ∎
    prefix: str  # Quarto's id prefix: `#thm-main` is a theorem, `@thm-main` refers to it ("" for none)


DEFAULT_KINDS: tuple[Kind, ...] = (
    Kind("theorem", "Theorem", "theorem", True, "plain", "thm"),
    Kind("lemma", "Lemma", "theorem", True, "plain", "lem"),
    Kind("proposition", "Proposition", "theorem", True, "plain", "prp"),
    Kind("corollary", "Corollary", "theorem", True, "plain", "cor"),
    Kind("definition", "Definition", "theorem", True, "definition", "def"),
    Kind("example", "Example", "theorem", True, "definition", "exm"),
    Kind("remark", "Remark", "theorem", True, "remark", "rem"),
    Kind("proof", "Proof", "proof", False, "proof", ""),
)
# Quarto's prefixes for kinds a site may add; pandoc's other cross-reference prefixes (no theorem
# carries them, but `@eq-x` is a cross-reference, not a citation).
QUARTO_PREFIXES = {"conjecture": "cnj", "exercise": "exr", "solution": "sol"}
OTHER_PREFIXES = ("eq", "fig", "tbl", "sec", "lst")


def site_kinds(declared: Mapping[str, Mapping[str, Any]]) -> tuple[Kind, ...]:
    """The built-in kinds with site.yml's `theorems:` applied (validated by config: name, counter, numbered, …)."""
    kinds = {kind.key: kind for kind in DEFAULT_KINDS}
    for key, fields in sorted(declared.items()):
        base = kinds.get(key) or Kind(key, key.capitalize(), "theorem", True, "plain", QUARTO_PREFIXES.get(key, ""))
        kinds[key] = base._replace(**{name: fields[name] for name in Kind._fields if name in fields})
    return tuple(kinds.values())


def cross_reference_prefixes(kinds: Sequence[Kind] = DEFAULT_KINDS) -> frozenset[str]:
    """The `@prefix-…` keys that are cross-references (pandoc's rule); every other `@key` is a citation."""
    return frozenset(kind.prefix for kind in kinds if kind.prefix) | frozenset(OTHER_PREFIXES)


def is_cross_reference(key: str, kinds: Sequence[Kind] = DEFAULT_KINDS) -> bool:
    """Whether `@key` names a theorem, equation, figure, … rather than a citation (`thm-main`: yes)."""
    return key.split("-", 1)[0] in cross_reference_prefixes(kinds) and "-" in key


# -- openers and closers ---------------------------------------------------------------------------

FENCE_OPEN = re.compile(r"^[ \t]{0,3}:{3,}[ \t]*(?:\{([^{}\n]*)\}|([A-Za-z][\w-]*))[ \t]*:*[ \t]*$")
FENCE_CLOSE = re.compile(r"^[ \t]{0,3}:{3,}[ \t]*$")
LATEX_OPEN = re.compile(
    r"^[ \t]{0,3}\\begin\{([A-Za-z]+)(\*?)\}(?:\[([^\]\n]*)\])?[ \t]*(?:\\label\{([^{}\n]+)\})?[ \t]*(.*)$"
)
LABEL_FIRST = re.compile(r"^[ \t]*\\label\{([^{}\n]+)\}[ \t]*")
HEADING_TITLE = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$")  # Quarto's older form: the div's first heading
ATTRIBUTE = re.compile(r"""\.([\w-]+)|#([^\s{}]+)|([\w-]+)=(?:"([^"]*)"|'([^']*)'|(\S+))""")


class Opener(NamedTuple):
    """What a theorem's opening line says."""

    kind: Kind
    label: str  # as written: `thm-main` or `thm:main` ("" when none)
    title: str
    rest: str  # text after a LaTeX opener on its line (the body's start)
    env: str = ""  # the LaTeX environment as written (`theorem*`); "" for a fenced div
    numbered: bool = True  # False for `theorem*` and `{.theorem .unnumbered}`

    @property
    def latex(self) -> bool:
        """Whether `\\end{env}` closes it (else a `:::` line)."""
        return bool(self.env)


def read_opener(line: str, kinds: Sequence[Kind]) -> Opener | None:
    """The theorem a line opens, or None (another div, a math environment, text)."""
    latex = LATEX_OPEN.match(line)
    if latex:
        kind = _kind(kinds, latex[1])
        env = latex[1] + latex[2]
        return Opener(kind, latex[4] or "", latex[3] or "", latex[5], env, not latex[2]) if kind else None
    fence = FENCE_OPEN.match(line)
    if not fence:
        return None
    if fence[2]:
        kind = _kind(kinds, fence[2])
        return Opener(kind, "", "", "") if kind else None
    classes, ident, values = _attributes(fence[1])
    by_class = next((k for name in classes if (k := _kind(kinds, name))), None)
    by_prefix = next((k for k in kinds if k.prefix and ident.startswith(k.prefix + "-")), None)
    kind = by_class or by_prefix
    if kind is None:
        return None
    title = values.get("title", values.get("name", ""))
    return Opener(kind, ident, title, "", numbered="unnumbered" not in classes)


def _kind(kinds: Sequence[Kind], key: str) -> Kind | None:
    return next((kind for kind in kinds if kind.key == key), None)


def _attributes(text: str) -> tuple[list[str], str, dict[str, str]]:
    """Pandoc's attributes `{.class #id key="value"}` → classes, id, values."""
    classes, ident, values = [], "", {}
    for match in ATTRIBUTE.finditer(text):
        if match[1]:
            classes.append(match[1])
        elif match[2]:
            ident = ident or match[2]
        else:
            values[match[3]] = next(v for v in (match[4], match[5], match[6]) if v is not None)
    return classes, ident, values


def closes(line: str, opener: Opener) -> tuple[int, int] | None:
    """Where on a line the closer of `opener`'s kind is: (start, end) of `\\end{kind}` or of `:::`."""
    if opener.latex:
        found = line.find(f"\\end{{{opener.env}}}")
        return (found, found + len(opener.env) + 6) if found >= 0 else None
    return (0, len(line)) if FENCE_CLOSE.match(line) else None


def opens_same(line: str, opener: Opener) -> bool:
    """Whether a line opens a block that the next closer of opener's sort closes (nesting)."""
    if opener.latex:
        return f"\\begin{{{opener.env}}}" in line
    return bool(FENCE_OPEN.match(line))


def element_id(label: str) -> str:
    """The HTML id of a label (`thm:main` stays, spaces become `-`)."""
    return re.sub(r"\s+", "-", label.strip())


# -- before protection: labels and references, with file positions -------------------------------

CONTAINER = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?[ \t]*")
QUARTO_REF = r"-?@({prefixes})-(\w+(?:[-:.]\w+)*)"
TEX_REF = re.compile(r"\\([cC]ref|Ref)\{([^{}\n]+)\}")
MATHJAX_REF = re.compile(r"\\ref\{([^{}\n]+)\}")  # math.spans makes a span of `\ref{…}` in prose


@functools.lru_cache(maxsize=8)
def quarto_reference(kinds: tuple[Kind, ...]) -> re.Pattern[str]:
    """`@thm-main`, `-@thm-main` and `[@thm-a; @lem-b]`, for the kinds' prefixes (and pandoc's others).

    Not inside a word, an e-mail address or a URL (`https://host/@thm-x`)."""
    one = QUARTO_REF.format(prefixes="|".join(sorted(cross_reference_prefixes(kinds))))
    return re.compile(rf"(?<![\w@\\/.:#=?&%+~-])(?:\[({one}(?:[ \t]*;[ \t]*{one})*)\]|({one}))")


@functools.lru_cache(maxsize=8)
def reference_trigger(kinds: tuple[Kind, ...]) -> re.Pattern[str]:
    """What every reference holds (`@thm-`, `\\cref{`): a quick search, where the full pattern is slow."""
    prefixes = "|".join(sorted(cross_reference_prefixes(kinds)))
    return re.compile(rf"@(?:{prefixes})-|\\(?:[cC]ref|Ref)\{{")


def claim_references(
    body: str, protected: Protected, source: str, first_line: int, kinds: Sequence[Kind] = DEFAULT_KINDS
) -> tuple[Protected, list[Diagnostic]]:
    """The protected body with `\\ref{theorem label}` taken back from MathJax; warnings for labels no theorem has.

    math.spans makes a span of every `\\ref{x}` in prose, for MathJax's equation numbers; one whose
    x is a theorem's becomes the text `\\Ref{x}` for ReferencePattern (math.equations warns about
    the other unknown ones). `body` is the text `protected` was made from (positions are its)."""
    kinds = tuple(kinds)
    openers = ":::" in body or "\\begin{" in body
    if not openers and not reference_trigger(kinds).search(body):
        return protected, []
    lines = LineStarts.of(body, first_line)
    labels, notes = _labels(body, protected.code, lines, source, kinds)
    skipped = sorted(protected.code + protected.regions)
    notes += _unknown(body, skipped, labels, lines, source, kinds)
    return _without_spans(protected, _theorem_refs(protected.spans, labels)), notes


def _theorem_refs(spans: Sequence[MathSpan], labels: set[str]) -> dict[int, str]:
    """The spans that are a `\\ref{x}` in prose to a theorem's label x: index → `\\Ref{x}`."""
    found = {}
    for index, span in enumerate(spans):
        match = MATHJAX_REF.fullmatch(span.tex) if span.delimiter == "\\eqref" else None
        if match and match[1].strip() in labels:
            found[index] = "\\Ref" + span.tex[4:]
    return found


def _without_spans(protected: Protected, texts: Mapping[int, str]) -> Protected:
    """Protected with some spans put back as text (`texts`: index → text) and the other tokens renumbered."""
    if not texts:
        return protected
    kept = [index for index in range(len(protected.spans)) if index not in texts]
    new = {old: number for number, old in enumerate(kept)}
    prefix = protected.token_prefix

    def token(match: re.Match[str]) -> str:
        old = int(match[1])
        return texts[old] if old in texts else f"{prefix}{new[old]}q"

    text = re.sub(rf"{re.escape(prefix)}(\d+)q", token, protected.text)
    regions = tuple(protected.regions[i] for i in kept if i < len(protected.regions))
    spans = tuple(protected.spans[i] for i in kept)
    return replace(protected, text=text, spans=spans, regions=regions)


def _labels(
    body: str, code: Sequence[tuple[int, int]], lines: LineStarts, source: str, kinds: Sequence[Kind]
) -> tuple[set[str], list[Diagnostic]]:
    """Every theorem label the body defines (outside code); warnings for a label used twice, a theorem never closed."""
    seen: dict[str, int] = {}
    notes: list[Diagnostic] = []
    open_: list[tuple[Opener | None, int, int]] = []  # the blocks open: theorem (None: another div), line, column
    texts = body.split("\n")
    for index, line in enumerate(texts):
        if not ("\\begin{" in line or "\\end{" in line or ":::" in line) or _inside(lines.starts[index], code):
            continue
        lead = CONTAINER.match(line)
        column = lead.end() if lead else 0
        number = index + lines.first_line
        opener = read_opener(line[column:], kinds)
        if opener or FENCE_OPEN.match(line[column:]):
            open_.append((opener, number, column + 1))
        _close(open_, opener.rest if opener else line[column:])
        label = opener.label if opener else ""
        if opener and not label and opener.latex and index + 1 < len(texts):
            following = LABEL_FIRST.match(CONTAINER.sub("", texts[index + 1], count=1))
            label = following[1] if following else ""
        label = label.strip()
        if label in seen:
            where = f"line {seen[label]}"
            notes.append(warning(source, number, column + 1, f"label `{label}` is already used at {where}"))
        if label:
            seen.setdefault(label, number)
    notes += [warning(source, line, col, _unclosed(opener)) for opener, line, col in open_ if opener]
    return set(seen), notes


def _close(open_: list[tuple[Opener | None, int, int]], text: str) -> None:
    """Take off open_ what a line's closers (`:::`, `\\end{kind}`) close."""
    for match in re.finditer(r"\\end\{([A-Za-z]+\*?)\}|^[ \t]{0,3}:{3,}[ \t]*$", text):
        for place in range(len(open_) - 1, -1, -1):
            opener = open_[place][0]
            if match[1] is None and (opener is None or not opener.latex):  # `:::` closes the innermost div
                del open_[place]
                break
            if opener is not None and opener.env == match[1]:
                del open_[place]
                break


def _unclosed(opener: Opener) -> str:
    closer = f"`\\end{{{opener.env}}}`" if opener.latex else "a `:::` line"
    return f"this {opener.kind.name.lower()} is never closed by {closer}; it runs to the end of its block"


def _unknown(
    body: str,
    skipped: Sequence[tuple[int, int]],
    labels: set[str],
    lines: LineStarts,
    source: str,
    kinds: Sequence[Kind],
) -> list[Diagnostic]:
    """A warning at each reference in prose to a label no theorem of the post has."""
    found = [(m.start(), _quarto_labels(m.group())) for m in quarto_reference(tuple(kinds)).finditer(body)]
    found += [(m.start(), _tex_labels(m[2])) for m in TEX_REF.finditer(body)]
    notes = []
    for start, names in sorted(found):
        if _inside(start, skipped):
            continue
        for name in names:
            if name not in labels:
                line, col = lines.position(start)
                notes.append(warning(source, line, col, _unknown_message(name)))
    return notes


def _unknown_message(label: str) -> str:
    hint = " (equations are referred to with \\eqref{…})" if label.startswith(("eq-", "eq:")) else ""
    return f"reference to `{label}`: no theorem in this post has that label{hint}"


def _quarto_labels(text: str) -> list[str]:
    return [m[0].lstrip("-@") for m in re.finditer(r"-?@[\w:.-]*\w", text)]


def _tex_labels(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _inside(offset: int, regions: Sequence[tuple[int, int]]) -> bool:
    """Whether offset lies in one of regions (sorted, not overlapping)."""
    index = bisect.bisect_right(regions, offset, key=lambda region: region[0]) - 1
    return index >= 0 and regions[index][0] <= offset < regions[index][1]


# -- Python-Markdown -------------------------------------------------------------------------------

DISPLAY_ALONE = re.compile(r"\s*mpxq\d+z\d+q\s*")  # a paragraph of one math token (math.spans.choose_prefix)


class TheoremBlockProcessor(BlockProcessor):
    """A theorem's lines, up to its closer across blank lines, → `<div class="theorem-env …">`.

    A list item hands its indented blocks over one at a time: a theorem still open at the end of
    one is marked open, and the item's next blocks go into it until its closer."""

    def __init__(self, parser: Any, kinds: Sequence[Kind]) -> None:
        super().__init__(parser)
        self.kinds = kinds

    def test(self, parent: etree.Element, block: str) -> bool:
        return self._opening(block.split("\n")) is not None

    def _opening(self, lines: list[str]) -> tuple[int, Opener] | None:
        for index, line in enumerate(lines):
            opener = read_opener(line, self.kinds) if ("\\begin{" in line or ":::" in line) else None
            if opener:
                return index, opener
        return None

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        lines = blocks.pop(0).split("\n")
        div = _open_theorem(parent)
        if div is not None:
            kind = next(k for k in self.kinds if k.key == div.get("data-theorem-kind"))
            self._fill(div, Opener(kind, "", "", "", div.get("data-theorem-open", "")), lines, blocks)
            return
        found = self._opening(lines)
        assert found is not None
        index, opener = found
        if index:
            self.parser.parseBlocks(parent, ["\n".join(lines[:index])])
        body = [opener.rest, *lines[index + 1 :]] if opener.rest.strip() else lines[index + 1 :]
        if parent.tag == "li" and all(line.startswith(" " * self.tab_length) for line in body if line.strip()):
            body = [line[self.tab_length :] for line in body]  # `- ::: theorem` then the item's indented lines
        label, title = opener.label, opener.title
        if opener.latex and not label and body and (first := LABEL_FIRST.match(body[0])):
            label, body[0] = first[1].strip(), body[0][first.end() :]
        if not opener.latex and not title and body and (heading := HEADING_TITLE.match(body[0])):
            title, body = heading[1], body[1:]
        div = _theorem_div(parent, opener.kind, label)
        if not opener.numbered:
            div.set("data-theorem-unnumbered", "")
        self._fill(div, opener, body, blocks)
        _add_head(div, opener.kind, title)

    def _fill(self, div: etree.Element, opener: Opener, lines: list[str], blocks: list[str]) -> None:
        """Parse the theorem's lines (and blocks up to its closer) into div; what follows the closer is left."""
        body, rest, closed = _body(lines, blocks, opener)
        self.parser.state.set("theorem")  # not a tight list's item: paragraphs inside are <p>
        self.parser.parseChunk(div, "\n".join(body))
        self.parser.state.reset()
        if closed:
            div.attrib.pop("data-theorem-open", None)
        else:
            div.set("data-theorem-open", opener.env)  # "" for a fenced div
        if rest.strip():
            blocks.insert(0, rest)


class ContinuationProcessor(TheoremBlockProcessor):
    """A block after a theorem its container left open (a list item's next indented block) goes into it.

    Before indented code: the block keeps the indentation of the theorem's lines in the item."""

    def test(self, parent: etree.Element, block: str) -> bool:
        return _open_theorem(parent) is not None


def _theorem_div(parent: etree.Element, kind: Kind, label: str) -> etree.Element:
    """The theorem's element; its kind and label stay as attributes until it is numbered."""
    div = etree.SubElement(parent, "div", {"class": f"theorem-env {kind.key} {kind.style}-style"})
    if label:
        div.set("id", element_id(label))
        div.set("data-theorem-label", label.strip())
    div.set("data-theorem-kind", kind.key)
    return div


def _open_theorem(parent: etree.Element) -> etree.Element | None:
    """The innermost theorem still open at the end of parent (a list item's, waiting for its next block)."""
    found = None
    node = parent
    while len(node) and node[-1].tag == "div" and "data-theorem-open" in node[-1].attrib:
        found = node = node[-1]
    return found


def _body(lines: list[str], blocks: list[str], opener: Opener) -> tuple[list[str], str, bool]:
    """The theorem's body lines (taking blocks as needed), what follows its closer, and whether it closed."""
    depth = 0
    body: list[str] = []
    while True:
        for index, line in enumerate(lines):
            end = closes(line, opener)
            if end and depth == 0:
                body += [line[: end[0]].rstrip()] if line[: end[0]].strip() else []
                return body, "\n".join([line[end[1] :], *lines[index + 1 :]]), True
            depth += 1 if opens_same(line, opener) else 0
            depth -= 1 if end else 0
            body.append(line)
        if not blocks:
            return body, "", False  # not closed yet: the theorem runs to the end of its container
        body.append("")
        lines = blocks.pop(0).split("\n")


def _add_head(div: etree.Element, kind: Kind, title: str) -> None:
    """The head, "Theorem (Cauchy).", at the start of the first paragraph (its number comes in page order, later)."""
    head = etree.Element("span", {"class": "theorem-head"})
    mark = etree.SubElement(head, "em" if kind.style in ("remark", "proof") else "strong")
    if kind.style == "proof":
        mark.text = f"{title.strip() or kind.name}."
    elif title.strip():
        mark.text, mark.tail = kind.name, f" ({title.strip()})."
    else:
        mark.text = f"{kind.name}."
    first = div[0] if len(div) else None
    if first is not None and first.tag == "p" and not _display_alone(first):
        head.tail = " " + (first.text or "")
        first.text = ""
        first.insert(0, head)
    else:
        paragraph = etree.Element("p")
        paragraph.append(head)
        div.insert(0, paragraph)


def _add_qed(div: etree.Element) -> None:
    """∎ at the end of the proof's last paragraph, or on a line of its own after a display or a list."""
    last = div[-1] if len(div) else None
    if last is None or last.tag != "p" or _display_alone(last):
        last = etree.SubElement(div, "p", {"class": "qed-line"})
    elif len(last):
        last[-1].tail = (last[-1].tail or "").rstrip() + " "
    else:
        last.text = (last.text or "").rstrip() + " "
    qed = etree.SubElement(last, "span", {"class": "qed", "title": "End of proof"})
    qed.text = "∎"


def _display_alone(paragraph: etree.Element) -> bool:
    return not len(paragraph) and bool(DISPLAY_ALONE.fullmatch(paragraph.text or ""))


class ReferencePattern(InlineProcessor):
    """`@thm-main`, `[@thm-main]`, `-@thm-main`, `\\cref{…}`, `\\Cref{…}`, `\\Ref{…}` → a link filled in later."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[etree.Element, int, int]:  # type: ignore[override]
        text = m.group()
        if text.startswith("\\"):
            tex = TEX_REF.match(text)
            assert tex
            labels, form = _tex_labels(tex[2]), "number" if tex[1] == "Ref" else "name"
        else:
            labels = _quarto_labels(text)
            form = "number" if text.lstrip("[").startswith("-") else "name"
        link = etree.Element("a", {"class": "theorem-ref", "data-ref": "\n".join(labels), "data-form": form})
        link.text = AtomicString(text.replace("\\Ref{", "\\ref{"))
        return link, m.start(), m.end()


class NumberingTreeprocessor(Treeprocessor):
    """Numbers theorems in page order, then fills each reference with "Theorem 2" and its link."""

    def __init__(self, md: markdown.Markdown, kinds: Sequence[Kind]) -> None:
        super().__init__(md)
        self.kinds = {kind.key: kind for kind in kinds}

    def run(self, root: etree.Element) -> None:
        targets: dict[str, tuple[str, str, str]] = {}  # label → (name, number, id)
        counters: dict[str, int] = {}
        for div in root.iter("div"):
            key = div.attrib.pop("data-theorem-kind", None)
            if key is None:
                continue
            kind = self.kinds[key]
            div.attrib.pop("data-theorem-open", None)
            if kind.style == "proof":
                _add_qed(div)
            numbered = div.attrib.pop("data-theorem-unnumbered", None) is None and kind.numbered
            number = _number(div, kind, counters) if numbered else ""
            label = div.attrib.pop("data-theorem-label", "")
            if label and label not in targets:
                targets[label] = (kind.name, number, div.get("id", ""))
        for link in root.iter("a"):
            if "data-ref" in link.attrib:
                _fill(link, targets)


def _number(div: etree.Element, kind: Kind, counters: dict[str, int]) -> str:
    """Count the theorem on its kind's counter and put the number into its head ("Theorem" → "Theorem 2")."""
    counters[kind.counter] = counters.get(kind.counter, 0) + 1
    number = str(counters[kind.counter])
    head = div.find("./p/span[@class='theorem-head']")
    if head is not None and len(head):
        written = head[0].text or ""
        head[0].text = f"{written[: len(kind.name)]} {number}{written[len(kind.name) :]}"
    return number


def _fill(link: etree.Element, targets: Mapping[str, tuple[str, str, str]]) -> None:
    """One reference: "Theorem 2" (or "2") linked to its theorem; as written if the label is unknown."""
    labels = link.attrib.pop("data-ref").split("\n")
    form = link.attrib.pop("data-form")
    found = [targets[label] for label in labels if label in targets]
    if len(found) != len(labels):
        link.tag = "span"
        link.set("class", "theorem-ref unknown")
        return
    words = [number if form == "number" and number else f"{name} {number}".strip() for name, number, _ in found]
    link.text = AtomicString(", ".join(words))
    link.set("href", f"#{found[0][2]}")


class TheoremExtension(Extension):
    """Theorem-like blocks and references to them (see the module docstring)."""

    def __init__(self, kinds: Sequence[Kind] = DEFAULT_KINDS) -> None:
        super().__init__()
        self.kinds = tuple(kinds)

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Register the block processor after indented code, the pattern before links, numbering after inline."""
        md.parser.blockprocessors.register(TheoremBlockProcessor(md.parser, self.kinds), "theorem", 78)
        md.parser.blockprocessors.register(ContinuationProcessor(md.parser, self.kinds), "theorem_more", 86)
        tex = TEX_REF.pattern
        pattern = f"(?:{quarto_reference(self.kinds).pattern})|{tex}"
        md.inlinePatterns.register(ReferencePattern(pattern, md), "theorem_ref", 171)
        md.treeprocessors.register(NumberingTreeprocessor(md, self.kinds), "theorem_numbers", 18)
