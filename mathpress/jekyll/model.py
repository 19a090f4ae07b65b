"""Jekyll's site model: Metas, URLs and (later) rendered bodies → the `site`, `page` and `jekyll` Liquid reads.

As in Jekyll 4.3: `site.posts` (newest first), `site.tags`, `site.categories`, `site.pages`,
`site.html_pages`, `site.collections`, `site.COLLECTION`, `site.documents`, `site.static_files`,
`site.related_posts`, `site.time`, and on each document `url`, `title`, `date`, `excerpt`,
`content`, `tags`, `categories`, `previous`/`next`, `id`, `path` and its front matter.

Every value is worked out when Liquid asks for it, and the asking is recorded (`reads_during`): a
document's Liquid is rendered again only when a part of the site it read has changed. Rendered
bodies (`content`, `excerpt`) exist only once the documents that are not waiting for them are
rendered: asking before raises BodiesNeeded, and the pipeline renders that document after them,
as Jekyll renders pages after posts.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from ..config import LiquidConfig
from ..meta import Meta
from .files import NO_FILES, LiquidFiles

JEKYLL_VERSION = "4.3.1"  # the Jekyll whose rules mathpress follows (the recorded truths are 4.3.1's)
POSTS, PAGES, BODIES, STATIC, TIME = "posts", "pages", "bodies", "static_files", "time"
FILE_READ = "file:"  # + a site path: a file an include_relative read
LINKS = "links"  # the site's files and URLs, for links written relative to the document
FACETS = (POSTS, PAGES, BODIES, STATIC, TIME)
RELATED_POSTS = 10  # Jekyll's related_posts without LSI: the ten newest other posts
T = TypeVar("T")
_READS: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("liquid_reads", default=None)


class BodiesNeeded(Exception):
    """Liquid asked for a rendered body before bodies exist: render this document after the others."""


def note_read(facet: str) -> None:
    """Record that the Liquid being rendered read this part of the site (or, FILE_READ + path, this file)."""
    _note(facet)


def _note(facet: str) -> None:
    """Record that the Liquid being rendered read this part of the site."""
    reads = _READS.get()
    if reads is not None:
        reads.add(facet)


@contextlib.contextmanager
def reads_during() -> Iterator[set[str]]:
    """The parts of the site (FACETS) that Liquid read while the block ran."""
    reads: set[str] = set()
    token = _READS.set(reads)
    try:
        yield reads
    finally:
        _READS.reset(token)


@dataclass(frozen=True)
class ModelDocument:
    """What Liquid may know of one document before anything is rendered."""

    meta: Meta
    url: str
    collection: str  # "posts", a collection's label, or "" for a page
    jekyll_path: str  # the path Jekyll knew it by (front matter `jekyll_path`), else our source


Bodies = Callable[[str], tuple[str, str] | None]  # source → (content HTML, excerpt HTML), or None: not rendered


def no_bodies(source: str) -> tuple[str, str] | None:
    """Before any document is rendered."""
    raise BodiesNeeded(source)


@dataclass(frozen=True)
class StaticFile:
    """A file copied as it is, as Jekyll's `site.static_files` lists it."""

    path: str  # /assets/x.png
    modified: dt.datetime


@dataclass(frozen=True)
class SiteModel:
    """Everything `site` holds besides the configuration: documents, static files, the build's time."""

    documents: tuple[ModelDocument, ...]
    zone: dt.tzinfo
    now: dt.datetime
    static_files: tuple[StaticFile, ...] = ()
    bodies: Bodies = no_bodies
    raw: Callable[[str], str] = field(default=lambda source: "")  # a document's text before rendering
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def with_bodies(self, bodies: Bodies, raw: Callable[[str], str]) -> SiteModel:
        """The same site, where rendered bodies can now be read (bodies missing there fall back to raw text)."""
        return SiteModel(self.documents, self.zone, self.now, self.static_files, bodies, raw)

    def posts(self) -> list[DocumentDrop]:
        """Published posts, newest first (Jekyll: date, then path, descending)."""
        return self._memo("posts", lambda: [self.drop(d) for d in reversed(self._posts_in_order())])

    def _posts_in_order(self) -> list[ModelDocument]:
        """Posts oldest first, as Jekyll's posts collection holds them."""
        return self._memo("ordered", lambda: sorted(self._of("posts"), key=_date_key))

    def _of(self, collection: str) -> list[ModelDocument]:
        return [d for d in self.documents if d.collection == collection]

    def drop(self, document: ModelDocument) -> DocumentDrop:
        """The one drop of a document (drops refer to each other through previous/next)."""
        key = "drop:" + document.meta.source
        if key not in self._cache:
            self._cache[key] = DocumentDrop(self, document)
        result: DocumentDrop = self._cache[key]
        return result

    def neighbours(self, document: ModelDocument) -> tuple[DocumentDrop | None, DocumentDrop | None]:
        """(previous: older, next: newer) within the document's collection."""
        if not document.collection:
            return None, None
        ordered = (
            self._posts_in_order()
            if document.collection == POSTS
            else sorted(self._of(document.collection), key=_date_key)
        )
        index = next((i for i, d in enumerate(ordered) if d.meta.source == document.meta.source), -1)
        if index < 0:
            return None, None
        older = self.drop(ordered[index - 1]) if index > 0 else None
        newer = self.drop(ordered[index + 1]) if index + 1 < len(ordered) else None
        return older, newer

    def pages(self) -> list[DocumentDrop]:
        """Pages (not collection documents), by path."""
        return self._memo("pages", lambda: [self.drop(d) for d in self._of("")])

    def collections(self) -> dict[str, list[DocumentDrop]]:
        """Each collection's documents, oldest first (posts included)."""

        def make() -> dict[str, list[DocumentDrop]]:
            labels = sorted({d.collection for d in self.documents if d.collection})
            found = {label: [self.drop(d) for d in sorted(self._of(label), key=_date_key)] for label in labels}
            found.setdefault(POSTS, [])
            return found

        return self._memo("collections", make)

    def grouped(self, field_name: str) -> dict[str, list[DocumentDrop]]:
        """site.tags or site.categories: each name as written → its posts, newest first."""

        def make() -> dict[str, list[DocumentDrop]]:  # Jekyll: names in the order the oldest posts first use them
            groups: dict[str, list[DocumentDrop]] = {}
            for document in self._posts_in_order():
                meta = document.meta
                for name in dict.fromkeys(meta.tags if field_name == "tags" else meta.categories):
                    groups.setdefault(name, []).append(self.drop(document))
            return {name: posts[::-1] for name, posts in groups.items()}

        return self._memo(field_name, make)

    def _memo(self, key: str, make: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = make()
        found: T = self._cache[key]
        return found


def _date_key(document: ModelDocument) -> tuple[dt.datetime, str]:
    date = document.meta.date or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return date, document.jekyll_path


class DocumentDrop(Mapping[str, Any]):
    """One post, page or collection document as Liquid sees it (Jekyll's DocumentDrop / Page#to_liquid)."""

    def __init__(self, model: SiteModel, document: ModelDocument) -> None:
        self.model = model
        self.document = document

    def _facet(self) -> str:
        return POSTS if self.document.collection == POSTS else PAGES

    def __getitem__(self, key: str) -> Any:
        if key in ("content", "excerpt", "output"):
            _note(BODIES)
            return self._body(key)
        _note(self._facet())
        own = _OWN.get(key)
        if own is not None:
            return own(self)
        front = self.document.meta.front
        if key in front:
            return front[key]
        raise KeyError(key)

    def _body(self, key: str) -> Any:
        source = self.document.meta.source
        done = self.model.bodies(source)
        if done is None:  # a document that waits for bodies itself: its text as written, as Jekyll shows it
            return self.model.raw(source) if key != "excerpt" else ""
        content, excerpt = done
        return excerpt if key == "excerpt" else content

    def __iter__(self) -> Iterator[str]:
        _note(self._facet())
        return iter(dict.fromkeys([*self.document.meta.front, *_OWN, "content", "excerpt"]))

    def __len__(self) -> int:
        return len(list(iter(self)))

    def __repr__(self) -> str:
        return f"DocumentDrop({self.document.meta.source})"

    def __str__(self) -> str:  # Jekyll prints a document's content (`{{ post }}`)
        return str(self["content"])


def _meta_date(drop: DocumentDrop) -> dt.datetime | None:
    date = drop.document.meta.date
    return date.astimezone(drop.model.zone) if date else None


def _jekyll_id(drop: DocumentDrop) -> str:
    """Jekyll's document id: its URL without the trailing `/` or extension."""
    url = drop.document.url
    return url.rstrip("/") if url.endswith("/") else str(PurePosixPath(url).with_suffix(""))


def _name(drop: DocumentDrop) -> str:
    return PurePosixPath(drop.document.jekyll_path).name


_OWN: dict[str, Callable[[DocumentDrop], Any]] = {
    "url": lambda d: d.document.url,
    "title": lambda d: d.document.meta.title,
    "date": _meta_date,
    "tags": lambda d: list(d.document.meta.tags),
    "categories": lambda d: list(d.document.meta.categories),
    "id": _jekyll_id,
    "path": lambda d: d.document.jekyll_path,
    "relative_path": lambda d: d.document.jekyll_path,
    "name": _name,
    "slug": lambda d: d.document.meta.slug,
    "ext": lambda d: PurePosixPath(d.document.jekyll_path).suffix,
    "collection": lambda d: d.document.collection or None,
    "draft": lambda d: d.document.meta.draft,
    "layout": lambda d: d.document.meta.front.get("jekyll_layout") or d.document.meta.layout or None,
    "previous": lambda d: d.model.neighbours(d.document)[0],
    "next": lambda d: d.model.neighbours(d.document)[1],
    "dir": lambda d: d.document.url if d.document.url.endswith("/") else d.document.url.rsplit("/", 1)[0] + "/",
}


class StaticDrop(Mapping[str, Any]):
    """A static file as Liquid sees it (Jekyll's StaticFile#to_liquid)."""

    def __init__(self, item: StaticFile) -> None:
        self.item = item

    def __getitem__(self, key: str) -> Any:
        path = PurePosixPath(self.item.path)
        values = {
            "path": self.item.path,
            "name": path.name,
            "basename": path.stem,
            "extname": path.suffix,
            "modified_time": self.item.modified,
            "collection": None,
        }
        return values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(("path", "name", "basename", "extname", "modified_time", "collection"))

    def __len__(self) -> int:
        return 6


class SiteDrop(Mapping[str, Any]):
    """Liquid's `site`: the configuration's values and the model's documents, each read recorded."""

    def __init__(self, values: Mapping[str, Any], model: SiteModel | None, page: ModelDocument | None = None) -> None:
        self.config_values = values
        self.model = model
        self.page = page

    def __getitem__(self, key: str) -> Any:
        model = self.model
        if model is not None:
            found = self._from_model(model, key)
            if found is not _MISSING:
                return found
        return self.config_values[key]

    def _from_model(self, model: SiteModel, key: str) -> Any:
        """A value the documents make, or _MISSING."""
        collections = None
        if key in ("posts", "tags", "categories", "related_posts"):
            _note(POSTS)
            if key == "posts":
                return model.posts()
            if key == "related_posts":
                own = self.page.meta.source if self.page else ""
                return [p for p in model.posts() if p.document.meta.source != own][:RELATED_POSTS]
            return model.grouped(key)
        if key in ("pages", "html_pages"):
            _note(PAGES)
            return model.pages()
        if key == "static_files":
            _note(STATIC)
            return [StaticDrop(s) for s in model.static_files]
        if key == "time":
            _note(TIME)
            return model.now.astimezone(model.zone)
        if key in ("collections", "documents") or key not in self.config_values:
            _note(PAGES)
            _note(POSTS)
            collections = model.collections()
        if key == "collections":
            return [_collection_drop(label, docs) for label, docs in (collections or {}).items()]
        if key == "documents":
            return [d for label, docs in (collections or {}).items() if label != POSTS for d in docs]
        if collections is not None and key in collections and key != POSTS:
            return collections[key]
        return _MISSING

    def __iter__(self) -> Iterator[str]:
        keys = [*self.config_values, "posts", "tags", "categories", "pages", "html_pages", "static_files", "time"]
        return iter(dict.fromkeys(keys))

    def __len__(self) -> int:
        return len(list(iter(self)))


_MISSING = object()


def _collection_drop(label: str, docs: Sequence[DocumentDrop]) -> dict[str, Any]:
    """A collection as `site.collections` lists it."""
    return {"label": label, "docs": list(docs), "files": [], "output": True, "relative_directory": f"_{label}"}


def model_documents(metas: Sequence[Meta], urls: Mapping[str, str]) -> tuple[ModelDocument, ...]:
    """The documents Liquid may list: every published one with a URL, its collection from the import."""
    found = []
    for meta in metas:
        if meta.source not in urls:
            continue
        label = "posts" if meta.kind == "post" else str(meta.front.get("collection") or "")
        path = str(meta.front.get("jekyll_path") or meta.source)
        found.append(ModelDocument(meta, urls[meta.source], label, path))
    return tuple(found)


def page_drop(model: SiteModel | None, source: str, fallback: Mapping[str, Any]) -> Mapping[str, Any]:
    """Liquid's `page` for one document: its drop (with previous/next and the rest), over what the
    pipeline knows of it."""
    if model is None:
        return fallback
    document = next((d for d in model.documents if d.meta.source == source), None)
    if document is None:
        return fallback
    return _PageView(model.drop(document), fallback)


class _PageView(Mapping[str, Any]):
    """The document's own drop for `page`, the pipeline's values first; its own body is its text as
    written (Jekyll's `page.content` while the page renders)."""

    def __init__(self, drop: DocumentDrop, fallback: Mapping[str, Any]) -> None:
        self.drop = drop
        self.fallback = fallback

    def __getitem__(self, key: str) -> Any:
        if key in self.fallback:
            return self.fallback[key]
        if key in ("content", "output"):
            return self.drop.model.raw(self.drop.document.meta.source)
        if key == "excerpt":
            return ""
        if key in ("previous", "next"):
            _note(POSTS)
        return _OWN[key](self.drop) if key in _OWN else self.drop.document.meta.front[key]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self.fallback, *self.drop.document.meta.front, *_OWN]))

    def __len__(self) -> int:
        return len(list(iter(self)))


@dataclass(frozen=True)
class LiquidContext:
    """The values Liquid in a post may ask for."""

    url: str  # the site's scheme and host, without a trailing slash
    base_url: str  # "/" or "/repo/"
    site: Mapping[str, Any] = field(default_factory=dict)
    page: Mapping[str, Any] = field(default_factory=dict)
    post_urls: Mapping[str, str] = field(default_factory=dict)  # file stem → URL path
    files: LiquidFiles = NO_FILES
    document_urls: Mapping[str, str] = field(default_factory=dict)  # source path → URL path
    model: SiteModel | None = None  # the site's documents (site.posts, site.tags, …)
    root: Path | None = None  # the site's folder (include_relative reads beside the document)
    link_targets: Mapping[str, str] = field(default_factory=dict)  # site path → URL, for relative links
    settings: LiquidConfig = field(default_factory=LiquidConfig)
    environment: str = "production"  # jekyll.environment: `build` is production, `serve` development

    def relative(self, path: str) -> str:
        """A site path under the base URL (Jekyll's relative_url)."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", path):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def absolute(self, path: str) -> str:
        """A full URL (Jekyll's absolute_url)."""
        relative = self.relative(path)
        return relative if "://" in relative else self.url + relative
