"""kramdown's reading of the text: Markdown in, HTML out, as kramdown 2.4 (Jekyll 4.3) read it.

Each expected result was checked against kramdown 2.4.0 with kramdown-parser-gfm 1.1.0
(GitHub Pages' options); where kramdown's own output is broken HTML (a one-line
`<summary>…</summary>` under parse_block_html) the case says what we show instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mathpress.jekyll.importer import import_site
from mathpress.markup import RenderInput, render_document
from mathpress.math.spans import mathjax_markup, restore
from tests.conftest import build_site, make_site


def render(body: str, markdown_in_html: bool = False) -> str:
    """Body Markdown → finished HTML with math marked for MathJax."""
    job = RenderInput("content/posts/x.md", body, 1, None, "<!--more-->", (), False, False)
    job = RenderInput(**{**job.__dict__, "markdown_in_html": markdown_in_html})
    result = render_document(job)
    assert [str(d) for d in result.diagnostics] == []
    return restore(result.html, result.prefix, result.spans, mathjax_markup)


def i(tex: str) -> str:
    return f'<span class="math inline">\\({tex}\\)</span>'


def d(tex: str) -> str:
    return f'<div class="math display">\\[{tex}\\]</div>'


DISPLAY_SPAN = '<span class="math display">\\[{}\\]</span>'


BLOCK_HTML = [
    # name, Markdown, HTML with parse_block_html: true
    (
        "a details block is Markdown, its one-line summary a span",
        "<details>\n<summary>Click *me*</summary>\n\nSome **bold** and $$x^2$$\n\n![img](a.png)\n\n</details>",
        "<details>\n<summary>Click <em>me</em></summary>\n<p>Some <strong>bold</strong> and "
        + i("x^2")
        + '</p>\n<p><img alt="img" src="a.png" /></p>\n</details>',
    ),
    (
        "nested divs are Markdown at every depth",
        '<div class="x">\n**bold** text\n<div>\n*inner*\n</div>\n</div>',
        '<div class="x">\n<p><strong>bold</strong> text</p>\n<div>\n<p><em>inner</em></p>\n</div>\n</div>',
    ),
    (
        "a paragraph element holds span Markdown",
        '<p align="center">\n*em* [l](u)\n</p>',
        '<p align="center">\n<em>em</em> <a href="u">l</a>\n</p>',
    ),
    (
        "a table is raw for kramdown, and all it holds",
        "<table>\n<tr><td>**td**</td></tr>\n</table>",
        "<table>\n<tr><td>**td**</td></tr>\n</table>",
    ),
    (
        "center is no element kramdown parses",
        "<center>\n*c*\n</center>",
        "<center>\n*c*\n</center>",
    ),
    (
        "markdown=0 keeps a block raw",
        '<div markdown="0">\n**raw**\n</div>',
        "<div>\n**raw**\n</div>",
    ),
    (
        "a raw table inside a parsed div stays raw; the text after it is Markdown",
        "<div>\n<table>\n<tr><td>**td**</td></tr>\n</table>\n*y*\n</div>",
        "<div>\n<table>\n<tr>\n<td>**td**</td>\n</tr>\n</table>\n<p><em>y</em></p>\n</div>",
    ),
    (
        "display math in a div",
        "<div>\n\n$$\nx^2\n$$\n\n</div>",
        "<div>\n" + d("x^2") + "\n</div>",
    ),
    (
        "a list and a paragraph element inside a div",
        "<div>\n- a\n- **b**\n\n<p>*p*</p>\n</div>",
        "<div>\n<ul>\n<li>a</li>\n<li><strong>b</strong></li>\n</ul>\n<p><em>p</em></p>\n</div>",
    ),
    (
        "a tag inside a comment is no element",
        "<div>\n<!-- <div> -->\n*x*\n</div>",
        "<div>\n<!-- <div> -->\n<p><em>x</em></p>\n</div>",
    ),
    (
        "a tag inside a code span is text",
        "<div>\nuse `<div>` here\n</div>\n\n*after*",
        "<div>\n<p>use <code>&lt;div&gt;</code> here</p>\n</div>\n<p><em>after</em></p>",
    ),
    (
        "an HTML block in a fenced code block is code",
        "```html\n<div>**x**</div>\n```",
        '<div class="language-html highlight"><pre><span></span><code>'
        '<span class="p">&lt;</span><span class="nt">div</span><span class="p">&gt;</span>**x**'
        '<span class="p">&lt;/</span><span class="nt">div</span><span class="p">&gt;</span>\n</code></pre></div>',
    ),
]


@pytest.mark.parametrize(("name", "markdown", "expected"), BLOCK_HTML, ids=[c[0] for c in BLOCK_HTML])
def test_parse_block_html_reads_markdown_inside_html_as_kramdown(name: str, markdown: str, expected: str) -> None:
    assert render(markdown, markdown_in_html=True) == expected


def test_without_parse_block_html_a_div_is_raw() -> None:
    assert render('<div class="x">\n**bold** text\n</div>') == '<div class="x">\n**bold** text\n</div>'


def test_markdown_1_on_one_element_needs_no_site_setting() -> None:
    html = render('<div markdown="1">\n<div markdown="1">\n*inner*\n</div>\n</div>')
    assert html == "<div>\n<div>\n<p><em>inner</em></p>\n</div>\n</div>"


KRAMDOWN_TEXT = [
    # name, Markdown, HTML (kramdown's reading; math marked as our pages mark it)
    (
        "display math over several quoted lines leaves the markers out",
        "> Case 3, when $$a>b^d$$:\n>\n> $$\n> T(n)=a\\\\\n> =b\n> $$\n\nAfter.",
        "<blockquote>\n<p>Case 3, when "
        + i("a&gt;b^d")
        + ":</p>\n"
        + d("T(n)=a\\\\\n=b")
        + "\n</blockquote>\n<p>After.</p>",
    ),
    (
        "a quoted display keeps its blank quoted line",
        "> $$\n> T\n>\n> U\n> $$",
        "<blockquote>\n" + d("T\n\nU") + "\n</blockquote>",
    ),
    (
        "display math in a quote followed by more of the quote",
        "> Let\n>\n> $$\n> \\sum_i F_i = 1\n> $$\n>\n> Then.",
        "<blockquote>\n<p>Let</p>\n" + d("\\sum_i F_i = 1") + "\n<p>Then.</p>\n</blockquote>",
    ),
    (
        "display math in a list item leaves the item's indentation out",
        "- item\n\n  $$\n    deep\n  shallow\n  $$\n\n- next",
        "<ul>\n<li>\n<p>item</p>\n" + d("deep\nshallow") + "\n</li>\n<li>\n<p>next</p>\n</li>\n</ul>",
    ),
    (
        "display math in a quote in a list item",
        "1. one\n\n   > $$\n   > q\\\\\n   > r\n   > $$",
        "<ol>\n<li>\n<p>one</p>\n<blockquote>\n" + d("q\\\\\nr") + "\n</blockquote>\n</li>\n</ol>",
    ),
    (
        "display math indented past its item's content column keeps the extra indentation",
        "1. Because\n\n    $$\n        (P)\n        = Q\n    $$",
        "<ol>\n<li>\n<p>Because</p>\n" + d("(P)\n     = Q") + "\n</li>\n</ol>",
    ),
    (
        "display math at the end of a nested item, the next sibling item right after it",
        "1. For each\n    1. Compute\n\n        $$\n        x\n        $$\n    2. Then",
        # kramdown's outer item is tight (`<li>For each`); ours holds a paragraph: the same page otherwise
        "<ol>\n<li>\n<p>For each</p>\n<ol>\n<li>\n<p>Compute</p>\n"
        + d("x")
        + "\n</li>\n<li>\n<p>Then</p>\n</li>\n</ol>\n</li>\n</ol>",
    ),
    (
        "inline math over quoted lines keeps what follows the marker's space",
        "> q $$a\n>    b\n> c$$ end",
        "<blockquote>\n<p>q " + i("a\n   b\nc") + " end</p>\n</blockquote>",
    ),
    (
        "inline math over a list item's lines",
        "- item $$m\n       n$$ end",
        "<ul>\n<li>item " + i("m\n     n") + " end</li>\n</ul>",
    ),
    (
        "entity-encoded backslashes in raw HTML are delimiters, as the browser decodes them",
        "<span>&#92;(D_s F_{\\theta}&#92;)</span> and &bsol;[x &lt; y&bsol;]",
        "<p><span>" + i("D_s F_{\\theta}") + "</span> and " + DISPLAY_SPAN.format("x &lt; y") + "</p>",
    ),
    (
        "hexadecimal and zero-padded entities, mixed with a plain backslash",
        "&#x5C;(a\\) and &#x5c;[b&#x5c;] and &#092;(c&#092;)",
        "<p>" + i("a") + " and " + DISPLAY_SPAN.format("b") + " and " + i("c") + "</p>",
    ),
    (
        "an encoded delimiter inside a raw HTML block",
        "<div>\n&#92;(z&#92;)\n</div>",
        "<div>\n" + i("z") + "\n</div>",
    ),
    (
        "an encoded dollar is a dollar sign",
        "costs &#36;4.4 trillion, or &#36;13,493 each",
        "<p>costs &#36;4.4 trillion, or &#36;13,493 each</p>",
    ),
    (
        "a `<` and a `>` a blank line apart are no tag, and hide no math",
        "so $a$ <f(n)\n\nthen $y$ > 0",
        "<p>so " + i("a") + " &lt;f(n)</p>\n<p>then " + i("y") + " &gt; 0</p>",
    ),
    (
        "a fence never closed is text, its math is math",
        "```\n$$x$$ and $y$\n\ntext",
        "<p>```\n" + i("x") + " and " + i("y") + "</p>\n<p>text</p>",
    ),
]


@pytest.mark.parametrize(("name", "markdown", "expected"), KRAMDOWN_TEXT, ids=[c[0] for c in KRAMDOWN_TEXT])
def test_text_reads_as_kramdown_read_it(name: str, markdown: str, expected: str) -> None:
    assert render(markdown) == expected


def spans_of(body: str, dollars: str) -> list[str]:
    """The TeX of every inline span a body's render finds, in order."""
    job = RenderInput("content/posts/x.md", body, 1, None, "<!--more-->", (), False, False, dollars=dollars)
    return [span.tex for span in render_document(job).spans if not span.display]


# Markdown, and the HTML kramdown 2.4 made of it (what MathJax searched on Jekyll's page).
PAIRING = [
    ("Let $ Y_N := \\frac{1}{N}$ be.", "<p>Let $ Y_N := \\frac{1}{N}$ be.</p>"),
    ("Costs $5 and $6 today.", "<p>Costs $5 and $6 today.</p>"),
    ("Code $a `b` c$ and $x$.", "<p>Code $a <code>b</code> c$ and $x$.</p>"),
    ("Braces ${a$b}$ here.", "<p>Braces ${a$b}$ here.</p>"),
    ("one $x$ two $ y $ three $z", "<p>one $x$ two $ y $ three $z</p>"),
    ("across $a\n\nb$ paragraphs", "<p>across $a</p>\n\n<p>b$ paragraphs</p>"),
    ("across $a\nb$ lines", "<p>across $a\nb$ lines</p>"),
    ("Less $n^{2}<n^3$ and $x <em>y</em> z$ end.", "<p>Less $n^{2}&lt;n^3$ and $x <em>y</em> z$ end.</p>"),
]
# Where we part from MathJax on purpose: it pairs `$5 … $6` across kramdown's `$$m$$` (making one
# formula of prose and math); we keep kramdown's math whole and the money text.
ACROSS_KRAMDOWN_MATH = ("money $5 then $$m$$ then $6", "<p>money $5 then \\(m\\) then $6</p>")


def test_mathjax_pairing_in_our_own_words() -> None:
    assert spans_of("Let $ Y_N := \\frac{1}{N}$ be, not $ x$ money: $5 and $6.", "mathjax") == [
        "Y_N := \\frac{1}{N}",
        "x",
        "5 and",
    ]
    assert spans_of("Let $ Y_N := \\frac{1}{N}$ be, $x$.", "pandoc") == ["x"]
    assert spans_of("Let $ Y_N := \\frac{1}{N}$ be, $x$.", "text") == []


def test_text_dollars_are_dollar_signs() -> None:
    job = RenderInput("content/posts/x.md", "From $5 to $x$.", 1, None, "<!--more-->", (), False, False, dollars="text")
    assert render_document(job).html == "<p>From $5 to $x$.</p>"


def test_kramdown_written_backslashes_in_dollar_math_are_read_as_kramdown_did() -> None:
    """`\\\\{p\\\\}` and `p(o\\|c)` (a `|` escaped for a table) reached MathJax as `\\{p\\}` and `p(o|c)`."""
    assert spans_of("$\\\\{p\\\\}$, $p(o\\|c)$, $a\\_1$, and $\\{x\\}$ as written", "mathjax") == [
        "\\{p\\}",
        "p(o|c)",
        "a_1",
        "\\{x\\}",
    ]


@pytest.mark.browser
def test_mathjax_dollars_pair_as_mathjax_pairs_them_in_chromium(tmp_path, browser_session) -> None:  # type: ignore[no-untyped-def]
    """MathJax 3 with `$` inline (processEscapes on) finds on kramdown's HTML the math we find in the Markdown."""
    from tests.browser import MATHJAX3_URL_PATH, serve_directory, typeset

    config = "window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], processEscapes: true}};"
    body = "\n".join(f'<div class="case">{markup}</div>' for _, markup in [*PAIRING, ACROSS_KRAMDOWN_MATH])
    page_html = f'<!doctype html><html><head><script>{config}</script><script src="{MATHJAX3_URL_PATH}"></script>'
    (tmp_path / "index.html").write_text(f"{page_html}</head><body>{body}</body></html>", encoding="utf-8")
    page = browser_session.new_page()
    with serve_directory(tmp_path, "/") as base:
        report = typeset(page, base, math_selector=".none")
        assert report.errors == []
        found = page.evaluate(
            """() => Array.from(document.querySelectorAll('.case')).map(c =>
                 Array.from(MathJax.startup.document.math).filter(m => c.contains(m.start.node))
                   .map(m => m.math.trim()))"""
        )
    page.close()
    assert found[:-1] == [spans_of(markdown, "mathjax") for markdown, _ in PAIRING]
    assert found[-1] == ["5 then \\(m\\) then"] and spans_of(ACROSS_KRAMDOWN_MATH[0], "mathjax") == ["m"]


KATEX_HEAD = """theme:
  head: |
    <script onload='renderMathInElement(document.body, {delimiters: [{left: "$$", right: "$$", display: true},
      {left: "$", right: "$", display: false}]})'></script>
"""  # a theme's KaTeX auto-render snippet in _config.yml, as wu-kan's carries one


@pytest.mark.parametrize(
    ("files", "dollars", "page"),
    [
        (
            {"_config.yml": "title: T\nkramdown:\n  parse_block_html: true\n" + KATEX_HEAD},
            "mathjax",
            '<details>\n<summary>Proof</summary>\n<p>Let <span class="math inline">\\(Y_N := x\\)</span> be '
            "<strong>given</strong>.</p>\n</details>",
        ),
        (
            {
                "_config.yml": "title: T\n",
                "_includes/head.html": '<script src="https://cdn.mathjax.org/mathjax/latest/MathJax.js?config=TeX-AMS_CHTML">',
            },
            "text",
            "<details>\n<summary>Proof</summary>\n\nLet $ Y_N := x$ be **given**.\n\n</details>",
        ),
    ],
    ids=["parse_block_html-and-katex-dollars", "mathjax-2-defaults"],
)
def test_import_carries_how_kramdown_and_mathjax_read_the_site(
    tmp_path: Path, files: dict[str, str], dollars: str, page: str
) -> None:
    post = "---\ntitle: A\n---\n<details>\n<summary>Proof</summary>\n\nLet $ Y_N := x$ be **given**.\n\n</details>\n"
    src = make_site(tmp_path / "src", {**files, "site.yml": "", "_posts/2020-01-01-a.md": post})
    (src / "site.yml").unlink()
    report = import_site(src, tmp_path / "out", {}, record_baseline=False)
    site = yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))
    assert site.get("markdown_in_html", False) == ("parse_block_html" in files["_config.yml"])
    assert site["math"]["dollars"] == dollars
    assert not any("parse_block_html" in str(d) for d in report.not_carried)
    build_site(tmp_path / "out")
    html = (tmp_path / "out/_site/2020/01/01/a.html").read_text(encoding="utf-8")
    assert page in html
