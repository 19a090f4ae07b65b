"""Front matter stage: Document → Meta, every value validated (dates, tags, flags, paths)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from .content import Document
from .errors import SourceError, error
from .yamlio import YamlMap

POST_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")  # 2016-3-3-name too, as Jekyll reads it
DATE_TEXT = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Meta:
    """Validated front matter of one document."""

    source: str
    kind: str
    title: str
    date: dt.datetime | None
    slug: str
    file_slug: str
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    author: str
    cover: str
    cover_alt: str
    layout: str
    permalink: str
    published: bool
    draft: bool
    excerpt: str | None
    description: str
    math: bool | None
    excerpt_separator: str
    liquid: bool
    front: Mapping[str, Any]
    where: Mapping[str, tuple[int, int]]


def slugify(text: str) -> str:
    """Jekyll's default slug: lower case, letters of any script and digits, hyphens between."""
    text = unicodedata.normalize("NFC", text).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-")


def title_from_slug(slug: str) -> str:
    """Jekyll's title for a post without one: the file slug's words, capitalised."""
    return " ".join(word[:1].upper() + word[1:] for word in re.split(r"[-_\s]+", slug) if word)


def read_meta(doc: Document, site_author: str, zone: dt.tzinfo, separator: str) -> Meta:
    """Validate a document's front matter into Meta (SourceError on the first bad value)."""
    fm = doc.meta
    stem = PurePosixPath(doc.source).stem
    file_date, file_slug = split_post_name(stem) if doc.kind == "post" else (None, stem)
    if doc.kind == "post" and file_date is None and "date" not in fm.data:
        raise SourceError(error(doc.source, 0, 0, "post file names look like YYYY-MM-DD-slug.md (or give a `date:`)"))
    date = _date(fm, doc.source, zone) if "date" in fm.data else None
    if date is None and file_date is not None:
        date = dt.datetime.combine(file_date, dt.time(), zone)
    slug = _text(fm, doc.source, "slug") or file_slug
    title = _text(fm, doc.source, "title") or title_from_slug(file_slug)
    if CONTROL.search(title):
        raise _fail(
            fm, doc.source, "title", "`title` contains control characters (invisible, and not allowed in feeds)"
        )
    categories = _pluralized(fm, doc.source, "category", "categories")
    return Meta(
        source=doc.source,
        kind=doc.kind,
        title=title,
        date=date,
        slug=slug,
        file_slug=file_slug,
        tags=_pluralized(fm, doc.source, "tag", "tags"),
        categories=categories,
        author=_text(fm, doc.source, "author") or site_author,
        cover=_text(fm, doc.source, "cover"),
        cover_alt=_text(fm, doc.source, "cover_alt"),
        layout=_text(fm, doc.source, "layout"),
        permalink=_text(fm, doc.source, "permalink"),
        published=_flag(fm, doc.source, "published", True) is not False,
        draft=_flag(fm, doc.source, "draft", False) is True,
        excerpt=_text(fm, doc.source, "excerpt") if "excerpt" in fm.data else None,
        description=_text(fm, doc.source, "description"),
        math=_flag(fm, doc.source, "math", None),
        excerpt_separator=_text(fm, doc.source, "excerpt_separator") or separator,
        liquid=bool(_flag(fm, doc.source, "render_with_liquid", True)),
        front=fm.data,
        where={key[0]: mark for key, mark in fm.marks.items() if len(key) == 1},
    )


def split_post_name(stem: str) -> tuple[dt.date | None, str]:
    """Date and slug from a post file name like 2018-03-08-sigmoid (the date None when it has none)."""
    match = POST_NAME.match(stem)
    if not match:
        return None, stem
    try:
        day = dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None, stem
    return day, match[4]


def _fail(fm: YamlMap, source: str, key: str, message: str) -> SourceError:
    """An error pointing at one front matter key."""
    line, col = fm.where(key)
    return SourceError(error(source, line, col, message))


def _text(fm: YamlMap, source: str, key: str) -> str:
    """A text value; scalars YAML read as numbers or booleans are taken as written."""
    value = fm.data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict | list):
        raise _fail(fm, source, key, f"`{key}` must be text, not a {type(value).__name__}")
    return fm.written.get((key,), str(value)).strip()


def _flag(fm: YamlMap, source: str, key: str, default: bool | None) -> bool | None:
    """A true/false value."""
    value = fm.data.get(key, default)
    if value is None or isinstance(value, bool):
        return value
    raise _fail(fm, source, key, f"`{key}` must be true or false")


def _pluralized(fm: YamlMap, source: str, singular: str, plural: str) -> tuple[str, ...]:
    """Jekyll's tags or categories: the singular key first (one name as written, or a list), else the plural
    (a list, or words separated by spaces)."""
    value = fm.data.get(singular)
    if value is None or value == []:
        return _words(fm, source, plural)
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    return _words(fm, source, singular)


def _words(fm: YamlMap, source: str, key: str) -> tuple[str, ...]:
    """Tags or categories: a YAML list, or one string of space-separated words."""
    value = fm.data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, list) and all(_is_scalar(v) for v in value):
        return tuple(str(v).strip() for v in value if str(v).strip())
    if _is_scalar(value):
        return (fm.written.get((key,), str(value)),)
    raise _fail(fm, source, key, f"`{key}` must be a list like [a, b] or words separated by spaces")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _date(fm: YamlMap, source: str, zone: dt.tzinfo) -> dt.datetime:
    """The front matter date, which must be readable."""
    value = fm.data["date"]
    parsed = front_date(value, zone)
    if parsed is None:
        raise _fail(fm, source, "date", f"cannot read date {value!r} (write it like 2024-01-02 10:00:00 +0900)")
    return parsed


def front_date(value: Any, zone: dt.tzinfo) -> dt.datetime | None:
    """A front matter date as mathpress reads it (None when it cannot): a time without a zone is the site's."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), zone)
    return parse_date_text(value, zone) if isinstance(value, str) else None


def parse_date_text(text: str, zone: dt.tzinfo) -> dt.datetime | None:
    """Parse `2018-03-08`, `2018-03-08 1:00:00`, `…T10:00:00+09:00`, `… 10:00:00 +0800`."""
    match = DATE_TEXT.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, frac, offset = match.groups()
    try:
        value = dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((frac or "0").ljust(6, "0")),
        )
    except ValueError:
        return None
    return value.replace(tzinfo=_offset(offset) if offset else zone)


def _offset(text: str) -> dt.timezone:
    """A fixed zone from Z, +09, +0900 or +09:00."""
    if text == "Z":
        return dt.UTC
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return dt.timezone(dt.timedelta(minutes=-minutes if text[0] == "-" else minutes))
