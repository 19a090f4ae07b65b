"""Math protection: Markdown in, HTML out; the TeX arrives untouched, code stays code."""

from __future__ import annotations

import pytest

from mathpress.markup import RenderInput, render_document
from mathpress.math.spans import mathjax_markup, protect, restore


def render(body: str) -> str:
    """Body Markdown → finished HTML with math marked for MathJax."""
    job = RenderInput("content/posts/x.md", body, 1, None, "<!--more-->", (), False, False)
    result = render_document(job)
    return restore(result.html, result.prefix, result.spans, mathjax_markup)


INLINE = '<span class="math inline">\\({}\\)</span>'
DISPLAY_BLOCK = '<div class="math display">\\[{}\\]</div>'
DISPLAY_SPAN = '<span class="math display">\\[{}\\]</span>'
CODE = '<div class="language-text highlight"><pre><span></span><code>{}\n</code></pre></div>'


def i(tex: str) -> str:
    """Inline math markup."""
    return INLINE.format(tex)


def d(tex: str) -> str:
    """Display math markup inside a line."""
    return DISPLAY_SPAN.format(tex)


CASES = [
    # name, Markdown, expected HTML
    (
        "underscores are not emphasis",
        "$a_1 b_2$ and $c_3$",
        "<p>" + INLINE.format("a_1 b_2") + " and " + INLINE.format("c_3") + "</p>",
    ),
    (
        "row breaks keep both backslashes",
        "$$\n\\begin{pmatrix} a \\\\ b \\end{pmatrix}\n$$",
        DISPLAY_BLOCK.format("\\begin{pmatrix} a \\\\ b \\end{pmatrix}"),
    ),
    ("escaped braces keep their backslash", "$\\{x\\}$", "<p>" + INLINE.format("\\{x\\}") + "</p>"),
    ("asterisks are not emphasis", "$\\pi^* = a*b$", "<p>" + INLINE.format("\\pi^* = a*b") + "</p>"),
    (
        "ampersands and angle brackets are escaped",
        "$$a < b > c & d$$ inline",
        "<p>" + INLINE.format("a &lt; b &gt; c &amp; d") + " inline</p>",
    ),
    (
        "$$ inside a line is inline (kramdown)",
        "When $$a \\ne 0$$, fine.",
        "<p>When " + INLINE.format("a \\ne 0") + ", fine.</p>",
    ),
    (
        "$$ alone is display",
        "Text.\n\n$$ x^2 $$\n\nMore.",
        "<p>Text.</p>\n" + DISPLAY_BLOCK.format("x^2") + "\n<p>More.</p>",
    ),
    (
        "$$ glued to text is inline",
        "A message\n$$S \\cdot z$$",
        "<p>A message\n" + INLINE.format("S \\cdot z") + "</p>",
    ),
    ("money is not math", "It costs $5 and $10 a month.", "<p>It costs $5 and $10 a month.</p>"),
    ("escaped dollar", "A \\$ sign and $x$.", "<p>A &#36; sign and " + INLINE.format("x") + ".</p>"),
    ("space inside single dollars is not math", "$ x $ stays", "<p>$ x $ stays</p>"),
    ("doubled backslash inline", "Input \\\\(z\\\\) here", "<p>Input " + INLINE.format("z") + " here</p>"),
    (
        "doubled backslash display",
        "Euler\n\\\\[\ne^{i\\theta}\n\\\\]\nend",
        "<p>Euler\n" + DISPLAY_SPAN.format("e^{i\\theta}") + "\nend</p>",
    ),
    (
        "single backslash forms",
        "\\(a\\) and \\[b\\]",
        "<p>" + INLINE.format("a") + " and " + DISPLAY_SPAN.format("b") + "</p>",
    ),
    (
        "a citation in escaped parentheses is not math",
        "pixels \\(Mnih et al., 2015\\), Go",
        "<p>pixels (Mnih et al., 2015), Go</p>",
    ),
    (
        "environment under a line of text",
        "Defined by\n\\begin{eqnarray}\nf &=& 1 \\tag{1}\n\\end{eqnarray}",
        "<p>Defined by\n"
        + DISPLAY_SPAN.format("\\begin{eqnarray}\nf &amp;=&amp; 1 \\tag{1}\n\\end{eqnarray}")
        + "</p>",
    ),
    (
        "kramdown-era rows: three backslashes are a row break",
        "\\begin{align}\na &= b \\\\\\\n- c &= d\n\\end{align}",
        DISPLAY_BLOCK.format("\\begin{align}\na &amp;= b \\\\\n- c &amp;= d\n\\end{align}"),
    ),
    (
        "kramdown-era escaped underscore",
        "\\begin{equation}\nN\\_{0} = 1\n\\end{equation}",
        DISPLAY_BLOCK.format("\\begin{equation}\nN_{0} = 1\n\\end{equation}"),
    ),
    (
        "modern environment keeps its row breaks",
        "\\begin{align}\na &= b \\\\\nc &= d\n\\end{align}",
        DISPLAY_BLOCK.format("\\begin{align}\na &amp;= b \\\\\nc &amp;= d\n\\end{align}"),
    ),
    ("code spans are untouched", "`$x$` and ``$$y$$``", "<p><code>$x$</code> and <code>$$y$$</code></p>"),
    ("fenced code is untouched", "```\n$x$ \\(y\\)\n```", CODE.format("$x$ \\(y\\)")),
    ("indented code is untouched", "Text\n\n    $x$\n", "<p>Text</p>\n" + CODE.format("$x$")),
    ("math in a heading", "## Estimate of $\\mu$", None),
    ("math in a table cell with a pipe", "| a | b |\n|---|---|\n| $\\|x\\|$ | 2 |", None),
    ("math in a list item", "- $$c$$ is the table\n- $x_i$", None),
    (
        "math inside a raw HTML block",
        "<p>\nthe value \\\\(z\\\\) and $n$\n</p>",
        "<p>\nthe value " + INLINE.format("z") + " and " + INLINE.format("n") + "\n</p>",
    ),
    (
        "math in a blockquote",
        "> Tensor $T$ is unique",
        "<blockquote>\n<p>Tensor " + INLINE.format("T") + " is unique</p>\n</blockquote>",
    ),
    ("html comments are left alone", "<!-- $x$ -->\n\ntext", "<!-- $x$ -->\n\n<p>text</p>"),
    ("script content is left alone", '<script>var a = "$x$";</script>', '<script>var a = "$x$";</script>'),
]


@pytest.mark.parametrize(("name", "markdown", "expected"), CASES, ids=[c[0] for c in CASES])
def test_math_survives_markdown(name: str, markdown: str, expected: str | None) -> None:
    html = render(markdown)
    if expected is not None:
        assert html == expected


def test_stray_asterisks_never_eat_math() -> None:
    """Python-Markdown 3.11's own emphasis dropped the character after `* ` here (found by hypothesis)."""
    html = render("Start **?* $0$ * $00$ ? $0$ ? $0$ *?* $0$ end.")
    assert html.count('<span class="math inline">') == 5
    assert INLINE.format("00") in html


def test_math_in_heading_table_and_list() -> None:
    html = render("## Estimate of $\\mu$")
    assert html.startswith('<h2 id="estimate-of-mu">Estimate of ' + INLINE.format("\\mu"))
    table = render("| a | b |\n|---|---|\n| $\\|x\\|$ | 2 |")
    assert "<td>" + INLINE.format("\\|x\\|") + "</td>" in table
    items = render("- $$c$$ is the table\n- $x_i$")
    assert "<li>" + INLINE.format("c") + " is the table</li>" in items
    assert "<li>" + INLINE.format("x_i") + "</li>" in items


def test_a_lone_list_item_of_double_dollars_is_display_like_kramdown() -> None:
    assert DISPLAY_SPAN.format("x") in render("- $$x$$\n- $$y$$")


def test_an_excerpt_never_cuts_an_equation() -> None:
    """A separator inside math is TeX, not a cut; a cut inside a block closes the block."""
    job = RenderInput(
        "p.md", "A $$x\n<!--more-->\ny$$ b\n\n> quote $q$ <!--more--> rest\n", 1, None, "<!--more-->", (), False, False
    )
    result = render_document(job)
    excerpt = restore(result.excerpt, result.prefix, result.spans, mathjax_markup)
    assert (
        excerpt == '<p>A <span class="math inline">\\(x\n&lt;!--more--&gt;\ny\\)</span> b</p>\n'
        '<blockquote>\n<p>quote <span class="math inline">\\(q\\)</span></p></blockquote>'
    )


def test_math_in_attributes_becomes_plain_tex() -> None:
    html = render("![the curve $y = x^2$](c.png)")
    assert 'alt="the curve y = x^2"' in html


def test_positions_point_at_the_file() -> None:
    spans = protect("Title\n\nText $a$ and\n$$\nb\n$$\n", "x.md", 5).spans
    assert [(s.tex, s.line, s.col, s.display) for s in spans] == [("a", 7, 6, False), ("b", 8, 1, False)]


def test_unclosed_double_dollar_is_a_warning_with_position() -> None:
    result = protect("Start\n\nprice $$ never closed\n", "content/posts/x.md", 10)
    assert [str(d) for d in result.diagnostics] == [
        "content/posts/x.md:12:7: warning: `$$` is never closed (write `\\$` for a dollar sign)"
    ]


def test_own_mathjax_script_is_dropped_with_a_warning() -> None:
    body = 'Text\n\n<script async src="https://x.org/MathJax/MathJax.js?config=TeX"></script>\n\n$x$\n'
    result = protect(body, "content/posts/x.md", 4)
    assert "MathJax.js" not in result.text
    assert [str(d) for d in result.diagnostics] == [
        "content/posts/x.md:6:1: warning: this post loads its own math renderer; "
        "the script is dropped (mathpress shows the math itself)"
    ]
    assert "<script>var" in protect("<script>var a = 1;</script>").text


def test_math_in_raw_html_reads_as_the_browser_decodes_it() -> None:
    """A listing showing a post's content puts math inside HTML: MathJax sees `>`, not `&gt;`
    (Markdown text keeps it)."""
    found = protect("text\n\n<p>if $a &gt; b$ then</p>\n\nmd $c &gt; d$\n")
    assert [span.tex for span in found.spans] == ["a > b", "c &gt; d"]


def test_math_deep_in_nested_raw_html_reads_as_the_browser_decodes_it() -> None:
    """A Jupyter notebook exported to an HTML post (peterroelants.github.io) nests divs: its raw HTML block ends at
    the outer </div>, not the first one, so `$m &lt; n$` after an inner cell is `m < n` to MathJax."""
    text = (
        '<div class="jekyll-html">\n\n<div class="cell">\n <div class="prompt"></div>\n</div>\n'
        '<div class="cell">\n   <p>\n    batches of size $m &lt; n$.\n   </p>\n</div>\n\n</div>\n\nmd $c &gt; d$\n'
    )
    assert [span.tex for span in protect(text).spans] == ["m < n", "c &gt; d"]


def test_a_block_after_an_empty_quote_line_is_display_as_kramdown_reads_it() -> None:
    """jhui.github.io writes `> ` and then `$$` on unquoted lines: kramdown's quote takes the lazy lines, and after
    its empty line the `$$` block is display (`<blockquote>\\[…\\]`, Debian's kramdown 2); after quoted text the
    lines continue its paragraph and the math is inline."""
    text = "Text.\n\n> \n$$\n NNL = - \\sum x\n$$\n\nAfter.\n\n> quoted text\n$$\ny\n$$\n\nA.\n"
    assert [(span.tex, span.display) for span in protect(text).spans] == [("NNL = - \\sum x", True), ("y", False)]
    html = render(text)
    assert "<blockquote>" in html.split("NNL")[0] and DISPLAY_BLOCK.format("NNL = - \\sum x") in html
