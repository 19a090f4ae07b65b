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
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from . import __version__
from .errors import Diagnostic
from .markup import MARKDOWN_SETTINGS, Rendered, RenderInput
from .math import MathSpan
from .meta import Meta
from .yamlio import Key

CACHE_DIR = ".mathpress-cache"
FORMAT = 2


def digest(*parts: str | bytes) -> str:
    """A SHA-256 hex digest of several strings or byte strings."""
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hasher.update(len(data).to_bytes(8, "little"))
        hasher.update(data)
    return hasher.hexdigest()


def render_key(job: RenderInput) -> str:
    """The cache key of one render: everything that can change its result."""
    fixed = json.dumps([job.source, job.body_line, job.excerpt_source, job.separator, job.macros,
                        job.check_math, job.safe_html])
    return digest(str(FORMAT), __version__, MARKDOWN_SETTINGS, fixed, job.body)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that a half-written one never appears."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temp, path)


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
        """Store a result for this build and, with a cache folder, for later builds."""
        self.memory[key] = rendered
        path = self._path(key)
        if path is not None:
            data = {"key": key, "format": FORMAT, **rendered_to_json(rendered)}
            write_atomic(path, json.dumps(data, ensure_ascii=False).encode("utf-8"))


def rendered_to_json(rendered: Rendered) -> dict[str, Any]:
    """A Rendered as plain JSON data."""
    return {
        "html": rendered.html, "toc": rendered.toc, "excerpt": rendered.excerpt,
        "description": rendered.description, "words": rendered.words, "cjk_chars": rendered.cjk_chars,
        "prefix": rendered.prefix,
        "spans": [s.__dict__ for s in rendered.spans],
        "diagnostics": [d.__dict__ for d in rendered.diagnostics],
    }


def rendered_from_json(data: Any, key: str) -> Rendered:
    """Rebuild a Rendered, checking every field's type."""
    if not isinstance(data, dict) or data.get("key") != key or data.get("format") != FORMAT:
        raise ValueError("foreign entry")
    texts = ("html", "toc", "excerpt", "description", "prefix")
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
    """A value safe_load can produce, as tagged JSON data (dates, bytes, sets, any map keys)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    if isinstance(value, set):
        return {"$set": [encode_value(v) for v in sorted(value, key=repr)]}
    if isinstance(value, list | tuple):
        return [encode_value(v) for v in value]
    if isinstance(value, dict):
        return {"$map": [[encode_value(k), encode_value(v)] for k, v in value.items()]}
    raise TypeError(f"cannot cache {type(value).__name__}")


def decode_value(data: Any) -> Any:
    """The inverse of encode_value; raises ValueError on anything it did not write."""
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode_value(v) for v in data]
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError("bad value")
    tag, inner = next(iter(data.items()))
    decoders = {
        "$datetime": lambda v: dt.datetime.fromisoformat(v),
        "$date": lambda v: dt.date.fromisoformat(v),
        "$bytes": lambda v: base64.b64decode(v),
        "$set": lambda v: {decode_value(x) for x in v},
        "$map": lambda v: {_hashable(decode_value(k)): decode_value(x) for k, x in v},
    }
    if tag not in decoders:
        raise ValueError("bad value")
    return decoders[tag](inner)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def encode_meta(meta: Meta) -> dict[str, Any]:
    """Validated front matter as JSON data."""
    data = {f.name: getattr(meta, f.name) for f in fields(meta)}
    data["date"] = meta.date.isoformat() if meta.date else None
    data["front"] = encode_value(dict(meta.front))
    data["where"] = [[k, list(v)] for k, v in meta.where.items()]
    data["tags"], data["categories"] = list(meta.tags), list(meta.categories)
    return data


def decode_meta(data: Any) -> Meta:
    """Validated front matter back from JSON data (ValueError if it is not what we wrote)."""
    if not isinstance(data, dict) or set(data) != {f.name for f in fields(Meta)}:
        raise ValueError("bad meta")
    values = dict(data)
    values["date"] = dt.datetime.fromisoformat(data["date"]) if data["date"] else None
    values["front"] = decode_value(data["front"])
    values["where"] = {str(k): (int(v[0]), int(v[1])) for k, v in data["where"]}
    values["tags"], values["categories"] = tuple(data["tags"]), tuple(data["categories"])
    meta = Meta(**values)
    if not isinstance(meta.front, dict) or not all(isinstance(t, str) for t in meta.tags):
        raise ValueError("bad meta")
    return meta


# -- the build state ---------------------------------------------------------------------------


@dataclass
class PageRecord:
    """What was written for one output page, and from which inputs."""

    fingerprint: str
    facets: tuple[str, ...]
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class DocumentRecord:
    """What the last build learned from one unchanged file: enough to skip reading it."""

    stat: tuple[int, int, int]
    digest: str  # of the file's bytes
    liquid: str  # hash of the Liquid context the body depended on ("" when it has no Liquid)
    render_key: str
    notes: tuple[Diagnostic, ...]


@dataclass
class BuildState:
    """The last build's knowledge; each build reads one and writes the next."""

    metas: dict[str, Meta] = field(default_factory=dict)
    summaries: dict[str, Rendered] = field(default_factory=dict)
    pages: dict[str, PageRecord] = field(default_factory=dict)
    images: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    documents: dict[str, DocumentRecord] = field(default_factory=dict)


def state_path(root: Path) -> Path:
    return root / CACHE_DIR / "state.json"


def load_state(root: Path | None) -> BuildState:
    """The stored state, or an empty one when missing, foreign or damaged."""
    if root is None:
        return BuildState()
    try:
        data = json.loads(state_path(root).read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("version") != __version__:
            return BuildState()
        return BuildState(
            metas={k: decode_meta(v) for k, v in data["metas"].items()},
            summaries={k: rendered_from_json(v, k) for k, v in data["summaries"].items()},
            pages={k: PageRecord(str(v[0]), tuple(map(str, v[1])), int(v[2]), int(v[3])) for k, v in data["pages"].items()},
            images={k: (int(v[0]), int(v[1]), str(v[2])) for k, v in data["images"].items()},
            documents={k: _decode_record(v) for k, v in data["documents"].items()},
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return BuildState()


def save_state(root: Path | None, state: BuildState) -> None:
    """Store the state for the next build."""
    if root is None:
        return
    data = {
        "format": FORMAT,
        "version": __version__,
        "metas": {k: encode_meta(v) for k, v in state.metas.items()},
        "summaries": {k: {"key": k, "format": FORMAT, **rendered_to_json(v)} for k, v in state.summaries.items()},
        "pages": {k: [v.fingerprint, list(v.facets), v.size, v.mtime_ns] for k, v in state.pages.items()},
        "images": {k: list(v) for k, v in state.images.items()},
        "documents": {k: _encode_record(v) for k, v in state.documents.items()},
    }
    write_atomic(state_path(root), json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _encode_record(record: DocumentRecord) -> list[Any]:
    notes = [[d.path, d.line, d.col, d.message, d.severity] for d in record.notes]
    return [list(record.stat), record.digest, record.liquid, record.render_key, notes]


def _decode_record(data: Any) -> DocumentRecord:
    stat, file_digest, liquid, key, notes = data
    size, mtime, inode = (int(x) for x in stat)
    diagnostics = tuple(Diagnostic(str(p), int(ln), int(c), str(m), "warning" if s == "warning" else "error")
                        for p, ln, c, m, s in notes)
    return DocumentRecord((size, mtime, inode), str(file_digest), str(liquid), str(key), diagnostics)


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
            _decode_record([[0, 0, 0], "", "", "", data["diagnostics"]]).notes,
            (int(data["counts"][0]), int(data["counts"][1])),
            tuple(map(str, data["skipped"])),
            str(data["next_change"]),
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None


def save_stamp(root: Path | None, stamp: BuildStamp | None) -> None:
    """Store (or, with None, forget) the stamp."""
    if root is None:
        return
    if stamp is None:
        stamp_path(root).unlink(missing_ok=True)
        return
    notes = _encode_record(DocumentRecord((0, 0, 0), "", "", "", stamp.diagnostics))[4]
    data = {
        "format": FORMAT, "version": __version__, "inputs": stamp.inputs,
        "outputs": {k: list(v) for k, v in stamp.outputs.items()}, "diagnostics": notes,
        "counts": list(stamp.counts), "skipped": list(stamp.skipped), "next_change": stamp.next_change,
    }
    write_atomic(stamp_path(root), json.dumps(data, ensure_ascii=False).encode("utf-8"))


def summary_of(rendered: Rendered) -> Rendered:
    """A render without its full HTML and TOC: what listings, counts and warnings need."""
    return Rendered("", "", rendered.excerpt, rendered.description, rendered.words, rendered.cjk_chars,
                    rendered.prefix, rendered.spans, rendered.diagnostics)
