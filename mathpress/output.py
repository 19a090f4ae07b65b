"""Output stage: planned files → the output folder, swapped in whole, unchanged files untouched.

A complete new tree is prepared in a staging folder and exchanged with the output in one
atomic rename (renameat2 RENAME_EXCHANGE on Linux; elsewhere two renames, repaired on the
next run if interrupted between them). Unchanged files are hard links to the current ones
(same inode, same mtime). The staging folder is the tree the previous publish replaced,
kept in the cache with a listing of its files (so it is not scanned again): it is brought
up to date file by file, so a build that changes one page touches a handful of files, not
thousands. A build that changes nothing touches nothing.

Builds take turns: `build_lock` holds an exclusive flock on the site folder and on the
folder that holds the output (no lock file is made) for the whole build, so a second
build of the same site, or into the same place, waits until the first is done.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import filecmp
import functools
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError


class OutputError(Exception):
    """The output folder could not be written (a full disk, a read-only folder, a file in the way):
    nothing was published, the previous output is as it was."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)
        self.message = message


class Keep:
    """An output file to keep exactly as the last build left it."""


KEEP = Keep()


@dataclass(frozen=True)
class Pending:
    """New content already written to a file of its own (by a worker): moved into place, not copied."""

    path: Path


@dataclass(frozen=True)
class Cached:
    """A file of the cache that never changes once written (a resized image): hard-linked, not copied."""

    path: Path


Content = bytes | Path | Keep | Pending | Cached  # bytes, a file to copy, the file there, to move, to link
MARKER = ".nojekyll"  # every mathpress output has it; a folder without it is not ours to replace
NEW_SUFFIX = ".mathpress-new"
OLD_SUFFIX = ".mathpress-old"
Stat = tuple[int, int, int]  # size, mtime_ns, inode


@dataclass(frozen=True)
class PublishReport:
    """What publishing changed, and every file the output now holds (path → size, mtime_ns)."""

    written: tuple[str, ...]
    unchanged: int
    removed: tuple[str, ...]
    manifest: dict[str, tuple[int, int]]


def read_content(content: Content, current: Path) -> bytes:
    """The bytes a planned file will hold (`current`: where the output holds it now, for KEEP)."""
    if isinstance(content, bytes):
        return content
    if isinstance(content, Pending | Cached):
        return content.path.read_bytes()
    return (current if isinstance(content, Keep) else content).read_bytes()


def check_output_dir(output: Path, source: Path) -> None:
    """Refuse output folders whose replacement would destroy something that is not a build."""
    out, src = output.resolve(), source.resolve()
    home = Path.home().resolve()
    if out == Path(out.anchor) or out == home:
        raise UsageError(f"refusing to build into {output}: it is {'your home folder' if out == home else '/'}")
    if out == src or src.is_relative_to(out):
        raise UsageError(f"refusing to build into {output}: it holds the site's sources ({source})")
    for part in ("content", "static", "templates"):
        if out.is_relative_to(src / part):
            raise UsageError(f"refusing to build into {output}: it is inside {part}/")
    if (out / ".git").exists():
        raise UsageError(f"refusing to build into {output}: it holds a .git folder")
    in_the_way = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if in_the_way is not None:
        what = "the output path" if in_the_way == out else f"{in_the_way}, a folder of the output path,"
        raise OutputError(output, f"{what} is a file, not a folder: remove it or give another --output")
    if os.path.ismount(out):
        raise UsageError(
            f"refusing to build into {output}: it is a mount point, and the output folder is replaced whole "
            "by a rename: build into a folder inside it"
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(f"refusing to replace {output}: it is not empty and was not written by mathpress")


@contextlib.contextmanager
def build_lock(source: Path, output: Path, waiting: Callable[[str], None]) -> Iterator[None]:
    """Hold the site folder and the output's parent folder for one build (flock on the folders themselves);
    while another build holds either, tell `waiting` why, then wait for it."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, output) from None
    held = {output.resolve().parent: f"next to {output}", source.resolve(): "of this site"}  # the site's name wins
    with contextlib.ExitStack() as stack:
        for folder in sorted(held):  # always in the same order: two builds never hold one each
            stack.enter_context(_flock(folder, held[folder], waiting))
        yield


@contextlib.contextmanager
def _flock(folder: Path, which: str, waiting: Callable[[str], None]) -> Iterator[None]:
    """An exclusive flock on a folder, released when the block ends (or the process does)."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _lock_holder(os.fstat(descriptor))
            waiting(f"waiting for another build {which}{f' (pid {holder})' if holder else ''} to finish...")
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _lock_holder(folder: os.stat_result) -> int | None:
    """The process that holds a flock on a folder, where the system says (Linux's /proc/locks)."""
    key = f"{os.major(folder.st_dev):02x}:{os.minor(folder.st_dev):02x}:{folder.st_ino}"
    try:
        with open("/proc/locks") as stream:
            for line in stream:
                fields = line.split()  # 1: FLOCK ADVISORY WRITE pid device:inode start end
                if fields[1:2] == ["FLOCK"] and fields[5:6] == [key]:
                    return int(fields[4])
    except (OSError, ValueError):
        pass  # not Linux: the message goes without the pid
    return None


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


def scan(folder: Path) -> dict[str, Stat]:
    """Every file under a folder: relative posix path → (size, mtime_ns, inode)."""
    found: dict[str, Stat] = {}
    if not folder.is_dir():
        return found
    stack = [("", str(folder))]
    while stack:
        prefix, path = stack.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    stack.append((rel + "/", entry.path))
                else:
                    stat = entry.stat(follow_symlinks=False)
                    found[rel] = (
                        stat.st_size,
                        stat.st_mtime_ns,
                        stat.st_ino if entry.is_file(follow_symlinks=False) else -1,
                    )
    return found


def publish(
    files: Mapping[str, Content], output: Path, shadow: Path | None = None, current: dict[str, Stat] | None = None
) -> PublishReport:
    """Make the output folder hold exactly these files, atomically.

    `shadow` is where the tree replaced by the previous publish was kept (in the cache);
    it becomes the staging tree, and afterwards holds the tree this publish replaces.
    `current` is a scan of the output taken earlier in this build, if there is one.
    """
    for rel in files:
        parts = rel.split("/")
        if rel.startswith("/") or "\\" in rel or any(part in ("", ".", "..") for part in parts):
            raise ValueError(f"refusing to write {rel!r}: it is not a plain path inside the output folder")
    try:
        recover(output)
    except OSError as exc:
        raise output_error(exc, output) from None
    current = scan(output) if current is None else current
    cached_stat = functools.cache(os.stat)  # resized images are shared by the covers of the same bytes: look once
    changed = sorted(
        rel for rel, content in files.items() if not _same(output, rel, current.get(rel), content, cached_stat)
    )
    removed = sorted(set(current) - set(files))
    manifest = {rel: current[rel][:2] for rel in files if rel in current}
    if not changed and not removed and output.is_dir():
        return PublishReport((), len(files), (), manifest)
    replacing = output.is_dir()
    staging = _assemble(files, output, shadow, current, changed)
    if not _swap_in(staging, output, shadow):  # the cache is another mount of the output's file system
        again = {rel: Path(staging, rel) if rel in changed else content for rel, content in files.items()}
        staging = _assemble(again, output, None, current, changed)
        _swap_in(staging, output, None)
        shutil.rmtree(shadow or staging, ignore_errors=True)
    for rel in changed:
        stat = os.stat(os.path.join(output, rel))
        manifest[rel] = (stat.st_size, stat.st_mtime_ns)
    if shadow is not None and replacing and shadow.is_dir():
        _keep_listing(shadow, current)  # the kept tree is the output this publish replaced, as scanned
    return PublishReport(tuple(changed), len(files) - len(changed), tuple(removed), manifest)


def _assemble(
    files: Mapping[str, Content], output: Path, shadow: Path | None, current: dict[str, Stat], changed: list[str]
) -> Path:
    """The staging tree holding the new output; on a write error (a full disk, a read-only folder) it is
    removed again, so nothing is left holding the space, and OutputError says what failed."""
    staging: Path | None = None
    try:
        listing = _take_listing(shadow) if shadow is not None else None  # taken before anything changes the tree
        staging = _staging(output, shadow)
        _sync(staging, output, files, current, set(changed), listing if staging == shadow else None)
        return staging
    except OSError as exc:
        needed = _bytes_needed(files, changed, staging) if exc.errno in NO_SPACE else 0
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
            if shadow is not None:
                _listing_path(shadow).unlink(missing_ok=True)
        raise output_error(exc, output, needed, staging) from None


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
MEGABYTE = 1_000_000


def output_error(exc: OSError, output: Path, needed: int = 0, staging: Path | None = None) -> OutputError:
    """What a failed write into the output means to the writer: `path: message`, the path one they know
    (a file of the staging tree is named by its place in the output)."""
    where = _where(exc.filename2 or exc.filename, output, staging)  # a copy names its source first, then its target
    if exc.errno in NO_SPACE:
        free = _free_bytes(output)
        what = "no space left on device" if exc.errno == errno.ENOSPC else "disk quota exceeded"
        amounts = f"{_megabytes(needed)} MB needed, " if needed else ""
        return OutputError(output, f"{what} ({amounts}{_megabytes(free)} MB free)")
    if exc.errno == errno.EFBIG:
        return OutputError(where, "file too large for this file system or the process's file size limit")
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        return OutputError(where, "a file is in the way of a folder of the output")
    reason = (exc.strerror or str(exc)).lower()
    if where != output and not Path(where).is_relative_to(output):
        reason += f" (mathpress writes the new output next to {output.name}, then swaps it in)"
    return OutputError(where, reason)


def _where(filename: object, output: Path, staging: Path | None) -> Path:
    """The path a writer knows for a file of the staging tree (its place in the output); the folder that
    holds the output for the folders made beside it."""
    if not isinstance(filename, str | os.PathLike):
        return output
    path = Path(os.fsdecode(filename))
    beside = (sibling(output, NEW_SUFFIX), sibling(output, OLD_SUFFIX))
    if path in beside:
        return output.parent
    for staged in (*beside, staging):
        if staged is not None and path.is_relative_to(staged) and path != staged:
            return output / path.relative_to(staged)
    return path


def _bytes_needed(files: Mapping[str, Content], changed: Sequence[str], staging: Path | None) -> int:
    """How many bytes the changed files take (what the new output needs beyond the files it shares)."""
    total = 0
    for rel in changed:
        content = files[rel]
        if isinstance(content, bytes):
            total += len(content)
            continue
        candidates = [content] if isinstance(content, Path) else []
        if isinstance(content, Pending | Cached):
            candidates.append(content.path)
        if staging is not None:
            candidates.append(staging / rel)  # a pending file already moved into the staging tree
        total += next((size for size in map(_size, candidates) if size is not None), 0)
    return total


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _free_bytes(output: Path) -> int:
    """Free space for unprivileged writes where the output is (its nearest existing folder)."""
    folder = next((p for p in (output, *output.parents) if p.is_dir()), Path("/"))
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize


def _megabytes(count: int) -> str:
    return f"{count / MEGABYTE:.1f}" if count >= MEGABYTE // 10 or count == 0 else f"{count / MEGABYTE:.2f}"


def _listing_path(tree: Path) -> Path:
    return tree.with_name(tree.name + ".json")


def _take_listing(tree: Path) -> dict[str, Stat] | None:
    """The saved listing of a kept tree (so it need not be scanned), removed before the tree is changed."""
    path = _listing_path(tree)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        listing = {str(rel): (int(v[0]), int(v[1]), int(v[2])) for rel, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError, IndexError):
        listing = None
    path.unlink(missing_ok=True)
    return listing


def _keep_listing(tree: Path, listing: Mapping[str, Stat]) -> None:
    """Save a kept tree's listing; where it cannot be written (a full disk), the next publish scans the tree."""
    try:
        _save_listing(tree, listing)
    except OSError:
        for path in (_listing_path(tree), _listing_path(tree).with_suffix(".json.tmp")):
            path.unlink(missing_ok=True)


def _save_listing(tree: Path, listing: Mapping[str, Stat]) -> None:
    """Remember what a kept tree holds, for the next publish."""
    path = _listing_path(tree)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps({rel: list(v) for rel, v in listing.items()}), encoding="utf-8")
    os.replace(temp, path)


def _same(
    output: Path, rel: str, stat: Stat | None, content: Content, cached_stat: Callable[[Path], os.stat_result] = os.stat
) -> bool:
    """Whether the output file already holds this content (`cached_stat` stats the cache's files)."""
    if stat is None or stat[2] < 0:
        return False
    if isinstance(content, Keep):
        return True
    if isinstance(content, Pending):
        return False
    if isinstance(content, Cached):
        source = cached_stat(content.path)
        return stat[2] == source.st_ino or (stat[0], stat[1]) == (source.st_size, source.st_mtime_ns)
    if isinstance(content, Path):
        source = content.stat()
        if stat[0] != source.st_size:
            return False
        return stat[1] == source.st_mtime_ns or filecmp.cmp(content, os.path.join(output, rel), shallow=False)
    if stat[0] != len(content):
        return False
    with open(os.path.join(output, rel), "rb") as stream:
        return stream.read() == content


def _staging(output: Path, shadow: Path | None) -> Path:
    """The folder to assemble the new tree in: the kept shadow tree (in the cache) when it is on the
    output's file system, else a hidden folder beside the output."""
    if shadow is not None and output.is_dir():
        shadow.mkdir(parents=True, exist_ok=True)
        if shadow.stat().st_dev == output.stat().st_dev:
            return shadow
        shutil.rmtree(shadow)
    staging = sibling(output, NEW_SUFFIX)
    staging.mkdir(parents=True)
    return staging


def _sync(
    staging: Path,
    output: Path,
    files: Mapping[str, Content],
    current: Mapping[str, Stat],
    changed: set[str],
    present: dict[str, Stat] | None = None,
) -> None:
    """Make the staging tree hold the new files: hard links to unchanged ones, new bytes for the rest.

    `present` is what the staging tree holds, when known without scanning it."""
    present = scan(staging) if present is None else present
    gone = set(present) - set(files)
    for rel in gone:
        with contextlib.suppress(FileNotFoundError):  # a listing may name a file that is not there
            os.unlink(os.path.join(staging, rel))
    made: set[str] = set()
    base = os.path.join(staging, "")  # rel is a plain relative path (checked in publish)
    for rel, content in files.items():
        if rel not in changed:
            old = present.get(rel)
            if old is None or old[2] != current[rel][2]:  # else the staging tree holds it already
                _replace_with_link(base + rel, os.path.join(output, rel), made)
            continue
        _write(base + rel, content, made)
    _prune_empty_dirs(staging, gone)


def _parent(path: str, made: set[str]) -> None:
    folder = os.path.dirname(path)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)


def _clear(target: str, made: set[str]) -> None:
    """Make room for a new file: remove what is there (whatever a listing said), else make its folder."""
    try:
        os.unlink(target)
    except FileNotFoundError:
        _parent(target, made)


def _replace_with_link(target: str, source: str, made: set[str]) -> None:
    """Point target at the same file as source (a hard link; a copy where links fail)."""
    _clear(target, made)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _write(target: str, content: Content, made: set[str]) -> None:
    """Write new content at target (never through an existing hard link)."""
    _clear(target, made)
    if isinstance(content, Pending):
        try:
            os.replace(content.path, target)
        except OSError:  # another file system
            shutil.move(content.path, target)
    elif isinstance(content, Cached):
        try:
            os.link(content.path, target)
        except OSError:
            shutil.copy2(content.path, target)
    elif isinstance(content, Path):
        shutil.copy2(content, target, follow_symlinks=True)
    elif isinstance(content, bytes):
        with open(target, "wb") as stream:
            stream.write(content)
    else:
        raise FileNotFoundError(f"{target}: kept file disappeared during the build")


def _prune_empty_dirs(folder: Path, removed: set[str]) -> None:
    """Remove the folders that removed files left empty."""
    for rel in sorted(removed, key=len, reverse=True):
        parent = os.path.dirname(os.path.join(folder, rel))
        while parent != str(folder) and os.path.isdir(parent) and not os.listdir(parent):
            os.rmdir(parent)
            parent = os.path.dirname(parent)


def _swap_in(staging: Path, output: Path, shadow: Path | None) -> bool:
    """Exchange the staging tree with the output in one step; keep or delete the old tree. If the exchange
    fails (a read-only folder), the staging tree is removed and the output is as it was. False (nothing
    done) when the staging tree is the cache's and cannot be renamed to the output: a bind mount of the
    same file system (same device, another mount) refuses renames across it."""
    try:
        replaced = _exchange_trees(staging, output)
    except OSError as exc:
        if exc.errno == errno.EXDEV and staging == shadow:
            return False
        shutil.rmtree(staging, ignore_errors=True)
        raise output_error(exc, output) from None
    try:
        _keep_replaced(replaced, output, shadow)
    except OSError:  # published; only the tree kept to stage the next build is lost (it is built again)
        for tree in (replaced, shadow):
            if tree is not None:
                shutil.rmtree(tree, ignore_errors=True)
        if shadow is not None:
            _listing_path(shadow).unlink(missing_ok=True)
    return True


def _exchange_trees(staging: Path, output: Path) -> Path | None:
    """Put the staging tree in the output's place; the tree it replaced (None if there was none)."""
    if not output.exists():
        os.rename(staging, output)
        return None
    if _exchange(staging, output):
        return staging
    old = sibling(output, OLD_SUFFIX)
    os.rename(output, old)
    try:
        os.rename(staging, output)
    except OSError:
        os.rename(old, output)
        raise
    return old


def _keep_replaced(replaced: Path | None, output: Path, shadow: Path | None) -> None:
    """Keep the replaced tree as the next staging tree (or a mirror of a first output), or delete it."""
    if replaced is None:
        if shadow is not None:  # the next publish syncs a few files here instead of linking them all
            _mirror(output, shadow)
    elif shadow is None:
        shutil.rmtree(replaced)
    elif replaced != shadow:
        shadow.parent.mkdir(parents=True, exist_ok=True)
        _move_or_delete(replaced, shadow)


def _mirror(tree: Path, destination: Path) -> None:
    """Fill destination with hard links to every file of tree (only on the same file system)."""
    if destination.exists():
        shutil.rmtree(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.parent.stat().st_dev != tree.stat().st_dev:
        return
    made: set[str] = set()
    for rel in scan(tree):
        _replace_with_link(os.path.join(destination, rel), os.path.join(tree, rel), made)


def _move_or_delete(tree: Path, destination: Path) -> None:
    """Keep the replaced tree as the next staging tree, or delete it if it cannot move there."""
    try:
        os.rename(tree, destination)
    except OSError as exc:
        if exc.errno not in (errno.EXDEV, errno.ENOTEMPTY, errno.EEXIST):
            raise
        shutil.rmtree(tree)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with Linux's renameat2; False where it is unavailable, OSError where it fails."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system without exchange: two renames
        return False
    raise OSError(code, os.strerror(code), os.fsdecode(b))
