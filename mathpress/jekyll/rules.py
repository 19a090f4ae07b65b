"""Jekyll's rules (4.3), pure: front matter defaults, categories, and the URL Jekyll gives each source file."""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from ..site import date_tokens, jekyll_title

STYLES = {
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
    "none": "/:categories/:title:output_ext",
}
MARKDOWN_EXTS = (".markdown", ".mkdown", ".mkdn", ".mkd", ".md")
HTML_EXTS = (".html", ".htm", ".xhtml")
POST_NAME = re.compile(r"^(?:.*/)?(\d{2,4}-\d{1,2}-\d{1,2})-(.*)(\.[^.]+)$")
DEFAULT_EXCLUDE = (
    ".sass-cache",
    ".jekyll-cache",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor/bundle/",
    "vendor/cache/",
    "vendor/gems/",
    "vendor/ruby/",
)


def site_pattern(config: Mapping[str, Any]) -> str:
    """The posts' permalink pattern (from defaults, the posts collection or the site), with a leading slash."""
    collections = config.get("collections")
    posts = collections.get("posts") if isinstance(collections, dict) else None
    own = posts.get("permalink") if isinstance(posts, dict) else None
    default = defaults_for("_posts/post.md", "posts", config.get("defaults")).get("permalink")
    value = str(default or own or config.get("permalink") or "date")
    pattern = STYLES.get(value.lstrip(":"), value)
    return pattern if pattern.startswith("/") else "/" + pattern


def page_suffix(config: Mapping[str, Any]) -> str:
    """What Jekyll adds to a page's /:path/:basename for the site's permalink style."""
    value = str(config.get("permalink") or "date").lstrip(":")
    if value == "pretty" or (value not in STYLES and value.endswith("/")):
        return "/"
    if value in ("date", "ordinal", "none") or (value not in STYLES and value.endswith(":output_ext")):
        return ":output_ext"
    return ""


def defaults_for(rel: str, kind: str, defaults: Any) -> dict[str, Any]:
    """Front matter defaults whose scope (path, type) takes this file, the more specific winning."""
    if not isinstance(defaults, list):
        return {}
    matching: list[tuple[int, int, int, dict[str, Any]]] = []
    for order, entry in enumerate(defaults):
        if not isinstance(entry, dict) or not isinstance(entry.get("values"), dict):
            continue
        scope: dict[str, Any] = entry["scope"] if isinstance(entry.get("scope"), dict) else {}
        path = str(scope.get("path") or "").strip("/")
        kind_wanted = scope.get("type")
        if kind_wanted and str(kind_wanted) != kind:
            continue
        if path and not _in_scope(rel, path):
            continue
        matching.append((path.count("/") + bool(path), bool(kind_wanted), order, entry["values"]))
    merged: dict[str, Any] = {}
    for *_, values in sorted(matching, key=lambda m: m[:3]):
        merged.update(values)
    return merged


def _in_scope(rel: str, path: str) -> bool:
    """Whether a file is under a scope path (which may hold `*` globs)."""
    if "*" in path:
        return fnmatch.fnmatch(rel, path) or fnmatch.fnmatch(rel, path + "/*")
    return rel == path or rel.startswith(path + "/")


def categories(rel: str, data: Mapping[str, Any], special: str = "_posts") -> list[str]:
    """A post's categories in Jekyll's order: the folders above _posts/, then front matter (and defaults)."""
    above = rel.split(f"{special}/", 1)[0] if f"{special}/" in rel else ""
    found = [part for part in above.split("/") if part]
    for key in ("categories", "category"):
        value = data.get(key)
        if isinstance(value, str):
            found += value.split()
        elif isinstance(value, list):
            found += [str(v) for v in _flat(value) if v is not None]
        elif value is not None and not isinstance(value, dict):
            found.append(str(value))
    return list(dict.fromkeys(found))


def _flat(items: list[Any]) -> list[Any]:
    """A list with nested lists spliced in (Jekyll itself garbles such categories; see tests)."""
    return [leaf for item in items for leaf in (_flat(item) if isinstance(item, list) else [item])]


def post_url(rel: str, data: Mapping[str, Any], date: dt.datetime, pattern: str) -> str:
    """The URL Jekyll gives a post (or an output collection's document)."""
    template = str(data.get("permalink") or pattern)
    stem = PurePosixPath(rel).stem
    match = POST_NAME.match(rel)
    slug = re.sub(r"\.*$", "", str(data.get("slug") or (match[2] if match else stem)))
    cats = list(dict.fromkeys(c.lower() for c in categories(rel, data)))
    values = {
        **date_tokens(date),
        "title": jekyll_title(slug),
        "slug": jekyll_slug(slug),
        "name": jekyll_slug(stem),
        "categories": "/".join(cats),
        "output_ext": ".html",
        "collection": rel.split("/", 1)[0].lstrip("_"),
        "path": "/" + rel.split("/", 1)[-1].rsplit(".", 1)[0].rstrip("."),
    }
    return _sanitize(_expand(template, values))


def page_url(rel: str, data: Mapping[str, Any], suffix: str) -> str:
    """The URL Jekyll gives a page: its permalink, else /path/basename with the style's ending."""
    path = PurePosixPath(rel)
    folder = "" if str(path.parent) == "." else str(path.parent)
    values = {"path": folder, "basename": path.stem, "output_ext": ".html"}
    if data.get("permalink"):
        return _sanitize(_expand(str(data["permalink"]), values, strict=False))
    template = "/:path/" if path.stem == "index" else "/:path/:basename" + suffix
    return _sanitize(_expand(template, values, strict=False))


def _expand(template: str, values: Mapping[str, str], strict: bool = True) -> str:
    """Replace each :token. For posts and documents an unknown token is an error, as in Jekyll; pages keep it."""

    def value(match: re.Match[str]) -> str:
        name = match[1]
        for key in (name, name.rstrip("_")):
            if key in values:
                return values[key] + match[0][len(key) + 1 :]
        if strict:
            raise ValueError(f"unknown permalink token :{name}")
        return match[0]

    if strict:
        return re.sub(r":([a-z_]+)", value, template)
    names = "|".join(sorted(values, key=len, reverse=True))
    return re.sub(rf":({names})", value, template)


def _sanitize(url: str) -> str:
    """Jekyll's URL clean-up: one leading slash, no `//`, no `/./`."""
    url = re.sub(r"/\.+/", "/", re.sub(r"/{2,}", "/", url))
    return url if url.startswith("/") else "/" + url


def jekyll_slug(text: str) -> str:
    """Jekyll's default slugify: lower case, runs of anything but letters, marks and digits made `-`."""
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"[\W_]+", "-", text).strip("-").lower()


def output_file(url: str, permalink: Any = None) -> str:
    """The file Jekyll writes a document's URL to: /a/ → a/index.html, /a → a.html.

    A document's own permalink (front matter or defaults) that ends in an extension sets its output
    extension, so `/old/page.htm` is written as old/page.htm (Jekyll's permalink_ext).
    """
    path = url.lstrip("/")
    if path == "" or path.endswith("/"):
        return path + "index.html"
    own = str(permalink or "")
    if own and not own.endswith("/") and PurePosixPath(own).suffix:
        return path
    return path if path.endswith(".html") else path + ".html"


def has_ext(rel: str, exts: Sequence[str]) -> bool:
    """Whether a file name ends in one of the extensions, in any case (Jekyll reads `.MD` as Markdown)."""
    return rel.lower().endswith(tuple(exts))


def excluded(rel: str, exclude: Sequence[str], include: Sequence[str]) -> bool:
    """Whether Jekyll leaves a file out: `_`, `.`, `#` or `~` names, excludes, unless included."""
    parts = rel.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        name = parts[depth - 1]
        if _listed(prefix, name, include):
            continue
        if _listed(prefix, name, exclude):
            return True
        if name.startswith(("_", ".", "#")) or name.endswith("~"):
            return True
    return False


def _listed(prefix: str, name: str, patterns: Sequence[str]) -> bool:
    """Whether a path (or its name) is in an exclude or include list."""
    for pattern in patterns:
        clean = pattern.strip("/")
        if clean in (prefix, name) or fnmatch.fnmatch(prefix, clean):
            return True
    return False
