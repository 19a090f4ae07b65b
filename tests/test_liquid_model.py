"""Jekyll's site model in Liquid: site.posts, site.tags, layouts that make lists, error modes, as Jekyll 4.3 shows them.

tests/data/jekyll_pages/ holds what real Jekyll rendered for tests/fixtures/jekyll/liquid-* (recorded by
`python tests/tools/record_jekyll_pages.py`); an imported and built copy must show the same lists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from liquid import Environment
from liquid.exceptions import LiquidSyntaxError

from mathpress.errors import BuildFailed
from mathpress.jekyll.importer import import_site
from tests.conftest import build_site, make_site, read_output

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "jekyll" / "liquid-model"
RECORDED = HERE / "data" / "jekyll_pages" / "liquid-model"
# What each recorded page shows that comes from Liquid: elements by class.
COMPARED = {
    "archive/index.html": ["all", "counts", "tags", "categories", "excerpt", "env", "limited"],
    "physics/index.html": ["topic"],
}


def element(html: str, css_class: str) -> str:
    """The text of the element with this class, whitespace made single spaces."""
    match = re.search(rf'<(\w+) class="{css_class}">(.*?)</\1>', html, re.S)
    assert match, f"no element with class {css_class}"
    return " ".join(match[2].split())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site imported and built once."""
    dest = tmp_path_factory.mktemp("liquid-model") / "site"
    import_site(FIXTURE, dest, {}, record_baseline=False)
    build_site(dest)
    return dest


@pytest.mark.parametrize("page", sorted(COMPARED))
def test_lists_show_what_jekyll_showed(imported: Path, page: str) -> None:
    ours = read_output(imported, page)
    jekylls = (RECORDED / page).read_text(encoding="utf-8")
    for css_class in COMPARED[page]:
        assert element(ours, css_class) == element(jekylls, css_class), css_class


def test_page_previous_and_next_are_jekylls(imported: Path) -> None:
    jekylls = (RECORDED / "2021/beta/index.html").read_text(encoding="utf-8")
    assert "Previous: Alpha post." in jekylls and "Next: Gamma post." in jekylls
    ours = read_output(imported, "2021/beta/index.html")
    assert "Previous: Alpha post." in ours and "Next: Gamma post." in ours


def test_a_layout_that_lists_is_carried_and_one_that_does_not_is_not(imported: Path) -> None:
    assert sorted(p.name for p in (imported / "_layouts").iterdir()) == ["topic.html"]
    assert "jekyll_layout: topic" in (imported / "content/physics.md").read_text(encoding="utf-8")


def test_the_sites_own_home_page_stays_at_the_root(imported: Path) -> None:
    assert "Welcome." in read_output(imported, "index.html")
    assert "index_url: false" in (imported / "site.yml").read_text(encoding="utf-8")


def listing_site(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    """Two posts and a page that lists them (title and excerpt)."""
    files = {
        "content/posts/2024-01-02-a.md": "---\ntitle: First\n---\nFirst *body*.\n",
        "content/posts/2024-02-03-b.md": "---\ntitle: Second\ntags: [x]\n---\nSecond body.\n",
        "content/list.md": (
            "---\ntitle: List\n---\n"
            '<ul class="list">{% for post in site.posts %}<li>{{ post.title }}: {{ post.excerpt | strip_html | strip }}'
            "</li>{% endfor %}</ul>\n"
        ),
        **(extra or {}),
    }
    return make_site(tmp_path, files)


def test_a_page_lists_the_posts_with_their_rendered_excerpts(tmp_path: Path) -> None:
    root = listing_site(tmp_path)
    build_site(root)
    assert (
        element(read_output(root, "list/index.html"), "list")
        == "<li>Second: Second body.</li><li>First: First body.</li>"
    )


def test_a_page_reads_a_posts_rendered_content(tmp_path: Path) -> None:
    page = '---\ntitle: C\n---\n<div class="first">{{ site.posts.last.content }}</div>\n'
    root = listing_site(tmp_path, {"content/c.md": page})
    build_site(root)
    assert element(read_output(root, "c/index.html"), "first") == "<p>First <em>body</em>.</p>"


def test_editing_a_posts_title_renders_the_listing_again(tmp_path: Path) -> None:
    root = listing_site(tmp_path)
    build_site(root)
    (root / "content/posts/2024-01-02-a.md").write_text("---\ntitle: Renamed\n---\nFirst *body*.\n", encoding="utf-8")
    report = build_site(root)
    assert "Renamed: First body." in read_output(root, "list/index.html")
    assert report.documents_rendered == 2  # the post (its title is typeset with its body) and the list
    again = build_site(root)
    assert again.publish.written == () and again.documents_rendered == 0


def test_a_page_whose_liquid_reads_no_posts_is_not_rendered_again(tmp_path: Path) -> None:
    root = listing_site(tmp_path, {"content/about.md": "---\ntitle: About\n---\n{{ site.title }} about\n"})
    build_site(root)
    (root / "content/posts/2024-01-02-a.md").write_text("---\ntitle: First\n---\nNew body.\n", encoding="utf-8")
    report = build_site(root)
    assert report.documents_rendered == 2  # the post and the list (its excerpt changed); not about.md
    assert "First: New body." in read_output(root, "list/index.html")


def test_site_tags_and_categories_as_jekyll_orders_them(tmp_path: Path) -> None:
    page = (
        "---\ntitle: T\n---\n"
        '<p class="t">{% for tag in site.tags %}{{ tag[0] }}={{ tag[1] | map: "title" | join: "+" }};{% endfor %}</p>\n'
    )
    root = make_site(
        tmp_path,
        {
            "content/posts/2024-01-01-a.md": "---\ntitle: A\ntags: [late, early]\n---\nA\n",
            "content/posts/2024-01-02-b.md": "---\ntitle: B\ntags: [early]\n---\nB\n",
            "content/t.md": page,
        },
    )
    build_site(root)
    assert element(read_output(root, "t/index.html"), "t") == "late=A;early=B+A;"


def test_keyword_named_properties_are_read_as_properties(tmp_path: Path) -> None:
    include = "{% if include.limit and include.offset %}{{ include.limit }}-{{ include.offset }}{% endif %}"
    root = make_site(
        tmp_path,
        {
            "_includes/part.html": include,
            "content/p.md": '---\ntitle: P\n---\n<p class="k">{% include part.html limit=3 offset=1 %}</p>\n',
        },
    )
    build_site(root)
    assert element(read_output(root, "p/index.html"), "k") == "3-1"


def test_python_liquid_still_needs_the_keyword_property_workaround() -> None:
    """When this fails, python-liquid reads `a.limit` itself: remove _words_after_dots (jekyll/liquid.py)."""
    with pytest.raises(LiquidSyntaxError, match="expected an identifier, found limit"):
        Environment().from_string("{{ a.limit }}")


COMMENT = '---\ntitle: F\n---\nText.\n\n<!-- {{<sidefigure src="a.png">}} -->\n'


def test_strict_liquid_stops_at_a_syntax_error(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/2024-01-02-f.md": COMMENT})
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert str(failure.value.diagnostics[0]).startswith("content/posts/2024-01-02-f.md:6:8: Liquid:")


def test_warn_mode_reads_it_as_jekyll_does_and_warns_at_its_line(tmp_path: Path) -> None:
    config = "title: T\nliquid:\n  error_mode: warn\n"
    root = make_site(tmp_path, {"site.yml": config, "content/posts/2024-01-02-f.md": COMMENT})
    report = build_site(root)
    assert "<!--  -->" in read_output(root, "2024/01/02/f/index.html")
    messages = [str(d) for d in report.diagnostics]
    assert messages == [
        'content/posts/2024-01-02-f.md:6:6: warning: Liquid syntax error in `<sidefigure src="a.png">` '
        "(expected a primitive expression, found lt); read leniently, as Jekyll does"
    ]


def test_lax_mode_is_silent(tmp_path: Path) -> None:
    config = "title: T\nliquid:\n  error_mode: lax\n"
    root = make_site(tmp_path, {"site.yml": config, "content/posts/2024-01-02-f.md": COMMENT})
    assert build_site(root).diagnostics == ()


def test_strict_variables_make_an_undefined_variable_an_error(tmp_path: Path) -> None:
    config = "title: T\nliquid:\n  strict_variables: true\n"
    post = "---\ntitle: V\n---\n{{ page.nothing_here }}\n"
    root = make_site(tmp_path, {"site.yml": config, "content/posts/2024-01-02-v.md": post})
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert "nothing_here" in str(failure.value.diagnostics[0])


def test_jekyll_environment_and_site_time(tmp_path: Path) -> None:
    post = "---\ntitle: E\n---\n<p class=\"e\">{{ jekyll.environment }} {{ site.time | date: '%Y' }}</p>\n"
    root = make_site(tmp_path, {"content/posts/2024-01-02-e.md": post})
    build_site(root)
    assert element(read_output(root, "2024/01/02/e/index.html"), "e") == "production 2026"
    build_site(root, environment="development")
    assert element(read_output(root, "2024/01/02/e/index.html"), "e") == "development 2026"


@pytest.mark.parametrize("folder", ["content", "static"])  # static/: where import puts Jekyll's static files
def test_include_relative_reads_a_file_beside_the_post_and_follows_its_edits(tmp_path: Path, folder: str) -> None:
    post = '---\ntitle: R\n---\n<div class="r">{% include_relative parts/slide.html n=2 %}</div>\n'
    slide = f"{folder}/posts/parts/slide.html"
    root = make_site(tmp_path, {"content/posts/2024-01-02-r.md": post, slide: "<b>slide {{ include.n }}</b>"})
    build_site(root)
    assert element(read_output(root, "2024/01/02/r/index.html"), "r") == "<b>slide 2</b>"
    (root / slide).write_text("<i>new {{ include.n }}</i>", encoding="utf-8")
    build_site(root)
    assert element(read_output(root, "2024/01/02/r/index.html"), "r") == "<i>new 2</i>"


@pytest.mark.parametrize("name", ["../site.yml", "/etc/passwd", "parts/missing.html"])
def test_include_relative_stays_beside_the_document(tmp_path: Path, name: str) -> None:
    post = f"---\ntitle: R\n---\nx {{% include_relative {name} %}} y\n"
    root = make_site(tmp_path, {"content/posts/2024-01-02-r.md": post})
    report = build_site(root)
    assert [d.line for d in report.diagnostics] == [4]
    assert "left out" in report.diagnostics[0].message
    assert "x  y" in read_output(root, "2024/01/02/r/index.html")


def test_the_date_filter_reads_as_ruby_liquid(tmp_path: Path) -> None:
    page = (
        "---\ntitle: D\nwhen: March 3, 2017\n---\n"
        '<p class="d">[{{ page.nothing | date: "%Y" }}] {{ page.when | date: "%Y-%m" }} {{ "soon" | date: "%Y" }}'
        ' {{ "now" | date: "%Y" }}</p>\n'
    )
    root = make_site(tmp_path, {"content/d.md": page})
    build_site(root)
    assert element(read_output(root, "d/index.html"), "d") == "[] 2017-03 soon 2026"


def test_relative_links_to_files_become_their_urls(tmp_path: Path) -> None:
    post = (
        "---\ntitle: L\n---\n"
        "[about](../about.md) ![bird](../assets/bird.png) [gone](../nothing.png) [web](https://x.org/a.md)\n\n"
        "[ref]: ../about.md\n\nA [reference][ref].\n"
    )
    root = make_site(
        tmp_path,
        {
            "site.yml": "title: T\nbase_url: /blog/\n",
            "content/posts/2024-01-02-l.md": post,
            "content/about.md": "---\ntitle: About\n---\nx\n",
            "static/assets/bird.png": b"\x89PNG",
        },
    )
    build_site(root)
    page = read_output(root, "2024/01/02/l/index.html")
    assert '<a href="/blog/about/">about</a>' in page and 'src="/blog/assets/bird.png"' in page
    assert 'href="../nothing.png"' in page and 'href="https://x.org/a.md"' in page
    assert '<a href="/blog/about/">reference</a>' in page


def test_a_relative_link_follows_the_file_it_names(tmp_path: Path) -> None:
    post = "---\ntitle: L\n---\n![bird](../assets/bird.png)\n"
    root = make_site(tmp_path, {"content/posts/2024-01-02-l.md": post})
    build_site(root)
    assert 'src="../assets/bird.png"' in read_output(root, "2024/01/02/l/index.html")
    (root / "static/assets").mkdir(parents=True)
    (root / "static/assets/bird.png").write_bytes(b"\x89PNG")
    build_site(root)
    assert 'src="/assets/bird.png"' in read_output(root, "2024/01/02/l/index.html")


def test_a_page_showing_posts_content_keeps_their_math_as_it_was(tmp_path: Path) -> None:
    """A real summary page (`{{ post.content }}` of every post with a tag): the posts' math, already marked,
    is one span again, its TeX decoded, never marked twice nor stripped of its backslashes by Markdown."""
    post = "---\ntitle: A\ntags: [x]\n---\n\nIf $in[i] > 0$ and $a<b$ then\n\n$$\nx > y\n$$\n"
    loop = "{% for post in site.tags.x %}\n\n# {{ post.title }}\n\n{{ post.content }}\n\n{% endfor %}\n"
    page = "---\ntitle: All\n---\n\n" + loop
    files = {"site.yml": "title: T\n", "content/posts/2020-01-01-a.md": post, "content/all.md": page}
    root = make_site(tmp_path / "s", files)
    assert not build_site(root).diagnostics
    body = read_output(root, "all/index.html")
    body = body[body.index('<div class="post-body">') :]
    assert r'<span class="math inline">\(in[i] &gt; 0\)</span>' in body
    assert r'<span class="math inline">\(a&lt;b\)</span>' in body
    assert '<div class="math display">\\[x &gt; y\\]</div>' in body
    assert body.count('class="math ') == 3


RELATIVE = HERE / "fixtures" / "jekyll" / "liquid-relative"
RELATIVE_RECORDED = HERE / "data" / "jekyll_pages" / "liquid-relative"


@pytest.mark.parametrize(
    ("page", "classes"), [("2020/slides/index.html", ["one"]), ("page/index.html", ["part", "note"])]
)
def test_include_relative_reads_what_jekyll_read_beside_the_document(
    tmp_path: Path, page: str, classes: list[str]
) -> None:
    """A post includes files kept in _posts/ (Jekyll never publishes them), a page a static file beside it and a
    Markdown file below it: imported and built, each page shows what Jekyll's showed."""
    dest = tmp_path / "site"
    import_site(RELATIVE, dest, {}, record_baseline=False)
    assert (dest / "static/posts/slides/one.html").is_file() and (dest / "static/part.html").is_file()
    build_site(dest, strict=True)
    ours = read_output(dest, page)
    jekylls = (RELATIVE_RECORDED / page).read_text(encoding="utf-8")
    for css_class in classes:
        assert element(ours, css_class) == element(jekylls, css_class), css_class
    if page.startswith("2020"):
        assert "Slide two, with" in element(jekylls, "two") and "Slide two, with" in ours
        assert re.search(r'<div class="two">Slide two, with <span class="math inline">\\\(x\^2\\\)</span>', ours)
