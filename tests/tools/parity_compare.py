"""Parity checks, pure: Jekyll's output and records + our output folder → tallies of what matches.

Each check returns a Tally: how many items Jekyll showed, how many ours shows the same way, how many
cannot be judged (the page's layout was missing when Jekyll rendered it), and a line per failure that
says what a developer needs: the page, what Jekyll showed, what ours shows.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from mathpress.math.spans import kramdown_unescape

# The math spans our pages mark for MathJax: the same pattern as tests/test_corpus.py's MATH
# (tests/test_parity.py checks that the two stay the same).
MATH = re.compile(r'<(?:span|div) class="math (inline|display)">\\[(\[](.*?)\\[)\]]</(?:span|div)>', re.S)
MATHJAX_CONFIG = re.compile(r"window\.MathJax\s*=\s*(?=\{)")
CHROME_SHARE = 0.8  # a post link on this share of a site's listing candidates is chrome …
CHROME_MIN_PAGES = 5  # … when there are at least this many of them
PROBE_PREFIX = "/__parity_chrome__/"


@dataclass(frozen=True)
class Tally:
    """One check on one site: ok of total items, unknown ones apart, failures described."""

    ok: int = 0
    total: int = 0
    unknown: int = 0
    failures: tuple[str, ...] = ()

    @property
    def failed(self) -> int:
        """Items that fail (neither ok nor unknown)."""
        return self.total - self.ok - self.unknown

    def cell(self) -> str:
        """The table cell: ok/total, with unknowns noted."""
        text = f"{self.ok}/{self.total - self.unknown}"
        return text + (f" ({self.unknown}?)" if self.unknown else "")


@dataclass(frozen=True)
class Origin:
    """What counts as the site itself: its hosts (from `url`, CNAME) and its base URL."""

    hosts: frozenset[str]
    baseurl: str = ""

    def local(self, href: str, page_url: str) -> str | None:
        """The site path (decoded, without the base URL, query or fragment) an href points at, or None."""
        href = html.unescape(href.strip())
        if not href or href.startswith(("#", "mailto:", "javascript:", "data:", "tel:")):
            return None
        parts = urlsplit(urljoin("http://site.invalid" + page_url, href))
        if parts.scheme not in ("http", "https"):
            return None
        if parts.netloc.lower() != "site.invalid" and parts.hostname not in self.hosts:
            return None
        path = unquote(parts.path) or "/"
        base = self.baseurl.rstrip("/")
        if base and (path == base or path.startswith(base + "/")):
            path = path[len(base) :] or "/"
        return path


def origin_of(config: Mapping[str, Any], cname: str | None) -> Origin:
    """The Origin of a Jekyll site from its _config.yml and CNAME file."""
    hosts = set()
    for url in (
        config.get("url"),
        (config.get("github") or {}).get("url") if isinstance(config.get("github"), dict) else None,
    ):
        if isinstance(url, str) and url.strip():
            host = urlsplit(url.strip() if "//" in url else "//" + url.strip()).hostname
            if host:
                hosts.add(host)
    if cname and cname.strip():
        hosts.add(cname.strip().splitlines()[0].strip().lower())
    base = config.get("baseurl")
    return Origin(frozenset(hosts), base.strip() if isinstance(base, str) else "")


def output_candidates(url: str) -> list[str]:
    """The files (relative to an output root) that GitHub Pages serves for a site URL."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if path == "" or path.endswith("/"):
        return [path + "index.html"]
    if PurePosixPath(path).suffix:
        return [path]
    return [path, path + ".html", path + "/index.html"]


def find_output(root: Path | None, url: str) -> Path | None:
    """Our output file served at a URL, if any."""
    if root is None:
        return None
    for rel in output_candidates(url):
        candidate = root / rel
        if candidate.is_file():
            return candidate
    return None


def canonical(path: str) -> str:
    """A URL path with `/index.html`, `.html` and the trailing slash taken off: one key per document."""
    path = unquote(path)
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    elif path.endswith(".html"):
        path = path[: -len(".html")]
    return path.rstrip("/") or "/"


@dataclass(frozen=True)
class PageRefs:
    """What one HTML page points at: local link paths and local image paths, in order."""

    links: tuple[str, ...] = ()
    images: tuple[str, ...] = ()


class _Refs(HTMLParser):
    """Collects a[href] and img[src] (or a lazy loader's data-src)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v for k, v in attrs if v is not None}
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        elif tag == "img":
            src = values.get("data-src") or values.get("src")
            if src:
                self.images.append(src)


def read_refs(path: Path, page_url: str, origin: Origin) -> PageRefs:
    """The local links and images of one HTML page."""
    parser = _Refs()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    links = tuple(p for p in (origin.local(h, page_url) for h in parser.links) if p is not None)
    images = tuple(p for p in (origin.local(s, page_url) for s in parser.images) if p is not None)
    return PageRefs(links, images)


@dataclass(frozen=True)
class JekyllPage:
    """A page of Jekyll's render report: URL, output file, kind and the layout it lacked (if any)."""

    url: str
    output: str
    kind: str
    path: str
    layout: str | None
    root_layout: str | None
    missing_layout: str | None


def jekyll_pages(report: Mapping[str, Any]) -> list[JekyllPage]:
    """Every HTML output of Jekyll's render (posts, pages, documents, probes), once per output file."""
    seen: dict[str, JekyllPage] = {}
    for row in [*report.get("posts", []), *report.get("documents", []), *report.get("pages", [])]:
        output = str(row.get("output", ""))
        if not output.endswith((".html", ".htm")):
            continue
        layouts = row.get("layouts") or []
        seen[output] = JekyllPage(
            url=str(row["url"]),
            output=output,
            kind=str(row.get("kind", "page")),
            path=str(row.get("path", "")),
            layout=str(layouts[0]) if layouts and not row.get("missing_layout") else None,
            root_layout=str(layouts[-1]) if layouts and not row.get("missing_layout") else None,
            missing_layout=row.get("missing_layout") or None,
        )
    return list(seen.values())


# --- documents at Jekyll's URL ---------------------------------------------------------------------


def check_documents(truth: Mapping[str, Any], ours: Path | None) -> Tally:
    """Every HTML document in the truth record has an output file at its URL in ours."""
    rows = [r for r in truth.get("pages", []) if str(r.get("ext", ".html")) in (".html", ".htm")]
    if not rows:  # an old record with posts only
        rows = list(truth.get("posts", []))
    ok, failures = 0, []
    ours_index = _our_pages(ours)
    for row in rows:
        if find_output(ours, str(row["url"])) is not None:
            ok += 1
            continue
        hint = _nearest(ours_index, str(row["url"]))
        failures.append(
            f"{row['path']}: Jekyll serves it at {row['url']}; ours has nothing there"
            + (f" (ours has {hint})" if hint else "")
        )
    return Tally(ok, len(rows), 0, tuple(failures))


def _our_pages(ours: Path | None) -> dict[str, list[str]]:
    """Our HTML outputs by last URL segment (lowercased), for hints."""
    index: dict[str, list[str]] = {}
    if ours is None or not ours.is_dir():
        return index
    for path in ours.rglob("*.html"):
        rel = "/" + path.relative_to(ours).as_posix()
        key = canonical(rel).rsplit("/", 1)[-1].lower()
        index.setdefault(key, []).append(rel)
    return index


def _nearest(index: Mapping[str, list[str]], url: str) -> str | None:
    """One of our outputs whose last URL segment is that URL's."""
    key = canonical(url).rsplit("/", 1)[-1].lower()
    found = sorted(index.get(key, []))
    return found[0] if found else None


# --- listing pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A page Jekyll showed with a list of posts (chrome taken off)."""

    page: JekyllPage
    posts: frozenset[str] = field(default_factory=frozenset)


def post_keys(report: Mapping[str, Any]) -> dict[str, str]:
    """Canonical key → URL of every post Jekyll published."""
    return {canonical(str(p["url"])): str(p["url"]) for p in report.get("posts", [])}


def chrome_by_layout(pages: Sequence[JekyllPage], root: Path, origin: Origin) -> dict[str, PageRefs]:
    """The links and images of each layout's empty probe page."""
    chrome = {}
    for page in pages:
        if page.kind == "probe" and page.layout and (root / page.output).is_file():
            chrome[page.layout] = read_refs(root / page.output, page.url, origin)
    return chrome


def jekyll_listings(report: Mapping[str, Any], root: Path, origin: Origin) -> tuple[list[Listing], list[JekyllPage]]:
    """Jekyll's listing pages (non-post HTML pages whose post links, less chrome, are not empty), and the
    non-post pages that cannot be judged because a layout was missing.

    Chrome is what a page shows whatever its content: (1) the post links on an empty page rendered with
    the same outermost layout (jekyll_render.rb's probes: header, sidebar "recent posts", footer; not
    the page's own layout, which may be what makes the list), and
    (2) post links found on at least CHROME_SHARE of the site's candidate pages when there are at least
    CHROME_MIN_PAGES of them (chrome added by an intermediate layout all those pages share). Redirect
    stubs, probes and posts are never listing pages.
    """
    keys = post_keys(report)
    pages = jekyll_pages(report)
    chrome = chrome_by_layout(pages, root, origin)
    candidates, unknown = [], []
    for page in pages:
        if page.kind in ("post", "probe", "redirect") or not (root / page.output).is_file():
            continue
        if page.missing_layout:
            unknown.append(page)
            continue
        refs = read_refs(root / page.output, page.url, origin)
        shell = chrome.get(page.root_layout or "", PageRefs())
        shell_keys = {canonical(link) for link in shell.links}
        linked = {canonical(link) for link in refs.links} & keys.keys()
        candidates.append((page, frozenset(linked - shell_keys)))
    common = _common_links([links for _, links in candidates])
    listings = [Listing(page, links - common) for page, links in candidates if links - common]
    return listings, unknown


def _common_links(sets: Sequence[frozenset[str]]) -> frozenset[str]:
    """Links present on at least CHROME_SHARE of the given pages (when there are enough pages)."""
    if len(sets) < CHROME_MIN_PAGES:
        return frozenset()
    counts = Counter(link for links in sets for link in links)
    return frozenset(link for link, n in counts.items() if n >= CHROME_SHARE * len(sets))


def check_listings(report: Mapping[str, Any], root: Path, ours: Path | None, origin: Origin) -> Tally:
    """Each of Jekyll's listing pages exists in ours and links every post Jekyll's linked."""
    listings, unknown = jekyll_listings(report, root, origin)
    keys = post_keys(report)
    ok, failures = 0, []
    for listing in listings:
        ours_page = find_output(ours, listing.page.url)
        if ours_page is None:
            failures.append(
                f"{listing.page.url} ({listing.page.path}): missing in ours; Jekyll lists {len(listing.posts)} posts"
            )
            continue
        refs = read_refs(ours_page, listing.page.url, origin)
        missing = sorted(listing.posts - {canonical(link) for link in refs.links})
        if not missing:
            ok += 1
            continue
        shown = ", ".join(keys[m] for m in missing[:3]) + (", …" if len(missing) > 3 else "")
        failures.append(
            f"{listing.page.url} ({listing.page.path}): ours lacks {len(missing)} of Jekyll's "
            f"{len(listing.posts)} posts: {shown}"
        )
    for page in unknown:
        failures.append(f"{page.url} ({page.path}): unknown, Jekyll had no layout `{page.missing_layout}`")
    return Tally(ok, len(listings) + len(unknown), len(unknown), tuple(failures))


# --- local figures ---------------------------------------------------------------------------------


def check_figures(report: Mapping[str, Any], root: Path, ours: Path | None, origin: Origin) -> Tally:
    """Every local image a Jekyll page shows is shown by our page at the same URL and exists in our
    output. Not counted: images missing from Jekyll's output too, a layout's own images (an empty page
    with the page's layout shows them: logos, icons), and on other pages the images of a post (an index
    showing whole posts): those count once, on the post's page."""
    pages = [p for p in jekyll_pages(report) if p.kind not in ("probe", "redirect") and (root / p.output).is_file()]
    chrome = chrome_by_layout(jekyll_pages(report), root, origin)
    refs = {page.output: read_refs(root / page.output, page.url, origin) for page in pages}
    in_posts = {img for page in pages if page.kind == "post" for img in refs[page.output].images}
    ok = total = 0
    failures: list[str] = []
    for page in pages:
        shell = set(chrome.get(page.layout or "", PageRefs()).images)
        wanted = [
            img
            for img in dict.fromkeys(refs[page.output].images)
            if img not in shell and _exists(root, img) and (page.kind == "post" or img not in in_posts)
        ]
        if not wanted:
            continue
        ours_page = find_output(ours, page.url)
        shown = read_refs(ours_page, page.url, origin).images if ours_page else ()
        for img in wanted:
            total += 1
            if img in shown and _exists(ours, img):
                ok += 1
            else:
                failures.append(f"{page.url}: {img} {_figure_problem(img, shown, ours_page is not None)}")
    return Tally(ok, total, 0, tuple(failures))


def _figure_problem(img: str, shown: Sequence[str], page_found: bool) -> str:
    """What is wrong with one of Jekyll's figures on our page."""
    if not page_found:
        return "(our page is missing)"
    if img in shown:
        return "shown by ours but missing from our output"
    name = PurePosixPath(img).name
    elsewhere = [s for s in shown if PurePosixPath(s).name == name]
    return "shown by Jekyll, not by ours" + (f" (ours shows {elsewhere[0]})" if elsewhere else "")


def _exists(root: Path | None, path: str) -> bool:
    """Whether an output folder holds the file at a site path."""
    return root is not None and any((root / rel).is_file() for rel in output_candidates(path))


# --- kramdown's math -------------------------------------------------------------------------------


def page_math(text: str) -> list[tuple[str, bool]]:
    """(TeX, display?) of every math span a page marks for MathJax, in order."""
    return [(html.unescape(m[2]), m[1] == "display") for m in MATH.finditer(text)]


EQUATION = re.compile(r"\\begin\{equation\}(.*)\\end\{equation\}", re.S)


def _same_math(tex: str) -> str:
    """TeX as compared: stripped, and a display's `equation` (mathpress puts one around a labelled
    display so \\eqref has a number) taken off both sides, the formula being the same."""
    tex = tex.strip()
    whole = EQUATION.fullmatch(tex)
    return whole.group(1).strip() if whole else tex


def check_math(kramdown: Mapping[str, Sequence[Sequence[str]]], truth: Mapping[str, Any], ours: Path | None) -> Tally:
    """Every math element kramdown finds in a published post appears in our page of that post as a
    math span of the same kind (display for kramdown's block math, inline for span math)."""
    urls = {str(p["path"]): str(p["url"]) for p in truth.get("posts", [])}
    ok = total = 0
    failures: list[str] = []
    for path, elements in sorted(kramdown.items()):
        if path not in urls or not elements:
            continue
        expected = Counter((_same_math(str(tex)), kind == "block") for kind, tex in elements)
        total += sum(expected.values())
        page = find_output(ours, urls[path])
        if page is None:
            failures.append(f"{path}: {sum(expected.values())} math elements, our page {urls[path]} is missing")
            continue
        found = Counter((_same_math(tex), display) for tex, display in page_math(page.read_text(encoding="utf-8")))
        lost = expected - found
        ok += sum(expected.values()) - sum(lost.values())
        for (tex, display), n in list(lost.items())[:3]:
            kind = "display" if display else "inline"
            failures.append(f"{path}: {kind} math not in our page{f' (×{n})' if n > 1 else ''}: {_short(tex)}")
    return Tally(ok, total, 0, tuple(failures))


def _short(text: str, limit: int = 90) -> str:
    """One line of at most `limit` characters."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


# --- MathJax errors --------------------------------------------------------------------------------


@dataclass(frozen=True)
class OurMath:
    """The math of our pages: spans per page URL, and the site's MathJax TeX settings."""

    spans: dict[str, list[tuple[str, bool]]]
    tex: dict[str, Any]


def our_math(ours: Path | None) -> OurMath:
    """Every math span of every page of ours, and the MathJax settings most pages carry."""
    spans: dict[str, list[tuple[str, bool]]] = {}
    configs: Counter[str] = Counter()
    if ours is None or not ours.is_dir():
        return OurMath({}, {})
    for path in sorted(ours.rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = page_math(text)
        if not found:
            continue
        rel = path.relative_to(ours).as_posix()
        spans["/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)] = found
        config = _mathjax_config(text)
        if config is not None:
            configs[json.dumps(config, sort_keys=True)] += 1
    tex: dict[str, Any] = {}
    if configs:
        settings = json.loads(configs.most_common(1)[0][0]).get("tex", {})
        tex = dict(settings) if isinstance(settings, dict) else {}
    return OurMath(spans, {k: tex[k] for k in ("macros", "tags") if k in tex})


DATE_PREFIX = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}-")


def _mathjax_config(text: str) -> dict[str, Any] | None:
    """The object a page assigns to window.MathJax (JSON), if any."""
    found = MATHJAX_CONFIG.search(text)
    if found is None:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, found.end())
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


WARNING = re.compile(r"^(?P<path>[^\s:][^:\n]*):(?P<line>\d+):(?P<col>\d+): warning: ", re.M)


def warned_lines(build_output: str) -> dict[str, set[int]]:
    """The lines each source file has a build warning at."""
    lines: dict[str, set[int]] = {}
    for m in WARNING.finditer(build_output):
        lines.setdefault(m["path"], set()).add(int(m["line"]))
    return lines


def content_texts(site: Path | None) -> dict[str, str]:
    """The text of every Markdown and HTML file under our imported site's content/, by relative path."""
    if site is None or not (site / "content").is_dir():
        return {}
    return {
        path.relative_to(site).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted((site / "content").rglob("*"))
        if path.suffix in (".md", ".markdown", ".html") and path.is_file()
    }


def span_lines(texts: Mapping[str, str], tex: str) -> list[tuple[str, range]]:
    """Where a span's TeX is written in our imported site's content: (file, its lines)."""
    tex = _same_math(tex)
    first = tex.splitlines()[0].strip() if tex else ""
    found = []
    for rel, text in texts.items():
        at = text.find(first) if first else -1
        if at < 0 and first:  # kramdown took the post's escapes (`\\_` → `_`) before MathJax saw the span
            text = kramdown_unescape(text)  # lines stay where they were
            at = text.find(first)
        if at >= 0:
            start = text.count("\n", 0, at) + 1
            found.append((rel, range(start - 1, start + tex.count("\n") + 2)))
    return found


def check_mathjax(
    math: OurMath, errors: Mapping[str, Sequence[tuple[int, str]]], site: Path | None, build_output: str
) -> tuple[Tally, Tally]:
    """(pages with math that MathJax typesets without error, error spans the build warned about)."""
    warned = warned_lines(build_output)
    texts = content_texts(site) if errors else {}
    failures, pages_ok, spans_total, spans_warned, unwarned = [], 0, 0, 0, []
    for url, spans in sorted(math.spans.items()):
        page_errors = errors.get(url, [])
        if not page_errors:
            pages_ok += 1
            continue
        first_index, first_message = page_errors[0]
        failures.append(
            f"{url}: {len(page_errors)} span(s) fail; first: {first_message}: {_short(spans[first_index][0])}"
        )
        for index, message in page_errors:
            spans_total += 1
            slug = DATE_PREFIX.sub("", canonical(url).rsplit("/", 1)[-1])
            places = sorted(span_lines(texts, spans[index][0]), key=lambda place: slug not in place[0])
            if any(set(lines) & warned.get(rel, set()) for rel, lines in places):
                spans_warned += 1
            else:
                where = f"{places[0][0]}:{places[0][1].start + 1}" if places else "source not found"
                unwarned.append(f"{url} ({where}): no build warning for: {message}: {_short(spans[index][0])}")
    return (
        Tally(pages_ok, len(math.spans), 0, tuple(failures)),
        Tally(spans_warned, spans_total, 0, tuple(unwarned)),
    )


def spans_request(math: OurMath) -> dict[str, Any]:
    """The request mathjax_check.mjs reads: the site's TeX settings and every page's spans."""
    return {"tex": math.tex, "pages": [{"page": url, "spans": spans} for url, spans in sorted(math.spans.items())]}


def flatten(items: Iterable[Iterable[str]]) -> list[str]:
    """One list of many."""
    return [x for group in items for x in group]
