"""Tests for mathpress.math.check: exact warnings, positions end to end from Markdown text."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

from mathpress.content import split_front_matter
from mathpress.math.check import check_spans, edit_distance, mathjax_names
from mathpress.math.spans import protect

PATH = "content/posts/x.md"
CORPUS = Path(__file__).parent / "corpus"


def check(text: str, first_line: int = 1, macros: tuple[str, ...] = ()) -> list[str]:
    """The warnings for a Markdown body starting at `first_line`, as printed."""
    protected = protect(text, PATH, first_line)
    assert not protected.diagnostics, protected.diagnostics
    assert protected.spans, "the snippet should contain math"
    return [str(d) for d in check_spans(protected.spans, PATH, macros)]


def at(line: int, col: int, message: str) -> str:
    """One expected warning line."""
    return f"{PATH}:{line}:{col}: warning: {message}"


# -- braces ------------------------------------------------------------------------------------


def test_unclosed_brace_is_reported_at_the_brace() -> None:
    assert check("Some text $\\frac{a}{b$ here", first_line=5) == [at(5, 20, "unbalanced `{`: never closed")]


def test_extra_close_brace_is_reported_where_it_is() -> None:
    assert check("Text $a^{2}} + b$.\n", first_line=3) == [at(3, 12, "unbalanced `}`: no `{` to close")]


def test_escaped_braces_are_not_groups() -> None:
    assert check("The set $\\{ x \\mid x > 0 \\}$ is open.") == []
    assert check("The set $\\{ x \\}}$ is open.") == [at(1, 17, "unbalanced `}`: no `{` to close")]


def test_double_backslash_does_not_escape_the_brace_after_it() -> None:
    assert check("$$\na \\\\{ b\n$$\n") == [at(2, 5, "unbalanced `{`: never closed")]


def test_percent_comment_hides_braces_but_escaped_percent_does_not() -> None:
    assert check("$$\n\\frac{a}{b} % a stray } or { here\n+ c\n$$\n") == []
    assert check("A rate $r = 5\\% {$ per year.") == [at(1, 17, "unbalanced `{`: never closed")]


def test_error_on_the_third_line_of_a_display_block() -> None:
    text = r"""Intro.

$$
\begin{aligned}
a &= b \\
c &= \frac{1}{2 \\
\end{aligned}
$$
"""
    assert check(text, first_line=10) == [at(15, 14, "unbalanced `{`: never closed")]


# -- environments and \left/\right ------------------------------------------------------------


def test_environment_closed_by_another_name() -> None:
    text = "$$\n\\begin{align}\na &= b\n\\end{aligned}\n$$\n"
    assert check(text, first_line=2) == [at(5, 1, "`\\begin{align}` is closed by `\\end{aligned}`")]


def test_unclosed_begin_and_stray_end() -> None:
    assert check("$\\begin{pmatrix} a & b$ and $\\end{bmatrix}$") == [
        at(1, 2, "`\\begin{pmatrix}` is never closed"),
        at(1, 30, "`\\end{bmatrix}` without a matching `\\begin{bmatrix}`"),
    ]


def test_forgotten_inner_end_is_the_one_reported() -> None:
    text = "$$\n\\begin{equation}\n\\begin{split}\na = b\n\\end{equation}\n$$\n"
    assert check(text) == [at(3, 1, "`\\begin{split}` is never closed")]


def test_unknown_environment_with_and_without_hint() -> None:
    assert check("$\\begin{bmatrx} 1 \\end{bmatrx}$") == [
        at(1, 9, "unknown environment `bmatrx` (did you mean `bmatrix`?)")
    ]
    assert check("$\\begin{tabular}{cc} 1 & 2 \\end{tabular}$") == [at(1, 9, "unknown environment `tabular`")]


def test_environment_without_delimiters_keeps_file_positions() -> None:
    text = "Before.\n\n\\begin{align}\na &= \\fracc{1}{2}\n\\end{align}\n\nAfter.\n"
    assert check(text, first_line=7) == [at(10, 6, "unknown TeX macro `\\fracc` (did you mean `\\frac`?)")]


def test_left_right_pairs() -> None:
    assert check("$\\left( \\frac{a}{b} \\right.$ and $\\left\\{ x \\middle| y \\right\\}$") == []
    assert check("$\\left( x$ and $x \\right)$") == [
        at(1, 2, "`\\left` without a matching `\\right`"),
        at(1, 19, "`\\right` without a matching `\\left`"),
    ]


def test_middle_needs_an_enclosing_left() -> None:
    assert check("$a \\middle| b$ and $\\left( a \\middle/ b \\right)$") == [
        at(1, 4, "`\\middle` outside `\\left`…`\\right`")
    ]


def test_left_closed_outside_its_group() -> None:
    assert check("${\\left( x } \\right)$") == [
        at(1, 3, "`\\left` without a matching `\\right`"),
        at(1, 14, "`\\right` without a matching `\\left`"),
    ]


# -- macros ------------------------------------------------------------------------------------


def test_unknown_macro_with_hint() -> None:
    assert check("Then $\\fracc{1}{2}$ and $\\alpah$.") == [
        at(1, 7, "unknown TeX macro `\\fracc` (did you mean `\\frac`?)"),
        at(1, 26, "unknown TeX macro `\\alpah` (did you mean `\\alpha`?)"),
    ]


def test_unknown_macro_without_hint() -> None:
    assert check("$\\RR$") == [at(1, 2, "unknown TeX macro `\\RR`")]


def test_macros_from_any_mathjax_package_are_known() -> None:
    text = (
        "$\\mathbb{R} \\boldsymbol{x} \\color{red}{y} \\cancel{z} \\ce{H2O} \\bbox[5px]{w}"
        " \\operatorname{tr} \\unicode{x263A} \\href{https://example.org}{v} \\require{physics}"
        " \\qty(\\dv{f}{x}) \\bigl( \\bigr) \\qquad \\tag{1} \\label{eq} \\eqref{eq} \\text{ok}$"
    )
    assert check(text) == []


def test_control_symbols_are_fine() -> None:
    assert check("$a\\,b\\;c\\!d\\|e\\\\f\\ g\\#h\\&i\\_j\\$k$") == []


def test_macro_defined_in_an_earlier_span() -> None:
    assert check("$\\def\\RR{\\mathbb{R}}$\n\nLet $x \\in \\RR$.") == []


def test_macro_used_before_its_definition_span() -> None:
    assert check("Let $x \\in \\RR$.\n\n$\\def\\RR{\\mathbb{R}}$") == [at(1, 12, "unknown TeX macro `\\RR`")]


def test_hidden_definition_block_at_the_top() -> None:
    text = (
        '<div style="display: none">\n$$\n'
        "\\newcommand{\\RR}{\\mathbb{R}}\n\\newcommand\\NN{\\mathbb{N}}\n"
        "\\renewcommand{\\vec}[1]{\\boldsymbol{#1}}\n"
        "\\DeclareMathOperator*{\\argmax}{arg\\,max}\n\\DeclareMathOperator{\\Tr}{Tr}\n"
        "\\let\\eps\\varepsilon\n"
        "\\newenvironment{mybox}{\\begin{array}{|c|}\\hline}{\\\\\\hline\\end{array}}\n"
        "$$\n</div>\n\n"
        "Let $f : \\RR \\to \\NN$, $\\argmax_x \\Tr \\vec{x} + \\eps$ and"
        " $\\begin{mybox} x \\end{mybox}$.\n"
    )
    assert check(text) == []


def test_definition_and_use_in_the_same_span() -> None:
    assert check("$\\newcommand{\\ZZ}{\\mathbb{Z}} n \\in \\ZZ$") == []


def test_site_macros_are_known() -> None:
    assert check("$x \\in \\RR$", macros=("RR",)) == []
    assert check("$x \\in \\RR$", macros=("CC",)) == [at(1, 8, "unknown TeX macro `\\RR`")]


def test_verb_text_is_not_checked() -> None:
    assert check("$\\verb|\\foo{|$") == []


def test_kramdown_escaped_math_positions() -> None:
    assert check("See \\\\( a \\\\\\\\ b \\fracc \\\\) here.") == [
        at(1, 18, "unknown TeX macro `\\fracc` (did you mean `\\frac`?)")
    ]


# -- clean math --------------------------------------------------------------------------------


def test_clean_corpus_style_equations() -> None:
    text = r"""When $a \ne 0$, there are two solutions to $ax^2 + bx + c = 0$ and they are

$$x = {-b \pm \sqrt{b^2-4ac} \over 2a}.$$

$$
\begin{aligned}
\nabla \times \vec{\mathbf{B}} -\, \frac1c\, \frac{\partial\vec{\mathbf{E}}}{\partial t}
  & = \frac{4\pi}{c}\vec{\mathbf{j}} \\
\nabla \cdot \vec{\mathbf{E}} & = 4 \pi \rho % Gauss's law
\end{aligned}
$$

\begin{equation}
\label{eq:cases}
f(x) = \left\{ \begin{array}{ll} x & x \geq 0 \\ -x & \text{otherwise} \end{array} \right.
\end{equation}
"""
    assert check(text) == []


def corpus_posts() -> list[Path]:
    """Every post of the corpus (one folder per theme)."""
    return sorted(CORPUS.glob("*/**/*.md"))


@pytest.mark.parametrize("post", corpus_posts(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_posts_have_no_math_warnings(post: Path) -> None:
    rel = post.relative_to(CORPUS).as_posix()
    _meta, body, first_line = split_front_matter(post.read_text(encoding="utf-8"), rel)
    spans = protect(body, rel, first_line).spans
    assert [str(d) for d in check_spans(spans, rel, ())] == []


def test_corpus_has_math() -> None:
    spans = 0
    for post in corpus_posts():
        text = post.read_text(encoding="utf-8")
        _meta, body, first_line = split_front_matter(text, post.name)
        spans += len(protect(body, post.name, first_line).spans)
    assert spans >= 20


# -- the data file -----------------------------------------------------------------------------


def test_data_file_has_mathjax_names() -> None:
    data = json.loads((files("mathpress") / "data" / "tex_names.json").read_text("utf-8"))
    assert data["mathjax"][0] == "3.2.2" and data["mathjax"][1].startswith("4.")
    assert data["macros"] == sorted(set(data["macros"]))
    assert data["environments"] == sorted(set(data["environments"]))
    names = mathjax_names()
    macros = {
        *("frac", "sqrt", "mathbb", "boldsymbol", "operatorname", "text", "tag", "label"),
        *("eqref", "color", "cancel", "ce", "bbox", "bigl", "bigr", "qquad", "left", "right"),
        *("middle", "begin", "end", "def", "newcommand", "DeclareMathOperator", "alpha", "le"),
        *("langle", "lbrace"),
    }
    environments = {
        *("equation", "align*", "eqnarray", "gather", "multline", "aligned", "cases"),
        *("pmatrix", "bmatrix", "smallmatrix", "split", "array", "subarray"),
    }
    assert macros - names.macros == set()
    assert environments - names.environments == set()
    assert "bm" not in names.macros and "tabular" not in names.environments


def test_edit_distance() -> None:
    assert edit_distance("kitten", "sitting") == 3
    assert edit_distance("alpah", "alpha") == 1
    assert edit_distance("", "abc") == 3
