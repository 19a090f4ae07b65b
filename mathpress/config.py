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
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3.2.2/es5/tex-chtml.js"
PERMALINK_TOKENS = (
    "year", "short_year", "month", "i_month", "short_month", "long_month", "day", "i_day", "y_day", "week", "w_year",
    "w_day", "short_day", "long_day", "hour", "minute", "second", "title", "slug", "name", "categories",
    "output_ext",
)  # fmt: skip


@dataclass(frozen=True)
class MathConfig:
    """How math is typeset and checked."""

    render: str = "mathjax"  # "mathjax" (browser) or "mathml" (no JavaScript)
    mathjax_url: str = MATHJAX_CDN
    font_url: str = ""  # MathJax 4 only: where its font package is served, when self-hosting
    macros: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    tags: str = "none"  # equation numbering: none, ams or all (MathJax's option)
    dollars: str = "pandoc"  # how a single `$` pairs: pandoc's rules, MathJax's, or not math ("text")
    check: bool = True  # check TeX at build time


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
    paginate: int = 10
    excerpt_separator: str = "<!--more-->"
    feed_entries: int = 20
    date_format: str = "%Y-%m-%d"
    safe_html: bool = False
    markdown_in_html: bool = False  # Markdown inside HTML blocks, as kramdown's parse_block_html
    cover_widths: tuple[int, ...] = (480, 960, 1600)
    exclude: tuple[str, ...] = ()
    highlight_style: str = "xcode"  # Pygments style; xcode keeps every token at 4.5:1 contrast (WCAG AA)
    math: MathConfig = field(default_factory=MathConfig)
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
    if isinstance(value, MathConfig):
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
            and len(definition) == 2
            and isinstance(definition[0], str)
            and isinstance(definition[1], int)
        )
        if not ok:
            raise ValueError(f"macro {name}: give the TeX, or [TeX, number of arguments]")
    return macros


TOP: dict[str, Check] = {
    "title": _text,
    "description": _text,
    "author": _text,
    "url": _text,
    "base_url": _text,
    "language": _text,
    "timezone": _timezone,
    "permalink": _permalink,
    "paginate": _positive,
    "excerpt_separator": _text,
    "feed_entries": _positive,
    "date_format": _text,
    "safe_html": _flag,
    "markdown_in_html": _flag,
    "cover_widths": _widths,
    "exclude": _texts,
    "highlight_style": _text,
    "extra": _mapping,
}
MATH: dict[str, Check] = {
    "render": _one_of("mathjax", "mathml"),
    "mathjax_url": _text,
    "font_url": _text,
    "macros": _macros,
    "tags": _one_of("none", "ams", "all"),
    "dollars": _one_of("pandoc", "mathjax", "text"),
    "check": _flag,
}


def load_config(root: Path, base_url: str | None = None) -> Config:
    """Read and validate ROOT/site.yml; base_url (from the command line) overrides the file."""
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
    values = _validate(doc, TOP, ("math",), ())
    math_doc = doc.data.get("math", {})
    if not isinstance(math_doc, dict):
        _fail(doc, ("math",), "`math` must be a mapping of `key: value` lines")
    math_values = _validate(doc, MATH, (), ("math",))
    config = Config(root=root, math=MathConfig(**math_values), **values)
    if base_url is not None:
        config = with_base_url(config, base_url)
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
