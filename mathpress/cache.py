"""Cache: what earlier builds learned, kept in SITE/.mathpress-cache/ and never trusted blindly.

- render/  one JSON file per rendered document (HTML, TOC, math spans), keyed by a hash of
           everything that affects the render (RenderInput, Markdown settings, versions);
- state.json  the last build's validated front matter (by file digest + config), a small
           summary of each render, the fingerprint of every page written, image facts.

Everything is plain JSON read back field by field: a corrupt, truncated or foreign file is
ignored (and rebuilt), never executed (no pickle).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import Diagnostic
from .meta import Meta

if TYPE_CHECKING:  # the render's modules load Markdown: imported where a render is read, so that the
    # survey (which reads only the stamp) starts without them (see survey.py)
    from .markup import Rendered, RenderInput

CACHE_DIR = ".mathpress-cache"
FORMAT = 10  # 10: MathJax's MathML and SVG on spans, titles rendered with the body; what Liquid read of the site
# 8: kramdown raw containers and unused footnotes (renders differ); 7: MathML TeX on spans


def digest(*parts: str | bytes) -> str:
    """A SHA-256 hex digest of several strings or byte strings."""
    hashed = hashlib.sha256()
    for part in parts:  # each part with its length in front
        data = part.encode() if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "little"))
        hashed.update(data)
    return hashed.hexdigest()


def render_key(job: RenderInput) -> str:
    """The cache key of one render: everything that can change its result."""
    from .markup import MARKDOWN_SETTINGS

    fixed = json.dumps([getattr(job, f.name) for f in fields(job) if f.name != "body"])  # every field, by design
    return digest(str(FORMAT), __version__, MARKDOWN_SETTINGS, fixed, job.body)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that a half-written one never appears."""
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except FileNotFoundError:  # the folder is made only when missing (a mkdir per write cost a cold build 5%)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except OSError as error:  # a full disk: no temp file left holding space, and the file named
        Path(temp).unlink(missing_ok=True)
        if error.filename is None:
            error.filename = str(path)
        raise


# -- rendered documents ----------------------------------------------------------------------


class RenderCache:
    """Rendered documents: in memory for this build, on disk under render/ across builds."""

    def __init__(self, root: Path | None) -> None:
        self.folder = root / CACHE_DIR / "render" if root else None
        self.memory: dict[str, Rendered] = {}

    def _path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key}.json" if self.folder else None

    def get(self, key: str) -> Rendered | None:
        """A stored result, or None when missing or not trustworthy."""
        if key in self.memory:
            return self.memory[key]
        path = self._path(key)
        if path is None:
            return None
        try:
            return rendered_from_json(json.loads(path.read_text(encoding="utf-8")), key)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, rendered: Rendered) -> None:
        """Store a result: on disk when there is a cache folder (memory stays small), else in memory."""
        if self.folder is None:
            self.memory[key] = rendered
        else:
            store_rendered(self.folder, key, rendered)


def store_rendered(folder: Path, key: str, rendered: Rendered) -> None:
    """Write one render into a cache folder (workers call this themselves)."""
    data = {"key": key, "format": FORMAT, **rendered_to_json(rendered)}
    write_atomic(folder / key[:2] / f"{key}.json", _json_bytes(data))


def rendered_to_json(rendered: Rendered) -> dict[str, Any]:
    """A Rendered as plain JSON data."""
    return {
        "html": rendered.html,
        "toc": rendered.toc,
        "excerpt": rendered.excerpt,
        "description": rendered.description,
        "words": rendered.words,
        "cjk_chars": rendered.cjk_chars,
        "prefix": rendered.prefix,
        "spans": [s.__dict__ for s in rendered.spans],
        "diagnostics": [d.__dict__ for d in rendered.diagnostics],
        "title": rendered.title,
    }


def rendered_from_json(data: Any, key: str) -> Rendered:
    """Rebuild a Rendered, checking every field's type."""
    from .markup import Rendered
    from .math.spans import MathSpan

    if not isinstance(data, dict) or data.get("key") != key or data.get("format") != FORMAT:
        raise ValueError("foreign entry")
    texts = ("html", "toc", "excerpt", "description", "prefix", "title")
    if not all(isinstance(data[name], str) for name in texts):
        raise ValueError("bad entry")
    if not all(isinstance(data[name], int) for name in ("words", "cjk_chars")):
        raise ValueError("bad entry")
    return Rendered(
        **{name: data[name] for name in (*texts, "words", "cjk_chars")},
        spans=tuple(MathSpan(**_checked(s, MathSpan)) for s in data["spans"]),
        diagnostics=tuple(Diagnostic(**_checked(d, Diagnostic)) for d in data["diagnostics"]),
    )


def _checked(value: Any, kind: type) -> dict[str, Any]:
    """The fields of a stored dataclass, with their types checked against the annotations."""
    expected = {"str": str, "int": int, "bool": bool, "Severity": str}
    if not isinstance(value, dict) or set(value) != set(kind.__annotations__):
        raise ValueError("bad entry")
    for name, annotation in kind.__annotations__.items():
        if not isinstance(value[name], expected[str(annotation)]):
            raise ValueError("bad entry")
    return value


# -- YAML values and front matter --------------------------------------------------------------


def encode_value(value: Any) -> Any:
    """A value safe_load can produce, as JSON data; dates, bytes, sets and odd maps are tagged."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode_value(v) for k, v in value.items()}
        return {"$map": [[encode_value(k), encode_value(v)] for k, v in value.items()]}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, set):
        return {"$set": [encode_value(v) for v in sorted(value, key=repr)]}
    raise TypeError(f"cannot cache {type(value).__name__}")


DECODERS: dict[str, Any] = {
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$bytes": base64.b64decode,
}


def decode_value(data: Any) -> Any:
    """The inverse of encode_value; raises ValueError on anything it did not write."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if not isinstance(data, dict):
        raise ValueError("bad value")
    tag = next(iter(data), "")
    if len(data) == 1 and tag.startswith("$"):
        inner = data[tag]
        if tag in DECODERS:
            return DECODERS[tag](inner)
        if tag == "$set":
            return {decode_value(x) for x in inner}
        if tag == "$map":
            return {_hashable(decode_value(k)): decode_value(x) for k, x in inner}
        raise ValueError("bad value")
    return {k: decode_value(v) for k, v in data.items()}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


META_FIELDS = tuple(f.name for f in fields(Meta))


def encode_meta(meta: Meta) -> list[Any]:
    """Validated front matter as a JSON list in field order."""
    values = [getattr(meta, name) for name in META_FIELDS]
    values[META_FIELDS.index("date")] = meta.date.isoformat() if meta.date else None
    values[META_FIELDS.index("front")] = encode_value(dict(meta.front))
    values[META_FIELDS.index("where")] = {k: list(v) for k, v in meta.where.items()}
    return values


def decode_meta(data: Any, plain: bool = False) -> Meta:
    """Validated front matter back from JSON data (ValueError or TypeError if it is not what we wrote);
    `plain`: the JSON text held no `$`, so no value in it is tagged and the front matter is taken as it is."""
    if not isinstance(data, list) or len(data) != len(META_FIELDS):
        raise ValueError("bad meta")
    values = dict(zip(META_FIELDS, data, strict=True))
    values["date"] = dt.datetime.fromisoformat(values["date"]) if values["date"] else None
    values["front"] = values["front"] if plain else decode_value(values["front"])
    values["where"] = {k: (int(line), int(col)) for k, (line, col) in values["where"].items()}  # keys: JSON text
    values["tags"], values["categories"] = tuple(values["tags"]), tuple(values["categories"])
    meta = Meta(**values)
    "".join(meta.tags)  # a TypeError (the file is not what we wrote) unless every tag is text
    if not isinstance(meta.front, dict):
        raise ValueError("bad meta")
    return meta


# -- the build state ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """What listings, feeds' entry lists and warnings need from a render, finished for one math mode."""

    mode: str
    title_text: str
    title_html: str
    excerpt: str
    description: str
    words: int
    cjk_chars: int
    has_math: bool
    labels: bool
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class DocumentRecord:
    """What the last build learned from one file: enough to skip reading and rendering it."""

    stat: tuple[int, int, int]
    digest: str  # of the file's bytes
    config: str  # fingerprint of the config the front matter was validated with
    meta: Meta
    liquid: str  # hash of the Liquid context the body depended on ("" when it has no Liquid)
    render_key: str
    notes: tuple[Diagnostic, ...]  # Liquid's warnings
    summary: Summary
    liquid_reads: tuple[str, ...] = ()  # the parts of the site its Liquid read (jekyll.model.FACETS)
    url: str = ""  # its URL (the same file under the same config has the same one)
    fact: str = ""  # the hash of what templates read of it that comes from it alone (pages.document_fact)


@dataclass(frozen=True)
class PageRecord:
    """What was written for one output page, and from which inputs."""

    fingerprint: str
    facets: tuple[str, ...]
    size: int
    mtime_ns: int


@dataclass
class BuildState:
    """The last build's knowledge; each build reads one and writes the next."""

    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    pages: dict[str, PageRecord] = field(default_factory=dict)
    images: dict[str, list[Any]] = field(default_factory=dict)
    lines: dict[int, bytes] = field(default_factory=dict)  # id(record) → its line in the file it came from
    # (and IMAGES_LINE → the images line, written back as it was when the images are the same)


IMAGES_LINE = 0  # the key of the images line in BuildState.lines (never the id of a record)


def state_path(root: Path) -> Path:
    return root / CACHE_DIR / "state.json"


def _notes(data: Any) -> tuple[Diagnostic, ...]:
    if not data:  # most documents have none: no generator for them
        return ()
    return tuple(
        Diagnostic(str(p), int(ln), int(c), str(m), "warning" if s == "warning" else "error") for p, ln, c, m, s in data
    )


def _encode_notes(notes: tuple[Diagnostic, ...]) -> list[list[Any]]:
    return [[d.path, d.line, d.col, d.message, d.severity] for d in notes]


def _encode_document(record: DocumentRecord) -> list[Any]:
    summary = record.summary
    return [
        list(record.stat),
        record.digest,
        record.config,
        encode_meta(record.meta),
        record.liquid,
        record.render_key,
        _encode_notes(record.notes),
        [
            summary.mode,
            summary.title_text,
            summary.title_html,
            summary.excerpt,
            summary.description,
            summary.words,
            summary.cjk_chars,
            summary.has_math,
            summary.labels,
            _encode_notes(summary.diagnostics),
        ],
        list(record.liquid_reads),
        record.url,
        record.fact,
    ]


def _decode_document(data: Any, plain: bool = False) -> DocumentRecord:
    stat, file_digest, config, meta, liquid, key, notes, summary, reads, url, *kept = data
    fact = kept[0] if kept else ""  # a line written before facts were kept: the build works it out again
    mode, title_text, title_html, excerpt, description, words, cjk, has_math, labels, diagnostics = summary
    texts = (file_digest, config, liquid, key, mode, title_text, title_html, excerpt, description, url, fact)
    "".join(texts)  # a TypeError (caught by load_state) unless each is text: one C call, not a generator
    if not isinstance(words, int) or not isinstance(cjk, int):
        raise ValueError("bad record")
    finished = Summary(
        mode,
        title_text,
        title_html,
        excerpt,
        description,
        words,
        cjk,
        bool(has_math),
        bool(labels),
        _notes(diagnostics),
    )
    size, mtime, inode = map(int, stat)
    return DocumentRecord(
        (size, mtime, inode),
        file_digest,
        config,
        decode_meta(meta, plain),
        liquid,
        key,
        _notes(notes),
        finished,
        tuple(map(str, reads)),
        url,
        fact,
    )


def load_state(root: Path | None) -> BuildState:
    """The stored state, or an empty one when missing, foreign or damaged.

    The file holds one JSON document per line: a header, then one line per document,
    page and image. Each document's line is kept with its record, so an unchanged record is
    written back as it was read.
    """
    if root is None:
        return BuildState()
    state = BuildState()
    try:
        lines = state_path(root).read_bytes().split(b"\n")  # bytes: a kept line is written back unencoded
        header = json.loads(lines[0])
        if header != {"format": FORMAT, "version": __version__}:
            return BuildState()
        for line in lines[1:]:
            if line:
                _load_line(state, line)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return BuildState()
    return state


def _load_line(state: BuildState, line: bytes) -> None:
    """One line of the state file into the state."""
    kind, name, value = json.loads(line)
    if kind == "d":
        record = _decode_document(value, b"$" not in line)
        state.documents[name] = record
        state.lines[id(record)] = line
    elif kind == "pages":
        state.pages = {k: PageRecord(str(v[0]), tuple(map(str, v[1])), int(v[2]), int(v[3])) for k, v in value.items()}
    elif kind == "images":
        state.images = {str(k): list(v) for k, v in value.items()}
        state.lines[IMAGES_LINE] = line
    else:
        raise ValueError("bad line")


def save_state(root: Path | None, state: BuildState, previous: BuildState | None = None) -> None:
    """Store the state for the next build; records unchanged since `previous` keep their line."""
    if root is None:
        return
    kept = previous.lines if previous else {}
    lines = [_json_bytes({"format": FORMAT, "version": __version__})]
    for name, record in state.documents.items():
        line = kept.get(id(record))
        lines.append(line if line is not None else _json_bytes(["d", name, _encode_document(record)]))
    pages = {k: [v.fingerprint, list(v.facets), v.size, v.mtime_ns] for k, v in state.pages.items()}
    lines.append(_json_bytes(["pages", "", pages]))
    same_images = previous is not None and IMAGES_LINE in kept and previous.images == state.images
    lines.append(kept[IMAGES_LINE] if same_images else _json_bytes(["images", "", state.images]))
    write_atomic(state_path(root), b"\n".join(lines) + b"\n")


def _json_bytes(data: Any) -> bytes:
    """JSON as UTF-8, non-ASCII text as it is (the cache's files and the state's lines)."""
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# -- the last build's stamp: enough to see that nothing at all changed ------------------------


@dataclass(frozen=True)
class BuildStamp:
    """A fingerprint of every input of the last successful build, and what it wrote."""

    inputs: str
    outputs: dict[str, tuple[int, int]]  # relative path → size, mtime_ns
    diagnostics: tuple[Diagnostic, ...]
    counts: tuple[int, int]  # posts, pages
    skipped: tuple[str, ...]
    next_change: str  # ISO time when a future post becomes due ("" when none)
    folders: dict[str, int] = field(default_factory=dict)  # output folder ("" the output) → mtime_ns, as left


def stamp_path(root: Path) -> Path:
    return root / CACHE_DIR / "last-build.json"


def load_stamp(root: Path | None) -> BuildStamp | None:
    """The last build's stamp, or None."""
    if root is None:
        return None
    try:
        data = json.loads(stamp_path(root).read_text(encoding="utf-8"))
        if data["format"] != FORMAT or data["version"] != __version__:
            return None
        return BuildStamp(
            str(data["inputs"]),
            {str(k): (int(v[0]), int(v[1])) for k, v in data["outputs"].items()},
            _notes(data["diagnostics"]),
            (int(data["counts"][0]), int(data["counts"][1])),
            tuple(map(str, data["skipped"])),
            str(data["next_change"]),
            {str(k): int(v) for k, v in data["folders"].items()},
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None


def save_stamp(root: Path | None, stamp: BuildStamp | None) -> None:
    """Store (or, with None, forget) the stamp."""
    if root is None:
        return
    if stamp is None:
        stamp_path(root).unlink(missing_ok=True)
        return
    notes = _encode_notes(stamp.diagnostics)
    data = {
        "format": FORMAT,
        "version": __version__,
        "inputs": stamp.inputs,
        "outputs": {k: list(v) for k, v in stamp.outputs.items()},
        "diagnostics": notes,
        "counts": list(stamp.counts),
        "skipped": list(stamp.skipped),
        "next_change": stamp.next_change,
        "folders": stamp.folders,
    }
    write_atomic(stamp_path(root), _json_bytes(data))
