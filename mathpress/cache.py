"""Cache: Rendered results stored as JSON, keyed by the render input + settings + version.

Entries are plain JSON checked field by field when read: a corrupt, truncated or foreign
entry is ignored (and re-rendered), never trusted. Nothing here is executable (no pickle).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from . import __version__
from .errors import Diagnostic
from .markup import MARKDOWN_SETTINGS, Rendered, RenderInput
from .math import MathSpan

CACHE_DIR = ".mathpress-cache"
FORMAT = 1


def render_key(job: RenderInput) -> str:
    """The cache key of one render: everything that can change its result."""
    material = json.dumps([FORMAT, __version__, MARKDOWN_SETTINGS, asdict(job)], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


class RenderCache:
    """Rendered documents on disk under SITE/.mathpress-cache/render/."""

    def __init__(self, root: Path | None) -> None:
        self.folder = root / CACHE_DIR / "render" if root else None

    def _path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key}.json" if self.folder else None

    def get(self, key: str) -> Rendered | None:
        """A stored result, or None when missing or not trustworthy."""
        path = self._path(key)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return _from_json(data, key)
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def put(self, key: str, rendered: Rendered) -> None:
        """Store a result (atomically: a half-written entry never appears)."""
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"key": key, "format": FORMAT, **_to_json(rendered)}
        handle, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, ensure_ascii=False)
        os.replace(temp, path)


def _to_json(rendered: Rendered) -> dict[str, Any]:
    data = asdict(rendered)
    data["spans"] = [asdict(s) for s in rendered.spans]
    data["diagnostics"] = [asdict(d) for d in rendered.diagnostics]
    return data


def _from_json(data: Any, key: str) -> Rendered:
    """Rebuild a Rendered, checking every field's type."""
    if not isinstance(data, dict) or data.get("key") != key or data.get("format") != FORMAT:
        raise ValueError("foreign entry")
    texts = ("html", "toc", "excerpt", "description", "prefix")
    if not all(isinstance(data[name], str) for name in texts):
        raise ValueError("bad entry")
    if not all(isinstance(data[name], int) for name in ("words", "cjk_chars")):
        raise ValueError("bad entry")
    spans = tuple(MathSpan(**_fields(s, MathSpan)) for s in data["spans"])
    notes = tuple(Diagnostic(**_fields(d, Diagnostic)) for d in data["diagnostics"])
    return Rendered(
        html=data["html"],
        toc=data["toc"],
        excerpt=data["excerpt"],
        description=data["description"],
        words=data["words"],
        cjk_chars=data["cjk_chars"],
        prefix=data["prefix"],
        spans=spans,
        diagnostics=notes,
    )


def _fields(value: Any, kind: type) -> dict[str, Any]:
    """The fields of a stored dataclass, with their types checked against the annotations."""
    if not isinstance(value, dict):
        raise ValueError("bad entry")
    expected = {"str": str, "int": int, "bool": bool, "Severity": str}
    for name, annotation in kind.__annotations__.items():
        if name not in value or not isinstance(value[name], expected[str(annotation)]):
            raise ValueError("bad entry")
    if set(value) != set(kind.__annotations__):
        raise ValueError("bad entry")
    return value
