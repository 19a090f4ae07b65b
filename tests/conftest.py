"""Shared test helpers: build real sites from inline files in temporary folders."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from mathpress.pipeline import BuildOptions, BuildReport, build

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
# Every test, and every process a test starts, reads this clock: `init`, `new` and builds take "now" from
# SOURCE_DATE_EPOCH, so the suite passes on any date.
NOW_EPOCH = str(int(NOW.timestamp()))
MINIMAL_CONFIG = "title: Test Blog\nauthor: Tester\nurl: https://example.org\n"
# Every process the suite starts inherits this variable (xdist workers, builds, servers, their workers): at the end
# of the run, any process still alive that carries this run's value was left behind by a test, and fails the run.
RUN_MARK = "MATHPRESS_TEST_RUN"
LEFTOVER_GRACE_SECONDS = 5.0  # for processes that are ending (a killed build's workers, xdist workers)


def make_site(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write a site from {relative path: text}; a site.yml is added when missing."""
    root.mkdir(parents=True, exist_ok=True)
    if "site.yml" not in files:
        (root / "site.yml").write_text(MINIMAL_CONFIG, encoding="utf-8")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def build_site(root: Path, **options: object) -> BuildReport:
    """Build with a fixed clock and one process, unless the test says otherwise."""
    settings: dict[str, object] = {"now": NOW, "jobs": 1}
    settings.update(options)
    return build(BuildOptions(source=root, **settings))  # type: ignore[arg-type]


def read_output(root: Path, rel: str) -> str:
    """A built file's text."""
    return (root / "_site" / rel).read_text(encoding="utf-8")


def pytest_configure(config: pytest.Config) -> None:
    """Pin "now" to NOW for the whole session (fixtures of every scope) and the processes it starts;
    mark them all as this run's."""
    os.environ["SOURCE_DATE_EPOCH"] = NOW_EPOCH
    if not hasattr(config, "workerinput"):  # xdist workers keep their controller's mark
        os.environ[RUN_MARK] = uuid.uuid4().hex


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run if a process started by a test is still alive (Linux: found through /proc)."""
    _stop_multiprocessing_helpers()  # this process's own forkserver and resource tracker: stopped, not leftovers
    if hasattr(session.config, "workerinput") or not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    while (left := leftover_processes(os.environ[RUN_MARK])) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"tests left {len(left)} process(es) running:"] + [f"  pid {pid}: {cmd}" for pid, cmd in left.items()]
        if reporter is not None:
            reporter.write("\n" + "\n".join(lines) + "\n", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _stop_multiprocessing_helpers() -> None:
    """Stop the forkserver and resource tracker multiprocessing started for this process's builds (the
    build uses a forkserver once threads run, as V8's do); they would otherwise outlive the session's end."""
    import multiprocessing.forkserver
    import multiprocessing.resource_tracker

    multiprocessing.forkserver._forkserver._stop()  # type: ignore[attr-defined]
    multiprocessing.resource_tracker._resource_tracker._stop()  # type: ignore[attr-defined]


def leftover_processes(mark: str) -> dict[int, str]:
    """Live processes carrying RUN_MARK=mark, other than this one and its ancestors: pid → command line."""
    needle = f"{RUN_MARK}={mark}".encode()
    ancestors = _ancestors(os.getpid())
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in ancestors:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as stream:
                if needle not in stream.read().split(b"\0"):
                    continue
            with open(f"/proc/{name}/stat", "rb") as stream:
                if stream.read().rsplit(b")", 1)[1].split()[0] == b"Z":  # ended, not yet reaped
                    continue
            with open(f"/proc/{name}/cmdline", "rb") as stream:
                found[int(name)] = stream.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


def _ancestors(pid: int) -> set[int]:
    """pid and every process above it."""
    chain = set()
    while pid > 0 and pid not in chain:
        chain.add(pid)
        try:
            with open(f"/proc/{pid}/stat", "rb") as stream:
                pid = int(stream.read().rsplit(b")", 1)[1].split()[1])
        except OSError:
            break
    return chain


@pytest.fixture
def site(tmp_path: Path) -> Callable[[Mapping[str, str | bytes]], Path]:
    """make_site bound to this test's temporary folder."""
    return lambda files: make_site(tmp_path / "site", files)


@pytest.fixture(scope="session")
def browser_session() -> Iterator[object]:
    """One headless Chromium for every browser test in this process."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()
