"""Save to screen: a dev server on a generated site, a post open in Chromium, N saves timed.

For each save the harness writes the file, then polls the open page (every 2 ms) until
its text shows what was saved: the time from the end of the write to that moment is one
sample. The page updates by itself (mathpress's event stream swaps what changed in place,
Hugo's livereload reloads): the harness never navigates. Kinds of save:

- body    a paragraph with a fresh marker appended to the post (replacing the last one);
- title   the post's title replaced by a fresh marker (its listings change too);
each save changes only that: the title and the paragraph of earlier saves stay.
- static  a file in static/ rewritten; the sample ends when the open page has reloaded or
          (mathpress) has finished its in-place update (`window.mathpressSwaps` moved on).

Used by run.py (`--serve N`); also runnable alone:
  python benchmarks/serve_bench.py mathpress SITE --saves 10 [--kinds body title static]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
KINDS = ("body", "title", "static")
START_TIMEOUT = 1800.0  # a first build of 5,000 posts on a busy machine
SAVE_TIMEOUT = 60.0
SETTLE = 0.4  # seconds between saves: the previous reload has finished, the watchers are quiet
LOST = "lost "  # samples[LOST + kind]: one entry per save of that kind that never reached the page


@dataclass(frozen=True)
class Server:
    """How to start one tool's dev server on a site, and where its posts live."""

    tool: str
    command: list[str]
    posts: Path  # the folder of the posts' Markdown files
    static: Path  # the folder of static files served as they are


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_for(tool: str, site: Path, port: int, hugo: list[str] | None = None) -> Server:
    """The command line of mathpress serve or hugo server (rendering to memory, its default)."""
    if tool == "mathpress":
        command = [sys.executable, str(REPO / "build.py"), "serve", "--source", str(site), "--port", str(port)]
        return Server(tool, command, site / "content" / "posts", site / "static")
    assert hugo is not None
    command = [*hugo, "server", "--source", str(site), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--disableFastRender=false", "--cacheDir", str(site.parent / "serve-cache")]
    return Server(tool, command, site / "content" / "posts", site / "static")


@contextlib.contextmanager
def running(server: Server, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The server process, stopped (SIGINT, then SIGKILL) on the way out."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(server.command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before serving")
        if status(f"http://127.0.0.1:{port}/") == 200:
            return
        time.sleep(0.5)
    raise RuntimeError("the server did not answer in time")


def post_url(port: int, post: Path) -> str:
    """The post's URL: /YYYY/MM/DD/slug/, where the day depends on each tool's time zone."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})-(.+)\.md$", post.name)
    assert match, post.name
    day = time.mktime((int(match[1]), int(match[2]), int(match[3]), 12, 0, 0, 0, 0, -1))
    for shift in (0, -1, 1):
        y, m, d = time.localtime(day + shift * 86400)[:3]
        url = f"http://127.0.0.1:{port}/{y:04d}/{m:02d}/{d:02d}/{match[4]}/"
        if status(url) == 200:
            return url
    raise RuntimeError(f"no URL found for {post.name}")


def page_shows(page: Any, marker: str) -> bool:
    """Whether the page's text holds the marker (False while it is between two documents)."""
    try:
        return bool(page.evaluate("m => !!document.body && document.body.innerText.includes(m)", marker))
    except Exception:  # the page navigated away while evaluating: not yet
        return False


def page_updated(page: Any, origin: float, swaps: int) -> bool:
    """Whether a new document has loaded since the one that started at `origin`, or the page has
    finished more in-place updates than `swaps`."""
    try:
        return bool(
            page.evaluate(
                "([o, s]) => (performance.timeOrigin !== o && document.readyState !== 'loading')"
                " || (window.mathpressSwaps || 0) > s",
                [origin, swaps],
            )
        )
    except Exception:
        return False


def swaps_done(page: Any) -> int:
    """How many in-place updates the open page has finished (mathpress; 0 for others)."""
    return int(page.evaluate("window.mathpressSwaps || 0"))


def wait_until(check: Callable[[], bool]) -> float:
    """Poll every 2 ms; the seconds it took."""
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > SAVE_TIMEOUT:
            raise TimeoutError("the saved change never reached the page")
        time.sleep(0.002)
    return time.perf_counter() - started


def save(path: Path, text: str) -> None:
    """Write a file as an editor does: to a temporary file, then renamed over it."""
    temp = path.with_name(f".{path.name}.bench-tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)


def measure(server: Server, post: Path, saves: int, kinds: tuple[str, ...], log: Path) -> dict[str, list[float]]:
    """{kind: [seconds from save to screen]} for one tool."""
    from playwright.sync_api import sync_playwright

    original = post.read_text(encoding="utf-8")
    server.static.mkdir(parents=True, exist_ok=True)
    static_file = server.static / "bench-static.txt"
    static_file.write_text("first\n", encoding="utf-8")
    port = int(server.command[server.command.index("--port") + 1])
    samples: dict[str, list[float]] = {kind: [] for kind in kinds} | {LOST + kind: [] for kind in kinds}
    try:
        with running(server, log) as process, sync_playwright() as playwright:
            wait_ready(port, process)
            url = post_url(port, post)
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(url, wait_until="load")
            time.sleep(2 * SETTLE)
            title, paragraph = "", ""  # each save changes one thing: the last title and paragraph stay
            for number in range(saves):
                for kind in kinds:
                    marker = f"bench{kind}{number}x{secrets.token_hex(4)}"
                    if kind in ("body", "title"):
                        paragraph = f"\n\nSaved paragraph {marker}.\n" if kind == "body" else paragraph
                        title = marker if kind == "title" else title
                        titled = (
                            re.sub(r"(?m)^title: .*$", f'title: "{title}"', original, count=1) if title else original
                        )
                        save(post, titled + paragraph)
                        seen = lambda m=marker: page_shows(page, m)  # noqa: E731
                    else:
                        origin, swaps = page.evaluate("performance.timeOrigin"), swaps_done(page)
                        save(static_file, marker + "\n")
                        seen = lambda o=origin, s=swaps: page_updated(page, o, s)  # noqa: E731
                    try:
                        samples[kind].append(wait_until(seen))
                    except TimeoutError:  # the server never told the page: counted, and the page opened again
                        print(f"  {server.tool}: a {kind} save never reached the page; reopening it", flush=True)
                        samples[LOST + kind].append(SAVE_TIMEOUT)
                        page.goto(url, wait_until="load")
                    time.sleep(SETTLE)
            browser.close()
    finally:
        post.write_text(original, encoding="utf-8")
        static_file.unlink(missing_ok=True)
    return samples


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tool", choices=["mathpress", "hugo"])
    ap.add_argument("site", type=Path)
    ap.add_argument("--saves", type=int, default=10)
    ap.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    ap.add_argument("--hugo", default="hugo", help="the hugo binary")
    args = ap.parse_args(argv)
    server = server_for(args.tool, args.site.resolve(), free_port(), [args.hugo])
    posts = sorted(server.posts.glob("*.md"))
    posts = [p for p in posts if not p.name.startswith("_")]
    post = posts[len(posts) // 2]
    samples = measure(server, post, args.saves, tuple(args.kinds), args.site.parent / f"serve-{args.tool}.log")
    for kind in args.kinds:
        values, lost = samples[kind], len(samples[LOST + kind])
        print(
            f"{args.tool} {kind}: median {statistics.median(values) * 1000:.0f} ms of {len(values)} ({lost} lost): "
            + " ".join(f"{v * 1000:.0f}" for v in values)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
