"""Rebuild: the last Built site + the files a save changed → the next one, doing only what the change needs.

The dev server keeps its last build in memory. A save that leaves every edited post or page
in its place (same URL, date, tags, layout, cover; the body, title, excerpt and other front
matter may change) re-reads and re-renders those documents, swaps them into the site model
and renders only the pages whose fingerprint moved (the post, its neighbours, the listings
that show it, the pages that read a part of the site it changed); a changed static file is
copied. Anything else (a post that moves, a file that came or went, a cover image,
templates, config, an error) returns None: the caller runs a full build, which reuses every
cached render. Either way the output is what a clean build would write.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from . import clock, feeds
from .baseline import beyond, diagnostic_key
from .cache import BuildState, PageRecord, Summary
from .config import Config
from .content import Asset, SourceFile, parse_document, read_source
from .errors import Diagnostic, SourceError
from .jekyll.model import BODIES as LIQUID_BODIES
from .jekyll.model import FILE_READ, PAGES, POSTS, STATIC
from .meta import Meta, read_meta
from .output import Keep, Stat, build_lock, output_error
from .pages import BODIES, bodies_hash, facet_hashes, page_jobs, post_fact, render_pages
from .pipeline import (
    Built,
    _body_loader,
    _Entry,
    _feed_math,
    _feed_mathml,
    _feed_problems,
    _Findings,
    _page_math,
    _plan_renders,
    _Planned,
    _post,
    _render,
    build_site,
    document_record,
)
from .site import Body, IndexPage, Post, Site, Tag, TagPage, permalink_for, safe_url
from .survey import BuildOptions, fewer_collections, tell_stderr

T = TypeVar("T", TagPage, IndexPage)


@dataclass(frozen=True)
class Update:
    """What an update did, and the site it leaves."""

    built: Built
    written: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]
    documents_rendered: int
    pages_rendered: int
    full: bool = False  # a full build (the change needed more than an update)


def rebuild(options: BuildOptions, built: Built | None, changed: Sequence[str]) -> Update:
    """The site after a change: updated in place when the change allows it, else built again in full."""
    if built is not None:
        with fewer_collections():  # the kept site is large: a collection would walk all of it
            done = update(built, changed)
        if done is not None:
            return done
    report, following = build_site(options, keep=True)
    assert following is not None  # keep=True always says what the build knew
    written = report.publish.written + report.publish.removed
    return Update(following, written, report.diagnostics, report.documents_rendered, report.pages_rendered, True)


def update(built: Built, changed: Sequence[str]) -> Update | None:
    """Apply changed files (paths relative to the site) in place; None when a full build is needed."""
    if built.read.next_change is not None and clock_now(built) >= built.read.next_change:
        return None  # a post dated in the future is due now: the selection changes
    if _liquid_reads_site(built):
        return None  # Liquid that lists other documents: a full build knows which to render again
    if built.config.search:
        return None  # the search index is made from every page at publishing (see search.py)
    documents = {entry.item.rel: entry for entry in built.read.entries}
    assets = {asset.rel: asset for asset in built.survey.found.assets}
    site = built.assembled.site
    covers = {p.cover.src.lstrip("/") for p in (*site.posts, *site.pages) if p.cover and p.cover.local}
    edited: list[_Entry] = []
    copies: list[Asset] = []
    for rel in changed:
        if rel in documents:
            edited.append(documents[rel])
        elif rel in assets and assets[rel].out not in covers and assets[rel].path.is_file():
            copies.append(assets[rel])
        else:
            return None
    fresh = _reread(edited, built.config, built.planned.urls)
    if fresh is None:
        return None
    with build_lock(built.options.source, built.options.output_dir, tell_stderr):  # builds take turns
        result = _update_documents(built, fresh) if fresh else Update(built, (), (), 0, 0)
        if result is None:
            return None
        copied = tuple(_copy_asset(asset, built.options.output_dir) for asset in copies)
    return dataclasses.replace(result, written=result.written + copied)


def _liquid_reads_site(built: Built) -> bool:
    """Whether a document's Liquid read other documents (site.posts, site.pages, their bodies, static files) or a
    file through include_relative."""
    return any(_lists(plan.reads) for plan in built.rendered.plans)


def _lists(reads: tuple[str, ...]) -> bool:
    """Whether these Liquid reads depend on other files than the document's own."""
    return bool(set(reads) & LISTED) or any(r.startswith(FILE_READ) for r in reads)


LISTED = {POSTS, PAGES, LIQUID_BODIES, STATIC}


def clock_now(built: Built) -> dt.datetime:
    """Now, by the clock the build was asked to use."""
    return built.options.now or clock.now()


# What may not change in an update: what decides a document's place in the site (its URL, its
# position in the lists, its tags, whether it is published, its layout, its cover image).
SHAPE = ("kind", "date", "slug", "file_slug", "tags", "cover", "cover_alt", "layout", "permalink", "published", "draft")


def same_place(old: Meta, new: Meta, config: Config, urls: dict[str, str]) -> bool:
    """Whether an edited document keeps its place in the site (so only facts and bodies change)."""
    if any(getattr(old, name) != getattr(new, name) for name in SHAPE):
        return False
    try:
        return safe_url(permalink_for(new, config)) == urls[old.source]
    except ValueError:
        return False


def _reread(entries: Sequence[_Entry], config: Config, urls: dict[str, str]) -> list[_Entry] | None:
    """The edited documents read again; None if one cannot be read or moved in the site."""
    fresh = []
    for entry in entries:
        item = entry.item
        try:
            info = os.stat(item.path)
            source = read_source(item)
            meta = read_meta(parse_document(source), config.author, config.zone, config.excerpt_separator)
        except (OSError, SourceError):
            return None
        if not same_place(entry.meta, meta, config, urls):
            return None
        stat = (info.st_size, info.st_mtime_ns, info.st_ino)
        fresh.append(_Entry(meta, SourceFile(item.rel, item.file, stat), source.digest, source.text, None))
    return fresh


def _update_documents(built: Built, fresh: Sequence[_Entry]) -> Update | None:
    """Render the edited documents, rebuild the site around them and the pages that changed."""
    config, findings = built.config, _Findings()
    maybe = _plan_renders(fresh, built.planned.urls, config, findings, built.planned.liquid)
    planned = [plan for plan in maybe if plan is not None]
    if len(planned) != len(maybe) or any(_lists(plan.reads) for plan in planned):
        return None  # its Liquid now lists other documents
    render = _page_math(config)
    summaries, rendered = _render(fresh, planned, built.cache, config, render, 1, None)
    for summary in summaries:
        findings.add(summary.diagnostics)
    if _stops(built.options, findings.items):
        return None  # a full build reports the errors the way it always does
    tags = {slug: Tag(name, slug) for slug, name in built.planned.names.items()}
    assembled = built.assembled
    replaced: dict[str, Post] = {}
    for entry, plan, summary in zip(fresh, planned, summaries, strict=True):
        old = _find(assembled.site, entry.meta.source)
        body = Body(_body_loader(built.cache, plan.key, render))
        url = built.planned.urls[entry.meta.source]
        replaced[entry.meta.source] = _post(entry.meta, plan.key, summary, url, tags, old.cover, built.now, body)
    site = _replace_posts(assembled.site, replaced)
    facts = {**assembled.facts, **{source: post_fact(post) for source, post in replaced.items()}}
    if all(facts[source] == assembled.facts[source] for source in replaced):  # listings show the same
        hashes = {**assembled.hashes, BODIES: bodies_hash(site)}
    else:
        hashes = facet_hashes(site, facts)
    feed = _feed_finish(built, site, set(replaced), findings)
    if _stops(built.options, findings.items):
        return None
    outputs = _affected(built, site, set(replaced), {n for n in hashes if hashes[n] != assembled.hashes.get(n)})
    pages = _render_affected(built, site, facts, hashes, outputs, feed)
    if pages is None:
        return None
    written, records, pages_rendered = pages
    state = _next_state(built, fresh, planned, summaries, replaced, records)
    entries = {e.item.rel: e for e in fresh}
    plans = {e.item.rel: p for e, p in zip(fresh, planned, strict=True)}
    kept = built.read.entries
    read = dataclasses.replace(built.read, entries=tuple(entries.get(e.item.rel, e) for e in kept))
    renders = built.rendered
    summary_of = {e.item.rel: s for e, s in zip(fresh, summaries, strict=True)}
    rendered_now = dataclasses.replace(
        renders,
        plans=tuple(plans.get(e.item.rel, p) for e, p in zip(kept, renders.plans, strict=True)),
        summaries=tuple(summary_of.get(e.item.rel, s) for e, s in zip(kept, renders.summaries, strict=True)),
    )
    following = dataclasses.replace(
        built,
        read=read,
        rendered=rendered_now,
        assembled=dataclasses.replace(assembled, site=site, facts=facts, hashes=hashes),
        state=state,
    )
    return Update(following, written, tuple(findings.items), rendered, pages_rendered)


def _stops(options: BuildOptions, found: Sequence[Diagnostic]) -> bool:
    """Whether these diagnostics fail the build: an error, or (--strict) a warning the baseline does not accept."""
    if any(d.severity == "error" for d in found):
        return True
    return options.strict and bool(beyond(found, diagnostic_key, options.accepted))


def _replace_posts(site: Site, replaced: dict[str, Post]) -> Site:
    """The site with some posts and pages replaced by ones of the same URL, date and tags (so the same
    order, tags, years and pagination: only the objects change)."""

    old = {id(p) for p in (*site.posts, *site.pages) if p.source in replaced}

    def swap(posts: tuple[Post, ...]) -> tuple[Post, ...]:
        if old.isdisjoint(map(id, posts)):  # most lists do not hold an edited post
            return posts
        return tuple(replaced.get(p.source, p) for p in posts)

    def swapped(holder: T) -> T:
        posts = swap(holder.posts)
        return holder if posts is holder.posts else dataclasses.replace(holder, posts=posts)

    return dataclasses.replace(
        site,
        posts=swap(site.posts),
        pages=swap(site.pages),
        tags=tuple(swapped(t) for t in site.tags),
        index_pages=tuple(swapped(i) for i in site.index_pages),
        years=tuple((year, swap(posts)) for year, posts in site.years),
    )


def _find(site: Site, source: str) -> Post:
    """A post or page of the site by its source."""
    if source in site.positions:
        return site.posts[site.positions[source]]
    return next(page for page in site.pages if page.source == source)


def _affected(built: Built, site: Site, sources: set[str], facets: set[str]) -> set[str]:
    """The outputs whose fingerprint may have moved: those built from these documents' facts, and
    those whose template read a part of the site that changed."""
    outputs = {"feed.xml", "sitemap.xml"}
    for source in sources:
        post = _find(site, source)
        outputs.add(post.output)
        if post.kind == "post":
            outputs.update(p.output for p in site.neighbours(post) if p is not None)
    outputs.update(i.output for i in site.index_pages if any(p.source in sources for p in i.posts))
    outputs.update(t.output for t in site.tags if any(p.source in sources for p in t.posts))
    outputs.update(out for out, record in built.state.pages.items() if facets.intersection(record.facets))
    return outputs


def _feed_finish(built: Built, site: Site, sources: set[str], findings: _Findings) -> feeds.Finish:
    """The feed's math: converted now when an edited post is in the feed (what it cannot show is
    reported, as a build does), else only if the feed is rendered again."""
    if any(p.source in sources for p in site.posts[: site.config.feed_entries]):
        converted = _feed_mathml(site, built.cache, 1)
        findings.add(_feed_problems(site, built.cache, converted))
        return _feed_math(built.cache, converted)
    later = functools.cache(lambda: _feed_mathml(site, built.cache, 1))
    return lambda post: _feed_math(built.cache, later())(post)


def _render_affected(
    built: Built, site: Site, facts: dict[str, str], hashes: dict[str, str], outputs: set[str], feed: feeds.Finish
) -> tuple[tuple[str, ...], dict[str, PageRecord], int] | None:
    """Render the pages whose fingerprint moved and write those whose bytes changed."""
    output = built.options.output_dir
    jobs = page_jobs(site, built.assembled.env, facts, feed, outputs)
    current = {job.output: _stat(output / job.output) for job in jobs}
    present = {rel: stat for rel, stat in current.items() if stat is not None}
    results = render_pages(site, jobs, facts, built.state, present, 1, output, None, None, hashes)
    if results.diagnostics:
        return None
    if not all(isinstance(content, bytes | Keep) for content in results.files.values()):
        return None
    pages = {rel: content for rel, content in results.files.items() if isinstance(content, bytes)}
    write_pages(output, pages)
    written: list[str] = []
    records: dict[str, PageRecord] = {}
    for rel, content in sorted(results.files.items()):
        record = results.records[rel]
        if isinstance(content, bytes):
            written.append(rel)
            stat = _stat(output / rel)
        else:
            stat = present.get(rel)
        if stat is None:
            return None  # gone while we looked: let a full build sort it out
        records[rel] = PageRecord(record.fingerprint, record.facets, stat[0], stat[1])
    return tuple(written), records, results.rendered


def write_pages(output: Path, pages: Mapping[str, bytes]) -> None:
    """Write pages into the output all or none: each to a file of its own beside its place, then each
    renamed into place. A write that fails (a full disk, a read-only folder) removes what was written and
    raises OutputError, the output as it was."""
    temps: dict[str, str] = {}
    try:
        for rel, data in sorted(pages.items()):
            target = output / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temps[rel] = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
        for rel, temp in temps.items():
            os.replace(temp, output / rel)
    except OSError as exc:
        for temp in temps.values():
            Path(temp).unlink(missing_ok=True)
        raise output_error(exc, output, sum(map(len, pages.values()))) from None


def _stat(path: Path) -> Stat | None:
    """(size, mtime_ns, inode) of a file, or None."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_size, info.st_mtime_ns, info.st_ino


def _next_state(
    built: Built,
    fresh: Sequence[_Entry],
    planned: Sequence[_Planned],
    summaries: Sequence[Summary],
    posts: Mapping[str, Post],
    records: dict[str, PageRecord],
) -> BuildState:
    """The build state with the edited documents and the pages just checked or written."""
    config_key = built.config.fingerprint()
    documents = dict(built.state.documents)
    for entry, plan, summary in zip(fresh, planned, summaries, strict=True):
        documents[entry.meta.source] = document_record(entry, plan, summary, config_key, posts[entry.meta.source])
    return BuildState(documents, {**built.state.pages, **records}, built.state.images)


def _copy_asset(asset: Asset, output: Path) -> str:
    """Copy a changed static file into the output (atomically); its output path."""
    target = output / asset.out
    temp = ""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        os.close(handle)
        shutil.copy2(asset.path, temp)
        os.replace(temp, target)
    except OSError as exc:
        if temp:
            Path(temp).unlink(missing_ok=True)
        raise output_error(exc, output, asset.path.stat().st_size) from None
    return asset.out
