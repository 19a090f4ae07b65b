"""Tests proving the browser harness (tests/browser.py) notices good and broken math pages."""

from __future__ import annotations

import http.client
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser import (
    MATHJAX3_URL_PATH,
    MATHJAX4_FONT_CONFIG,
    MATHJAX4_URL_PATH,
    NODE_MODULES,
    launch_chromium,
    serve_directory,
    typeset,
)

pytestmark = pytest.mark.browser

MATHJAX_CONFIG = (
    "tex: {inlineMath: [['\\\\(', '\\\\)']], displayMath: [['\\\\[', '\\\\]']], "
    "processEscapes: false, processEnvironments: false, tags: 'none', macros: {}}, "
    "options: {ignoreHtmlClass: 'mathpress-page', processHtmlClass: 'math'}, "
    "startup: {typeset: true}"
)
# (script path, extra config) for each MathJax major the harness must support.
MATHJAX_VERSIONS = [
    pytest.param(MATHJAX3_URL_PATH, "", id="mathjax3"),
    pytest.param(MATHJAX4_URL_PATH, MATHJAX4_FONT_CONFIG + ", ", id="mathjax4"),
]
GOOD_BODY = (
    '<p>Inline <span class="math inline">\\(x^2\\)</span> in a sentence.</p>\n'
    '<span class="math display">\\[\\begin{align} a &amp;= b \\tag{1}\\end{align}\\]</span>'
)


def write_page(root: Path, name: str, body: str, script: str | None, extra: str = "") -> str:
    """Write a mathpress-style page to root/name and return name."""
    head = ""
    if script is not None:
        head = (
            f'<script>window.MathJax = {{{extra}{MATHJAX_CONFIG}}};</script>\n<script defer src="{script}"></script>\n'
        )
    (root / name).write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>t</title>\n'
        f'{head}</head><body class="mathpress-page">\n{body}\n</body></html>\n',
        encoding="utf-8",
    )
    return name


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module."""
    if not (NODE_MODULES / "mathjax4").is_dir():
        pytest.fail("tests/node_modules is missing: run `bash tests/install_deps.sh`")
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page in its own context."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(("script", "extra"), MATHJAX_VERSIONS)
def test_good_page_renders_without_errors(page: Page, tmp_path: Path, script: str, extra: str) -> None:
    """Inline math and a tagged align render, with the tag visible and nothing raw left."""
    write_page(tmp_path, "good.html", GOOD_BODY, script, extra)
    with serve_directory(tmp_path) as base:
        report = typeset(page, base + "good.html")
    assert report.mathjax_loaded
    assert report.version.split(".")[0] == script.split("mathjax")[1][0]
    assert report.status == 200
    assert report.rendered == 2
    assert report.errors == []
    assert report.console_errors == []
    assert report.tag_labels == ["(1)"]
    assert "Inline" in report.visible_text and "in a sentence." in report.visible_text
    for raw in ("\\(", "\\[", "$$", "{:", "{%", "\\tag", "\\begin"):
        assert raw not in report.visible_text


@pytest.mark.parametrize(("script", "extra"), MATHJAX_VERSIONS)
@pytest.mark.parametrize(
    ("math", "expected"),
    [
        ('<span class="math display">\\[\\frac{a}{\\]</span>', "\\frac{a}{"),
        ('<span class="math inline">\\(\\frac{a}{\\)</span>', "\\frac{a}{"),
        ('<span class="math inline">\\(\\foo + 1\\)</span>', "\\foo"),
        ('<span class="math inline">\\(x^\\)</span>', "Missing superscript"),
        ('<span class="math display">\\[\\frac{a}\\]</span>', "Missing argument for \\frac"),
    ],
    ids=[
        "unclosed-brace-display",
        "unclosed-brace-inline",
        "undefined-macro",
        "merror-sup",
        "merror-frac",
    ],
)
def test_broken_math_is_reported(page: Page, tmp_path: Path, script: str, extra: str, math: str, expected: str) -> None:
    """Unbalanced braces, undefined macros and TeX errors all end up in `errors`."""
    write_page(tmp_path, "bad.html", f"<p>Before {math} after.</p>", script, extra)
    with serve_directory(tmp_path) as base:
        report = typeset(page, base + "bad.html")
    assert report.mathjax_loaded
    assert report.errors, report
    assert any(expected in error for error in report.errors), report.errors


@pytest.mark.parametrize(("script", "extra"), MATHJAX_VERSIONS)
def test_text_outside_math_spans_is_not_typeset(page: Page, tmp_path: Path, script: str, extra: str) -> None:
    """Delimiters outside .math spans stay as visible text and are not counted."""
    body = '<p>Prose mentions \\(y\\) literally; real math: <span class="math inline">\\(z\\)</span>.</p>'
    write_page(tmp_path, "prose.html", body, script, extra)
    with serve_directory(tmp_path) as base:
        report = typeset(page, base + "prose.html")
    assert report.rendered == 1
    assert report.errors == []
    assert "\\(y\\)" in report.visible_text
    assert "\\(z\\)" not in report.visible_text


def test_page_without_mathjax_reports_not_loaded_quickly(page: Page, tmp_path: Path) -> None:
    """No MathJax script: mathjax_loaded is False and typeset returns at once."""
    body = '<p>Just <span class="math inline">\\(x\\)</span>.</p>'
    write_page(tmp_path, "plain.html", body, None)
    with serve_directory(tmp_path) as base:
        start = time.monotonic()
        report = typeset(page, base + "plain.html")
        elapsed = time.monotonic() - start
    assert not report.mathjax_loaded
    assert report.rendered == 0 and report.version == ""
    assert "\\(x\\)" in report.visible_text
    assert elapsed < 5


def test_mathjax4_without_local_font_path_is_caught(page: Page, tmp_path: Path) -> None:
    """A MathJax 4 page lacking the font path reaches for the CDN, which is blocked and reported."""
    write_page(tmp_path, "cdn.html", GOOD_BODY, MATHJAX4_URL_PATH)
    with serve_directory(tmp_path) as base:
        report = typeset(page, base + "cdn.html")
    assert report.mathjax_loaded
    assert any("blocked non-local request" in e for e in report.console_errors), report


def _get(base: str, path: str) -> tuple[int, str, str]:
    """GET `path` from the server at `base`; return status, content type and body."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Content-Type", ""), body
    finally:
        conn.close()


def test_serve_directory_with_prefix(tmp_path: Path) -> None:
    """The site lives under /repo/, its 404 page answers misses there, assets are mounted."""
    (tmp_path / "index.html").write_text("<p>home</p>", encoding="utf-8")
    (tmp_path / "404.html").write_text("<p>custom not found</p>", encoding="utf-8")
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "index.html").write_text("<p>posts</p>", encoding="utf-8")
    (tmp_path / "feed.xml").write_text("<feed/>", encoding="utf-8")
    with serve_directory(tmp_path, "/repo/") as base:
        assert base.endswith("/repo/")
        assert _get(base, "/repo/index.html")[::2] == (200, "<p>home</p>")
        assert _get(base, "/repo/")[::2] == (200, "<p>home</p>")
        assert _get(base, "/repo/posts/")[::2] == (200, "<p>posts</p>")
        assert _get(base, "/repo/index.html")[1].startswith("text/html")
        assert _get(base, "/repo/feed.xml")[1] == "application/xml"
        status, _, body = _get(base, "/index.html")
        assert status == 404 and "custom not found" not in body
        not_found = (404, "text/html; charset=utf-8", "<p>custom not found</p>")
        assert _get(base, "/repo/a/b/c/missing") == not_found
        for escape in ("/repo/../../etc/passwd", "/repo/%2e%2e/%2e%2e/etc/passwd"):
            assert _get(base, escape)[::2] == (404, "<p>custom not found</p>")
        assert _get(base, "/repo")[0] == 301
        assert _get(base, MATHJAX3_URL_PATH)[:2] == (200, "text/javascript; charset=utf-8")
        assert _get(base, MATHJAX4_URL_PATH)[:2] == (200, "text/javascript; charset=utf-8")
        woff2 = "/_mathjax4-fonts/mathjax-newcm-font/chtml/woff2/mjx-ncm-n.woff2"
        assert _get(base, woff2)[:2] == (200, "font/woff2")
        woff = "/_mathjax3/es5/output/chtml/fonts/woff-v2/MathJax_Zero.woff"
        assert _get(base, woff)[:2] == (200, "font/woff")
        assert _get(base, "/_mathjax4/sre/mathmaps/en.json")[:2] == (200, "application/json")
        assert _get(base, "/_mathjax3/nope.js")[0] == 404
        assert _get(base, "/elsewhere/x.html")[0] == 404
