"""Import stage: a Jekyll site folder → a new mathpress site folder, and a report of what was and was not carried.

The Jekyll folder is only read. The new site is assembled in a staging folder next to DEST, checked with
mathpress's own stages (every document's URL must be the one Jekyll gives it), then moved into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
import tempfile
import warnings
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import yaml
from PIL import Image, UnidentifiedImageError

from ..baseline import BASELINE_FILE, baseline_text
from ..config import CONFIG_NAME, PERMALINK_TOKENS, Config, load_config
from ..content import Source, decode, find_front_matter, inventory, is_ignored, parse_document
from ..errors import BuildFailed, Diagnostic, SourceError, UsageError, error, line_col, warning
from ..meta import Meta, parse_date_text, read_meta
from ..pipeline import BuildOptions, build
from ..site import document_output, permalink_for, plan_urls, safe_url, tag_names
from ..verify import Problem, check_output
from ..yamlio import EMPTY, YamlMap, parse_mapping
from . import rules as jekyll

COVER_KEYS = (
    "cover", "image", "img", "header-img", "cover-img", "feature_image", "thumbnail", "thumbnail-img", "header",
    "article_header",
)  # fmt: skip
# Themes that keep the cover inside a mapping: minimal-mistakes' `header`, TeXt's `article_header`.
NESTED_COVERS = {"header": ("overlay_image", "image", "teaser"), "article_header": ("background_image.src",)}
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".svg")
TEXT_KEYS = ("title", "slug", "excerpt", "description", "cover_alt", "excerpt_separator", "lang")
FLAG_KEYS = ("published", "draft", "math", "render_with_liquid")
# Front matter keys mathpress reads itself; any other key reaches templates as page.front.KEY.
OUR_KEYS = frozenset({*TEXT_KEYS, *FLAG_KEYS, "date", "tags", "categories", "category", "author", "cover", "layout"})
JEKYLL_OWN_KEYS = frozenset({"permalink", "layout", "redirect_from"})
SAME_AS_OURS = {"title", "description", "url", "timezone", "paginate", "excerpt_separator"}
NO_MEANING = {
    "plugins": "plugins do not run in mathpress",
    "gems": "plugins do not run in mathpress",
    "whitelist": "plugins do not run in mathpress",
    "theme": "theme gems do not apply: the site uses mathpress's theme (templates/ overrides it)",
    "remote_theme": "theme gems do not apply: the site uses mathpress's theme (templates/ overrides it)",
    "sass": "Sass is not compiled",
    "future": "mathpress leaves future posts out unless `build --future`",
    "show_drafts": "mathpress leaves drafts out unless `build --drafts`",
    "unpublished": "mathpress leaves unpublished posts out unless `build --drafts`",
    "paginate_path": "mathpress's index pages are /page/N/",
    "pagination": "mathpress paginates its own index (/page/N/)",
    "highlighter": "code is highlighted by Pygments (`highlight_style`)",
    "markdown": "Markdown is read by mathpress (kramdown's math rules)",
    "keep_files": "mathpress writes its own output folder",
    "destination": "mathpress writes to _site/ (or --output)",
    "source": "the imported folder is the source",
    "safe": "no meaning for mathpress",
    "incremental": "mathpress builds are incremental",
    "markdown_ext": "posts were renamed to .md",
    "feed": "mathpress writes its own Atom feed (feed.xml)",
    "jekyll-archives": "mathpress writes its own tag pages and archive",
    "scholar": "jekyll-scholar (bibliographies) is a plugin",
}
KRAMDOWN_DEFAULTS: dict[str, Any] = {
    "input": "GFM",
    "hard_wrap": False,
    "auto_ids": True,
    "math_engine": "mathjax",
    "syntax_highlighter": "rouge",
    "footnote_nr": 1,
    "entity_output": "as_char",
}
KRAMDOWN_HARMLESS = frozenset({"syntax_highlighter_opts", "toc_levels", "smart_quotes", "gfm_quirks"})
APPLIED = {
    "defaults": "written into each document's front matter",
    "exclude": "applied: excluded files were not copied",
    "include": "applied: included files were copied",
}
TOP_KEY = re.compile(r"^([^\s#:'\"\-?][^:]*?)\s*:(?:\s|$)")
GENERATED_PATHS = ("feed.xml", "sitemap.xml", "404.html", "index.html")


@dataclass(frozen=True)
class ImportReport:
    """What an import carried over, what it translated, and every thing it could not carry."""

    dest: Path
    posts: tuple[str, ...]
    drafts: tuple[str, ...]
    pages: tuple[str, ...]
    files: tuple[str, ...]
    translated: tuple[str, ...]
    not_carried: tuple[Diagnostic, ...]
    baseline: tuple[str, ...] = ()  # the warnings and check problems recorded in BASELINE_FILE


@dataclass(frozen=True)
class _Doc:
    """One Jekyll post, draft, page or collection document, and where it goes."""

    rel: str
    kind: str  # post, draft, page, doc
    dest: str
    text: str
    jekyll_output: str


@dataclass
class _Findings:
    """Notes gathered while planning (the only mutable thing here, local to one import)."""

    translated: list[str] = field(default_factory=list)
    skipped: list[Diagnostic] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)

    def skip(self, path: str, line: int, message: str) -> None:
        """Record something not carried."""
        self.skipped.append(warning(path, line, 0, message))


def import_site(src: Path, dest: Path, deploy_files: Mapping[str, str], record_baseline: bool = True) -> ImportReport:
    """Read the Jekyll site in src and write a mathpress site to dest (which must be new or empty).

    With record_baseline, the new site is built once and its warnings and check problems written to
    BASELINE_FILE, which the deploy workflow accepts (see baseline.py).
    """
    _check_folders(src, dest)
    notes = _Findings()
    config_map = _read_jekyll_config(src, notes)
    config = dict(config_map.data)
    zone = _zone(config)
    sources = list(_walk(src, config, notes))
    docs: list[_Doc] = []
    files: dict[str, Path] = {}
    for rel in sources:
        _sort_file(src, rel, config, zone, docs, files, notes)
    math = _mathjax_settings(src, notes)
    site_yml = _site_yml(config, config_map, math, zone, notes)
    stage = dest.parent / f".{dest.name}.importing-{os.getpid()}"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        kept = _write_stage(src, stage, site_yml, docs, files, deploy_files, notes)
        known = _write_baseline(stage, notes) if record_baseline else ()
        if dest.exists():
            dest.rmdir()
        stage.rename(dest)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return ImportReport(
        dest=dest,
        posts=tuple(d.rel for d in kept if d.kind == "post"),
        drafts=tuple(d.rel for d in kept if d.kind == "draft"),
        pages=tuple(d.rel for d in kept if d.kind in ("page", "doc")),
        files=tuple(sorted(files)),
        translated=tuple(notes.translated),
        not_carried=tuple(sorted(notes.skipped)),
        baseline=known,
    )


def _check_folders(src: Path, dest: Path) -> None:
    """SRC must be a Jekyll site; DEST new or empty, and not inside SRC (SRC is never written)."""
    if not (src / "_config.yml").is_file() and not (src / "_posts").is_dir():
        raise UsageError(f"{src} is not a Jekyll site (no _config.yml or _posts/)")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise UsageError(f"{dest} exists and is not empty; give a new folder")
    if dest.resolve().is_relative_to(src.resolve()):
        raise UsageError(f"{dest} is inside {src}; the Jekyll site is never written to, give a folder outside it")


def _read_jekyll_config(src: Path, notes: _Findings) -> YamlMap:
    """_config.yml with the line of every key (an empty mapping when there is none)."""
    path = src / "_config.yml"
    if not path.is_file():
        return EMPTY
    text = _read_text(path)
    if text is None:
        raise SourceError(error("_config.yml", 1, 1, "not UTF-8 text: save it as UTF-8"))
    return parse_mapping(_last_of_duplicates("_config.yml", text, 1, notes), "_config.yml")


def _last_of_duplicates(rel: str, yaml_text: str, first_line: int, notes: _Findings) -> str:
    """YAML with each top-level key written twice kept at its last place, as Jekyll reads it (reported).

    The earlier copies' lines are blanked, not removed, so every other line keeps its number.
    """
    lines = yaml_text.split("\n")
    starts = [(i, m[1]) for i, line in enumerate(lines) if (m := TOP_KEY.match(line))]
    last = {key: index for index, key in starts}
    for number, (index, key) in enumerate(starts):
        if last[key] == index:
            continue
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        for blank in range(index, end):
            lines[blank] = ""
        message = f"`{key}` is written again on line {last[key] + first_line}: Jekyll keeps that one, so do we"
        notes.skip(rel, index + first_line, message)
    return "\n".join(lines)


def _document_text(src: Path, rel: str, notes: _Findings) -> str | None:
    """A document's text with duplicate front matter keys resolved as Jekyll does; None when not UTF-8."""
    text = _read_text(src / rel)
    if text is None:
        return None
    try:
        yaml_text, body, _ = find_front_matter(text, rel)
    except SourceError:
        return text  # reported when its front matter is read
    if yaml_text is None:
        return text
    return "---\n" + _last_of_duplicates(rel, yaml_text, 2, notes) + "\n---\n" + body


def _zone(config: Mapping[str, Any]) -> zoneinfo.ZoneInfo:
    """The site's time zone (Jekyll's `timezone`, else UTC)."""
    try:
        return zoneinfo.ZoneInfo(str(config.get("timezone") or "UTC"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _walk(src: Path, config: Mapping[str, Any], notes: _Findings) -> Iterator[str]:
    """Every file Jekyll reads, as a posix path relative to src, sorted; _site and caches left out."""
    exclude = [*jekyll.DEFAULT_EXCLUDE, *_strings(config.get("exclude"))]
    include = _strings(config.get("include"))
    output = str(config.get("destination") or "_site").strip("/")
    skipped = (f"{output}/", ".git/", ".jekyll-cache/", ".sass-cache/")  # Jekyll's output and caches
    for folder, dirs, names in os.walk(src):
        dirs.sort()
        here = Path(folder).relative_to(src).as_posix()
        for name in sorted(names + [d for d in dirs if os.path.islink(os.path.join(folder, d))]):
            rel = name if here == "." else f"{here}/{name}"
            if rel.startswith(skipped):
                continue
            if os.path.islink(src / rel):  # GitHub Pages' Jekyll (safe mode) does not follow them either
                notes.skip(rel, 0, "symbolic link not carried: copy the file it points to in its place")
                continue
            if _special(rel) or not jekyll.excluded(rel, exclude, include):
                yield rel


def _special(rel: str) -> bool:
    """Jekyll's own folders, read whatever the exclude rules say."""
    first = rel.split("/", 1)[0]
    return (first.startswith("_") and "/" in rel) or "/_posts/" in f"/{rel}" or "/_drafts/" in f"/{rel}"


def _strings(value: Any) -> list[str]:
    """A YAML list of names (or one name) as text."""
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)] if isinstance(value, str) else []


def _sort_file(
    src: Path,
    rel: str,
    config: Mapping[str, Any],
    zone: dt.tzinfo,
    docs: list[_Doc],
    files: dict[str, Path],
    notes: _Findings,
) -> None:
    """Decide what one source file becomes: a post, draft, page, document, static file, or a note."""
    first = rel.split("/", 1)[0]
    collections: dict[str, Any] = config["collections"] if isinstance(config.get("collections"), dict) else {}
    if "/_posts/" in f"/{rel}" or "/_drafts/" in f"/{rel}":
        _post_or_draft(src, rel, config, zone, docs, notes)
    elif first in ("_includes", "_data"):
        files[rel] = src / rel
    elif first.startswith("_") and first[1:] in collections and "/" in rel:
        _collection_file(src, rel, config, collections[first[1:]], docs, files, notes)
    elif first.startswith("_") and "/" in rel and first not in _strings(config.get("include")):
        _report_folder(rel, notes)
    else:
        _page_or_static(src, rel, config, docs, files, notes)


def _report_folder(rel: str, notes: _Findings) -> None:
    """Layouts, Sass, plugins and other Jekyll folders: listed, never silently dropped."""
    first = rel.split("/", 1)[0]
    reasons = {
        "_layouts": "layout not carried: posts use mathpress's `post` layout, pages its `page` layout",
        "_sass": "Sass is not carried: mathpress's theme has its own CSS (static/ overrides it)",
        "_plugins": "plugin not carried: Ruby plugins do not run in mathpress",
    }
    if first in reasons:
        notes.skip(rel, 0, reasons[first])
    elif first not in notes.folders:  # one line for a whole folder of data mathpress does not read
        notes.folders.add(first)
        notes.skip(f"{first}/", 0, f"{first}/ is a Jekyll folder mathpress does not read; not carried")


def _post_or_draft(
    src: Path, rel: str, config: Mapping[str, Any], zone: dt.tzinfo, docs: list[_Doc], notes: _Findings
) -> None:
    """A file under _posts/ or _drafts/."""
    draft = "/_drafts/" in f"/{rel}"
    text = _document_text(src, rel, notes)
    if text is None:
        notes.skip(rel, 0, "not carried: not UTF-8 text (Jekyll cannot read it either); save it as UTF-8")
        return
    if not jekyll.has_ext(rel, (*jekyll.MARKDOWN_EXTS, *jekyll.HTML_EXTS)):
        notes.skip(rel, 0, "post not carried: not Markdown or HTML (Jekyll publishes it unconverted)")
        return
    special = "_drafts" if draft else "_posts"
    above, inside = f"/{rel}".split(f"/{special}/", 1)
    name = PurePosixPath(inside)
    fm = _front_matter(rel, text, notes)
    if fm is None:
        return
    data = {**jekyll.defaults_for(rel, "posts", config.get("defaults")), **fm.data}
    date = _post_date(src / rel, name.name, data, zone, draft)
    if date is None:
        notes.skip(rel, 0, "no date: post file names look like YYYY-MM-DD-title.md (Jekyll skips it too)")
        return
    try:
        url = jekyll.post_url(rel, data, date, jekyll.site_pattern(config))
    except ValueError as exc:
        notes.skip(rel, fm.where("permalink")[0], f"{exc} (Jekyll fails on it too)")
        return
    stem = name.stem if jekyll.POST_NAME.match(name.name) else f"{date.date().isoformat()}-{name.stem}"
    folder = "/".join(p for p in (above.strip("/"), str(name.parent)) if p not in ("", "."))
    folder = "drafts/" if draft else folder + "/" if folder else ""
    dest = f"content/posts/{folder}{stem}{_markdown_ext(rel)}"
    extra: dict[str, Any] = {"draft": True} if draft else {}
    if draft and "date" not in data:
        extra["date"] = date.isoformat()
    cats = jekyll.categories(rel, data, special)
    body = _edit(src, rel, text, fm, data, cats, extra, notes, kind="post")
    kind = "draft" if draft or data.get("published") is False else "post"
    docs.append(_Doc(rel, kind, dest, _html_body(rel, body), jekyll.output_file(url, data.get("permalink"))))


def _markdown_ext(rel: str) -> str:
    """Our Markdown extension for a Jekyll file: .markdown stays, everything else becomes .md."""
    return ".markdown" if rel.endswith(".markdown") else ".md"


def _post_date(path: Path, name: str, data: Mapping[str, Any], zone: dt.tzinfo, draft: bool) -> dt.datetime | None:
    """A post's date in the site's zone (where Jekyll reads its URL's date)."""
    date = _written_date(path, name, data, zone, draft)
    return date.astimezone(zone) if date else None


def _written_date(path: Path, name: str, data: Mapping[str, Any], zone: dt.tzinfo, draft: bool) -> dt.datetime | None:
    """A post's date: front matter, else the file name, else (drafts) the file's time, as Jekyll does."""
    value = data.get("date")
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(), zone)
    if isinstance(value, str) and parse_date_text(value, zone):
        return parse_date_text(value, zone)
    match = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})-", name)
    if match:
        try:
            return dt.datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=zone)
        except ValueError:
            return None
    if draft:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, zone).replace(microsecond=0)
    return None


def _collection_file(
    src: Path,
    rel: str,
    config: Mapping[str, Any],
    settings: Any,
    docs: list[_Doc],
    files: dict[str, Path],
    notes: _Findings,
) -> None:
    """A document of a Jekyll collection: a page at its URL when the collection is output, else reported."""
    label = rel.split("/", 1)[0][1:]
    settings = settings if isinstance(settings, dict) else {}
    text = _document_text(src, rel, notes)
    is_doc = (
        text is not None and text.startswith("---") and jekyll.has_ext(rel, (*jekyll.MARKDOWN_EXTS, *jekyll.HTML_EXTS))
    )
    if not settings.get("output"):
        notes.skip(rel, 0, f"collection `{label}` is not output by Jekyll (output: false): its data is not carried")
        return
    if not is_doc or text is None:
        files[rel.removeprefix("_")] = src / rel
        return
    fm = _front_matter(rel, text, notes)
    if fm is None:
        return
    data = {**jekyll.defaults_for(rel, label, config.get("defaults")), **fm.data}
    pattern = str(settings.get("permalink") or "/:collection/:path:output_ext")
    date = _post_date(src / rel, PurePosixPath(rel).name, data, dt.UTC, False)
    try:
        url = jekyll.post_url(rel, {**data, "permalink": data.get("permalink") or pattern}, date or _EPOCH, pattern)
    except ValueError as exc:
        notes.skip(rel, 0, str(exc))
        return
    dest = "content/" + rel.removeprefix("_").rsplit(".", 1)[0] + ".md"
    body = _edit(src, rel, text, fm, data, [], {}, notes, kind="page")
    docs.append(_Doc(rel, "doc", dest, _html_body(rel, body), jekyll.output_file(url, data.get("permalink"))))


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _page_or_static(
    src: Path, rel: str, config: Mapping[str, Any], docs: list[_Doc], files: dict[str, Path], notes: _Findings
) -> None:
    """Any other file: a page when it has front matter, else a static file copied to the same path."""
    if not _has_front_matter(src / rel):
        _static(src, rel, files, notes)
        return
    text = _document_text(src, rel, notes)
    if text is None:
        notes.skip(rel, 1, "not carried: not UTF-8 text")
        return
    if not jekyll.has_ext(rel, (*jekyll.MARKDOWN_EXTS, *jekyll.HTML_EXTS)):
        why = "Sass is not compiled" if rel.endswith((".scss", ".sass")) else "only Markdown and HTML pages are carried"
        if PurePosixPath(rel).name in ("feed.xml", "sitemap.xml", "robots.txt"):
            why = "mathpress writes its own"
        notes.skip(rel, 1, f"page with front matter not carried: {why}")
        return
    fm = _front_matter(rel, text, notes)
    if fm is None:
        return
    data = {**jekyll.defaults_for(rel, "pages", config.get("defaults")), **fm.data}
    url = jekyll.page_url(rel, data, jekyll.page_suffix(config))
    if url == "/":
        notes.skip(rel, 1, "the home page is not carried: mathpress's index at / lists the posts")
        return
    if jekyll.output_file(url) == "404.html":
        notes.skip(rel, 1, "404 page not carried: mathpress writes its own 404.html")
        return
    if "paginator" in text:
        notes.skip(rel, 1, f"paginated listing at {url} not carried: mathpress's index (/, /page/N/) lists the posts")
        return
    parts = rel.rsplit(".", 1)[0].split("/")
    dest = "content/" + "/".join(p.lstrip("_") for p in parts) + _markdown_ext(rel)
    body = _edit(src, rel, text, fm, data, [], {}, notes, kind="page")
    docs.append(_Doc(rel, "page", dest, _html_body(rel, body), jekyll.output_file(url, data.get("permalink"))))


def _static(src: Path, rel: str, files: dict[str, Path], notes: _Findings) -> None:
    """A static file, copied to the same path unless mathpress cannot publish that name."""
    if any(is_ignored(part) for part in rel.split("/")):
        notes.skip(rel, 0, "static file not carried: mathpress does not publish names starting with `_` or `.`")
    elif rel in GENERATED_PATHS:
        notes.skip(rel, 0, f"static file not carried: mathpress writes its own /{rel}")
    else:
        files[rel] = src / rel


def _has_front_matter(path: Path) -> bool:
    """Jekyll's test for a page: the first line is `---` (the rest of the file is not read)."""
    with path.open("rb") as stream:
        first = stream.readline(256)
    return re.match(rb"---\s*\n", first.replace(b"\r\n", b"\n")) is not None


def _read_text(path: Path) -> str | None:
    """A file's UTF-8 text with `\\n` line ends, or None when it is not text."""
    try:
        return decode(path.read_bytes(), path.name)
    except SourceError:
        return None


def _front_matter(rel: str, text: str, notes: _Findings) -> YamlMap | None:
    """The parsed front matter, or None (reported) when YAML cannot read it."""
    try:
        yaml_text, _, _ = find_front_matter(text, rel)
        return EMPTY if yaml_text is None else parse_mapping(yaml_text, rel, first_line=2)
    except SourceError as exc:
        notes.skip(rel, exc.diagnostic.line, f"not carried: {exc.diagnostic.message}")
        return None


def _html_body(rel: str, text: str) -> str:
    """An HTML page becomes Markdown that holds its HTML untouched."""
    if not jekyll.has_ext(rel, jekyll.HTML_EXTS):
        return text
    yaml_text, body, _ = find_front_matter(text, rel)
    head = "" if yaml_text is None else f"---\n{yaml_text}\n---\n"
    return f'{head}<div class="jekyll-html">\n{body.rstrip()}\n</div>\n'


# -- front matter --------------------------------------------------------------------------


def _edit(
    src: Path,
    rel: str,
    text: str,
    fm: YamlMap,
    data: Mapping[str, Any],
    cats: list[str],
    extra: dict[str, Any],
    notes: _Findings,
    kind: str,
) -> str:
    """The document with its front matter translated: renamed keys, added keys, the body untouched."""
    renames: dict[str, str] = {}
    added: dict[str, Any] = dict(extra)
    _cover(src, rel, fm, data, renames, added, notes)
    _author(rel, fm, data, renames, added, notes)
    _checked_values(rel, fm, data, renames, notes)
    _layout(rel, fm, data, renames, notes, kind)
    if kind == "post":
        _categories(fm, data, cats, renames, added)
    for key, value in data.items():  # front matter defaults the file did not override
        if key not in fm.data and key not in renames and key not in ("permalink", "layout"):
            added.setdefault(key, value)
    for key in sorted(k for k in fm.data if k not in OUR_KEYS and k not in COVER_KEYS and k not in JEKYLL_OWN_KEYS):
        if key not in renames:
            message = f"front matter `{key}` kept for templates (page.front.{key}); our theme does not use it"
            notes.skip(rel, fm.where(key)[0], message)
    return _rewrite(text, rel, renames, added)


def _rewrite(text: str, rel: str, renames: Mapping[str, str], added: Mapping[str, Any]) -> str:
    """Rename top-level keys and append new ones to the front matter; everything else stays byte for byte."""
    yaml_text, body, _ = find_front_matter(text, rel)
    lines = [] if yaml_text is None else yaml_text.split("\n")
    for index, line in enumerate(lines):
        match = re.match(r"^([^\s#:][^:]*?)(\s*):", line)
        if match and match[1].strip("'\"") in renames:
            lines[index] = renames[match[1].strip("'\"")] + line[len(match[1]) :]
    for key, value in added.items():
        lines.append(f"{key}: {_yaml_value(value)}")
    return "---\n" + "\n".join(lines).rstrip("\n") + "\n---\n" + body


def _yaml_value(value: Any) -> str:
    """One value as a single line of YAML (JSON is YAML; dates as ISO text)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def _cover(
    src: Path,
    rel: str,
    fm: YamlMap,
    data: Mapping[str, Any],
    renames: dict[str, str],
    added: dict[str, Any],
    notes: _Findings,
) -> None:
    """The first theme cover key holding an image path becomes `cover`; other values stay, with a warning."""
    found = False
    for key in COVER_KEYS:
        value = data.get(key)
        if value is None or value == "":
            continue
        path, alt = (value.get("path"), value.get("alt")) if isinstance(value, dict) else (value, None)
        if key in NESTED_COVERS:
            path, alt = _nested_cover(value, NESTED_COVERS[key]), None
        line = fm.where(key)[0]
        clean = re.sub(r"^\{\{\s*site\.baseurl\s*\}\}", "", path.strip()) if isinstance(path, str) else ""
        if isinstance(path, str) and _image_path(path) and not found and not _exists(src, clean):
            notes.skip(rel, line, f"`{key}`: image {clean} is not in the Jekyll site; no cover shown")
            continue
        damage = _damaged(src, clean) if isinstance(path, str) and _image_path(path) and not found else None
        if damage:
            notes.skip(rel, line, f"`{key}`: image {clean} {damage}; no cover shown")
            continue
        if isinstance(path, str) and _image_path(path) and not found:
            found = True
            if key != "cover" or clean != value:
                if key == "cover":
                    renames["cover"] = "jekyll_cover"
                added["cover"] = clean
                if isinstance(alt, str) and alt and "cover_alt" not in data:
                    added["cover_alt"] = alt
                notes.translated.append(f"{rel}:{line}: `{key}` → `cover`")
            continue
        if key == "cover":
            renames["cover"] = "jekyll_cover"
            notes.skip(rel, line, "`cover` is not an image path; kept as `jekyll_cover` (no cover shown)")
        elif not found and isinstance(path, str):
            message = f"`{key}` is not an image path ({_short(path)}); kept under its own key, no cover shown"
            notes.skip(rel, line, message)


def _nested_cover(value: Any, paths: tuple[str, ...]) -> str | None:
    """The first image path found at one of the dotted paths inside a theme's mapping."""
    for dotted in paths:
        found = value
        for part in dotted.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        if isinstance(found, str) and found:
            return found
    return None


def _exists(src: Path, path: str) -> bool:
    """Whether a cover path is a URL or a file of the Jekyll site (paths are from the site's root)."""
    if re.match(r"^(https?:)?//", path):
        return True
    target = (src / path.lstrip("/")).resolve()
    return target.is_relative_to(src.resolve()) and target.is_file()


def _damaged(src: Path, path: str) -> str | None:
    """Why a local cover image cannot be decoded (the build refuses such covers), or None."""
    if re.match(r"^(https?:)?//", path):
        return None
    file = src / path.lstrip("/")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                image.load()
    except UnidentifiedImageError:
        return None if file.suffix.lower() not in Image.registered_extensions() else "cannot be read as an image"
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "has too many pixels"
    except (OSError, SyntaxError, ValueError, EOFError):
        return "is truncated or damaged"
    return None


def _image_path(value: str) -> bool:
    """Whether a front matter value is an image path or URL (not HTML, not a video)."""
    text = value.strip()
    return "<" not in text and "\n" not in text and text.lower().split("?")[0].endswith(IMAGE_EXTS)


def _short(text: str) -> str:
    """A value shortened for a report line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= 40 else flat[:37] + "…"


def _author(
    rel: str, fm: YamlMap, data: Mapping[str, Any], renames: dict[str, str], added: dict[str, Any], notes: _Findings
) -> None:
    """An author given as a mapping (name:) or a list becomes text; the original stays as jekyll_author."""
    value = data.get("author")
    if isinstance(value, dict) and value.get("name"):
        text = str(value["name"])
    elif isinstance(value, list) and value:
        text = ", ".join(str(v.get("name", "")) if isinstance(v, dict) else str(v) for v in value)
    else:
        return
    if "author" in fm.data:
        renames["author"] = "jekyll_author"
    added["author"] = text
    notes.translated.append(f"{rel}:{fm.where('author')[0]}: `author` → {json.dumps(text, ensure_ascii=False)}")


def _checked_values(rel: str, fm: YamlMap, data: Mapping[str, Any], renames: dict[str, str], notes: _Findings) -> None:
    """Keys mathpress reads, with a value of another kind than it reads: kept as jekyll_KEY, reported."""
    for key in (*TEXT_KEYS, *FLAG_KEYS, "tags", "categories", "category"):
        if key not in fm.data or key in renames:
            continue
        value = fm.data[key]
        wrong = (
            isinstance(value, dict | list)
            if key in TEXT_KEYS
            else not (value is None or isinstance(value, bool))
            if key in FLAG_KEYS
            else isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict | list) for v in value))
        )
        if wrong:
            renames[key] = f"jekyll_{key}"
            notes.skip(rel, fm.where(key)[0], f"`{key}` holds a {type(value).__name__}; kept as `jekyll_{key}`")


def _layout(
    rel: str, fm: YamlMap, data: Mapping[str, Any], renames: dict[str, str], notes: _Findings, kind: str
) -> None:
    """A layout mathpress does not have: kept as jekyll_layout, the document shown with ours."""
    value = fm.data.get("layout")
    if "layout" in fm.data and value not in ("post", "page"):
        renames["layout"] = "jekyll_layout"
        notes.skip(rel, fm.where("layout")[0], f"layout `{value}` not carried: shown with mathpress's `{kind}` layout")


def _categories(
    fm: YamlMap, data: Mapping[str, Any], cats: list[str], renames: dict[str, str], added: dict[str, Any]
) -> None:
    """Categories from defaults and folders join the front matter's, in Jekyll's order."""
    written = jekyll.categories("", fm.data)
    if written == cats and "categories" not in renames and "category" not in renames:
        return
    for key in ("categories", "category"):
        if key in fm.data:
            renames[key] = f"jekyll_{key}"
    added["categories"] = cats


# -- MathJax settings from the site's own head ---------------------------------------------


def _mathjax_settings(src: Path, notes: _Findings) -> dict[str, Any]:
    """MathJax's `tags`, `macros` and `$` pairing from what the site's includes, layouts or _config.yml set."""
    found: dict[str, Any] = {}
    dollars: list[tuple[str, str]] = []  # (pairing, where it was read)
    for folder in ("_includes", "_layouts"):
        for path in sorted((src / folder).rglob("*.html")) if (src / folder).is_dir() else []:
            text = _read_text(path) or ""
            rel = path.relative_to(src).as_posix()
            if "MathJax" in text:
                found.update(_mathjax_from(rel, text, notes))
            dollars += _dollars(rel, text)
    dollars += _dollars("_config.yml", _read_text(src / "_config.yml") or "")  # a theme's KaTeX snippet
    if dollars:
        pairing, where = max(dollars, key=lambda item: item[0] == "mathjax")  # one page enabling `$` is enough
        found["dollars"] = pairing
        notes.translated.append(f"{where}: {DOLLARS_READ[pairing]} → math.dollars: {pairing}")
    return found


DOLLARS_READ = {"mathjax": "`$…$` is inline math there", "text": "MathJax or KaTeX without `$…$` inline"}
MATH_SCRIPT = re.compile(r"<script\b[^>]*\bsrc=[^>]*(?:mathjax|katex)", re.I)
KATEX_DOLLAR = re.compile(r"""\bleft["']?\s*:\s*\\?(["'])\$\\?\1""")


def _dollars(rel: str, text: str) -> list[tuple[str, str]]:
    """How a file's MathJax or KaTeX pairs `$`: ("mathjax", where) if it enables `$…$`, ("text", where) if not."""
    inline = re.search(r"inlineMath\s*:\s*(\[.*?\]\s*\])", text, re.S)
    enabled = KATEX_DOLLAR.search(text)
    if inline and ("'$'" in inline[1] or '"$"' in inline[1]):
        enabled = inline
    if enabled:
        return [("mathjax", f"{rel}:{line_col(text, enabled.start())[0]}")]
    loader = inline or MATH_SCRIPT.search(text)  # an inlineMath without `$`, or MathJax's defaults (no `$`)
    return [("text", f"{rel}:{line_col(text, loader.start())[0]}")] if loader else []


def _mathjax_from(rel: str, text: str, notes: _Findings) -> dict[str, Any]:
    """Read tags and macros from one file's MathJax configuration."""
    found: dict[str, Any] = {}
    tags = re.search(r"\b(?:tags|autoNumber)\s*:\s*['\"](ams|all|none)['\"]", text, re.I)
    if tags:
        found["tags"] = tags[1].lower()
        line = line_col(text, tags.start())[0]
        notes.translated.append(f"{rel}:{line}: MathJax {tags[0]} → math.tags: {tags[1].lower()}")
    block = _braced(text, r"\b[Mm]acros\s*:\s*\{")  # MathJax 3's tex.macros, MathJax 2's TeX.Macros
    if block:
        macros = _macros(block[0])
        if macros:
            found["macros"] = macros
            names = ", ".join(macros)
            notes.translated.append(f"{rel}:{line_col(text, block[1])[0]}: MathJax macros → math.macros ({names})")
    return found


def _braced(text: str, opening: str) -> tuple[str, int] | None:
    """The text inside the braces that start where `opening` matches, and where it starts."""
    match = re.search(opening, text)
    if not match:
        return None
    depth, start = 1, match.end()
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start:index], match.start()
    return None


def _macros(block: str) -> dict[str, Any]:
    """name: 'TeX' and name: ['TeX', n] entries of a JavaScript macros object."""
    string = r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\""
    macros: dict[str, Any] = {}
    for match in re.finditer(rf"([A-Za-z]+)\s*:\s*(?:{string}|\[\s*(?:{string})\s*,\s*(\d+)\s*\])", block):
        name = match[1]
        simple = match[2] if match[2] is not None else match[3]
        tex = simple if simple is not None else (match[4] if match[4] is not None else match[5])
        tex = re.sub(r"\\(.)", r"\1", tex or "")
        macros[name] = tex if simple is not None else [tex, int(match[6])]
    return macros


# -- site.yml ------------------------------------------------------------------------------


def _site_yml(
    config: Mapping[str, Any], doc: YamlMap, math: Mapping[str, Any], zone: zoneinfo.ZoneInfo, notes: _Findings
) -> str:
    """site.yml from _config.yml: settings we share, the permalink pattern, MathJax's, the rest under extra."""
    site: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in config.items():
        if value is not None:
            _setting(key, value, doc, site, extra, notes)
    site["timezone"] = zone.key
    site["permalink"] = _our_pattern(config, doc, notes)
    if math:
        site["math"] = dict(math)
    if extra:
        site["extra"] = extra
        notes.translated.append(f"_config.yml: theme settings under `extra`: {', '.join(sorted(extra))}")
    _collections_note(config, doc, notes)
    header = "# Imported from a Jekyll site's _config.yml by `mathpress import` (see README, Coming from Jekyll).\n"
    return header + yaml.safe_dump(site, allow_unicode=True, sort_keys=False, width=120)


def _setting(key: str, value: Any, doc: YamlMap, site: dict[str, Any], extra: dict[str, Any], notes: _Findings) -> None:
    """One _config.yml setting: into site.yml, applied, translated, reported, or kept under extra."""
    line = doc.where(key)[0]
    if key in SAME_AS_OURS:
        _same(site, key, value, line, notes)
    elif key == "author":
        site["author"] = str(value.get("name", "")) if isinstance(value, dict) else str(value)
        if isinstance(value, dict):
            extra["author"] = value
    elif key == "baseurl":
        site["base_url"] = str(value) or "/"
    elif key in ("lang", "locale"):
        site["language"] = str(value).replace("_", "-")
    elif key == "kramdown":
        _kramdown(value, doc, site, notes)
    elif key in ("defaults", "exclude", "include"):
        notes.translated.append(f"{_at('_config.yml', line)}: `{key}` {APPLIED[key]}")
    elif (key, str(value).lower()) in (("markdown", "kramdown"), ("highlighter", "rouge")):
        notes.translated.append(f"{_at('_config.yml', line)}: `{key}: {value}` → {NO_MEANING[key]}")
    elif key in NO_MEANING:
        notes.skip("_config.yml", line, f"`{key}` not carried: {NO_MEANING[key]}")
    elif key not in ("permalink", "collections"):  # both read on their own
        extra[key] = value


def _same(site: dict[str, Any], key: str, value: Any, line: int, notes: _Findings) -> None:
    """A setting both generators have, checked the way site.yml checks it (a value it refuses is reported)."""
    usable = not isinstance(value, dict | list)
    if key == "paginate":
        usable = isinstance(value, int) and not isinstance(value, bool) and value > 0
    elif key == "timezone":
        usable = _zone({"timezone": value}).key == str(value)
    if not usable:
        notes.skip("_config.yml", line, f"`{key}: {_yaml_value(value)}` not carried: not a value mathpress reads")
    elif key == "paginate":
        site[key] = value
    elif key != "timezone":
        site[key] = str(value).strip() if key != "url" else str(value).rstrip("/")


def _kramdown(value: Any, doc: YamlMap, site: dict[str, Any], notes: _Findings) -> None:
    """kramdown settings that change what a post means are carried (parse_block_html) or reported."""
    if not isinstance(value, dict):
        return
    for key, setting in value.items():
        if key in KRAMDOWN_HARMLESS or KRAMDOWN_DEFAULTS.get(key, object()) == setting:
            continue
        if key == "input" and setting in ("kramdown", "GFM"):
            continue
        line = doc.where("kramdown", key)[0]
        if key == "parse_block_html" and setting is True:
            site["markdown_in_html"] = True
            notes.translated.append(f"{_at('_config.yml', line)}: kramdown `parse_block_html: true` → markdown_in_html")
            continue
        message = f"kramdown `{key}: {_yaml_value(setting)}` not carried: mathpress reads Markdown as GitHub Pages'"
        notes.skip("_config.yml", line, message + " kramdown defaults")


def _our_pattern(config: Mapping[str, Any], doc: YamlMap, notes: _Findings) -> str:
    """The posts' permalink pattern in our tokens (each post whose URL still differs gets its own permalink)."""
    pattern = jekyll.site_pattern(config)
    ours = re.sub(r":(?!(?:" + "|".join(PERMALINK_TOKENS) + r")(?![a-z_]))[a-z_]+", "", pattern)
    line = doc.where("permalink")[0]
    if ours != pattern:
        message = f"permalink `{pattern}`: tokens mathpress lacks are dropped from site.yml"
        notes.skip("_config.yml", line, message + "; every post keeps its URL")
    else:
        style = config.get("permalink") or "date"
        notes.translated.append(f"{_at('_config.yml', line)}: permalink {style} → {pattern}")
    return ours


def _at(path: str, line: int) -> str:
    """`path:line`, or the path alone when the line is not known."""
    return f"{path}:{line}" if line else path


def _collections_note(config: Mapping[str, Any], doc: YamlMap, notes: _Findings) -> None:
    """Output collections become pages at their URLs."""
    collections = config.get("collections")
    if isinstance(collections, dict):
        for label, settings in collections.items():
            if isinstance(settings, dict) and settings.get("output") and label != "posts":
                where = _at("_config.yml", doc.where("collections", label)[0])
                notes.translated.append(f"{where}: collection `{label}` → pages under content/{label}/")


# -- writing and checking ------------------------------------------------------------------


def _write_stage(
    src: Path,
    stage: Path,
    site_yml: str,
    docs: list[_Doc],
    files: Mapping[str, Path],
    deploy_files: Mapping[str, str],
    notes: _Findings,
) -> list[_Doc]:
    """Write the new site into stage, then make every document's URL Jekyll's; returns the documents kept."""
    stage.mkdir(parents=True)
    _write(stage / CONFIG_NAME, site_yml)
    for rel, text in {**deploy_files, ".gitignore": "/_site/\n/.mathpress-cache/\n"}.items():
        _write(stage / rel, text)
    for rel, path in files.items():
        target = stage / (rel if rel.startswith(("_includes/", "_data/")) else f"static/{rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    taken: dict[str, str] = {}
    kept = []
    for doc in docs:
        if doc.dest in taken:
            notes.skip(doc.rel, 0, f"not carried: {taken[doc.dest]} becomes the same file, {doc.dest}")
            continue
        taken[doc.dest] = doc.rel
        _write(stage / doc.dest, doc.text)
        kept.append(doc)
    kept = _match_urls(stage, kept, notes)
    _write_redirects(stage, kept, notes)
    return _drop_collisions(stage, kept, load_config(stage), notes)


def _write_baseline(stage: Path, notes: _Findings) -> tuple[str, ...]:
    """Build the staged site as the workflow does (outside it) and record what it already has; its lines.

    The workflow builds with a full address from GitHub Pages; without `url` in site.yml a stand-in one is
    used, so the baseline does not accept the "not an absolute URL" problems only an address-less build has.
    """
    config = load_config(stage)
    address = (config.url or "https://example.github.io").rstrip("/") + "/" + config.base_url.strip("/")
    with tempfile.TemporaryDirectory(prefix="mathpress-import-") as tmp:
        output = Path(tmp) / "_site"
        try:
            report = build(BuildOptions(source=stage, output=output, base_url=address, use_cache=False))
        except BuildFailed as exc:  # errors no baseline can accept: the user fixes them before deploying
            for item in exc.diagnostics:
                notes.skip(item.path, item.line, f"the imported site does not build: {item.message}")
            found = [d for d in exc.diagnostics if d.severity == "warning"]
            problems: list[Problem] = []
        else:
            found = [d for d in report.diagnostics if d.severity == "warning"]
            problems = list(check_output(output).problems)
    text = baseline_text(found, problems)
    _write(stage / BASELINE_FILE, text)
    return tuple(line for line in text.splitlines() if line and not line.startswith(("#", "[")))


REDIRECT = """<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>Redirecting…</title>
<meta http-equiv="refresh" content="0; url={target}">
<meta name="robots" content="noindex">
<p>This page has moved to <a href="{target}">{target}</a>.</p>
</html>
"""


def _write_redirects(stage: Path, docs: list[_Doc], notes: _Findings) -> None:
    """jekyll-redirect-from's `redirect_from:` old URLs become pages that send the reader on (relative links)."""
    for doc in docs:
        yaml_text, _, _ = find_front_matter(doc.text, doc.rel)
        data = parse_mapping(yaml_text or "", doc.rel).data
        olds = data.get("redirect_from")
        for old in [olds] if isinstance(olds, str) else olds if isinstance(olds, list) else []:
            try:
                path = jekyll.output_file(safe_url(str(old)))
            except ValueError:
                notes.skip(doc.rel, 0, f"redirect_from {old!r} is not a path in the site; not carried")
                continue
            target = _relative(path, doc.jekyll_output)
            _write(stage / "static" / path, REDIRECT.format(target=html.escape(quote(target))))
            notes.translated.append(f"{doc.rel}: redirect_from {old} → a page sending readers on")


def _relative(page: str, output: str) -> str:
    """A link from one output file to the page written at another (a folder URL keeps its `/`)."""
    folder = output.removesuffix("index.html")
    link = posixpath.relpath("/" + folder, "/" + posixpath.dirname(page))
    return link + "/" if folder == "" or folder.endswith("/") else link


def _write(path: Path, text: str) -> None:
    """Write one text file, making its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _match_urls(stage: Path, docs: list[_Doc], notes: _Findings) -> list[_Doc]:
    """Read the staged site as the build will; a document not at Jekyll's URL gets that URL as its permalink."""
    config = load_config(stage)
    kept = []
    for doc in docs:
        meta = _meta(stage, doc, config, notes)
        if meta is None:
            continue
        if document_output(_safe(permalink_for(meta, config))) != doc.jekyll_output:
            url = "/" + doc.jekyll_output.removesuffix("index.html")
            text = _set_permalink(doc, url)
            _write(stage / doc.dest, text)
            ours = _safe(url)
            if ours != "/\0" and document_output(ours) != doc.jekyll_output:  # /feed.xml holding HTML
                message = f"Jekyll writes it as {doc.jekyll_output}; mathpress writes {document_output(ours)}"
                notes.skip(doc.rel, 0, message)
        kept.append(doc)
    return kept


def _safe(url: str) -> str:
    """A URL as the build cleans it (an unusable one maps to nothing)."""
    try:
        return safe_url(url)
    except ValueError:
        return "/\0"


def _set_permalink(doc: _Doc, url: str) -> str:
    """The document's text with `permalink:` set to url (a Jekyll permalink kept as jekyll_permalink)."""
    yaml_text, _, _ = find_front_matter(doc.text, doc.rel)
    has = yaml_text is not None and re.search(r"^permalink\s*:", yaml_text, re.M)
    renames = {"permalink": "jekyll_permalink"} if has else {}
    return _rewrite(doc.text, doc.rel, renames, {"permalink": url})


def _meta(stage: Path, doc: _Doc, config: Config, notes: _Findings) -> Meta | None:
    """The staged document's Meta, or None (removed and reported) when mathpress cannot read it."""
    text = (stage / doc.dest).read_text(encoding="utf-8")
    try:
        source = Source(doc.dest, text, hashlib.sha256(text.encode()).hexdigest())
        return read_meta(parse_document(source), config.author, config.zone, config.excerpt_separator)
    except SourceError as exc:
        (stage / doc.dest).unlink()
        notes.skip(doc.rel, 0, f"not carried: {exc.diagnostic.message}")
        return None


def _drop_collisions(stage: Path, docs: list[_Doc], config: Config, notes: _Findings) -> list[_Doc]:
    """Documents on a path mathpress generates (index pages, tags, archive) are removed and reported."""
    found = inventory(stage, None, config.exclude)
    by_dest = {d.dest: d for d in docs}
    metas = [m for m in (_meta(stage, d, config, notes) for d in docs) if m is not None]
    names = tag_names(m for m in metas if m.kind == "post")
    _, errors = plan_urls(metas, config, names, {a.out: a.rel for a in found.assets})
    for problem in errors:
        doc = by_dest.get(problem.path)
        if doc is not None:
            (stage / doc.dest).unlink(missing_ok=True)
            notes.skip(doc.rel, 0, f"not carried: {problem.message.replace(doc.dest, doc.rel)}")
            docs = [d for d in docs if d is not doc]
        elif problem.path.startswith("static/"):
            (stage / problem.path).unlink(missing_ok=True)
            notes.skip(problem.path.removeprefix("static/"), 0, f"static file not carried: {problem.message}")
    return docs
