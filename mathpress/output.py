"""Output stage: planned files → the output folder, swapped in whole, unchanged files untouched.

A new tree is assembled in a hidden folder beside the output: unchanged files are hard
links to the current ones (same inode, same mtime), changed files are written fresh. The
two folders are then exchanged in one atomic rename (renameat2 RENAME_EXCHANGE on Linux;
elsewhere two renames, repaired on the next run if interrupted between them). A build that
changes nothing touches nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

Content = bytes | Path  # bytes to write, or a source file to copy
MARKER = ".nojekyll"  # every mathpress output has it; a folder without it is not ours to replace
NEW_SUFFIX = ".mathpress-new"
OLD_SUFFIX = ".mathpress-old"


@dataclass(frozen=True)
class PublishReport:
    """What publishing changed."""

    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]


def check_output_dir(output: Path, source: Path) -> None:
    """Refuse output folders whose replacement would destroy something that is not a build."""
    out, src = output.resolve(), source.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home:
        raise UsageError(f"refusing to build into {output}: it is {'/' if out != home else 'your home folder'}")
    if out == src or src.is_relative_to(out):
        raise UsageError(f"refusing to build into {output}: it holds the site's sources ({source})")
    for part in ("content", "static", "templates"):
        if out.is_relative_to(src / part):
            raise UsageError(f"refusing to build into {output}: it is inside {part}/")
    if (out / ".git").exists():
        raise UsageError(f"refusing to build into {output}: it holds a .git folder")
    if out.exists() and not out.is_dir():
        raise UsageError(f"refusing to build into {output}: it is a file")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"refusing to replace {output}: it is not empty and was not written by mathpress")


def sibling(output: Path, suffix: str) -> Path:
    """A hidden folder next to the output."""
    return output.parent / f".{output.name}{suffix}"


def recover(output: Path) -> None:
    """Repair what an interrupted publish left: restore a moved-away output, drop half-built trees."""
    old = sibling(output, OLD_SUFFIX)
    if old.exists() and not output.exists():
        os.rename(old, output)
    for leftover in (old, sibling(output, NEW_SUFFIX)):
        if leftover.exists():
            shutil.rmtree(leftover)


def publish(files: Mapping[str, Content], output: Path) -> PublishReport:
    """Make the output folder hold exactly these files, atomically."""
    recover(output)
    existing = _existing_files(output)
    changed = [rel for rel, content in files.items() if not _same(output / rel, content)]
    removed = sorted(set(existing) - set(files))
    report = PublishReport(tuple(sorted(changed)), len(files) - len(changed), tuple(removed))
    if not changed and not removed and output.is_dir():
        return report
    staging = sibling(output, NEW_SUFFIX)
    staging.mkdir(parents=True)
    for rel in sorted(files):
        _place(staging / rel, output / rel, files[rel], rel in changed)
    _swap_in(staging, output)
    return report


def _existing_files(output: Path) -> list[str]:
    """Every file under the output folder, relative and posix."""
    if not output.is_dir():
        return []
    found: list[str] = []
    for folder, _dirs, names in os.walk(output):
        base = Path(folder)
        found.extend((base / name).relative_to(output).as_posix() for name in names)
    return found


def _same(target: Path, content: Content) -> bool:
    """Whether the output file already holds this content."""
    try:
        stat = target.lstat()
    except FileNotFoundError:
        return False
    if target.is_symlink():
        return False
    if isinstance(content, Path):
        source = content.stat()
        return stat.st_size == source.st_size and stat.st_mtime_ns == source.st_mtime_ns
    return stat.st_size == len(content) and target.read_bytes() == content


def _place(new: Path, current: Path, content: Content, changed: bool) -> None:
    """Put one file into the staging tree: a hard link if unchanged, else fresh bytes."""
    new.parent.mkdir(parents=True, exist_ok=True)
    if not changed:
        try:
            os.link(current, new)
            return
        except OSError:
            pass  # no hard links on this file system: copy instead
    if isinstance(content, Path):
        shutil.copy2(content, new, follow_symlinks=True)
    else:
        new.write_bytes(content)


def _swap_in(staging: Path, output: Path) -> None:
    """Exchange the staging tree with the output in one step, then delete the old tree."""
    if not output.exists():
        os.rename(staging, output)
        return
    if _exchange(staging, output):
        shutil.rmtree(staging)
        return
    old = sibling(output, OLD_SUFFIX)
    os.rename(output, old)
    os.rename(staging, output)
    shutil.rmtree(old)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux's renameat2; False where it is unavailable."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(result == 0)
