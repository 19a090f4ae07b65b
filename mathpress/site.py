"""Site stage: Metas → URLs (planned before rendering), then Posts, tags, archive, pages of the index.

URL collisions are found here, before anything is rendered or written.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .config import Config
from .errors import Diagnostic, SourceError, error
from .images import Variant
from .meta import Meta, slugify

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
OVERRIDABLE = frozenset({"robots.txt"})  # generated files a site's own file may replace
SPECIAL_OUTPUTS = {
    "feed.xml": "the Atom feed",
    "sitemap.xml": "the sitemap",
    "robots.txt": "robots.txt",
    "404.html": "the 404 page",
    ".nojekyll": ".nojekyll",
}


@dataclass(frozen=True)
class Tag:
    """A tag as shown (name) and as addressed (slug)."""

    name: str
    slug: str


@dataclass(frozen=True)
class Cover:
    """A post's cover image: its site path (or URL), alt text, size and resized copies."""

    src: str
    alt: str
    local: bool
    width: int = 0
    height: int = 0
    mime: str = ""
    variants: tuple[Variant, ...] = ()

    def srcset(self, mime: str) -> list[tuple[str, int]]:
        """(site path, width) of every copy of one type, the original last when it is that type."""
        items = [("/" + v.out, v.width) for v in self.variants if v.mime == mime]
        if mime == self.mime and self.variants:
            items.append((self.src, self.width))
        return items


# The sources whose body (html, toc) the page being rendered read: pages records it, so a page that
# shows other posts' bodies is rendered again when any body changes, and a listing is not.
BODIES_READ: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("bodies_read", default=None)


def note_body_read(source: str) -> None:
    """Record that the page being rendered read this post's body."""
    reads = BODIES_READ.get()
    if reads is not None:
        reads.add(source)


class Body:
    """A post's full HTML and table of contents, produced when a page asks for them.

    Most incremental builds never need a post's body: only pages that are re-rendered do.
    Nothing is kept here, so a build holds only the bodies it is rendering right now.
    """

    def __init__(self, produce: Callable[[], tuple[str, str]]) -> None:
        self._produce = produce

    def get(self) -> tuple[str, str]:
        """(HTML, table of contents)."""
        return self._produce()


@dataclass(frozen=True)
class Post:
    """What the site publishes for one post or page."""

    source: str
    kind: str
    title: str
    title_html: str  # the title as HTML, its math typeset
    date: dt.datetime | None
    url: str
    output: str
    tags: tuple[Tag, ...]
    categories: tuple[str, ...]
    author: str
    cover: Cover | None
    layout: str
    draft: bool
    future: bool
    body: Body = field(compare=False, repr=False)
    render_key: str
    excerpt: str
    description: str
    reading_minutes: int
    has_math: bool
    math_labels: bool
    front: Mapping[str, Any] = field(compare=False)

    @property
    def html(self) -> str:
        """The rendered body."""
        note_body_read(self.source)
        return self.body.get()[0]

    @property
    def toc(self) -> str:
        """The table of contents (empty when the post has no headings)."""
        note_body_read(self.source)
        return self.body.get()[1]


@dataclass(frozen=True)
class TagPage:
    """One tag and its posts, newest first."""

    tag: Tag
    url: str
    output: str
    posts: tuple[Post, ...]


@dataclass(frozen=True)
class IndexPage:
    """One page of the paginated index."""

    number: int
    total: int
    url: str
    output: str
    posts: tuple[Post, ...]
    previous_url: str | None
    next_url: str | None


@dataclass(frozen=True)
class Site:
    """The whole site, ready for templates, feeds and the sitemap."""

    config: Config
    posts: tuple[Post, ...]  # newest first
    pages: tuple[Post, ...]
    tags: tuple[TagPage, ...]  # by name
    index_pages: tuple[IndexPage, ...]
    years: tuple[tuple[int, tuple[Post, ...]], ...]  # newest year first
    positions: Mapping[str, int] = field(compare=False, repr=False)
    replaced: frozenset[str] = frozenset()  # generated listings whose output a post or page of the site took

    def generates(self, output: str) -> bool:
        """Whether the site writes this generated listing (a document at its URL replaces it)."""
        return output not in self.replaced

    def neighbours(self, post: Post) -> tuple[Post | None, Post | None]:
        """The older and the newer post next to this one."""
        index = self.positions[post.source]
        older = self.posts[index + 1] if index + 1 < len(self.posts) else None
        newer = self.posts[index - 1] if index > 0 else None
        return older, newer


# -- URLs ----------------------------------------------------------------------------------


def output_for_url(url: str) -> str:
    """The file a URL path is served from: /a/b/ → a/b/index.html, /x.xml → x.xml."""
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def document_output(url: str) -> str:
    """The file a post or page is written to: /a/ → a/index.html; /a/b and /a/b.php → a/b.html, a/b.php.html.

    As Jekyll writes it, and GitHub Pages serves `/a/b` from `a/b.html`; `/a/b.htm` stays a/b.htm (HTML
    served as HTML, as Jekyll writes a page whose own permalink ends in it).
    """
    output = output_for_url(url)
    return output if output.lower().endswith((".html", ".htm", ".xhtml")) else output + ".html"


def safe_url(raw: str) -> str:
    """Check a URL path from front matter: no `..`, no backslash, no hidden or empty parts."""
    text = unicodedata.normalize("NFC", unquote(raw.strip()))
    if "\\" in text or CONTROL.search(text):
        raise ValueError("may not contain backslashes or control characters")
    if "#" in text or "?" in text:
        raise ValueError("may not contain `#` or `?` (in a link they start a fragment or a query)")
    trailing = text.endswith("/")
    parts = [part for part in text.split("/") if part != ""]
    for part in parts:
        if part in (".", "..") or part.startswith("."):
            raise ValueError(f"may not contain a `{part}` part (URLs stay inside the site)")
    return "/" + "/".join(parts) + ("/" if trailing or not parts else "")


def permalink_for(meta: Meta, config: Config) -> str:
    """Expand the post's or the site's permalink pattern into a URL path."""
    if meta.permalink:
        pattern = meta.permalink
    elif meta.kind == "post":
        pattern = config.permalink
    else:
        return _page_url(meta)
    date = (meta.date or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).astimezone(config.zone)
    slug = functools.cache(lambda: slugify(meta.slug) or _fallback_slug(meta.source))
    values: dict[str, Callable[[], str]] = {  # each token worked out only where the pattern has it
        "title": lambda: jekyll_title(meta.slug) or slug(),
        "slug": slug,
        "categories": lambda: "/".join(filter(None, (slugify(c) for c in meta.categories))),
        "name": lambda: slugify(meta.source.rsplit("/", 1)[-1].rsplit(".", 1)[0]),
        "output_ext": lambda: ".html",
    }
    url = PERMALINK_TOKEN.sub(lambda m: DATE_TOKENS[m[1]](date) if m[1] in DATE_TOKENS else values[m[1]](), pattern)
    return re.sub(r"/{2,}", "/", url)


DATE_TOKENS: dict[str, Callable[[dt.datetime], str]] = {
    "year": lambda date: f"{date.year:04d}",
    "short_year": lambda date: date.strftime("%y"),
    "month": lambda date: f"{date.month:02d}",
    "i_month": lambda date: str(date.month),
    "short_month": lambda date: date.strftime("%b"),
    "long_month": lambda date: date.strftime("%B"),
    "day": lambda date: f"{date.day:02d}",
    "i_day": lambda date: str(date.day),
    "y_day": lambda date: date.strftime("%j"),
    "week": lambda date: f"{date.isocalendar().week:02d}",
    "w_year": lambda date: str(date.isocalendar().year),
    "w_day": lambda date: str(date.isoweekday()),
    "short_day": lambda date: date.strftime("%a"),
    "long_day": lambda date: date.strftime("%A"),
    "hour": lambda date: date.strftime("%H"),
    "minute": lambda date: date.strftime("%M"),
    "second": lambda date: date.strftime("%S"),
}
# the longest name first, so that :short_year is not read as :short... or :year
PERMALINK_TOKEN = re.compile(
    ":("
    + "|".join(sorted([*DATE_TOKENS, "title", "slug", "categories", "name", "output_ext"], key=len, reverse=True))
    + ")"
)


def date_tokens(date: dt.datetime) -> dict[str, str]:
    """The permalink tokens a date gives, as Jekyll spells them (:week is the ISO week, :w_year its year)."""
    return {name: token(date) for name, token in DATE_TOKENS.items()}


def jekyll_title(slug: str) -> str:
    """Jekyll's :title: the slug as written (case kept), runs of characters a URL path cannot hold made `-`."""
    text = unicodedata.normalize("NFC", slug)
    return re.sub(r"[^\w.~!$&'()+,;=@]+", "-", text).strip("-")


def _page_url(meta: Meta) -> str:
    """content/about.md → /about/; content/notes/index.md → /notes/."""
    path = meta.source.removeprefix("content/").rsplit(".", 1)[0]
    if path == "index" or path.endswith("/index"):
        return "/" + path.removesuffix("index")
    return f"/{path}/"


def _fallback_slug(source: str) -> str:
    """A slug for a title with no letters or digits (all emoji, say)."""
    return "post-" + hashlib.sha1(source.encode()).hexdigest()[:8]


def plan_urls(
    metas: Sequence[Meta],
    config: Config,
    tag_slugs: Iterable[str],
    assets: Mapping[str, str],
    known: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Diagnostic]]:
    """URL of every document; a URL or file claimed twice is an error naming both sources. `known`: the
    URLs the last build gave files unchanged since, under the same config (not worked out again)."""
    known = known or {}
    claims: dict[str, str] = dict(SPECIAL_OUTPUTS)
    listings = dict(generated_outputs(config, len([m for m in metas if m.kind == "post"]), tag_slugs))
    errors: list[Diagnostic] = []
    for output, source in sorted(assets.items()):
        if (output in claims and output not in OVERRIDABLE) or output in listings:
            errors.append(
                error(source, 0, 0, f"/{output} is also written by {claims.get(output, listings.get(output))}")
            )
        claims[output] = source
    urls: dict[str, str] = {}
    documents: dict[str, Meta] = {}
    for meta in sorted(metas, key=lambda m: m.source):
        try:
            url = known.get(meta.source) or safe_url(permalink_for(meta, config))
        except ValueError as exc:
            key = "permalink" if meta.permalink else "slug"
            errors.append(_at_key(meta, key, f"`{key}` {exc}"))
            continue
        output = document_output(url)
        if output in claims:
            errors.append(_collision(meta, documents.get(output), url, claims[output]))
            continue
        claims[output] = meta.source
        documents[output] = meta
        urls[meta.source] = url
    return urls, errors


def _collision(meta: Meta, other: Meta | None, url: str, other_source: str) -> Diagnostic:
    """Two documents on one URL: blamed on the one whose `permalink:` chose it, at that line."""
    if other is not None and other.permalink and not meta.permalink:
        meta, other_source = other, meta.source
    if meta.permalink:
        return _at_key(meta, "permalink", f"{url} is also written by {other_source}")
    return error(meta.source, 0, 0, f"{url} is also written by {other_source}")


def _at_key(meta: Meta, key: str, message: str) -> Diagnostic:
    """An error at a front matter key."""
    line, col = meta.where.get(key, (0, 0))
    return error(meta.source, line, col, message)


def index_urls(config: Config, post_count: int) -> list[str]:
    """The URL of each page of the post index: `index_url`, then `paginate_path` for page 2, 3, …"""
    if not config.index_url:
        return []
    total = max(1, math.ceil(post_count / config.paginate)) if config.paginate else 1
    return [config.index_url] + [config.paginate_path.replace(":num", str(n)) for n in range(2, total + 1)]


def generated_outputs(config: Config, post_count: int, tag_slugs: Iterable[str]) -> list[tuple[str, str]]:
    """Listings the site writes besides posts and pages (a post or page at one's URL replaces it), with what
    they are."""
    urls = index_urls(config, post_count)
    outputs = [(output_for_url(url), f"index page {n}" if n > 1 else "the index page") for n, url in enumerate(urls, 1)]
    outputs += [("tags/index.html", "the tags page"), ("archive/index.html", "the archive")]
    outputs += [(f"tags/{slug}/index.html", f"the tag page for `{slug}`") for slug in tag_slugs]
    return outputs


# -- tags ----------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def tag_key(name: str) -> str:
    """Tags that differ only in case or spacing are one tag."""
    return slugify(" ".join(name.split())) or _fallback_slug(name)


def tag_names(metas: Iterable[Meta]) -> dict[str, str]:
    """Tag slug → the spelling used most often (ties: the first in sorted order)."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for meta in metas:
        for name in meta.tags:
            spellings[tag_key(name)][" ".join(name.split())] += 1
    return {slug: min(c, key=lambda n: (-c[n], n)) for slug, c in sorted(spellings.items())}


# -- assembling ----------------------------------------------------------------------------


def assemble(config: Config, posts: Sequence[Post], pages: Sequence[Post]) -> Site:
    """Order posts, group them by tag and year, and cut the index into pages."""
    ordered = tuple(
        sorted(posts, key=lambda p: (p.date or dt.datetime.min.replace(tzinfo=dt.UTC), p.source), reverse=True)
    )
    by_tag: dict[str, list[Post]] = defaultdict(list)
    names: dict[str, Tag] = {}
    for post in ordered:
        for tag in post.tags:
            by_tag[tag.slug].append(post)
            names[tag.slug] = tag
    tags = tuple(
        TagPage(names[slug], f"/tags/{slug}/", f"tags/{slug}/index.html", tuple(by_tag[slug]))
        for slug in sorted(by_tag, key=lambda s: (names[s].name.lower(), s))
    )
    years: dict[int, list[Post]] = defaultdict(list)
    for post in ordered:
        if post.date:
            years[post.date.astimezone(config.zone).year].append(post)
    year_list = tuple((year, tuple(items)) for year, items in sorted(years.items(), reverse=True))
    pages_sorted = tuple(sorted(pages, key=lambda p: p.url))
    positions = {post.source: index for index, post in enumerate(ordered)}
    listed = {output for output, _ in generated_outputs(config, len(ordered), by_tag)}
    replaced = frozenset(listed & {p.output for p in (*ordered, *pages_sorted)})
    index = paginate(ordered, config)
    return Site(config, ordered, pages_sorted, tags, index, year_list, positions, replaced)


def paginate(posts: Sequence[Post], config: Config) -> tuple[IndexPage, ...]:
    """Cut the posts into index pages: `index_url`, then `paginate_path` (/, /page/2/, /page/3/, … by default)."""
    per_page = config.paginate or max(1, len(posts))
    urls = index_urls(config, len(posts))
    total = len(urls)
    return tuple(
        IndexPage(
            number=n + 1,
            total=total,
            url=urls[n],
            output=output_for_url(urls[n]),
            posts=tuple(posts[n * per_page : (n + 1) * per_page]),
            previous_url=urls[n - 1] if n > 0 else None,
            next_url=urls[n + 1] if n + 1 < total else None,
        )
        for n in range(total)
    )


def reading_minutes(words: int, cjk_chars: int) -> int:
    """Minutes to read: 200 words or 500 CJK characters a minute, at least 1."""
    return max(1, round(words / 200 + cjk_chars / 500))


def check_cover(meta: Meta, assets: Mapping[str, object]) -> Cover | None:
    """The cover of a post: a URL, or a file that must exist among the site's assets."""
    if not meta.cover:
        return None
    alt = meta.cover_alt or meta.title
    if re.match(r"^(https?:)?//", meta.cover):
        return Cover(meta.cover, alt, False)
    try:
        path = safe_url(meta.cover).lstrip("/")
    except ValueError as exc:
        raise SourceError(_at_key(meta, "cover", f"`cover` {exc}")) from None
    if path not in assets:
        message = f"cover image not found: looked for content/{path} and static/{path}"
        raise SourceError(_at_key(meta, "cover", message))
    return Cover("/" + path, alt, True)
