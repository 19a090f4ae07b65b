"""Citations: pandoc's [@key] and jekyll-scholar's {% cite %} from .bib files, formatted by CSL (citations.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mathpress.citations import Settings, cite_body, latex_to_text
from mathpress.errors import BuildFailed, SourceError
from mathpress.jekyll.importer import import_site
from mathpress.pipeline import BuildOptions
from mathpress.pipeline import build_site as build_site_keeping
from mathpress.rebuild import rebuild
from mathpress.serve import change_kind
from tests.conftest import NOW, build_site, make_site, read_output

BIB = r"""@book{knuth84,
  author = {Donald E. Knuth},
  title = {The {\TeX}book},
  publisher = {Addison-Wesley},
  year = 1984,
}
@article{lamport94,
  author = {Leslie Lamport},
  title = {{\LaTeX}: A Document Preparation System},
  journal = {J. Typesetting},
  volume = 2, number = 1, pages = {1--10},
  year = 1994,
}
"""
LINK_K = '<a href="#ref-knuth84">'
LINK_L = '<a href="#ref-lamport94">'


def cite(tmp_path: Path, body: str, style: str = "chicago-author-date") -> tuple[str, list[str]]:
    """A body through the citations stage with BIB as the site's references.bib (offset → line 1, col)."""
    (tmp_path / "references.bib").write_text(BIB, encoding="utf-8")
    done = cite_body(body, "p.md", lambda o: (1, o + 1), Settings(tmp_path, style, ("references.bib",)), "pandoc")
    return done.text, [str(n) for n in done.notes]


def span(keys: str, inner: str) -> str:
    return f'<span class="citation" data-cites="{keys}">{inner}</span>'


# (style, Markdown, the HTML it becomes before the References heading)
PAIRS = [
    ("chicago-author-date", "[@knuth84, p. 3]", span("knuth84", f"({LINK_K}Knuth 1984, 3</a>)")),
    (
        "chicago-author-date",
        "[see @knuth84, pp. 3-5; @lamport94, chap. 2]",
        span("knuth84 lamport94", f"({LINK_K}see Knuth 1984, 3–5</a>; {LINK_L}Lamport 1994, 2</a>)"),
    ),
    ("chicago-author-date", "@knuth84 shows", span("knuth84", f"Knuth {LINK_K}(1984)</a>") + " shows"),
    ("chicago-author-date", "@knuth84 [p. 7] shows", span("knuth84", f"Knuth {LINK_K}(1984, 7)</a>") + " shows"),
    ("chicago-author-date", "[-@knuth84]", span("knuth84", f"({LINK_K}1984</a>)")),
    ("ieee", "[@knuth84, p. 3]", span("knuth84", f"{LINK_K}[1, p. 3]</a>")),
    (
        "ieee",
        "[see @knuth84, pp. 3-5; @lamport94, chap. 2]",
        span("knuth84 lamport94", f"{LINK_K}see [1, pp. 3–5]</a>, {LINK_L}[2, Ch. 2]</a>"),
    ),
    ("ieee", "@knuth84 shows", span("knuth84", f"Knuth {LINK_K}[1]</a>") + " shows"),
    ("ieee", "[-@knuth84]", span("knuth84", f"{LINK_K}[1]</a>")),
]


@pytest.mark.parametrize(("style", "body", "expected"), PAIRS)
def test_each_construct_becomes_its_html(tmp_path: Path, style: str, body: str, expected: str) -> None:
    text, notes = cite(tmp_path, body, style)
    assert text.split("\n\n## References")[0] == expected
    assert notes == []


REFERENCES = {
    "chicago-author-date": (
        '<div class="references csl-bib-body" role="list">'
        '<div id="ref-knuth84" class="csl-entry" role="listitem">Knuth, D. E. 1984. <i>The TeXbook</i>. '
        "Addison-Wesley.</div>"
        '<div id="ref-lamport94" class="csl-entry" role="listitem">Lamport, L. 1994. “LaTeX: A Document Preparation '
        "System”. <i>J. Typesetting</i> 2 (1): 1–10.</div></div>"
    ),
    "ieee": (
        '<div class="references csl-bib-body" role="list">'
        '<div id="ref-lamport94" class="csl-entry" role="listitem"><span class="csl-left-margin">[1]</span> '
        "L. Lamport, “LaTeX: A Document Preparation System”, <i>J. Typesetting</i>, vol. 2, no. 1, pp. 1–10, "
        "1994.</div>"
        '<div id="ref-knuth84" class="csl-entry" role="listitem"><span class="csl-left-margin">[2]</span> '
        "D. E. Knuth, <i>The TeXbook</i>. Addison-Wesley, 1984.</div></div>"
    ),
}


@pytest.mark.parametrize("style", sorted(REFERENCES))
def test_the_references_list_ends_the_post_in_the_styles_order(tmp_path: Path, style: str) -> None:
    text, _ = cite(tmp_path, "Text [@lamport94; @knuth84].\n", style)
    assert text.endswith("\n\n## References {#references}\n\n" + REFERENCES[style] + "\n")


def test_a_locator_stays_in_the_citation_not_in_the_entry(tmp_path: Path) -> None:
    text, _ = cite(tmp_path, "[@lamport94, p. 5] and [@lamport94].\n")
    assert f"({LINK_L}Lamport 1994, 5</a>)</span> and " in text and "<i>J. Typesetting</i> 2 (1): 1–10.</div>" in text


@pytest.mark.parametrize(
    "body",
    [
        "Write to a@knuth84.org today.",
        "Code `@knuth84` and `[@knuth84]`.",
        "Math $@knuth84$ and $$[@knuth84]$$.",
        "```\n[@knuth84]\n@knuth84\n```",
        "An <a href='mailto:x@knuth84'>address</a> and https://example.org/@knuth84.",
        "Escaped \\@knuth84 and a link [@knuth84](https://example.org).",
        "Someone @nobody here.",
        '<script type="application/json">{"tooltips": [["Date", "@knuth84{0.00}"], ["[@knuth84]"]]}</script>',
        "<style>\n@knuth84 { color: red }\n</style>",
        '<div>\n<pre><span class="s2">"@knuth84</span> <code>[@knuth84]</code></pre>\n</div>',
    ],
)
def test_what_is_not_a_citation_stays_as_written(tmp_path: Path, body: str) -> None:
    assert cite(tmp_path, body) == (body, [])


def test_theorem_cross_references_are_left_to_the_theorems(tmp_path: Path) -> None:
    post = '---\ntitle: T\n---\n::: {.theorem #thm-main title="Main"}\nIt holds.\n:::\n\n'
    post += "By [@thm-main] and @thm-main, as in [@knuth84].\n"
    root = make_site(tmp_path / "site", {"references.bib": BIB, "content/posts/2024-01-02-t.md": post})
    assert [str(d) for d in build_site(root).diagnostics] == []
    page = read_output(root, "2024/01/02/t/index.html")
    assert "?thm-main" not in page and f"({LINK_K}Knuth 1984</a>)" in page and 'href="#thm-main"' in page


def test_an_unknown_key_is_a_warning_at_its_line_and_col_and_shows_as_such(tmp_path: Path) -> None:
    post = "---\ntitle: U\n---\nFirst line.\n\nSee $x$ and [@knuth84; @nobody].\n"
    root = make_site(tmp_path / "site", {"references.bib": BIB, "content/posts/2024-01-02-u.md": post})
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == [
        "content/posts/2024-01-02-u.md:6:13: warning: unknown citation key `nobody` (not in references.bib)"
    ]
    page = read_output(root, "2024/01/02/u/index.html")
    assert span("knuth84 nobody", f'({LINK_K}Knuth 1984</a>) <span class="citation-unknown">[?nobody]</span>') in page


@pytest.mark.parametrize("render", ["mathjax", "build"])
def test_a_site_with_citations_builds_with_math_in_titles_and_the_feed_gets_them(tmp_path: Path, render: str) -> None:
    bib = BIB + "@article{erdos59, author={Erd{\\H{o}}s, P. and R{\\'e}nyi, A.}, title={On random graphs $G_{n,p}$},"
    bib += " journal={Publ. Math.}, year=1959}\n"
    post = "---\ntitle: G\n---\nGraphs [@erdos59] and $x^2$.\n"
    config = f"title: T\nurl: https://example.org\nmath:\n  render: {render}\n"
    root = make_site(
        tmp_path / "site", {"site.yml": config, "references.bib": bib, "content/posts/2024-01-03-g.md": post}
    )
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == []
    page = read_output(root, "2024/01/03/g/index.html")
    assert '<h2 id="references">References' in page and "Erdős, P., and A. Rényi. 1959." in page
    if render == "mathjax":
        assert 'On Random Graphs <span class="math inline">\\(G_{n,p}\\)</span>”' in page
    else:
        entry = page[page.index('id="ref-erdos59"') :]
        assert entry.index("<svg") < entry.index("</div>")  # the title's math typeset at build time
    feed = read_output(root, "feed.xml")
    assert "Erdős and Rényi 1959&lt;/a&gt;)" in feed and 'id="ref-erdos59"' in feed.replace("&quot;", '"')


def test_an_excerpt_keeps_its_citations_as_text_without_links_to_a_list_it_lacks(tmp_path: Path) -> None:
    post = "---\ntitle: X\n---\nAs [@knuth84] shows.\n\nMore.\n"
    root = make_site(tmp_path / "site", {"references.bib": BIB, "content/posts/2024-01-03-x.md": post})
    build_site(root)
    index = read_output(root, "index.html")
    assert f"As {span('knuth84', '(Knuth 1984)')} shows." in index and "#ref-" not in index
    assert LINK_K in read_output(root, "2024/01/03/x/index.html")


def test_front_matter_bibliography_and_the_site_setting_and_style(tmp_path: Path) -> None:
    config = "title: T\ncitations:\n  style: ieee\n  bibliography: [refs/site.bib]\n"
    own = "@book{own, author={A. Writer}, title={Own}, year=2001}\n"
    post = "---\ntitle: F\nbibliography: [refs/own.bib]\n---\nBoth [@own; @knuth84].\n"
    files = {"site.yml": config, "refs/site.bib": BIB, "refs/own.bib": own, "content/posts/2024-01-04-f.md": post}
    root = make_site(tmp_path / "site", files)
    assert [str(d) for d in build_site(root).diagnostics] == []
    page = read_output(root, "2024/01/04/f/index.html")
    assert '<a href="#ref-own">[1]</a>, <a href="#ref-knuth84">[2]</a>' in page


def test_a_missing_bib_named_in_front_matter_is_a_warning_at_its_key(tmp_path: Path) -> None:
    post = "---\ntitle: M\nbibliography: refs/none.bib\n---\nSee [@knuth84].\n"
    root = make_site(tmp_path / "site", {"references.bib": BIB, "content/posts/2024-01-04-m.md": post})
    assert [str(d) for d in build_site(root).diagnostics] == [
        "content/posts/2024-01-04-m.md:3:1: warning: no bibliography file refs/none.bib"
    ]
    assert f"({LINK_K}Knuth 1984</a>)" in read_output(root, "2024/01/04/m/index.html")


def test_an_unknown_style_is_an_error_at_its_line_of_site_yml(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"site.yml": "title: T\ncitations:\n  style: no-such-style\n"})
    with pytest.raises(SourceError) as failure:
        build_site(root)
    assert str(failure.value.diagnostic).startswith("site.yml:3:3: `citations.style` names no CSL style")


def test_liquid_cite_and_bibliography_cited_place_the_list(tmp_path: Path) -> None:
    body = "As {% cite knuth84 lamport94 %} and {% cite knuth84 --locator 9 %}.\n\n## Sources\n\n"
    body += "{% bibliography --cited %}\n\nAfter the list.\n"
    root = make_site(tmp_path / "site", {"references.bib": BIB, "content/about.md": f"---\ntitle: A\n---\n{body}"})
    assert [str(d) for d in build_site(root).diagnostics] == []
    page = read_output(root, "about/index.html")
    assert f"As {span('knuth84 lamport94', f'({LINK_K}Knuth 1984</a>; {LINK_L}Lamport 1994</a>)')} and " in page
    assert f"{span('knuth84', f'({LINK_K}Knuth 1984, 9</a>)')}." in page
    sources = page.index(">Sources<")
    assert sources < page.index('<div class="references') < page.index("After the list.")
    assert ">References<" not in page


def test_a_changed_bib_rebuilds_the_posts_that_cite_from_it_only(tmp_path: Path) -> None:
    files = {
        "content/posts/2024-01-05-c.md": "---\ntitle: C\n---\nCited [@knuth84].\n",
        "content/posts/2024-01-06-n.md": "---\ntitle: N\n---\nNo citation.\n",
    }
    root = make_site(tmp_path / "site", files)
    first = build_site(root)
    assert [str(d) for d in first.diagnostics] == [
        "content/posts/2024-01-05-c.md:4:7: warning: citation without a bibliography: add `references.bib`"
    ]
    (root / "references.bib").write_text(BIB, encoding="utf-8")
    second = build_site(root)
    assert second.documents_rendered == 1 and second.diagnostics == ()
    assert "Knuth 1984" in read_output(root, "2024/01/05/c/index.html")
    (root / "references.bib").write_text(BIB.replace("year = 1984", "year = 1986"), encoding="utf-8")
    third = build_site(root)
    assert third.documents_rendered == 1
    assert "Knuth 1986" in read_output(root, "2024/01/05/c/index.html")
    assert build_site(root).documents_rendered == 0
    (root / "content/posts/2024-01-07-e.md").write_text("---\ntitle: E\n---\nMail a@b.org.\n", encoding="utf-8")
    assert build_site(root).documents_rendered == 1  # the new post only: an e-mail address cites nothing


@pytest.mark.parametrize("rel", ["references.bib", "content/refs.bib"])
def test_the_dev_server_rebuilds_what_cites_from_a_changed_bib(tmp_path: Path, rel: str) -> None:
    config = f"title: T\ncitations:\n  bibliography: [{rel}]\n"
    post = "---\ntitle: D\n---\nSee [@knuth84].\n"
    root = make_site(tmp_path / "site", {"site.yml": config, rel: BIB, "content/posts/2024-01-05-d.md": post})
    options = BuildOptions(source=root, now=NOW, jobs=1)
    _, built = build_site_keeping(options, keep=True)
    assert change_kind(rel) == "bibliography"
    (root / rel).write_text(BIB.replace("year = 1984", "year = 1986"), encoding="utf-8")
    done = rebuild(options, built, [rel])
    assert done.full and done.documents_rendered == 1 and "Knuth 1986" in read_output(root, "2024/01/05/d/index.html")


# -- hostile .bib files ------------------------------------------------------------------------------------


def test_unbalanced_braces_are_a_warning_at_the_bib_line_and_spare_the_next_entry(tmp_path: Path) -> None:
    bib = "@misc{broken,\n  title = {Never {closed},\n  year = 2000\n}\n\n" + BIB
    post = "---\ntitle: B\n---\n[@broken] and [@knuth84].\n"
    root = make_site(tmp_path / "site", {"references.bib": bib, "content/posts/2024-01-07-b.md": post})
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == [
        "references.bib:1:1: warning: in entry `broken`: a brace or quote opened in this entry is never closed"
    ]
    page = read_output(root, "2024/01/07/b/index.html")
    assert '<span class="citation-unknown">[?broken]</span>' in page and f"({LINK_K}Knuth 1984</a>)" in page


def test_a_repeated_key_is_a_warning_and_the_first_is_used(tmp_path: Path) -> None:
    bib = BIB + "@book{knuth84, author={Someone Else}, title={Other}, year=1999}\n"
    root = make_site(
        tmp_path / "site",
        {"references.bib": bib, "content/posts/2024-01-08-r.md": "---\ntitle: R\n---\n[@knuth84]\n"},
    )
    assert [str(d) for d in build_site(root).diagnostics] == [
        "references.bib:1:1: warning: `knuth84` is defined again at line 14; first used"
    ]
    assert "Knuth 1984" in read_output(root, "2024/01/08/r/index.html")


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"Erd{\H{o}}s and G{\"o}del", "Erdős and Gödel"),
        (r"{\"O}sterreich \'{e}t\'e {\ss} {\aa} \c{c}a \v{C}ech {\l}\'od\'z", "Österreich été ß å ça Čech łódź"),
        (r"\emph{Emph} and \textbf{bold} {CAPS} \TeX{} --- 50\% \& more", "Emph and bold CAPS TeX — 50% &amp; more"),
        ("{\\unknowncommand{x}} {{{deep}}} \\", "x deep"),
        (r"math $\alpha<\beta$ kept", "math $\\alpha&lt;\\beta$ kept"),
    ],
)
def test_latex_accent_soup_becomes_text(latex: str, text: str) -> None:
    assert latex_to_text(latex) == text.strip()


def test_brace_protected_words_and_math_keep_their_case_under_title_casing(tmp_path: Path) -> None:
    (tmp_path / "own.bib").write_text(
        "@article{c, author={Chen, Y.}, title={the {CCR} of classical {C}hinese with $x^{2}$},"
        " journal={J}, year=2024}\n",
        encoding="utf-8",
    )
    settings = Settings(tmp_path, "chicago-author-date", ("own.bib",))
    text = cite_body("[@c]", "p.md", lambda o: (1, o + 1), settings, "pandoc").text
    assert "“The CCR of Classical Chinese with $x^{2}$”." in text  # chicago title-cases the rest


@pytest.mark.slow
def test_a_50000_entry_bib_takes_little_time_as_only_cited_entries_are_parsed(tmp_path: Path) -> None:
    entry = "@article{{k{0},\n  author = {{M{{\\\"u}}ller, J{{\\'e}}r{{\\^o}}me and Smith, A.}},\n"
    entry += "  title = {{On $x^{{{0}}}$ and {{\\ss}}}},\n  journal = {{J}},\n  year = {{{1}}},\n}}\n"
    bib = "".join(entry.format(i, 1900 + i % 100) for i in range(50_000))
    posts = {f"content/posts/2024-02-{d:02d}-p.md": f"---\ntitle: P{d}\n---\n[@k{d * 999}]\n" for d in range(1, 6)}
    root = make_site(tmp_path / "site", {"references.bib": bib, **posts})
    started = time.perf_counter()
    report = build_site(root)
    seconds = time.perf_counter() - started
    assert report.diagnostics == ()
    assert seconds < 20, seconds  # pybtex alone takes ~30 s to parse all 50,000 here; this build ~6 s
    page = read_output(root, "2024/02/02/p/index.html")
    assert "Müller, J., and A. Smith." in page and "\\(x^{1998}\\)" in page


def test_a_bib_that_is_not_bibtex_at_all_does_not_break_the_build(tmp_path: Path) -> None:
    junk = "\x00\xff binary }}}{{{ @@@ @article{\n@book{x, title={a\n" + "{" * 5000 + "\n@misc{ok, title={Fine}}\n"
    root = make_site(
        tmp_path / "site",
        {"references.bib": junk.encode("latin-1"), "content/posts/2024-01-09-j.md": "---\ntitle: J\n---\n[@ok] [@x]\n"},
    )
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == ["references.bib:3:1: warning: in entry `x`: too many nested braces"]
    assert '<span class="citation-unknown">[?x]</span>' in read_output(root, "2024/01/09/j/index.html")
    assert '<a href="#ref-ok">' in read_output(root, "2024/01/09/j/index.html")


def test_a_broken_csl_file_or_a_hand_written_slot_is_a_warning_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "bad.csl").write_text("<style>never closed", encoding="utf-8")
    (tmp_path / "references.bib").write_text(BIB, encoding="utf-8")
    settings = Settings(tmp_path, "bad.csl", ("references.bib",))
    done = cite_body("See [@knuth84].", "p.md", lambda o: (1, o + 1), settings, "pandoc")
    assert done.text == "See [@knuth84]." and [n.message.split(":")[0] for n in done.notes] == [
        "citations not formatted (bad.csl)"
    ]
    text, notes = cite(tmp_path, "<!--mathpress:bibliography {not json}-->\n[@knuth84]\n")
    assert notes == [] and text.startswith('<div class="references')


# -- an imported al-folio site -------------------------------------------------------------------------------


def test_an_imported_al_folio_page_cites_from_its_bibliography(tmp_path: Path) -> None:
    src = tmp_path / "jekyll"
    scholar = "scholar:\n  style: apa\n  source: /_bibliography/\n  bibliography: papers.bib\n"
    page = "---\nlayout: page\ntitle: research\npermalink: /research/\n---\n"
    page += "Our method {% cite knuth84 %} builds on {% cite lamport94 knuth84 %}.\n\n"
    page += "{% for y in page.years %}\n{% endfor %}\n## Cited\n\n{% bibliography --cited %}\n"
    pubs = "---\nlayout: page\ntitle: publications\npermalink: /publications/\nyears: [1994, 1984]\n---\n"
    pubs += (
        '{% for y in page.years %}\n<h2 class="year">{{y}}</h2>\n\n{% bibliography -f papers -q @*[year={{y}}]* %}\n'
    )
    pubs += "{% endfor %}\n"
    files = {
        "_config.yml": f"title: Lab\ninclude: [_pages]\nplugins: [jekyll-scholar]\n{scholar}",
        "_bibliography/papers.bib": "---\n---\n" + BIB,
        "_pages/research.md": page,
        "_pages/publications.md": pubs,
        "_posts/2024-01-01-hello.md": "---\ntitle: Hello\n---\nHi.\n",
    }
    make_site(src, files)
    (src / "site.yml").unlink()
    report = import_site(src, tmp_path / "site", {}, record_baseline=False)
    assert any("`scholar` → site.yml `citations`" in line for line in report.translated)
    root = tmp_path / "site"
    assert (root / "_bibliography/papers.bib").is_file()
    assert (
        "citations:\n  bibliography:\n  - _bibliography/papers.bib\n  style: apa\n" in (root / "site.yml").read_text()
    )
    built = build_site(root)
    assert [str(d) for d in built.diagnostics if "cite" in str(d) or ".bib" in str(d)] == []
    research = read_output(root, "research/index.html")
    assert f"Our method {span('knuth84', f'({LINK_K}Knuth, 1984</a>)')} builds on " in research
    assert research.count('class="csl-entry"') == 2
    publications = read_output(root, "publications/index.html")
    first, second = publications.index(">1994<"), publications.index(">1984<")
    assert first < publications.index('id="ref-lamport94"') < second < publications.index('id="ref-knuth84"')


def test_without_a_bib_strict_builds_fail_on_a_citation(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"content/posts/2024-01-10-s.md": "---\ntitle: S\n---\n[@knuth84]\n"})
    with pytest.raises(BuildFailed):
        build_site(root, strict=True)
