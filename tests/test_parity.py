"""The parity tool: its comparisons on tiny hand-made trees, and every shared real Jekyll site measured
against what real Jekyll 4.3 shows, with today's known gaps pinned per site."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests import test_corpus
from tests.conftest import NOW
from tests.tools import parity
from tests.tools import parity_compare as compare

HAS_JEKYLL = shutil.which("ruby") is not None and shutil.which("jekyll") is not None
needs_jekyll = pytest.mark.skipif(not HAS_JEKYLL, reason="needs Debian's jekyll (tests/install_deps.sh)")
ORIGIN = compare.Origin(frozenset({"me.github.io"}))


def write(root: Path, files: dict[str, str]) -> Path:
    """Write {relative path: text} under root."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def page(
    url: str, output: str, kind: str = "page", layouts: tuple[str, ...] = ("default",), missing: str | None = None
) -> dict[str, Any]:
    """One row of a jekyll_render.rb report."""
    return {
        "url": url,
        "output": output,
        "kind": kind,
        "path": output,
        "layouts": list(layouts),
        "missing_layout": missing,
    }


POSTS = [page("/p1/", "p1/index.html", "post"), page("/p2/", "p2/index.html", "post")]
PROBE = page("/__parity_chrome__/default/", "__parity_chrome__/default/index.html", "probe")


# --- the comparisons, on hand-made outputs ----------------------------------------------------------


def test_a_document_missing_at_jekylls_url_is_reported(tmp_path: Path) -> None:
    truth = {
        "pages": [
            {"path": "_posts/a.md", "url": "/2020/01/01/a/", "ext": ".html"},
            {"path": "b.md", "url": "/b", "ext": ".html"},
            {"path": "c.md", "url": "/c.html", "ext": ".html"},
            {"path": "%20.md", "url": "/caf%C3%A9/", "ext": ".html"},
            {"path": "feed.xml", "url": "/feed.xml", "ext": ".xml"},
        ]
    }
    ours = write(tmp_path, {"2020/01/01/a/index.html": "", "b.html": "", "c/index.html": "", "café/index.html": ""})
    tally = compare.check_documents(truth, ours)
    assert (tally.ok, tally.total) == (3, 4)  # /b is served by b.html; /c.html is not served by c/index.html
    assert tally.failures == ("c.md: Jekyll serves it at /c.html; ours has nothing there (ours has /c/index.html)",)


def test_output_candidates_follow_github_pages() -> None:
    assert compare.output_candidates("/a/") == ["a/index.html"]
    assert compare.output_candidates("/a") == ["a", "a.html", "a/index.html"]
    assert compare.output_candidates("/a%20b.html") == ["a b.html"]
    assert compare.output_candidates("/") == ["index.html"]


def test_own_origin_and_base_url_are_local() -> None:
    origin = compare.Origin(frozenset({"me.github.io"}), "/blog")
    assert origin.local("https://me.github.io/blog/images/a.png", "/x/") == "/images/a.png"
    assert origin.local("//me.github.io/blog/", "/x/") == "/"
    assert origin.local("../b/c%20d.png?v=1#f", "/x/y/") == "/x/b/c d.png"
    assert origin.local("https://elsewhere.org/a.png", "/") is None
    assert origin.local("mailto:a@b", "/") is None
    assert compare.origin_of({"url": "http://me.github.io/"}, "example.org\n").hosts == {"me.github.io", "example.org"}


def listing_site(tmp_path: Path, ours_index: str) -> tuple[dict[str, Any], Path, Path]:
    """Jekyll's report and output of a site whose index lists both posts and whose sidebar links p2; ours."""
    sidebar = '<nav><a href="/p2/">recent</a></nav>'
    report = {"posts": POSTS, "pages": [page("/", "index.html"), page("/about/", "about/index.html"), PROBE]}
    jekyll = write(
        tmp_path / "jekyll",
        {
            "index.html": sidebar + '<a href="/p1/">1</a><a href="https://me.github.io/p2/index.html">2</a>',
            "about/index.html": sidebar + "<p>about</p>",
            "__parity_chrome__/default/index.html": sidebar,
            "p1/index.html": sidebar,
            "p2/index.html": sidebar,
        },
    )
    ours = write(tmp_path / "ours", {"index.html": ours_index, "about/index.html": ""})
    return report, jekyll, ours


def test_a_listing_page_missing_a_post_is_reported(tmp_path: Path) -> None:
    report, jekyll, ours = listing_site(tmp_path, '<a href="/p1/">1</a>')
    listings, unknown = compare.jekyll_listings(report, jekyll, ORIGIN)
    # p2 is linked by the sidebar of every page (the probe shows it), so only p1 is the index's list;
    # /about/ links nothing but the sidebar: not a listing page.
    assert [(x.page.url, sorted(x.posts)) for x in listings] == [("/", ["/p1"])]
    assert unknown == []
    assert compare.check_listings(report, jekyll, ours, ORIGIN).cell() == "1/1"
    report, jekyll, ours = listing_site(tmp_path / "2", "<p>no posts</p>")
    tally = compare.check_listings(report, jekyll, ours, ORIGIN)
    assert tally.cell() == "0/1"
    assert tally.failures == ("/ (index.html): ours lacks 1 of Jekyll's 1 posts: /p1/",)


def test_a_missing_listing_page_and_an_unknown_one(tmp_path: Path) -> None:
    report = {
        "posts": POSTS,
        "pages": [
            page("/blog/page2/", "blog/page2/index.html"),
            page("/t/", "t/index.html", missing="archive-taxonomy"),
        ],
    }
    jekyll = write(
        tmp_path / "jekyll", {"blog/page2/index.html": '<a href="/p2/">2</a>', "t/index.html": '<a href="/p1/">1</a>'}
    )
    tally = compare.check_listings(report, jekyll, write(tmp_path / "ours", {"index.html": ""}), ORIGIN)
    assert (tally.ok, tally.unknown, tally.failed, tally.cell()) == (0, 1, 1, "0/1 (1?)")
    assert tally.failures == (
        "/blog/page2/ (blog/page2/index.html): missing in ours; Jekyll lists 1 posts",
        "/t/ (t/index.html): unknown, Jekyll had no layout `archive-taxonomy`",
    )


def test_links_on_most_pages_are_chrome(tmp_path: Path) -> None:
    pages = [page(f"/t{i}/", f"t{i}/index.html", layouts=("tag", "default")) for i in range(5)]
    files = {
        f"t{i}/index.html": '<a href="/p1/">featured</a>' + ('<a href="/p2/">x</a>' if i == 0 else "") for i in range(5)
    }
    listings, _ = compare.jekyll_listings({"posts": POSTS, "pages": pages}, write(tmp_path, files), ORIGIN)
    assert [(x.page.url, sorted(x.posts)) for x in listings] == [("/t0/", ["/p2"])]


def test_an_own_origin_figure_missing_from_our_output_is_reported(tmp_path: Path) -> None:
    report = {"posts": [POSTS[0]], "pages": [PROBE]}
    jekyll = write(
        tmp_path / "jekyll",
        {
            "p1/index.html": '<img src="/logo.png"><img src="https://me.github.io/images/a.png"><img src="gone.png">',
            "__parity_chrome__/default/index.html": '<img src="/logo.png">',
            "logo.png": "",
            "images/a.png": "",
        },
    )
    shown = '<img src="/images/a.png">'
    ours = write(tmp_path / "ours", {"p1/index.html": shown})
    tally = compare.check_figures(report, jekyll, ours, ORIGIN)
    # the logo is chrome; gone.png is not in Jekyll's output either
    assert (tally.ok, tally.total) == (0, 1)
    assert tally.failures == ("/p1/: /images/a.png shown by ours but missing from our output",)
    write(ours, {"images/a.png": ""})
    assert compare.check_figures(report, jekyll, ours, ORIGIN).cell() == "1/1"
    write(ours, {"p1/index.html": "<p>no figure</p>"})
    assert compare.check_figures(report, jekyll, ours, ORIGIN).failures == (
        "/p1/: /images/a.png shown by Jekyll, not by ours",
    )


def test_a_layouts_own_images_are_chrome_for_its_pages(tmp_path: Path) -> None:
    post = page("/p1/", "p1/index.html", "post", layouts=("post", "default"))
    probes = [
        PROBE,
        page("/__parity_chrome__/post/", "__parity_chrome__/post/index.html", "probe", layouts=("post", "default")),
    ]
    jekyll = write(
        tmp_path / "jekyll",
        {
            "p1/index.html": '<img src="/logo.png"><img src="/cover.png">',
            "__parity_chrome__/post/index.html": '<img src="/logo.png">',
            "__parity_chrome__/default/index.html": "",
            "logo.png": "",
            "cover.png": "",
        },
    )
    tally = compare.check_figures({"posts": [post], "pages": probes}, jekyll, write(tmp_path / "ours", {}), ORIGIN)
    # the post layout's logo is on every post; the cover (from the post's own front matter) is the post's
    assert tally.failures == ("/p1/: /cover.png (our page is missing)",)


def test_a_posts_figures_count_on_the_post_not_on_the_index_that_shows_it(tmp_path: Path) -> None:
    report = {"posts": [POSTS[0]], "pages": [page("/", "index.html"), PROBE]}
    jekyll = write(
        tmp_path / "jekyll",
        {
            "p1/index.html": '<img src="/assets/a.png">',
            "index.html": '<img src="/assets/a.png"><img src="/b.png">',
            "__parity_chrome__/default/index.html": "",
            "assets/a.png": "",
            "b.png": "",
        },
    )
    ours = write(tmp_path / "ours", {"p1/index.html": '<img src="assets/a.png">', "index.html": ""})
    tally = compare.check_figures(report, jekyll, ours, ORIGIN)
    assert tally.failures == (
        "/p1/: /assets/a.png shown by Jekyll, not by ours (ours shows /p1/assets/a.png)",
        "/: /b.png shown by Jekyll, not by ours",
    )


def test_kramdown_math_must_keep_its_kind(tmp_path: Path) -> None:
    kramdown = {"_posts/2020-01-01-a.md": [["block", "x^2 "], ["span", "a<b"]], "_posts/draft.md": [["span", "z"]]}
    truth = {"posts": [{"path": "_posts/2020-01-01-a.md", "url": "/a/"}]}
    ours = write(
        tmp_path,
        {"a/index.html": r'<span class="math inline">\(x^2\)</span> <span class="math inline">\(a&lt;b\)</span>'},
    )
    tally = compare.check_math(kramdown, truth, ours)
    assert (tally.ok, tally.total) == (1, 2)
    assert tally.failures == ("_posts/2020-01-01-a.md: display math not in our page: x^2",)


def test_the_equation_mathpress_puts_around_a_labelled_display_is_the_same_math(tmp_path: Path) -> None:
    kramdown = {"_posts/2020-01-01-a.md": [["block", "x \\label{e}"], ["block", "\\begin{equation}y\\end{equation}"]]}
    truth = {"posts": [{"path": "_posts/2020-01-01-a.md", "url": "/a/"}]}
    page = r'<div class="math display">\[\begin{equation}x \label{e}\end{equation}\]</div>'
    ours = write(tmp_path, {"a/index.html": page + r'<div class="math display">\[y\]</div>'})
    assert compare.check_math(kramdown, truth, ours).cell() == "2/2"
    other = r'<div class="math display">\[\begin{equation}x\end{equation}\]</div>'  # the label lost
    lost = write(tmp_path / "b", {"a/index.html": other})
    assert compare.check_math(kramdown, truth, lost).cell() == "0/2"


def test_a_span_kramdown_unescaped_is_found_at_its_line() -> None:
    texts = {"content/posts/a.md": "---\n---\nOne.\n\nSee $\\text{attached\\_to}=s$ here.\n"}
    assert compare.span_lines(texts, "\\text{attached_to}=s") == [("content/posts/a.md", range(4, 7))]
    assert compare.span_lines(texts, "\\text{other}") == []


def test_the_math_pattern_is_the_corpus_tests() -> None:
    assert compare.MATH.pattern == test_corpus.MATH.pattern


def test_mathjax_errors_and_the_warnings_that_name_them(tmp_path: Path) -> None:
    site = write(tmp_path / "site", {"content/posts/a.md": "---\n---\nok $x$\n\n$$\n\\frac{a\n$$\n\nand $\\nosuch$\n"})
    ours = write(
        site / "_site",
        {
            "a/index.html": (
                '<script>window.MathJax = {"tex": {"macros": {"R": "\\\\mathbb{R}"}}};</script>'
                r'<span class="math inline">\(x\)</span><div class="math display">\[\frac{a\]</div>'
                r'<span class="math inline">\(\nosuch\)</span><span class="math inline">\(\R\)</span>'
            )
        },
    )
    math = compare.our_math(ours)
    assert math.tex == {"macros": {"R": "\\mathbb{R}"}}
    errors = parity.mathjax_errors(math)
    assert errors == {"/a/": [(1, "Missing close brace"), (2, "Undefined control sequence \\nosuch")]}
    pages, warned = compare.check_mathjax(math, errors, site, "content/posts/a.md:6:1: warning: unbalanced braces\n")
    assert (pages.cell(), warned.cell()) == ("0/1", "1/2")
    assert warned.failures == (
        "/a/ (content/posts/a.md:9): no build warning for: Undefined control sequence \\nosuch: \\nosuch",
    )


def test_theme_folders_are_found_by_remote_theme_or_gemspec(tmp_path: Path) -> None:
    themes = write(
        tmp_path,
        {
            "mmistakes+minimal-mistakes@4.24.0/x": "",
            "wu-kan+jekyll-theme-WuK@4.2.1/x": "",
            "cotes2020+jekyll-theme-chirpy@v6.5.2/jekyll-theme-chirpy.gemspec": "",
        },
    )
    assert (
        parity.theme_folder({"remote_theme": "mmistakes/minimal-mistakes@4.24.0"}, themes)
        == themes / "mmistakes+minimal-mistakes@4.24.0"
    )
    assert (
        parity.theme_folder({"remote_theme": "https://github.com/wu-kan/jekyll-theme-WuK@4.2.1"}, themes)
        == themes / "wu-kan+jekyll-theme-WuK@4.2.1"
    )
    assert (
        parity.theme_folder({"remote_theme": "mmistakes/minimal-mistakes"}, themes)
        == themes / "mmistakes+minimal-mistakes@4.24.0"
    )
    assert (
        parity.theme_folder({"theme": "jekyll-theme-chirpy"}, themes) == themes / "cotes2020+jekyll-theme-chirpy@v6.5.2"
    )
    assert parity.theme_folder({"theme": "minima"}, themes) is None
    assert parity.theme_folder({"theme": "minima"}, None) is None


# --- the whole tool, on tiny real trees --------------------------------------------------------------


@needs_jekyll
def test_jekyll_render_gets_past_what_stops_plain_jekyll(tmp_path: Path) -> None:
    tree = write(
        tmp_path / "tree",
        {
            "_config.yml": "title: T\nurl: https://me.github.io\ntheme: no-such-theme\n"
            "plugins: [jekyll-paginate, jekyll-no-such]\nsass:\n  style: :expanded\n",
            "Gemfile": 'source "https://rubygems.org"\ngem "no-such-gem"\n',
            "_layouts/default.html": "<html><body>{{ content }}</body></html>\n",
            "_posts/2020-01-01-a.md": "---\nlayout: default\n---\n"
            "{% twitter https://x %} {% include nope.html %} $$x$$\n",
            "about.md": "---\nlayout: single\n---\nhi {{ 'x' | no_such_filter }}\n",
            "assets/main.scss": "---\n---\n@import 'vendor/missing';\n",
        },
    )
    before = sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*"))
    report = parity.render_with_jekyll(tree, tmp_path / "out", None, NOW)
    assert report["ok"], report
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*")) == before  # the tree is never written
    assert report["stub_tags"] == {"twitter": 1}
    assert report["theme_missing"] == "no-such-theme"
    assert report["plugins_missing"] == ["jekyll-no-such"]
    assert len(report["missing_includes"]) == 1 and len(report["sass_errors"]) == 1
    about = next(p for p in report["pages"] if p["url"] == "/about.html")
    assert about["missing_layout"] == "single"
    assert [p["url"] for p in report["pages"] if p["kind"] == "probe"] == ["/__parity_chrome__/default/"]
    # the stubs leave the rest of the post: kramdown (math_engine mathjax, as GitHub Pages sets it) made $$x$$
    assert (tmp_path / "out/2020/01/01/a.html").read_text() == "<html><body>\\[x\\]\n</body></html>\n"


@needs_jekyll
@pytest.mark.slow
@pytest.mark.skipif(
    not (parity.shared_sites() / "tools" / "jekyll_urls.rb").is_file(),
    reason=f"no ../shared/jekyll-sites/tools (records Jekyll's URLs) at {parity.shared_sites()}",
)
def test_the_tool_measures_a_tiny_blog(tmp_path: Path) -> None:
    tree = write(
        tmp_path / "blog",
        {
            "_config.yml": "title: T\nurl: https://me.github.io\npermalink: /:title/\n",
            "_layouts/default.html": '<html><body><img src="/logo.png">{{ content }}</body></html>\n',
            "logo.png": "png",
            "images/f.png": "png",
            "_posts/2020-01-01-first.md": "---\nlayout: default\ntitle: First\n---\n"
            "$$\na^2\n$$\n\n![f]({{ site.url }}/images/f.png)\n",
            "_posts/2020-02-01-second.md": "---\nlayout: default\ntitle: Second\n---\nText $$b$$ inline.\n",
            "archive.md": "---\nlayout: default\n---\n"
            "{% for post in site.posts %}[{{ post.title }}]({{ post.url }})\n{% endfor %}\n",
        },
    )
    result = parity.measure(tree, None, tmp_path / "cache", None, NOW, 1)
    assert result.imported.ok and result.built.ok, (result.imported.error, result.built.error)
    assert result.documents.cell() == "3/3"
    assert result.listings.total == 1  # the archive page lists both posts (whether ours does is mathpress's job)
    assert result.figures.total == 1  # the own-origin figure; the logo is chrome
    assert result.math.total == 2
    assert (tmp_path / "cache").is_dir() and len(list((tmp_path / "cache").iterdir())) == 2  # truth + kramdown
    assert json.dumps(parity.to_json(result))  # --json can write it
    assert result.name in parity.table([result])


# --- every shared site ---------------------------------------------------------------------------

SHARED = parity.shared_sites()


def posts_size(tree: Path) -> int:
    """Bytes under the tree's _posts folders: the biggest sites go first, so xdist's workers end together."""
    return sum(p.stat().st_size for p in tree.rglob("*") if "_posts" in p.parts and p.is_file())


SITES = (
    sorted(
        [p for p in (SHARED / "minima", SHARED / "al-folio") if p.is_dir()]
        + [p for p in (SHARED / "real").glob("*") if p.is_dir()],
        key=lambda tree: (-posts_size(tree), tree.name),
    )
    if SHARED.is_dir()
    else []
)

# Today's gaps per site, as measured without themes (CI has none): the test fails when a site gets worse
# AND when it gets better, so shrink these numbers (to zero: the "Done when") as fixes land.
# `mathjax_pages` (pages with a MathJax error) may stay above zero where a post's own TeX is broken;
# `mathjax_unwarned` (such spans without a build warning at their line) may not.
KNOWN_GAPS: dict[str, dict[str, int]] = {  # measured on main, 2026-12-02 (tests/tools/parity.py over every site)
    # mathjax_pages: pages where MathJax fails on a formula the post itself wrote broken (each one a build
    # warning at its line): \tag inside aligned, \limits on a non-operator, \[ inside a display, \text{a_b}.
    "minima": {},
    "al-folio": {},
    "3-24+3-24.github.io": {"mathjax_pages": 1},
    "CarloNicolini+carlonicolini.github.io": {"mathjax_pages": 2},
    "HayoonSong+HayoonSong.github.io": {"mathjax_pages": 1},
    "aktivhoon+aktivhoon.github.io": {},
    "chrisyeh96+chrisyeh96.github.io": {},
    "jjgoings+jjgoings.github.io": {},
    "joshlk+robotchinwag.com": {},
    "ratsgo+ratsgo.github.io": {"mathjax_pages": 2},
    "sudeepraja+sudeepraja.github.io": {},
    "wu-kan+wu-kan.github.io": {"mathjax_pages": 4},
}
ZERO = dict.fromkeys(
    (
        "import_fails",
        "build_fails",
        "documents_missing",
        "listings_failing",
        "figures_missing",
        "math_lost",
        "mathjax_pages",
        "mathjax_unwarned",
    ),
    0,
)


@pytest.mark.slow
@pytest.mark.skipif(not SITES, reason=f"no shared Jekyll sites at {SHARED}")
@needs_jekyll
@pytest.mark.parametrize("tree", SITES, ids=[p.name for p in SITES])
def test_a_real_jekyll_site_matches_what_jekyll_shows(tree: Path, tmp_path: Path) -> None:
    result = parity.measure(tree, None, tmp_path / "cache", None, NOW, 1)
    gaps = result.gaps()
    known = {**ZERO, **KNOWN_GAPS.get(tree.name, {})}
    assert gaps == known, (
        f"{tree.name}: gaps changed (update KNOWN_GAPS when they shrink)\n"
        f"measured: {gaps}\nknown:    {known}\n{parity.table([result])}\n{parity.details(result)}"
    )


@pytest.mark.skipif(not SITES, reason=f"no shared Jekyll sites at {SHARED}")
def test_every_shared_site_has_its_row_of_known_gaps() -> None:
    assert sorted(KNOWN_GAPS) == sorted(p.name for p in SITES)
    assert all(set(gaps) <= set(ZERO) and all(n > 0 for n in gaps.values()) for gaps in KNOWN_GAPS.values())
