"""Pages: Site → output files, rendering only the pages whose inputs changed.

Every page has a fingerprint: the templates, the config, the facts of what its context
holds (its post and neighbours, its page of the index, its tag), and the hash of each part
of the site its template read through `site` (recorded while rendering: a template that
reads `site.posts` depends on every post; the default post layout reads only
`site.pages`). A page whose fingerprint and file are as the last build left them is kept
as it is, not rendered.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import __version__, feeds, templates
from .cache import BuildState, PageRecord, digest
from .content import template_dirs
from .errors import Diagnostic, error
from .output import KEEP, Keep, Pending, Stat
from .site import BODIES_READ, IndexPage, Post, Site, TagPage
from .workers import Progress, forked_calls

FACETS = ("posts", "pages", "tags", "years", "index_pages")
BODIES = "bodies"  # recorded when a page reads the body of a post other than its own


@dataclass(frozen=True)
class PageJob:
    """One page to produce: its file, how to render it, and the facts of its own context."""

    output: str
    own: str
    render: Callable[[SiteView], bytes]
    label: str
    body: str = ""  # the post whose body the page may read without depending on every body (in `own`)


class SiteView:
    """The `site` a template sees: the Site, recording which of its parts the page read."""

    def __init__(self, site: Site) -> None:
        self._site = site
        self.seen: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        if name in FACETS:
            self.seen.add(name)
        elif name == "neighbours":
            self.seen.add("posts")
        return getattr(self._site, name)


# -- facts -----------------------------------------------------------------------------------


def post_fact(post: Post, own: str = "") -> str:
    """A hash of everything a template can read from a post but its body (pages that read bodies
    depend on render keys: their own post's, or every post's through the `bodies` facet).

    `own` is the post's document_fact when the build state kept it; the rest is where the site put
    the post (its URL, its tags' slugs, whether it is due) and its cover's picture."""
    cover = post.cover
    placed = [
        post.url,
        post.output,
        [[t.name, t.slug] for t in post.tags],
        post.future,
        [
            cover.src,
            cover.alt,
            cover.width,
            cover.height,
            cover.mime,
            [[v.out, v.width, v.mime] for v in cover.variants],
        ]
        if cover
        else None,
    ]
    return digest(own or document_fact(post), repr(placed))


def document_fact(post: Post) -> str:
    """The part of a post's fact that comes from its document alone (its front matter and its render),
    so the build state can keep it with the document's record."""
    fields = [
        post.source,
        post.kind,
        post.title,
        post.title_html,
        post.date.isoformat() if post.date else "",
        list(post.categories),
        post.author,
        post.layout,
        post.draft,
        post.description,
        post.reading_minutes,
        post.has_math,
        post.front,
    ]
    # repr: a deterministic text of dates, dicts and tuples alike, and fast; the excerpt (with its typeset
    # math, kilobytes) is hashed as it is, which costs a fifth of its repr
    return digest(repr(fields), post.excerpt)


def facet_hashes(site: Site, facts: Mapping[str, str]) -> dict[str, str]:
    """The hash of each part of the site a template may read through `site`."""

    def of(posts: Iterable[Post]) -> list[str]:
        return [facts[p.source] for p in posts]

    return {
        "posts": digest(*of(site.posts)),
        "pages": digest(*of(site.pages)),
        "tags": digest(json.dumps([[t.tag.name, t.tag.slug, of(t.posts)] for t in site.tags])),
        "years": digest(json.dumps([[year, of(posts)] for year, posts in site.years])),
        "index_pages": digest(json.dumps([[i.url, of(i.posts)] for i in site.index_pages])),
        BODIES: bodies_hash(site),
    }


def bodies_hash(site: Site) -> str:
    """The hash of every post's and page's body (their render keys)."""
    return digest(*(p.render_key for p in (*site.posts, *site.pages)))


def template_fingerprint(site: Site) -> str:
    """A hash of every template file, the config and the version."""
    parts = [__version__, site.config.fingerprint()]
    for folder in template_dirs(site.config.root):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                parts += [str(path.relative_to(folder)), path.read_bytes().decode("utf-8", "replace")]
    return digest(*parts)


# -- jobs ------------------------------------------------------------------------------------


def page_jobs(
    site: Site,
    env: jinja2.Environment,
    facts: Mapping[str, str],
    feed: feeds.Finish,
    only: Container[str] | None = None,
) -> list[PageJob]:
    """Every page the site writes (or `only` those with these outputs), with how to render it."""

    def wanted(output: str) -> bool:
        return only is None or output in only

    known = set(templates.known_layouts(site.config.root))
    jobs = [_post_job(site, env, post, facts, known) for post in (*site.posts, *site.pages) if wanted(post.output)]
    jobs += [_index_job(env, index, facts) for index in site.index_pages if _generated(site, index.output, wanted)]
    jobs += [_tag_job(env, page, facts) for page in site.tags if _generated(site, page.output, wanted)]
    for name, output in (
        ("tags.html", "tags/index.html"),
        ("archive.html", "archive/index.html"),
        ("404.html", "404.html"),
        *((("search.html", "search/index.html"),) if site.config.search else ()),
    ):
        if _generated(site, output, wanted):
            render = _template(env, name, lambda view: templates.plain_context(view))
            jobs.append(PageJob(output, name, render, f"templates/{name}"))
    if wanted("feed.xml"):
        newest = digest(*(facts[p.source] + p.render_key for p in site.posts[: site.config.feed_entries]))
        jobs.append(PageJob("feed.xml", newest, lambda view: feeds.atom_feed(site, feed), "feed.xml"))
    if wanted("sitemap.xml"):
        jobs.append(PageJob("sitemap.xml", _sitemap_inputs(site), lambda view: feeds.sitemap(site), "sitemap.xml"))
    return jobs


def _generated(site: Site, output: str, wanted: Callable[[str], bool]) -> bool:
    """Whether to render a generated listing: asked for, and not replaced by a post or page at its URL."""
    return wanted(output) and site.generates(output)


def _sitemap_inputs(site: Site) -> str:
    """A hash of what the sitemap shows: every URL, and the dates of posts and pages."""
    dated = [p.url + " " + (p.date.isoformat() if p.date else "") for p in (*site.posts, *site.pages)]
    return digest(*dated, *(i.url for i in site.index_pages), *(t.url for t in site.tags))


def _template(
    env: jinja2.Environment, name: str, context: Callable[[SiteView], dict[str, Any]]
) -> Callable[[SiteView], bytes]:
    """A renderer of one template with a context made from the recording site view."""
    return lambda view: env.get_template(name).render(context(view)).encode("utf-8")


def _post_job(site: Site, env: jinja2.Environment, post: Post, facts: Mapping[str, str], known: set[str]) -> PageJob:
    layout = post.layout if post.layout in known else post.kind
    older, newer = site.neighbours(post) if post.kind == "post" else (None, None)
    own = digest(layout, facts[post.source], post.render_key, *(facts[p.source] if p else "" for p in (older, newer)))
    render = _template(env, f"{layout}.html", lambda view: templates.post_context(view, post, older, newer))
    return PageJob(post.output, own, render, post.source, post.source)


def _index_job(env: jinja2.Environment, index: IndexPage, facts: Mapping[str, str]) -> PageJob:
    own = digest("index", str(index.number), str(index.total), *(facts[p.source] for p in index.posts))
    render = _template(env, "index.html", lambda view: templates.index_context(view, index))
    return PageJob(index.output, own, render, "templates/index.html")


def _tag_job(env: jinja2.Environment, tag_page: TagPage, facts: Mapping[str, str]) -> PageJob:
    own = digest("tag", tag_page.tag.name, tag_page.tag.slug, *(facts[p.source] for p in tag_page.posts))
    render = _template(env, "tag.html", lambda view: templates.tag_context(view, tag_page))
    return PageJob(tag_page.output, own, render, "templates/tag.html")


# -- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageResults:
    """The pages' contents (bytes, or KEEP), how many were rendered, and any template errors."""

    files: dict[str, bytes | Keep | Pending]
    records: dict[str, PageRecord]  # provisional: sizes and times are filled in after publishing
    rendered: int
    diagnostics: tuple[Diagnostic, ...]


def render_pages(
    site: Site,
    jobs: list[PageJob],
    facts: Mapping[str, str],
    state: BuildState,
    current: Mapping[str, Stat],
    workers: int,
    output: Path,
    pending: Path | None,
    progress: Progress | None = None,
    hashes: Mapping[str, str] | None = None,
) -> PageResults:
    """Render each job whose fingerprint changed (across forked workers when many); keep the others.

    `hashes` are the site's facet hashes when the caller has them already."""
    base = template_fingerprint(site)
    hashes = facet_hashes(site, facts) if hashes is None else hashes
    files: dict[str, bytes | Keep | Pending] = {}
    records: dict[str, PageRecord] = {}
    todo: list[PageJob] = []
    for job in jobs:
        record = state.pages.get(job.output)
        if (
            record
            and _fingerprint(base, job, record.facets, hashes) == record.fingerprint
            and _intact(current, job, record)
        ):
            files[job.output], records[job.output] = KEEP, record
        else:
            todo.append(job)
    notes: list[Diagnostic] = []
    tick = progress.stage("pages", len(todo)) if progress else None
    calls = [functools.partial(_render_one, site, job, output, pending) for job in todo]
    outcomes = forked_calls(calls, workers, tick)
    for job, (content, seen, problem) in zip(todo, outcomes, strict=True):
        if problem is not None:
            notes.append(problem)
            continue
        files[job.output] = content
        records[job.output] = PageRecord(_fingerprint(base, job, seen, hashes), seen, 0, 0)
    return PageResults(files, records, len(todo), tuple(notes))


Outcome = tuple[bytes | Keep | Pending, tuple[str, ...], Diagnostic | None]


def _render_one(site: Site, job: PageJob, output: Path, pending: Path | None) -> Outcome:
    """Render one page: KEEP if the output already holds these bytes, else the new content
    (written to a pending file when there is a folder for them, so it need not travel back
    from a worker); the parts of the site it read; or the template error."""
    view = SiteView(site)
    reads: set[str] = set()
    token = BODIES_READ.set(reads)
    try:
        content = job.render(view)
    except jinja2.TemplateError as exc:
        return b"", (), _template_error(exc, job)
    finally:
        BODIES_READ.reset(token)
    seen = tuple(sorted(view.seen | ({BODIES} if reads - {job.body} else set())))
    if _holds(output / job.output, content):
        return KEEP, seen, None
    if pending is None:
        return content, seen, None
    target = pending / job.output
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    return Pending(target), seen, None


def _holds(path: Path, content: bytes) -> bool:
    """Whether a file holds exactly these bytes."""
    try:
        return bool(path.stat().st_size == len(content) and path.read_bytes() == content)
    except OSError:
        return False


def _fingerprint(base: str, job: PageJob, facets: tuple[str, ...], hashes: Mapping[str, str]) -> str:
    return digest(base, job.output, job.own, *(f"{name}={hashes.get(name, '?')}" for name in facets))


def _intact(current: Mapping[str, Stat], job: PageJob, record: PageRecord) -> bool:
    """Whether the file is still what the last build wrote (same size and modification time)."""
    stat = current.get(job.output)
    return stat is not None and stat[0] == record.size and stat[1] == record.mtime_ns


def _template_error(exc: jinja2.TemplateError, job: PageJob) -> Diagnostic:
    """A template failure as `templates/x.html:LINE: message (while rendering SOURCE)`."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(f"templates/{exc.name or '?'}", exc.lineno, 0, exc.message or "template syntax error")
    return error(job.label, 0, 0, f"template error: {exc.message or exc}")


def record_written(results: PageResults, manifest: Mapping[str, tuple[int, int]]) -> dict[str, PageRecord]:
    """Page records with the size and time of the files as published."""
    return {
        rel: PageRecord(record.fingerprint, record.facets, *manifest[rel])
        for rel, record in results.records.items()
        if rel in manifest
    }
