"""MathML gets what MathJax does in the browser: macros expanded, equations numbered, references resolved.

Also: a \\label defined twice is reported at both places and left out the second time.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mathpress.markup import RenderInput, render_document
from mathpress.math.equations import prepare_spans, span_mathml
from mathpress.math.macros import Macro, MacroError, expand, site_macros, take_definitions
from mathpress.math.spans import MathSpan, protect
from tests.conftest import build_site, make_site, read_output

ATOM = "{http://www.w3.org/2005/Atom}"
NS = "{http://www.w3.org/1998/Math/MathML}"
POST = "content/posts/2024-01-02-p.md"
PAGE = "2024/01/02/p/index.html"


def feed_content(root: Path) -> str:
    """The first feed entry's content HTML, unescaped once (as a feed reader sees it)."""
    feed = ET.fromstring(read_output(root, "feed.xml"))
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.text is not None
    return content.text


def maths(fragment: str) -> list[ET.Element]:
    """Every <math> element of an HTML fragment, parsed."""
    return [ET.fromstring(m) for m in re.findall(r"<math\b.*?</math>", fragment, re.S)]


def shown(math: ET.Element) -> str:
    """The text a reader sees in one <math> (the annotation left out)."""
    semantics = math[0]
    return "".join("".join(child.itertext()) for child in semantics if child.tag != f"{NS}annotation")


def annotation(math: ET.Element) -> str:
    found = math.find(f"{NS}semantics/{NS}annotation")
    assert found is not None
    return found.text or ""


def tags_shown(fragment: str) -> list[str]:
    """The equation numbers (and \\tag texts) shown by display MathML, in order."""
    found = []
    for math in maths(fragment):
        if math.get("display") == "block":
            found += [t.text or "" for t in math.iter(f"{NS}mtext") if re.fullmatch(r"\(.*\)", t.text or "")]
    return found


def warnings(report: object) -> list[str]:
    return [str(d) for d in report.diagnostics]  # type: ignore[attr-defined]


# -- macros ----------------------------------------------------------------------------------


def test_expand_replaces_arguments_and_reads_the_result_again() -> None:
    macros = site_macros([("RR", "\\mathbb{R}", 0), ("norm", "\\left\\|#1\\right\\|", 1), ("N", "\\norm{#1}_2", 1)])
    assert expand("\\RR^n", macros) == "\\mathbb{R}^n"
    assert expand("\\N{x} + \\norm y", macros) == "\\left\\|x\\right\\|_2 + \\left\\|y\\right\\|"
    assert expand("\\RRx \\RR x", macros) == "\\RRx \\mathbb{R} x"  # \RRx is another macro
    assert expand("\\\\RR", macros) == "\\\\RR"  # a line break, then the letters RR
    assert expand("\\\\\\RR", macros) == "\\\\\\mathbb{R}"  # a line break, then \RR
    assert expand("\\RR", {"RR": Macro("\\mathbb")}) == "\\mathbb"


def test_a_post_defines_macros_with_newcommand_def_declaremathoperator_and_let() -> None:
    tex = (
        "\\newcommand{\\abs}[1]{\\lvert #1\\rvert}\\def\\pair#1#2{(#1,#2)}"
        "\\DeclareMathOperator{\\tr}{tr}\\let\\eps\\varepsilon\\newcommand\\opt[2][0]{#1+#2} x"
    )
    rest, macros = take_definitions(tex, {})
    assert rest.strip() == "x"
    assert sorted(macros) == ["abs", "eps", "opt", "pair", "tr"]
    used = "\\abs{y} \\pair ab \\tr A \\eps \\opt{y} \\opt[1]{y}"
    assert expand(used, macros) == "\\lvert y\\rvert (a,b) \\operatorname{tr} A \\varepsilon 0+y 1+y"


@pytest.mark.parametrize(
    ("macros", "tex", "message"),
    [
        ({"a": Macro("\\a x")}, "\\a", "`\\a` never stops expanding (a macro that uses itself?)"),
        ({"b": Macro("\\b\\b")}, "\\b", "`\\b` never stops expanding (a macro that uses itself?)"),
        ({"f": Macro("#1", 1)}, "x + \\f", "`\\f` is missing an argument"),
    ],
)
def test_expansion_that_cannot_end_is_an_error(macros: dict[str, Macro], tex: str, message: str) -> None:
    with pytest.raises(MacroError) as caught:
        expand(tex, macros)
    assert str(caught.value) == message


SITE_MACROS = """title: T
url: https://e.org
math:
  render: RENDER
  macros:
    RR: "\\\\mathbb{R}"
    norm: ["\\\\left\\\\|#1\\\\right\\\\|", 1]
"""
MACRO_POST = """---
title: Macros in $\\RR$
---
Let $x \\in \\RR^n$ and $\\norm{x} = 1$.
A definition: $\\newcommand{\\inner}[2]{\\langle #1, #2\\rangle}\\def\\e{\\mathrm{e}}$ and then
$\\inner{x}{y} = \\e^{t}$.
"""


@pytest.mark.parametrize("render", ["mathjax", "mathml"])
def test_site_and_post_macros_are_expanded_in_the_feed_and_mathml_pages(tmp_path: Path, render: str) -> None:
    root = make_site(tmp_path, {"site.yml": SITE_MACROS.replace("RENDER", render), POST: MACRO_POST})
    report = build_site(root)
    assert warnings(report) == []
    fragments = [feed_content(root)] + ([read_output(root, PAGE)] if render == "mathml" else [])
    for fragment in fragments:
        found = maths(fragment)
        texts = [(annotation(m), shown(m)) for m in found]
        assert ("x \\in \\RR^n", "x∈ℝn") in texts
        assert ("\\norm{x} = 1", "‖x‖=1") in texts
        assert ("\\inner{x}{y} = \\e^{t}", "⟨x,y⟩=et") in texts
        assert not [m for m in found if re.search(r"\\[A-Za-z]", shown(m))]  # no command left as letters
    if render == "mathml":
        title = re.search(r"<h1[^>]*>(.*?)</h1>", read_output(root, PAGE), re.S)
        assert title and "<mi>ℝ</mi>" in title[1]
    else:  # MathJax reads the macros itself: the page keeps the TeX as written
        assert "\\(x \\in \\RR^n\\)" in read_output(root, PAGE)


def test_a_macro_that_never_ends_is_a_warning_at_its_place_and_shown_as_tex(tmp_path: Path) -> None:
    post = "---\ntitle: Loop\n---\nFine $x$, then\nhere $\\def\\loop{\\loop x}\\loop$ and $y$.\n"
    root = make_site(tmp_path, {POST: post})
    report = build_site(root)
    message = "`\\loop` never stops expanding (a macro that uses itself?); it is shown as TeX where MathML is used"
    assert warnings(report) == [f"{POST}:5:6: warning: {message}"]
    content = feed_content(root)
    assert '<code class="math-tex">\\def\\loop{\\loop x}\\loop</code>' in content
    assert [shown(m) for m in maths(content)] == ["x", "y"]


def test_a_site_macro_that_never_ends_names_each_place_it_is_used(tmp_path: Path) -> None:
    site = 'title: T\nurl: https://e.org\nmath:\n  macros:\n    a: "\\\\b"\n    b: "\\\\a"\n'
    root = make_site(tmp_path, {"site.yml": site, POST: "---\ntitle: L\n---\n$\\a$ and\n\n$$\n\\b\n$$\n"})
    report = build_site(root)
    assert warnings(report) == [
        f"{POST}:4:1: warning: `\\a` never stops expanding (a macro that uses itself?); it is shown as TeX where"
        " MathML is used",
        f"{POST}:6:1: warning: `\\b` never stops expanding (a macro that uses itself?); it is shown as TeX where"
        " MathML is used",
    ]


# -- equation numbers and references ----------------------------------------------------------


LABELS_POST = """---
title: Labels
---
An equation:

$$
E = mc^2 \\label{eq:energy}
$$

\\begin{align}
a &= b \\label{eq:a} \\\\
c &= d \\notag \\\\
e &= f \\tag{A} \\label{eq:e} \\\\
g &= h \\label{eq:g}
\\end{align}

By \\eqref{eq:energy}, \\eqref{eq:e} and $x = \\ref{eq:g}$; \\eqref{eq:none} is missing.
"""


def test_eqref_and_ref_show_the_number_the_page_shows(tmp_path: Path) -> None:
    root = make_site(tmp_path, {POST: LABELS_POST})
    report = build_site(root)
    assert warnings(report) == [
        f"{POST}:17:58: warning: `\\eqref{{eq:none}}`: no `\\label{{eq:none}}` in this post (the page shows (???))"
    ]
    content = feed_content(root)
    assert tags_shown(content) == ["(1)", "(2)", "(A)", "(3)"]
    inline = [(annotation(m), shown(m)) for m in maths(content) if m.get("display") == "inline"]
    assert inline == [
        ("\\eqref{eq:energy}", "(1)"),
        ("\\eqref{eq:e}", "(A)"),
        ("x = \\ref{eq:g}", "x=3"),
        ("\\eqref{eq:none}", "(???)"),  # what MathJax shows
    ]


def numbers(tex: str, tags: str) -> list[str]:
    """The numbers shown by each display of `tex` (a post body) under a `tags` setting."""
    found = protect(tex)
    spans, _ = prepare_spans(found.spans, range(len(found.spans)), "p.md", {}, tags)
    return [" ".join(re.findall(r"\\tag\{([^{}]*)\}", span.mathml_tex or span.tex)) for span in spans]


def test_numbers_follow_mathjax_tags_setting() -> None:
    body = "$$\na\n$$\n\n\\begin{equation}\nb\n\\end{equation}\n\n\\begin{gather*}\nc \\\\ d \\tag{X}\n\\end{gather*}\n"
    assert numbers(body, "none") == ["", "", "X"]
    assert numbers(body, "ams") == ["", "1", "X"]
    assert numbers(body, "all") == ["1", "2", "X"]
    trailing = "\\begin{align}\na \\\\\nb \\\\\n\\end{align}\n"  # no number for an empty last row
    assert numbers(trailing, "ams") == ["1 2"]


def test_inner_environments_do_not_split_rows() -> None:
    body = "\\begin{equation}\n\\begin{aligned} a &= b \\\\ c &= d \\end{aligned} \\label{x}\n\\end{equation}\n"
    assert numbers(body, "ams") == ["1"]


# -- a label defined twice ---------------------------------------------------------------------


TWICE = """---
title: Twice
---
First:

$$
a = b \\label{eq:one}
$$

Second:

$$
c = d \\label{eq:one}
$$

See \\eqref{eq:one}.
"""


def test_a_label_defined_twice_is_reported_at_both_lines_and_left_out_the_second_time(tmp_path: Path) -> None:
    root = make_site(tmp_path, {POST: TWICE})
    report = build_site(root)
    assert warnings(report) == [
        f"{POST}:7:7: warning: `\\label{{eq:one}}` is defined again at line 13; MathJax allows a label once per page",
        f"{POST}:13:7: warning: `\\label{{eq:one}}` is already defined at line 7; this one is left out of the page",
    ]
    page = html.unescape(read_output(root, PAGE))
    assert page.count("\\label{eq:one}") == 1
    assert "\\[\\begin{equation}a = b \\label{eq:one}\\end{equation}\\]" in page
    assert "\\[\\begin{equation}c = d \\end{equation}\\]" in page  # still numbered, as its author meant
    content = feed_content(root)
    assert tags_shown(content) == ["(1)", "(2)"]
    assert [shown(m) for m in maths(content) if m.get("display") == "inline"] == ["(1)"]


def test_repeated_labels_in_one_span_are_reported_too() -> None:
    found = protect("$$\n\\begin{align}\na \\label{x} \\\\\nb \\label{x}\n\\end{align}\n$$\n", "p.md", 4)
    spans, notes = prepare_spans(found.spans, [0], "p.md", {}, "none")
    assert [str(n) for n in notes] == [
        "p.md:6:3: warning: `\\label{x}` is defined again at line 7; MathJax allows a label once per page",
        "p.md:7:3: warning: `\\label{x}` is already defined at line 6; this one is left out of the page",
    ]
    assert spans[0].tex.count("\\label{x}") == 1
    assert shown(ET.fromstring(span_mathml(spans[0])[0])).count("(") == 2  # both rows numbered


TEX_PIECES = [
    "x",
    " ",
    "{",
    "}",
    "[",
    "]",
    "#1",
    "#",
    "\\\\",
    "&",
    "\\a",
    "\\b",
    "\\def",
    "\\gdef",
    "\\let",
    "=",
    "\\newcommand",
    "\\renewcommand*",
    "\\DeclareMathOperator",
    "[2]",
    "\\label{x}",
    "\\label{y}",
    "\\tag{",
    "\\tag*{T}",
    "\\notag",
    "\\eqref{x}",
    "\\ref{y}",
    "\\begin{align}",
    "\\end{align}",
    "\\begin{aligned}",
    "\\end{aligned}",
    "\\begin{equation*}",
    "\\end{equation*}",
    "\\RR",
    "\\f",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TEX_PIECES), max_size=25).map("".join), max_size=4), st.booleans())
def test_any_tex_is_prepared_without_crashing(texts: list[str], display: bool) -> None:
    spans = [MathSpan(tex, display, i + 1, 1, "$$", i + 1, 3) for i, tex in enumerate(texts)]
    macros = site_macros([("RR", "\\mathbb{R}", 0), ("f", "#1^2", 1)])
    for tags in ("none", "ams", "all"):
        prepared, notes = prepare_spans(spans, range(len(spans)), "p.md", macros, tags)
        assert len(prepared) == len(spans)
        assert all(str(note).startswith("p.md:") for note in notes)
        for span in prepared:
            markup, _ = span_mathml(span)
            assert markup.startswith(("<math ", '<code class="math-tex">'))


def test_a_feed_of_many_formulas_is_the_same_converted_across_workers(tmp_path: Path) -> None:
    formulas = " ".join(f"$x_{{{i}}} + \\RR^{{{i}}}$" for i in range(600))  # enough to convert in workers
    post = f"---\ntitle: Many\n---\n{formulas}\n\nAnd one that fails: $\\frac{{a}}{{$.\n"
    site = 'title: T\nurl: https://e.org\nmath:\n  macros:\n    RR: "\\\\mathbb{R}"\n'
    built = {}
    for jobs in (1, 2):
        root = make_site(tmp_path / f"jobs-{jobs}", {"site.yml": site, POST: post})
        report = build_site(root, jobs=jobs)
        built[jobs] = (read_output(root, "feed.xml"), warnings(report))
    assert built[1] == built[2]
    feed, found = built[2]
    assert found == [
        f"{POST}:6:21: warning: MathML: unexpected end: a missing argument or an unclosed brace in `\\frac{{a}}{{`",
        f"{POST}:6:30: warning: unbalanced `{{`: never closed",
    ]
    assert feed.count("&lt;mi&gt;ℝ&lt;/mi&gt;") == 2 * 600  # in the content and in the summary


def test_a_front_matter_excerpt_is_numbered_on_its_own(tmp_path: Path) -> None:
    post = (
        '---\ntitle: E\nexcerpt: "See $$a \\\\label{eq:a}$$ in \\\\eqref{eq:a}."\n---\n'
        "$$\nb \\label{eq:a}\n$$\n\n$$\nc \\label{eq:c}\n$$\n\nBy \\eqref{eq:c}.\n"
    )
    root = make_site(tmp_path, {POST: post})
    report = build_site(root)
    assert warnings(report) == []  # the excerpt is shown on other pages than the post's
    content = feed_content(root)
    assert tags_shown(content) == ["(1)", "(2)"]
    assert [shown(m) for m in maths(content) if m.get("display") == "inline"] == ["(2)"]


def test_pages_in_mathml_keep_each_formula_made_once_with_the_render() -> None:
    body = "Let $x \\in \\RR$ and $\\frac{a}{$.\n\n$$\ny \\label{eq:y}\n$$\n\nSee \\eqref{eq:y}.\n"
    job = RenderInput(POST, body, 4, None, "<!--more-->", (("RR", "\\mathbb{R}", 0),), True, False, mathml=True)
    result = render_document(job)
    made = [span.mathml for span in result.spans]
    fresh = [span_mathml(replace(span, mathml=""))[0] for span in result.spans]
    assert made == fresh and all(made)
    assert shown(ET.fromstring(made[0])) == "x∈ℝ" and made[1] == '<code class="math-tex">\\frac{a}{</code>'
    assert shown(ET.fromstring(made[3])) == "(1)"
    assert (
        f"{POST}:4:21: warning: MathML: unexpected end: a missing argument or an unclosed brace in `\\frac{{a}}{{`"
        in [str(d) for d in result.diagnostics]
    )
