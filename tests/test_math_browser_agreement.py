"""Browser MathJax and build-time MathJax agree on every corpus post, span by span.

The corpus (tests/corpus) is built twice: with `render: mathjax` (MathJax 4 from
tests/node_modules typesets in headless Chromium) and with `render: build` (our engine wrote
the SVG and MathML into the page). For every post:

* the MathML of each span agrees: MathJax's own serialisation of its internal MathML in the
  browser (`item.inputData.originalMml`, the tree before the browser's semantic enrichment
  regroups it) made safe as the build makes it (math.mathml.clean_mathml), against the
  MathML the build put in the page;
* the `render: build` page opened with JavaScript disabled shows typeset math (every span an
  SVG with ink, no TeX left in the visible text) and the same error boxes, with the same
  messages, as the browser shows, and the same macros painted red.

A post with MathJax errors is added to the corpus so that the error boxes have something to
agree on; its title and its table of contents have math too. One Chromium, one page load per post and render.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mathpress.math.mathml import clean_mathml
from tests.browser import MATHJAX4_FONTS_URL_PATH, MATHJAX4_URL_PATH, serve_directory, typeset
from tests.conftest import build_site, make_site
from tests.test_corpus import CORPUS, page_of

pytestmark = pytest.mark.browser

SITE = "title: Corpus\nurl: https://example.org\nmath:\n"
RENDERS = {
    "mathjax": f"  render: mathjax\n  mathjax_url: {MATHJAX4_URL_PATH}\n  font_url: {MATHJAX4_FONTS_URL_PATH}\n",
    "build": "  render: build\n",
}
ERRORS_POST = """---
title: "Errors in $\\\\frac{a}{b}$"
toc: true
---
## Where $\\sqrt{2}$ is

A brace closed twice $\\frac{1}{2}}$, a double exponent $x^1^2$ and a macro nobody defined $\\fooo + x$.

$$
\\begin{algn} a \\end{algn}
$$

Fine: $a^2 + \\sqrt{b}$.
"""
# Browser MathJax looks for a closing `\\)` only outside braces (FindTeX), so it leaves a span
# with a brace left open as text; the build has the span already and shows MathJax's error box.
OPEN_BRACE_POST = "---\ntitle: Open\n---\nA brace left open $\\frac{1}{2$ here.\n"
EXTRA = {"2024-05-05-errors.md": ERRORS_POST, "2024-05-06-open-brace.md": OPEN_BRACE_POST}
POSTS = [*CORPUS, Path("2024-05-05-errors.md")]
ASSISTIVE = re.compile(r"<mjx-assistive-mml[^>]*>(.*?)</mjx-assistive-mml>", re.S)
ANNOTATION = re.compile(r"<annotation[^>]*>.*?</annotation>", re.S)

# Every math item of the page: its TeX, display mode and MathJax's MathML before enrichment.
BROWSER_ITEMS = """() => MathJax.startup.document.getMathItemsWithin(document.body).map(item => ({
    tex: item.math, display: item.display,
    mml: item.inputData.originalMml || MathJax.startup.toMML(item.root)}))"""
# What the reader sees of MathJax's verdicts: error boxes (their messages) and red macros (an
# error box's text is red too: not counted).
BROWSER_VERDICTS = """() => ({
    errors: Array.from(document.querySelectorAll('mjx-merror'), e => e.getAttribute('data-mjx-error')),
    text: document.querySelector('.post-body').innerText,
    red: Array.from(document.querySelectorAll('mjx-container mjx-mtext'))
        .filter(e => !e.closest('mjx-merror') && getComputedStyle(e).color === 'rgb(255, 0, 0)').length})"""
# The same on a page without JavaScript, and what shows of each `.math` element besides its SVG.
STATIC_VIEW = """() => {
    const boxes = Array.from(document.querySelectorAll('g[data-mml-node="merror"]'));
    const red = (e) => !e.closest('[data-mml-node="merror"]') && getComputedStyle(e).fill === 'rgb(255, 0, 0)';
    const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
    const text = (e) => { const c = e.cloneNode(true);
        c.querySelectorAll('mjx-assistive-mml, svg').forEach(a => a.remove()); return c.textContent; };
    const body = document.body.cloneNode(true);
    body.querySelectorAll('mjx-assistive-mml, svg, code, pre, script, style').forEach(e => e.remove());
    return {
        errors: boxes.map(e => e.getAttribute('data-mjx-error')),
        yellow: boxes.filter(e => { const r = e.querySelector(':scope > rect[data-background]');
            return r && shown(r) && getComputedStyle(r).fill === 'rgb(255, 255, 0)'; }).length,
        red: Array.from(document.querySelectorAll('mjx-container g[fill="red"]')).filter(red).length,
        spans: Array.from(document.querySelectorAll('.math'), e => ({
            svg: !!e.querySelector('mjx-container > svg') && shown(e.querySelector('mjx-container > svg')),
            text: text(e)})),
        visible: body.innerText};
}"""
RAW_TEX = ("\\(", "\\[", "$$", "\\frac", "\\begin", "^{", "_{")


@dataclass(frozen=True)
class Views:
    """One post as the browser typeset it (`render: mathjax`) and as the build did (JavaScript off)."""

    items: list[dict[str, Any]]
    browser: dict[str, Any]
    browser_errors: list[str]  # tests.browser's probe: MathJax's errors, and `.math` it left untypeset
    static: dict[str, Any]
    page: str  # the `render: build` page's HTML


def _site(root: Path, render: str) -> Path:
    """The corpus and the errors post, built with `render`."""
    make_site(root, {"site.yml": SITE + RENDERS[render]} | {f"content/posts/{n}": t for n, t in EXTRA.items()})
    for path in CORPUS:
        shutil.copyfile(path, root / "content" / "posts" / path.name)
    build_site(root)
    return root


def _url(base: str, root: Path, source: Path) -> str:
    """A post's page URL under the server's base."""
    return base + page_of(root, source).parent.relative_to(root / "_site").as_posix() + "/"


@pytest.fixture(scope="module")
def views(tmp_path_factory: pytest.TempPathFactory, browser_session: Any) -> dict[str, Views]:
    """Every post loaded once with browser MathJax and once, JavaScript off, as the build wrote it."""
    folder = tmp_path_factory.mktemp("agreement")
    scripted, built = _site(folder / "mathjax", "mathjax"), _site(folder / "build", "build")
    found: dict[str, Views] = {}
    page = browser_session.new_page()
    static_context = browser_session.new_context(java_script_enabled=False)
    static_page = static_context.new_page()
    with serve_directory(scripted / "_site") as scripted_base, serve_directory(built / "_site") as built_base:
        for source in [*POSTS, Path("2024-05-06-open-brace.md")]:
            report = typeset(page, _url(scripted_base, scripted, source))
            mathjax_trouble = [e for e in report.console_errors if re.search("mathjax|jsdelivr", e, re.I)]
            assert mathjax_trouble == [], (source.name, mathjax_trouble)  # posts' own remote images are blocked
            items = page.evaluate(BROWSER_ITEMS) if report.mathjax_loaded else []
            verdicts = (
                page.evaluate(BROWSER_VERDICTS) if report.mathjax_loaded else {"errors": [], "red": 0, "text": ""}
            )
            static_page.goto(_url(built_base, built, source), wait_until="load")
            html = page_of(built, source).read_text(encoding="utf-8")
            found[source.name] = Views(items, verdicts, report.errors, static_page.evaluate(STATIC_VIEW), html)
    static_context.close()
    page.close()
    return found


def _formula(mathml: str) -> str:
    """A formula without its TeX annotation (the browser's TeX is the one MathJax was given)."""
    return ANNOTATION.sub("", mathml)


@pytest.mark.parametrize("name", [p.name for p in POSTS])
def test_browser_mathjax_and_the_build_give_the_same_mathml_span_by_span(views: dict[str, Views], name: str) -> None:
    view = views[name]
    ours = [_formula(m) for m in ASSISTIVE.findall(view.page)]
    theirs = [_formula(clean_mathml(item["mml"], item["tex"], item["display"])) for item in view.items]
    assert [e for e in view.browser_errors if e.startswith("math left untypeset")] == []
    assert len(ours) == len(theirs) == view.page.count('class="math ')
    assert all(m.startswith("<math") for m in theirs), theirs  # MathJax's MathML could be made safe
    for index, (mine, browser) in enumerate(zip(ours, theirs, strict=True)):
        assert mine == browser, (index, view.items[index]["tex"])


@pytest.mark.parametrize("name", [p.name for p in POSTS])
def test_a_build_page_without_javascript_shows_typeset_math_and_the_browsers_error_boxes(
    views: dict[str, Views], name: str
) -> None:
    view, static = views[name], views[name].static
    assert all(span["svg"] and span["text"].strip() == "" for span in static["spans"]), static["spans"]
    for junk in RAW_TEX:
        assert junk not in static["visible"], (
            junk,
            static["visible"][max(0, static["visible"].find(junk) - 80) :][:160],
        )
    assert static["errors"] == view.browser["errors"]
    assert static["yellow"] == len(static["errors"])
    assert static["red"] == view.browser["red"]


def test_the_error_boxes_compared_are_there(views: dict[str, Views]) -> None:
    view = views["2024-05-05-errors.md"]
    expected = [
        "Extra close brace or missing open brace",
        "Double exponent: use braces to clarify",
        "Unknown environment 'algn'",
    ]
    assert view.static["errors"] == view.browser["errors"] == expected
    assert view.static["red"] == view.browser["red"] == 1
    assert [item["tex"] for item in view.items[:3]] == ["\\frac{a}{b}", "\\sqrt{2}", "\\sqrt{2}"]  # title, contents
    assert sum(len(v.items) for v in views.values()) >= 30


def test_a_brace_left_open_is_text_in_the_browser_and_an_error_box_in_the_build(views: dict[str, Views]) -> None:
    view = views["2024-05-06-open-brace.md"]
    assert [item["tex"] for item in view.items] == ["\\frac{a}{b}"]  # only the errors post's title, in the links
    assert "\\(\\frac{1}{2\\)" in view.browser["text"]
    assert view.static["errors"] == ["Missing close brace"] and view.static["yellow"] == 1
