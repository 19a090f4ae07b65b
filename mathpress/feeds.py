"""Feeds: Site → Atom feed (full content, math as MathML, absolute URLs) and sitemap.xml."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from urllib.parse import urljoin

from . import __version__
from .config import Config
from .site import Post, Site
from .templates import absolute_url

Finish = Callable[[Post], tuple[str, str]]  # post → (content HTML, summary HTML) for the feed
XML_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(value: str) -> str:
    """Escaped XML text, with characters XML 1.0 forbids removed."""
    from xml.sax.saxutils import escape  # imported here: it loads urllib.request, which a no-op build never needs

    return escape(XML_CONTROL.sub("", value))


def _attr(value: str) -> str:
    from xml.sax.saxutils import quoteattr

    return quoteattr(XML_CONTROL.sub("", value))


def absolutize(fragment: str, base: str) -> str:
    """Make every href/src/srcset in an HTML fragment absolute, against the post's URL."""

    def one(match: re.Match[str]) -> str:
        name, value = match[1], match[2]
        if name == "srcset":
            parts = [p.strip().split(" ", 1) for p in value.split(",") if p.strip()]
            value = ", ".join(" ".join([urljoin(base, p[0]), *p[1:]]) for p in parts)
        else:  # "#fn:1" too: feed readers ignore xml:base
            value = urljoin(base, value)
        return f'{name}="{value}"'

    return re.sub(r'\b(href|src|srcset)="([^"]*)"', one, fragment)


def feed_html(fragment: str, base: str) -> str:
    """Post HTML as a feed carries it: absolute URLs, no heading anchors."""
    fragment = re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", fragment, flags=re.S)
    return absolutize(fragment, base)


def atom_feed(site: Site, finish: Finish, updated_floor: dt.datetime | None = None) -> bytes:
    """The Atom feed of the newest posts."""
    config = site.config
    entries = site.posts[: config.feed_entries]
    newest = max((p.date for p in entries if p.date), default=updated_floor or dt.datetime(1970, 1, 1, tzinfo=dt.UTC))
    home = absolute_url(config, "/")
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={_attr(config.language)}>',
        f"<title>{_text(config.title)}</title>",
    ]
    if config.description:
        lines.append(f"<subtitle>{_text(config.description)}</subtitle>")
    lines += [
        f'<link href={_attr(absolute_url(config, "/feed.xml"))} rel="self" type="application/atom+xml"/>',
        f'<link href={_attr(home)} rel="alternate" type="text/html"/>',
        f"<updated>{_stamp(newest)}</updated>",
        f"<id>{_text(home)}</id>",
        f"<author><name>{_text(config.author or config.title)}</name></author>",
        f'<generator version="{__version__}">mathpress</generator>',
    ]
    lines += [_entry(site, post, finish) for post in entries]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _entry(site: Site, post: Post, finish: Finish) -> str:
    """One <entry>: content and summary as HTML with MathML and absolute URLs."""
    config = site.config
    url = absolute_url(config, post.url)
    content, summary = finish(post)
    stamp = _stamp(post.date) if post.date else ""
    parts = [
        "<entry>",
        f"<title>{_text(post.title)}</title>",
        f'<link href={_attr(url)} rel="alternate" type="text/html"/>',
        f"<id>{_text(url)}</id>",
        f"<published>{stamp}</published>",
        f"<updated>{stamp}</updated>",
        f"<author><name>{_text(post.author or config.author or config.title)}</name></author>",
    ]
    parts += [f"<category term={_attr(tag.name)}/>" for tag in post.tags]
    parts.append(f'<summary type="html">{_text(feed_html(summary, url))}</summary>')
    parts.append(f'<content type="html" xml:base={_attr(url)}>{_text(feed_html(content, url))}</content>')
    parts.append("</entry>")
    return "\n".join(parts)


def _stamp(value: dt.datetime) -> str:
    """An RFC 3339 timestamp."""
    return value.isoformat(timespec="seconds")


def sitemap(site: Site) -> bytes:
    """sitemap.xml: every post, page, index page and tag page, with absolute URLs."""
    config = site.config
    index = [(i.url, None) for i in site.index_pages if site.generates(i.output)]
    listings = [("/tags/", "tags/index.html"), ("/archive/", "archive/index.html")]
    listings += [(t.url, t.output) for t in site.tags]
    listings += [("/search/", "search/index.html")] if config.search else []
    urls: list[tuple[str, dt.datetime | None]] = [*index, *((p.url, p.date) for p in (*site.posts, *site.pages))]
    urls += [(url, None) for url, output in listings if site.generates(output)]
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, date in urls:
        lastmod = f"<lastmod>{date.date().isoformat()}</lastmod>" if date else ""
        lines.append(f"<url><loc>{_text(absolute_url(config, url))}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(config: Config) -> bytes:
    """robots.txt pointing at the sitemap."""
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute_url(config, '/sitemap.xml')}\n".encode()
