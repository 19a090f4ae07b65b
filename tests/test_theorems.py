"""Theorem-like blocks and references to them: Markdown in, the exact HTML out (mathpress.theorems)."""

from __future__ import annotations

import concurrent.futures
import re
from pathlib import Path
from typing import Any

import pytest

from mathpress.errors import SourceError
from mathpress.markup import RenderInput, finish, render_document
from mathpress.math.spans import mathjax_markup
from mathpress.theorems import DEFAULT_KINDS, Kind, is_cross_reference, site_kinds
from tests.browser import MATHJAX4_FONTS_URL_PATH, MATHJAX4_URL_PATH, serve_directory, typeset
from tests.conftest import build_site, make_site, read_output


def render(body: str, kinds: tuple[Kind, ...] = DEFAULT_KINDS, first_line: int = 1) -> tuple[str, list[str]]:
    """A body as its page shows it (math as MathJax markup), and its diagnostics."""
    job = RenderInput(
        source="p.md",
        body=body,
        body_line=first_line,
        excerpt_source=None,
        separator="",
        macros=(),
        check_math=False,
        safe_html=False,
        theorems=kinds,
    )
    rendered = render_document(job)
    return finish(rendered, rendered.html, mathjax_markup), [str(d) for d in rendered.diagnostics]


def html_of(body: str, kinds: tuple[Kind, ...] = DEFAULT_KINDS) -> str:
    """The HTML of a body that must render without any warning."""
    page, notes = render(body, kinds)
    assert notes == []
    return page


def test_fenced_div_with_id_and_title() -> None:
    body = '::: {.theorem #thm-main title="Cauchy"}\nIf $f$ is *holomorphic*, its integral vanishes.\n:::\n'
    assert html_of(body) == (
        '<div class="theorem-env theorem plain-style" id="thm-main">\n'
        '<p><span class="theorem-head"><strong>Theorem 1</strong> (Cauchy).</span> If '
        '<span class="math inline">\\(f\\)</span> is <em>holomorphic</em>, its integral vanishes.</p>\n'
        "</div>"
    )


def test_fenced_div_forms_bare_class_quarto_prefix_and_heading_title() -> None:
    body = "::: lemma\nA.\n:::\n\n::: {#lem-b}\n## Young\nB.\n:::\n\n::: {#cor-c name='Last'}\nC.\n:::\n"
    assert html_of(body) == (
        '<div class="theorem-env lemma plain-style">\n'
        '<p><span class="theorem-head"><strong>Lemma 1.</strong></span> A.</p>\n'
        "</div>\n"
        '<div class="theorem-env lemma plain-style" id="lem-b">\n'
        '<p><span class="theorem-head"><strong>Lemma 2</strong> (Young).</span> B.</p>\n'
        "</div>\n"
        '<div class="theorem-env corollary plain-style" id="cor-c">\n'
        '<p><span class="theorem-head"><strong>Corollary 3</strong> (Last).</span> C.</p>\n'
        "</div>"
    )


def test_latex_environment_with_optional_title_and_label() -> None:
    body = "\\begin{proposition}[Bound on $L^2$]\\label{prop:bound}\nFor all $x$,\n\nit holds.\n\\end{proposition}\n"
    assert html_of(body) == (
        '<div class="theorem-env proposition plain-style" id="prop:bound">\n'
        '<p><span class="theorem-head"><strong>Proposition 1</strong> (Bound on '
        '<span class="math inline">\\(L^2\\)</span>).</span> For all <span class="math inline">\\(x\\)</span>,</p>\n'
        "<p>it holds.</p>\n"
        "</div>"
    )


def test_latex_environment_label_on_the_next_line_and_text_on_the_opening_line() -> None:
    body = (
        "\\begin{definition}\n\\label{def:group} A *group* is a set.\n\\end{definition}\n\n"
        "\\begin{remark} Short. \\end{remark}\n"
    )
    assert html_of(body) == (
        '<div class="theorem-env definition definition-style" id="def:group">\n'
        '<p><span class="theorem-head"><strong>Definition 1.</strong></span> A <em>group</em> is a set.</p>\n'
        "</div>\n"
        '<div class="theorem-env remark remark-style">\n'
        '<p><span class="theorem-head"><em>Remark 2.</em></span> Short.</p>\n'
        "</div>"
    )


def test_proof_ends_with_qed_in_its_last_paragraph() -> None:
    body = "::: proof\nFirst.\n\nObvious.\n:::\n\n\\begin{proof}[Proof of the lemma]\nDone.\n\\end{proof}\n"
    assert html_of(body) == (
        '<div class="theorem-env proof proof-style">\n'
        '<p><span class="theorem-head"><em>Proof.</em></span> First.</p>\n'
        '<p>Obvious. <span class="qed" title="End of proof">∎</span></p>\n'
        "</div>\n"
        '<div class="theorem-env proof proof-style">\n'
        '<p><span class="theorem-head"><em>Proof of the lemma.</em></span> Done. '
        '<span class="qed" title="End of proof">∎</span></p>\n'
        "</div>"
    )


def test_proof_ending_in_a_display_puts_qed_on_its_own_line() -> None:
    body = "\\begin{proof}\n$$x = 1$$\n\\end{proof}\n"
    assert html_of(body) == (
        '<div class="theorem-env proof proof-style">\n'
        '<p><span class="theorem-head"><em>Proof.</em></span></p>\n'
        '<div class="math display">\\[x = 1\\]</div>\n'
        '<p class="qed-line"><span class="qed" title="End of proof">∎</span></p>\n'
        "</div>"
    )


def test_numbers_are_shared_per_post_in_page_order_and_proofs_are_unnumbered() -> None:
    body = "::: theorem\nA.\n:::\n\n::: proof\nP.\n:::\n\n::: definition\nB.\n:::\n\n::: lemma\nC.\n:::\n"
    heads = re.findall(r'<span class="theorem-head">(.*?)</span>', html_of(body))
    assert heads == ["<strong>Theorem 1.</strong>", "<em>Proof.</em>", "<strong>Definition 2.</strong>",
                     "<strong>Lemma 3.</strong>"]  # fmt: skip


def test_starred_environments_and_unnumbered_divs_take_no_number() -> None:
    body = (
        "\\begin{theorem*}[Zorn]\n$$x$$\n\\end{theorem*}\n\n::: {.lemma .unnumbered}\nL.\n:::\n\n::: theorem\nT.\n:::\n"
    )
    assert html_of(body) == (
        '<div class="theorem-env theorem plain-style">\n'
        '<p><span class="theorem-head"><strong>Theorem</strong> (Zorn).</span></p>\n'
        '<div class="math display">\\[x\\]</div>\n'
        "</div>\n"
        '<div class="theorem-env lemma plain-style">\n'
        '<p><span class="theorem-head"><strong>Lemma.</strong></span> L.</p>\n'
        "</div>\n"
        '<div class="theorem-env theorem plain-style">\n'
        '<p><span class="theorem-head"><strong>Theorem 1.</strong></span> T.</p>\n'
        "</div>"
    )


def test_site_kinds_add_a_kind_unnumber_one_and_give_one_its_own_counter() -> None:
    kinds = site_kinds(
        {
            "conjecture": {"name": "Conjecture", "counter": "conjecture"},
            "remark": {"numbered": False},
            "axiom": {"name": "Axiom", "style": "definition", "prefix": "ax"},
        }
    )
    body = (
        "::: theorem\nT.\n:::\n\n::: {#cnj-a}\nC.\n:::\n\n::: remark\nR.\n:::\n\n"
        "\\begin{axiom}\\label{ax-one}\nX.\n\\end{axiom}\n\nSee @cnj-a and @ax-one.\n"
    )
    assert html_of(body, kinds) == (
        '<div class="theorem-env theorem plain-style">\n'
        '<p><span class="theorem-head"><strong>Theorem 1.</strong></span> T.</p>\n'
        "</div>\n"
        '<div class="theorem-env conjecture plain-style" id="cnj-a">\n'
        '<p><span class="theorem-head"><strong>Conjecture 1.</strong></span> C.</p>\n'
        "</div>\n"
        '<div class="theorem-env remark remark-style">\n'
        '<p><span class="theorem-head"><em>Remark.</em></span> R.</p>\n'
        "</div>\n"
        '<div class="theorem-env axiom definition-style" id="ax-one">\n'
        '<p><span class="theorem-head"><strong>Axiom 2.</strong></span> X.</p>\n'
        "</div>\n"
        '<p>See <a class="theorem-ref" href="#cnj-a">Conjecture 1</a> and '
        '<a class="theorem-ref" href="#ax-one">Axiom 2</a>.</p>'
    )


def test_references_of_each_form_forward_and_backward() -> None:
    body = (
        "By @thm-main, -@thm-main, [@thm-main], \\ref{thm:b}, \\cref{thm:b} and \\Cref{thm:b,thm-main}.\n\n"
        "::: {.theorem #thm-main}\nA.\n:::\n\n\\begin{lemma}\\label{thm:b}\nB.\n\\end{lemma}\n\nAgain @thm-main.\n"
    )
    page = html_of(body)
    first, last = page.split("\n")[0], page.split("\n")[-1]
    assert first == (
        '<p>By <a class="theorem-ref" href="#thm-main">Theorem 1</a>, <a class="theorem-ref" href="#thm-main">1</a>, '
        '<a class="theorem-ref" href="#thm-main">Theorem 1</a>, <a class="theorem-ref" href="#thm:b">2</a>, '
        '<a class="theorem-ref" href="#thm:b">Lemma 2</a> and '
        '<a class="theorem-ref" href="#thm:b">Lemma 2, Theorem 1</a>.</p>'
    )
    assert last == '<p>Again <a class="theorem-ref" href="#thm-main">Theorem 1</a>.</p>'


def test_equation_references_stay_mathjax_and_citations_are_left_alone() -> None:
    body = (
        "$$x \\label{eq:a}$$\n\nSee \\eqref{eq:a}, \\ref{eq:a}, $\\ref{eq:a}$, [@knuth84] and @knuth84.\n\n"
        "::: {.theorem #thm-a}\nT.\n:::\n"
    )
    assert html_of(body).split("\n")[1] == (
        '<p>See <span class="math inline">\\(\\eqref{eq:a}\\)</span>, <span class="math inline">\\(\\ref{eq:a}\\)'
        '</span>, <span class="math inline">\\(\\ref{eq:a}\\)</span>, [@knuth84] and @knuth84.</p>'
    )
    assert is_cross_reference("thm-a") and is_cross_reference("eq-x") and not is_cross_reference("knuth84")
    assert not is_cross_reference("thm")


def test_urls_and_mail_addresses_are_not_references() -> None:
    body = "[a](https://m.xyz/@thm-a) <https://x.org/@thm-a> me@thm-a.org\n"
    assert html_of(body) == (
        '<p><a href="https://m.xyz/@thm-a">a</a> <a href="https://x.org/@thm-a">https://x.org/@thm-a</a> '
        "me@thm-a.org</p>"
    )


def test_unknown_labels_are_warnings_at_their_line_and_column() -> None:
    body = "::: {.theorem #thm-a}\nT.\n:::\n\nSee @thm-b and\nalso \\cref{thm:c}, \\ref{thm:d} and `@thm-e`.\n"
    page, notes = render(body, first_line=5)
    assert notes == [
        "p.md:9:5: warning: reference to `thm-b`: no theorem in this post has that label",
        "p.md:10:6: warning: reference to `thm:c`: no theorem in this post has that label",
        "p.md:10:20: warning: `\\ref{thm:d}`: no `\\label{thm:d}` in this post (the page shows (???))",
    ]
    assert '<span class="theorem-ref unknown">@thm-b</span>' in page


def test_an_unknown_equation_reference_hints_at_eqref() -> None:
    _, notes = render("See @eq-energy.\n")
    assert notes == [
        "p.md:1:5: warning: reference to `eq-energy`: no theorem in this post has that label "
        "(equations are referred to with \\eqref{…})"
    ]


def test_math_inside_is_math_and_math_environments_are_not_theorems() -> None:
    body = (
        "\\begin{theorem}\nIt holds\n\\begin{align}\na &= b \\label{eq:ab}\n\\end{align}\nas $x$.\n\\end{theorem}\n\n"
        "$$\\begin{theorem}x\\end{theorem}$$\n"
    )
    assert html_of(body) == (
        '<div class="theorem-env theorem plain-style">\n'
        '<p><span class="theorem-head"><strong>Theorem 1.</strong></span> It holds\n'
        '<span class="math display">\\[\\begin{align}\na &amp;= b \\label{eq:ab}\n\\end{align}\\]</span>\n'
        'as <span class="math inline">\\(x\\)</span>.</p>\n'
        "</div>\n"
        '<div class="math display">\\[\\begin{theorem}x\\end{theorem}\\]</div>'
    )


def test_code_is_not_a_theorem_and_defines_no_label() -> None:
    body = "```\n::: {.theorem #thm-x}\n```\n\nSee @thm-x.\n"
    page, notes = render(body)
    assert "theorem-env" not in page
    assert notes == ["p.md:5:5: warning: reference to `thm-x`: no theorem in this post has that label"]


def test_theorems_inside_a_list_item_and_a_blockquote() -> None:
    body = (
        "1. item\n\n    ::: theorem\n    First.\n\n        code\n    :::\n\n    after\n\n"
        "> ::: definition\n> A *thing*.\n>\n> More.\n> :::\n"
    )
    assert html_of(body) == (
        "<ol>\n<li>\n<p>item</p>\n"
        '<div class="theorem-env theorem plain-style">\n'
        '<p><span class="theorem-head"><strong>Theorem 1.</strong></span> First.</p>\n'
        '<div class="language-text highlight"><pre><span></span><code> code\n</code></pre></div>\n'
        "</div>\n<p>after</p>\n</li>\n</ol>\n"
        "<blockquote>\n"
        '<div class="theorem-env definition definition-style">\n'
        '<p><span class="theorem-head"><strong>Definition 2.</strong></span> A <em>thing</em>.</p>\n'
        "<p>More.</p>\n"
        "</div>\n"
        "</blockquote>"
    )


def test_nested_theorems_and_other_divs() -> None:
    body = "::: theorem\nA.\n\n::: proof\nB.\n:::\n\nC.\n:::\n\n::: {.note}\nplain\n:::\n"
    assert html_of(body) == (
        '<div class="theorem-env theorem plain-style">\n'
        '<p><span class="theorem-head"><strong>Theorem 1.</strong></span> A.</p>\n'
        '<div class="theorem-env proof proof-style">\n'
        '<p><span class="theorem-head"><em>Proof.</em></span> B. <span class="qed" title="End of proof">∎</span></p>\n'
        "</div>\n"
        "<p>C.</p>\n"
        "</div>\n"
        "<p>::: {.note}\nplain\n:::</p>"
    )


def test_unclosed_theorem_and_repeated_label_are_warnings() -> None:
    page, notes = render("\\begin{lemma}\\label{a}\nA.\n\n::: {.theorem #a}\nB.\n:::\n")
    assert notes == [
        "p.md:1:1: warning: this lemma is never closed by `\\end{lemma}`; it runs to the end of its block",
        "p.md:4:1: warning: label `a` is already used at line 1",
    ]
    assert page.count("theorem-env") == 2


def test_hostile_input_renders_or_fails_this_file_with_a_message() -> None:
    _, notes = render("::: theorem\n\n" * 2000)
    assert notes == ["p.md:1:1: nested too deeply to render (lists, quotes or HTML hundreds of levels deep)"]
    page, _ = render("::: {.theorem #}\n::: {.theorem title=}\n\\begin{theorem}[\n" + "@thm- @thm-- \\cref{} " * 50)
    assert page.startswith("<")


POST = """---
title: Theorems
date: 2024-01-02
---

By @thm-euler and \\cref{cnj:big}.

\\begin{theorem}[Euler]\\label{thm-euler}
$$e^{i\\pi} + 1 = 0$$
\\end{theorem}

::: {.conjecture #cnj:big}
Every $n$ is small.
:::

See @thm-missing.
"""


def test_build_with_render_build_typesets_math_inside_theorems(tmp_path: Path) -> None:
    site = "title: T\nurl: https://example.org\nmath:\n  render: build\ntheorems:\n  conjecture: {counter: own}\n"
    root = make_site(tmp_path, {"site.yml": site, "content/posts/2024-01-02-t.md": POST})
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == [
        "content/posts/2024-01-02-t.md:16:5: warning: reference to `thm-missing`: no theorem in this post has that "
        "label"
    ]
    page = read_output(root, "2024/01/02/t/index.html")
    theorem = page[page.index('<div class="theorem-env theorem') : page.index('<div class="theorem-env conjecture')]
    assert '<span class="theorem-head"><strong>Theorem 1</strong> (Euler).</span>' in theorem
    assert '<div class="math display"><mjx-container class="MathJax" jax="SVG"' in theorem
    assert "\\[" not in theorem and "<svg" in theorem  # typeset now, not left for the browser
    assert '<strong>Conjecture 1.</strong></span> Every <span class="math inline"><mjx-container' in page
    assert '<a class="theorem-ref" href="#thm-euler">Theorem 1</a>' in page
    assert '<a class="theorem-ref" href="#cnj:big">Conjecture 1</a>' in page


def test_the_feed_carries_a_titled_block_and_references_as_links(tmp_path: Path) -> None:
    site = "title: T\nurl: https://example.org\ntheorems:\n  conjecture: {}\n"
    root = make_site(tmp_path, {"site.yml": site, "content/posts/2024-01-02-t.md": POST})
    build_site(root)
    feed = read_output(root, "feed.xml")
    assert "&lt;strong&gt;Theorem 1&lt;/strong&gt; (Euler).&lt;/span&gt;" in feed
    assert '&lt;a class="theorem-ref" href="https://example.org/2024/01/02/t/#thm-euler"&gt;Theorem 1&lt;/a&gt;' in feed
    assert "&lt;strong&gt;Conjecture 2.&lt;/strong&gt;" in feed  # shares the theorem counter by default


def test_a_bad_theorems_setting_is_an_error_at_its_line(tmp_path: Path) -> None:
    site = "title: T\ntheorems:\n  conjecture: {name: Conjecture, numberd: true}\n"
    root = make_site(tmp_path, {"site.yml": site})
    with pytest.raises(SourceError) as caught:
        build_site(root)
    assert str(caught.value) == (
        "site.yml:2:1: `theorems` conjecture: unknown key `numberd` (known: name, counter, numbered, style, prefix)"
    )
    (root / "site.yml").write_text("title: T\ntheorems:\n  axiom: {style: bold}\n", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        build_site(root)
    assert str(caught.value) == ("site.yml:2:1: `theorems` axiom: must be one of plain, definition, remark, proof")


BROWSER_POST = """---
title: Theorems
date: 2024-01-02
---

By @thm-euler, whose proof is short.

\\begin{theorem}[Euler]\\label{thm-euler}
For real $x$, *the* identity

$$e^{ix} = \\cos x + i \\sin x \\label{eq:euler}$$
\\end{theorem}

::: definition
A *unit* is $z$ with $|z| = 1$.
:::

::: proof
Compare the series of both sides of \\eqref{eq:euler}.
:::
"""


@pytest.mark.browser
def test_in_chromium_math_inside_is_typeset_and_styles_follow_amsthm(tmp_path: Path, browser_session: Any) -> None:
    site = (
        f"title: T\nurl: https://example.org\nmath:\n  render: mathjax\n  mathjax_url: {MATHJAX4_URL_PATH}\n"
        f"  font_url: {MATHJAX4_FONTS_URL_PATH}\n"
    )
    root = make_site(tmp_path, {"site.yml": site, "content/posts/2024-01-02-t.md": BROWSER_POST})
    # Built in a thread of its own: MathJax's engine (mini-racer) refuses to wait inside Playwright's event loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(build_site, root).result().diagnostics == ()
    page = browser_session.new_page()
    with serve_directory(root / "_site", "/") as base:
        report = typeset(page, base + "2024/01/02/t/")
        assert report.errors == [] and report.console_errors == []
        assert page.eval_on_selector_all(".theorem-env mjx-container", "els => els.length") == 5
        theorem = ".theorem-env.theorem p"
        font = "(p, inner) => getComputedStyle(inner ? p.querySelector(inner) : p).fontStyle"
        assert page.eval_on_selector(theorem, font, None) == "italic"  # amsthm's plain style
        assert page.eval_on_selector(theorem, font, "em") == "normal"  # emphasis inside italic is upright
        assert page.eval_on_selector(theorem, font, ".theorem-head") == "normal"
        assert page.eval_on_selector(".theorem-env.definition p", font, None) == "normal"
        assert "Theorem 1 (Euler). For real" in report.visible_text
        assert "Proof. Compare the series of both sides of" in report.visible_text
        assert page.eval_on_selector(".qed", "q => q.getBoundingClientRect().width > 0 && q.textContent") == "∎"
        page.click("a.theorem-ref")
        assert page.evaluate("location.hash") == "#thm-euler"
    page.close()
