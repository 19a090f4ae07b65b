"""When the output cannot be written (a full disk, a read-only folder, a file in the way): one
`path: message` line, exit 1, the previous output exactly as it was and nothing left beside it.

Faults are real ones: a small tmpfs (mounted where the machine allows it, else the test is skipped
with the reason), a read-only mount or folder, and a file size limit (RLIMIT_FSIZE, which makes
writes fail with EFBIG) set on the build's process, which works everywhere.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_site
from tests.serve_helpers import Served

REPO = Path(__file__).resolve().parent.parent
BIG = 200_000  # four of these do not fit in a 600 KB tmpfs beside a small site


def small_site(root: Path) -> Path:
    """A site of two posts and a page."""
    return make_site(
        root,
        {
            "content/posts/2024-01-01-one.md": "---\ntitle: One\n---\nFirst post with $x^2$.\n",
            "content/posts/2024-01-02-two.md": "---\ntitle: Two\n---\nSecond post.\n",
            "content/about.md": "---\ntitle: About\n---\nAbout me.\n",
        },
    )


def run_build(source: Path, output: Path, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    """`mathpress build` in its own process (so the exit code and every printed line are the real ones);
    `limit` caps the size of every file it writes (RLIMIT_FSIZE)."""

    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    command = [sys.executable, str(REPO / "build.py"), "build", "--source", str(source), "--output", str(output)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [*command, "--jobs", "1", "--quiet"], capture_output=True, text=True, env=env, preexec_fn=cap, timeout=120
    )


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def used_bytes(folder: Path) -> int:
    """Bytes in use on the file system holding folder."""
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


def assert_clean_failure(result: subprocess.CompletedProcess[str], pattern: str) -> None:
    """Exit 1, the error as its first line (no traceback), and the promise that nothing was published."""
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    first, *rest = result.stderr.splitlines()
    assert re.fullmatch(pattern, first), first
    assert rest == ["mathpress: nothing was published; the previous output is kept"]


@contextlib.contextmanager
def mounted(folder: Path, *arguments: str) -> Iterator[Path]:
    """`mount ARGUMENTS folder` for the block, unmounted after it; the test is skipped where mounting is not
    allowed (not root, a container without CAP_SYS_ADMIN)."""
    folder.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command on this machine")
    done = subprocess.run(["mount", *arguments, str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting ({done.stderr.strip() or done.returncode})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def remount_read_only(folder: Path) -> None:
    """Make a mounted folder read-only (a bind mount stays read-only only through a remount)."""
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)


def tiny_disk(tmp_path: Path) -> contextlib.AbstractContextManager[Path]:
    """A 600 KB tmpfs, as in the report of the bug."""
    return mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=600k", "tmpfs")


def test_a_full_disk_fails_with_the_space_needed_and_leaves_the_output_and_the_space(tmp_path: Path) -> None:
    source = small_site(tmp_path / "site")
    with tiny_disk(tmp_path) as disk:
        output = disk / "out"
        assert run_build(source, output).returncode == 0
        before, used = tree(output), used_bytes(disk)
        for n in range(4):
            (source / "static").mkdir(exist_ok=True)
            (source / f"static/big{n}.bin").write_bytes(os.urandom(BIG))
        result = run_build(source, output)
        assert_clean_failure(
            result, re.escape(f"{output}: no space left on device (") + r"0\.8 MB needed, 0\.\d MB free\)"
        )
        assert tree(output) == before
        assert [p.name for p in disk.iterdir()] == ["out"]  # no .out.mathpress-new beside it
        assert used_bytes(disk) <= used  # the space the failed build took is free again


def test_a_full_disk_holding_the_site_and_its_cache_frees_the_cache_tree_too(tmp_path: Path) -> None:
    with tiny_disk(tmp_path) as disk:
        source = small_site(disk / "site")  # the publish stages in the cache's kept tree, on the same disk
        output = source / "_site"
        assert run_build(source, output).returncode == 0
        (source / "content/posts/2024-01-02-two.md").write_text("---\ntitle: Two\n---\nEdited.\n")
        assert run_build(source, output).returncode == 0  # now the cache keeps the tree the output replaced
        before, used = tree(output), used_bytes(disk)
        (source / "static").mkdir()
        (source / "static/big.bin").write_bytes(os.urandom(300_000))  # fits once, not twice
        assert_clean_failure(run_build(source, output), re.escape(f"{output}: no space left on device (0.3 MB") + ".*")
        assert tree(output) == before
        assert sorted(p.name for p in source.iterdir() if p.name.startswith(".")) == [".mathpress-cache"]
        assert used_bytes(disk) <= used + 300_000 + 20_000  # the file added and the build's state: no staging tree
        assert not (source / ".mathpress-cache/publish").exists()


def test_a_read_only_file_system_fails_cleanly(tmp_path: Path) -> None:
    source = small_site(tmp_path / "site")
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=2m", "tmpfs") as disk:
        output = disk / "out"
        assert run_build(source, output).returncode == 0
        before = tree(output)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        (source / "content/posts/2024-01-02-two.md").write_text("---\ntitle: Two\n---\nEdited.\n")
        assert_clean_failure(run_build(source, output), re.escape(f"{disk}: read-only file system") + ".*")
        assert tree(output) == before
        assert [p.name for p in disk.iterdir()] == ["out"]


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """A folder no build may write in: a read-only bind mount for root (whom permissions do not stop),
    else mode 0555."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    with mounted(folder, "--bind", str(folder)):
        remount_read_only(folder)
        yield


def test_a_read_only_folder_holding_the_output_fails_cleanly(tmp_path: Path) -> None:
    source = small_site(tmp_path / "site")
    holder = tmp_path / "public"
    output = holder / "out"
    assert run_build(source, output).returncode == 0
    before = tree(output)
    (source / "content/posts/2024-01-02-two.md").write_text("---\ntitle: Two\n---\nEdited.\n")
    with read_only(holder):
        result = run_build(source, output)
        assert_clean_failure(result, re.escape(f"{holder}: ") + "(read-only file system|permission denied).*")
        assert "writes the new output next to out" in result.stderr
    assert tree(output) == before
    assert [p.name for p in holder.iterdir()] == ["out"]
    assert run_build(source, output).returncode == 0  # writable again: the next build publishes
    assert "Edited." in (output / "2024/01/02/two/index.html").read_text()


def test_a_cache_on_another_mount_of_the_same_file_system_still_publishes(tmp_path: Path) -> None:
    # A bind mount has the same device number as what it shows, but renames across it fail (EXDEV).
    source = small_site(tmp_path / "site")
    with mounted(tmp_path / "public", "--bind", str(tmp_path / "public")) as holder:
        output = holder / "out"
        assert run_build(source, output).returncode == 0
        (source / "content/posts/2024-01-02-two.md").write_text("---\ntitle: Two\n---\nEdited.\n")
        result = run_build(source, output)
        assert result.returncode == 0, result.stderr
        assert "Edited." in (output / "2024/01/02/two/index.html").read_text()
        assert [p.name for p in holder.iterdir()] == ["out"]


def test_an_output_path_that_is_a_file_is_left_alone(tmp_path: Path) -> None:
    source = small_site(tmp_path / "site")
    output = tmp_path / "out"
    output.write_text("mine\n")
    pattern = re.escape(f"{output}: the output path is a file, not a folder") + ".*"
    assert_clean_failure(run_build(source, output), pattern)
    assert output.read_text() == "mine\n"
    inner = output / "site"
    pattern = re.escape(f"{inner}: {output}, a folder of the output path, is a file, not a folder") + ".*"
    assert_clean_failure(run_build(source, inner), pattern)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "site"]


def test_a_mount_point_as_the_output_is_refused_before_building(tmp_path: Path) -> None:
    source = small_site(tmp_path / "site")
    with mounted(tmp_path / "disk", "-t", "tmpfs", "-o", "size=1m", "tmpfs") as disk:
        result = run_build(source, disk)
        assert result.returncode == 2
        assert "it is a mount point" in result.stderr and "build into a folder inside it" in result.stderr
        assert list(disk.iterdir()) == []


def test_a_file_size_limit_fails_cleanly_anywhere(tmp_path: Path) -> None:
    # RLIMIT_FSIZE needs no privilege: a write past it fails with EFBIG (Python ignores SIGXFSZ).
    source = small_site(tmp_path / "site")
    output = tmp_path / "public" / "out"
    assert run_build(source, output).returncode == 0
    before = tree(output)
    (source / "static").mkdir()
    (source / "static/big.bin").write_bytes(os.urandom(BIG))
    (source / "content/posts/2024-01-02-two.md").write_text("---\ntitle: Two\n---\nEdited.\n")
    result = run_build(source, output, limit=BIG // 2)
    assert_clean_failure(result, re.escape(f"{output / 'big.bin'}: file too large") + ".*")
    assert tree(output) == before
    assert [p.name for p in output.parent.iterdir()] == ["out"]
    assert run_build(source, output).returncode == 0  # without the limit it publishes
    assert (output / "big.bin").stat().st_size == BIG


@pytest.mark.devserver  # runs the dev server: a year ahead it runs under time-machine, not faketime
def test_serve_keeps_the_last_good_output_when_an_update_finds_the_disk_full(tmp_path: Path) -> None:
    # The site on a small disk of its own, its cache elsewhere: only the output's writes can fail.
    cache = tmp_path / "cache"
    cache.mkdir()
    with mounted(tmp_path / "site", "-t", "tmpfs", "-o", "size=400k", "tmpfs") as root:
        source = small_site(root)
        with mounted(source / ".mathpress-cache", "--bind", str(cache)):
            served = Served(source).wait_ready()
            try:
                page = "_site/2024/01/02/two/index.html"
                before = (source / page).read_bytes()
                free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
                (root / "filler.bin").write_bytes(b"\0" * (free - 90_000))  # 90 KB left; not a watched file
                start = len(served.lines)
                post = source / "content/posts/2024-01-02-two.md"
                post.write_text("---\ntitle: Two\n---\n" + "word " * 12_000)  # 60 KB: its page does not fit
                served.wait_for_line(r"no space left on device", start=start)
                served.wait_for_line(r"build failed \(1 error\(s\)\)", start=start)
                status = served.status()
                assert status["errors"] and "no space left on device" in status["errors"][0]
                assert (source / page).read_bytes() == before
                assert not [p for p in (source / "_site").rglob("*") if p.name.endswith(".tmp")]
                assert "Traceback" not in served.output
                (root / "filler.bin").unlink()
                start = len(served.lines)
                post.write_text("---\ntitle: Two\n---\nShort again.\n")
                served.wait_for_line(r"built in|updated in", start=start)
                assert "Short again." in (source / page).read_text()
            finally:
                served.close()
