"""MathML gets what MathJax does in the browser: macros expanded, equations numbered, references resolved.

Also: a \\label defined twice is reported at both places and left out the second time.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mathpress.math import engine
from mathpress.math.engine import Settings
from mathpress.math.equations import prepare_spans
from mathpress.math.spans import protect
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
    """The equation numbers (and \\tag texts) shown by display MathML, in order: each row's last cell
    (MathJax's label, moved last from its mlabeledtr)."""
    found = []
    for math in maths(fragment):
        if math.get("display") == "block":
            for row in math.iter(f"{NS}mtr"):
                label = "".join(row[-1].itertext()) if len(row) > 1 else ""
                found += [label] if re.fullmatch(r"\(.*\)", label) else []
    return found


def warnings(report: object) -> list[str]:
    return [str(d) for d in report.diagnostics]  # type: ignore[attr-defined]


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


@pytest.mark.parametrize("render", ["mathjax", "mathml", "build"])
def test_site_and_post_macros_are_expanded_in_the_feed_and_mathml_pages(tmp_path: Path, render: str) -> None:
    root = make_site(tmp_path, {"site.yml": SITE_MACROS.replace("RENDER", render), POST: MACRO_POST})
    report = build_site(root)
    assert warnings(report) == []
    fragments = [feed_content(root)] + ([read_output(root, PAGE)] if render != "mathjax" else [])
    for fragment in fragments:
        found = maths(fragment)
        texts = [(annotation(m), shown(m)) for m in found]
        assert ("x \\in \\RR^n", "x∈Rn") in texts and '<mi mathvariant="double-struck">R</mi>' in fragment
        assert ("\\norm{x} = 1", "‖x‖=1") in texts
        assert ("\\inner{x}{y} = \\e^{t}", "⟨x,y⟩=et") in texts
        assert not [m for m in found if re.search(r"\\[A-Za-z]", shown(m))]  # no command left as letters
    if render != "mathjax":
        title = re.search(r"<h1[^>]*>(.*?)</h1>", read_output(root, PAGE), re.S)
        assert title and '<mi mathvariant="double-struck">R</mi>' in title[1]
    else:  # MathJax reads the macros itself: the page keeps the TeX as written
        assert "\\(x \\in \\RR^n\\)" in read_output(root, PAGE)


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
    spans, notes = prepare_spans(found.spans, [0], "p.md")
    assert [str(n) for n in notes] == [
        "p.md:6:3: warning: `\\label{x}` is defined again at line 7; MathJax allows a label once per page",
        "p.md:7:3: warning: `\\label{x}` is already defined at line 6; this one is left out of the page",
    ]
    assert spans[0].tex.count("\\label{x}") == 1
    (typeset,) = engine.typeset([(spans[0].tex, True)], Settings(tags="ams"))
    assert typeset.error is None and "(2)" in re.sub(r"<[^>]*>|\s", "", typeset.mathml)  # both rows numbered


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
