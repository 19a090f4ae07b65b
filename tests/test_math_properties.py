"""Property tests: math survives protection byte for byte; random Markdown never crashes."""

from __future__ import annotations

import html

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathpress.jekyll.liquid import LiquidContext, render_liquid
from mathpress.markup import RenderInput, render_document
from mathpress.math.spans import mathjax_markup, protect, restore

TEX_CHARS = "abxyzABN0123456789_^{}*&<>+-=()[]|,.'!/ \\"
tex = st.text(TEX_CHARS, min_size=1, max_size=30).filter(
    lambda t: t == t.strip() and not t.endswith("\\") and "\\)" not in t and "\\]" not in t
)
# No parentheses: `[]( $x$ )` is a link whose URL holds the TeX as text, rightly not typeset.
words = st.text("abcdefghij*_#+-.,!?[] ", min_size=1, max_size=25).map(lambda w: " " + w.strip() + " ")
delimiters = st.sampled_from([("$", "$"), ("$$", "$$"), ("\\(", "\\)")])


@st.composite
def paragraph_with_math(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A paragraph of filler words with math spans inserted between them."""
    pieces: list[str] = ["Start"]
    inserted: list[str] = []
    for _ in range(draw(st.integers(1, 6))):
        opener, closer = draw(delimiters)
        value = draw(tex)
        if opener == "\\(":
            value = "\\alpha " + value  # unmistakably math, never prose in parentheses
        pieces.append(draw(words))
        pieces.append(f"{opener}{value}{closer}")
        inserted.append(value)
    pieces.append(" end.")
    return "".join(pieces), inserted


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(paragraph_with_math())
def test_inserted_math_is_found_exactly(case: tuple[str, list[str]]) -> None:
    text, inserted = case
    protected = protect(text)
    assert [span.tex for span in protected.spans] == inserted
    restored = restore(protected.text, protected.token_prefix, protected.spans, lambda s, b: s.tex)
    assert protected.token_prefix not in restored


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(paragraph_with_math())
def test_inserted_math_reaches_the_html_byte_for_byte(case: tuple[str, list[str]]) -> None:
    text, inserted = case
    job = RenderInput("content/posts/p.md", text, 1, None, "<!--more-->", (), False, False)
    result = render_document(job)
    page = restore(result.html, result.prefix, result.spans, mathjax_markup)
    for value in inserted:
        assert f"\\({html.escape(value, quote=False)}\\)" in page


MARKDOWN_ALPHABET = "ab \n\t#*_-+>|`~$\\[](){}<>!:=.1&%^'\"/"
FRAGMENTS = [
    "$",
    "$$",
    "\\(",
    "\\)",
    "\\[",
    "\\]",
    "\\\\(",
    "\\\\)",
    "\\begin{align}",
    "\\end{align}",
    "\\begin{equation*}",
    "\\end{equation}",
    "```",
    "~~~",
    "    ",
    "\n",
    "\n\n",
    "- ",
    "1. ",
    "> ",
    "# ",
    "| a | b |\n|---|---|\n",
    "{: .x}",
    "{:.a.b :}",
    '<div markdown="1">',
    "</div>",
    "<p>",
    "</p>",
    "<h4>",
    "</h4>",
    "<!--more-->",
    "<!--",
    "-->",
    "<script>",
    "</script>",
    "{% raw %}",
    "{% endraw %}",
    "{% highlight python %}",
    "{% endhighlight %}",
    "{{ site.baseurl }}",
    "{% include x %}",
    "[^1]",
    "[^1]: note",
    "`",
    "``",
    "*",
    "__",
    "\\",
    "&",
    "x",
    "y_1",
    "é",
    "確率",
    "\\frac{",
    "}",
]
markdown = st.one_of(
    st.text(MARKDOWN_ALPHABET, max_size=300),
    st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(markdown)
def test_random_markdown_never_crashes(text: str) -> None:
    context = LiquidContext("https://example.org", "/repo/")
    text, notes = render_liquid(text, "content/posts/p.md", 1, context)
    macros = (("RR", "\\mathbb{R}", 0, None),)
    job = RenderInput("content/posts/p.md", text, 1, None, "<!--more-->", macros, True, False)
    result = render_document(job)
    page = restore(result.html, result.prefix, result.spans, mathjax_markup)
    assert result.prefix not in page
    for diagnostic in (*notes, *result.diagnostics):
        assert str(diagnostic).startswith("content/posts/p.md:")
