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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import yaml
from PIL import Image, UnidentifiedImageError

from ..baseline import BASELINE_FILE, baseline_text, read_baseline
from ..config import CONFIG_NAME, PERMALINK_TOKENS, Config, load_config
from ..content import Source, decode, find_front_matter, inventory, is_ignored, parse_document
from ..errors import BuildFailed, Diagnostic, SourceError, UsageError, error, line_col, warning
from ..meta import Meta, front_date, read_meta, split_post_name
from ..pipeline import build
from ..site import check_cover, document_output, permalink_for, plan_urls, safe_url, tag_names
from ..survey import BuildOptions
from ..verify import Problem, check_output
from ..yamlio import EMPTY, YamlMap, parse_mapping
from . import rules as jekyll
from .katex import KATEX_MACROS, uses_katex
from .layouts import Layout, home_from_theme, listing_for, missing_includes, read_layouts, theme_name
from .navigation import JekyllPage, Menu, site_menu
from .report import KEPT, LOST, SETTING, TRANSLATED, Note, note_from_line

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
OUR_KEYS = frozenset(
    {*TEXT_KEYS, *FLAG_KEYS, "date", "tags", "tag", "categories", "category", "author", "cover", "layout"}
)
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
GENERATED_PATHS = ("feed.xml", "sitemap.xml", "404.html", "index.html")
# Kinds the report groups notes under (see report.py).
DATES = "dates as Jekyll 4.3 reads them → `date:`"
NO_COVER = "cover images the site does not publish: no cover shown"
NO_IMAGE = "cover keys that hold no image path: kept, no cover shown"
MATHJAX = "the site's MathJax settings → site.yml `math`"


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
    notes: tuple[Note, ...] = ()  # every item above, with the kind the report groups it under


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

    notes: list[Note] = field(default_factory=list)
    translated: list[str] = field(default_factory=list)  # `path:line: message` lines, made notes by all()
    folders: set[str] = field(default_factory=set)
    layouts: dict[str, str] = field(default_factory=dict)  # carried into _layouts/: name → text
    home_replaced: bool = False  # the home page came from a theme gem's home layout: mathpress's index replaces it

    def skip(self, path: str, line: int, message: str, kind: str = "", detail: str = "", rank: int = LOST) -> None:
        """Record something not carried (kind and detail: how the report groups it)."""
        self.notes.append(Note(path, line, message, kind, detail, rank))

    def translate(self, path: str, line: int, message: str, kind: str = "", detail: str = "") -> None:
        """Record something carried in another form."""
        self.notes.append(Note(path, line, message, kind, detail, TRANSLATED))

    def all(self) -> list[Note]:
        """Every note, in the order found."""
        return [*self.notes, *(note_from_line(line) for line in self.translated)]


@dataclass(frozen=True)
class _Theme:
    """What the site's layouts, theme and pagination decide for its pages."""

    layouts: Mapping[str, Layout]
    name: str  # the theme gem or remote theme (see layouts.theme_name)
    includes: frozenset[str]  # the site's _includes/ files
    paginated: str  # the page jekyll-paginate (or -v2) paginates ("" when none)
    paginate_path: str  # where its page 2, 3, … go, with :num
    per_page: int  # posts per page (0: the site's `paginate`)


def import_site(src: Path, dest: Path, deploy_files: Mapping[str, str], record_baseline: bool = True) -> ImportReport:
    """Read the Jekyll site in src and write a mathpress site to dest (which must be new or empty).

    With record_baseline, the new site is built once and its warnings and check problems written to
    BASELINE_FILE, which the deploy workflow accepts (see baseline.py), with every note of this import.
    """
    _check_folders(src, dest)
    notes = _Findings()
    config_map = _read_jekyll_config(src, notes)
    config = dict(config_map.data)
    zone = _zone(config)
    sources = list(_walk(src, config, notes))
    theme = _theme(src, config, sources)
    docs: list[_Doc] = []
    files: dict[str, Path] = {}
    for rel in sources:
        _sort_file(src, rel, config, zone, docs, files, notes, theme)
    _report_layouts(theme, notes)
    math = _mathjax_settings(src, notes)
    if uses_katex(src):  # posts written for KaTeX use its aliases: MathJax is given them as site macros
        math = {**math, "macros": {**KATEX_MACROS, **math.get("macros", {})}}
        notes.translate("_config.yml", 0, "the site loads KaTeX: KaTeX's own macros (\\R, \\exist, …) → math.macros")
    pages = _jekyll_pages(src, sources, config, docs)
    menu = site_menu(src, config, pages, lambda key: config_map.where(key)[0])
    index = _index_settings(theme, docs, config, notes)
    site_yml = _site_yml(config, config_map, math, zone, menu, notes, index)
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
    found = notes.all()
    return ImportReport(
        dest=dest,
        posts=tuple(d.rel for d in kept if d.kind == "post"),
        drafts=tuple(d.rel for d in kept if d.kind == "draft"),
        pages=tuple(d.rel for d in kept if d.kind in ("page", "doc")),
        files=tuple(sorted(files)),
        translated=tuple(str(n) for n in found if n.rank == TRANSLATED),
        not_carried=tuple(sorted(warning(n.path, n.line, 0, n.message) for n in found if n.rank != TRANSLATED)),
        baseline=known,
        notes=tuple(found),
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
    """YAML with each key a block mapping writes twice kept at its last place, as Jekyll reads it (reported).

    The earlier copies' lines are blanked, not removed, so every other line keeps its number. A copy inside a
    flow mapping (`{a: 1, a: 2}`) stays, and the file is reported when its front matter is read.
    """
    lines = yaml_text.split("\n")
    for line, column, end, key, last in _earlier_copies(yaml_text):
        lines[line] = lines[line][:column].rstrip() if lines[line][:column].strip(" -") == "" else lines[line]
        for blank in range(line + 1, end):
            lines[blank] = ""
        message = f"`{key}` is written again on line {last + first_line}: Jekyll keeps that one, so do we"
        notes.skip(
            rel, line + first_line, message, "front matter keys written twice: the last kept, as Jekyll does", key, KEPT
        )
    return "\n".join(lines)


def _earlier_copies(yaml_text: str) -> list[tuple[int, int, int, str, int]]:
    """(line, column, line after, dotted key, line of the last copy) of each key a block mapping writes again."""
    try:
        root = yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []  # reported when the front matter is read
    found = []
    stack: list[tuple[yaml.Node | None, str]] = [(root, "")]
    while stack:
        node, prefix = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend((item, prefix) for item in node.value)
        if not isinstance(node, yaml.MappingNode):
            continue
        keys = [str(key.value) for key, _ in node.value]
        last = {key: index for index, key in enumerate(keys)}
        for index, (key_node, value_node) in enumerate(node.value):
            stack.append((value_node, f"{prefix}{keys[index]}."))
            start, after = key_node.start_mark, node.value[index + 1][0].start_mark if index + 1 < len(keys) else None
            if last[keys[index]] != index and not node.flow_style and after is not None and after.line > start.line:
                later = node.value[last[keys[index]]][0].start_mark.line
                found.append((start.line, start.column, after.line, prefix + keys[index], later))
    return sorted(found)


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
    theme: _Theme,
) -> None:
    """Decide what one source file becomes: a post, draft, page, document, static file, or a note."""
    first = rel.split("/", 1)[0]
    collections: dict[str, Any] = config["collections"] if isinstance(config.get("collections"), dict) else {}
    if (
        "/_posts/" in f"/{rel}"
        and not jekyll.POST_NAME.match(rel.rsplit("/", 1)[-1])
        and not _has_front_matter(src / rel)
    ):
        _post_fragment(src, rel, files, notes)
    elif "/_posts/" in f"/{rel}" or "/_drafts/" in f"/{rel}":
        _post_or_draft(src, rel, config, zone, docs, notes)
    elif first in ("_includes", "_data") or (first == _bibliography_folder(config) and rel.endswith(".bib")):
        files[rel] = src / rel
    elif first.startswith("_") and first[1:] in collections and "/" in rel:
        exclude = [*jekyll.DEFAULT_EXCLUDE, *_strings(config.get("exclude"))]
        if jekyll.excluded(rel.split("/", 1)[1], exclude, _strings(config.get("include"))):
            message = (
                f"not carried: Jekyll leaves it out of collection `{first[1:]}` (a `_`, `.` or `#` name, or excluded)"
            )
            notes.skip(rel, 0, message, "collection files Jekyll leaves out (a `_`, `.` or `#` name, or excluded)")
        else:
            _collection_file(src, rel, config, collections[first[1:]], docs, files, notes, theme)
    elif first.startswith("_") and "/" in rel and first not in _strings(config.get("include")):
        _report_folder(rel, notes)
    else:
        _page_or_static(src, rel, config, docs, files, notes, theme)


def _report_folder(rel: str, notes: _Findings) -> None:
    """Layouts, Sass, plugins and other Jekyll folders: listed, never silently dropped."""
    first = rel.split("/", 1)[0]
    if first == "_layouts":
        return  # reported once the pages are read: some are carried for the lists they make (see _report_layouts)
    reasons = {
        "_sass": "Sass is not carried: mathpress's theme has its own CSS (static/ overrides it)",
        "_plugins": "plugin not carried: Ruby plugins do not run in mathpress",
    }
    if first in reasons:
        notes.skip(rel, 0, reasons[first], rank=SETTING)
    elif first not in notes.folders:  # one line for a whole folder of data mathpress does not read
        notes.folders.add(first)
        message = f"{first}/ is a Jekyll folder mathpress does not read; not carried"
        notes.skip(f"{first}/", 0, message, "Jekyll folders mathpress does not read", f"{first}/", SETTING)


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
    if date is None or (not draft and not jekyll.POST_NAME.match(name.name)):  # Jekyll reads the date off the name
        notes.skip(rel, 0, "no date: post file names look like YYYY-MM-DD-title.md (Jekyll skips it too)")
        return
    try:
        url = jekyll.post_url(rel, data, date, jekyll.site_pattern(config))
    except ValueError as exc:
        notes.skip(rel, fm.where("permalink")[0], f"{exc} (Jekyll fails on it too)")
        return
    folder = "/".join(p for p in (above.strip("/"), str(name.parent)) if p not in ("", "."))
    folder = "drafts/" if draft else folder + "/" if folder else ""
    stem = _post_stem(rel, name, date, notes)
    dest = f"content/posts/{folder}{stem}{_markdown_ext(rel)}"
    extra: dict[str, Any] = {"draft": True} if draft else {}
    _dated(rel, split_post_name(stem)[0], fm, data, date, zone, extra, notes)
    cats = jekyll.categories(rel, data, special)
    body = _edit(src, rel, text, fm, data, cats, extra, notes, kind="post")
    kind = "draft" if draft or data.get("published") is False else "post"
    docs.append(_Doc(rel, kind, dest, _html_body(rel, body), jekyll.output_file(url, data.get("permalink"))))


def _post_fragment(src: Path, rel: str, files: dict[str, Path], notes: _Findings) -> None:
    """A file in _posts/ that is no post (no date in its name, no front matter): Jekyll neither reads it as a post
    nor publishes it, but a post's {% include_relative %} reads it. It goes to static/posts/ at the same place
    beside the posts, where include_relative finds it (mathpress publishes it there too)."""
    above, inside = f"/{rel}".split("/_posts/", 1)
    carried = "/".join(p for p in ("posts", above.strip("/"), inside) if p)
    if any(is_ignored(part) for part in carried.split("/")):
        notes.skip(rel, 0, "not carried: no post (no date in its name) and a name mathpress does not publish")
        return
    files[carried] = src / rel
    message = f"no post (no date in its name, no front matter): static/{carried}, for {{% include_relative %}}"
    notes.translate(rel, 0, message, "files in _posts/ that are no post → static/posts/ (include_relative)")


def _markdown_ext(rel: str) -> str:
    """Our Markdown extension for a Jekyll file: .markdown stays, everything else becomes .md."""
    return ".markdown" if rel.endswith(".markdown") else ".md"


def _post_stem(rel: str, name: PurePosixPath, date: dt.datetime, notes: _Findings) -> str:
    """The file name (no extension) of a post in content/posts: Jekyll's own, when mathpress reads its date."""
    if split_post_name(name.stem)[0] is not None:
        return name.stem
    match = jekyll.POST_NAME.match(name.name)  # 17-07-13-name, 2017-02-30-name: the day Jekyll reads, its slug
    if not match:
        return f"{date.date().isoformat()}-{name.stem}"
    day = jekyll.ruby_time(match[1], date.tzinfo or dt.UTC)
    stem = f"{day or date:%Y-%m-%d}-{match[2]}"
    if day is None:  # 2019-14-11: Jekyll reads no date from the name, the front matter's stands
        message = f"the file name's {match[1]} is not a date; Jekyll dates the post by its front matter → {stem}"
    else:
        message = f"Jekyll reads the file name's date {match[1]} as {day:%Y-%m-%d} → {stem}"
    notes.translate(rel, 0, message, DATES, "a file name's date")
    return stem


def _post_date(path: Path, name: str, data: Mapping[str, Any], zone: dt.tzinfo, draft: bool) -> dt.datetime | None:
    """A post's date in the site's zone, as Jekyll gives it: front matter, else the file name, else (drafts) the
    file's time. A `date:` Jekyll cannot read stops Jekyll's build; here the file name's date stands (see _dated).
    """
    date = jekyll.post_date(data.get("date"), name, zone) or jekyll.post_date(None, name, zone)
    if date is None and draft:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, zone).replace(microsecond=0)
    return date


def _dated(
    rel: str, day: dt.date | None, fm: YamlMap, data: Mapping[str, Any], date: dt.datetime, zone: dt.tzinfo,
    added: dict[str, Any], notes: _Findings,
) -> None:  # fmt: skip
    """Jekyll's date written as `date:` where mathpress would read another day or time (reported).

    day is the date mathpress reads from the new file's name (posts only); the written value stays as
    `jekyll_date` (see _edit); a draft dated by its file's time is quiet.
    """
    value = data.get("date")
    ours = front_date(value, zone) if value is not None else day and dt.datetime.combine(day, dt.time(), zone)
    if ours == date:
        return
    added["date"] = date.isoformat()
    if value is None and not jekyll.POST_NAME.match(rel):
        return
    line = fm.where("date")[0]
    shown = f"{date:%Y-%m-%d %H:%M} in {zone}"
    written = f"`date: {fm.written.get(('date',), _yaml_value(value))}`"
    if value is None:
        notes.translate(rel, line, f"the file name's date is {shown} for Jekyll → `date:`", DATES, "a file name's date")
    elif jekyll.front_date(value, zone) is None:
        message = f"{written} is not a date Jekyll reads (its build stops); the file name's date stands"
        kind = "dates Jekyll cannot read (its build stops): the file name's date kept"
        notes.skip(rel, line, f"{message} ({shown}), the value kept as `jekyll_date`", kind)
    elif isinstance(value, dt.datetime) and value.tzinfo is None:
        message = f"{written} has no zone: Jekyll's YAML reads it as UTC, {shown} → `date:`"
        notes.translate(rel, line, message, DATES, "a time without a zone (UTC)")
    else:
        notes.translate(rel, line, f"{written} is {shown} for Jekyll → `date:`", DATES, "a date written as text")


def _collection_file(
    src: Path,
    rel: str,
    config: Mapping[str, Any],
    settings: Any,
    docs: list[_Doc],
    files: dict[str, Path],
    notes: _Findings,
    theme: _Theme,
) -> None:
    """A document of a Jekyll collection: a page at its URL when the collection is output, else reported."""
    label = rel.split("/", 1)[0][1:]
    settings = settings if isinstance(settings, dict) else {}
    text = _document_text(src, rel, notes)
    is_doc = (
        text is not None and text.startswith("---") and jekyll.has_ext(rel, (*jekyll.MARKDOWN_EXTS, *jekyll.HTML_EXTS))
    )
    if not settings.get("output"):
        message = f"collection `{label}` is not output by Jekyll (output: false): its data is not carried"
        notes.skip(
            rel, 0, message, "collections Jekyll does not output (data for templates): not carried", label, SETTING
        )
        return
    if not is_doc or text is None:
        files[rel.removeprefix("_")] = src / rel
        return
    fm = _front_matter(rel, text, notes)
    if fm is None:
        return
    data = {**jekyll.defaults_for(rel, label, config.get("defaults")), **fm.data}
    pattern = str(settings.get("permalink") or "/:collection/:path:output_ext")
    zone = _zone(config)
    date = _post_date(src / rel, PurePosixPath(rel).name, data, zone, False)
    try:
        url = jekyll.post_url(rel, {**data, "permalink": data.get("permalink") or pattern}, date or _EPOCH, pattern)
    except ValueError as exc:
        notes.skip(rel, 0, str(exc))
        return
    dest = "content/" + rel.removeprefix("_").rsplit(".", 1)[0] + ".md"
    extra: dict[str, Any] = {"collection": label}
    if date is not None and "date" in data:  # a document's date from its file name is not shown: left out
        _dated(rel, None, fm, data, date, zone, extra, notes)
    _carry_layout(rel, fm, data, theme, notes)
    body = _edit(src, rel, text, fm, data, [], extra, notes, kind="page")
    docs.append(_Doc(rel, "doc", dest, _html_body(rel, body), jekyll.output_file(url, data.get("permalink"))))


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _page_or_static(
    src: Path,
    rel: str,
    config: Mapping[str, Any],
    docs: list[_Doc],
    files: dict[str, Path],
    notes: _Findings,
    theme: _Theme,
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
    layout = str(data.get("layout") or "")
    if rel == theme.paginated:
        message = f"the paginated listing at {url} is not carried: mathpress's index takes its place there"
        notes.skip(rel, 1, message, "listings whose place mathpress's index takes (the same posts, its look)")
        return
    if url == "/" and home_from_theme(layout, theme.layouts, theme.name):
        message = "the home page lists the posts: not carried, mathpress's index takes its place at /"
        notes.skip(rel, 1, message, "listings whose place mathpress's index takes (the same posts, its look)")
        notes.home_replaced = True
        return
    if jekyll.output_file(url) == "404.html":
        notes.skip(rel, 1, "404 page not carried: mathpress writes its own 404.html")
        return
    parts = rel.rsplit(".", 1)[0].split("/")
    dest = "content/" + "/".join(p.lstrip("_") for p in parts) + _markdown_ext(rel)
    _carry_layout(rel, fm, data, theme, notes)
    body = _edit(src, rel, text, fm, data, [], {}, notes, kind="page")
    docs.append(_Doc(rel, "page", dest, _html_body(rel, body), jekyll.output_file(url, data.get("permalink"))))


def _carry_layout(rel: str, fm: YamlMap, data: Mapping[str, Any], theme: _Theme, notes: _Findings) -> None:
    """A layout that makes the page's list is carried into _layouts/ (the site's own, or mathpress's stand-in for
    a theme gem's), and the page keeps it as `jekyll_layout`."""
    layout = str(data.get("layout") or "").removesuffix(".html")
    if not layout or (layout in ("post", "page") and layout not in theme.layouts):
        return
    listing = listing_for(layout, theme.layouts, theme.name)
    if not listing.layouts:
        return
    notes.layouts.update(listing.layouts)
    where = "the site's" if listing.source == "site" else f"mathpress's stand-in for {theme.name}'s"
    message = f"layout `{layout}` lists documents → {where} layout"
    notes.translate(rel, fm.where("layout")[0], message, "layouts that make a page's list, carried", layout)
    for name in missing_includes(listing, set(theme.includes)):
        message = f"layout `{layout}` includes {name}, which the site does not have (a theme's): that part is empty"
        notes.skip(rel, fm.where("layout")[0], message, "parts of carried layouts a theme's include made", name)


def _report_layouts(theme: _Theme, notes: _Findings) -> None:
    """The site's layouts that no page's list needs: mathpress's theme shows its pages instead."""
    for name in sorted(set(theme.layouts) - set(notes.layouts)):
        message = "layout not carried: posts use mathpress's `post` layout, pages its `page` layout"
        notes.skip(
            f"_layouts/{name}.html", 0, message, "layouts not carried, shown with mathpress's own", name, SETTING
        )


def _theme(src: Path, config: Mapping[str, Any], sources: list[str]) -> _Theme:
    """The site's layouts and theme, and the page its pagination plugin paginates."""
    includes = frozenset(rel.removeprefix("_includes/") for rel in sources if rel.startswith("_includes/"))
    paginated, path, per_page = _paginated(src, config, sources)
    return _Theme(read_layouts(src), theme_name(config), includes, paginated, path, per_page)


def _paginated(src: Path, config: Mapping[str, Any], sources: list[str]) -> tuple[str, str, int]:
    """(page, paginate_path, per page) of the site's paginated listing: jekyll-paginate's `index.html` in the
    folder of `paginate_path` or the nearest above it, or a jekyll-paginate-v2 page with `pagination: enabled`."""
    plugins = {str(p) for key in ("plugins", "gems") for p in _strings(config.get(key))}
    for rel in sources if "jekyll-paginate-v2" in plugins else []:
        if jekyll.has_ext(rel, (*jekyll.MARKDOWN_EXTS, *jekyll.HTML_EXTS)) and not rel.startswith("_"):
            found = _v2_pagination(src, rel, config)
            if found:
                return found
    if not config.get("paginate"):
        return "", "", 0
    path = "/" + str(config.get("paginate_path") or "/page:num").strip("/") + "/"
    folder = PurePosixPath(path).parent.as_posix().strip("/")
    while True:
        candidate = f"{folder}/index.html" if folder else "index.html"
        if candidate in sources:  # GitHub Pages runs jekyll-paginate unlisted: a page using paginator counts
            listed = "jekyll-paginate" in plugins or "paginator." in (_read_text(src / candidate) or "")
            return (candidate, path, 0) if listed else ("", "", 0)
        if not folder:
            return "", "", 0
        folder = PurePosixPath(folder).parent.as_posix().strip(".").strip("/")


def _v2_pagination(src: Path, rel: str, config: Mapping[str, Any]) -> tuple[str, str, int] | None:
    """jekyll-paginate-v2's listing on one page: (page, paginate_path, per page), or None."""
    if not _has_front_matter(src / rel):
        return None
    text = _read_text(src / rel) or ""
    try:
        yaml_text, _, _ = find_front_matter(text, rel)
        data = parse_mapping(yaml_text or "", rel).data
    except SourceError:
        return None
    settings = data.get("pagination")
    if not isinstance(settings, dict) or not settings.get("enabled"):
        return None
    given = config.get("pagination")
    site: dict[str, Any] = given if isinstance(given, dict) else {}
    url = jekyll.page_url(rel, data, jekyll.page_suffix(config))
    folder = url if url.endswith("/") else url.rsplit("/", 1)[0] + "/"
    pattern = str(settings.get("permalink") or site.get("permalink") or "/page/:num/")
    per_page = settings.get("per_page") or site.get("per_page") or config.get("paginate") or 10
    return rel, folder.rstrip("/") + "/" + pattern.strip("/") + "/", int(per_page) if str(per_page).isdigit() else 10


def _index_settings(theme: _Theme, docs: list[_Doc], config: Mapping[str, Any], notes: _Findings) -> dict[str, Any]:
    """Where mathpress's post index goes: the paginated listing's URL, else /, or nowhere when the site's own
    home page (one that does not list the posts) is carried there."""
    if theme.paginated:
        url = jekyll.page_url(theme.paginated, {}, jekyll.page_suffix(config))
        settings: dict[str, Any] = {"index_url": url, "paginate_path": theme.paginate_path}
        if theme.per_page:
            settings["paginate"] = theme.per_page
        return settings
    home = next((doc for doc in docs if doc.jekyll_output == "index.html"), None)
    if home is not None:
        notes.translate(home.rel, 0, "the site's own home page is carried at /: no post index (index_url: false)")
        return {"index_url": False}
    if notes.home_replaced:  # the theme's home layout listed every post: no pagination plugin cut it into pages
        return {"paginate": False}
    return {}


def _static(src: Path, rel: str, files: dict[str, Path], notes: _Findings) -> None:
    """A static file, copied to the same path unless mathpress cannot publish that name."""
    if any(is_ignored(part) for part in rel.split("/")):
        notes.skip(rel, 0, "static file not carried: mathpress does not publish names starting with `_` or `.`")
    elif rel in GENERATED_PATHS:
        notes.skip(rel, 0, f"static file not carried: mathpress writes its own /{rel}", "files mathpress writes itself")
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
    renames: dict[str, str] = {"date": "jekyll_date"} if "date" in extra and "date" in fm.data else {}
    added: dict[str, Any] = dict(extra)
    _cover(src, rel, fm, data, renames, added, notes)
    _author(rel, fm, data, renames, added, notes)
    _checked_values(rel, fm, data, renames, notes)
    _layout(rel, fm, data, renames, added, notes, kind)
    if kind == "post":
        _categories(fm, data, cats, renames, added)
    for key, value in data.items():  # front matter defaults the file did not override
        if key not in fm.data and key not in ("permalink", "layout"):
            added.setdefault(renames.get(key, key), value)
    for key in sorted(k for k in fm.data if k not in OUR_KEYS and k not in COVER_KEYS and k not in JEKYLL_OWN_KEYS):
        if key not in renames:
            message = f"front matter `{key}` kept for templates (page.front.{key}); our theme does not use it"
            notes.skip(rel, fm.where(key)[0], message, "front matter kept for templates", key, KEPT)
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
            _no_cover(rel, line, key, f"image {clean} is not in the Jekyll site", renames, notes)
            continue
        damage = _damaged(src, clean) if isinstance(path, str) and _image_path(path) and not found else None
        if damage:
            _no_cover(rel, line, key, f"image {clean} {damage}", renames, notes)
            continue
        if isinstance(path, str) and _image_path(path) and not found:
            found = True
            if key != "cover" or clean != value:
                if key == "cover":
                    renames["cover"] = "jekyll_cover"
                added["cover"] = clean
                if isinstance(alt, str) and alt and "cover_alt" not in data:
                    added["cover_alt"] = alt
                notes.translate(rel, line, f"`{key}` → `cover`", "theme cover keys → `cover`", key)
            continue
        if key == "cover":
            renames["cover"] = "jekyll_cover"
            message = "`cover` is not an image path; kept as `jekyll_cover` (no cover shown)"
            notes.skip(rel, line, message, NO_IMAGE, "cover")
        elif not found and isinstance(path, str):
            message = f"`{key}` is not an image path ({_short(path)}); kept under its own key, no cover shown"
            notes.skip(rel, line, message, NO_IMAGE, key)


def _no_cover(rel: str, line: int, key: str, why: str, renames: dict[str, str], notes: _Findings) -> None:
    """A cover image Jekyll's theme would link though it is missing: no cover, `cover:` kept as jekyll_cover."""
    if key == "cover":  # mathpress reads `cover` and refuses a missing file; Jekyll ignores the key
        renames["cover"] = "jekyll_cover"
        why += " (kept as `jekyll_cover`)"
    notes.skip(rel, line, f"`{key}`: {why}; no cover shown", NO_COVER, key)


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
    message = f"`author` → {json.dumps(text, ensure_ascii=False)}"
    notes.translate(rel, fm.where("author")[0], message, "authors given as a mapping or a list → their names")


def _checked_values(rel: str, fm: YamlMap, data: Mapping[str, Any], renames: dict[str, str], notes: _Findings) -> None:
    """Keys mathpress reads, with a value of another kind than it reads: kept as jekyll_KEY, reported."""
    for key in (*TEXT_KEYS, *FLAG_KEYS, "tags", "tag", "categories", "category"):
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
            message = f"`{key}` holds a {type(value).__name__}; kept as `jekyll_{key}`"
            notes.skip(
                rel, fm.where(key)[0], message, "values mathpress reads as another type: kept as jekyll_KEY", key, KEPT
            )


def _layout(
    rel: str,
    fm: YamlMap,
    data: Mapping[str, Any],
    renames: dict[str, str],
    added: dict[str, Any],
    notes: _Findings,
    kind: str,
) -> None:
    """A layout mathpress does not have: kept as jekyll_layout, the document shown with ours."""
    value = fm.data.get("layout")
    carried = str(data.get("layout") or "").removesuffix(".html") in notes.layouts
    if "layout" in fm.data and value not in ("post", "page"):
        renames["layout"] = "jekyll_layout"
        if not carried:
            message = f"layout `{value}` not carried: shown with mathpress's `{kind}` layout"
            notes.skip(
                rel,
                fm.where("layout")[0],
                message,
                "layouts not carried, shown with mathpress's own",
                str(value),
                SETTING,
            )
    elif carried and "layout" not in fm.data:  # from front matter defaults
        added["jekyll_layout"] = data["layout"]


def _categories(
    fm: YamlMap, data: Mapping[str, Any], cats: list[str], renames: dict[str, str], added: dict[str, Any]
) -> None:
    """Categories from defaults and folders join the front matter's, in Jekyll's order, written where mathpress
    would read others (it splits `category: Linear Algebra`, and reads `categories` alone when both are given).
    """
    if _categories_read(fm.data) == cats and "categories" not in renames and "category" not in renames:
        return
    for key in ("categories", "category"):
        if key in fm.data:
            renames[key] = f"jekyll_{key}"
    added["categories"] = cats


def _categories_read(data: Mapping[str, Any]) -> list[str]:
    """The categories mathpress reads from front matter (meta's rule: `categories`, else `category`, words)."""
    value = data.get("categories") or data.get("category")
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [] if value is None else [str(value)]


def _jekyll_pages(
    src: Path, sources: Sequence[str], config: Mapping[str, Any], docs: Sequence[_Doc]
) -> list[JekyllPage]:
    """Every page Jekyll reads (site.pages, carried or not) and every output collection's document, with its URL
    and front matter (for the menu)."""
    include = _strings(config.get("include"))
    pages = []
    for rel in sources:
        first = rel.split("/", 1)[0]
        if (first.startswith("_") and first not in include) or "/_posts/" in f"/{rel}" or "/_drafts/" in f"/{rel}":
            continue
        data = _quiet_front_matter(src, rel, "pages", config)
        if data is not None:
            pages.append(JekyllPage(rel, jekyll.page_url(rel, data, jekyll.page_suffix(config)), data))
    for doc in docs:
        label = doc.rel.split("/", 1)[0][1:]
        data = _quiet_front_matter(src, doc.rel, label, config) if doc.kind == "doc" else None
        if data is not None:
            pages.append(JekyllPage(doc.rel, "/" + doc.jekyll_output.removesuffix("index.html"), data, label))
    return pages


def _quiet_front_matter(src: Path, rel: str, kind: str, config: Mapping[str, Any]) -> dict[str, Any] | None:
    """A Markdown or HTML document's front matter with its defaults, or None (its notes are made where it is read)."""
    if not jekyll.has_ext(rel, (*jekyll.MARKDOWN_EXTS, *jekyll.HTML_EXTS)) or not _has_front_matter(src / rel):
        return None
    text = _document_text(src, rel, _Findings())
    fm = None if text is None else _front_matter(rel, text, _Findings())
    return None if fm is None else {**jekyll.defaults_for(rel, kind, config.get("defaults")), **fm.data}


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
                _merge_mathjax(found, _mathjax_from(rel, text, notes), rel, notes)
            dollars += _dollars(rel, text)
    dollars += _dollars("_config.yml", _read_text(src / "_config.yml") or "")  # a theme's KaTeX snippet
    if dollars:
        pairing, where = max(dollars, key=lambda item: item[0] == "mathjax")  # one page enabling `$` is enough
        found["dollars"] = pairing
        notes.translated.append(f"{where}: {DOLLARS_READ[pairing]} → math.dollars: {pairing}")
    return found


def _merge_mathjax(found: dict[str, Any], new: dict[str, Any], rel: str, notes: _Findings) -> None:
    """One file's MathJax settings into the site's: macros of every layout and include together (each layout of a
    course site may define its own); a macro defined otherwise in another file keeps the first definition."""
    macros = {**found.get("macros", {})}
    for name, value in new.pop("macros", {}).items():
        if name in macros and macros[name] != value:
            message = f"MathJax macro \\{name} is defined otherwise in another file: math.macros keeps the first"
            notes.skip(rel, 0, message, "MathJax macros defined twice, otherwise", name)
        macros.setdefault(name, value)
    found.update(new)
    if macros:
        found["macros"] = macros


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
        notes.translate(rel, line, f"MathJax {tags[0]} → math.tags: {tags[1].lower()}", MATHJAX, "tags")
    block = _braced(text, r"(?<![A-Za-z])[Mm]acros\s*[:=]\s*\{")  # tex.macros, TeX.Macros, MathJax_macros = {…}
    if block:
        macros = _macros(block[0])
        if macros:
            found["macros"] = macros
            names = ", ".join(macros)
            message = f"MathJax macros → math.macros ({names})"
            notes.translate(rel, line_col(text, block[1])[0], message, MATHJAX, "macros")
    return found


def _braced(text: str, opening: str) -> tuple[str, int] | None:
    """The text inside the braces that start where `opening` matches (JavaScript strings and comments skipped),
    and where it starts."""
    match = re.search(opening, text)
    if not match:
        return None
    depth, start, index = 1, match.end(), match.end()
    while index < len(text):
        skipped = JS_SKIPPED.match(text, index)
        if skipped:
            index = skipped.end()
            continue
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start:index], match.start()
        index += 1
    return None


JS_STRING = r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
JS_SKIPPED = re.compile(rf"{JS_STRING}|//[^\n]*|/\*.*?\*/", re.S)
JS_KEY = r"([A-Za-z]\w*|'[A-Za-z]\w*'|\"[A-Za-z]\w*\")"
MACRO_ENTRY = re.compile(
    rf"{JS_KEY}\s*:\s*(?:({JS_STRING})|\[\s*({JS_STRING})\s*(?:,\s*(\d+)\s*(?:,\s*({JS_STRING})\s*)?)?\])"
)


def _macros(block: str) -> dict[str, Any]:
    """`name: 'TeX'`, `name: ['TeX']`, `name: ['TeX', n]` and `name: ['TeX', n, 'default']` entries of a
    JavaScript macros object (comments left out, JavaScript's string escapes read)."""
    code = re.sub(r"//[^\n]*|/\*.*?\*/", lambda m: " " * len(m[0]), _blank_strings_comments(block), flags=re.S)
    macros: dict[str, Any] = {}
    for match in MACRO_ENTRY.finditer(block):
        if code[match.start()] == " " and not block[match.start()].isspace():
            continue  # inside a comment
        name = match[1].strip("'\"")
        if match[2] is not None or match[4] is None:  # a text, or a list of one (no arguments)
            macros[name] = _js_text(match[2] if match[2] is not None else match[3])
        else:
            value: list[Any] = [_js_text(match[3]), int(match[4])]
            macros[name] = [*value, _js_text(match[5])] if match[5] is not None else value
    return macros


def _blank_strings_comments(code: str) -> str:
    """JavaScript with its strings' insides blanked, so comment markers inside strings are not comments."""
    return re.sub(JS_STRING, lambda m: m[0][0] + "x" * (len(m[0]) - 2) + m[0][-1], code)


def _js_text(literal: str) -> str:
    """A JavaScript string literal's value (`\\\\` is a backslash, `\\{` a brace, as JavaScript reads them)."""
    escapes = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[1]), literal[1:-1], flags=re.S)


# -- site.yml ------------------------------------------------------------------------------


def _site_yml(
    config: Mapping[str, Any],
    doc: YamlMap,
    math: Mapping[str, Any],
    zone: zoneinfo.ZoneInfo,
    menu: Menu | None,
    notes: _Findings,
    index: Mapping[str, Any],
) -> str:
    """site.yml from _config.yml: settings we share, the permalink pattern, the index, Liquid's and MathJax's
    settings, the menu, the rest under extra."""
    site: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in config.items():
        if value is not None:
            _setting(key, value, doc, site, extra, notes)
    _title_from_name(config, doc, site, notes)
    site["timezone"] = zone.key
    site["permalink"] = _our_pattern(config, doc, notes)
    site.update(index)
    site["liquid"] = _liquid_settings(config.get("liquid"), doc, notes)
    if math:
        site["math"] = dict(math)
    if menu is not None:
        site["menu"] = [{"title": title, "url": url} for title, url in menu.items]
        message = f"{menu.how} → site.yml `menu`: " + ", ".join(title for title, _ in menu.items)
        notes.translate(menu.path, menu.line, message, "the site's navigation → site.yml `menu`")
    if extra:
        site["extra"] = extra
        notes.translated.append(f"_config.yml: theme settings under `extra`: {', '.join(sorted(extra))}")
    _collections_note(config, doc, notes)
    header = "# Imported from a Jekyll site's _config.yml by `mathpress import` (see README, Coming from Jekyll).\n"
    return header + yaml.safe_dump(site, allow_unicode=True, sort_keys=False, width=120)


def _setting(key: str, value: Any, doc: YamlMap, site: dict[str, Any], extra: dict[str, Any], notes: _Findings) -> None:
    """One _config.yml setting: into site.yml, applied, translated, reported, or kept under extra."""
    line = doc.where(key)[0]
    if key == "excerpt_separator" and isinstance(value, str) and value.strip() not in ("",):
        # Jekyll's excerpt: the text before the separator; a post without it shows whole (only the default
        # separator, a blank line, makes the excerpt the first paragraph)
        site["excerpt_separator"] = value.strip()
        site["excerpt_without_separator"] = "post"
    elif key in SAME_AS_OURS:
        _same(site, key, value, line, notes)
    elif key == "author":
        site["author"] = str(value.get("name", "")) if isinstance(value, dict) else str(value)
        if isinstance(value, dict):
            extra["author"] = value
    elif key == "baseurl":
        site["base_url"] = str(value) or "/"
    elif key == "scholar":
        _scholar(value, line, site, notes)
    elif key in ("lang", "locale"):
        site["language"] = str(value).replace("_", "-")
    elif key == "kramdown":
        _kramdown(value, doc, site, notes)
    elif key in ("paginate_path", "pagination", "liquid"):
        notes.translated.append(f"{_at('_config.yml', line)}: `{key}` → site.yml (index_url, paginate_path, liquid)")
    elif key in ("defaults", "exclude", "include"):
        notes.translate("_config.yml", line, f"`{key}` {APPLIED[key]}", "_config.yml settings applied", key)
    elif (key, str(value).lower()) in (("markdown", "kramdown"), ("highlighter", "rouge")):
        message = f"`{key}: {value}` → {NO_MEANING[key]}"
        notes.translate("_config.yml", line, message, "_config.yml settings mathpress does its own way", key)
    elif key in NO_MEANING:
        message = f"`{key}` not carried: {NO_MEANING[key]}"
        notes.skip("_config.yml", line, message, "_config.yml settings not carried", key, SETTING)
    elif key not in ("permalink", "collections"):  # both read on their own
        extra[key] = value


def _title_from_name(config: Mapping[str, Any], doc: YamlMap, site: dict[str, Any], notes: _Findings) -> None:
    """No `title` but a `name` (Jekyll Now and its forks): the site's title is its name, as jekyll-seo-tag and
    jekyll-feed read `site.title || site.name`; `name` stays under extra for the site's own templates."""
    name = config.get("name")
    if config.get("title") is not None or not isinstance(name, str) or not name.strip():
        return
    site["title"] = name.strip()
    message = f"no `title`: `name: {name.strip()}` → title, as jekyll-seo-tag and jekyll-feed read"
    message += " site.title || site.name"
    notes.translate("_config.yml", doc.where("name")[0], message, "_config.yml settings translated", "name")


BIBLIOGRAPHY_FOLDER = "_bibliography"  # jekyll-scholar's default `source`


def _bibliography_folder(config: Mapping[str, Any]) -> str:
    """The folder jekyll-scholar reads .bib files from (its `scholar: source:`)."""
    scholar = config.get("scholar")
    source = scholar.get("source") if isinstance(scholar, dict) else None
    return str(source or BIBLIOGRAPHY_FOLDER).strip().removeprefix("./").strip("/") or BIBLIOGRAPHY_FOLDER


def _scholar(value: Any, line: int, site: dict[str, Any], notes: _Findings) -> None:
    """jekyll-scholar's `style` and `bibliography` → site.yml `citations` (the .bib is carried where it is)."""
    settings = value if isinstance(value, dict) else {}
    name = str(settings.get("bibliography") or "references")
    name = name if name.endswith(".bib") else f"{name}.bib"
    folder = _bibliography_folder({"scholar": settings})
    folder = folder if folder.startswith("_") else f"static/{folder}"  # a folder Jekyll publishes is a static one
    citations: dict[str, Any] = {"bibliography": [f"{folder}/{name}"]}
    style = str(settings.get("style") or "apa")  # jekyll-scholar's default
    if re.fullmatch(r"[a-z0-9-]+", style):
        citations["style"] = style
    site["citations"] = citations
    message = "`scholar` → site.yml `citations` (style, bibliography); {% cite %} and {% bibliography %} work"
    notes.translate("_config.yml", line, message, "_config.yml settings translated", "scholar")


def _same(site: dict[str, Any], key: str, value: Any, line: int, notes: _Findings) -> None:
    """A setting both generators have, checked the way site.yml checks it (a value it refuses is reported)."""
    usable = not isinstance(value, dict | list)
    if key == "paginate":
        usable = isinstance(value, int) and not isinstance(value, bool) and value > 0
    elif key == "timezone":
        usable = _zone({"timezone": value}).key == str(value)
    if not usable:
        message = f"`{key}: {_yaml_value(value)}` not carried: not a value mathpress reads"
        notes.skip("_config.yml", line, message, "_config.yml values mathpress cannot read", key, SETTING)
    elif key == "paginate":
        site[key] = value
    elif key == "url":
        site[key] = _site_url(str(value).strip().rstrip("/"), line, notes)
    elif key != "timezone":
        site[key] = str(value).strip()


def _site_url(url: str, line: int, notes: _Findings) -> str:
    """The site's address with a scheme: `url: owner.github.io` is served by GitHub Pages as https://owner.github.io.

    Without one, mathpress would read the host as a folder of the site's path (every link under /owner.github.io/).
    """
    if url == "" or re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        return url
    full = "https:" + url if url.startswith("//") else "https://" + url
    notes.translated.append(
        f"{_at('_config.yml', line)}: `url: {url}` has no scheme → {full}, as GitHub Pages serves it"
    )
    return full


LIQUID_DEFAULTS = {"error_mode": "warn", "strict_filters": False, "strict_variables": False}  # Jekyll 4.3's


def _liquid_settings(value: Any, doc: YamlMap, notes: _Findings) -> dict[str, Any]:
    """Jekyll's `liquid:` settings with Jekyll's defaults (lenient: a syntax error is a warning)."""
    given = value if isinstance(value, dict) else {}
    settings = dict(LIQUID_DEFAULTS)
    for key, setting in given.items():
        ok = key in settings and (
            setting in ("warn", "lax", "strict") if key == "error_mode" else isinstance(setting, bool)
        )
        if ok:
            settings[str(key)] = setting
        else:
            line = doc.where("liquid", key)[0]
            notes.skip(
                "_config.yml", line, f"liquid `{key}: {_yaml_value(setting)}` not carried: not a setting Jekyll reads"
            )
    return settings


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
        notes.skip("_config.yml", line, message + " kramdown defaults", "kramdown settings not carried", key)


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
                message = f"collection `{label}` → pages under content/{label}/"
                notes.translate(
                    "_config.yml", doc.where("collections", label)[0], message, "output collections → pages", label
                )


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
        in_place = rel.startswith(("_includes/", "_data/")) or (rel.startswith("_") and rel.endswith(".bib"))
        target = stage / (rel if in_place else f"static/{rel}")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    for name, text in notes.layouts.items():
        _write(stage / "_layouts" / f"{name}.html", text)
    taken: dict[str, str] = {}
    kept = []
    for doc in docs:
        if doc.dest in taken:
            message = f"not carried: {taken[doc.dest]} becomes the same file, {doc.dest}"
            notes.skip(doc.rel, 0, message, "documents not carried: another becomes the same file")
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
                message = f"the imported site does not build: {item.message}"
                notes.skip(item.path, item.line, message, "the imported site does not build: errors to fix first")
            found = [d for d in exc.diagnostics if d.severity == "warning"]
            problems: list[Problem] = []
        else:
            found = [d for d in report.diagnostics if d.severity == "warning"]
            problems = list(check_output(output).problems)
    imported = [("translated: " if n.rank == TRANSLATED else "not carried: ") + str(n) for n in sorted(notes.all())]
    _write(stage / BASELINE_FILE, baseline_text(found, problems, imported))
    accepted = read_baseline(stage / BASELINE_FILE)
    return (*accepted.build, *accepted.check)


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
                message = f"redirect_from {old!r} is not a path in the site; not carried"
                notes.skip(doc.rel, 0, message, "redirect_from values that are not paths of the site: not carried")
                continue
            target = _relative(path, doc.jekyll_output)
            _write(stage / "static" / path, REDIRECT.format(target=html.escape(quote(target))))
            message = f"redirect_from {old} → a page sending readers on"
            notes.translate(doc.rel, 0, message, "redirect_from old URLs → pages sending readers on")


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
    """Read the staged site as the build will; a document not at Jekyll's URL gets that URL as its permalink.

    A cover the build cannot find (a front matter default, a file Jekyll does not publish) is set aside first.
    """
    config = load_config(stage)
    assets = {a.out: a.rel for a in inventory(stage, None, config.exclude).assets}
    kept = []
    for doc in docs:
        meta = _meta(stage, doc, config, notes)
        if meta is None:
            continue
        if _cover_missing(doc.rel, meta, assets, notes):
            doc = replace(doc, text=_rewrite(doc.text, doc.rel, {"cover": "jekyll_cover"}, {}))
            _write(stage / doc.dest, doc.text)
        if document_output(_safe(permalink_for(meta, config))) != doc.jekyll_output:
            url = "/" + doc.jekyll_output.removesuffix("index.html")
            doc = replace(doc, text=_set_permalink(doc, url))
            _write(stage / doc.dest, doc.text)
            ours = _safe(url)
            if ours != "/\0" and document_output(ours) != doc.jekyll_output:  # /feed.xml holding HTML
                message = f"Jekyll writes it as {doc.jekyll_output}; mathpress writes {document_output(ours)}"
                notes.skip(doc.rel, 0, message, "documents written to another file than Jekyll's")
        kept.append(doc)
    return kept


def _cover_missing(rel: str, meta: Meta, assets: Mapping[str, str], notes: _Findings) -> bool:
    """Whether the build would stop on the document's cover (reported at its line in the imported file)."""
    try:
        check_cover(meta, assets)
    except SourceError as exc:
        message = f"`cover`: {meta.cover} is not a file the site publishes (Jekyll ignores it); kept as `jekyll_cover`"
        notes.skip(rel, exc.diagnostic.line, f"{message}, no cover shown", NO_COVER, "cover")
        return True
    return False


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
