"""Verify: a built output folder → Problems (links, fragments, head tags, feed, sitemap, symlinks).

Pure Python and read-only, so it runs anywhere the site is built (a GitHub runner needs
nothing else): `python -m mathpress.verify _site [--base-url URL]`. Links are checked the
way GitHub Pages serves the folder: `/base/a/` is `a/index.html`, `/base/a` redirects to
`a/` when `a` is a folder, and 404.html is shown at any depth, so its links are resolved
from a page three folders down. An absolute URL on the site's own host (`{{ site.url }}/a.png`, http or
https, the host as site.yml writes it) is checked like a relative one; other hosts are not checked.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urljoin, urlsplit
from urllib.request import urlopen

from .baseline import beyond, problem_key, read_baseline
from .errors import UsageError

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "poster", "action"})  # action: a form (the search box)
META_URLS = frozenset({"og:url", "og:image", "og:image:url", "og:image:secure_url", "twitter:image"})
SKIPPED_SCHEMES = ("mailto:", "tel:", "data:", "javascript:", "about:")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")
FEED_LINK = re.compile(r"""\b(href|src|srcset|poster)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
TEX_DELIMITERS = re.compile(r"\\[(\[]")
NOT_PROSE = re.compile(r"<(pre|code|math)\b.*?</\1>", re.S | re.I)  # TeX may stay in code and annotations
MARKUP = re.compile(r"</?[A-Za-z][^>]*>")
WHOLE_TAGS = frozenset({"html", "head", "body", "title"})
DEEP_404 = "a/b/c/missing"
UNKNOWN_ORIGIN = "http://site.invalid"  # where pages are taken to be served when no address is known


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the output: the file, a short code to group by, and a sentence."""

    file: str
    code: str
    message: str

    def __str__(self) -> str:
        """`file: message [code]`."""
        return f"{self.file}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Address:
    """Where the output folder is served: origin (`https://host`, or "" if unknown) and base path."""

    origin: str
    base: str

    def url_of(self, rel: str) -> str:
        """The URL a file of the output is served at (folders end in /)."""
        path = rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel
        return (self.origin or UNKNOWN_ORIGIN) + self.base + quote(path)

    def owns(self, url: str) -> bool:
        """Whether an absolute URL is on this site's origin, exactly (feeds and sitemaps name it so)."""
        parts = urlsplit(url)
        own = urlsplit(self.origin or UNKNOWN_ORIGIN)
        return (parts.scheme, parts.netloc) == (own.scheme, own.netloc)

    def serves(self, url: str) -> bool:
        """Whether a browser fetching an absolute URL reaches this site's host: http or https, any case,
        default port written or not (a post's `{{ site.url }}/a.png` or a hard-coded address of its own)."""
        return urlsplit(url).scheme in ("http", "https") and site_host(url) == site_host(self.origin or UNKNOWN_ORIGIN)


def site_host(url: str) -> str:
    """The host of a site's address (`https://u.github.io/`, or `u.github.io` as some configs write it),
    lower-cased, without user or default port."""
    netloc = urlsplit(url if "//" in url else "//" + url).netloc.lower().rpartition("@")[2]
    return re.sub(r":(?:80|443)$", "", netloc)


@dataclass(frozen=True)
class Page:
    """What the checks need from one HTML page."""

    ids: frozenset[str]
    links: tuple[tuple[str, str], ...]  # (where it was found, the URL as written)
    lang: str
    title: str
    canonical: str
    description: str | None
    meta: tuple[tuple[str, str], ...]  # (property or name, content)
    jsonld: tuple[str, ...]
    base_href: str
    whole: bool = True  # a document (a doctype, <html>, <head>, <body> or <title>), not a fragment a page includes


@dataclass(frozen=True)
class Output:
    """The output folder: its files, folders and parsed HTML pages."""

    root: Path
    files: frozenset[str]
    folders: frozenset[str]
    pages: dict[str, Page] = field(hash=False)


@dataclass(frozen=True)
class Report:
    """The result of checking an output folder."""

    problems: tuple[Problem, ...]
    pages: int
    links: int
    address: Address


class _PageParser(HTMLParser):
    """Collect ids, URLs and head tags of one HTML page."""

    def __init__(self) -> None:
        """Start with nothing collected."""
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []
        self.lang = ""
        self.title: list[str] = []
        self.canonical = ""
        self.description: str | None = None
        self.meta: list[tuple[str, str]] = []
        self.jsonld: list[str] = []
        self.base_href = ""
        self.whole = False
        self._in: str = ""

    def handle_decl(self, decl: str) -> None:
        """A doctype: a whole document."""
        self.whole = self.whole or decl.lower().startswith("doctype")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note ids, URL attributes and head tags."""
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        for name in URL_ATTRIBUTES & values.keys():
            self.links.append((f"<{tag} {name}>", values[name]))
        self.whole = self.whole or tag in WHOLE_TAGS
        self._head_tag(tag, values)

    def _head_tag(self, tag: str, values: dict[str, str]) -> None:
        """Remember what search engines and social sites read."""
        if tag == "html":
            self.lang = values.get("lang", "")
        elif tag == "base":
            self.base_href = values.get("href", "")
        elif tag == "link" and "canonical" in values.get("rel", "").split():
            self.canonical = values.get("href", "")
        elif tag == "meta":
            key = values.get("property") or values.get("name") or ""
            if values.get("http-equiv", "").lower() == "refresh":
                key = "http-equiv=refresh"
            if key == "description":
                self.description = values.get("content", "")
            elif key:
                self.meta.append((key, values.get("content", "")))
                if key in META_URLS:
                    self.links.append((f'<meta property="{key}">', values.get("content", "")))
        elif tag == "title" or (tag == "script" and values.get("type") == "application/ld+json"):
            self._in = tag
            if tag == "script":
                self.jsonld.append("")

    def handle_endtag(self, tag: str) -> None:
        """Leave <title> or a JSON-LD <script>."""
        if tag == self._in:
            self._in = ""

    def handle_data(self, data: str) -> None:
        """Collect the title's text and JSON-LD."""
        if self._in == "title":
            self.title.append(data)
        elif self._in == "script":
            self.jsonld[-1] += data

    def page(self) -> Page:
        """The collected facts."""
        return Page(
            frozenset(self.ids),
            tuple(self.links),
            self.lang,
            "".join(self.title).strip(),
            self.canonical,
            self.description,
            tuple(self.meta),
            tuple(self.jsonld),
            self.base_href,
            self.whole,
        )


def parse_page(text: str) -> Page:
    """Parse one HTML page."""
    parser = _PageParser()
    parser.feed(text)
    parser.close()
    return parser.page()


def read_output(root: Path) -> Output:
    """List the output folder and parse every HTML page in it."""
    files: set[str] = set()
    folders: set[str] = set()
    for folder, dirs, names in os.walk(root):
        here = Path(folder).relative_to(root).as_posix()
        prefix = "" if here == "." else here + "/"
        folders.update(prefix + d for d in dirs)
        files.update(prefix + n for n in names)
    pages = {
        rel: parse_page((root / rel).read_text(encoding="utf-8")) for rel in sorted(files) if rel.endswith(".html")
    }
    return Output(root, frozenset(files), frozenset(folders), pages)


def find_address(output: Output, base_url: str | None = None) -> Address:
    """The site's address: from --base-url (a path or a full URL), else index.html's canonical link when it is
    absolute (`url: u.github.io` in a Jekyll config makes it `u.github.io/`, which names no address)."""
    index = output.pages.get("index.html")
    canonical = urlsplit(index.canonical if index else "")
    known = bool(canonical.scheme and canonical.netloc)
    origin = f"{canonical.scheme}://{canonical.netloc}" if known else ""
    base = canonical.path if known and canonical.path else "/"
    if base_url:
        given = urlsplit(base_url)
        origin = f"{given.scheme}://{given.netloc}" if given.scheme else origin
        base = given.path or "/"
    return Address(origin, "/" + base.strip("/") + "/" if base.strip("/") else "/")


def check_output(root: Path, base_url: str | None = None) -> Report:
    """Every check on a built output folder."""
    output = read_output(root)
    address = find_address(output, base_url)
    links = sum(len(page.links) for page in output.pages.values())
    problems = [
        *check_symlinks(root),
        *check_pages(output, address),
        *check_css(output, address),
        *check_feed(output, address),
        *check_sitemap(output, address),
        *check_robots(output, address),
    ]
    return Report(tuple(problems), len(output.pages), links, address)


# -- files and links -------------------------------------------------------------------------


def check_symlinks(root: Path) -> Iterator[Problem]:
    """GitHub Pages refuses an artifact with symbolic links in it."""
    for folder, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            path = Path(folder) / name
            if path.is_symlink():
                yield Problem(path.relative_to(root).as_posix(), "symlink", "is a symbolic link (copy the file)")


def target_file(output: Output, address: Address, url: str) -> tuple[str | None, str]:
    """(the output file an absolute URL of this site is served from, or None; its fragment)."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if not (path + "/").startswith(address.base):
        return None, unquote(parts.fragment)
    rel = path[len(address.base) :] if len(path) >= len(address.base) else ""
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    elif rel in output.folders:
        rel += "/index.html"  # GitHub Pages redirects /a to /a/
    elif rel not in output.files and rel + ".html" in output.files:
        rel += ".html"  # GitHub Pages serves /a from a.html (Jekyll's extension-less permalinks)
    return (rel if rel in output.files else None), unquote(parts.fragment)


def check_link(output: Output, address: Address, page_url: str, written: str, page: Page | None) -> str | None:
    """Why one URL written in a page does not resolve (None when it does or is not ours)."""
    written = written.strip()
    if not written or written.lower().startswith(SKIPPED_SCHEMES):
        return None
    if written.startswith("#") and page is not None:  # the same document, wherever it is served
        fragment = unquote(written[1:])
        return None if fragment in ("", "top") or fragment in page.ids else f"{written}: no such id here"
    url = urljoin(page_url, written)
    if not address.serves(url):
        return None  # another site's
    rel, fragment = target_file(output, address, url)
    if rel is None:
        where = urlsplit(url).path
        outside = not (where + "/").startswith(address.base)
        return f"{written} is outside the site's base {address.base}" if outside else f"{written}: no such file"
    page = output.pages.get(rel)
    if fragment and fragment != "top" and page is not None and fragment not in page.ids:
        return f"{written}: {rel} has no id {fragment!r}"
    return None


def srcset_urls(value: str) -> list[str]:
    """The URLs of a srcset attribute."""
    return [item.split()[0] for item in value.split(",") if item.strip()]


def page_links(page: Page) -> Iterator[tuple[str, str]]:
    """Every (where, URL) of a page, srcset candidates split."""
    for where, value in page.links:
        if where.endswith("srcset>"):
            yield from ((where, url) for url in srcset_urls(value))
        else:
            yield where, value


def check_pages(output: Output, address: Address) -> Iterator[Problem]:
    """Links, fragments and head tags of every HTML page."""
    for rel, page in output.pages.items():
        urls = [address.url_of(rel)]
        if rel == "404.html":
            urls.append(address.url_of(DEEP_404))  # served at any missing address
        for page_url in urls:
            base = urljoin(page_url, page.base_href) if page.base_href else page_url
            for where, written in page_links(page):
                reason = check_link(output, address, base, written, page)
                if reason:
                    shown = f" (as served at {urlsplit(page_url).path})" if page_url != urls[0] else ""
                    yield Problem(rel, "link", f"{where} {reason}{shown}")
        yield from check_head(rel, page)


def check_head(rel: str, page: Page) -> Iterator[Problem]:
    """What search engines and social sites read: lang, title, canonical, description, cards, JSON-LD."""
    meta = dict(page.meta)
    if redirect(page) or not page.whole:
        return  # a page that only sends the reader on (an old URL), or a fragment a page includes: none of it
    needed = {
        "lang": (page.lang, "<html> has no lang"),
        "title": (page.title, "no <title>"),
        "canonical": (page.canonical, 'no <link rel="canonical">'),
        "description": (page.description, 'no <meta name="description">'),
    }
    for code, (value, message) in needed.items():
        if not value:
            yield Problem(rel, f"head-{code}", message)
    for key, value in [("canonical", page.canonical), *[(k, meta[k]) for k in sorted(META_URLS & meta.keys())]]:
        if value and not urlsplit(value).scheme:
            yield Problem(rel, "head-absolute", f"{key} {value!r} is not an absolute URL (set url: in site.yml)")
    if page.description and MARKUP.search(page.description):
        yield Problem(rel, "head-description", f"description holds markup: {page.description[:80]!r}")
    for block in page.jsonld:
        yield from check_jsonld(rel, block)


def redirect(page: Page) -> bool:
    """Whether a page is a redirect (`<meta http-equiv="refresh">`) that search engines are told to skip."""
    meta = dict(page.meta)
    return "http-equiv=refresh" in meta and "noindex" in meta.get("robots", "").lower()


def check_jsonld(rel: str, block: str) -> Iterator[Problem]:
    """A JSON-LD block must parse; its URLs must be absolute."""
    try:
        data = json.loads(block)
    except json.JSONDecodeError as exc:
        yield Problem(rel, "jsonld", f"JSON-LD does not parse: {exc}")
        return
    if not isinstance(data, dict):
        return
    for key in ("url", "image", "mainEntityOfPage"):
        value = data.get(key)
        if isinstance(value, str) and not urlsplit(value).scheme:
            yield Problem(rel, "jsonld", f"JSON-LD {key} {value!r} is not an absolute URL")


def check_css(output: Output, address: Address) -> Iterator[Problem]:
    """url(…) and @import in every stylesheet resolve to files."""
    for rel in sorted(f for f in output.files if f.endswith(".css")):
        text = (output.root / rel).read_text(encoding="utf-8", errors="replace")
        for match in CSS_URL.finditer(text):
            written = match[2] or match[4]
            reason = check_link(output, address, address.url_of(rel), written.split("#")[0], None)
            if reason:
                yield Problem(rel, "link", f"url() {reason}")


# -- feed, sitemap, robots.txt ---------------------------------------------------------------


def parse_xml(output: Output, rel: str) -> tuple[ET.Element | None, list[Problem]]:
    """An XML file's root element, or the reason it is not well-formed."""
    try:
        return ET.parse(output.root / rel).getroot(), []
    except ET.ParseError as exc:
        return None, [Problem(rel, "xml", f"not well-formed XML: {exc}")]


def check_own_url(output: Output, address: Address, rel: str, what: str, url: str) -> Iterator[Problem]:
    """An absolute URL of this site that must point at a built file."""
    if not urlsplit(url).scheme:
        yield Problem(rel, "absolute", f"{what} {url!r} is not an absolute URL")
    elif address.origin and not address.owns(url):
        yield Problem(rel, "absolute", f"{what} {url!r} is not on the site's address {address.origin}")
    elif target_file(output, address, url)[0] is None:
        yield Problem(rel, "link", f"{what} {url!r} points at no built file")


def _xml_document(output: Output, rel: str, tag: str, code: str, what: str) -> tuple[ET.Element | None, list[Problem]]:
    """A built XML file's root element if it is well-formed and of the expected kind, else the problems."""
    if rel not in output.files:
        return None, []
    root, problems = parse_xml(output, rel)
    if root is not None and root.tag != tag:
        return None, [*problems, Problem(rel, code, f"the root element is {root.tag}, not {what}")]
    return root, list(problems)


def check_feed(output: Output, address: Address, rel: str = "feed.xml") -> Iterator[Problem]:
    """The Atom feed: well-formed, complete, absolute links, math as MathML, unique ids."""
    root, problems = _xml_document(output, rel, ATOM + "feed", "feed", "an Atom <feed>")
    yield from problems
    if root is None:
        return
    yield from _feed_head(output, address, rel, root)
    ids: dict[str, int] = {}
    for number, entry in enumerate(root.findall(ATOM + "entry"), start=1):
        yield from _feed_entry(output, address, rel, number, entry)
        entry_id = (entry.findtext(ATOM + "id") or "").strip()
        if entry_id in ids:
            yield Problem(rel, "feed", f"entries {ids[entry_id]} and {number} share the id {entry_id!r}")
        ids[entry_id] = number


def _feed_head(output: Output, address: Address, rel: str, feed: ET.Element) -> Iterator[Problem]:
    """The feed's own id, title, updated, author and self link."""
    for name in ("id", "title", "updated"):
        if not (feed.findtext(ATOM + name) or "").strip():
            yield Problem(rel, "feed", f"the feed has no <{name}>")
    yield from _stamp(rel, "the feed", feed.findtext(ATOM + "updated"))
    entries = feed.findall(ATOM + "entry")
    if feed.find(f"{ATOM}author/{ATOM}name") is None and any(e.find(ATOM + "author") is None for e in entries):
        yield Problem(rel, "feed", "the feed has no <author> (and not every entry has one)")
    selves = [link.get("href", "") for link in feed.findall(ATOM + "link") if link.get("rel") == "self"]
    if not selves:
        yield Problem(rel, "feed", 'the feed has no <link rel="self">')
    for href in selves:
        yield from check_own_url(output, address, rel, "the self link", href)


def _feed_entry(output: Output, address: Address, rel: str, number: int, entry: ET.Element) -> Iterator[Problem]:
    """One entry: id, title, updated, alternate link, content."""
    name = f"entry {number} ({(entry.findtext(ATOM + 'title') or '').strip()[:40]!r})"
    for child in ("id", "title", "updated"):
        if not (entry.findtext(ATOM + child) or "").strip():
            yield Problem(rel, "feed", f"{name} has no <{child}>")
    yield from _stamp(rel, name, entry.findtext(ATOM + "updated"))
    links = [
        link.get("href", "") for link in entry.findall(ATOM + "link") if link.get("rel", "alternate") == "alternate"
    ]
    if not links:
        yield Problem(rel, "feed", f"{name} has no <link>")
    for href in links:
        yield from check_own_url(output, address, rel, f"{name}'s link", href)
    for part in ("content", "summary"):
        element = entry.find(ATOM + part)
        if element is not None:
            yield from _feed_html(rel, f"{name} <{part}>", element.text or "")


def _feed_html(rel: str, name: str, fragment: str) -> Iterator[Problem]:
    """HTML in the feed: every link absolute (readers ignore xml:base), math as MathML."""
    for match in FEED_LINK.finditer(fragment):
        value = match[2] if match[2] is not None else match[3] or ""
        urls = srcset_urls(value) if match[1].lower() == "srcset" else [value.strip()]
        for url in urls:
            if url and not urlsplit(url).scheme:
                code = "feed-fragment" if url.startswith("#") else "feed-relative"
                yield Problem(rel, code, f"{name}: {match[1]}={url!r} is not absolute")
    prose = NOT_PROSE.sub("", fragment)
    if 'class="math' in prose or TEX_DELIMITERS.search(prose):
        yield Problem(rel, "feed-math", f"{name}: math left as TeX (feeds carry MathML)")


def _stamp(rel: str, name: str, text: str | None) -> Iterator[Problem]:
    """An RFC 3339 timestamp with a zone."""
    if not text:
        return
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        yield Problem(rel, "feed", f"{name}: <updated> {text!r} is not an RFC 3339 date")
        return
    if stamp.tzinfo is None:
        yield Problem(rel, "feed", f"{name}: <updated> {text!r} has no time zone")


def check_sitemap(output: Output, address: Address, rel: str = "sitemap.xml") -> Iterator[Problem]:
    """sitemap.xml: well-formed, every loc absolute and built, every generated page listed."""
    root, problems = _xml_document(output, rel, SITEMAP + "urlset", "sitemap", "a sitemap <urlset>")
    yield from problems
    if root is None:
        return
    listed: set[str] = set()
    for loc in root.iter(SITEMAP + "loc"):
        url = (loc.text or "").strip()
        yield from check_own_url(output, address, rel, "loc", url)
        listed.add(target_file(output, address, url)[0] or "")
    for page in sorted(p for p in output.pages if p == "index.html" or p.endswith("/index.html")):
        if page not in listed and not redirect(output.pages[page]):
            yield Problem(rel, "sitemap", f"{address.url_of(page)} is built but not listed")


def check_robots(output: Output, address: Address, rel: str = "robots.txt") -> Iterator[Problem]:
    """robots.txt's Sitemap lines point at a built sitemap."""
    if rel not in output.files:
        return
    for line in (output.root / rel).read_text(encoding="utf-8").splitlines():
        if line.lower().startswith("sitemap:"):
            yield from check_own_url(output, address, rel, "Sitemap", line.split(":", 1)[1].strip())


# -- over HTTP -------------------------------------------------------------------------------

Fetch = Callable[[str], tuple[int, str, bytes]]  # URL → (status, content type, body)


@dataclass(frozen=True)
class CrawlReport:
    """What a crawl over HTTP found."""

    problems: tuple[Problem, ...]
    visited: int  # URLs fetched
    pages: int  # of them HTML pages


def fetch_url(url: str) -> tuple[int, str, bytes]:
    """GET a URL (redirects followed): status, content type and body."""
    try:
        with urlopen(url, timeout=10) as response:
            return int(response.status), response.headers.get_content_type(), response.read()
    except HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()
    except URLError as exc:
        return 0, "", str(exc.reason).encode()


def crawl(start: str, fetch: Fetch = fetch_url, limit: int = 5000) -> CrawlReport:
    """Follow every link under start's folder from start, over HTTP; report failures and lost fragments."""
    prefix = start.rsplit("/", 1)[0] + "/"
    queue, seen = [start], {start}
    ids: dict[str, frozenset[str]] = {}
    wanted: list[tuple[str, str, str]] = []  # (page, target, fragment)
    problems: list[Problem] = []
    while queue and len(seen) <= limit:
        url = queue.pop(0)
        status, kind, body = fetch(url)
        if status != 200:
            problems.append(Problem(url, "http", f"answered {status or body.decode()}"))
        elif kind == "text/html":
            page = parse_page(body.decode("utf-8", errors="replace"))
            ids[url] = page.ids
            for target, fragment in _crawl_links(url, page, prefix):
                wanted += [(url, target, fragment)] if fragment else []
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    problems += [
        Problem(page, "http-fragment", f"{target}#{fragment}: no such id")
        for page, target, fragment in wanted
        if target in ids and fragment != "top" and fragment not in ids[target]
    ]
    return CrawlReport(tuple(problems), len(seen), len(ids))


def _crawl_links(url: str, page: Page, prefix: str) -> Iterator[tuple[str, str]]:
    """(URL without fragment, fragment) of every link of a page that stays under prefix."""
    base = urljoin(url, page.base_href) if page.base_href else url
    for _where, written in page_links(page):
        if written.strip().lower().startswith(SKIPPED_SCHEMES):
            continue
        target, _, fragment = urljoin(base, written.strip()).partition("#")
        if target.startswith(prefix):
            yield target, unquote(fragment)


# -- command line ----------------------------------------------------------------------------


def summary(report: Report) -> str:
    """One line saying what was checked."""
    where = f"{report.address.origin}{report.address.base}"
    return f"checked {report.pages} pages and {report.links} links for {where}: {len(report.problems)} problem(s)"


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m mathpress.verify [OUTPUT] [--source DIR] [--base-url URL]`: exit 1 if there is a problem."""
    args = argument_parser().parse_args(argv)
    try:
        return run_check(args.output or args.source / "_site", args.base_url, args.baseline)
    except UsageError as exc:
        print(f"mathpress check: {exc}", file=sys.stderr)
        return 2


def run_check(output: Path, base_url: str | None = None, baseline: Path | None = None) -> int:
    """Print every problem of an output folder and a summary; the exit code (0 clean, 1, 2 no folder).

    With a baseline, the problems it lists are printed as known and do not count.
    """
    if not output.is_dir():
        print(f"mathpress check: {output} is not a folder (build first)", file=sys.stderr)
        return 2
    accepted = read_baseline(baseline).check if baseline else ()
    report = check_output(output, base_url)
    new = beyond(report.problems, lambda p: problem_key(str(p)), [problem_key(line) for line in accepted])
    print_problems(new)
    known = len(report.problems) - len(new)
    line = summary(report) + (f" ({known} already in {baseline}, {len(new)} new)" if baseline else "")
    print(line, file=sys.stderr if new else sys.stdout)
    return 1 if new else 0


def argument_parser() -> argparse.ArgumentParser:
    """The options of `mathpress check`."""
    parser = argparse.ArgumentParser(
        prog="mathpress check", description="Check a built site: links, fragments, head tags, feed, sitemap."
    )
    parser.add_argument("output", nargs="?", type=Path, help="the built site (default: SOURCE/_site)")
    parser.add_argument("--source", type=Path, default=Path("."), help="the site folder (default: .)")
    parser.add_argument("--base-url", help="where it is served, as given to build (default: from index.html)")
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="accept the problems listed in FILE (the jekyll-baseline.txt `import` writes): only new ones count",
    )
    return parser


def print_problems(problems: Iterable[Problem]) -> None:
    """Every problem, one a line, to stderr."""
    for problem in problems:
        print(problem, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
