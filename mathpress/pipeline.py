"""Pipeline: BuildOptions → BuildReport. The whole recipe, read top to bottom in `build`."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import html
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import citations, feeds, search, templates
from .baseline import beyond, diagnostic_key
from .cache import (
    CACHE_DIR,
    BuildState,
    DocumentRecord,
    RenderCache,
    Summary,
    digest,
    load_state,
    render_key,
    save_state,
)
from .config import Config, LiquidConfig
from .content import Asset, Inventory, SourceFile, find_front_matter, parse_document, read_source
from .errors import BuildFailed, Diagnostic, LineStarts, SourceError, error, sort_diagnostics, warning
from .images import ImageError, Picture, Variant, cover_picture
from .jekyll.files import LiquidFiles
from .jekyll.model import (
    BODIES,
    FILE_READ,
    LINKS,
    POSTS,
    STATIC,
    TIME,
    Bodies,
    BodiesNeeded,
    LiquidContext,
    SiteModel,
    StaticFile,
    model_documents,
    reads_during,
)
from .jekyll.relative_links import RELATIVE_LINK, link_relative_files
from .markup import CONTENT_SLOT, Rendered, RenderInput, finish
from .math.macros import macro_definitions
from .math.spans import MathSpan, mathjax_markup, plain_text, protect, restore
from .math.typeset import mathml_markup, page_markup
from .meta import Meta, read_meta
from .output import Cached, Content, PublishReport, publish, read_content
from .pages import PageResults, document_fact, facet_hashes, page_jobs, post_fact, record_written, render_pages
from .site import (
    Body,
    Cover,
    Post,
    Site,
    Tag,
    assemble,
    check_cover,
    document_output,
    plan_urls,
    reading_minutes,
    tag_key,
    tag_names,
)
from .survey import (
    BuildOptions,
    BuildReport,
    Survey,
    Surveyed,
    build_clock,
    save_build_stamp,
    settle,
    surveyed,
)
from .theorems import site_kinds
from .workers import Progress, default_jobs, parallel_map, render_many

MathRender = Callable[[MathSpan, bool], str]


@dataclass
class _Findings:
    """Diagnostics collected across the build (errors stop it before anything is written)."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, items: Iterable[Diagnostic]) -> None:
        self.items.extend(items)

    def stop_on_errors(self, strict: bool = False, accepted: tuple[str, ...] = ()) -> None:
        """Fail the build if there are errors (or, with --strict, warnings beyond the accepted ones)."""
        new = beyond(self.items, diagnostic_key, accepted) if strict else []
        if new:
            raise BuildFailed(d.as_error() if d in new else d for d in self.items)
        if any(d.severity == "error" for d in self.items):
            raise BuildFailed(self.items)


@dataclass(frozen=True)
class Read:
    """Every document this build publishes, its front matter validated (unchanged files are not read)."""

    entries: tuple[_Entry, ...]
    skipped: tuple[str, ...]  # future posts left out
    next_change: dt.datetime | None  # when the next post dated in the future becomes due
    old: BuildState


@dataclass(frozen=True)
class Planned:
    """Every document's URL and the site as Liquid sees it, before anything is rendered."""

    urls: dict[str, str]
    names: dict[str, str]  # tag slug → name
    liquid: LiquidSite


@dataclass(frozen=True)
class Renders:
    """Every document's render (made now, cached, or kept), and its cover."""

    plans: tuple[_Planned, ...]
    summaries: tuple[Summary, ...]
    fresh: int  # documents rendered now
    covers: dict[str, Cover | None]
    pictures: dict[str, Picture]
    cover_files: dict[str, Content]


@dataclass(frozen=True)
class Assembled:
    """The site model and every page of it, rendered or known unchanged."""

    site: Site
    facts: dict[str, str]
    hashes: dict[str, str]  # of each facet of the site
    env: Any  # the Jinja environment
    results: PageResults


@dataclass(frozen=True)
class Built:
    """What a build knew when it finished: the dev server keeps it to redo only what a change needs."""

    options: BuildOptions  # as asked (its `now` unset unless the caller fixed the clock)
    now: dt.datetime  # the build's clock
    config: Config
    survey: Survey
    read: Read
    planned: Planned
    rendered: Renders
    assembled: Assembled
    cache: RenderCache
    state: BuildState


def build(
    options: BuildOptions, progress: Progress | None = None, waiting: Callable[[str], None] | None = None
) -> BuildReport:
    """Read, check, render and publish a site; BuildFailed if any file has an error.

    Builds of one site, or into one folder, take turns; `waiting` (else stderr) hears when this one waits.
    """
    return build_site(options, progress, waiting)[0]


def build_site(
    options: BuildOptions,
    progress: Progress | None = None,
    waiting: Callable[[str], None] | None = None,
    keep: bool = False,
) -> tuple[BuildReport, Built | None]:
    """A build's report and, with `keep` (which never takes the nothing-changed shortcut), what it knew."""
    with surveyed(options, waiting, keep) as turn:
        if turn.unchanged is not None:
            return turn.unchanged, None
        return build_surveyed(options, turn, progress, keep)


def build_surveyed(
    asked: BuildOptions, turn: Surveyed, progress: Progress | None, keep: bool = False
) -> tuple[BuildReport, Built | None]:
    """The recipe after the survey, run while this build holds the site (see survey.surveyed)."""
    options, config, survey = turn.options, turn.config, turn.survey
    cache_root = config.root if options.use_cache else None
    workers = options.jobs or default_jobs()
    survey.current  # noqa: B018  (the output as it is before this build writes: the dev server keeps it)
    findings = _Findings()
    findings.add(survey.liquid_files.notes)
    read = _read(survey, config, options, cache_root, findings)
    settle()
    planned = _plan(read, survey, config, options, findings)
    cache = RenderCache(cache_root)
    new = BuildState()
    rendered = _render_all(read, planned, survey, cache, config, workers, progress, findings, cache_root, new)
    assembled = _assemble(read, planned, rendered, survey, cache, config, options, workers, progress, findings, new)
    findings.stop_on_errors(strict=options.strict, accepted=options.accepted)
    report = _publish(survey, read, assembled, rendered, config, options, cache_root, new)
    result = BuildReport(
        options.output_dir,
        report,
        len(assembled.site.posts),
        len(assembled.site.pages),
        read.skipped,
        tuple(sort_diagnostics(findings.items)),
        time.perf_counter() - turn.started,
        rendered.fresh,
        assembled.results.rendered,
    )
    save_build_stamp(cache_root, survey.inputs, result, read.next_change)
    if not keep:
        return result, None
    return result, Built(asked, build_clock(options), config, survey, read, planned, rendered, assembled, cache, new)


def _read(survey: Survey, config: Config, options: BuildOptions, cache_root: Path | None, findings: _Findings) -> Read:
    """Every document's front matter (from the last build when unchanged); drafts and future posts left out."""
    old = load_state(cache_root)
    everything = _read_all(survey.found, config, old, findings)
    entries, skipped = _select(everything, options)
    _check_layouts([entry.meta for entry in entries], config, findings)
    now = build_clock(options)
    future = [e.meta.date for e in everything if e.meta.date and e.meta.date > now]
    return Read(tuple(entries), skipped, min(future) if future else None, old)


def _plan(read: Read, survey: Survey, config: Config, options: BuildOptions, findings: _Findings) -> Planned:
    """Every document's URL (a clash is an error) and the site Liquid sees."""
    metas = [entry.meta for entry in read.entries]
    names = tag_names(metas)
    known = {e.meta.source: e.record.url for e in read.entries if e.record is not None and e.record.url}
    urls, url_errors = plan_urls(metas, config, names, {a.out: a.rel for a in survey.found.assets}, known)
    findings.add(url_errors)
    findings.stop_on_errors()
    liquid = liquid_site(read.entries, urls, config, survey, options)
    return Planned(urls, names, liquid)


def _render_all(
    read: Read,
    planned: Planned,
    survey: Survey,
    cache: RenderCache,
    config: Config,
    workers: int,
    progress: Progress | None,
    findings: _Findings,
    cache_root: Path | None,
    new: BuildState,
) -> Renders:
    """Every document rendered (pages that list other documents' bodies after those), then the covers."""
    plans, summaries, fresh = render_documents(
        read.entries, planned, cache, config, _page_math(config), workers, progress, findings
    )
    assets = {a.out: a for a in survey.found.assets}
    covers = _check_covers(read.entries, assets, findings)
    findings.stop_on_errors()
    stats = {a.out: a.stat for a in survey.found.assets}
    pictures, cover_files, broken = _pictures(covers, assets, stats, config, read.old, new, cache_root, workers)
    findings.add(_broken_covers(read.entries, covers, broken, {a.out: a.rel for a in survey.found.assets}))
    findings.stop_on_errors()
    return Renders(tuple(plans), tuple(summaries), fresh, covers, pictures, cover_files)


def _assemble(
    read: Read,
    planned: Planned,
    rendered: Renders,
    survey: Survey,
    cache: RenderCache,
    config: Config,
    options: BuildOptions,
    workers: int,
    progress: Progress | None,
    findings: _Findings,
    new: BuildState,
) -> Assembled:
    """The Site from the rendered documents, and its pages (only those whose inputs changed are rendered)."""
    posts = _make_posts(read, planned, rendered, config, options, cache, new, findings)
    site = assemble(config, [p for p in posts if p.kind == "post"], [p for p in posts if p.kind == "page"])
    facts = {post.source: post_fact(post, new.documents[post.source].fact) for post in posts}
    env = templates.make_environment(config)
    feed_mathml = _feed_mathml(site, cache, workers)
    findings.add(_feed_problems(site, cache, feed_mathml))
    jobs = page_jobs(site, env, facts, _feed_math(cache, feed_mathml))
    cache_root = config.root if options.use_cache else None
    pending = _fresh_folder(cache_root / CACHE_DIR / "pending") if cache_root else None
    hashes = facet_hashes(site, facts)
    output = options.output_dir
    results = render_pages(site, jobs, facts, read.old, survey.current, workers, output, pending, progress, hashes)
    findings.add(results.diagnostics)
    return Assembled(site, facts, hashes, env, results)


def _publish(
    survey: Survey,
    read: Read,
    assembled: Assembled,
    rendered: Renders,
    config: Config,
    options: BuildOptions,
    cache_root: Path | None,
    new: BuildState,
) -> PublishReport:
    """Write what changed into the output folder (swapped in whole) and keep the state for the next build."""
    assets = {a.out: a.path for a in survey.found.assets}
    results = assembled.results
    files: dict[str, Content] = {**results.files, **_extra_files(config), **rendered.cover_files, **assets}
    if config.search:
        files.update(_search_index(files, options.output_dir, config.language))
    publish_cache = cache_root / CACHE_DIR / "publish" if cache_root else None
    report = publish(files, options.output_dir, publish_cache, survey.current)
    new.pages = record_written(results, report.manifest)
    if cache_root:
        shutil.rmtree(cache_root / CACHE_DIR / "pending", ignore_errors=True)
    save_state(cache_root, new, read.old)
    return report


def _search_index(files: Mapping[str, Content], output: Path, language: str) -> dict[str, bytes]:
    """Pagefind's index of the pages about to be published (`search: true`), published with them."""
    pages = {
        rel: functools.partial(read_content, content, output / rel)
        for rel, content in files.items()
        if rel.endswith(".html") and not rel.startswith(search.BUNDLE + "/")
    }
    try:
        return search.index_files(pages, language)
    except search.SearchError as exc:
        raise BuildFailed([error("site.yml", 1, 1, str(exc))]) from None


def _fresh_folder(path: Path) -> Path:
    """An empty folder (what a killed build left there is removed)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# -- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    """A document's validated front matter; its text when it had to be read."""

    meta: Meta
    item: SourceFile
    file_digest: str
    text: str | None  # None: unchanged since the last build, so not read
    record: DocumentRecord | None  # the last build's record, when the file is unchanged


def _read_all(found: Inventory, config: Config, old: BuildState, findings: _Findings) -> list[_Entry]:
    """Every document's Meta: from the last build when the file is unchanged, else read and validated."""
    entries: list[_Entry] = []
    config_key = config.fingerprint()
    for item in found.documents:
        record = old.documents.get(item.rel)
        if record and record.stat == item.stat and record.config == config_key:
            entries.append(_Entry(record.meta, item, record.digest, None, record))
            continue
        try:
            source = read_source(item)
            meta = read_meta(parse_document(source), config.author, config.zone, config.excerpt_separator)
        except SourceError as exc:
            findings.add([exc.diagnostic])
            continue
        entries.append(_Entry(meta, item, source.digest, source.text, None))
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


@dataclass(frozen=True)
class _Planned:
    """One document's render: its key, Liquid's warnings, and how to describe it if it must run."""

    key: str
    job: Callable[[], RenderInput]
    liquid: str
    notes: tuple[Diagnostic, ...]
    summary: Summary | None  # the last build's, when still valid
    reads: tuple[str, ...] = ()  # the parts of the site its Liquid read (jekyll.model.FACETS)


@dataclass(frozen=True)
class LiquidSite:
    """What Liquid in any document may read of the site, and the hashes its renders are keyed by."""

    post_urls: dict[str, str]  # file stem → URL
    document_urls: dict[str, str]  # source → URL
    values: dict[str, Any]
    files: LiquidFiles
    base: str  # the hash of what every document's Liquid may read besides the site model
    model: SiteModel
    facets: Callable[[str], str]  # the hash of one part of the site model (jekyll.model.FACETS)
    settings: LiquidConfig
    environment: str
    link_targets: dict[str, str]  # site path (content/about.md, assets/a.png) → URL, for relative links

    def with_bodies(self, bodies: Bodies, raw: Callable[[str], str], bodies_hash: str) -> LiquidSite:
        """The site once the documents that do not list other bodies are rendered."""
        facets = self.facets
        model = self.model.with_bodies(bodies, raw)
        return replace(self, model=model, facets=lambda name: bodies_hash if name == BODIES else facets(name))


def liquid_site(
    entries: Sequence[_Entry], urls: dict[str, str], config: Config, survey: Survey, options: BuildOptions
) -> LiquidSite:
    """The site as Liquid sees it."""
    files = survey.liquid_files
    post_urls = {_stem(e.meta.source): urls[e.meta.source] for e in entries if e.meta.kind == "post"}
    document_urls = {e.meta.source: urls[e.meta.source] for e in entries}
    site_values = {  # extra last: an imported site's own `author: {name, email}` is what its Liquid reads
        "title": config.title,
        "description": config.description,
        "author": config.author,
        "lang": config.language,
        **config.extra,
    }
    liquid_base = digest(
        config.url,
        config.base_url,
        json.dumps(site_values, sort_keys=True, default=str),
        json.dumps(document_urls, sort_keys=True),
        files.digest,
        repr(config.liquid),
        options.environment,
    )
    now = build_clock(options)
    statics = tuple(
        StaticFile("/" + a.out, dt.datetime.fromtimestamp(a.stat[1] / 1e9, config.zone))
        for a in survey.found.assets
        if a.rel.startswith(("static/", "content/"))
    )
    model = SiteModel(model_documents([e.meta for e in entries], urls), config.zone, now, statics)
    targets = {**{a.out: "/" + a.out for a in survey.found.assets}, **{a.rel: "/" + a.out for a in survey.found.assets}}
    targets.update(document_urls)
    facets = functools.cache(functools.partial(_facet_hash, tuple(entries), urls, statics, now, config.root, targets))
    return LiquidSite(
        post_urls,
        document_urls,
        site_values,
        files,
        liquid_base,
        model,
        facets,
        config.liquid,
        options.environment,
        targets,
    )


def _stem(source: str) -> str:
    """A file's name without its last suffix (Path.stem, without making a Path: 5,000 of them cost 70 ms)."""
    name = source.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    return name[:dot] if 0 < dot < len(name) - 1 else name


def _facet_hash(
    entries: tuple[_Entry, ...],
    urls: dict[str, str],
    statics: tuple[StaticFile, ...],
    now: dt.datetime,
    root: Path,
    targets: dict[str, str],
    name: str,
) -> str:
    """The hash of one part of the site model: its documents' files and URLs, the static files, the time, or
    (FILE_READ + path) one file an include_relative read."""
    if name == LINKS:
        return digest(json.dumps(targets, sort_keys=True))
    if name.startswith(FILE_READ):
        try:
            return digest((root / name.removeprefix(FILE_READ)).read_bytes())
        except OSError:
            return ""
    if name == TIME:
        return now.isoformat()
    if name == STATIC:
        return digest(*(f"{s.path}\0{s.modified.isoformat()}" for s in statics))
    if name == BODIES:
        return ""  # not readable before the documents are rendered (see with_bodies)
    posts = name == POSTS
    return digest(
        *(
            f"{e.meta.source}\0{urls[e.meta.source]}\0{e.file_digest}"
            for e in entries
            if (e.meta.kind == "post") == posts
        )
    )


def render_documents(
    entries: Sequence[_Entry],
    planned: Planned,
    cache: RenderCache,
    config: Config,
    render: MathRender,
    workers: int,
    progress: Progress | None,
    findings: _Findings,
) -> tuple[list[_Planned], list[Summary], int]:
    """Every document's plan and Summary: first those whose Liquid reads no other document's body, then (as
    Jekyll renders pages after posts) those that do, with the bodies of the first."""
    first = _plan_renders(entries, planned.urls, config, findings, planned.liquid)
    ready = {index: plan for index, plan in enumerate(first) if plan is not None}
    done, fresh = _render([entries[i] for i in ready], list(ready.values()), cache, config, render, workers, progress)
    plans, summaries = dict(ready), dict(zip(ready, done, strict=True))
    waiting = [index for index in range(len(entries)) if index not in ready]
    if waiting:
        rendered = [entries[i] for i in ready]
        later = _with_bodies(planned.liquid, entries, rendered, list(ready.values()), done, cache, render)
        second = _plan_renders([entries[i] for i in waiting], planned.urls, config, findings, later, final=True)
        known = [plan for plan in second if plan is not None]  # with the bodies rendered, none waits
        more, extra = _render([entries[i] for i in waiting], known, cache, config, render, workers, progress)
        plans.update(zip(waiting, known, strict=True))
        summaries.update(zip(waiting, more, strict=True))
        fresh += extra
    order = range(len(entries))
    return [plans[i] for i in order], [summaries[i] for i in order], fresh


def _with_bodies(
    liquid: LiquidSite,
    everyone: Sequence[_Entry],
    entries: Sequence[_Entry],
    plans: Sequence[_Planned],
    summaries: Sequence[Summary],
    cache: RenderCache,
    render: MathRender,
) -> LiquidSite:
    """The site whose rendered documents' bodies (content, excerpt) Liquid can now read; the others' text as
    written."""
    rendered = {
        entry.meta.source: (plan.key, summary) for entry, plan, summary in zip(entries, plans, summaries, strict=True)
    }
    texts = {entry.meta.source: entry for entry in everyone}

    def bodies(source: str) -> tuple[str, str] | None:
        found = rendered.get(source)
        if found is None:
            return None
        return _finished_body(cache, found[0], render)[0], found[1].excerpt

    def raw(source: str) -> str:
        entry = texts.get(source)
        if entry is None:
            return ""
        text = entry.text if entry.text is not None else read_source(entry.item).text
        return find_front_matter(text, source)[1]

    keys = digest(*(f"{source}\0{key}" for source, (key, _) in sorted(rendered.items())))
    return liquid.with_bodies(bodies, raw, keys)


def _liquid_digest(site: LiquidSite, page: Mapping[str, Any], reads: Iterable[str]) -> str:
    """The hash of everything one document's Liquid read: the site's values, its own page, the parts of the
    site model it read."""
    parts = [f"{name}\0{site.facets(name)}" for name in sorted(reads)]
    return digest(site.base, json.dumps(page, sort_keys=True, default=str), *parts)


def _plan_renders(
    entries: Sequence[_Entry],
    urls: dict[str, str],
    config: Config,
    findings: _Findings,
    site: LiquidSite,
    final: bool = False,
) -> list[_Planned | None]:
    """The render key of each document (Liquid sees `site`); unchanged files whose Liquid read nothing that
    changed reuse the last build's key and warnings. None: the document's Liquid reads other documents'
    bodies, which are not rendered yet (unless `final`: they are)."""
    planned: list[_Planned | None] = []
    for entry in entries:
        meta, record = entry.meta, entry.record
        page = {**meta.front, "title": meta.title, "url": urls[meta.source], "date": meta.date, "path": meta.source}
        if record is not None and BODIES in record.liquid_reads and not final:
            planned.append(None)
            continue
        if record is not None and (
            not record.liquid or record.liquid == _liquid_digest(site, page, record.liquid_reads)
        ):
            valid = record.summary if record.summary.mode == config.math.render else None
            lazy = _lazy_job(entry, config, site, page)
            planned.append(_Planned(record.render_key, lazy, record.liquid, record.notes, valid, record.liquid_reads))
        else:
            try:
                job, notes, used, reads = _job(entry, config, _liquid_context(config, site, page))
            except BodiesNeeded:
                planned.append(None)
                continue
            liquid = _liquid_digest(site, page, reads) if used else ""
            planned.append(_Planned(render_key(job), _given(job), liquid, tuple(notes), None, reads))
        findings.add(planned[-1].notes)  # type: ignore[union-attr]
    return planned


def _liquid_context(config: Config, site: LiquidSite, page: Mapping[str, Any]) -> LiquidContext:
    """What one document's Liquid may read."""
    return LiquidContext(
        config.url,
        config.base_url,
        site.values,
        page,
        site.post_urls,
        site.files,
        site.document_urls,
        site.model,
        config.root,
        site.link_targets,
        site.settings,
        site.environment,
    )


def _given(job: RenderInput) -> Callable[[], RenderInput]:
    """A job already described."""
    return lambda: job


def _lazy_job(entry: _Entry, config: Config, site: LiquidSite, page: Mapping[str, Any]) -> Callable[[], RenderInput]:
    """Describe an unchanged document's render only if it must be rendered after all."""
    return lambda: _job(entry, config, _liquid_context(config, site, page))[0]


def _job(
    entry: _Entry, config: Config, context: LiquidContext
) -> tuple[RenderInput, list[Diagnostic], bool, tuple[str, ...]]:
    """(RenderInput, Liquid warnings, whether Liquid was used, the parts of the site it read) for one document."""
    meta = entry.meta
    text = entry.text if entry.text is not None else read_source(entry.item).text
    _, body, line = find_front_matter(text, meta.source)
    notes: list[Diagnostic] = []
    lines: tuple[int, ...] = ()
    seen: set[str] = set()
    if config.relative_links and RELATIVE_LINK.search(body):
        body = link_relative_files(body, meta.source, context.link_targets, config.base_url)
        seen.add(LINKS)
    used = meta.liquid and ("{%" in body or "{{" in body)
    if used or (meta.kind == "page" and context.files.layouts):
        from .jekyll.liquid import render_body, render_layouts  # python-liquid, loaded when a body has Liquid
    if used:
        with reads_during() as read:
            done = render_body(body, meta.source, line, context)
        body, notes, lines = done.text, list(done.notes), done.lines
        seen |= read
    cited = _cite(body, meta, line, lines, config)
    body, notes, seen = cited.text, [*notes, *cited.notes], seen | {FILE_READ + rel for rel in cited.files}
    wrapper = ""
    layout = str(meta.front.get("jekyll_layout") or "")
    if meta.kind == "page" and layout in context.files.layouts:
        with reads_during() as read:
            wrapped = render_layouts(layout, CONTENT_SLOT, meta.source, context)
        wrapper, notes, seen, used = wrapped.text, [*notes, *wrapped.notes], seen | read, True
    reads = tuple(sorted(seen))
    job = RenderInput(
        source=meta.source,
        body=body,
        body_line=line,
        excerpt_source=meta.excerpt,
        separator=meta.excerpt_separator,
        macros=macro_definitions(config.math.macros),
        check_math=config.math.check,
        safe_html=config.safe_html,
        render=config.math.render,
        tags=config.math.tags,
        lines=lines,
        title=meta.title,
        wrapper=wrapper,
        whole_excerpt=config.excerpt_without_separator == "post",
        markdown_in_html=config.markdown_in_html,
        dollars=config.math.dollars,
        theorems=site_kinds(config.theorems),
    )
    return job, notes, bool(used) or bool(seen), reads


def _cite(body: str, meta: Meta, line: int, lines: tuple[int, ...], config: Config) -> citations.Cited:
    """The body with its citations formatted (the .bib files it read become inputs of its render)."""
    settings = citations.document_settings(config, meta.source, meta.front, meta.where)
    starts = list(LineStarts.of(body).starts) if "@" in body else [0]

    def place(offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(starts, offset) - 1
        file_line = lines[index] if index < len(lines) else line + index
        return file_line, offset - starts[index] + 1

    return citations.cite_body(body, meta.source, place, settings, config.math.dollars)


def _render(
    entries: Sequence[_Entry],
    planned: Sequence[_Planned],
    cache: RenderCache,
    config: Config,
    render: MathRender,
    workers: int,
    progress: Progress | None,
) -> tuple[list[Summary], int]:
    """A finished Summary of every document: kept, from the render cache, or rendered now in parallel."""
    found: list[Summary | None] = [p.summary for p in planned]
    for index, summary in enumerate(found):
        if summary is None:
            full = cache.get(planned[index].key)
            found[index] = summarize(entries[index].meta, full, config, render) if full else None
    missing = [index for index, summary in enumerate(found) if summary is None]
    tasks = [(planned[i].job(), planned[i].key, cache.folder) for i in missing]
    for job, key, _ in tasks:
        if render_key(job) != key:
            raise BuildFailed([error(job.source, 0, 0, "changed while the site was being built; build again")])
    tick = progress.stage("markdown", len(tasks)) if progress and tasks else None
    for index, result in zip(missing, render_many(tasks, workers, tick), strict=True):
        if cache.folder is None:
            cache.put(planned[index].key, result)
        found[index] = summarize(entries[index].meta, result, config, render)
    return [summary for summary in found if summary is not None], len(missing)


def summarize(meta: Meta, result: Rendered, config: Config, render: MathRender) -> Summary:
    """What the site needs from a render besides the body, with its math finished."""
    title = title_forms(meta.title, render, result)
    return Summary(
        mode=config.math.render,
        title_text=title.text,
        title_html=title.html,
        excerpt=finish(result, result.excerpt, render),
        description=result.description,
        words=result.words,
        cjk_chars=result.cjk_chars,
        has_math=bool(result.spans),
        labels=any("\\label" in span.tex for span in result.spans),
        diagnostics=result.diagnostics,
    )


def _make_posts(
    read: Read,
    planned: Planned,
    rendered: Renders,
    config: Config,
    options: BuildOptions,
    cache: RenderCache,
    new: BuildState,
    findings: _Findings,
) -> list[Post]:
    """Combine each Meta with its render into the Post the site publishes (and record both)."""
    now = build_clock(options)
    render = _page_math(config)
    config_key = config.fingerprint()
    tags = {slug: Tag(name, slug) for slug, name in planned.names.items()}
    posts = []
    for entry, plan, summary in zip(read.entries, rendered.plans, rendered.summaries, strict=True):
        findings.add(summary.diagnostics)
        cover = _with_picture(rendered.covers[entry.meta.source], rendered.pictures)
        body = Body(_body_loader(cache, plan.key, render))
        post = _post(entry.meta, plan.key, summary, planned.urls[entry.meta.source], tags, cover, now, body)
        posts.append(post)
        new.documents[entry.meta.source] = document_record(entry, plan, summary, config_key, post)
    return posts


def document_record(entry: _Entry, plan: _Planned, summary: Summary, config_key: str, post: Post) -> DocumentRecord:
    """What the next build needs to know of one document (the last build's record when nothing changed),
    with the part of its post's fact that comes from the document alone."""
    old = entry.record
    url = post.url
    now = (plan.key, plan.liquid, plan.reads, url)
    if old is not None and (old.render_key, old.liquid, old.liquid_reads, old.url) == now and old.summary is summary:
        return old if old.fact else replace(old, fact=document_fact(post))  # a line written before facts were kept
    item = entry.item
    return DocumentRecord(
        item.stat,
        entry.file_digest,
        config_key,
        entry.meta,
        plan.liquid,
        plan.key,
        plan.notes,
        summary,
        plan.reads,
        url,
        document_fact(post),
    )


def _check_covers(
    entries: Sequence[_Entry], assets: Mapping[str, Asset], findings: _Findings
) -> dict[str, Cover | None]:
    """Each document's cover (checked: a missing file is an error), by source."""
    covers: dict[str, Cover | None] = {}
    for entry in entries:
        try:
            covers[entry.meta.source] = check_cover(entry.meta, assets)
        except SourceError as exc:
            findings.add([exc.diagnostic])
            covers[entry.meta.source] = None
    return covers


def _with_picture(cover: Cover | None, pictures: dict[str, Picture]) -> Cover | None:
    """A local cover with its size and resized copies."""
    if cover is None or not cover.local:
        return cover
    picture = pictures[cover.src.lstrip("/")]
    return Cover(cover.src, cover.alt, True, picture.width, picture.height, picture.mime, picture.variants)


def _body_loader(cache: RenderCache, key: str, render: MathRender) -> Callable[[], tuple[str, str]]:
    """Load a post's full render from the cache when a page needs it, and finish its math."""
    return functools.partial(_finished_body, cache, key, render)


@functools.lru_cache(maxsize=8)  # a page reads page.html and page.toc; keep only the last few bodies
def _finished_body(cache: RenderCache, key: str, render: MathRender) -> tuple[str, str]:
    full = cache.get(key)
    if full is None:
        raise RuntimeError(f"render {key} vanished from the cache during the build")
    return finish(full, full.html, render), finish(full, full.toc, render)


def _post(
    meta: Meta,
    key: str,
    summary: Summary,
    url: str,
    tags: dict[str, Tag],
    cover: Cover | None,
    now: dt.datetime,
    body: Body,
) -> Post:
    return Post(
        source=meta.source,
        kind=meta.kind,
        title=summary.title_text,
        title_html=Markup(summary.title_html),
        date=meta.date,
        url=url,
        output=document_output(url),
        tags=tuple({tags[tag_key(t)]: None for t in meta.tags}),
        categories=meta.categories,
        author=meta.author,
        cover=cover,
        layout=meta.layout or meta.kind,
        draft=meta.draft or not meta.published,
        future=bool(meta.date and meta.date > now),
        body=body,
        render_key=key,
        excerpt=summary.excerpt,
        description=meta.description or summary.description,
        reading_minutes=reading_minutes(summary.words, summary.cjk_chars),
        has_math=(summary.has_math or 'class="math' in summary.title_html) if meta.math is None else meta.math,
        math_labels=summary.labels,
        front=meta.front,
    )


def _page_math(config: Config) -> MathRender:
    """How pages show math: marked for MathJax, MathJax's MathML, or typeset at build time (SVG)."""
    return {"mathjax": mathjax_markup, "mathml": mathml_markup}.get(config.math.render, page_markup)


def _pictures(
    covers: dict[str, Cover | None],
    assets: Mapping[str, Asset],
    stats: dict[str, tuple[int, int, int]],
    config: Config,
    old: BuildState,
    new: BuildState,
    cache_root: Path | None,
    workers: int,
) -> tuple[dict[str, Picture], dict[str, Content], dict[str, str]]:
    """Size and resized copies of every local cover (planned once per image file), the files to publish,
    and why each image that cannot be used cannot."""
    used = sorted({c.src.lstrip("/") for c in covers.values() if c is not None and c.local})
    exists = functools.cache(os.path.exists)  # covers of the same bytes share their variants: look once
    stale = [out for out in used if not _picture_current(stats[out], old.images.get(out), exists)]
    made = parallel_map(
        functools.partial(_picture_record, widths=config.cover_widths, cache_root=cache_root),
        [(assets[out].path, out) for out in stale],
        workers,
    )
    new.images.update({out: old.images[out] for out in used if out not in stale})
    broken = {out: record for out, record in zip(stale, made, strict=True) if isinstance(record, str)}
    new.images.update((out, record) for out, record in zip(stale, made, strict=True) if isinstance(record, list))
    pictures: dict[str, Picture] = {}
    files: dict[str, Content] = {}
    cached = functools.cache(lambda path: Cached(Path(path)))  # covers of the same bytes share variant files
    for out in used:
        if out in broken:
            continue
        _, _, _, width, height, mime, variants = new.images[out]
        pictures[out] = Picture(width, height, mime, tuple(Variant(v[0], v[1], v[2]) for v in variants))
        files.update({v[0]: cached(v[3]) for v in variants})
    return pictures, files, broken


def _broken_covers(
    entries: Sequence[_Entry], covers: dict[str, Cover | None], broken: dict[str, str], sources: dict[str, str]
) -> list[Diagnostic]:
    """An error at the `cover` key of every post whose cover image cannot be used."""
    found = []
    for entry in entries:
        cover = covers[entry.meta.source]
        image = cover.src.lstrip("/") if cover is not None and cover.local else ""
        if image in broken:
            line, col = entry.meta.where.get("cover", (0, 0))
            found.append(error(entry.meta.source, line, col, f"cover image {sources[image]} {broken[image]}"))
    return found


def _picture_current(stat: tuple[int, int, int], known: list[Any] | None, exists: Callable[[str], bool]) -> bool:
    """Whether the last build's plan of an image still holds (same file, variants still cached)."""
    if not known:
        return False
    return known[:2] == [stat[0], stat[1]] and all(exists(v[3]) for v in known[6])


def _picture_record(task: tuple[Path, str], widths: tuple[int, ...], cache_root: Path | None) -> list[Any] | str:
    """[size, mtime, digest, width, height, mime, variants] of one image, its variants made now;
    or why the image cannot be used."""
    source, out = task
    stat = source.stat()
    try:
        picture, made, hashed = cover_picture(source, out, widths, cache_root)
    except ImageError as exc:
        return str(exc)
    variants = [[v.out, v.width, v.mime, str(made[v.out])] for v in picture.variants]
    return [stat.st_size, stat.st_mtime_ns, hashed, picture.width, picture.height, picture.mime, variants]


Converted = dict[str, str]  # (kept for the dev server's calls: spans carry their MathML since the render)


def _feed_mathml(site: Site, cache: RenderCache, workers: int) -> Converted:
    """Nothing to convert: every span carries MathJax's MathML from its render."""
    return {}


def _feed_problems(site: Site, cache: RenderCache, converted: Converted) -> list[Diagnostic]:
    """None here: what a formula's MathML lacks is reported by its render (math.typeset)."""
    return []


def _feed_math(cache: RenderCache, converted: Converted) -> feeds.Finish:
    """Feed entries carry MathJax's MathML (feed readers run no JavaScript)."""

    def finish_post(post: Post) -> tuple[str, str]:
        result = cache.get(post.render_key)
        assert result is not None
        return finish(result, result.html, mathml_markup), finish(result, result.excerpt, mathml_markup)

    return finish_post


def _extra_files(config: Config) -> dict[str, Content]:
    """Small generated files: robots.txt, .nojekyll, the code colours."""
    return {
        "robots.txt": feeds.robots(config),
        ".nojekyll": b"",
        "assets/css/highlight.css": highlight_css(config.highlight_style, config.highlight_style_dark),
    }


def highlight_css(style: str, dark: str = "") -> bytes:
    """Pygments colours for highlighted code, in the configured style (and the dark one, for dark mode)."""
    from pygments.formatters import HtmlFormatter

    css: str = HtmlFormatter(style=style).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
    if dark:
        night: str = HtmlFormatter(style=dark).get_style_defs(".highlight")  # type: ignore[no-untyped-call]
        inner = "\n".join("  " + line for line in night.splitlines())
        css += f"\n/* dark mode: the {dark} style */\n@media (prefers-color-scheme: dark) {{\n{inner}\n}}\n"
    return css.encode("utf-8")


@dataclass(frozen=True)
class TitleForms:
    """A title as plain text (math keeps its TeX, loses its delimiters) and as HTML (math typeset)."""

    text: str
    html: Markup


def title_forms(title: str, render: MathRender, result: Rendered | None = None) -> TitleForms:
    """Both forms of a title: plain text (math keeps its TeX), and HTML with its math as the render typeset it."""
    found = protect(title)
    text = plain_text(found.text, found.token_prefix, found.spans)
    if result is None or not result.title:
        return TitleForms(
            text,
            Markup(
                html.escape(title)
                if not found.spans
                else restore(html.escape(found.text), found.token_prefix, found.spans, mathjax_markup)
            ),
        )
    return TitleForms(text, Markup(restore(result.title, result.prefix, result.spans, render)))
