"""Liquid's files: the site's `_includes/`, `_data/` and `_layouts/`, read once per build (the survey
reads them first: their digest is an input of every build)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from ..content import decode
from ..errors import Diagnostic, SourceError, warning
from ..yamlio import shape_problem

INCLUDES_DIR = "_includes"
LAYOUTS_DIR = "_layouts"
DATA_DIR = "_data"


@dataclass(frozen=True)
class LiquidFiles:
    """The site's `_includes/` files and `_data/` values, read once per build."""

    digest: str
    includes: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    data: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    layouts: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)  # name → text
    notes: tuple[Diagnostic, ...] = field(default=(), compare=False, hash=False)


NO_FILES = LiquidFiles("")


def read_liquid_files(root: Path) -> LiquidFiles:
    """Every file of SITE/_includes/ and every value of SITE/_data/ (symlinks out of them are refused)."""
    hasher = hashlib.sha256()
    notes: list[Diagnostic] = []
    includes: dict[str, str] = {}
    for rel, raw in _files_under(root, INCLUDES_DIR, notes):
        hasher.update(f"{rel}\0{len(raw)}\0".encode() + raw)
        try:
            includes[rel.removeprefix(INCLUDES_DIR + "/")] = decode(raw, rel)
        except SourceError:
            notes.append(warning(rel, 0, 0, "not UTF-8 text; this include is ignored"))
    data: dict[str, Any] = {}
    for rel, raw in _files_under(root, DATA_DIR, notes):
        hasher.update(f"{rel}\0{len(raw)}\0".encode() + raw)
        _store_data(data, rel, raw, notes)
    layouts: dict[str, str] = {}
    for rel, raw in _files_under(root, LAYOUTS_DIR, notes):
        hasher.update(f"{rel}\0{len(raw)}\0".encode() + raw)
        try:
            layouts[rel.removeprefix(LAYOUTS_DIR + "/").rsplit(".", 1)[0]] = decode(raw, rel)
        except SourceError:
            notes.append(warning(rel, 0, 0, "not UTF-8 text; this layout is ignored"))
    if not includes and not data and not layouts:
        return LiquidFiles("", notes=tuple(notes))
    return LiquidFiles(
        hasher.hexdigest(),
        includes=MappingProxyType(includes),
        data=MappingProxyType(data),
        layouts=MappingProxyType(layouts),
        notes=tuple(notes),
    )


def _files_under(root: Path, folder: str, notes: list[Diagnostic]) -> Iterable[tuple[str, bytes]]:
    """(site-relative path, bytes) of the regular files under root/folder, sorted."""
    top = root / folder
    if top.is_symlink():
        notes.append(warning(folder, 0, 0, f"{folder}/ is a symlink; ignored"))
        return
    if not top.is_dir():
        return
    real_top = top.resolve()
    for here, dirs, names in os.walk(top):
        dirs.sort()
        for name in dirs:
            if (Path(here) / name).is_symlink():
                rel = (Path(here) / name).relative_to(root).as_posix()
                notes.append(warning(rel, 0, 0, f"a symlinked folder in {folder}/ is not read"))
        for name in sorted(names):
            path = Path(here) / name
            rel = path.relative_to(root).as_posix()
            if name.startswith("."):
                continue
            try:
                if not path.resolve().is_relative_to(real_top):
                    notes.append(warning(rel, 0, 0, f"symlink points outside {folder}/; ignored"))
                    continue
                raw = path.read_bytes()
            except RuntimeError:  # Path.resolve on a symlink loop
                notes.append(warning(rel, 0, 0, "a symlink loop; ignored"))
                continue
            except OSError as exc:  # unreadable, or gone since the folder was listed
                notes.append(warning(rel, 0, 0, f"cannot be read ({exc.strerror or exc}); ignored"))
                continue
            yield rel, raw


def _store_data(data: dict[str, Any], rel: str, raw: bytes, notes: list[Diagnostic]) -> None:
    """Put one _data file's value at site.data.<folders>.<name>."""
    parts = rel.removeprefix(DATA_DIR + "/").split("/")
    stem, _, suffix = parts[-1].rpartition(".")
    if suffix not in ("yml", "yaml", "json", "csv", "tsv"):
        return
    kind = "YAML" if suffix in ("yml", "yaml") else suffix.upper()
    try:
        text = raw.decode("utf-8-sig")
        if suffix == "json":
            value: Any = json.loads(text)
        elif suffix in ("csv", "tsv"):
            value = list(csv.DictReader(io.StringIO(text), delimiter="," if suffix == "csv" else "\t"))
        else:
            value = yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError, csv.Error, ValueError) as exc:
        line, col = _problem_place(exc)
        problem = "not UTF-8 text" if isinstance(exc, UnicodeDecodeError) else f"not valid {kind}"
        notes.append(warning(rel, line, col, f"{problem}; site.data.{stem} is left empty"))
        return
    if shape_problem(value, MAX_DATA_VALUES):
        notes.append(warning(rel, 0, 0, f"expands past {MAX_DATA_VALUES} values through aliases; left empty"))
        return
    target = data
    for folder in parts[:-1]:
        target = target.setdefault(folder, {})
    target[stem] = value


def _problem_place(exc: Exception) -> tuple[int, int]:
    """Line and column of a YAML or JSON error."""
    if isinstance(exc, json.JSONDecodeError):
        return exc.lineno, exc.colno
    mark = getattr(exc, "problem_mark", None)
    return (mark.line + 1, mark.column + 1) if mark is not None else (0, 0)


MAX_DATA_VALUES = 1_000_000  # once YAML aliases are expanded ("billion laughs" is small on disk)
