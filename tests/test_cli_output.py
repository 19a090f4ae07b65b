"""What the build prints: a counter on terminals only, one summary line, warnings grouped and sorted."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_site

REPO = Path(__file__).resolve().parent.parent


def run_on_terminal(args: list[str]) -> str:
    """Run build.py attached to a pseudo-terminal; everything it printed."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), *args], stdin=follower, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait()
    os.close(leader)
    return b"".join(chunks).decode()


def site_with_warnings(root: Path) -> Path:
    """A site with 40 posts (enough to show a counter) and warnings in two files, out of order."""
    files = {f"content/posts/2024-01-{d:02d}-p{d}.md": f"Post {d} with $x_{d}$.\n" for d in range(1, 29)}
    files["content/posts/2024-02-01-b.md"] = "---\nlayout: wide\n---\n$\\fracc{a}$ and $\\nope$\n"
    files["content/posts/2024-02-02-a.md"] = "{% include x.html %}\n\n$\\bad$\n"
    return make_site(root, files)


def test_a_terminal_gets_a_counter_and_one_summary_line(tmp_path: Path) -> None:
    root = site_with_warnings(tmp_path / "site")
    text = run_on_terminal(["build", "--source", str(root), "--no-cache"])
    assert "\x1b[K" in text and "markdown " in text
    summary = [line for line in text.replace("\r", "\n").splitlines() if line.startswith("built ")]
    assert len(summary) == 1
    assert summary[0].startswith(f"built 30 posts and 0 pages into {root / '_site'}: ")
    assert " written, 0 unchanged, 0 removed, 5 warning(s), " in summary[0]


def test_without_a_terminal_there_are_no_control_codes_and_warnings_are_sorted(tmp_path: Path) -> None:
    root = site_with_warnings(tmp_path / "site")
    result = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--source", str(root), "--no-cache"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0
    assert "\x1b" not in result.stdout + result.stderr and "\r" not in result.stdout + result.stderr
    assert result.stderr.splitlines() == [
        "content/posts/2024-02-01-b.md:2:1: warning: unknown layout `wide` (known: page, post); using `post`",
        "content/posts/2024-02-01-b.md:4:2: warning: unknown TeX macro `\\fracc` (did you mean `\\frac`?)",
        "content/posts/2024-02-01-b.md:4:18: warning: unknown TeX macro `\\nope`",
        "content/posts/2024-02-02-a.md:1:1: warning: `{% include x.html %}`: no file _includes/x.html; left out",
        "content/posts/2024-02-02-a.md:3:2: warning: unknown TeX macro `\\bad`",
    ]
    quiet = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--source", str(root), "--quiet"],
        capture_output=True,
        text=True,
    )
    assert quiet.stdout == "" and len(quiet.stderr.splitlines()) == 5
