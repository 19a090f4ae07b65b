"""Liquid stage: a post or page body with Jekyll's Liquid → Markdown (python-liquid plus Jekyll's tags and filters).

Math is never Liquid: each math span is set aside before rendering and put back after, so
`$x^{{2}}$` stays TeX. `{% include %}` reads the site's own `_includes/` (nothing outside it),
`site.data` comes from `_data/`. A tag we cannot render is a warning that leaves something
for the reader (a link, the citation key); a syntax error is an error at its line.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import html
import io
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, TextIO

import markdown
import yaml
from liquid import Environment, Mode
from liquid.ast import BlockNode, Node
from liquid.builtin.expressions import FilteredExpression, TernaryFilteredExpression, tokenize
from liquid.builtin.expressions.primitive import Identifier, parse_identifier
from liquid.builtin.loaders.mixins import CachingLoaderMixin
from liquid.builtin.output import Output, OutputNode
from liquid.builtin.tags.assign_tag import AssignNode, AssignTag
from liquid.context import RenderContext
from liquid.exceptions import (
    FilterArgumentError,
    LiquidError,
    LiquidInterrupt,
    LiquidSyntaxError,
    TemplateNotFoundError,
)
from liquid.loader import BaseLoader, TemplateSource
from liquid.output import LimitedStringIO
from liquid.parser import get_parser
from liquid.stream import TokenStream
from liquid.tag import Tag
from liquid.template import BoundTemplate
from liquid.token import (
    TOKEN_ASSIGN,
    TOKEN_DOT,
    TOKEN_EOF,
    TOKEN_EXPRESSION,
    TOKEN_OUTPUT,
    TOKEN_TAG,
    TOKEN_WORD,
    Token,
)
from liquid.undefined import StrictUndefined, Undefined

from ..citations import slot as citation_slot
from ..config import LiquidConfig
from ..content import decode
from ..errors import Diagnostic, LineStarts, SourceError, error, line_col, warning
from ..math.spans import math_regions
from .files import INCLUDES_DIR, LAYOUTS_DIR, LiquidFiles
from .model import FILE_READ, JEKYLL_VERSION, LiquidContext, SiteDrop, note_read, page_drop

SHELL = re.compile(r"<!doctype|<html[\s>]|<head[\s>]|<body[\s>]", re.I)  # a layout that is a whole HTML page
BASEURL_THEN_LINK = re.compile(r"\{\{-?\s*site\.baseurl\s*-?\}\}(?=\{%-?\s*(?:post_url|link)\s)")
LIQUID_OPENER = re.compile(r"\{\{|\{%")
INCLUDE_ARGUMENT = re.compile(r"""([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|([^\s"']+))""")
URL = re.compile(r"https?://[^\s\"'<>]+")
# Plugin tags whose argument is an id we can turn into a link for the reader.
LINKED_IDS = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "gist": "https://gist.github.com/{}",
}
CITATION_TAGS = ("cite", "citet", "citep", "reference")


DEFAULT_SETTINGS = LiquidConfig()


# -- rendering one document -------------------------------------------------------------------


@dataclass(frozen=True)
class LiquidResult:
    """A body after Liquid, what Liquid reported, and the file line of each of its lines."""

    text: str
    notes: tuple[Diagnostic, ...]
    lines: tuple[int, ...] = ()  # empty: line i of text is line first_line + i of the file


def render_liquid(text: str, source: str, first_line: int, context: LiquidContext) -> tuple[str, list[Diagnostic]]:
    """Render a body's Liquid (math left alone); warnings for what could not be rendered, errors for bad syntax."""
    done = render_body(text, source, first_line, context)
    return done.text, list(done.notes)


def render_body(
    text: str,
    source: str,
    first_line: int,
    context: LiquidContext,
    extra: Mapping[str, object] | None = None,
    math: bool = True,
) -> LiquidResult:
    """render_liquid, and where each line of the result came from (an include's lines come from its tag).

    `extra`: more variables (a layout's `content` and `layout`); `math`: set math aside (not in layouts, whose
    scripts use `$`)."""
    if "{%" not in text and "{{" not in text:
        return LiquidResult(text, ())
    text = BASEURL_THEN_LINK.sub("", text)  # Jekyll 3 posts wrote the base URL before post_url themselves
    shield = Shield.of(text) if math else Shield(text, "", (), (), ())
    run = _Run(source, first_line, text, shield, context, extra=dict(extra or {}))
    env = _environment(context.files, context.settings)
    try:
        template = env.from_string(shield.text, name=source)
        pieces = _render(template, run)
    except LiquidError as exc:
        return LiquidResult(text, (*run.notes, run.failure(exc)))
    outputs = [(run.place(token)[0], shield.restore(out)) for token, out in pieces]
    return LiquidResult("".join(out for _, out in outputs), tuple(run.notes), _line_map(outputs, first_line))


def render_layouts(name: str, slot: str, source: str, context: LiquidContext) -> LiquidResult:
    """A page's Jekyll layout and the layouts it sits in, up to the one that is a whole HTML page, rendered
    with `content` = slot (where the page's body goes); "" when the page's own layout is a whole page."""
    text = slot
    notes: list[Diagnostic] = []
    for rel, layout_text in layout_chain(name, context.files.layouts):
        front, body, line = _split_layout(layout_text, rel)
        if SHELL.search(body):
            break
        done = render_body(body, rel, line, context, {"content": text, "layout": front}, math=False)
        text = done.text
        notes += [warning(source, 0, 0, f"{n.message} (in {rel}:{n.line})") for n in done.notes]
    return LiquidResult(text if text != slot else "", tuple(notes))


def layout_chain(name: str, layouts: Mapping[str, str]) -> list[tuple[str, str]]:
    """(path, text) of a layout and each it names in its front matter `layout:`, innermost first."""
    chain: list[tuple[str, str]] = []
    seen: set[str] = set()
    while name in layouts and name not in seen and len(chain) < 10:
        seen.add(name)
        chain.append((f"{LAYOUTS_DIR}/{name}.html", layouts[name]))
        parent = re.search(
            r"^layout:\s*['\"]?([\w./-]+)", _split_layout(layouts[name], name)[0].get("__text", ""), re.M
        )
        name = parent[1].removesuffix(".html") if parent else ""
    return chain


def _split_layout(text: str, rel: str) -> tuple[dict[str, Any], str, int]:
    """A layout's front matter (as data), its body and the body's first line."""
    match = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*\n", text, re.S)
    if not match:
        return {}, text, 1
    yaml_text = match[1] or ""
    try:
        data = yaml.safe_load(yaml_text) or {}
    except yaml.YAMLError:
        data = {}
    return dict(data) if isinstance(data, dict) else {}, text[match.end() :], yaml_text.count("\n") + 3


def _line_map(outputs: Sequence[tuple[int, str]], first_line: int) -> tuple[int, ...]:
    """The file line of each output line: a node's lines count from its own line, never past the next node's."""
    lines = [first_line]
    for index, (line, out) in enumerate(outputs):
        newlines = out.count("\n")
        limit = outputs[index + 1][0] if index + 1 < len(outputs) else line + newlines
        lines.extend(min(line + k, max(limit, line)) for k in range(1, newlines + 1))
    if lines == list(range(first_line, first_line + len(lines))):
        return ()
    return tuple(lines)


@dataclass(frozen=True)
class Shield:
    """A text with its math set aside: placeholders that Liquid passes through, and the way back."""

    text: str
    prefix: str
    pieces: tuple[str, ...]  # the math each placeholder stands for
    starts: tuple[int, ...]  # where each placeholder ends in the shielded text
    shifts: tuple[int, ...]  # original offset minus shielded offset after each placeholder

    @staticmethod
    def of(text: str) -> Shield:
        """Set aside each math span that starts outside Liquid markup."""
        prefix = _placeholder_prefix(text)
        out: list[str] = []
        pieces: list[str] = []
        starts: list[int] = []
        shifts: list[int] = []
        pos = length = 0
        for start, end in _shieldable(text):
            out.append(text[pos:start])
            length += start - pos
            token = f"{prefix}{len(pieces)}q"
            out.append(token)
            length += len(token)
            pieces.append(text[start:end])
            starts.append(length)
            shifts.append(end - length)
            pos = end
        out.append(text[pos:])
        return Shield("".join(out), prefix, tuple(pieces), tuple(starts), tuple(shifts))

    def original_offset(self, offset: int) -> int:
        """Where an offset of the shielded text was in the original."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return offset if index < 0 else offset + self.shifts[index]

    def restore(self, text: str) -> str:
        """Put the math back."""
        if not self.pieces:
            return text
        return re.sub(rf"{self.prefix}(\d+)q", lambda m: self.pieces[int(m[1])], text)


def _placeholder_prefix(text: str) -> str:
    """A placeholder prefix the text does not already contain (letters, so filters keep it)."""
    n = 0
    while f"liqmath{n}x" in text:
        n += 1
    return f"liqmath{n}x"


def _shieldable(text: str) -> Iterable[tuple[int, int]]:
    """Math spans that do not start inside a Liquid tag or output."""
    pos = 0
    for start, end in math_regions(text):
        if start < pos:
            continue
        while (opener := LIQUID_OPENER.search(text, pos, start)) is not None:
            closer = text.find("}}" if opener[0] == "{{" else "%}", opener.end())
            pos = len(text) if closer < 0 else closer + 2
            if pos > start:
                break
        if pos > start:
            continue
        pos = end
        yield start, end


@dataclass
class _Run:
    """One document's render: where it came from and what it reported."""

    source: str
    first_line: int
    text: str  # the body as written (math included)
    shield: Shield
    context: LiquidContext
    notes: list[Diagnostic] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)  # more variables (a layout's content and layout)
    outer: list[Token] = field(default_factory=list)  # the post's {% include %} being rendered, outermost first
    lines: LineStarts = field(init=False)  # where each line of text starts

    def __post_init__(self) -> None:
        self.lines = LineStarts.of(self.text, self.first_line)

    def place(self, token: Token | None) -> tuple[int, int, str]:
        """(line, column, " (in _includes/x.html:3)") of a token, in the post's lines."""
        inner = ""
        if token is not None and token.start_index >= 0 and token.source != self.shield.text:
            name = next((n for n, text in self.context.files.includes.items() if text == token.source), None)
            if name is not None:
                inner = f" (in {INCLUDES_DIR}/{name}:{line_col(token.source, token.start_index)[0]})"
        if self.outer:
            token = self.outer[0]
        if token is None or token.start_index < 0 or token.source != self.shield.text:
            return self.first_line, 1, inner
        offset = self.shield.original_offset(token.start_index)
        if token.kind == TOKEN_TAG:  # point at the `{%`, not at the tag's name
            opener = self.text.rfind("{%", max(offset - 200, 0), offset)
            offset = opener if opener >= 0 else offset
        return *self.lines.position(offset), inner

    def warn(self, token: Token | None, message: str) -> None:
        """A warning at a token (once per place and message: loops repeat them)."""
        line, col, inner = self.place(token)
        note = warning(self.source, line, col, message + inner)
        if note not in self.notes:
            self.notes.append(note)

    def failure(self, exc: LiquidError) -> Diagnostic:
        """An error for a Liquid exception, at its line in the post."""
        token = getattr(exc, "mathpress_token", None) or exc.token
        outer = getattr(exc, "mathpress_outer", None)
        self.outer = [outer] if outer is not None else []
        message = str(exc.message)
        if outer is None and (token is None or token.start_index < 0):
            token, message = self._unclosed(token, message)
        line, col, inner = self.place(token)
        return error(self.source, line, col, f"Liquid: {message}{inner}")

    def _unclosed(self, token: Token | None, message: str) -> tuple[Token | None, str]:
        """An error python-liquid could not place: the first block tag never closed, if that is it."""
        try:
            analysis = _environment(self.context.files, self.context.settings).analyze_tags_from_string(
                self.shield.text
            )
        except IndexError:  # python-liquid 2.3's tag audit fails on a stray end tag such as `{% endraw %}`
            return token, message
        found = [(span.index, name) for name, spans in analysis.unclosed_tags.items() for span in spans]
        if not found:
            return token, message
        index, name = min(found)
        message = f"`{{% {name} %}}` is never closed by `{{% end{name} %}}`"
        return Token(TOKEN_TAG, name, index, self.shield.text), message


class _Context(RenderContext):
    """A render context that knows its document, so tags and filters can report at the right line."""

    run: _Run

    def filter(self, name: str, token: Token | None) -> Callable[..., object]:
        """The named filter; an unknown one warns and passes its input through (as Jekyll does)."""
        if name not in self.env.filters:
            self.run.warn(token, f"unknown Liquid filter `{name}`; its input is left unchanged")
            return _unchanged
        return super().filter(name, token)


def _unchanged(value: object, *args: object, **kwargs: object) -> object:
    return value


class _Template(BoundTemplate):
    context_class = _Context


def _render(template: BoundTemplate, run: _Run) -> list[tuple[Token, str]]:
    """Render a parsed body with the document's site, page and jekyll values: each top-level node's output."""
    context = _Context(template, globals={**liquid_globals(run.context, run.source), **run.extra})
    context.run = run
    buffer = LimitedStringIO(limit=_Environment.output_stream_limit)
    pieces: list[tuple[Token, str]] = []
    for node in template.nodes:
        start = buffer.tell()
        try:
            node.render(context, buffer)
        except LiquidInterrupt as exc:  # {% break %} outside a loop
            raise LiquidSyntaxError(f"unexpected `{exc}`", token=node.token) from None
        buffer.seek(start)
        pieces.append((node.token, buffer.read()))
    return pieces


def liquid_globals(context: LiquidContext, source: str) -> dict[str, object]:
    """`site`, `page`, `jekyll` and `paginator` as Jekyll gives them to one document."""
    baseurl = context.base_url.rstrip("/")
    # jekyll-github-metadata's site.github: url is the Pages address with the project path (url + baseurl,
    # the local server's under `serve`); a `github:` mapping in the config is merged over it, as the plugin does.
    github, address = context.site.get("github"), {"url": context.url + baseurl, "baseurl": baseurl}
    values = {
        **context.site,
        "url": context.url,
        "baseurl": baseurl,
        "github": {**address, **github} if isinstance(github, Mapping) else address if github is None else github,
        "data": context.files.data,
    }
    model = context.model
    own = next((d for d in model.documents if d.meta.source == source), None) if model else None
    return {
        "site": SiteDrop(values, model, own),
        "page": page_drop(model, source, dict(context.page)),
        "jekyll": {"environment": context.environment, "version": JEKYLL_VERSION},
        "paginator": None,
    }


def _run_of(context: RenderContext) -> _Run:
    assert isinstance(context, _Context)
    return context.run


# -- the environment: limits, includes, Jekyll's tags ------------------------------------------


class _Environment(Environment):
    """Liquid as Jekyll has it, with limits so a post cannot loop or grow without end."""

    template_class = _Template
    loop_iteration_limit = 100_000
    output_stream_limit = 20_000_000
    local_namespace_limit = 20_000_000
    context_depth_limit = 30
    settings = LiquidConfig()

    def _parse(self, source: str) -> list[Node]:
        """Parse with the stream that reads `a.limit` as a property (see _words_after_dots)."""
        return get_parser(self).parse(_Stream(self.tokenizer()(source)))


# -- python-liquid 2.3.6 reads `x.limit`, `include.offset`, `a.with` … as keywords and fails ("expected an
# identifier, found limit"); Ruby Liquid reads a property. Remove _Stream, _words_after_dots and their uses
# in _Output and _IncludeTag once python-liquid reads a word after a dot as a property
# (tests/test_liquid.py::test_keyword_named_properties fails when this is no longer needed).


def _words_after_dots(tokens: Iterable[Token]) -> list[Token]:
    """Expression tokens with every keyword that follows a `.` made a plain word (a property name)."""
    fixed: list[Token] = []
    for token in tokens:
        if (
            fixed
            and fixed[-1].kind == TOKEN_DOT
            and token.kind not in (TOKEN_WORD, TOKEN_EOF)
            and token.value.isalpha()
        ):
            token = Token(TOKEN_WORD, token.value, token.start_index, token.source)
        fixed.append(token)
    return fixed


def expression_stream(token: Token) -> TokenStream:
    """The tokens of one tag's or output's expression, keyword-named properties read as properties."""
    return TokenStream(iter(_words_after_dots(tokenize(token.value, token))))


class _Stream(TokenStream):
    """A template's token stream whose tag expressions read keyword-named properties as properties."""

    def into_inner(self, *, tag: Token | None = None, eat: bool = True) -> TokenStream:
        inner = super().into_inner(tag=tag, eat=eat)
        inner.tokens = _words_after_dots(inner.tokens)
        return inner


class _IncludeLoader(CachingLoaderMixin, BaseLoader):
    """Templates from the site's _includes/ only: no `..`, no absolute paths (each parsed once per build)."""

    def __init__(self, includes: Mapping[str, str]) -> None:
        super().__init__(auto_reload=False, capacity=1000)
        self.includes = includes

    def get_source(
        self, env: Environment, template_name: str, *, context: RenderContext | None = None, **kwargs: object
    ) -> TemplateSource:
        """The text of _includes/<name>."""
        name = template_name.strip()
        if name.startswith(("/", "\\")) or ".." in name.split("/") or "\\" in name or "\0" in name:
            raise TemplateNotFoundError(f"`{name}` is outside {INCLUDES_DIR}/")
        text = self.includes.get(name)
        if text is None:
            raise TemplateNotFoundError(f"no file {INCLUDES_DIR}/{name}")
        return TemplateSource(text, name, None)


@functools.lru_cache(maxsize=4)  # one per build's includes; LiquidFiles compare by their digest
def _environment(files: LiquidFiles, settings: LiquidConfig = DEFAULT_SETTINGS) -> Environment:
    """A Liquid environment with Jekyll's tags and filters, reading includes from files."""
    undefined = StrictUndefined if settings.strict_variables else Undefined
    env = _Environment(loader=_IncludeLoader(files.includes), tolerance=Mode.STRICT, undefined=undefined)
    env.settings = settings
    for name in ("render", "tablerow", "doc"):
        env.tags.pop(name, None)
    tags = (
        _IncludeTag,
        _IncludeCachedTag,
        _IncludeRelativeTag,
        _HighlightTag,
        _PostUrlTag,
        _LinkTag,
        _CiteTag,
        _BibliographyTag,
        _UnknownTag,
        _Output,
        _Assign,
    )
    for tag in tags:
        env.add_tag(tag)
    for name, function in jekyll_filters().items():
        env.add_filter(name, function)
    return env


def _markup(stream: TokenStream) -> tuple[Token, str]:
    """A tag's token and its text after the name."""
    token = stream.current
    following = stream.peek
    if following.kind == TOKEN_EXPRESSION:
        stream.next_token()
        return token, following.value.strip()
    return token, ""


class _IncludeNode(Node):
    """Jekyll's {% include file.html key=value %}: the file rendered with `include.key` set."""

    def __init__(self, token: Token, name: BoundTemplate | str, args: Sequence[tuple[str, object]]) -> None:
        super().__init__(token)
        self.name = name
        self.args = args
        self.blank = False
        self.relative = False  # include_relative: from the document's folder, not _includes/

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        run = _run_of(context)
        run.outer.append(self.token)
        try:
            return self._include(run, context, buffer)
        except LiquidError as exc:
            if not hasattr(exc, "mathpress_token"):
                exc.mathpress_token = exc.token  # type: ignore[attr-defined]
            exc.mathpress_outer = self.token  # type: ignore[attr-defined]
            raise
        finally:
            run.outer.pop()

    def _include(self, run: _Run, context: RenderContext, buffer: TextIO) -> int:
        """Render the included file into buffer (a missing file is a warning: themes' includes are not ours)."""
        name = self.name if isinstance(self.name, str) else _to_string(self.name, context)
        tag = "include_relative" if self.relative else "include"
        try:
            if self.relative:
                template = context.env.from_string(_relative_file(run, name.strip()), name=name.strip())
            else:
                template = context.env.get_template(name.strip(), context=context)
        except TemplateNotFoundError as exc:
            run.warn(self.token, f"`{{% {tag} {name} %}}`: {exc.message}; left out")
            return False
        values = {key: _value(value, context) for key, value in self.args}
        with context.extend({"include": values}, template=template):
            template.render_with_context(context, buffer, partial=True)
        return True


def _relative_file(run: _Run, name: str) -> str:
    """The text of a file an include_relative names, beside the document (its reading recorded for the cache)."""
    root = run.context.root
    folder = PurePosixPath(str(run.context.page.get("path") or run.source)).parent
    parts = PurePosixPath(name).parts
    if root is None or not parts or name.startswith("/") or ".." in parts or "\\" in name or "\0" in name:
        raise TemplateNotFoundError(f"`{name}` is not a file beside {run.source}")
    rel = (folder / name).as_posix()
    beside = _static_beside(rel)
    if beside and not (root / rel).exists() and (root / beside).is_file():
        rel = beside
    path = root / rel
    try:
        if not path.resolve().is_relative_to(root.resolve()) or not path.is_file():
            raise TemplateNotFoundError(f"no file {rel}")
        text = decode(path.read_bytes(), rel)
    except (OSError, SourceError, RuntimeError):
        raise TemplateNotFoundError(f"{rel} cannot be read as text") from None
    note_read(FILE_READ + rel)
    return text


def _static_beside(rel: str) -> str:
    """For content/a/b.html, static/a/b.html: the file published beside the document, where Jekyll's source kept
    it (a file with no front matter beside a page is a static file; import carries it to static/)."""
    return "static/" + rel.removeprefix("content/") if rel.startswith("content/") else ""


def _value(value: object, context: RenderContext) -> object:
    """An include argument's value: text as written, or a variable's value."""
    return value.evaluate(context) if isinstance(value, FilteredExpression) else value


def _to_string(template: BoundTemplate, context: RenderContext) -> str:
    """A small template (an include's file name) rendered in the current context."""
    buffer = io.StringIO()
    template.render_with_context(context, buffer, partial=True)
    return buffer.getvalue()


class _IncludeTag(Tag):
    """{% include name key=value key2="text" %} as Jekyll reads it."""

    name = "include"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        match = re.match(r"""(\{\{.*?\}\}\S*|"[^"]*"|'[^']*'|\S+)\s*(.*)\Z""", markup, re.S)
        if not match:
            raise LiquidSyntaxError("`{% include %}` needs a file name", token=token)
        file_name = match[1].strip("\"'")
        name: BoundTemplate | str = self.env.from_string(file_name) if "{{" in file_name else file_name
        rest = match[2].strip()
        args: list[tuple[str, object]] = []
        for argument in INCLUDE_ARGUMENT.finditer(rest):
            if argument[4] is not None:
                stream = TokenStream(iter(_words_after_dots(tokenize(argument[4], token))))
                value: object = FilteredExpression.parse(self.env, stream)
            else:
                value = argument[2].replace('\\"', '"') if argument[2] is not None else argument[3].replace("\\'", "'")
            args.append((argument[1], value))
        leftover = INCLUDE_ARGUMENT.sub("", rest).strip()
        if leftover:
            raise LiquidSyntaxError(f'`{{% include %}}`: cannot read `{leftover}` (write key="value")', token=token)
        return _IncludeNode(token, name, args)


# -- Jekyll's `liquid: error_mode: warn` (its default) and `lax`: an output or assign that strict Liquid cannot
# parse is read as Ruby Liquid's lax parser reads it (the first fragment is the value, then `| filter: args`
# pieces), with a warning in `warn` mode, silently in `lax`. `strict` keeps the error.

QUOTED = r"\"[^\"]*\"|'[^']*'"
QUOTED_FRAGMENT = re.compile(rf"{QUOTED}|(?:[^\s,|'\"]|{QUOTED})+")
FILTER_PIECE = re.compile(rf"(?:\s+|{QUOTED_FRAGMENT.pattern}|,)+")
FILTER_ARGUMENT = re.compile(rf"(?::|,)\s*((?:\w+\s*:\s*)?(?:{QUOTED_FRAGMENT.pattern}))")
VARIABLE_PART = re.compile(r"\[[^\]]+\]|[\w-]+\??")
LITERAL = re.compile(rf"^(?:{QUOTED}|-?\d+(?:\.\d+)?|true|false|nil|null|empty|blank|\(\S+\.\.\S+\))$")


def lax_markup(markup: str) -> str:
    """What Ruby Liquid's lax parser makes of an expression, written as strict Liquid (`nil` when nothing)."""
    match = QUOTED_FRAGMENT.search(markup)
    if match is None:
        return "nil"
    value = _lax_value(match[0])
    rest = markup[match.end() :]
    bar = rest.find("|")
    filters = []
    for piece in FILTER_PIECE.findall(rest[bar + 1 :]) if bar >= 0 else []:
        name = re.search(r"\w+", piece)
        if name is None:
            continue
        arguments = [_lax_argument(a) for a in FILTER_ARGUMENT.findall(piece[name.end() :])]
        filters.append(name[0] + (": " + ", ".join(arguments) if arguments else ""))
    return " | ".join([value, *filters])


def _lax_value(fragment: str) -> str:
    """A literal as written, else the variable its word and bracket parts name."""
    if LITERAL.match(fragment):
        return fragment
    parts = VARIABLE_PART.findall(fragment)
    if not parts or parts[0].startswith("["):
        return "nil"
    tail = "".join(part if part.startswith("[") else f"[{json.dumps(part)}]" for part in parts[1:])
    return str(parts[0]) + tail


def _lax_argument(argument: str) -> str:
    """One filter argument: `key: value` or a value."""
    keyword = re.match(r"(\w+)\s*:\s*(.*)\Z", argument, re.S)
    if keyword and not LITERAL.match(argument):
        return f"{keyword[1]}: {_lax_value(keyword[2])}"
    return _lax_value(argument)


Parsed = FilteredExpression | TernaryFilteredExpression


def _lenient(env: Environment, token: Token, exc: LiquidSyntaxError) -> tuple[Parsed, str]:
    """The lax reading of an expression strict Liquid refused, and the warning to give (empty in lax mode)."""
    settings: LiquidConfig = getattr(env, "settings", DEFAULT_SETTINGS)
    if settings.error_mode == "strict":
        raise exc
    try:
        stream = TokenStream(iter(_words_after_dots(tokenize(lax_markup(token.value), token))))
        expression = FilteredExpression.parse(env, stream)
    except LiquidSyntaxError:
        expression = FilteredExpression.parse(env, TokenStream(tokenize("nil", token)))
    if settings.error_mode == "lax":
        return expression, ""
    shown = " ".join(token.value.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "…"
    return expression, f"Liquid syntax error in `{shown}` ({exc.message}); read leniently, as Jekyll does"


class _LenientOutputNode(OutputNode):
    """An output strict Liquid could not parse, read as Ruby Liquid's lax parser reads it."""

    def __init__(self, token: Token, expression: Parsed, message: str) -> None:
        super().__init__(token, expression)
        self.message = message

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        if self.message:
            _run_of(context).warn(self.token, self.message)
        return super().render_to_output(context, buffer)


class _Output(Output):
    """`{{ … }}`: keyword-named properties read as properties; unparsable ones read leniently unless strict."""

    def parse(self, stream: TokenStream) -> OutputNode:
        token = stream.eat(TOKEN_OUTPUT)
        expression_token = stream.expect(TOKEN_EXPRESSION)
        try:
            return self.node_class(token, FilteredExpression.parse(self.env, expression_stream(expression_token)))
        except LiquidSyntaxError as exc:
            expression, message = _lenient(self.env, expression_token, exc)
            return _LenientOutputNode(token, expression, message)


class _LenientAssignNode(AssignNode):
    """An assign whose value strict Liquid could not parse, read leniently."""

    def __init__(self, token: Token, name: Identifier, expression: Parsed, message: str) -> None:
        super().__init__(token, name=name, expression=expression)
        self.message = message

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        if self.message:
            _run_of(context).warn(self.token, self.message)
        return super().render_to_output(context, buffer)


class _Assign(AssignTag):
    """`{% assign x = … %}`, its value read leniently when strict Liquid cannot (Jekyll's warn and lax modes)."""

    def parse(self, stream: TokenStream) -> AssignNode:
        token = stream.eat(TOKEN_TAG)
        expression_token = stream.current
        tokens = stream.into_inner(tag=token, eat=False)
        name = parse_identifier(self.env, tokens, allow_trailing_question_mark=False)
        tokens.eat(TOKEN_ASSIGN)
        start = tokens.current.start_index
        try:
            return self.node_class(token, name=name, expression=FilteredExpression.parse(self.env, tokens))
        except LiquidSyntaxError as exc:
            offset = max(0, start - expression_token.start_index)
            value = Token(TOKEN_EXPRESSION, expression_token.value[offset:], start, expression_token.source)
            expression, message = _lenient(self.env, value, exc)
            return _LenientAssignNode(token, name, expression, message)


class _TextNode(Node):
    """Fixed text, and a warning when it is rendered."""

    def __init__(self, token: Token, text: str, message: str = "") -> None:
        super().__init__(token)
        self.text = text
        self.message = message
        self.blank = not text

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        if self.message:
            _run_of(context).warn(self.token, self.message)
        buffer.write(self.text)
        return bool(self.text)


class _IncludeRelativeTag(_IncludeTag):
    """{% include_relative file.html key=value %}: a file beside the document (or below its folder), as Jekyll
    reads it: no `..`, nothing outside the site."""

    name = "include_relative"

    def parse(self, stream: TokenStream) -> Node:
        node = super().parse(stream)
        assert isinstance(node, _IncludeNode)
        node.relative = True
        return node


class _IncludeCachedTag(_IncludeTag):
    """jekyll-include-cache's {% include_cached %} (GitHub Pages has it): the include, rendered each time."""

    name = "include_cached"


class _UnknownTag(Tag):
    """A tag no one registered (a plugin's): a warning, and a link or its key left for the reader."""

    name = "illegal"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        name = token.value
        closes_known_block = name.startswith("end") and name[3:] in self.env.tags
        if not name or closes_known_block or name in ("else", "elsif", "when", "break", "continue"):
            raise LiquidSyntaxError(f"unexpected tag `{name}`" if name else "missing tag name", token=token)
        if name.startswith("end"):
            return _TextNode(token, "")  # the end of an unknown block tag; its start was reported
        text, left = _stand_in(name, markup)
        return _TextNode(token, text, f"`{{% {name} %}}` is a plugin's tag mathpress cannot render; left {left}")


def _stand_in(name: str, markup: str) -> tuple[str, str]:
    """What the reader sees instead of an unknown tag, and how to say it in the warning."""
    url = URL.search(markup)
    words = markup.split()
    if url is None and name in LINKED_IDS and words:
        url = re.match(r".+", LINKED_IDS[name].format(urllib.parse.quote(words[0].strip("\"'"))))
    if url is not None:
        href = html.escape(url.group(), quote=True)
        return f'<a href="{href}">{href}</a>', "a link to it"
    if name in CITATION_TAGS and words:
        keys = ", ".join(w for w in words if "=" not in w)
        return f"[{html.escape(keys)}]", "the key"
    shown = html.escape(markup or name)
    return f"[{shown}]", "its text"


class _HighlightNode(Node):
    """{% highlight lang linenos %}: a fenced code block, highlighted by Pygments like any other."""

    def __init__(self, token: Token, lang: str, numbered: bool, block: BlockNode) -> None:
        super().__init__(token)
        self.lang = lang
        self.numbered = numbered
        self.block = block
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        inner = io.StringIO()
        self.block.render(context, inner)
        code = inner.getvalue()
        code = code.removeprefix("\n").removesuffix("\n")
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        numbers = ' linenums="1"' if self.numbered else ""
        buffer.write(f"{fence}{self.lang}{numbers}\n{code}\n{fence}")
        return True


class _HighlightTag(Tag):
    """{% highlight lang [linenos] %}…{% endhighlight %}."""

    name = "highlight"
    end = "endhighlight"

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        match = re.match(r"([\w+#.-]+)(.*)\Z", markup, re.S)
        if not match:
            raise LiquidSyntaxError("`{% highlight %}` needs a language: {% highlight python %}", token=token)
        stream.next_token()
        block = get_parser(self.env).parse_block(stream, (self.end,))
        stream.expect(TOKEN_TAG, value=self.end)
        return _HighlightNode(token, match[1], "linenos" in match[2], block)


class _PostUrlNode(Node):
    """{% post_url 2024-01-02-name %}: that post's URL under the base URL."""

    def __init__(self, token: Token, name: str) -> None:
        super().__init__(token)
        self.name = name
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        run = _run_of(context)
        stem = self.name.rsplit("/", 1)[-1]
        url = run.context.post_urls.get(stem)
        if url is None:
            raise _TagError(f"{{% post_url {self.name} %}}: no such post", token=self.token)
        buffer.write(run.context.relative(url))
        return True


class _TagError(LiquidError):
    """A tag that names something that does not exist."""


class _PostUrlTag(Tag):
    name = "post_url"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return _PostUrlNode(token, markup)


class _LinkNode(Node):
    """{% link path %}: the URL of the post, page or file at that path."""

    def __init__(self, token: Token, path: str) -> None:
        super().__init__(token)
        self.path = path
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        run = _run_of(context)
        path = self.path.strip("\"'").lstrip("/")
        urls = run.context.document_urls
        candidates = (path, f"content/{path}", "content/posts/" + path.removeprefix("_posts/"))
        url = next((urls[c] for c in candidates if c in urls), None)
        if url is None:  # `_pages/about.md` for a page the import put at content/about.md: the one of that name
            named = [u for source, u in urls.items() if source.rsplit("/", 1)[-1] == path.rsplit("/", 1)[-1]]
            url = named[0] if len(named) == 1 else None
        if url is None and path.endswith((".md", ".markdown")):
            raise _TagError(f"{{% link {self.path} %}}: no such post or page", token=self.token)
        buffer.write(run.context.relative(url if url is not None else path))
        return True


class _LinkTag(Tag):
    name = "link"
    block = False

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return _LinkNode(token, markup)


class _ScholarNode(Node):
    """jekyll-scholar's {% cite %} / {% bibliography %}: pandoc's citation syntax or a References slot, for
    the citations stage to format (mathpress.citations). `{{ var }}` in the tag's text is rendered first."""

    def __init__(self, token: Token, markup: BoundTemplate, cite: bool) -> None:
        super().__init__(token)
        self.markup = markup
        self.cite = cite
        self.blank = False

    def render_to_output(self, context: RenderContext, buffer: TextIO) -> int:
        words = _to_string(self.markup, context).split()
        buffer.write(_scholar_cite(words) if self.cite else _scholar_bibliography(words))
        return True


def _scholar_cite(words: list[str]) -> str:
    """`{% cite a b --locator 3 %}` as `[@a; @b, p. 3]` (jekyll-scholar's -l/--locator, -L/--label)."""
    keys, locator, label, pending = [], "", "p.", ""
    for word in words:
        if pending:
            locator, label = (word, label) if pending == "locator" else (locator, word + ".")
            pending = ""
        elif word in ("-l", "--locator", "-L", "--label"):
            pending = "locator" if word in ("-l", "--locator") else "label"
        elif not word.startswith("-"):
            keys.append(word.strip("\"'"))
    if not keys:
        return ""
    where = f", {label} {locator}" if locator else ""
    return "[" + "; ".join(f"@{key}" for key in keys) + where + "]"


def _scholar_bibliography(words: list[str]) -> str:
    """`{% bibliography [--cited] [-f file] [-q query] %}` as the citations stage's slot."""
    options: dict[str, str] = {}
    flag = ""
    for word in words:
        if flag:
            options[flag] = word.strip("\"'")
            flag = ""
        elif word in ("-f", "--file", "-q", "--query"):
            flag = "file" if word in ("-f", "--file") else "query"
    cited = "--cited" in words or "-c" in words or "--cited_in_order" in words
    return citation_slot(cited, options.get("file", ""), options.get("query", ""))


class _CiteTag(Tag):
    name = "cite"
    block = False
    cites = True

    def parse(self, stream: TokenStream) -> Node:
        token, markup = _markup(stream)
        return _ScholarNode(token, self.env.from_string(markup), self.cites)


class _BibliographyTag(_CiteTag):
    name = "bibliography"
    cites = False


# -- Jekyll's filters ------------------------------------------------------------------------------


def jekyll_filters() -> dict[str, Callable[..., object]]:
    """Jekyll's own filters, by name (a value they cannot take is a Liquid error, not a traceback)."""
    return {name: _guarded(name, function) for name, function in _JEKYLL_FILTERS.items()}


def _guarded(name: str, function: Callable[..., object]) -> Callable[..., object]:
    """A filter whose errors on bad input become Liquid errors at the filter's place."""

    def apply(value: object, *args: object, **kwargs: object) -> object:
        try:
            return function(value, *args, **kwargs)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            raise FilterArgumentError(f"{name}: {exc}", token=None) from None

    apply.with_context = getattr(function, "with_context", False)  # type: ignore[attr-defined]
    return apply


def _jekyll_filters() -> dict[str, Callable[..., object]]:
    return {
        "relative_url": _with_run(lambda run, value: run.context.relative(_text(value))),
        "absolute_url": _with_run(lambda run, value: run.context.absolute(_text(value))),
        "markdownify": markdownify,
        "smartify": _text,  # typographic quotes are left as written
        "jsonify": jsonify,
        "inspect": jsonify,
        "date_to_xmlschema": lambda value: _date(value).isoformat(),
        "date_to_rfc822": lambda value: _date(value).strftime("%a, %d %b %Y %H:%M:%S %z"),
        "date_to_string": lambda value, kind=None, style=None: _date_string(value, "%b", kind, style),
        "date_to_long_string": lambda value, kind=None, style=None: _date_string(value, "%B", kind, style),
        "slugify": slugify,
        "where": where,
        "where_exp": _with_context(where_exp),
        "group_by_exp": _with_context(group_by_exp),
        "date": _with_run(liquid_date),
        "find": find,
        "find_exp": _with_context(find_exp),
        "sort": sort,
        "group_by": group_by,
        "xml_escape": lambda value: html.escape(_text(value), quote=True),
        "cgi_escape": lambda value: urllib.parse.quote_plus(_text(value)),
        "uri_escape": lambda value: urllib.parse.quote(_text(value), safe="!#$&'()*+,/:;=?@[]~"),
        "number_of_words": lambda value, mode=None: len(_text(value).split()),
        "array_to_sentence_string": array_to_sentence_string,
        "normalize_whitespace": lambda value: re.sub(r"\s+", " ", _text(value)).strip(),
        "push": lambda value, item: [*_items(value), item],
        "pop": lambda value, n=1: _items(value)[: -int(n) or None],
        "shift": lambda value, n=1: _items(value)[int(n) :],
        "unshift": lambda value, item: [item, *_items(value)],
    }


def _with_run(function: Callable[..., object]) -> Callable[..., object]:
    """A filter that needs the document's context."""

    def apply(value: object, *args: object, context: RenderContext) -> object:
        return function(_run_of(context), value, *args)

    apply.with_context = True  # type: ignore[attr-defined]
    return apply


def _with_context(function: Callable[..., object]) -> Callable[..., object]:
    """A filter that needs the render context."""
    function.with_context = True  # type: ignore[attr-defined]
    return function


def _text(value: object) -> str:
    """A Liquid value as text (nil is empty)."""
    if value is None or isinstance(value, Undefined):
        return ""
    return str(value)


def _items(value: object) -> list[Any]:
    """A Liquid value as a list."""
    if isinstance(value, Undefined):
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, Mapping):
        return list(value.items())
    return [] if value is None or not _text(value) else [value]


def _field(item: object, name: str) -> object:
    """item.name, for mappings (Liquid's `item.name`)."""
    value: object = item
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def markdownify(value: object) -> str:
    """Markdown → HTML (Jekyll's markdownify)."""
    extensions = ["markdown.extensions.tables", "markdown.extensions.attr_list", "markdown.extensions.footnotes"]
    return markdown.markdown(_text(value), extensions=extensions).strip() + "\n"


def jsonify(value: object) -> str:
    """A value as compact JSON."""
    return json.dumps(_plain(value), ensure_ascii=False, separators=(",", ":"), default=str)


def _plain(value: object) -> object:
    """Mappings and lists made JSON-ready; Undefined becomes null."""
    if isinstance(value, Undefined):  # before Mapping: python-liquid's Undefined is one
        return None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _date(value: object) -> dt.datetime:
    """A Liquid value as a date-time."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    text = _text(value).strip()
    try:
        return dt.datetime.fromisoformat(text.replace(" +", "+").replace(" -", "-"))
    except ValueError:
        raise FilterArgumentError(f"`{text}` is not a date", token=None) from None


def _date_string(value: object, month: str, kind: object, style: object) -> str:
    """Jekyll's date_to_string / date_to_long_string: `02 Jan 2024`, `Jan 2nd, 2024` (ordinal, US)."""
    date = _date(value)
    if kind != "ordinal":
        return date.strftime(f"%d {month} %Y")
    day = date.day
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    if style == "US":
        return date.strftime(f"{month} {day}{suffix}, %Y")
    return date.strftime(f"{day}{suffix} {month} %Y")


def slugify(value: object, mode: object = "default") -> str:
    """Jekyll's slugify: modes none, raw, default, pretty, ascii, latin."""
    text = _text(value)
    if mode == "none":
        return text
    patterns = {
        "raw": r"\s+",
        "pretty": r"[^\w._~!$&'()+,;=@]+",
        "ascii": r"[^a-zA-Z0-9]+",
        "latin": r"[^a-zA-Z0-9]+",
    }
    if mode == "latin":
        import unicodedata

        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    pattern = patterns.get(str(mode), r"[^\w]+|_+")
    return re.sub(pattern, "-", text).strip("-").lower()


def where(value: object, name: object, target: object = None) -> list[Any]:
    """Items whose field equals target (or, for a list field, contains it)."""
    wanted = _text(target)
    kept = []
    for item in _items(value):
        got = _field(item, _text(name))
        if isinstance(got, (list, tuple)):
            if wanted in [_text(v) for v in got]:
                kept.append(item)
        elif _text(got) == wanted:
            kept.append(item)
    return kept


def where_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> list[Any]:
    """Items for which a Liquid condition holds: `where_exp: "post", "post.draft != true"`."""
    test = context.env.from_string(f"{{% if {_text(expression)} %}}1{{% endif %}}")
    kept = []
    for item in _items(value):
        buffer = io.StringIO()
        with context.extend({_text(variable): item}):
            test.render_with_context(context, buffer, partial=True)
        if buffer.getvalue() == "1":
            kept.append(item)
    return kept


def liquid_date(run: _Run, value: object, fmt: object = None) -> object:
    """Ruby Liquid's date: nil stays nil, text that is no date is returned as written, `now` is the build's time."""
    if value is None or isinstance(value, Undefined):
        return None
    if fmt is None or isinstance(fmt, Undefined) or _text(fmt) == "":
        return value
    if value in ("now", "today"):
        model = run.context.model
        value = model.now.astimezone(model.zone) if model else dt.datetime.now(dt.UTC)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if not isinstance(value, dt.datetime):
        parsed = _parsed_date(_text(value))
        if parsed is None:
            return value
        value = parsed
    text = _text(fmt)
    return str(int(value.timestamp())) if text == "%s" else value.strftime(text)


def _parsed_date(text: str) -> dt.datetime | None:
    """A date in any form Ruby's Time.parse commonly reads (ISO, `2020-01-02 10:00:00 +0800`, `March 3, 2017`)."""
    if text.strip().lstrip("-").isdigit():
        return dt.datetime.fromtimestamp(int(text), dt.UTC)
    try:
        return dt.datetime.fromisoformat(re.sub(r"\s+([+-]\d{2}:?\d{2})$", r"\1", text.strip()))
    except ValueError:
        pass
    for form in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%B %Y"):
        try:
            return dt.datetime.strptime(text.strip(), form)
        except ValueError:
            continue
    return None


def group_by_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> list[Any]:
    """Items grouped by what a Liquid expression gives for each: [{name, items, size}] in first-seen order."""
    shown = context.env.from_string(f"{{{{ {_text(expression)} }}}}")
    groups: dict[str, list[Any]] = {}
    for item in _items(value):
        buffer = io.StringIO()
        with context.extend({_text(variable): item}):
            shown.render_with_context(context, buffer, partial=True)
        groups.setdefault(buffer.getvalue(), []).append(item)
    return [{"name": key, "items": items, "size": len(items)} for key, items in groups.items()]


def find(value: object, name: object, target: object = None) -> object:
    """The first item whose field equals target (Jekyll 4.1's find), or nil."""
    found = where(value, name, target)
    return found[0] if found else None


def find_exp(value: object, variable: object, expression: object, *, context: RenderContext) -> object:
    """The first item for which a Liquid condition holds (Jekyll 4.1's find_exp), or nil."""
    found = where_exp(value, variable, expression, context=context)
    return found[0] if found else None


def sort(value: object, name: object = None, nils: object = "first") -> list[Any]:
    """Items sorted (by a field, if named); missing values first, or last with `nils: "last"`."""
    items = _items(value)
    keyed = [(_field(item, _text(name)) if name else item, item) for item in items]
    present = [pair for pair in keyed if pair[0] is not None]
    missing = [item for key, item in keyed if key is None]
    try:
        present.sort(key=lambda pair: pair[0])  # type: ignore[arg-type, return-value]
    except TypeError:
        present.sort(key=lambda pair: _text(pair[0]))
    ordered = [item for _, item in present]
    return [*ordered, *missing] if nils == "last" else [*missing, *ordered]


def group_by(value: object, name: object) -> list[dict[str, Any]]:
    """Items grouped by a field: [{name, items, size}]."""
    groups: dict[str, list[Any]] = {}
    for item in _items(value):
        groups.setdefault(_text(_field(item, _text(name))), []).append(item)
    return [{"name": key, "items": items, "size": len(items)} for key, items in groups.items()]


def array_to_sentence_string(value: object, connector: object = "and") -> str:
    """`a, b, and c`."""
    words = [_text(v) for v in _items(value)]
    if len(words) <= 2:
        return f" {connector} ".join(words)
    return f"{', '.join(words[:-1])}, {connector} {words[-1]}"


_JEKYLL_FILTERS = _jekyll_filters()
