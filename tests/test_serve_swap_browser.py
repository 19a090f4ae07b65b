"""Live update in a real browser: a save swaps what changed into the open page, no navigation.

A long post is open, scrolled far down; the source is edited; the page must show the edit
without loading a new document (a marker set on `window` survives, the navigation count stays),
at the same scroll position, with the typeset math of the untouched paragraphs the very same
nodes, and with the DOM a fresh load of the page gives.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import NODE_MODULES
from tests.conftest import make_site
from tests.serve_helpers import Served

pytestmark = [pytest.mark.browser, pytest.mark.devserver]  # the dev server: a year ahead, under time-machine

POST = "content/posts/2024-01-02-long.md"
URL_PATH = "/2024/01/02/long/"
MATHJAX3 = NODE_MODULES / "mathjax3" / "es5"
SCROLL = 4000


def paragraphs(edited: int | None = None, text: str = "") -> str:
    """120 paragraphs, each with inline math; paragraph `edited` says `text` instead."""
    lines = []
    for n in range(120):
        words = text if n == edited else f"Paragraph {n} keeps the page long"
        lines.append(f"{words}, with $x_{{{n}}} + y^{{{n}}}$ in it.\n\n$$\\sum_{{k=1}}^{{{n}}} k^2$$")
    return "\n\n".join(lines)


def source(title: str = "Long", body: str = "") -> str:
    return f"---\ntitle: {title}\ndate: 2024-01-02\n---\n\n{body or paragraphs()}\n"


def make_long_site(root: Path, render: str) -> Path:
    """A site whose long post is typeset at build time, or by MathJax 3 in the browser (served from the site)."""
    numbered = render.endswith("-ams")
    render = render.removesuffix("-ams")
    config = f"title: Test Blog\nauthor: Tester\nurl: https://example.org\nmath:\n  render: {render}\n"
    config += "  tags: ams\n" if numbered else ""
    files: dict[str, str | bytes] = {
        "site.yml": config,
        POST: source(),
        "content/posts/2024-01-01-short.md": "---\ntitle: Short\n---\n\nShort one.\n",
    }
    if render == "mathjax":
        if not (MATHJAX3 / "tex-chtml.js").is_file():
            pytest.skip("MathJax 3 is not installed (bash tests/install_deps.sh)")
        files["site.yml"] = config + "  mathjax_url: /mathjax/tex-chtml.js\n"
    site = make_site(root, files)
    if render == "mathjax":
        (site / "static/mathjax").mkdir(parents=True)
        shutil.copy(MATHJAX3 / "tex-chtml.js", site / "static/mathjax/tex-chtml.js")
        shutil.copytree(MATHJAX3 / "output/chtml/fonts", site / "static/mathjax/output/chtml/fonts")
    return site


@pytest.fixture
def opened(tmp_path: Path, browser_session: object, request: pytest.FixtureRequest) -> Iterator[tuple[Any, Path, str]]:
    """(page, site, url): the long post open in Chromium, scrolled down, a marker on its window."""
    from playwright.sync_api import Browser

    assert isinstance(browser_session, Browser)
    site = make_long_site(tmp_path / "site", request.param)
    served = Served(site).wait_ready()
    context = browser_session.new_context(viewport={"width": 1000, "height": 700})
    try:
        page = context.new_page()
        url = f"http://127.0.0.1:{served.port}{URL_PATH}"
        page.goto(url, wait_until="load")
        typeset(page)
        page.evaluate("history.scrollRestoration = 'manual'")  # only mathpress may keep the scroll
        page.evaluate(f"window.scrollTo(0, {SCROLL}); window.marker = 'same document'")
        page.wait_for_function(f"window.scrollY === {SCROLL}")
        yield page, site, url
    finally:
        context.close()
        served.close()


def typeset(page: Any) -> None:
    """Wait until MathJax (if the page loads it) has typeset the page."""
    page.wait_for_function("!window.MathJax || (window.MathJax.startup && window.MathJax.startup.promise)")
    page.evaluate("async () => { if (window.MathJax) await window.MathJax.startup.promise; }")


def save(site: Path, rel: str, text: str) -> None:
    """Write as editors do: a temporary file renamed over the old one."""
    temp = site / (rel + ".swp-tmp~")
    temp.write_text(text, encoding="utf-8")
    temp.replace(site / rel)


def wait_swaps(page: Any, count: int) -> None:
    page.wait_for_function(f"(window.mathpressSwaps || 0) >= {count}", timeout=20_000)


def same_document(page: Any) -> None:
    """No navigation happened: the marker survives and there is still one navigation entry."""
    assert page.evaluate("window.marker") == "same document"
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1


MENU_COUNTER = re.compile(r' ctxtmenu_counter="\d+"')  # MathJax numbers its menus across the page's life


def body_html(page: Any) -> str:
    """The body's HTML with whitespace runs made one space, without MathJax's menu serial numbers."""
    return MENU_COUNTER.sub("", re.sub(r"\s+", " ", page.evaluate("document.body.innerHTML"))).strip()


def assert_like_a_fresh_load(page: Any, url: str) -> None:
    """The swapped page's DOM (body and title) equals that of the page loaded anew."""
    fresh = page.context.new_page()
    try:
        fresh.goto(url, wait_until="load")
        typeset(fresh)
        assert body_html(page) == body_html(fresh)
        assert page.title() == fresh.title()
    finally:
        fresh.close()


@pytest.mark.parametrize("opened", ["build"], indirect=True)
def test_a_body_edit_is_swapped_in_place_at_the_same_scroll(opened: tuple[Any, Path, str]) -> None:
    page, site, url = opened
    kept = "window.kept = document.querySelectorAll('.post-body p')[10]"
    page.evaluate(kept)
    save(site, POST, source(body=paragraphs(60, "Edited paragraph sixty")))
    wait_swaps(page, 1)
    assert "Edited paragraph sixty" in page.inner_text(".post-body")
    same_document(page)
    assert page.evaluate("window.scrollY") == SCROLL
    assert page.evaluate("window.kept.isConnected")  # what did not change is the same node
    assert_like_a_fresh_load(page, url)


@pytest.mark.parametrize("opened", ["mathjax"], indirect=True)
def test_with_browser_mathjax_only_the_changed_math_is_typeset_again(opened: tuple[Any, Path, str]) -> None:
    page, site, url = opened
    page.evaluate("window.kept = document.querySelectorAll('.post-body mjx-container')[20]")
    assert page.evaluate("window.kept.isConnected")
    save(site, POST, source(body=paragraphs(60, "Edited paragraph sixty").replace("x_{60}", "z_{60}")))
    wait_swaps(page, 1)
    same_document(page)
    assert page.evaluate("window.scrollY") == SCROLL
    assert page.evaluate("window.kept.isConnected")  # unchanged math keeps its typeset nodes
    edited = page.locator(".post-body p", has_text="Edited paragraph sixty")
    assert edited.locator("mjx-container").count() == 1  # the new paragraph was typeset
    assert "\\(" not in edited.inner_text() and "z_{60}" not in edited.inner_text()
    assert_like_a_fresh_load(page, url)


@pytest.mark.parametrize("opened", ["mathjax-ams"], indirect=True)
def test_numbered_equations_typeset_by_mathjax_reload_at_the_same_scroll(opened: tuple[Any, Path, str]) -> None:
    page, site, url = opened  # MathJax numbers the whole page: a part typeset alone would be misnumbered
    save(site, POST, source(body=paragraphs(60, "Edited paragraph sixty").replace("k^2$$", "k^3$$", 1)))
    page.wait_for_function("window.marker === undefined", timeout=20_000)
    typeset(page)
    page.wait_for_function(f"Math.abs(window.scrollY - {SCROLL}) < 2", timeout=5_000)
    assert "Edited paragraph sixty" in page.inner_text(".post-body")
    assert_like_a_fresh_load(page, url)


@pytest.mark.parametrize("opened", ["build"], indirect=True)
def test_a_title_edit_swaps_the_head_and_the_heading(opened: tuple[Any, Path, str]) -> None:
    page, site, url = opened
    save(site, POST, source(title="A new title"))
    wait_swaps(page, 1)
    assert page.title().startswith("A new title")
    assert page.inner_text("h1.post-title") == "A new title"
    same_document(page)
    assert page.evaluate("window.scrollY") == SCROLL
    assert_like_a_fresh_load(page, url)


@pytest.mark.parametrize("opened", ["build"], indirect=True)
def test_a_stylesheet_edit_is_applied_without_reloading(opened: tuple[Any, Path, str]) -> None:
    page, site, _ = opened
    theme = Path(__file__).resolve().parent.parent / "static/assets/css/style.css"
    css = theme.read_text(encoding="utf-8")
    (site / "static/assets/css").mkdir(parents=True)  # the site's own style.css, in place of the theme's
    save(site, "static/assets/css/style.css", css + "\nbody { background-color: rgb(1, 2, 3) }\n")
    page.wait_for_function("getComputedStyle(document.body).backgroundColor === 'rgb(1, 2, 3)'", timeout=20_000)
    save(site, "static/assets/css/style.css", css + "\nbody { background-color: rgb(4, 5, 6) }\n")
    page.wait_for_function("getComputedStyle(document.body).backgroundColor === 'rgb(4, 5, 6)'", timeout=20_000)
    same_document(page)
    assert page.evaluate("document.querySelectorAll('link[rel=stylesheet][href*=\"style.css\"]').length") == 1
    assert page.evaluate("window.scrollY") == SCROLL


@pytest.mark.parametrize("opened", ["build"], indirect=True)
def test_a_head_script_change_reloads_at_the_same_scroll(opened: tuple[Any, Path, str]) -> None:
    page, site, _ = opened
    base = (Path(__file__).resolve().parent.parent / "templates/base.html").read_text(encoding="utf-8")
    (site / "templates").mkdir()
    save(site, "templates/base.html", base.replace("</head>", "<script>window.fromHead = 1;</script>\n</head>"))
    page.wait_for_function("window.fromHead === 1", timeout=20_000)
    assert page.evaluate("window.marker") is None  # a new document
    page.wait_for_function(f"Math.abs(window.scrollY - {SCROLL}) < 2", timeout=5_000)


@pytest.mark.parametrize("opened", ["build"], indirect=True)
def test_a_listing_updates_in_place(opened: tuple[Any, Path, str]) -> None:
    page, site, url = opened
    home = url.removesuffix(URL_PATH) + "/"
    page.goto(home, wait_until="load")
    page.evaluate("window.marker = 'same document'")
    save(site, "content/posts/2024-01-01-short.md", "---\ntitle: Renamed short\n---\n\nShort one.\n")
    page.get_by_text("Renamed short").first.wait_for(timeout=20_000)
    wait_swaps(page, 1)
    same_document(page)
    assert_like_a_fresh_load(page, home)


@pytest.mark.parametrize("opened", ["build"], indirect=True)
def test_errors_appear_and_go_without_a_reload(opened: tuple[Any, Path, str]) -> None:
    page, site, url = opened
    save(site, POST, "---\ntitle: Long\ndate: <tomorrow>\n---\n\nBroken.\n")
    page.locator("#mathpress-errors").wait_for(timeout=20_000)
    same_document(page)
    save(site, POST, source(body=paragraphs(5, "Fixed again")))
    page.locator("#mathpress-errors").wait_for(state="detached", timeout=20_000)
    assert "Fixed again" in page.inner_text(".post-body")
    same_document(page)
    assert page.evaluate("window.scrollY") == SCROLL
    assert_like_a_fresh_load(page, url)
