"""Import helper: a Jekyll site's navigation → site.yml `menu` links, the ones its theme's header or sidebar shows.

Three conventions, tried in order: pages listed by path in _config.yml (minima's `header_pages`); the links
the site's own navigation include renders (hyde's and lanyon's sidebar of `layout: page` pages,
minimal-mistakes' `_data/navigation.yml`, al-folio's `nav: true` pages…), rendered here with Liquid over
Jekyll's site.pages, site.data and _config.yml; and, for a theme gem with no include in the site, that
theme's own source of links.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from liquid import DictLoader, Environment, Mode
from liquid.exceptions import LiquidError

# Config keys that list the header's pages by source path: minima 2 (header_pages), minima 3 (minima.nav_pages),
# and hand-made sites copying minima (header_paths).
PATH_KEYS = (("header_pages",), ("minima", "nav_pages"), ("header_paths",))
NAV_FILE = re.compile(r"(^|[/_-])(nav|navbar|navigation|menu|masthead|header|sidebar|topbar)[^/]*\.html$", re.I)
NAV_NAME_ONLY = re.compile(r"(^|[/_-])(nav|navigation|menu)[^/]*\.html$", re.I)  # a file that is all links
# Theme gems whose links come from a known place when the site has no navigation include of its own.
THEME_SOURCES = (("minimal-mistakes", ("data", "navigation", "main")), ("hydejack", ("menu",)))


@dataclass(frozen=True)
class JekyllPage:
    """A page as Jekyll's site.pages holds it: its source path, URL and front matter (defaults applied)."""

    rel: str
    url: str
    data: Mapping[str, Any]
    collection: str = ""  # an output collection's label for its documents; pages have none


@dataclass(frozen=True)
class Menu:
    """The links a Jekyll site's navigation shows, and where they were read (for the report)."""

    items: tuple[tuple[str, str], ...]  # (title, site path or full URL)
    path: str
    line: int
    how: str


def site_menu(
    src: Path, config: Mapping[str, Any], pages: Sequence[JekyllPage], where: Callable[[str], int]
) -> Menu | None:
    """The site's menu by the first convention that gives one link or more; None when the site states none.

    where(key) is the line of a top-level _config.yml key.
    """
    ordered = sorted(pages, key=lambda p: PurePosixPath(p.rel).name)  # Jekyll sorts site.pages by file name
    data = site_data(src)
    found = (
        _listed_paths(config, [p for p in ordered if not p.collection], where),
        _included(src, config, data, ordered),
        _theme(config, data, ordered),
    )
    return next((menu for menu in found if menu is not None and menu.items), None)


def _listed_paths(config: Mapping[str, Any], pages: Sequence[JekyllPage], where: Callable[[str], int]) -> Menu | None:
    """Pages named by source path in _config.yml, each shown by its title (a page without one is left out)."""
    by_rel = {p.rel: p for p in pages}
    for keys in PATH_KEYS:
        value = _dig(config, keys)
        if isinstance(value, list):
            found = [by_rel.get(str(rel).lstrip("/")) for rel in value]
            items = [(str(p.data["title"]), p.url) for p in found if p is not None and p.data.get("title")]
            return Menu(tuple(items), "_config.yml", where(keys[0]), f"`{'.'.join(keys)}`")
    return None


def _included(
    src: Path, config: Mapping[str, Any], data: Mapping[str, Any], pages: Sequence[JekyllPage]
) -> Menu | None:
    """The links of the first navigation include (or layout) of the site that renders any."""
    site = _site(config, data, pages)
    for path in _nav_files(src):
        rel = path.relative_to(src).as_posix()
        html = _render(path, site)
        if html is None:
            continue
        links = _nav_links(html, whole=bool(NAV_NAME_ONLY.search(rel)))
        items = _items(links, str(config.get("title") or ""), str(config.get("url") or ""))
        if items:
            return Menu(tuple(items), rel, 0, "the links it renders")
    return None


def _theme(config: Mapping[str, Any], data: Mapping[str, Any], pages: Sequence[JekyllPage]) -> Menu | None:
    """A theme gem's own source of links: minimal-mistakes' _data/navigation.yml `main`, hydejack's `menu`,
    chirpy's tabs (the `tabs` collection by `order`, after Home)."""
    theme = f"{config.get('theme') or ''} {config.get('remote_theme') or ''}".lower()
    if "chirpy" in theme:
        tabs = sorted((p for p in pages if p.collection == "tabs"), key=lambda p: (_number(p.data.get("order")), p.rel))
        links = [("Home", "/")] + [(_tab_title(p), p.url) for p in tabs]
        return Menu(tuple(_items(links, "", "")), "_tabs/", 0, "chirpy's tabs")
    for name, keys in THEME_SOURCES:
        if name in theme:
            value = _dig({**config, "data": data}, keys)
            found = [_link_of(item) for item in value] if isinstance(value, list) else []
            items = _items([link for link in found if link], str(config.get("title") or ""), "")
            source = f"_data/{'/'.join(keys[1:-1])}.yml" if keys[0] == "data" else "_config.yml"
            return Menu(tuple(items), source, 0, f"{name}'s `{'.'.join(keys)}`")
    return None


def _tab_title(page: JekyllPage) -> str:
    """A chirpy tab's name: its title, else its file name capitalised (chirpy's locale names)."""
    return str(page.data.get("title") or PurePosixPath(page.rel).stem.replace("-", " ").title())


def _number(value: Any) -> float:
    """A sort key from a front matter number (missing or not a number: last)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("inf")


def _link_of(item: Any) -> tuple[str, str] | None:
    """(text, href) of a data entry like {title, url} (or name/href/link)."""
    if not isinstance(item, dict):
        return None
    title = item.get("title") or item.get("name")
    url = item.get("url") or item.get("href") or item.get("link")
    return (str(title), str(url)) if title and url else None


def site_data(src: Path) -> dict[str, Any]:
    """Jekyll's site.data: every YAML or JSON file under _data/, by its path (unreadable files left out)."""
    data: dict[str, Any] = {}
    folder = src / "_data"
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if path.suffix.lower() not in (".yml", ".yaml", ".json") or not path.is_file():
            continue
        try:
            value = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError, OSError):
            continue
        *folders, name = path.relative_to(folder).with_suffix("").parts
        place = data
        for part in folders:
            place = place.setdefault(part, {}) if isinstance(place.get(part, {}), dict) else {}
        place[name] = value
    return data


def _site(config: Mapping[str, Any], data: Mapping[str, Any], pages: Sequence[JekyllPage]) -> dict[str, Any]:
    """Jekyll's `site` for rendering links as site paths: url and baseurl empty, pages and data filled in."""
    listed = [{**p.data, "url": p.url, "path": p.rel, "name": PurePosixPath(p.rel).name} for p in pages]
    html = [p for p in listed if str(p["path"]).endswith((".html", ".md", ".markdown"))]
    return {**config, "url": "", "baseurl": "", "pages": listed, "html_pages": html, "data": data}


def _nav_files(src: Path) -> list[Path]:
    """The site's includes and layouts named like navigation, includes first; then its default layout."""
    found = [p for folder in ("_includes", "_layouts") for p in sorted((src / folder).rglob("*.html"))]
    named = [p for p in found if NAV_FILE.search(p.relative_to(src).as_posix())]
    default = [p for p in found if p.relative_to(src).as_posix() == "_layouts/default.html"]
    return named + default


def _render(path: Path, site: Mapping[str, Any]) -> str | None:
    """One file rendered with Liquid as Jekyll would on a page that is none of the menu's (None if it cannot be)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    env = Environment(tolerance=Mode.LAX, loader=DictLoader({}), strict_filters=False)
    env.filters["relative_url"] = env.filters["absolute_url"] = lambda value: value
    try:
        return env.from_string(re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)).render(site=site, page={})
    except (LiquidError, RecursionError, TypeError, ValueError):
        return None


class _Links(HTMLParser):
    """The (href, text) of every <a> in HTML, and which <nav> element it is in (0: none)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[int, str, str]] = []
        self.navs = 0
        self.depth = 0
        self.current = 0
        self.href: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "nav":
            self.navs += 1
            self.depth += 1
            self.current = self.current or self.navs
        elif tag == "a" and "href" in dict(attrs):  # <a id="mode"> toggles, it links nowhere
            self.href, self.text = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1
            self.current = self.current if self.depth else 0
        elif tag == "a" and self.href is not None:
            self.links.append((self.current, self.href, " ".join("".join(self.text).split())))
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.text.append(data)


def _nav_links(html: str, whole: bool) -> list[tuple[str, str]]:
    """The links of the first <nav> holding any (or of the whole file, for a file that is all navigation)."""
    parser = _Links()
    parser.feed(html)
    parser.close()
    navs = sorted({nav for nav, _, _ in parser.links if nav})
    if navs:
        links = [(text, href) for nav, href, text in parser.links if nav == navs[0]]
    else:
        links = [(text, href) for _, href, text in parser.links] if whole else []
    if sum(not href.strip() for _, href in links) > 1:  # addresses made by a plugin's tag: not rendered here
        return []
    return links


def _items(links: Iterable[tuple[str, str]], site_title: str, site_url: str) -> list[tuple[str, str]]:
    """Menu items from (text, href): site paths for the site's own links, no site-title link, each once."""
    items: list[tuple[str, str]] = []
    for text, href in links:
        title = " ".join(re.sub(r"<[^>]*>", " ", text).split())
        url = href.strip()
        if site_url and url.startswith(site_url.rstrip("/")):
            url = url[len(site_url.rstrip("/")) :] or "/"
        if not title or url.startswith(("#", "javascript:")) or "{{" in url or "{%" in url:
            continue
        url = url if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) else "/" + url.lstrip("/")
        if (title, url) not in items and not (title == site_title and url == "/"):
            items.append((title, url))
    return items


def _dig(value: Any, keys: Sequence[str]) -> Any:
    """value[k1][k2]… or None."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
