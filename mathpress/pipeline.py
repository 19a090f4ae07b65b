"""Pipeline: BuildOptions → BuildReport. The whole recipe, read top to bottom in `build`."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import feeds, templates
from .cache import RenderCache
from .config import Config, load_config
from .content import Inventory, inventory, read_document
from .errors import BuildFailed, Diagnostic, SourceError, error, sort_diagnostics, warning
from .images import cover_picture
from .liquid import LiquidContext, render_liquid
from .markup import Rendered, RenderInput, finish
from .math import MathSpan, mathjax_markup, plain_text, protect, restore
from .mathml import convert_or_none
from .meta import Meta, read_meta
from .output import Content, PublishReport, check_output_dir, publish
from .site import (
    Cover,
    Post,
    Site,
    Tag,
    assemble,
    check_cover,
    plan_urls,
    reading_minutes,
    tag_key,
    tag_names,
)
from .workers import default_jobs, render_all


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    source: Path
    output: Path | None = None
    base_url: str | None = None
    drafts: bool = False
    future: bool = False
    strict: bool = False
    jobs: int = 0  # 0: every core
    use_cache: bool = True
    now: dt.datetime | None = None  # the build's clock (tests); else SOURCE_DATE_EPOCH, else now

    @property
    def output_dir(self) -> Path:
        """Where the site goes: --output, else SOURCE/_site."""
        return self.output if self.output is not None else self.source / "_site"


@dataclass(frozen=True)
class BuildReport:
    """What a build did."""

    output: Path
    publish: PublishReport
    posts: int
    pages: int
    skipped: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    seconds: float


@dataclass
class _Findings:
    """Diagnostics collected across the build (errors stop it before anything is written)."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity == "error"]


def build(options: BuildOptions) -> BuildReport:
    """Read, check, render and publish a site; BuildFailed if any file has an error."""
    started = time.perf_counter()
    config = load_config(options.source, options.base_url)
    check_output_dir(options.output_dir, options.source)
    findings = _Findings()
    found = inventory(config.root, templates.theme_dir() / "static", config.exclude)
    entries, skipped = _select(_read_all(found, config, findings), options)
    metas = [entry.meta for entry in entries]
    _check_layouts(metas, config, findings)
    assets = {a.out: a.rel for a in found.assets}
    names = tag_names(metas)
    urls, url_errors = plan_urls(metas, config, names, assets)
    findings.add(url_errors)
    _stop_on_errors(findings)
    jobs = _render_inputs(entries, urls, config, findings)
    rendered = render_all(jobs, RenderCache(config.root if options.use_cache else None), options.jobs or default_jobs())
    for render in rendered:
        findings.add(render.diagnostics)
    posts = _make_posts(metas, rendered, urls, names, assets, config, options, findings)
    _stop_on_errors(findings)
    cache_root = config.root if options.use_cache else None
    posts, cover_files = _pictures(posts, {a.out: a.path for a in found.assets}, config, cache_root, findings)
    site = assemble(config, [p for p in posts if p.kind == "post"], [p for p in posts if p.kind == "page"])
    by_source = {m.source: r for m, r in zip(metas, rendered, strict=True)}
    files = _render_site(site, by_source, findings)
    files.update(cover_files)
    files.update({a.out: a.path for a in found.assets})  # the site's own files win
    _stop_on_errors(findings, strict=options.strict)
    result = publish(files, options.output_dir)
    diagnostics = tuple(sort_diagnostics(findings.items))
    return BuildReport(
        options.output_dir,
        result,
        len(site.posts),
        len(site.pages),
        skipped,
        diagnostics,
        time.perf_counter() - started,
    )


def _stop_on_errors(findings: _Findings, strict: bool = False) -> None:
    """Fail the build if there are errors (or, with --strict, warnings)."""
    if strict and findings.items:
        raise BuildFailed(d.as_error() for d in findings.items)
    if findings.errors():
        raise BuildFailed(findings.items)


def build_clock(options: BuildOptions) -> dt.datetime:
    """The build's notion of now: fixed in tests, SOURCE_DATE_EPOCH for reproducible builds."""
    if options.now:
        return options.now
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC)


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """A document's validated front matter and its body text."""

    meta: Meta
    body: str
    line: int


def _read_all(found: Inventory, config: Config, findings: _Findings) -> list[_Entry]:
    """Read every document and validate its front matter, collecting every error."""
    entries: list[_Entry] = []
    for item in found.documents:
        try:
            doc = read_document(item)
            meta = read_meta(doc, config.author, config.zone, config.excerpt_separator)
        except SourceError as exc:
            findings.add([exc.diagnostic])
            continue
        entries.append(_Entry(meta, doc.body, doc.body_line))
    return entries


def _select(entries: list[_Entry], options: BuildOptions) -> tuple[list[_Entry], tuple[str, ...]]:
    """Leave out drafts (unless --drafts) and future posts (unless --future, and say which)."""
    now = build_clock(options)
    kept: list[_Entry] = []
    skipped: list[str] = []
    for entry in entries:
        meta = entry.meta
        if (meta.draft or not meta.published) and not options.drafts:
            continue
        if meta.kind == "post" and meta.date and meta.date > now and not options.future:
            skipped.append(meta.source)
            continue
        kept.append(entry)
    return kept, tuple(skipped)


def _check_layouts(metas: Sequence[Meta], config: Config, findings: _Findings) -> None:
    """An unknown layout is a warning; the default layout is used."""
    known = templates.known_layouts(config.root)
    for meta in metas:
        if meta.layout and meta.layout not in known:
            line, col = meta.where.get("layout", (0, 0))
            message = f"unknown layout `{meta.layout}` (known: {', '.join(known)}); using `{meta.kind}`"
            findings.add([warning(meta.source, line, col, message)])


# -- rendering documents -------------------------------------------------------------------


def _render_inputs(
    entries: Sequence[_Entry], urls: dict[str, str], config: Config, findings: _Findings
) -> list[RenderInput]:
    """Run Liquid on every body and describe its render."""
    post_urls = {Path(e.meta.source).stem: urls[e.meta.source] for e in entries if e.meta.kind == "post"}
    site_values = {"title": config.title, "description": config.description, "author": config.author}
    jobs = []
    for entry in entries:
        meta, body, line = entry.meta, entry.body, entry.line
        if meta.liquid:
            page = {"title": meta.title, "url": urls[meta.source]}
            context = LiquidContext(config.url, config.base_url, site_values, page, post_urls)
            body, notes = render_liquid(body, meta.source, line, context)
            findings.add(notes)
        jobs.append(
            RenderInput(
                source=meta.source,
                body=body,
                body_line=line,
                excerpt_source=meta.excerpt,
                separator=meta.excerpt_separator,
                macros=tuple(sorted(config.math.macros)),
                check_math=config.math.check,
                safe_html=config.safe_html,
            )
        )
    return jobs


def _make_posts(
    metas: Sequence[Meta],
    rendered: Sequence[Rendered],
    urls: dict[str, str],
    names: dict[str, str],
    assets: dict[str, str],
    config: Config,
    options: BuildOptions,
    findings: _Findings,
) -> list[Post]:
    """Combine each Meta with its render into the Post the site publishes."""
    now = build_clock(options)
    render = _page_math(config, findings)
    posts = []
    for meta, result in zip(metas, rendered, strict=True):
        try:
            cover = check_cover(meta, assets)
        except SourceError as exc:
            findings.add([exc.diagnostic])
            cover = None
        posts.append(_post(meta, result, urls[meta.source], names, cover, render, now))
    return posts


def _post(
    meta: Meta,
    result: Rendered,
    url: str,
    names: dict[str, str],
    cover: Cover | None,
    render: Callable[[MathSpan, bool], str],
    now: dt.datetime,
) -> Post:
    tags = tuple(dict.fromkeys(Tag(names[tag_key(t)], tag_key(t)) for t in meta.tags))
    title = title_markup(meta.title, render)
    return Post(
        source=meta.source,
        kind=meta.kind,
        title=title_text(meta.title),
        date=meta.date,
        url=url,
        title_html=title,
        output=url.lstrip("/") + ("index.html" if url.endswith("/") else ""),
        tags=tags,
        categories=meta.categories,
        author=meta.author,
        cover=cover,
        layout=meta.layout or meta.kind,
        draft=meta.draft or not meta.published,
        future=bool(meta.date and meta.date > now),
        html=finish(result, result.html, render),
        toc=finish(result, result.toc, render),
        excerpt=finish(result, result.excerpt, render),
        description=meta.description or result.description,
        reading_minutes=reading_minutes(result.words, result.cjk_chars),
        has_math=(bool(result.spans) or 'class="math' in title) if meta.math is None else meta.math,
        front=meta.front,
    )


def _page_math(config: Config, findings: _Findings) -> Callable[[MathSpan, bool], str]:
    """How pages show math: marked for MathJax, or MathML built now."""
    if config.math.render == "mathjax":
        return mathjax_markup

    def mathml(span: MathSpan, block: bool) -> str:
        markup, problem = convert_or_none(span.tex, span.display)
        if problem:
            findings.add([warning("", span.line, span.col, f"MathML: {problem}")])
        return markup

    return mathml


def _pictures(
    posts: list[Post], asset_paths: dict[str, Path], config: Config, cache_root: Path | None, findings: _Findings
) -> tuple[list[Post], dict[str, Content]]:
    """Give every local cover its size and resized copies."""
    files: dict[str, Content] = {}
    done: list[Post] = []
    for post in posts:
        cover = post.cover
        if cover is not None and cover.local:
            out = cover.src.lstrip("/")
            picture, made = cover_picture(asset_paths[out], out, config.cover_widths, cache_root)
            cover = replace(
                cover, width=picture.width, height=picture.height, mime=picture.mime, variants=picture.variants
            )
            files.update(made)
        done.append(replace(post, cover=cover))
    return done, files


# -- rendering pages -----------------------------------------------------------------------


def _render_site(site: Site, rendered: dict[str, Rendered], findings: _Findings) -> dict[str, Content]:
    """Every generated file: posts, pages, listings, feed, sitemap, robots.txt, 404."""
    env = templates.make_environment(site.config)
    files: dict[str, Content] = {}
    for post in (*site.posts, *site.pages):
        layout = post.layout if post.layout in templates.known_layouts(site.config.root) else post.kind
        files[post.output] = _page(env, f"{layout}.html", templates.post_context(site, post), post.source, findings)
    for index in site.index_pages:
        files[index.output] = _page(
            env, "index.html", templates.index_context(site, index), "templates/index.html", findings
        )
    for tag_page in site.tags:
        files[tag_page.output] = _page(
            env, "tag.html", templates.tag_context(site, tag_page), "templates/tag.html", findings
        )
    for name, output in (
        ("tags.html", "tags/index.html"),
        ("archive.html", "archive/index.html"),
        ("404.html", "404.html"),
    ):
        files[output] = _page(env, name, templates.plain_context(site), f"templates/{name}", findings)
    files["feed.xml"] = feeds.atom_feed(site, _feed_math(rendered, findings))
    files["sitemap.xml"] = feeds.sitemap(site)
    files["robots.txt"] = feeds.robots(site)
    files[".nojekyll"] = b""
    files["assets/css/highlight.css"] = highlight_css(site.config.highlight_style)
    return files


def highlight_css(style: str) -> bytes:
    """Pygments colours for highlighted code, in the configured style."""
    from pygments.formatters import HtmlFormatter

    css: str = HtmlFormatter(style=style).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    return css.encode("utf-8")


def _page(env: jinja2.Environment, name: str, context: dict[str, Any], source: str, findings: _Findings) -> bytes:
    """Render one template; a template error names the template and the line."""
    try:
        return env.get_template(name).render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        findings.add([error(f"templates/{exc.name or name}", exc.lineno, 0, exc.message or "template syntax error")])
    except jinja2.UndefinedError as exc:
        findings.add([error(f"templates/{name}", 0, 0, f"{exc.message} (while rendering {source})")])
    return b""


def _feed_math(rendered: dict[str, Rendered], findings: _Findings) -> feeds.Finish:
    """Feed entries carry MathML (feed readers run no JavaScript)."""

    def mathml(span: MathSpan, block: bool) -> str:
        return convert_or_none(span.tex, span.display)[0]

    def finish_post(post: Post) -> tuple[str, str]:
        result = rendered[post.source]
        return finish(result, result.html, mathml), finish(result, result.excerpt, mathml)

    return finish_post


def title_text(title: str) -> str:
    """A title as plain text: math keeps its TeX, loses its delimiters."""
    protected = protect(title)
    return plain_text(protected.text, protected.token_prefix, protected.spans)


def title_markup(title: str, render: Callable[[MathSpan, bool], str]) -> Markup:
    """A title as HTML, with its math typeset and everything else escaped."""
    import html

    protected = protect(title)
    return Markup(restore(html.escape(protected.text), protected.token_prefix, protected.spans, render))
