"""Shared test helpers: build real sites from inline files in temporary folders."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from mathpress.pipeline import BuildOptions, BuildReport, build

NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)
# Every test, and every process a test starts, reads this clock: `init`, `new` and builds take "now" from
# SOURCE_DATE_EPOCH, so the suite passes on any date.
NOW_EPOCH = str(int(NOW.timestamp()))
MINIMAL_CONFIG = "title: Test Blog\nauthor: Tester\nurl: https://example.org\n"


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
    """Pin "now" to NOW for the whole session (fixtures of every scope) and the processes it starts."""
    os.environ["SOURCE_DATE_EPOCH"] = NOW_EPOCH


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
