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
# Ruby's Time.parse, as Jekyll reads a `date:` written as text: the zones Time.zone_offset knows (others are
# ignored: the time is the site's), month names, a time of day with am/pm.
RUBY_ZONES = {"UTC": 0, "Z": 0, "UT": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6,
              "PST": -8, "PDT": -7}  # fmt: skip
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
CLOCK = re.compile(
    r"(?<![\d:])(\d{1,2})(?::(\d{1,2})(?::(\d{1,2})(?:[.,](\d+))?)?|h(\d{1,2}))?(?:\s*([ap])\.?m\b\.?)?"
    r"(?:\s*(z\b|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?(?!\d)|[a-z]{1,4}(?:[+-][\d:]+)?\b))?",  # as Ruby: `July` too
    re.I,
)
DAY_FORMS = (  # (pattern, the groups' order); y-m-d first, as Date._parse tries it first
    (re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)"), "dmy"),
    (re.compile(r"(?<![\d-])(\d{2})-(\d{1,2})-(\d{1,2})(?!\d)"), "ymd"),
    (re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"), "ymd"),
    (re.compile(rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?{_MONTH},?\s*(\d{{4}})(?!\d)", re.I), "dby"),
    (re.compile(rf"\b{_MONTH}\s*(\d{{1,2}})?(?:st|nd|rd|th)?,?\s*(\d{{4}})(?!\d)", re.I), "bdy"),
)
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
    """A post's categories in Jekyll's order: the folders above _posts/, then front matter (and defaults).

    `categories: a b` is two categories; `category: Linear Algebra` is one (Jekyll splits only the plural).
    """
    above = rel.split(f"{special}/", 1)[0] if f"{special}/" in rel else ""
    found = [part for part in above.split("/") if part]
    for key in ("categories", "category"):
        value = data.get(key)
        if isinstance(value, str):
            found += value.split() if key == "categories" else [value]
        elif isinstance(value, list):
            found += [str(v) for v in _flat(value) if v is not None]
        elif value is not None and not isinstance(value, dict):
            found.append(str(value))
    return list(dict.fromkeys(found))


def post_date(value: Any, name: str, zone: dt.tzinfo) -> dt.datetime | None:
    """A post's date as Jekyll 4.3 gives it, in the site's zone: its `date:`, else its file name's; None if neither.

    YAML reads a timestamp without a zone (`2017-06-27 04:00:00`) as UTC; a YAML date is that day's start in
    the site's zone; text goes through Ruby's Time.parse in the site's zone. Jekyll stops on a date it cannot
    read; so does this (None), and the importer reports it.
    """
    if value is not None:
        return front_date(value, zone)
    match = POST_NAME.match(name)
    return ruby_time(match[1], zone) if match else None


def front_date(value: Any, zone: dt.tzinfo) -> dt.datetime | None:
    """A front matter `date` value as Jekyll reads it, in the site's zone (None where Jekyll stops)."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(zone)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), zone)
    return ruby_time(value, zone) if isinstance(value, str) else None


def ruby_time(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """Ruby's Time.parse(text).localtime for the forms dates are written in; None for what it refuses.

    A text without a year (`10:00`, `July 4`) is dated from the wall clock by Ruby: refused here too.
    """
    clock = next((m for m in CLOCK.finditer(text) if m[2] or m[5] or m[6]), None)
    day = _day_of(text if clock is None else text[: clock.start()] + " " + text[clock.end() :])
    if day is None:
        return None
    hour, minute, second, micro, offset = _clock(clock) if clock else (0, 0, 0, 0, None)
    year, month, date = day
    if not 1 <= month <= 12 or not 1 <= date <= 31 or hour > 24 or minute > 59 or second > 60:
        return None
    # Ruby's Time.local rolls a day past the month's end (Feb 30 is Mar 2), hour 24 and second 60 over.
    local = dt.datetime(year, month, 1) + dt.timedelta(days=date - 1, hours=hour, minutes=minute, seconds=second)
    local = local.replace(microsecond=micro)
    if offset is None:
        offset = _local_abbreviation(clock[7] if clock else None, year, zone)
    if offset is None:
        return local.replace(tzinfo=zone)
    return local.replace(tzinfo=dt.timezone(offset)).astimezone(zone)


def _day_of(text: str) -> tuple[int, int, int] | None:
    """Year, month and day written in a date text (its time of day taken out)."""
    for pattern, order in DAY_FORMS:
        match = pattern.search(text)
        if not match:
            continue
        parts = dict(zip(order, match.groups(), strict=True))
        month = MONTHS.index(parts["b"].lower()[:3]) + 1 if "b" in parts else int(parts["m"])
        year = int(parts["y"])
        year += 0 if len(parts["y"]) == 4 else 1900 if year >= 69 else 2000
        return year, month, int(parts.get("d") or 1)
    return None


def _clock(match: re.Match[str]) -> tuple[int, int, int, int, dt.timedelta | None]:
    """Hour, minute, second, microsecond and the zone's offset (None: unknown or none) of a time of day."""
    hour = int(match[1])
    if match[6]:
        hour = hour % 12 + (12 if match[6].lower() == "p" else 0)
    minute = int(match[2] or match[5] or 0)
    micro = int((match[4] or "0")[:6].ljust(6, "0"))
    return hour, minute, int(match[3] or 0), micro, _zone_offset(match[7])


def _zone_offset(name: str | None) -> dt.timedelta | None:
    """Ruby's Time.zone_offset: ±HH, ±HHMM, ±HH:MM, or a name from its short list."""
    if not name:
        return None
    digits = re.fullmatch(r"([+-])(\d{2})(?::?(\d{2})(?::?(\d{2}))?)?", name)
    if digits:
        sign = -1 if digits[1] == "-" else 1
        return sign * dt.timedelta(hours=int(digits[2]), minutes=int(digits[3] or 0), seconds=int(digits[4] or 0))
    hours = RUBY_ZONES.get(name.upper())
    return None if hours is None else dt.timedelta(hours=hours)


def _local_abbreviation(name: str | None, year: int, zone: dt.tzinfo) -> dt.timedelta | None:
    """The offset of the site zone's own abbreviation (KST in Asia/Seoul), which Ruby also knows."""
    for month in (1, 7):
        moment = dt.datetime(year, month, 1, tzinfo=zone)
        if name and moment.tzname() == name.upper():
            return moment.utcoffset()
    return None


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
