"""Content stage: files on disk → Documents (front matter + body) and Assets to copy."""

from __future__ import annotations

import errno
import fnmatch
import functools
import hashlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, SourceError, error
from .yamlio import EMPTY, YamlMap, parse_mapping

MARKDOWN_SUFFIXES = (".md", ".markdown")
POSTS_DIR = "posts"
# Editors' backup, swap and lock files, and OS litter: never content.
IGNORED_NAMES = (
    "*~",
    "*.swp",
    "*.swx",
    "*.swo",
    ".#*",
    "#*#",
    "*.tmp",
    "4913",
    ".DS_Store",
    "Thumbs.db",
    "*___jb_tmp___",
    "*___jb_old___",
    "*.kate-swp",
    "*.crswap",
)


@dataclass(frozen=True)
class SourceFile:
    """A file found in the site folder, named relative to the site root (posix), and its stat."""

    rel: str
    file: str  # where it is, as the OS names it (a Path is made when asked: 7,000 of them cost 0.1 s)
    stat: tuple[int, int, int] = (0, 0, 0)  # size, mtime_ns, inode

    @functools.cached_property
    def path(self) -> Path:
        """Where it is."""
        return Path(self.file)


@dataclass(frozen=True)
class Document:
    """What the author wrote: front matter and Markdown body of one post or page."""

    source: str
    kind: str  # "post" or "page"
    meta: YamlMap
    body: str
    body_line: int
    digest: str


@dataclass(frozen=True)
class Asset:
    """A file copied as it is: `rel` is its source, `out` its path in the output."""

    rel: str
    file: str  # where it is, as the OS names it
    out: str
    stat: tuple[int, int, int] = (0, 0, 0)

    @functools.cached_property
    def path(self) -> Path:
        """Where it is."""
        return Path(self.file)


@dataclass(frozen=True)
class Inventory:
    """Every input file of a site, sorted."""

    documents: tuple[SourceFile, ...]
    assets: tuple[Asset, ...]


@functools.cache
def _ignored_pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression for every ignored name pattern."""
    return re.compile("|".join(fnmatch.translate(p) for p in IGNORED_NAMES + patterns))


def is_ignored(name: str, patterns: tuple[str, ...] = ()) -> bool:
    """Whether a file or folder name is editor litter, hidden, or excluded by the config."""
    if name.startswith(".") or name.startswith("_"):
        return True
    return bool(_ignored_pattern(patterns).match(name))


def walk_files(root: Path, top: Path, exclude: tuple[str, ...]) -> Iterator[SourceFile]:
    """Files under top (sorted), refusing symlinks that lead outside root or back into their own folder."""
    real_root = root.resolve()
    base = str(root) + os.sep
    stack: list[tuple[str, tuple[str, ...]]] = [(str(top), (os.path.realpath(top),))]  # a folder; real paths down to it
    while stack:
        here, above = stack.pop()
        folders: list[tuple[str, tuple[str, ...]]] = []
        for entry in _entries(here, base):
            if is_ignored(entry.name, exclude):
                continue
            rel = entry.path.removeprefix(base).replace(os.sep, "/")
            try:
                real = _check_link(rel, entry.path, real_root) if entry.is_symlink() else None
                if entry.is_dir():
                    real = real or os.path.join(above[-1], entry.name)
                    if real in above:
                        inside = Path(real).relative_to(real_root).as_posix()
                        raise SourceError(error(rel, 0, 0, f"symlink loop: it points to {inside}, which holds it"))
                    folders.append((entry.path, (*above, real)))
                    continue
                info = entry.stat()
            except OSError as exc:
                raise SourceError(error(rel, 0, 0, _unreadable(exc))) from None
            yield SourceFile(rel, entry.path, (info.st_size, info.st_mtime_ns, info.st_ino))
        stack.extend(reversed(folders))


def _entries(folder: str, base: str) -> list[os.DirEntry[str]]:
    """A folder's entries, sorted by name."""
    try:
        with os.scandir(folder) as scanned:
            return sorted(scanned, key=lambda e: e.name)
    except OSError as exc:
        raise SourceError(error(folder.removeprefix(base).replace(os.sep, "/"), 0, 0, _unreadable(exc))) from None


def _unreadable(exc: OSError) -> str:
    """Why a file or folder cannot be read, in words."""
    if exc.errno == errno.ELOOP:
        return "symlink loop: the link leads back to itself"
    if exc.errno == errno.ENOENT:
        return "broken symlink: what it points to does not exist"
    return f"cannot be read: {exc.strerror or exc}"


def _check_link(rel: str, path: str, real_root: Path) -> str:
    """The real path of a symlink; refused if it is outside the site folder (CVE-2018-17567's lesson)."""
    target = os.path.realpath(path)
    if not Path(target).is_relative_to(real_root):
        raise SourceError(error(rel, 0, 0, f"symlink points outside the site folder (to {target})"))
    return target


def inventory(root: Path, theme_static: Path | None, exclude: tuple[str, ...]) -> Inventory:
    """List documents and assets: content/ Markdown, other content/ files, static/ files."""
    documents: list[SourceFile] = []
    assets: dict[str, Asset] = {}
    if theme_static and theme_static.is_dir() and theme_static.resolve() != (root / "static").resolve():
        for item in walk_files(theme_static, theme_static, exclude):
            assets[item.rel] = Asset(f"(theme)/static/{item.rel}", item.file, item.rel, item.stat)
    static = root / "static"
    if static.is_dir():
        for item in walk_files(root, static, exclude):
            out = item.rel.removeprefix("static/")
            assets[out] = Asset(item.rel, item.file, out, item.stat)
    content = root / "content"
    if content.is_dir():
        for item in walk_files(root, content, exclude):
            if item.rel.endswith(MARKDOWN_SUFFIXES):
                documents.append(item)
            else:
                out = item.rel.removeprefix("content/")
                assets[out] = Asset(item.rel, item.file, out, item.stat)
    return Inventory(tuple(documents), tuple(assets[k] for k in sorted(assets)))


def theme_dir() -> Path:
    """The default theme: the repository's templates/ and static/ (packaged as mathpress/theme)."""
    packaged = Path(__file__).parent / "theme"
    return packaged if (packaged / "templates").is_dir() else Path(__file__).parent.parent


def template_dirs(root: Path) -> list[Path]:
    """The site's templates/ first (it overrides file by file), then the default theme's."""
    dirs = [root / "templates", theme_dir() / "templates"]
    unique: list[Path] = []
    for folder in dirs:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def document_kind(rel: str) -> str:
    """Posts live under content/posts/; every other Markdown file is a page."""
    return "post" if rel.startswith(f"content/{POSTS_DIR}/") else "page"


@dataclass(frozen=True)
class Source:
    """A Markdown file's text and the digest of its bytes (cheap: no YAML parsed yet)."""

    rel: str
    text: str
    digest: str


def read_source(item: SourceFile) -> Source:
    """Read and decode one Markdown file."""
    raw = item.path.read_bytes()
    return Source(item.rel, decode(raw, item.rel), hashlib.sha256(raw).hexdigest())


def parse_document(source: Source) -> Document:
    """Parse a source's front matter into a Document."""
    meta, body, body_line = split_front_matter(source.text, source.rel)
    return Document(source.rel, document_kind(source.rel), meta, body, body_line, source.digest)


def decode(raw: bytes, rel: str) -> str:
    """UTF-8 text with any BOM removed and line ends made `\\n`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SourceError(error(rel, line, col, "not UTF-8 text (save the file as UTF-8)")) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_front_matter(text: str, rel: str) -> tuple[str | None, str, int]:
    """Locate `---` front matter: (its YAML text or None, the body, the body's first line)."""
    if not text.startswith("---"):
        return None, text, 1
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return None, text, 1
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return "\n".join(lines[1:index]), "\n".join(lines[index + 1 :]), index + 2
    raise SourceError(_unclosed(rel))


def split_front_matter(text: str, rel: str) -> tuple[YamlMap, str, int]:
    """Split `---` front matter from the body; returns (front matter, body, body's first line)."""
    yaml_text, body, body_line = find_front_matter(text, rel)
    meta = EMPTY if yaml_text is None else parse_mapping(yaml_text, rel, first_line=2)
    return meta, body, body_line


def _unclosed(rel: str) -> Diagnostic:
    return error(rel, 1, 1, "front matter opened with `---` is never closed (add a `---` line after it)")
