"""Math stage: Markdown text → text with math spans replaced by placeholders, and back after Markdown.

Math never reaches the Markdown parser. The scanner walks the text once, skipping code
(fences, indented blocks, code spans), HTML comments, tag markup and script/style/pre
elements, and recognises, with kramdown's meaning where kramdown had one:

    $$…$$ standing alone as a block      display  (kramdown math block)
    $$…$$ inside a line, \\$$…$$         inline   (kramdown span math)
    $…$                                  inline   (pandoc's rules: no space inside, $5 is money;
                                                   or MathJax's pairing, or not math: math.dollars)
    \\(…\\)  \\[…\\]                     inline / display, kramdown escapes applied
    \\(…\\)  \\[…\\] written singly      inline / display
    &#92;(…&#92;) &bsol;[…&bsol;]        inline / display (the browser makes backslashes of them)
    \\begin{equation|align|…}…\\end{…}   display, no delimiter needed
    \\eqref{…} \\ref{…} in prose            inline, so MathJax links it to its \\label
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import Diagnostic, LineStarts, warning

MATH_ENVIRONMENTS = frozenset(
    f"{name}{star}"
    for name in ("equation", "align", "eqnarray", "gather", "multline", "alignat", "flalign")
    for star in ("", "*")
)
# kramdown's backslash escapes (parser/kramdown/escaped_chars.rb).
KRAMDOWN_ESCAPE = re.compile(r"\\([\\.*_+`<>()\[\]{}#!:|\"'$=-])")
KRAMDOWN_ERA = re.compile(r"(?<!\\)(?:\\\\)*\\\\\\[ \t]*$|\\_", re.M)
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
LIST_ITEM = re.compile(r"^[ \t]{0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
ANY_LIST_ITEM = re.compile(r"^([ \t]*)(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")  # nested items too
HEADING = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
# A theorem's opening or closing line (mathpress.theorems) ends a block, as a heading does: `$$` after it is display.
THEOREM_FENCE = re.compile(
    r"^[ \t]{0,3}(?::{3,}.*|\\(?:begin|end)\{(?!(?:equation|align|eqnarray|gather|multline|alignat|flalign)\b)"
    r"[A-Za-z]+\*?\}(?:\[[^\]\n]*\])?(?:\\label\{[^{}\n]*\})?[ \t]*)$"
)
QUOTE_LEAD = re.compile(r"(?:[ \t]*>)+[ \t]*(?:(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$))?")
ITEM_CONTENT = re.compile(r"( *)(?:[-+*]|\d{1,9}[.)]) +(?=\S)")  # a list item's line, up to its content
# What a line holds before its paragraph text: quote markers, indentation, a list marker.
CONTAINER_LEAD = re.compile(r"(?:[ \t]*>)*[ \t]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?")
HTML_BLOCK_START = re.compile(r"^[ \t]{0,3}<([A-Za-z][A-Za-z0-9-]*)")
SKIPPED_ELEMENTS = ("script", "style", "pre", "code", "textarea", "math", "svg")
REFERENCE = re.compile(r"\\(?:eq)?ref\{[^{}\n]{1,200}\}")
BLANK_LINE = re.compile(r"\n(?=([ \t]*\n))")
BACKTICKS = re.compile("`+")
TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
BEGIN = re.compile(r"\\begin\{([A-Za-z]+\*?)\}")
BACKSLASH = r"(?:\\|&(?:#0*92|#[xX]0*5[cC]|bsol);)"  # a backslash, or an entity the browser makes one of
ENTITY_OPENER = re.compile(r"&(?:#0*92|#[xX]0*5[cC]|bsol);([(\[])")
ENTITY_CLOSER = {False: re.compile(BACKSLASH + r"\)"), True: re.compile(BACKSLASH + r"\]")}
MATH_LOADER = re.compile(r"mathjax|katex", re.I)
TEXY = re.compile(r"[\\^_=+{}<>|*/]|\d")
# MathJax's end pattern for `$`: the delimiter, a control sequence (skipped), a brace (counted); and
# what ends the text MathJax searches on Jekyll's page (an HTML tag, a code span, kramdown's `$$`).
MATHJAX_END = re.compile(r"\$\$?|\\(?:[a-zA-Z]|.)|[{}`]|<(?=/?[A-Za-z!])")
# A tag as kramdown's HTML parser takes one (attributes name="value", name=value or name): `a<b$ … $c>d`
# is text there, so MathJax saw the dollars.
# Math an earlier render marked for MathJax (what mathjax_markup writes), met again in a page's text
MARKED_MATH = re.compile(
    r'<(?P<el>span|div) class="math (?P<kind>inline|display)">\\[(\[](?P<tex>(?:(?!</?(?P=el)\b).)*?)\\[)\]]</(?P=el)>',
    re.S,
)
STRICT_TAG = re.compile(
    r"<!--|</?[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][-\w:.]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'=<>`]+))?)*\s*/?>"
)
# Backslashes written for kramdown inside `$…$` (`\\lambda`, `\\{`, `\_`, `\|`): kramdown removed one
# before MathJax saw the TeX, so its escapes apply to such a span.
KRAMDOWN_WRITTEN = re.compile(r"(?<!\\)\\\\[A-Za-z{}|]|(?<!\\)(?:\\\\)*\\[_|*]")


@dataclass(frozen=True)
class MathSpan:
    """One piece of math: its TeX, display or inline, and where it starts in the file."""

    tex: str
    display: bool
    line: int
    col: int
    delimiter: str
    tex_line: int = 0  # where the TeX itself starts (after the delimiter and spaces)
    tex_col: int = 0
    mathml: str = ""  # MathJax's MathML, made safe (math.typeset, math.mathml)
    svg: str = ""  # MathJax's SVG with the MathML inside, for `render: build`


@dataclass(frozen=True)
class Protected:
    """Text with every math span replaced by a placeholder token."""

    text: str
    spans: tuple[MathSpan, ...]
    token_prefix: str
    diagnostics: tuple[Diagnostic, ...]
    code: tuple[tuple[int, int], ...] = ()  # where code blocks and closed code spans lie in the input
    regions: tuple[tuple[int, int], ...] = ()  # where each span lies in the input, delimiters included


def kramdown_unescape(tex: str) -> str:
    """What kramdown made of backslash escapes: `\\\\` → `\\`, `\\_` → `_`, `\\{` → `{`, …"""
    return KRAMDOWN_ESCAPE.sub(r"\1", tex)


def choose_prefix(text: str) -> str:
    """A placeholder prefix that the text does not already contain."""
    n = 0
    while f"mpxq{n}z" in text:
        n += 1
    return f"mpxq{n}z"


def protect(text: str, source: str = "", first_line: int = 1, dollars: str = "pandoc") -> Protected:
    """Replace every math span by a token that Markdown leaves alone (`$` pairing as `dollars` says)."""
    scanner = _Scanner(text, source, first_line, choose_prefix(text), dollars)
    scanner.run()
    out, spans, notes = "".join(scanner.out), tuple(scanner.spans), tuple(scanner.notes)
    return Protected(out, spans, scanner.prefix, notes, tuple(sorted(scanner.code)), tuple(scanner.regions))


def math_regions(text: str) -> tuple[tuple[int, int], ...]:
    """Where each math span lies in text: (start, end) offsets, delimiters included."""
    scanner = _Scanner(text, "", 1, choose_prefix(text))
    scanner.run()
    return tuple(scanner.regions)


def code_and_math(text: str, dollars: str = "pandoc") -> tuple[tuple[int, int], ...]:
    """Where code (blocks and closed spans) and math lie in Markdown text: (start, end) offsets, sorted."""
    scanner = _Scanner(text, "", 1, choose_prefix(text), dollars)
    scanner.run()
    return tuple(sorted(scanner.code + scanner.regions))


def inline_text(text: str) -> str:
    """The text Markdown's inline patterns see: code blocks, code spans and math left out."""
    scanner = _Scanner(text, "", 1, choose_prefix(text))
    scanner.run()
    cut = sorted(scanner.code + scanner.regions)
    pieces, pos = [], 0
    for start, end in cut:
        pieces.append(text[pos : max(pos, start)])
        pos = max(pos, end)
    return " ".join([*pieces, text[pos:]])


def _nesting(line: str, tag: str) -> int:
    """How many elements of this tag a line opens, less those it closes."""
    lower = line.lower()
    opened = len(re.findall(rf"<{tag}(?=[\s/>])", lower))
    return opened - lower.count(f"</{tag}>")


class _Scanner:
    """One left-to-right pass over Markdown text; code is copied, math is tokenised."""

    def __init__(self, text: str, source: str, first_line: int, prefix: str, dollars: str = "pandoc") -> None:
        self.text = text
        self.dollars = dollars
        self.source = source
        self.prefix = prefix
        self.out: list[str] = []
        self.spans: list[MathSpan] = []
        self.notes: list[Diagnostic] = []
        self.regions: list[tuple[int, int]] = []  # each span's (start, end) in text
        self.code: list[tuple[int, int]] = []  # each code block's and closed code span's (start, end)
        self.html_lines: set[int] = set()  # lines (from 0) of raw HTML blocks: the browser decodes entities there
        self.html_depth = 0  # how many of the raw HTML block's element are open (the same element nests)
        self.lines = LineStarts.of(text, first_line)
        # Every blank line as (start, end) of `\n[ \t]*\n`, found once: positions come from
        # bisecting these lists, never from counting from the start of the text for each span.
        blanks = [(m.start(), m.end() + len(m[1])) for m in BLANK_LINE.finditer(text)]
        self.blank_starts = [start for start, _ in blanks]
        self.blank_ends = [end for _, end in blanks]

    # -- block level -------------------------------------------------------------------------

    def run(self) -> None:
        """Split the text into code regions (copied) and text regions (scanned)."""
        lines = self.text.split("\n")
        index = 0
        start = 0  # first line of the pending text region
        in_list = False
        html_tag: str | None = None
        while index < len(lines):
            line = lines[index]
            code_end = self._code_block_end(lines, index, in_list, html_tag)
            if code_end is not None:
                self._scan_region(start, index)
                self._copy_lines(index, code_end)
                index = start = code_end
                continue
            if line.strip():
                in_list, html_tag = self._block_state(lines, index, in_list, html_tag)
                if html_tag is not None or (
                    HTML_BLOCK_START.match(line) and (index == 0 or not lines[index - 1].strip())
                ):
                    self.html_lines.add(index)
            index += 1
        self._scan_region(start, len(lines))

    def _block_state(
        self, lines: list[str], index: int, in_list: bool, html_tag: str | None
    ) -> tuple[bool, str | None]:
        """Track whether we are inside a list or a raw HTML block (no indented code there)."""
        line = lines[index]
        after_blank = index == 0 or not lines[index - 1].strip()
        if LIST_ITEM.match(line):
            in_list = True
        elif after_blank and not line[:1].isspace():
            in_list = False
        if html_tag is None and after_blank:
            match = HTML_BLOCK_START.match(line)
            if match:
                self.html_depth = _nesting(line, match[1].lower())
                html_tag = match[1].lower() if self.html_depth > 0 else None
        elif html_tag is not None:
            self.html_depth += _nesting(line, html_tag)
            if self.html_depth <= 0:  # the element's own end tag, past the same elements nested inside it
                html_tag = None
        return in_list, html_tag

    def _code_block_end(self, lines: list[str], index: int, in_list: bool, html_tag: str | None) -> int | None:
        """If a code block starts at this line, the index just past it."""
        line = lines[index]
        fence = FENCE.match(line)
        if fence:
            mark = fence[1]
            closing = re.compile(rf"^[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*$")
            for end in range(index + 1, len(lines)):
                if closing.match(lines[end]):
                    return end + 1
            return None  # never closed: text for kramdown and Python-Markdown alike
        indented = line.startswith(("    ", "\t")) and line.strip()
        after_blank = index == 0 or not lines[index - 1].strip()
        if indented and after_blank and not in_list and html_tag is None:
            end = index + 1
            while end < len(lines) and (lines[end].startswith(("    ", "\t")) or not lines[end].strip()):
                end += 1
            while end > index + 1 and not lines[end - 1].strip():
                end -= 1
            return end
        return None

    def _copy_lines(self, start: int, end: int) -> None:
        """Copy whole lines unchanged (code)."""
        begin = self.lines.starts[start]
        stop = self.lines.starts[end] if end < len(self.lines.starts) else len(self.text)
        self.out.append(self.text[begin:stop])
        self.code.append((begin, stop))

    # -- span level --------------------------------------------------------------------------

    def _scan_region(self, start_line: int, end_line: int) -> None:
        """Scan text lines [start_line, end_line) for math, code spans and HTML."""
        if start_line >= end_line:
            return
        begin = self.lines.starts[start_line]
        stop = self.lines.starts[end_line] if end_line < len(self.lines.starts) else len(self.text)
        pos = begin
        copied = begin
        special = re.compile(r"[`$\\<&]")
        while True:
            match = special.search(self.text, pos, stop)
            if not match:
                break
            at = match.start()
            result = self._at(at, begin, stop)
            if result is None:
                pos = at + 1
                continue
            end, replacement = result
            if replacement is not None:
                self.out.append(self.text[copied:at])
                self.out.append(replacement)
                copied = end
                if len(self.regions) < len(self.spans):
                    self.regions.append((at, end))
            pos = end
        self.out.append(self.text[copied:stop])

    def _at(self, at: int, begin: int, stop: int) -> tuple[int, str | None] | None:
        """Handle the construct starting at `at`: (end, replacement or None to copy as is)."""
        char = self.text[at]
        if char == "`":
            return self._code_span(at, stop)
        if char == "<":
            return self._html(at, stop)
        if char == "\\":
            return self._backslash(at, begin, stop)
        if char == "&":
            return self._entity(at, stop)
        return self._dollar(at, begin, stop)

    def _entity(self, at: int, stop: int) -> tuple[int, str] | None:
        """`&#92;(`…`&#92;)`: the browser decodes the entity, MathJax sees `\\(`, as on Jekyll's page."""
        opener = ENTITY_OPENER.match(self.text, at, stop)
        if not opener:
            return None
        display = opener[1] == "["
        closer = ENTITY_CLOSER[display]
        close = closer.search(self.text, opener.end(), self._paragraph_end(at, stop))
        if not close:
            return None
        inner = self.text[opener.end() : close.start()]
        tex = html.unescape(self._without_containers(at, inner)).strip()
        tex_at = opener.end() + len(inner) - len(inner.lstrip())
        return close.end(), self._record(at, tex, display, "\\[" if display else "\\(", tex_at)

    def _code_span(self, at: int, stop: int) -> tuple[int, str | None]:
        """Skip an inline code span (a backtick run up to the next run of the same length)."""
        run = BACKTICKS.match(self.text, at, stop)
        assert run
        ticks = run.group()
        limit = self._paragraph_end(at, stop)
        pattern = re.compile(rf"(?<!`){ticks}(?!`)")
        close = pattern.search(self.text, at + len(ticks), limit)
        if not close:
            return at + len(ticks), None
        self.code.append((at, close.end()))
        return close.end(), None

    def _html(self, at: int, stop: int) -> tuple[int, str | None] | None:
        """Skip comments, tag markup, and the insides of script/style/pre/code elements."""
        text = self.text
        if text.startswith("<!--", at):
            end = text.find("-->", at + 4, stop)
            return (stop if end < 0 else end + 3), None
        marked = MARKED_MATH.match(text, at, stop)
        if marked:  # math a page's Liquid brought in already marked ({{ post.content }}): one span, as it was
            return marked.end(), self._marked(at, marked)
        tag = TAG.match(text, at, self._paragraph_end(at, stop))  # no tag spans a blank line
        if not tag:
            return None
        end = tag.end()
        name = tag[2].lower()
        if not tag[1] and name in SKIPPED_ELEMENTS and not tag.group().endswith("/>"):
            close = re.compile(rf"</{name}\s*>", re.I).search(text, end, stop)
            end = close.end() if close else stop
            if name == "script" and MATH_LOADER.search(text, at, end):
                self._note(
                    at, "this post loads its own math renderer; the script is dropped (mathpress shows the math itself)"
                )
                return end, ""
        return end, None

    def _backslash(self, at: int, begin: int, stop: int) -> tuple[int, str | None]:
        """Backslash constructs: \\\\( \\\\[ \\( \\[ \\begin{env} \\$$ \\$ and plain escapes."""
        text = self.text
        for opener, closer, display in (("\\\\(", "\\\\)", False), ("\\\\[", "\\\\]", True)):
            if text.startswith(opener, at):
                found = self._delimited(at, opener, closer, display, stop, kramdown=True)
                if found:
                    return found
        for opener, closer, display in (("\\(", "\\)", False), ("\\[", "\\]", True)):
            if text.startswith(opener, at):
                found = self._delimited(at, opener, closer, display, stop, kramdown=False)
                if found:
                    return found
        if text.startswith("\\begin{", at):
            found = self._environment(at, stop)
            if found:
                return found
        reference = REFERENCE.match(text, at, stop)
        if reference:  # `see \eqref{eq:series}` in prose: MathJax must see it to link it
            return reference.end(), self._span(at, (at, reference.end()), False, "\\eqref")
        if text.startswith("\\$$", at):
            close = text.find("$$", at + 3, self._paragraph_end(at, stop))
            if close > 0:
                return close + 2, self._span(at, (at + 3, close), False, "\\$$")
        if text.startswith("\\$", at):
            return at + 2, "&#36;"
        return min(at + 2, stop), None

    def _delimited(
        self, at: int, opener: str, closer: str, display: bool, stop: int, kramdown: bool
    ) -> tuple[int, str] | None:
        """\\(…\\) style math, not crossing a blank line."""
        limit = self._paragraph_end(at, stop)
        close = self.text.find(closer, at + len(opener), limit)
        if close < 0:
            return None
        inner = (at + len(opener), close)
        if not kramdown and _reads_as_prose(self.text[inner[0] : inner[1]]):
            return None  # `\(Mnih et al., 2015\)`: escaped parentheses, as kramdown read them
        return close + len(closer), self._span(at, inner, display, opener, kramdown)

    def _environment(self, at: int, stop: int) -> tuple[int, str] | None:
        """\\begin{align}…\\end{align} with no delimiter around it."""
        name = BEGIN.match(self.text, at, stop)
        if not name or name[1] not in MATH_ENVIRONMENTS:
            return None
        env = re.escape(name[1])
        depth = 0
        for match in re.compile(rf"\\(begin|end)\{{{env}\}}").finditer(self.text, at, stop):
            depth += 1 if match[1] == "begin" else -1
            if depth == 0:
                end = match.end()
                era = bool(KRAMDOWN_ERA.search(self.text, at, end))
                return end, self._span(at, (at, end), True, "\\begin", era)
        self._note(at, f"`\\begin{{{name[1]}}}` is never closed by `\\end{{{name[1]}}}`")
        return None

    def _dollar(self, at: int, begin: int, stop: int) -> tuple[int, str | None]:
        """$$…$$ (block or inline, as kramdown decides) and $…$."""
        text = self.text
        if text.startswith("$$", at):
            return self._double_dollar(at, begin, stop)
        return self._single_dollar(at, stop)

    def _double_dollar(self, at: int, begin: int, stop: int) -> tuple[int, str | None]:
        """kramdown: a $$ block alone between block boundaries is display, else inline."""
        text = self.text
        block = self._block_math(at, begin, stop)
        if block:
            return block
        close = text.find("$$", at + 2, self._paragraph_end(at, stop))
        if close < 0:
            self._note(at, "`$$` is never closed (write `\\$` for a dollar sign)")
            return at + 2, None
        return close + 2, self._span(at, (at + 2, close), False, "$$")

    def _block_math(self, at: int, begin: int, stop: int) -> tuple[int, str] | None:
        """A kramdown math block: `$$` first on its line after a boundary, `$$` last before one."""
        text = self.text
        line_start = text.rfind("\n", 0, at) + 1
        lead = text[line_start:at]
        quotes = lead.count(">")
        item = LIST_ITEM.fullmatch(_unquoted(lead, quotes).lstrip(" \t") if quotes else lead)
        if lead.strip() and not item and not QUOTE_LEAD.fullmatch(lead):
            return None
        if not item and not self._after_boundary(line_start, begin, quotes):
            return None
        close = text.find("$$", at + 2, stop)
        if close < 0:
            return None
        line_end = text.find("\n", close + 2, stop)
        line_end = stop if line_end < 0 else line_end
        if text[close + 2 : line_end].strip():
            return None
        if not self._before_boundary(line_end, stop, quotes, len(lead.expandtabs(4)) if not lead.strip() else 0):
            return None
        return close + 2, self._span(at, (at + 2, close), True, "$$")

    def _after_boundary(self, line_start: int, begin: int, quotes: int = 0) -> bool:
        """Whether the previous line ends a block (blank, heading, region start) in a quote `quotes` deep."""
        if line_start <= begin:
            return True
        prev_start = self.text.rfind("\n", 0, line_start - 1) + 1
        prev = self.text[prev_start : line_start - 1]
        if quotes:
            if _quote_depth(prev) < quotes:
                return True  # the quote starts here
            prev = _unquoted(prev, quotes)
        elif _quote_depth(prev):  # a lazy line after a quote line: kramdown's quote holds it, after that line
            prev = _unquoted(prev, _quote_depth(prev))
        return not prev.strip() or bool(HEADING.match(prev) or THEOREM_FENCE.match(prev))

    def _before_boundary(self, line_end: int, stop: int, quotes: int = 0, indent: int = 0) -> bool:
        """Whether the next line ends the block (blank, a list item, end) in a quote `quotes` deep.

        `indent` is the math's own indentation: a list item indented less closes the item holding it.
        """
        if line_end >= stop:
            return True
        next_end = self.text.find("\n", line_end + 1, stop)
        following = self.text[line_end + 1 : stop if next_end < 0 else next_end]
        if quotes:
            if _quote_depth(following) < quotes:
                return True  # the quote ends here
            following = _unquoted(following, quotes)
        if not following.strip() or LIST_ITEM.match(following) or THEOREM_FENCE.match(following):
            return True
        item = ANY_LIST_ITEM.match(following)  # an item less indented than the math ends the item holding it
        return item is not None and len(item[1].expandtabs(4)) < indent

    def _single_dollar(self, at: int, stop: int) -> tuple[int, str | None]:
        """Pandoc's rule: `$x$` needs no space inside; a closing `$` before a digit is money.

        math.dollars picks the rule: "pandoc" (this), "mathjax" (MathJax's pairing) or "text" (no math).
        """
        if self.dollars == "mathjax":
            return self._mathjax_dollar(at, stop)
        if self.dollars == "text":
            return at + 1, None
        text = self.text
        if at + 1 >= stop or text[at + 1].isspace():
            return at + 1, None
        limit = self._paragraph_end(at, stop)
        pos = at + 1
        while True:
            close = text.find("$", pos, limit)
            if close < 0:
                return at + 1, None
            if text[close - 1] == "\\":
                pos = close + 1
                continue
            if not text[close - 1].isspace() and not text[close + 1 : close + 2].isdigit():
                return close + 1, self._span(at, (at + 1, close), False, "$")
            return at + 1, None

    def _mathjax_dollar(self, at: int, stop: int) -> tuple[int, str | None]:
        """MathJax's pairing (FindTeX): the next `$` outside braces and control sequences closes, spaces or not."""
        braces = 0
        for match in MATHJAX_END.finditer(self.text, at + 1, self._paragraph_end(at, stop)):
            found = match.group()
            if found == "$" and braces == 0:
                inner = self.text[at + 1 : match.start()]
                era = bool(KRAMDOWN_WRITTEN.search(inner))
                return match.end(), self._span(at, (at + 1, match.start()), False, "$", era)
            if found in ("$$", "`") or (found == "<" and STRICT_TAG.match(self.text, match.start())):
                break  # kramdown's math, a code span or a tag: MathJax's text ends before it
            if found == "{":
                braces += 1
            elif found == "}" and braces:
                braces -= 1
        return at + 1, None

    # -- helpers -----------------------------------------------------------------------------

    def _paragraph_end(self, at: int, stop: int) -> int:
        """The offset of the next blank line (inline constructs never cross one)."""
        index = bisect.bisect_left(self.blank_starts, at)
        if index < len(self.blank_starts) and self.blank_ends[index] <= stop:
            return self.blank_starts[index]
        return stop

    def _marked(self, at: int, marked: re.Match[str]) -> str:
        """A span already marked for MathJax (`<span class="math inline">\\(…\\)</span>`): its TeX, decoded."""
        display = marked["kind"] == "display"
        raw = marked["tex"]
        tex_at = marked.start("tex") + len(raw) - len(raw.lstrip())
        return self._record(at, html.unescape(raw).strip(), display, "\\[" if display else "\\(", tex_at)

    def _span(self, at: int, inner: tuple[int, int], display: bool, delimiter: str, kramdown: bool = False) -> str:
        """Record the span whose TeX is text[inner[0]:inner[1]]; return its token."""
        raw = self.text[inner[0] : inner[1]]
        tex = self._without_containers(at, raw).strip()
        if kramdown:
            tex = kramdown_unescape(tex)
        elif "&" in tex and bisect.bisect_right(self.lines.starts, at) - 1 in self.html_lines:
            tex = html.unescape(tex)  # raw HTML (a post's content a listing shows): MathJax sees the decoded text
        return self._record(at, tex, display, delimiter, inner[0] + len(raw) - len(raw.lstrip()))

    def _record(self, at: int, tex: str, display: bool, delimiter: str, tex_at: int) -> str:
        """Keep a span found at `at` whose TeX starts at `tex_at`; return its token."""
        line, col = self.lines.position(at)
        tex_line, tex_col = self.lines.position(tex_at)
        self.spans.append(MathSpan(tex, display, line, col, delimiter, tex_line, tex_col))
        return f"{self.prefix}{len(self.spans) - 1}q"

    def _without_containers(self, at: int, raw: str) -> str:
        """TeX over several lines of a quote or list item, without the `>` markers and the item's indentation."""
        if "\n" not in raw:
            return raw
        line_start = self.text.rfind("\n", 0, at) + 1
        lead_match = CONTAINER_LEAD.match(self.text, line_start, at)
        lead = lead_match.group() if lead_match else ""
        if lead and not lead.strip(" "):  # indentation alone: a list item's content column is the container
            lead = lead[: self._item_column(line_start, len(lead))]
        if not lead:
            return raw
        first, *rest = raw.split("\n")
        return "\n".join([first, *(_strip_lead(line, lead) for line in rest)])

    def _item_column(self, line_start: int, indent: int) -> int:
        """The content column of the list item an indented line belongs to (0 when none is found above)."""
        pos = line_start
        for _ in range(200):  # a list item's first line is near: never walk the whole text back
            if pos <= 0:
                break
            start = self.text.rfind("\n", 0, pos - 1) + 1
            line = self.text[start : pos - 1]
            pos = start
            marker = ITEM_CONTENT.match(line)
            if marker and len(marker[1]) < indent:
                return marker.end()
            if line.strip() and not line[:1].isspace() and not marker:
                break  # a paragraph at the margin: no list holds this line
        return 0

    def _note(self, at: int, message: str) -> None:
        line, col = self.lines.position(at)
        self.notes.append(warning(self.source, line, col, message))


def _quote_depth(line: str) -> int:
    """How many `>` markers open a line."""
    lead = re.match(r"(?:[ \t]*>)*", line)
    return lead.group().count(">") if lead else 0


def _unquoted(line: str, depth: int) -> str:
    """A line without its first `depth` quote markers."""
    return re.sub(rf"^(?:[ \t]*>){{{depth}}}", "", line)


def _strip_lead(line: str, lead: str) -> str:
    """A continuation line less what matches its container's lead: `>` for `>`, a blank for anything else."""
    pos = 0
    for char in lead:
        if char == ">":
            skipped = len(line) - len(line[pos:].lstrip(" \t")) - pos
            if skipped > 3 or line[pos + skipped : pos + skipped + 1] != ">":
                break
            pos += skipped + 1
        elif line[pos : pos + 1] in (" ", "\t"):
            pos += 1
        else:
            break
    return line[pos:]


def _reads_as_prose(tex: str) -> bool:
    """`Mnih et al., 2015`: words and no TeX-like characters, so not math."""
    if TEXY.search(tex.replace(",", "").replace(" ", "").rstrip("0123456789")):
        return False
    return len(re.findall(r"[^\W\d_]{2,}", tex)) >= 2


# -- restoring ---------------------------------------------------------------------------------

Render = Callable[[MathSpan, bool], str]


NUMBERED_ENVIRONMENT = re.compile(r"\\begin\{(?:equation|align|gather|multline|eqnarray|alignat|flalign)\*?\}")


def numbered_if_labelled(span: MathSpan) -> str:
    """A display with a \\label but no amsmath environment gets `equation`, so \\eqref has a number."""
    if span.display and "\\label{" in span.tex and not NUMBERED_ENVIRONMENT.search(span.tex):
        return "\\begin{equation}" + span.tex + "\\end{equation}"
    return span.tex


def mathjax_markup(span: MathSpan, block: bool = False) -> str:
    """Mark a span for MathJax: only `.math` elements are processed, with these delimiters."""
    tex = html.escape(numbered_if_labelled(span), quote=False)
    if not span.display:
        return f'<span class="math inline">\\({tex}\\)</span>'
    tag = "div" if block else "span"
    return f'<{tag} class="math display">\\[{tex}\\]</{tag}>'


def restore(markup: str, prefix: str, spans: Sequence[MathSpan], render: Render) -> str:
    """Put math back into HTML: rendered in text, as plain TeX inside tag attributes."""
    if not spans:
        return markup
    token = re.compile(rf"{re.escape(prefix)}(\d+)q")
    alone = re.compile(rf"<p>\s*{re.escape(prefix)}(\d+)q\s*</p>")

    def block(match: re.Match[str]) -> str:
        span = spans[int(match[1])]
        return render(span, True) if span.display else match.group()

    markup = alone.sub(block, markup)
    tag_or_token = re.compile(rf"<[^>]*>|{re.escape(prefix)}(\d+)q")  # one pass: tags as re.split found them

    def one(match: re.Match[str]) -> str:
        if match[1] is None:
            return _restore_in_tag(match.group(), token, spans) if prefix in match.group() else match.group()
        return render(spans[int(match[1])], False)

    return tag_or_token.sub(one, markup)


def _restore_in_tag(tag: str, token: re.Pattern[str], spans: Sequence[MathSpan]) -> str:
    """Inside tag markup math is text: ids and #links get a slug of the TeX, other attributes the TeX."""
    if not token.search(tag):
        return tag

    def slug(match: re.Match[str]) -> str:
        value = token.sub(lambda m: _tex_slug(spans[int(m[1])].tex), match[2])
        return f'{match[1]}{value}"'

    tag = re.sub(r'(\b(?:id|href)="#?)([^"]*)"', slug, tag)
    return token.sub(lambda m: html.escape(spans[int(m[1])].tex), tag)


def _tex_slug(tex: str) -> str:
    """Letters and digits of TeX for use in ids: `\\sigma(z)` → `sigma-z`."""
    return re.sub(r"[\W_]+", "-", re.sub(r"\\([A-Za-z]+)", r" \1 ", tex)).strip("-").lower()


def plain_text(text: str, prefix: str, spans: Sequence[MathSpan]) -> str:
    """Replace tokens in plain text by their TeX (for descriptions and titles)."""
    if not spans:
        return text
    return re.sub(rf"{re.escape(prefix)}(\d+)q", lambda m: spans[int(m[1])].tex, text)
