"""`mathpress import`: Jekyll sites become mathpress sites at Jekyll's URLs, with their images, math and a report."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import zoneinfo
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from mathpress.cli import main
from mathpress.config import load_config
from mathpress.content import Source, parse_document
from mathpress.errors import SourceError, UsageError
from mathpress.jekyll import rules
from mathpress.jekyll.importer import ImportReport, import_site
from mathpress.meta import read_meta
from mathpress.pipeline import BuildReport
from mathpress.scaffold import baseline_workflow
from mathpress.serve import find_route
from mathpress.verify import run_check
from tests.conftest import build_site, make_site

HERE = Path(__file__).parent
SITES = sorted([*(HERE / "fixtures/jekyll-sites").glob("*/"), *(HERE / "fixtures/jekyll").glob("*/")])
URLS = HERE / "data" / "jekyll_urls"
MATH = re.compile(r'<(?:span|div) class="math (inline|display)">\\[(\[](.*?)\\[)\]]</(?:span|div)>', re.S)
DEPLOY = {".github/workflows/pages.yml": "name: pages\n"}


def imported(tmp_path: Path, source: Path) -> tuple[Path, ImportReport, BuildReport]:
    """Import one fixture and build it as the deploy workflow does (a full --base-url), every post shown.

    Jekyll's recording has drafts and future posts too.
    """
    dest = tmp_path / "site"
    report = import_site(source, dest, DEPLOY)
    site = yaml.safe_load((dest / "site.yml").read_text(encoding="utf-8"))
    address = site.get("url", "https://example.github.io") + "/" + site.get("base_url", "").strip("/")
    return dest, report, build_site(dest, drafts=True, future=True, base_url=address)


def carried(report: ImportReport) -> set[str]:
    """Source paths of every document carried."""
    return {*report.posts, *report.drafts, *report.pages}


def tree_digest(root: Path) -> str:
    """One hash of every file's path, bytes and mtime under root."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(root)}:{path.stat().st_mtime_ns}".encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module", params=SITES, ids=[s.name for s in SITES])
def fixture_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:  # type: ignore[type-arg]
    source: Path = request.param
    before = tree_digest(source)
    dest, report, build = imported(tmp_path_factory.mktemp(source.name), source)
    assert tree_digest(source) == before, "the Jekyll site was written to"
    return source, dest, report, build


# What Jekyll publishes that mathpress does not take: its home page, 404 page, feed, Sass and paginated listing.
LEFT_OUT = {
    # minima's home (layout: home, in the tree) is carried: it lists the posts as Jekyll's did
    "minima": {"404.html", "assets/css/style.scss"},
    "al-folio": {"blog/index.html"},  # its about page is carried as the home page; blog/ is our index
    "config-keys": {"assets/css/style.scss", "feed.xml", "index.html"},
    "theme-text": {"_posts/2018-07-06-textile-post.textile"},  # Textile: Jekyll 4 has no converter for it
}


def test_every_document_is_at_jekylls_url_or_reported(fixture_site: tuple) -> None:  # type: ignore[type-arg]
    source, dest, report, _ = fixture_site
    jekyll = json.loads((URLS / f"{source.name}.json").read_text(encoding="utf-8"))
    assert set(jekyll) - carried(report) == LEFT_OUT.get(source.name, set())
    reported = {d.path for d in report.not_carried}
    assert carried(report) <= set(jekyll), "a carried document Jekyll does not publish"
    for rel, (url, output) in jekyll.items():
        if rel not in carried(report):
            assert rel in reported, f"{rel} ({url}) neither carried nor reported"
            continue
        page = dest / "_site" / output
        assert page.is_file(), f"{rel}: not at Jekyll's {url}"
        text = (source / rel).read_text(encoding="utf-8-sig").replace("\r\n", "\n")
        title = (yaml.safe_load(text.split("---")[1]) or {}).get("title") if text.startswith("---\n") else None
        if isinstance(title, str):
            assert html.escape(title.strip(), quote=False) in page.read_text(encoding="utf-8"), (rel, output)


def test_builds_without_errors_and_passes_check(fixture_site: tuple, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[type-arg]
    source, dest, _, build = fixture_site
    assert [d for d in build.diagnostics if d.severity == "error"] == []
    capsys.readouterr()
    status = run_check(dest / "_site", None)
    problems = [line for line in capsys.readouterr().err.splitlines() if line.endswith("]")]
    jekyll = {output for _, output in json.loads((URLS / f"{source.name}.json").read_text(encoding="utf-8")).values()}
    ours = [p for p in problems if not broken_in_jekyll_too(p, source, jekyll)]
    assert ours == [] and (status == 0) == (problems == [])


def test_no_markdown_attribute_reaches_a_page(fixture_site: tuple) -> None:  # type: ignore[type-arg]
    _, dest, _, _ = fixture_site
    pages = [p for p in (dest / "_site").rglob("*") if p.suffix in (".html", ".xml")]
    leaked = [
        p.relative_to(dest / "_site") for p in pages if re.search(r"\bmarkdown=(\"|'|&quot;)", p.read_text("utf-8"))
    ]
    assert leaked == [] and pages


def broken_in_jekyll_too(problem: str, source: Path, jekyll: set[str]) -> bool:
    """Whether `check` reports a link or image that is missing from the Jekyll site as well."""
    match = re.match(r"^(.+?): <\w+ \w+> (\S+)(?::| is outside the site's base) .*\[link\]$", problem)
    if not match:
        return False
    page = "/" + match[1].removesuffix("index.html")
    path = urlsplit(urljoin(page, match[2])).path.lstrip("/")
    return not (source / path).exists() and path not in jekyll and path + "index.html" not in jekyll


def local_images(text: str) -> list[str]:
    """Site paths of the images a post references in Markdown and <img>, `{{ site.baseurl }}` removed."""
    found = re.findall(r"!\[[^\]]*\]\(\s*<?((?:\{\{.*?\}\})?[^)\s>]*)", text) + [
        a or b for a, b in re.findall(r"<img\b[^>]*\bsrc=(?:\"([^\"]+)\"|'([^']+)')", text)
    ]
    paths = [re.sub(r"^\{\{\s*site\.baseurl\s*\}\}", "", p) for p in found]
    paths = [re.sub(r"^\{\{\s*['\"]([^'\"]+)['\"]\s*\|\s*(?:relative|absolute)_url\s*\}\}$", r"\1", p) for p in paths]
    return [p for p in paths if not re.match(r"^([a-z]+:)?//", p) and "{" not in p]


def test_every_image_a_post_references_reaches_its_page(fixture_site: tuple) -> None:  # type: ignore[type-arg]
    source, dest, report, _ = fixture_site
    jekyll = json.loads((URLS / f"{source.name}.json").read_text(encoding="utf-8"))
    checked = 0
    for rel in sorted(carried(report)):
        page = (dest / "_site" / jekyll[rel][1]).read_text(encoding="utf-8")
        sources = set(re.findall(r"<img\b[^>]*\bsrc=\"([^\"]+)\"", page))
        for path in local_images((source / rel).read_text(encoding="utf-8")):
            if not path.startswith("/") or not (source / path.lstrip("/")).is_file():
                continue
            assert (dest / "_site" / path.lstrip("/")).is_file(), (rel, path)
            assert any(s.endswith(path) for s in sources), (rel, path, sources)
            checked += 1
    if source.name.startswith("style-"):
        assert checked == 2  # the Markdown image and the <img> of the two posts that have one
    if source.name == "config-keys":
        assert checked == 2  # through {{ site.baseurl }} and relative_url, under base_url /notes/


def page_math(page: Path) -> list[tuple[str, bool]]:
    """(TeX, display?) of every math element in a built page's body."""
    text = page.read_text(encoding="utf-8")
    return [(html.unescape(m[2]), m[1] == "display") for m in MATH.finditer(text[text.index("<main") :])]


def test_kramdown_math_reaches_the_page_intact(fixture_site: tuple) -> None:  # type: ignore[type-arg]
    source, dest, report, _ = fixture_site
    jekyll = json.loads((URLS / f"{source.name}.json").read_text(encoding="utf-8"))
    total = 0
    for rel in sorted(r for r in carried(report) if "_posts/" in r and r.endswith((".md", ".markdown"))):
        record = URLS / "math" / f"{source.name}__{Path(rel).stem}.json"
        expected = [(m["tex"], m["display"]) for m in json.loads(record.read_text(encoding="utf-8"))["math"]]
        found = page_math(dest / "_site" / jekyll[rel][1])
        remaining = iter(found)
        assert all(any(item == other for other in remaining) for item in expected), (rel, expected, found)
        total += len(expected)
    if source.name in ("al-folio", "style-date"):
        assert total > 0


def test_minima_report_lists_exactly_what_was_not_carried(tmp_path: Path) -> None:
    _, report, _ = imported(tmp_path, HERE / "fixtures/jekyll-sites/minima")
    documents = {d.path for d in report.not_carried if not d.path.startswith(("_sass/", "_layouts/"))}
    assert documents == {
        "404.html",
        "assets/css/style.scss",
        "_posts/2016-05-20-my-example-post.md",
        "_posts/2016-05-20-this-post-demonstrates-post-content-styles.md",
    }
    assert len(report.posts) == 6 and report.pages == ("about.md", "index.md")  # its home lists the posts itself
    assert {d.path for d in report.not_carried if d.path.startswith("_layouts/")} == {
        "_layouts/base.html",
        "_layouts/page.html",
        "_layouts/post.html",
    }


def test_config_keys_report_and_site_yml(tmp_path: Path) -> None:
    dest, report, _ = imported(tmp_path, HERE / "fixtures/jekyll/config-keys")
    lines = [f"{d.path}:{d.line}: {d.message}" for d in report.not_carried]
    assert lines == [
        "404.html:2: layout `default` not carried: shown with mathpress's `page` layout",
        "_config.yml:12: `future` not carried: mathpress leaves future posts out unless `build --future`",
        "_config.yml:13: `show_drafts` not carried: mathpress leaves drafts out unless `build --drafts`",
        "_config.yml:18: kramdown `hard_wrap: true` not carried: mathpress reads Markdown as GitHub Pages' kramdown "
        "defaults",
        "_config.yml:37: `plugins` not carried: plugins do not run in mathpress",
        "_config.yml:38: `theme` not carried: theme gems do not apply: the site uses mathpress's theme (templates/ "
        "overrides it)",
        "_config.yml:39: `sass` not carried: Sass is not compiled",
        "_layouts/post.html:0: layout not carried: posts use mathpress's `post` layout, pages its `page` layout",
        "_people/ada.md:0: collection `people` is not output by Jekyll (output: false): its data is not carried",
        "_posts/2020-01-08-cover-html.md:3: `cover` is not an image path; kept as `jekyll_cover` (no cover shown)",
        "_posts/2020-01-09-cover-video.md:3: `image` is not an image path (/assets/video/intro.mp4); kept under its "
        "own key, no cover shown",
        "_posts/2020-01-11-authors-list.md:4: front matter `comments` kept for templates (page.front.comments); our "
        "theme does not use it",
        "_posts/2020-01-11-authors-list.md:5: front matter `toc` kept for templates (page.front.toc); our theme does "
        "not use it",
        "_posts/2020-01-11-authors-list.md:6: layout `distill` not carried: shown with mathpress's `post` layout",
        "_redirects:0: static file not carried: mathpress does not publish names starting with `_` or `.`",
        "_sass/main.scss:0: Sass is not carried: mathpress's theme has its own CSS (static/ overrides it)",
        "assets/css/style.scss:1: page with front matter not carried: Sass is not compiled",
        "feed.xml:1: page with front matter not carried: mathpress writes its own",
        "index.html:1: the paginated listing at / is not carried: mathpress's index takes its place there",
    ]
    site = yaml.safe_load((dest / "site.yml").read_text(encoding="utf-8"))
    assert {k: site[k] for k in ("title", "description", "author", "url", "base_url", "timezone", "paginate")} == {
        "title": "Config keys",
        "description": "Every config key the importer reads",
        "author": "Ada Lovelace",
        "url": "https://ada.example.org",
        "base_url": "/notes",
        "timezone": "Asia/Tokyo",
        "paginate": 5,
    }
    assert site["excerpt_separator"] == "<!--cut-->"
    assert site["permalink"] == "/:categories/:year/:month/:day/:title/"
    assert site["math"] == {
        "tags": "ams",
        "macros": {"RR": "{\\mathbb R}", "norm": ["{\\lVert #1 \\rVert}", 1]},
        "dollars": "mathjax",  # its inlineMath has ['$', '$']
    }
    assert (dest / "_includes/figure.html").is_file() and (dest / "_data/people.yml").is_file()
    assert (dest / "static/CNAME").read_text() == "ada.example.org\n"
    assert (dest / "_site/favicon.ico").is_file() and (dest / "_site/files/paper.pdf").is_file()
    assert not (dest / "static/private").exists() and not (dest / "static/README.md").exists()
    assert (dest / ".github/workflows/pages.yml").read_text() == DEPLOY[".github/workflows/pages.yml"]
    assert report.drafts == ("_drafts/a-draft.md", "_posts/2020-01-13-unpublished.md")


@pytest.mark.parametrize(
    ("post", "alt"),
    [
        ("2020/01/01/cover-image", "Cover image text"),
        ("2020/01/02/cover-chirpy", "A cover"),
        ("2020/01/03/cover-img", "Cover img"),
        ("2020/01/04/cover-header", "Cover header-img"),
        ("2020/01/05/cover-cover-img", "Cover cover-img"),
        ("2020/01/06/cover-feature", "Cover feature_image"),
        ("2020/01/07/cover-thumbnail", "Cover thumbnail"),
    ],
)
def test_theme_cover_keys_become_the_cover(tmp_path: Path, post: str, alt: str) -> None:
    dest = tmp_path / "site"
    import_site(HERE / "fixtures/jekyll/config-keys", dest, DEPLOY)
    build_site(dest)
    page = (dest / "_site" / post / "index.html").read_text(encoding="utf-8")
    assert re.search(rf'<img[^>]+alt="{re.escape(alt)}"', page), page[:3000]
    assert "/notes/assets/img/cover.png" in page


def test_values_that_are_not_images_stay_and_show_no_cover(tmp_path: Path) -> None:
    dest = tmp_path / "site"
    import_site(HERE / "fixtures/jekyll/config-keys", dest, DEPLOY)
    text = (dest / "content/posts/2020-01-08-cover-html.md").read_text(encoding="utf-8")
    assert 'jekyll_cover: <div class="hero">Hello</div>' in text and "\ncover:" not in text
    build_site(dest)
    page = (dest / "_site/2020/01/08/cover-html/index.html").read_text(encoding="utf-8")
    assert "cover.png" not in page


def test_categories_from_folders_and_defaults_keep_jekylls_url(tmp_path: Path) -> None:
    dest = tmp_path / "site"
    import_site(HERE / "fixtures/jekyll/style-date", dest, DEPLOY)
    text = (dest / "content/posts/algebra/2017-03-04-groups.md").read_text(encoding="utf-8")
    assert 'categories: ["algebra"]' in text
    site = yaml.safe_load((dest / "site.yml").read_text(encoding="utf-8"))
    assert site["permalink"] == "/:categories/:year/:month/:day/:title:output_ext"


def test_the_pattern_is_carried_and_posts_keep_no_frozen_url_when_ours_agrees(tmp_path: Path) -> None:
    dest = tmp_path / "site"
    import_site(HERE / "fixtures/jekyll/style-custom", dest, DEPLOY)
    frozen = [p.name for p in (dest / "content/posts").rglob("*.md") if "\npermalink:" in p.read_text()]
    assert frozen == []
    new = dest / "content/posts/2018-07-08-New_Post.md"
    new.write_text("---\ntitle: New\ncategories: [x]\n---\nNew.\n", encoding="utf-8")
    build_site(dest)
    assert (dest / "_site/x/18/7/8/189/27/00-00-00/New_Post.html").is_file()


def test_src_and_dest_are_checked(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not a Jekyll site"):
        import_site(tmp_path, tmp_path / "out", DEPLOY)
    full = make_site(tmp_path / "full", {"x.txt": "x"})
    with pytest.raises(UsageError, match="not empty"):
        import_site(HERE / "fixtures/jekyll/style-date", full, DEPLOY)


def test_build_on_a_jekyll_folder_says_to_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--source", str(HERE / "fixtures/jekyll/style-date")]) == 2
    assert "it is a Jekyll site: `mathpress import" in capsys.readouterr().err


def test_import_command_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = str(HERE / "fixtures/jekyll-sites/minima")
    assert main(["import", source, str(tmp_path / "out"), "--requirement", "mathpress==0.1.0"]) == 0
    out = capsys.readouterr().out
    assert "imported into" in out and "6 posts, 0 drafts, 2 pages" in out
    lines = out.splitlines()
    assert "  404.html:1: 404 page not carried: mathpress writes its own 404.html" in lines
    assert "  index.md: the site's own home page is carried at /: no post index (index_url: false)" in lines
    assert "  front matter kept for templates: comments (1 post), meta (1 post), modified_date (1 post)" in lines
    assert lines.index("kept, though mathpress's theme does not show them (3 items):") > lines.index(
        "not carried: readers of the Jekyll site saw these (2 items):"
    )
    assert "not carried: 404.html:1: 404 page" not in out
    assert main(["import", source, str(tmp_path / "every"), "--requirement", "mathpress==0.1.0", "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "not carried: 404.html:1: 404 page" in out
    listed = (tmp_path / "every/jekyll-baseline.txt").read_text(encoding="utf-8").split("[import]\n")[1]
    assert "not carried: 404.html:1: 404 page not carried: mathpress writes its own 404.html\n" in listed
    assert len(listed.splitlines()) == out.count("\nnot carried: ") + out.count("\ntranslated: ") == 23
    assert (tmp_path / "out/.github/workflows/pages.yml").read_text() == baseline_workflow("jekyll-baseline.txt")
    assert "0 warning(s) and problem(s)" not in out and "baseline:" not in out  # minima has none
    assert (tmp_path / "out/requirements.txt").read_text().splitlines()[-1] == "mathpress==0.1.0"


def jekyll_site(root: Path, files: dict[str, str]) -> Path:
    """A small Jekyll site from {relative path: text}."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_built_output_and_unknown_folders_are_left_out_and_listed_once(tmp_path: Path) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\n",
            "_posts/2020-01-01-a.html": "---\ntitle: A\n---\n<p>Price: 5 <em>dollars</em></p>\n",
            "_site/2020/01/01/a.html": "<p>old build</p>\n",
            "_notebooks/one.ipynb": "{}\n",
            "_notebooks/two.ipynb": "{}\n",
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    assert [str(d) for d in report.not_carried] == [
        "_notebooks/: warning: _notebooks/ is a Jekyll folder mathpress does not read; not carried"
    ]
    assert not (tmp_path / "out/static/_site").exists() and report.files == ()
    build_site(tmp_path / "out")
    page = (tmp_path / "out/_site/2020/01/01/a.html").read_text(encoding="utf-8")
    assert "Price: 5 <em>dollars</em></p>" in page  # the HTML as written (kramdown.py marks the <p>)


def test_mathjax_2_settings_become_ours(tmp_path: Path) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\n",
            "_posts/2020-01-01-a.md": "---\ntitle: A\n---\n$$\\R$$\n",
            "_layouts/default.html": (
                '<script type="text/x-mathjax-config">\nMathJax.Hub.Config({ TeX: { equationNumbers: '
                '{ autoNumber: "AMS" }, Macros: { R: "\\\\mathbb{R}" } },\n'
                "  tex2jax: { inlineMath: [['\\\\(', '\\\\)']] } });\n</script>\n"
            ),
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    site = yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))
    assert site["math"] == {"tags": "ams", "macros": {"R": "\\mathbb{R}"}, "dollars": "text"}
    assert "_layouts/default.html:3: MathJax or KaTeX without `$…$` inline → math.dollars: text" in report.translated
    assert [str(d) for d in report.not_carried] == [
        "_layouts/default.html: warning: layout not carried: posts use mathpress's `post` layout, pages its `page` "
        "layout",
    ]
    assert [d for d in build_site(tmp_path / "out").diagnostics if d.severity == "error"] == []


@pytest.mark.parametrize("style", sorted(p.name for p in (HERE / "fixtures/jekyll").glob("style-*")))
def test_posts_follow_the_carried_pattern_without_a_url_of_their_own(tmp_path: Path, style: str) -> None:
    import_site(HERE / "fixtures/jekyll" / style, tmp_path / "site", DEPLOY)
    frozen = [p.name for p in (tmp_path / "site/content/posts").rglob("*.md") if "\npermalink:" in p.read_text()]
    assert frozen == []


def test_import_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out/x").write_text("x")
    assert main(["import", str(HERE / "fixtures/jekyll/style-date"), str(tmp_path / "out")]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_broken_config_is_an_error_at_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = jekyll_site(
        tmp_path / "src", {"_config.yml": "title: T\npermalink: [oops\n", "_posts/2020-01-01-a.md": "---\n---\n"}
    )
    assert main(["import", str(src), str(tmp_path / "out")]) == 1
    assert capsys.readouterr().err.startswith("_config.yml:3:1: invalid YAML: while parsing a flow sequence")
    assert not (tmp_path / "out").exists()


def test_a_damaged_cover_image_is_reported_not_fatal(tmp_path: Path) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\n",
            "_posts/2020-01-01-a.md": "---\ntitle: A\nimage: /assets/broken.jpg\n---\nHi.\n",
            "assets/broken.jpg": "not a JPEG",
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    assert [str(d) for d in report.not_carried] == [
        "_posts/2020-01-01-a.md:3: warning: `image`: image /assets/broken.jpg cannot be read as an image; "
        "no cover shown"
    ]
    assert [d for d in build_site(tmp_path / "out").diagnostics if d.severity == "error"] == []
    assert (tmp_path / "out/_site/assets/broken.jpg").is_file()


def test_config_values_we_cannot_read_are_reported(tmp_path: Path) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\ntimezone: Mars/Olympus\npaginate: many\n",
            "_posts/2020-01-01-a.md": "---\n---\nA\n",
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    assert [str(d) for d in report.not_carried] == [
        '_config.yml:2: warning: `timezone: "Mars/Olympus"` not carried: not a value mathpress reads',
        '_config.yml:3: warning: `paginate: "many"` not carried: not a value mathpress reads',
    ]
    site = yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))
    assert site["timezone"] == "UTC" and "paginate" not in site


def test_a_permalink_from_defaults_is_the_pattern_carried(tmp_path: Path) -> None:
    defaults = (
        "defaults:\n  - scope: {path: '', type: posts}\n    values: {permalink: '/posts/:title/'}\n"
        "  - scope: {path: '', type: tabs}\n    values: {permalink: '/:title/'}\n"
    )
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\ncollections:\n  tabs:\n    output: true\n" + defaults,
            "_posts/2020-01-01-First-Post.md": "---\ntitle: A\n---\nA\n",
            "_tabs/about.md": "---\ntitle: About me\n---\nAbout.\n",
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    assert yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))["permalink"] == "/posts/:title/"
    assert "permalink" not in (tmp_path / "out/content/posts/2020-01-01-First-Post.md").read_text(encoding="utf-8")
    assert report.pages == ("_tabs/about.md",)
    build_site(tmp_path / "out")
    assert (tmp_path / "out/_site/posts/First-Post/index.html").is_file()
    assert "About me" in (tmp_path / "out/_site/about/index.html").read_text(encoding="utf-8")


def test_the_dev_server_serves_extensionless_urls_from_html_files(tmp_path: Path) -> None:
    dest = tmp_path / "site"
    import_site(HERE / "fixtures/jekyll/style-extensionless", dest, DEPLOY)
    build_site(dest)
    route = find_route(dest / "_site", "/", "/2016/02/Hello-World")
    assert route.file == (dest / "_site/2016/02/Hello-World.html").resolve()
    assert find_route(dest / "_site", "/", "/2016/02/Nothing").file == (dest / "_site/404.html").resolve()


def test_redirect_from_old_urls_sends_readers_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\nurl: https://example.org\nplugins: [jekyll-redirect-from]\n",
            "_posts/2020-01-01-a.md": (
                "---\ntitle: A\ncategories: [Big Ideas]\nredirect_from:\n  - /old/\n  - /deep/older.html\n---\nA\n"
            ),
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    assert "_posts/2020-01-01-a.md: redirect_from /old/ → a page sending readers on" in report.translated
    build_site(tmp_path / "out")
    site = tmp_path / "out/_site"
    assert 'url=../big%20ideas/2020/01/01/a.html"' in (site / "old/index.html").read_text(encoding="utf-8")
    assert 'url=../big%20ideas/2020/01/01/a.html"' in (site / "deep/older.html").read_text(encoding="utf-8")
    assert (site / "big ideas/2020/01/01/a.html").is_file()
    capsys.readouterr()
    assert run_check(site, None) == 0, capsys.readouterr().err


def test_nested_category_lists_are_flattened_and_build(tmp_path: Path) -> None:
    # Jekyll 4.3 itself publishes this post at /["math", "logic"]/notes/math/logic/2020/01/01/a.html (it turns
    # the inner list into text); that URL is not reproduced: the post is built, its categories flattened.
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\n",
            "_posts/2020-01-01-a.md": "---\ntitle: A\ncategories: [[Math, Logic], Notes]\n---\nA\n",
        },
    )
    import_site(src, tmp_path / "out", DEPLOY)
    text = (tmp_path / "out/content/posts/2020-01-01-a.md").read_text(encoding="utf-8")
    assert 'categories: ["Math", "Logic", "Notes"]' in text and "\npermalink:" not in text
    assert [d for d in build_site(tmp_path / "out").diagnostics if d.severity == "error"] == []
    assert (tmp_path / "out/_site/math/logic/notes/2020/01/01/a.html").is_file()


def test_html_posts_keep_their_html_and_unused_footnotes_are_dropped(tmp_path: Path) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\n",
            "_posts/2020-01-01-a.html": "---\ntitle: A\n---\n<p>One <em>x</em></p>\n<div>\n<p>Two</p>\n</div>\n",
            "_posts/2020-01-02-b.md": "B[^a].\n\n[^a]: used\n[^b]: never used\n    still b\n\nAfter.\n",
        },
    )
    import_site(src, tmp_path / "out", DEPLOY)
    build_site(tmp_path / "out")
    a = (tmp_path / "out/_site/2020/01/01/a.html").read_text(encoding="utf-8")
    assert "<p>One <em>x</em></p>" in a and "<p>Two</p>" in a and "markdown=" not in a
    b = (tmp_path / "out/_site/2020/01/02/b.html").read_text(encoding="utf-8")
    assert "used" in b and "never used" not in b and "still b" not in b and "<p>After.</p>" in b


def test_the_baseline_lists_plugin_tags_and_links_jekyll_had_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\nurl: https://example.org\n",
            "_posts/2020-01-01-a.md": "---\ntitle: A\n---\n{% gist 1234 %}\n\n[old](/gone.pdf)\n",
        },
    )
    assert main(["import", str(src), str(tmp_path / "out"), "--requirement", "mathpress==0.1.0", "--verbose"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("baseline: ")]
    assert len(lines) == 2 and "content/posts/2020-01-01-a.md: `{% gist %}`" in lines[0] and "/gone.pdf" in lines[1]
    assert "2 warning(s) and problem(s) the site already has: recorded in jekyll-baseline.txt" in out
    site = str(tmp_path / "out")
    assert main(["build", "--source", site, "--strict"]) == 1
    assert main(["build", "--source", site, "--strict", "--baseline", f"{site}/jekyll-baseline.txt"]) == 0
    assert main(["check", "--source", site]) == 1
    assert main(["check", "--source", site, "--baseline", f"{site}/jekyll-baseline.txt"]) == 0
    capsys.readouterr()
    assert main(["check", "--source", site, "--baseline", f"{site}/nothing.txt"]) == 2
    assert "cannot read the baseline" in capsys.readouterr().err
    (tmp_path / "bad.txt").write_text("stray line\n", encoding="utf-8")
    assert main(["check", "--source", site, "--baseline", str(tmp_path / "bad.txt")]) == 2
    assert f"{tmp_path / 'bad.txt'}:1: a baseline line before [build] or [check]" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("config", "title"),
    [
        ("name: Sudeep Raja\ndescription: D\n", "Sudeep Raja"),  # Jekyll Now: the header shows site.name
        ("title: The Blog\nname: Ada\n", "The Blog"),  # minimal-mistakes: name is the author's
        ('title: ""\nname: Ada\n', ""),  # Ruby's "" is truthy: site.title || site.name is ""
        ("name: [a, b]\n", None),
    ],
)
def test_a_site_with_a_name_and_no_title_takes_its_name_as_title(tmp_path: Path, config: str, title: str) -> None:
    src = jekyll_site(tmp_path / "src", {"_config.yml": config, "_posts/2020-01-01-a.md": "---\ntitle: A\n---\nx\n"})
    report = import_site(src, tmp_path / "out", DEPLOY)
    site = yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))
    assert site.get("title") == title
    translated = [f"{n.path}:{n.line}: {n.message}" for n in report.notes if "→ title" in n.message]
    expected = "_config.yml:1: no `title`: `name: Sudeep Raja` → title, as jekyll-seo-tag and jekyll-feed read"
    assert [line.startswith(expected) for line in translated] == ([True] if title == "Sudeep Raja" else [])
    if title:
        build_site(tmp_path / "out")
        page = (tmp_path / "out/_site/2020/01/01/a.html").read_text(encoding="utf-8")
        assert f"<title>A · {title}</title>" in page


def test_duplicate_keys_keep_the_last_as_jekyll_does_and_are_reported(tmp_path: Path) -> None:
    dest, report, _ = imported(tmp_path, HERE / "fixtures/jekyll/edge-names")
    lines = [str(d) for d in report.not_carried]
    assert "_config.yml:1: warning: `title` is written again on line 2: Jekyll keeps that one, so do we" in lines
    assert (
        "_posts/2020-01-05-dup.md:2: warning: `title` is written again on line 4: Jekyll keeps that one, so do we"
        in (lines)
    )
    assert yaml.safe_load((dest / "site.yml").read_text(encoding="utf-8"))["title"] == "Edge names, the last title"
    assert (dest / "_site/old/page.htm").is_file() and (dest / "_site/2020/01/03/upper.html").is_file()


def test_a_permalink_with_a_fragment_or_query_sign_is_reported(tmp_path: Path) -> None:
    src = jekyll_site(
        tmp_path / "src",
        {"_config.yml": "title: T\n", "odd.md": "---\ntitle: Odd\npermalink: /a#b?.txt\n---\nx\n"},
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    assert [str(d) for d in report.not_carried] == [
        "odd.md: warning: not carried: `permalink` may not contain `#` or `?` (in a link they start a fragment or a "
        "query)"
    ]


def test_symbolic_links_are_reported_not_followed(tmp_path: Path) -> None:
    src = jekyll_site(tmp_path / "src", {"_config.yml": "title: T\n", "_posts/2020-01-01-a.md": "---\n---\nA\n"})
    (tmp_path / "secret").write_text("outside the site", encoding="utf-8")
    (src / "assets").mkdir()
    (src / "assets/secret").symlink_to(tmp_path / "secret")
    (src / "assets/gone").symlink_to(tmp_path / "nothing")
    (src / "assets/up").symlink_to("..")
    report = import_site(src, tmp_path / "out", DEPLOY)
    message = "warning: symbolic link not carried: copy the file it points to in its place"
    assert [str(d) for d in report.not_carried] == [f"assets/{n}: {message}" for n in ("gone", "secret", "up")]
    assert not (tmp_path / "out/static").exists()


@pytest.mark.parametrize(
    ("site", "post", "image"),
    [
        (
            "theme-mm",
            "layout/uncategorized/post-header-overlay-image/index.html",
            "/mm/assets/images/unsplash-image-1.jpg",
        ),
        ("theme-text", "2018/06/01/header-image.html", "/docs/assets/images/cover3.jpg"),
        ("theme-chirpy", "posts/text-and-typography/index.html", "/assets/img/devices%20mockup.png"),
        ("theme-bair", "2018/04/26/temporal-value-models/index.html", "/assets/tdm/figure%201.png"),
        ("theme-beautiful", "flake.html", "/blog/assets/img/path.jpg"),
    ],
)
def test_theme_covers_in_mappings_and_with_spaces_reach_the_page(
    tmp_path: Path, site: str, post: str, image: str
) -> None:
    dest = tmp_path / "site"
    import_site(HERE / "fixtures/jekyll" / site, dest, DEPLOY)
    build_site(dest)
    page = (dest / "_site" / post).read_text(encoding="utf-8")
    assert re.search(rf'<img[^>]+src="{re.escape(image)}"', page), page[page.index("<main") :][:1500]
    assert (dest / "_site" / image.removeprefix("/mm").removeprefix("/blog").lstrip("/").replace("%20", " ")).is_file()


def jekyll_dates() -> list[tuple[str, str, str]]:
    """(zone, text, what Jekyll 4.3 gives) rows recorded by tests/tools/record_jekyll_dates.rb."""
    lines = (HERE / "data/jekyll_dates.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t")) for line in lines if line and not line.startswith("#")]  # type: ignore[misc]


@pytest.mark.parametrize(("zone", "text", "jekyll"), jekyll_dates())
def test_a_date_written_as_text_is_read_as_jekyll_reads_it(zone: str, text: str, jekyll: str) -> None:
    ours = rules.ruby_time(text, zoneinfo.ZoneInfo(zone))
    if jekyll in ("ERROR", "CLOCK"):  # Jekyll stops, or dates it by the day it builds: no date to keep
        assert ours is None
    else:
        assert ours is not None and ours.isoformat(timespec="microseconds") == jekyll


def test_posts_and_documents_are_dated_as_jekyll_dates_them(tmp_path: Path) -> None:
    """Jekyll's URLs hold each date's day, hour and minute in the site's zone (/:year/:month/:day/:hour:minute/)."""
    dest, report, _ = imported(tmp_path, HERE / "fixtures/jekyll/dates-zone")
    zone = load_config(dest).zone
    jekyll = json.loads((URLS / "dates-zone.json").read_text(encoding="utf-8"))
    assert set(jekyll) == carried(report) and not report.not_carried
    for rel, (url, output) in jekyll.items():
        expected = re.search(r"/\d{4}/\d{2}/\d{2}/\d{4}/", url)
        assert expected, url
        if rel.startswith("_notes/"):  # a page: mathpress reads its `date:`, no page shows it
            note = dest / "content" / rel.removeprefix("_")
            doc = parse_document(Source(note.relative_to(dest).as_posix(), note.read_text(encoding="utf-8"), ""))
            date = read_meta(doc, "", zone, "").date
            assert date is not None or "date" not in yaml.safe_load(
                (HERE / "fixtures/jekyll/dates-zone" / rel).read_text().split("---")[1]
            )
        else:
            shown = re.search(r'<time datetime="([^"]+)"', (dest / "_site" / output).read_text(encoding="utf-8"))
            date = dt.datetime.fromisoformat(shown[1]) if shown else None
        if date is not None:
            assert date.astimezone(zone).strftime("/%Y/%m/%d/%H%M/") == expected[0], rel
    lines = "\n".join(report.translated)
    assert (
        "_posts/2017-06-27-zoneless.md:3: `date: 2017-06-27 04:00:00` has no zone: Jekyll's YAML reads it as "
        "UTC, 2017-06-26 21:00 in America/Los_Angeles → `date:`" in lines
    )
    assert (
        "_posts/2017-02-30-past-the-month.md: Jekyll reads the file name's date 2017-02-30 as 2017-03-02 → "
        "2017-03-02-past-the-month" in lines
    )
    assert "_posts/2019-14-11-not-a-date.md: the file name's 2019-14-11 is not a date; Jekyll dates the post by " \
        "its front matter → 2019-11-14-not-a-date" in lines  # fmt: skip
    assert (dest / "content/posts/2016-3-3-one-digit-month.md").is_file()  # its name kept: {% post_url %} finds it
    text = (dest / "content/posts/2017-06-27-zoneless.md").read_text(encoding="utf-8")
    assert "\njekyll_date: 2017-06-27 04:00:00\n" in text and '\ndate: "2017-06-26T21:00:00-07:00"\n' in text


def test_a_date_jekyll_cannot_read_leaves_the_file_names_date_and_is_reported(tmp_path: Path) -> None:
    """Jekyll 4.3 stops on it: "Invalid date '07/19/2017': Document '_posts/…' does not have a valid date"."""
    src = jekyll_site(
        tmp_path / "src", {"_config.yml": "title: T\n", "_posts/2017-07-19-us.md": "---\ndate: 07/19/2017\n---\nUS.\n"}
    )
    dest = tmp_path / "site"
    report = import_site(src, dest, DEPLOY)
    assert [str(d) for d in report.not_carried] == [
        "_posts/2017-07-19-us.md:2: warning: `date: 07/19/2017` is not a date Jekyll reads (its build stops); the file "
        "name's date stands (2017-07-19 00:00 in UTC), the value kept as `jekyll_date`"
    ]
    build_site(dest)
    assert (dest / "_site/2017/07/19/us.html").is_file()


def test_the_report_groups_items_by_kind_what_is_lost_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    posts = {f"_posts/2020-01-{n:02}-p{n}.md": f"---\ntitle: P{n}\ntoc: true\n{'comments: true' * (n < 3)}\n---\n"
             f"{{% gist {n} %}}\n" for n in range(1, 6)}  # fmt: skip
    src = jekyll_site(
        tmp_path / "src", {"_config.yml": "title: T\nplugins: [x]\n", "about.md": "---\nlayout: x\n---\n", **posts}
    )
    assert main(["import", str(src), str(tmp_path / "out"), "--requirement", "mathpress==0.1.0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:10] == [
        "not carried: settings and theme files (mathpress's own theme shows the site) (2 items):",
        "  _config.yml:2: `plugins` not carried: plugins do not run in mathpress",
        "  about.md:2: layout `x` not carried: shown with mathpress's `page` layout",
        "kept, though mathpress's theme does not show them (7 items):",
        "  front matter kept for templates: toc (5 posts), comments (2 posts)",
        "translated (1 item):",
        "  _config.yml: permalink date → /:categories/:year/:month/:day/:title:output_ext",
        "already in the site, accepted by the baseline (5 items):",
        "  `…` is a plugin's tag mathpress cannot render; left a link to it: {% gist %} (5 posts)",
    ]


@pytest.mark.parametrize("name", ["nav-header-pages", "nav-sidebar", "nav-data"])
def test_the_sites_navigation_becomes_the_menu_and_the_header_shows_jekylls_links(tmp_path: Path, name: str) -> None:
    """tests/data/jekyll_urls/NAME.nav.json: the links Jekyll's own build of the fixture shows in its <nav>."""
    dest, report, _ = imported(tmp_path, HERE / "fixtures/jekyll" / name)
    site = yaml.safe_load((dest / "site.yml").read_text(encoding="utf-8"))
    jekyll = json.loads((URLS / f"{name}.nav.json").read_text(encoding="utf-8"))
    base = "/" + str(site.get("base_url", "")).strip("/")
    shown = [(text, href) for text, href in jekyll if not (text == site["title"] and href in ("/", base + "/"))]
    assert [(item["title"], item["url"]) for item in site["menu"]] == [
        (text, href.removeprefix(base.rstrip("/")) or "/") for text, href in shown
    ]
    post = json.loads((URLS / f"{name}.json").read_text(encoding="utf-8"))["_posts/2020-01-01-a-post.md"][1]
    page = (dest / "_site" / post).read_text(encoding="utf-8")
    header = re.search(r'<nav aria-label="Site">(.*?)</nav>', page, re.S)
    assert header and re.findall(r'<a href="([^"]+)">([^<]+)</a>', header[1]) == [(h, t) for t, h in shown]
    assert any("→ site.yml `menu`" in line for line in report.translated)


def test_a_site_without_a_menu_keeps_every_page_in_the_header(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"site.yml": "title: T\n", "content/about.md": "---\ntitle: About\n---\nA.\n"})
    build_site(site)
    header = re.search(r'<nav aria-label="Site">(.*?)</nav>', (site / "_site/index.html").read_text("utf-8"), re.S)
    assert header and re.findall(r">([^<]+)</a>", header[1]) == ["About", "Archive", "Tags", "Feed"]
    (site / "site.yml").write_text(
        "title: T\nmenu:\n  - title: Me\n    url: /about/\n  - title: Code\n    url: https://example.org/\n", "utf-8"
    )
    build_site(site)
    header = re.search(r'<nav aria-label="Site">(.*?)</nav>', (site / "_site/index.html").read_text("utf-8"), re.S)
    assert header and re.findall(r'<a href="([^"]+)">([^<]+)</a>', header[1]) == [
        ("/about/", "Me"),
        ("https://example.org/", "Code"),
    ]


@pytest.mark.parametrize(
    ("menu", "message"),
    [
        ("menu: /about/", "site.yml:2:1: `menu` must be a list of links, each `- title: About` and `url: /about/`"),
        ("menu:\n  - title: About\n", "site.yml:2:1: `menu` item 1 must have a `title` and a `url`, and nothing else"),
        (
            "menu:\n  - title: About\n    url: about/\n",
            "site.yml:2:1: `menu` item 1: give a title, and a url that is a site path (/about/) or a full URL",
        ),
    ],
)
def test_a_menu_that_is_not_a_list_of_links_is_an_error_at_its_line(tmp_path: Path, menu: str, message: str) -> None:
    site = make_site(tmp_path, {"site.yml": f"title: T\n{menu}\n"})
    with pytest.raises(SourceError) as caught:
        load_config(site)
    assert str(caught.value.diagnostic) == message


def test_macros_of_every_layout_are_the_sites(tmp_path: Path) -> None:
    """A course site (gwgundersen.github.io) gives each course's layout its own MathJax 2 macros, some as lists of
    one (no arguments): every layout's macros are the site's; one defined otherwise keeps the first, reported."""
    config = (
        "<script type='text/x-mathjax-config'>\nMathJax.Hub.Config({{ TeX: {{ Macros: {{ {} }} }} }});\n</script>\n"
    )
    src = jekyll_site(
        tmp_path / "src",
        {
            "_config.yml": "title: T\n",
            "_posts/2020-01-01-a.md": "---\ntitle: A\nlayout: a\n---\n$$X \\independent Y \\coloneqq \\vec{u}$$\n",
            "_layouts/a.html": config.format('coloneqq: ["{\\\\mathrel{:}=}"],\n independent: ["{\\\\perp}"]'),
            "_layouts/b.html": config.format('vec: ["{\\\\mathbf{#1}}", 1], independent: "\\\\bot"'),
        },
    )
    report = import_site(src, tmp_path / "out", DEPLOY)
    site = yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))
    assert site["math"]["macros"] == {
        "coloneqq": "{\\mathrel{:}=}",
        "independent": "{\\perp}",
        "vec": ["{\\mathbf{#1}}", 1],
    }
    twice = "_layouts/b.html: warning: MathJax macro \\independent is defined otherwise in another file: math.macros"
    assert twice + " keeps the first" in [str(d) for d in report.not_carried]
    assert [d.message for d in build_site(tmp_path / "out").diagnostics] == []


def test_a_site_that_loads_katex_gets_katexs_macros(tmp_path: Path) -> None:
    """Posts written for KaTeX use its aliases (\\R, \\exist): MathJax gets them as site macros, so nothing is red."""
    post = "---\ntitle: K\n---\n$\\forall x \\in \\R, \\exist y$ and $\\llbracket a \\rrbracket$\n"
    layout = '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css">{{ content }}'
    files = {"_config.yml": "title: T\n", "_posts/2020-01-01-k.md": post}
    src = jekyll_site(tmp_path / "katex", {**files, "_layouts/default.html": layout})
    import_site(src, tmp_path / "out", DEPLOY)
    macros = yaml.safe_load((tmp_path / "out/site.yml").read_text(encoding="utf-8"))["math"]["macros"]
    assert macros["R"] == r"\mathbb{R}" and macros["exist"] == r"\exists" and "llbracket" in macros
    report = build_site(tmp_path / "out")
    assert not [d for d in report.diagnostics if "exist" in d.message or "\\R" in d.message], report.diagnostics
    plain = jekyll_site(tmp_path / "plain", files)  # no KaTeX anywhere: no KaTeX aliases
    import_site(plain, tmp_path / "out2", DEPLOY)
    site = yaml.safe_load((tmp_path / "out2/site.yml").read_text(encoding="utf-8"))
    assert "R" not in site.get("math", {}).get("macros", {})


def test_chirpys_categories_tab_lists_each_categorys_posts(tmp_path: Path) -> None:
    """chirpy links each category to jekyll-archives' page of it, which GitHub Pages does not build: the
    stand-in lists the posts under each name, so the reader reaches every post from the tab."""
    config = "title: T\ntheme: jekyll-theme-chirpy\ncollections:\n  tabs:\n    output: true\n    permalink: /:title/\n"
    files = {
        "_config.yml": config,
        "_tabs/categories.md": "---\nlayout: categories\ntitle: Categories\n---\n",
        "_posts/2020-01-01-a.md": "---\ntitle: Alpha post\ncategories: [Math]\n---\nA\n",
        "_posts/2020-01-02-b.md": "---\ntitle: Beta post\ncategories: [Math, AI]\n---\nB\n",
    }
    src = jekyll_site(tmp_path / "src", files)
    import_site(src, tmp_path / "out", DEPLOY)
    build_site(tmp_path / "out")
    page = (tmp_path / "out/_site/categories/index.html").read_text(encoding="utf-8")
    main = page[page.index("<main") :]
    assert re.findall(r"<h2[^>]*>([^<]*)</h2>", main) == ["AI (1)", "Math (2)"]
    assert main.count(">Beta post</a>") == 2 and main.count(">Alpha post</a>") == 1
