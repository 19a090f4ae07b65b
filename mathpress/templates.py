"""Templates stage: the Jinja environment (autoescape, StrictUndefined), its filters, page contexts."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from .config import Config
from .content import template_dirs
from .markup import sidenotes
from .site import IndexPage, Post, TagPage

LISTING_LAYOUTS = ("index", "tag", "tags", "archive", "404", "base", "search")
URL_SAFE = "/:#?&=%~+@!$,;"


def known_layouts(root: Path) -> tuple[str, ...]:
    """Layouts a document may name: every template but the site's own listing pages."""
    names = {p.stem for folder in template_dirs(root) for p in folder.glob("*.html")}
    return tuple(sorted(n for n in names if n not in LISTING_LAYOUTS and not n.startswith("_")))


def make_environment(config: Config) -> jinja2.Environment:
    """A Jinja environment with autoescape, StrictUndefined and mathpress's filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(config.root)]),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        relative_url=lambda path: relative_url(config, path),
        absolute_url=lambda path: absolute_url(config, path),
        date=lambda value, fmt=None: format_date(config, value, fmt),
        isodate=lambda value: value.isoformat() if value else "",
        jsonld=jsonld,
        blog_posting=lambda post: blog_posting(config, post),
        sidenotes=lambda body: Markup(sidenotes(str(body))),
        srcset=lambda items: ", ".join(f"{relative_url(config, src)} {width}w" for src, width in items),
    )
    env.globals.update(
        config=config,
        mathjax_config=lambda labels=False: jsonld(mathjax_config(config, labels)),
    )
    return env


def relative_url(config: Config, path: str) -> str:
    """A site path under base_url, percent-encoded (URLs stay as they are)."""
    if "://" in path or path.startswith(("mailto:", "#", "data:")):
        return path
    return _quoted(config.base_url.rstrip("/") + "/" + path.lstrip("/"))


@functools.lru_cache(maxsize=1 << 16)  # listings quote the same few thousand URLs on every page
def _quoted(path: str) -> str:
    return quote(path, safe=URL_SAFE)


def absolute_url(config: Config, path: str) -> str:
    """A full URL for feeds, canonical links and social cards."""
    relative = relative_url(config, path)
    return relative if "://" in relative else config.url + relative


def format_date(config: Config, value: dt.datetime | None, fmt: str | None = None) -> str:
    """A date in the site's zone and format."""
    if value is None:
        return ""
    return value.astimezone(config.zone).strftime(fmt or config.date_format)


def jsonld(value: Mapping[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> block, safe inside HTML."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def blog_posting(config: Config, post: Post) -> dict[str, Any]:
    """schema.org BlogPosting data for a post's JSON-LD."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "url": absolute_url(config, post.url),
        "mainEntityOfPage": absolute_url(config, post.url),
        "author": {"@type": "Person", "name": post.author or config.author or config.title},
        "description": post.description,
    }
    if post.date:
        data["datePublished"] = data["dateModified"] = post.date.isoformat()
    if post.cover:
        data["image"] = absolute_url(config, post.cover.src)
    if post.tags:
        data["keywords"] = ", ".join(tag.name for tag in post.tags)
    return data


def mathjax_config(config: Config, labels: bool = False) -> dict[str, Any]:
    """MathJax's configuration: only `.math` elements, only the delimiters the build wrote.

    A page that uses \\label gets AMS numbering when the site numbers nothing, so that
    \\eqref has a number to show (as in LaTeX).
    """
    macros = {name: value for name, value in config.math.macros.items()}
    settings: dict[str, Any] = {
        "tex": {
            "inlineMath": [["\\(", "\\)"]],
            "displayMath": [["\\[", "\\]"]],
            "processEscapes": False,
            "processEnvironments": False,
            "processRefs": True,
            "tags": "ams" if labels and config.math.tags == "none" else config.math.tags,
            "macros": macros,
        },
        "options": {"ignoreHtmlClass": "mathpress-page", "processHtmlClass": "math"},
    }
    if config.math.font_url:  # MathJax 4 self-hosted: the folder holding mathjax-newcm-font/
        settings["loader"] = {"paths": {"fonts": config.math.font_url}}
    return settings


def post_context(site: Any, post: Post, older: Post | None, newer: Post | None) -> dict[str, Any]:
    """What a post's or a page's template sees."""
    return {
        "site": site,
        "page": post,
        "older": older,
        "newer": newer,
        "has_math": post.has_math,
        "math_labels": post.math_labels,
    }


def index_context(site: Any, index: IndexPage) -> dict[str, Any]:
    """What one page of the index sees."""
    return {"site": site, "paginator": index, "has_math": any(p.has_math for p in index.posts), "math_labels": False}


def tag_context(site: Any, tag_page: TagPage) -> dict[str, Any]:
    """What a tag's page sees."""
    return {
        "site": site,
        "tag_page": tag_page,
        "has_math": any(p.has_math for p in tag_page.posts),
        "math_labels": False,
    }


def plain_context(site: Any) -> dict[str, Any]:
    """What the tags index, the archive and the 404 page see."""
    return {"site": site, "has_math": False, "math_labels": False}
