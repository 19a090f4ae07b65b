"""`build --watch`: one build, then a rebuild on every save, into the output `build` writes, until Ctrl-C.

Each check compares the watched output, file by file, with what a separate `build` of the same files
writes into a folder of its own (the clock fixed by SOURCE_DATE_EPOCH in both)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import make_site
from tests.serve_helpers import REPO, Served

pytestmark = pytest.mark.devserver  # serve's watchers and builder: a year ahead, under time-machine, not faketime

EPOCH = "1735689600"  # 2025-01-01: the clock of every build here
WATCH = ("build", "--watch")


def post(body: str, date: str = "2024-01-02", title: str = "Hello") -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntags: [notes]\n---\n\n{body}\n"


def files(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def clean_build(site: Path, into: Path, *args: str) -> dict[str, bytes]:
    """What `build` writes for the site as it is now, into a folder of its own, with no cache."""
    command = [sys.executable, str(REPO / "build.py"), "build", "--source", str(site), "--output", str(into)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    subprocess.run([*command, "--no-cache", "--quiet", *args], check=True, env=env, cwd=REPO, capture_output=True)
    return files(into)


@pytest.fixture
def epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def watched(tmp_path: Path, epoch: None) -> Iterator[tuple[Served, Path, Path]]:
    """A three-post site watched into tmp/out."""
    site = make_site(
        tmp_path / "site",
        {
            "content/posts/2024-01-02-a.md": post("First $x^2$."),
            "content/posts/2024-01-03-b.md": post("Second.", "2024-01-03", "Bee"),
            "content/posts/2024-01-04-c.md": post("Third.", "2024-01-04", "Sea"),
        },
    )
    out = tmp_path / "out"
    served = Served(site, "--output", str(out), command=WATCH)
    served.wait_for_line(r"watching content/")
    yield served, site, out
    served.close()


def test_the_first_build_is_what_build_writes(watched: tuple[Served, Path, Path], tmp_path: Path) -> None:
    served, site, out = watched
    assert files(out) == clean_build(site, tmp_path / "clean")
    assert "built in" in served.output


def test_a_body_edit_rewrites_only_its_page_and_matches_a_clean_build(
    watched: tuple[Served, Path, Path], tmp_path: Path
) -> None:
    served, site, out = watched
    before = files(out)
    start = len(served.lines)
    (site / "content/posts/2024-01-03-b.md").write_text(post("Second, edited: $y$.", "2024-01-03", "Bee"))
    served.wait_for_line(r"updated in [\d.]+ s: \d+ written", start=start)
    after = files(out)
    assert after == clean_build(site, tmp_path / "clean")
    changed = sorted(rel for rel in after if after[rel] != before.get(rel))
    assert changed == ["2024/01/03/b/index.html", "feed.xml", "index.html"]  # the feed and the home page show
    # its body and excerpt; its neighbours, tag page and archive show its title: unchanged


def test_a_title_edit_updates_its_listings_and_a_new_post_builds_in_full(
    watched: tuple[Served, Path, Path], tmp_path: Path
) -> None:
    served, site, out = watched
    start = len(served.lines)
    (site / "content/posts/2024-01-03-b.md").write_text(post("Second.", "2024-01-03", "Bumblebee"))
    served.wait_for_line(r"updated in", start=start)
    assert b"Bumblebee" in files(out)["index.html"]
    assert files(out) == clean_build(site, tmp_path / "clean-1")
    start = len(served.lines)
    (site / "content/posts/2024-01-05-d.md").write_text(post("Fourth.", "2024-01-05", "Dee"))
    served.wait_for_line(r"built in", start=start)  # a new post moves the others: a full build
    assert files(out) == clean_build(site, tmp_path / "clean-2")


def test_a_broken_save_keeps_the_last_good_output_until_fixed(
    watched: tuple[Served, Path, Path], tmp_path: Path
) -> None:
    served, site, out = watched
    good = files(out)
    start = len(served.lines)
    (site / "content/posts/2024-01-02-a.md").write_text("---\ntitle: [broken\n---\n\nText.\n")
    served.wait_for_line(r"build failed \(1 error\(s\)\); the output keeps the last good build", start=start)
    assert "content/posts/2024-01-02-a.md:3:1: invalid YAML" in served.output
    assert files(out) == good
    start = len(served.lines)
    (site / "content/posts/2024-01-02-a.md").write_text(post("First, fixed."))
    served.wait_for_line(r"(built|updated) in", start=start)
    assert files(out) == clean_build(site, tmp_path / "clean")
    assert served.process.poll() is None  # still watching


def test_ctrl_c_stops_the_watch_cleanly(watched: tuple[Served, Path, Path]) -> None:
    served, _site, _out = watched
    assert served.interrupt() == 0
    assert served.lines[-1].endswith(" stopped"), served.output
    assert "Traceback" not in served.output


def test_strict_fails_an_update_that_brings_a_new_warning(tmp_path: Path, epoch: None) -> None:
    site = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("First.")})
    out = tmp_path / "out"
    served = Served(site, "--output", str(out), "--strict", command=WATCH)
    try:
        served.wait_for_line(r"watching content/")
        good = files(out)
        start = len(served.lines)
        (site / "content/posts/2024-01-02-a.md").write_text(post(r"First $\nosuchmacro x$."))
        served.wait_for_line(r"build failed \(1 error\(s\)\)", start=start)
        assert "content/posts/2024-01-02-a.md:7:8: unknown TeX macro `\\nosuchmacro`" in served.output
        assert files(out) == good
    finally:
        served.close()


def test_quiet_prints_only_warnings_and_errors(tmp_path: Path, epoch: None) -> None:
    site = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("First.")})
    out = tmp_path / "out"
    served = Served(site, "--output", str(out), "--quiet", command=WATCH)
    try:
        page = out / "2024/01/02/a/index.html"
        deadline = time.monotonic() + 20
        while not page.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        (site / "content/posts/2024-01-02-a.md").write_text(post(r"First $\nosuchmacro x$."))
        served.wait_for_line(r"unknown TeX macro")
        assert served.interrupt() == 0
        assert served.lines == ["content/posts/2024-01-02-a.md:7:8: warning: unknown TeX macro `\\nosuchmacro`"]
    finally:
        served.close()


def test_an_output_inside_a_watched_folder_is_refused(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("First."), "_data/x.yml": "a: 1\n"})
    command = [sys.executable, str(REPO / "build.py"), *WATCH, "--source", str(site), "--output", str(site / "_data/o")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 2
    assert "refusing to watch into" in done.stderr and "it is inside _data/, which is watched" in done.stderr
    assert not (site / "_data/o").exists()


WARM_UP = """
import sys
from pathlib import Path
from mathpress.math import engine
from mathpress.serve import Builder, Live
from mathpress.survey import BuildOptions
builder = Builder(BuildOptions(Path(sys.argv[1]), output=Path(sys.argv[2]), jobs=1), Live("/"), lambda _: None)
builder.rebuild(first=True)
before = engine.loaded()
builder.warm_up()
print(before, engine.loaded())
"""


@pytest.mark.parametrize(("body", "started"), [("Math: $x^2$.", "True"), ("No math.", "False")])
def test_the_builder_starts_mathjax_before_the_first_save_only_when_the_site_has_math(
    tmp_path: Path, epoch: None, body: str, started: str
) -> None:
    site = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post(body)})
    first = [sys.executable, str(REPO / "build.py"), "build", "--source", str(site), "--quiet"]
    subprocess.run(first, check=True, cwd=REPO)  # fills the cache: the builder's first build typesets nothing
    command = [sys.executable, "-c", WARM_UP, str(site), str(site / "_site")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert (done.returncode, done.stdout.split()) == (0, ["False", started]), done.stderr[-2000:]
