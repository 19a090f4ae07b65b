"""Math outside the post body: its title, its table of contents and the Atom feed get MathJax's output.

With `render: build` the title's and the contents' math is typeset as the body's (SVG with
MathJax's MathML inside, the site's macros); with `render: mathml` it is MathJax's MathML.
The feed carries the very MathML the page carries, formula for formula (macros, `\\eqref`
numbers, `\\tag`s). Where only text can go (the HTML `<title>`, social cards, the feed's entry
title) the title's math keeps its TeX without delimiters: readers show those as plain text.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import build_site, make_site, read_output

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = """title: T
url: https://e.org
math:
  render: RENDER
  tags: ams
  macros:
    R: "\\\\mathbb{R}"
"""
POST = """---
title: "On $\\\\zeta(2)$ in $\\\\R$"
toc: true
---
Intro $\\R$.

## The sum $\\sum 1/n^2$ in $\\R$

\\begin{equation}
\\zeta(2) = \\frac{\\pi^2}{6} \\label{eq:z}
\\end{equation}

## Tagged

$$ y = 1 \\tag{T} \\label{eq:t} $$

See \\eqref{eq:z} and \\eqref{eq:t}.
"""
PAGE = "2024/01/02/z/index.html"
ZETA = '<mi>ζ</mi><mo stretchy="false">(</mo><mn>2</mn><mo stretchy="false">)</mo>'
DOUBLE_R = '<mi mathvariant="double-struck">R</mi>'
MATH = re.compile(r"<math .*?</math>", re.S)
ASSISTIVE = re.compile(r"<mjx-assistive-mml[^>]*>(<math .*?</math>)</mjx-assistive-mml>", re.S)


def built(tmp_path: Path, render: str) -> Path:
    """The one-post site built with `render`, without warnings."""
    root = make_site(tmp_path, {"site.yml": SITE.replace("RENDER", render), "content/posts/2024-01-02-z.md": POST})
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == []
    return root


def formulas(fragment: str, render: str) -> list[str]:
    """The MathML of each formula in a fragment of a page (inside the SVG's container for `build`)."""
    return (ASSISTIVE if render == "build" else MATH).findall(fragment)


def part(page: str, pattern: str) -> str:
    """The first match of `pattern` in a page."""
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return found[0]


def entry(root: Path, name: str) -> str:
    """The feed's first entry's `name` element's text, as a feed reader reads it."""
    element = ET.fromstring(read_output(root, "feed.xml")).find(f"{ATOM}entry/{ATOM}{name}")
    assert element is not None and element.text
    return element.text


@pytest.mark.parametrize("render", ["build", "mathml"])
def test_the_title_is_typeset_like_the_body(tmp_path: Path, render: str) -> None:
    root = built(tmp_path, render)
    page = read_output(root, PAGE)
    title = formulas(part(page, r'<h1 class="post-title">.*?</h1>'), render)
    assert len(title) == 2 and ZETA in title[0] and DOUBLE_R in title[1]
    if render == "build":
        assert part(page, r'<h1 class="post-title">.*?</h1>').count("<svg ") == 2
        assert '<link rel="stylesheet" href="/assets/css/mathjax.css">' in read_output(root, "index.html")
    home = formulas(part(read_output(root, "index.html"), r'<h2 class="summary-title">.*?</h2>'), render)
    assert home == title  # the home page lists the title as the post shows it
    assert "<title>On \\zeta(2) in \\R · T</title>" in page
    assert 'property="og:title" content="On \\zeta(2) in \\R · T"' in page
    assert entry(root, "title") == "On \\zeta(2) in \\R"


@pytest.mark.parametrize("render", ["build", "mathml"])
def test_the_table_of_contents_shows_the_headings_math_as_the_headings_do(tmp_path: Path, render: str) -> None:
    page = read_output(built(tmp_path, render), PAGE)
    toc = formulas(part(page, r'<nav class="toc".*?</nav>'), render)
    heading = formulas(part(page, r'<h2 id="the-sum[^"]*">.*?</h2>'), render)
    assert len(toc) == 2 and toc == heading and DOUBLE_R in toc[1]
    if render == "build":
        assert part(page, r'<nav class="toc".*?</nav>').count("<svg ") == 2


@pytest.mark.parametrize("render", ["build", "mathml"])
def test_the_feed_carries_the_pages_mathml_formula_for_formula(tmp_path: Path, render: str) -> None:
    root = built(tmp_path, render)
    body = part(read_output(root, PAGE), r'<div class="post-body">.*</article>')
    content = entry(root, "content")
    page_formulas, feed_formulas = formulas(body, render), MATH.findall(content)
    assert feed_formulas == page_formulas and len(feed_formulas) == 7
    shown = [re.sub(r"<annotation.*?</annotation>|<[^>]*>", "", m) for m in feed_formulas]
    assert shown[-2:] == ["(1)", "(T)"]  # \eqref as MathJax numbers it, a \tag as written
    assert "(T)" in html.unescape(shown[4]) and DOUBLE_R in feed_formulas[0]


def test_with_browser_mathjax_the_title_and_contents_keep_their_tex_for_mathjax(tmp_path: Path) -> None:
    page = read_output(built(tmp_path, "mathjax"), PAGE)
    assert '<h1 class="post-title">On <span class="math inline">\\(\\zeta(2)\\)</span>' in page
    assert '<a href="#the-sum-sum-1-n-2-in-r">The sum <span class="math inline">\\(\\sum 1/n^2\\)</span>' in page
