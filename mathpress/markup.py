"""Markup stage: a document body → Rendered (HTML, table of contents, excerpt) with math as tokens.

The result keeps math as placeholder tokens plus the list of spans, so the same cached
render can be finished for MathJax pages, MathML pages and the feed (see `finish`).
"""

from __future__ import annotations

import contextlib
import html
import re
import signal
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown
from markdown.extensions.toc import slugify_unicode

from . import mdext, theorems
from .errors import Diagnostic, error, warning
from .jekyll import kramdown
from .math.engine import Settings
from .math.equations import prepare_spans
from .math.macros import MacroDefinition
from .math.spans import MathSpan, Protected, inline_text, plain_text, protect, restore
from .math.typeset import Group, typeset_spans

EXTENSIONS = [
    "markdown.extensions.tables",
    "markdown.extensions.footnotes",
    "markdown.extensions.attr_list",
    "markdown.extensions.md_in_html",
    "markdown.extensions.def_list",
    "markdown.extensions.abbr",
    "markdown.extensions.toc",
    "pymdownx.superfences",
    "mathpress.mdext",  # pymdownx.highlight with Pygments lexers looked up once (see mdext)
    "pymdownx.tasklist",
    "pymdownx.tilde",
    # Python-Markdown 3.11's own emphasis drops a character after `* ` in text like
    # `**?* a * word *?*`; betterem's emphasis does not.
    "pymdownx.betterem",
]
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "markdown.extensions.toc": {
        "slugify": slugify_unicode,
        "permalink": "#",
        "permalink_title": "Link to this section",
        "toc_depth": "2-4",
    },
    "markdown.extensions.footnotes": {"BACKLINK_TITLE": "Back to the text of note %d"},
    "mathpress.mdext": {"guess_lang": False, "css_class": "highlight", "pygments_lang_class": True},
    "pymdownx.tilde": {"subscript": False},
}


def _settings_fingerprint() -> str:
    """Everything that changes rendered output besides the input: extensions, options, versions."""
    import pygments
    import pymdownx

    def stable(value: Any) -> str:
        return f"{value.__module__}.{value.__qualname__}" if callable(value) else repr(value)

    options = sorted(
        (name, sorted((k, stable(v)) for k, v in config.items())) for name, config in EXTENSION_CONFIGS.items()
    )
    versions = (markdown.__version__, pymdownx.__version__, pygments.__version__)
    return repr((EXTENSIONS, options, versions))


MARKDOWN_SETTINGS = _settings_fingerprint()


@dataclass(frozen=True)
class RenderInput:
    """What rendering one document needs (all of it is part of the cache key)."""

    source: str
    body: str
    body_line: int
    excerpt_source: str | None
    separator: str
    macros: tuple[MacroDefinition, ...]  # the site's: (name, TeX, number of arguments, default of the first)
    check_math: bool
    safe_html: bool
    render: str = "mathjax"  # math.render: the build typesets SVG into pages for `build`
    tags: str = "none"  # the site's equation numbering (MathJax's `tags`)
    title: str = ""  # the document's title (its math is typeset with the body)
    lines: tuple[int, ...] = ()  # the file line of each body line, when Liquid moved them (else body_line + i)
    wrapper: str = ""  # HTML the body goes into at CONTENT_SLOT (a Jekyll layout that lists the site's documents)
    whole_excerpt: bool = False  # no separator in the body: the excerpt is the whole body (Jekyll's custom separator)
    markdown_in_html: bool = False  # kramdown's parse_block_html: Markdown inside HTML blocks
    dollars: str = "pandoc"  # how a single `$` pairs (math.dollars)
    theorems: tuple[theorems.Kind, ...] = theorems.DEFAULT_KINDS  # theorem-like kinds (site.yml's `theorems:`)


@dataclass(frozen=True)
class Rendered:
    """A document rendered to HTML, math still as tokens (finish() puts it in)."""

    html: str
    toc: str
    excerpt: str
    description: str
    words: int
    cjk_chars: int
    prefix: str
    spans: tuple[MathSpan, ...]
    diagnostics: tuple[Diagnostic, ...]
    title: str = ""  # the title with its math as tokens (HTML-escaped text around them)


LINE_WIDTH_EM = 37.5  # the default theme's column (42rem less 2rem of padding, at 17px): MathJax breaks wider displays


@lru_cache(maxsize=4)
def _markdown(kinds: tuple[theorems.Kind, ...] = theorems.DEFAULT_KINDS) -> markdown.Markdown:
    """One Markdown instance per process and theorem kinds, reset between documents (building one costs ~60 ms)."""
    extensions: list[str | markdown.extensions.Extension] = [*EXTENSIONS, theorems.TheoremExtension(kinds)]
    return mdext.install(markdown.Markdown(extensions=extensions, extension_configs=EXTENSION_CONFIGS))


BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|h[1-6]|li|ul|ol|dl|dt|dd|table|tr|td|th|blockquote|pre|figure|figcaption|section)\b[^>]*>",
    re.I,
)


def to_html(text: str, kinds: tuple[theorems.Kind, ...] = theorems.DEFAULT_KINDS) -> tuple[str, str]:
    """Markdown → (HTML, table of contents HTML)."""
    md = _markdown(kinds)
    md.reset()
    body = normalize_headings(md.convert(text))
    toc = getattr(md, "toc", "")
    return body, toc if "<li>" in toc else ""


def render_document(job: RenderInput, math_cache: Path | None = None) -> Rendered:
    """Render one body; input that would take Python-Markdown minutes or crash it fails this file only.

    `math_cache`: where typeset spans are kept between builds (math.typeset)."""
    problem = pathological(job.body)
    if problem:
        return _failed(job, problem)
    try:
        with time_limit(RENDER_SECONDS):
            return _render_document(job, math_cache)
    except RecursionError:
        return _failed(job, "nested too deeply to render (lists, quotes or HTML hundreds of levels deep)")
    except TimeoutError:
        return _failed(job, f"took longer than {RENDER_SECONDS} s to render; simplify this post")


RENDER_SECONDS = 60
MAX_OPEN_BRACKETS = 1000  # Python-Markdown is quadratic in unclosed `[` (20,000 take minutes)
LIST_MARKER = re.compile(r"^([ \t]*)(?:[-+*]|\d{1,9}[.)])[ \t]")


def pathological(body: str) -> str:
    """Why a body would take Python-Markdown minutes, or ""."""
    unclosed = _most_open_brackets(inline_text(body)) if body.count("[") > MAX_OPEN_BRACKETS else 0
    if unclosed > MAX_OPEN_BRACKETS:
        return f"{unclosed} `[` open at once (at most {MAX_OPEN_BRACKETS}); Markdown would take minutes"
    depth = max(map(_nesting, body.split("\n")), default=0) if DEEP_LINE.search(body) else 0
    if depth > MAX_NESTING:
        return f"nested too deeply to render (lists or quotes more than {MAX_NESTING} levels deep)"
    return ""


def _most_open_brackets(body: str) -> int:
    """The most `[` open at once in text (pathological passes it inline_text: no links in code or math)."""
    depth = unclosed = 0
    for char in re.sub(r"[^\[\]\n]", "", body):
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        unclosed = max(unclosed, depth)
    return unclosed


MAX_NESTING = 100  # lists and quotes; Python-Markdown recurses once per level
# A line nested past MAX_NESTING starts with more than 100 `>` or 200 columns of indentation
# (50 tabs at least); bodies without such a line skip the per-line count.
DEEP_LINE = re.compile(r"^[ \t>]{50,}", re.M)


def _nesting(line: str) -> int:
    """How many list or quote levels a line opens: its `>` marks, or its indentation before a list marker."""
    quotes = len(line) - len(line.lstrip("> \t").lstrip())
    quote_marks = line[:quotes].count(">")
    marker = LIST_MARKER.match(line)
    return max(quote_marks, len(marker[1].expandtabs(4)) // 2 + 1 if marker else 0)


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise TimeoutError after `seconds` (where signals allow: a main thread on POSIX)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _failed(job: RenderInput, message: str) -> Rendered:
    """A render that failed: empty, with an error naming the file."""
    return Rendered("", "", "", "", 0, 0, "", (), (error(job.source, job.body_line, 1, message),))


CONTENT_SLOT = "mathpresslayoutcontentslot"  # where a wrapper takes the body (letters: Liquid filters keep it)


def _render_document(job: RenderInput, math_cache: Path | None) -> Rendered:
    """Render one body: protect math, adapt kramdown habits, Markdown, excerpt, then MathJax on the math."""
    protected = protect(job.body, job.source, job.body_line, job.dollars)
    protected, theorem_notes = theorems.claim_references(job.body, protected, job.source, job.body_line, job.theorems)
    body_html, toc = _convert(protected.text, job)
    spans = protected.spans
    if job.excerpt_source is not None:
        excerpt, spans = _own_excerpt(job, protected)
    else:
        excerpt = _cut_excerpt(body_html, job.separator, job.whole_excerpt)
    excerpt_end = len(spans)
    title, spans = _own_title(job, protected.token_prefix, spans)
    notes = list(protected.diagnostics) + theorem_notes + _lost_spans(protected, job.source, body_html, toc)
    order = page_order(body_html, protected.token_prefix)
    spans, found, groups = _prepare(job, spans, len(protected.spans), excerpt_end, order)
    notes.extend(found)
    body_tags = job.tags
    if body_tags == "none" and any("\\label" in span.tex for span in spans[: len(protected.spans)]):
        body_tags = "ams"  # as the page's MathJax is configured (templates.mathjax_config)
    for index, group in enumerate(groups):
        settings = _settings(job, body_tags if index == 0 else job.tags)
        spans, problems = typeset_spans(spans, [group], job.source, settings, job.check_math, math_cache)
        notes.extend(problems)
    if job.lines:
        notes, spans = [replace(n, line=_file_line(job, n.line)) for n in notes], _spans_in_file(job, spans)
    text = visible_text(body_html)
    return Rendered(
        html=job.wrapper.replace(CONTENT_SLOT, body_html) if job.wrapper else body_html,
        toc=toc,
        excerpt=excerpt,
        description=plain_text(_squash(visible_text(excerpt)), protected.token_prefix, spans),
        words=len(re.findall(r"[A-Za-z0-9\u00C0-\u024F]+", text)),
        cjk_chars=len(re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", text)),
        prefix=protected.token_prefix,
        spans=spans,
        diagnostics=tuple(sorted(notes)),
        title=title,
    )


def _settings(job: RenderInput, tags: str) -> Settings:
    """The MathJax settings of one of the document's groups of spans."""
    build = job.render == "build"
    return Settings(job.macros, tags, svg=build, width=LINE_WIDTH_EM if build else 0.0)


def _own_title(job: RenderInput, prefix: str, spans: tuple[MathSpan, ...]) -> tuple[str, tuple[MathSpan, ...]]:
    """The title as escaped text with its math as tokens after the body's and excerpt's spans."""
    if not job.title:
        return "", spans
    found = protect(job.title)
    offset = len(spans)
    escaped = html.escape(found.text)
    title = re.sub(rf"{re.escape(found.token_prefix)}(\d+)q", lambda m: f"{prefix}{offset + int(m[1])}q", escaped)
    # a title's math is reported on the front matter's first line, where titles are written
    placed = tuple(replace(s, line=1, col=1, tex_line=1, tex_col=1) for s in found.spans)
    return title, spans + placed


def page_order(body_html: str, prefix: str) -> list[int]:
    """Span indexes in the order the page shows them (footnotes last)."""
    return list(dict.fromkeys(int(m[1]) for m in re.finditer(rf"{re.escape(prefix)}(\d+)q", body_html)))


def _file_line(job: RenderInput, line: int) -> int:
    """A line of the body Liquid gave as a line of the file."""
    index = line - job.body_line
    return job.lines[index] if 0 <= index < len(job.lines) else line


def _spans_in_file(job: RenderInput, spans: Sequence[MathSpan]) -> tuple[MathSpan, ...]:
    """Math spans placed at their lines in the file (the feed's MathML warnings name them)."""
    return tuple(replace(s, line=_file_line(job, s.line), tex_line=_file_line(job, s.tex_line)) for s in spans)


def _prepare(
    job: RenderInput, spans: tuple[MathSpan, ...], body: int, excerpt_end: int, order: list[int]
) -> tuple[tuple[MathSpan, ...], list[Diagnostic], list[Group]]:
    """Labels checked in page order; the groups MathJax typesets: the body, a front matter excerpt, the title."""
    order = [index for index in order if index < body]
    shown = set(order)
    order += [index for index in range(body) if index not in shown]
    prepared, found = prepare_spans(spans[:body], order, job.source)
    groups = [Group(tuple(order))]
    if excerpt_end > body:
        excerpt = spans[body:excerpt_end]
        more, notes = prepare_spans(excerpt, range(len(excerpt)), job.source)
        prepared, found = prepared + more, found + notes
        groups.append(Group(tuple(range(body, excerpt_end))))
    if len(spans) > excerpt_end:
        prepared += spans[excerpt_end:]
        groups.append(Group(tuple(range(excerpt_end, len(spans)))))
    return prepared, found, groups


def _lost_spans(protected: Protected, source: str, *fragments: str) -> list[Diagnostic]:
    """Math whose placeholder did not come through Markdown: never lost in silence."""
    pattern = re.compile(rf"{re.escape(protected.token_prefix)}(\d+)q")
    found = {int(m[1]) for fragment in fragments for m in pattern.finditer(fragment)}
    return [
        warning(source, span.line, span.col, "this math was lost in Markdown processing (please report it)")
        for index, span in enumerate(protected.spans)
        if index not in found
    ]


def _convert(text: str, job: RenderInput) -> tuple[str, str]:
    """Protected Markdown → HTML and table of contents (sanitised when safe_html is on)."""
    body_html, toc = to_html(kramdown.normalize(text, job.markdown_in_html), job.theorems)
    return (sanitize(body_html), sanitize(toc)) if job.safe_html else (body_html, toc)


def _own_excerpt(job: RenderInput, body: Protected) -> tuple[str, tuple[MathSpan, ...]]:
    """Render a front matter excerpt; its math joins the body's spans under the body's tokens."""
    assert job.excerpt_source is not None
    inner = protect(job.excerpt_source, job.source, 0, job.dollars)
    excerpt_html, _ = _convert(inner.text, job)
    offset = len(body.spans)
    retokened = re.sub(
        rf"{re.escape(inner.token_prefix)}(\d+)q",
        lambda m: f"{body.token_prefix}{offset + int(m[1])}q",
        excerpt_html,
    )
    return clean_excerpt(retokened), body.spans + inner.spans


def _cut_excerpt(body_html: str, separator: str, whole: bool = False) -> str:
    """The HTML before the separator, else the first paragraph (or, `whole`, all of it)."""
    cut = body_html.find(separator) if separator else -1
    if cut >= 0:
        return clean_excerpt(close_tags(body_html[:cut]))
    if whole:
        return clean_excerpt(body_html)
    first = re.search(r"<p\b[^>]*>.*?</p>", body_html, re.S)
    return clean_excerpt(first.group()) if first else ""


def clean_excerpt(fragment: str) -> str:
    """Drop what only works inside the full post: ids, heading links, footnote marks."""
    fragment = re.sub(r'<sup id="fnref[^"]*">.*?</sup>', "", fragment, flags=re.S)
    fragment = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", fragment, flags=re.S)
    fragment = re.sub(r'<a href="#ref-[^"]*">(.*?)</a>', r"\1", fragment, flags=re.S)  # citations (References)
    return re.sub(r'\s(?:id|for)="[^"]*"', "", fragment).strip()


class _TagBalancer(HTMLParser):
    """Track which elements are still open at the end of an HTML fragment."""

    VOID = frozenset(
        ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass


def close_tags(fragment: str) -> str:
    """Close the elements a cut-off HTML fragment leaves open."""
    parser = _TagBalancer()
    parser.feed(fragment)
    parser.close()
    return fragment.rstrip() + "".join(f"</{tag}>" for tag in reversed(parser.open))


def normalize_headings(fragment: str) -> str:
    """Renumber headings so the body starts at h2 (under the page's h1) and skips no level."""
    used = sorted({int(level) for level in re.findall(r"</?h([1-6])\b", fragment)})
    new = {level: min(2 + rank, 6) for rank, level in enumerate(used)}
    if all(new[level] == level for level in used):
        return fragment
    return re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m[1]}h{new[int(m[2])]}", fragment)


def visible_text(fragment: str) -> str:
    """The text of an HTML fragment, tags removed and entities decoded."""
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    fragment = BLOCK_TAG.sub(" ", fragment)  # blocks part words; inline tags (<em>, <code>) do not
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def _squash(text: str) -> str:
    return " ".join(text.split())


def sanitize(fragment: str) -> str:
    """Remove scripts, event handlers and script-capable URLs from author HTML (safe_html)."""
    import nh3

    attributes = {tag: {"class", "id", "title", "lang", "dir"} for tag in nh3.ALLOWED_TAGS}
    attributes["a"] = {"href", "title", "class", "id"}
    attributes["img"] = {"src", "alt", "title", "width", "height", "class", "loading"}
    for cell in ("td", "th"):
        attributes[cell] = {"align", "colspan", "rowspan", "class", "style"}
    return nh3.clean(
        fragment,
        tags=nh3.ALLOWED_TAGS | {"span", "div", "sup", "sub", "details", "summary", "figure", "figcaption"},
        attributes=attributes,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )


def finish(rendered: Rendered, fragment: str, render_math: Any) -> str:
    """Put the math back into one of a Rendered's fragments."""
    return restore(fragment, rendered.prefix, rendered.spans, render_math)


# -- sidenotes (`footnotes: side`) -------------------------------------------------------------

_FOOTNOTES = re.compile(r'<div class="footnote">\s*<hr />\s*<ol>\s*(.*?)</ol>\s*</div>', re.S)
_NOTE = re.compile(r'<li id="fn:([^"]+)">\s*(.*?)\s*</li>\s*(?=<li id="fn:|$)', re.S)
_BACKREF = re.compile(r'(?:&#160;|\s)*<a class="footnote-backref"[^>]*>.*?</a>', re.S)
_DISPLAY = re.compile(r'<div class="math display">(.*?)</div>', re.S)
# Elements that end an open <p>: a note holding one cannot sit inside the paragraph of its reference.
_BREAKS_P = re.compile(
    r"<(?:address|article|aside|blockquote|details|div|dl|fieldset|figcaption|figure|footer|form|h[1-6]|header"
    r"|hgroup|hr|main|menu|nav|ol|pre|section|table|ul)\b"
)


def sidenotes(body: str) -> str:
    """A post body whose footnotes are also sidenotes: each note's text (made phrasing content, ids
    dropped) in a `<span class="sidenote">` right after its first reference, which the theme floats
    into the margin on wide screens; its item at the end is marked `sidenoted` (hidden there).
    A note with lists, code or tables, or a reference inside a table, stays at the end only."""
    found = _FOOTNOTES.search(body)
    if not found:
        return body
    notes = body[found.start(1) : found.end(1)]
    for key, content in _NOTE.findall(notes):
        inline = _phrasing(_BACKREF.sub("", content))
        ref = re.search(rf'<sup id="fnref:{re.escape(key)}"><a class="footnote-ref" [^>]*>(.*?)</a></sup>', body)
        if inline is None or ref is None or _in_table(body, ref.start()):
            continue
        number = f'<span class="sidenote-number">{ref[1]}</span>'
        note = f'<span class="sidenote" role="note" data-pagefind-ignore>{number} {inline}</span>'
        body = body[: ref.end()] + note + body[ref.end() :]
        body = body.replace(f'<li id="fn:{key}">', f'<li id="fn:{key}" class="sidenoted">', 1)
    return body


def _in_table(body: str, at: int) -> bool:
    """Whether this place of the body is inside a table (whose scroll box would clip a float)."""
    return body.count("<table", 0, at) > body.count("</table>", 0, at)


def _phrasing(content: str) -> str | None:
    """A note's HTML as content a paragraph can hold (paragraphs and displays become spans), or None."""
    content = _DISPLAY.sub(r'<span class="math display">\1</span>', content)
    if _BREAKS_P.search(content):
        return None
    content = re.sub(r"<p>", '<span class="sidenote-p">', content).replace("</p>", "</span>")
    return re.sub(r'\s(?:id|for)="[^"]*"', "", content)
