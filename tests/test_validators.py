"""Real validators on the built demo blog and on a site made by `init`.

Nu HTML Checker (vnu.jar), axe-core in headless Chromium, a link check over the files
(mathpress.verify) and a crawl over HTTP, the Atom feed, the sitemap, the head tags that
search engines and social sites read, and the 404 page at any depth. Java and Chromium
tests are marked `browser`; install their tools with `bash tests/install_deps.sh`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from mathpress import verify
from mathpress.cli import main as cli
from mathpress.pipeline import BuildOptions, build
from tests.conftest import NOW, make_site

REPO = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO / "tests" / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
LOCAL_MATHJAX = "/_mathjax3/es5/tex-chtml.js"  # tests/browser.py serves it; nothing remote is fetched
ORIGIN = "https://hanako-sato.github.io"
MATH_POST = "2018/03/08/sigmoid-differential/"
CODE_POST = "2021/05/02/checking-derivatives-numerically/"
ATOM = "{http://www.w3.org/2005/Atom}"

# Problems tolerated because their fix lies outside the theme: none left. A problem added
# here must name the file where it is to be fixed.
KNOWN_FEED_CODES: set[str] = set()
KNOWN_VNU: set[tuple[str, str]] = set()
KNOWN_AXE: set[tuple[str, str, str]] = set()


# -- sites -----------------------------------------------------------------------------------


def copy_demo(target: Path) -> Path:
    """This repository's demo blog, copied, with MathJax loaded from the local test server."""
    shutil.copytree(REPO / "content", target / "content")
    settings = yaml.safe_load((REPO / "site.yml").read_text(encoding="utf-8"))
    settings.setdefault("math", {})["mathjax_url"] = LOCAL_MATHJAX
    text = yaml.safe_dump(settings, allow_unicode=True, sort_keys=False)
    (target / "site.yml").write_text(text, encoding="utf-8")
    return target


def build_into(source: Path, output: Path, base_url: str | None = None, strict: bool = False) -> Path:
    """Build a site with a fixed clock into output."""
    build(BuildOptions(source=source, output=output, base_url=base_url, now=NOW, jobs=1, strict=strict))
    return output


@pytest.fixture(scope="module")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo blog's sources."""
    return copy_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture(scope="module")
def demo(demo_source: Path) -> Path:
    """The demo blog built as site.yml says (base /mathpress/)."""
    return build_into(demo_source, demo_source.parent / "out-default")


@pytest.fixture(scope="module")
def demo_at_root(demo_source: Path) -> Path:
    """The demo blog built for a user site (base /)."""
    return build_into(demo_source, demo_source.parent / "out-root", "/")


@pytest.fixture(scope="module")
def demo_at_repo(demo_source: Path) -> Path:
    """The demo blog built for a project site (base /repo/), as the browser tests serve it."""
    return build_into(demo_source, demo_source.parent / "out-repo", "/repo/")


@pytest.fixture(scope="module")
def init_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site made by `mathpress init`, built with --strict; returns its output folder."""
    folder = tmp_path_factory.mktemp("init") / "my-notes"
    assert cli(["init", str(folder)]) == 0
    return build_into(folder, folder / "_site", strict=True)


def html_files(output: Path) -> list[Path]:
    """Every HTML page of an output folder."""
    return sorted(output.rglob("*.html"))


def problems_of(output: Path, base_url: str | None = None, allowed: set[str] | None = None) -> list[str]:
    """mathpress.verify's problems, less the tolerated codes."""
    report = verify.check_output(output, base_url)
    assert report.pages > 5 and report.links > 50, "the check looked at almost nothing"
    local_mathjax = f"<script src> {LOCAL_MATHJAX}"  # the test server has it, the output does not
    return [
        str(p) for p in report.problems if p.code not in (allowed or set()) and not p.message.startswith(local_mathjax)
    ]


# -- what search engines and social sites read ----------------------------------------------


def test_every_page_has_lang_canonical_description_and_cards(demo: Path) -> None:
    """<html lang>, an absolute canonical URL, a plain-text description and social cards on every page."""
    pages = {p.relative_to(demo).as_posix(): verify.parse_page(p.read_text("utf-8")) for p in html_files(demo)}
    assert len(pages) >= 15
    for rel, page in pages.items():
        meta = dict(page.meta)
        assert page.lang in ("en", "ja"), rel  # a post's `lang:` front matter wins
        assert page.canonical.startswith(ORIGIN + "/mathpress/"), rel
        assert meta["og:url"] == page.canonical, rel
        assert page.description and not verify.MARKUP.search(page.description), rel
        assert meta["og:description"] == page.description, rel
        assert meta["og:title"] and meta["og:site_name"] == "Sato's Math Notes", rel
        assert meta["twitter:card"] in ("summary", "summary_large_image"), rel
        assert meta["og:type"] == ("article" if rel[:2] == "20" else "website"), rel


def test_posts_have_absolute_cover_image_and_blog_posting(demo: Path) -> None:
    """og:image is an absolute URL of a built file; JSON-LD BlogPosting has what Google reads."""
    output = verify.read_output(demo)
    address = verify.find_address(output)
    posts = {rel: page for rel, page in output.pages.items() if rel.startswith("20")}
    assert len(posts) == 5
    for rel, page in posts.items():
        meta = dict(page.meta)
        image = meta["og:image"]
        assert image.startswith(ORIGIN + "/mathpress/assets/images/cover/"), rel
        assert verify.target_file(output, address, image)[0] in output.files, rel
        assert meta["twitter:card"] == "summary_large_image"
        (block,) = page.jsonld
        data = json.loads(block)
        assert data["@type"] == "BlogPosting" and data["@context"] == "https://schema.org"
        assert data["headline"] and data["headline"] in page.title
        assert data["image"] == image and data["url"] == page.canonical
        assert data["datePublished"].startswith(rel[:4]) and data["dateModified"]
        assert data["author"] == {"@type": "Person", "name": "Hanako Sato"}
        tags = [value for key, value in page.meta if key == "article:tag"]
        assert data["keywords"] == ", ".join(tags) and tags


def test_head_values_are_escaped_and_description_keeps_math_as_tex(tmp_path: Path) -> None:
    """Quotes, <, & and math in titles, tags and excerpts survive as text (and JSON-LD stays JSON)."""
    title = "Why \"<b>\" & </script> 'break' things"
    post = (
        f"---\ntitle: '{title.replace(chr(39), chr(39) * 2)}'\ntags: ['<i>x</i>', 'a&b']\n---\n\n"
        "The map $x \\mapsto \\alpha x^2 < 1$ is *small*.\n\nMore.\n"
    )
    root = make_site(tmp_path / "s", {"content/posts/2024-01-02-x.md": post})
    build_into(root, root / "_site")
    html = (root / "_site/2024/01/02/x/index.html").read_text("utf-8")
    page = verify.parse_page(html)
    assert page.title.startswith(title)
    assert page.description.startswith("The map x \\mapsto \\alpha x^2 < 1 is small")
    data = json.loads(page.jsonld[0])
    assert data["headline"] == title and data["keywords"] == "<i>x</i>, a&b"
    assert "</script> 'break'" not in html.split("<body", 1)[0]  # never raw in the head
    assert list(verify.check_head("x", page)) == []


def test_lang_front_matter_sets_the_page_language(tmp_path: Path) -> None:
    """`lang: ja` on a post makes <html lang="ja"> there; other pages keep the site's language."""
    root = make_site(
        tmp_path / "s",
        {
            "site.yml": "title: T\nurl: https://example.org\nlanguage: en-GB\n",
            "content/posts/2024-01-02-a.md": "---\nlang: ja\n---\n\n日本語の本文。\n",
            "content/posts/2024-01-03-b.md": "English text.\n",
        },
    )
    build_into(root, root / "_site")
    lang = {
        rel: verify.parse_page((root / "_site" / rel).read_text("utf-8")).lang
        for rel in ("2024/01/02/a/index.html", "2024/01/03/b/index.html", "index.html")
    }
    assert lang == {"2024/01/02/a/index.html": "ja", "2024/01/03/b/index.html": "en-GB", "index.html": "en-GB"}


# -- files: symlinks, links, fragments --------------------------------------------------------


def test_output_has_no_symlinks_even_when_content_has_one(tmp_path: Path) -> None:
    """A symlink in content/ (to a file inside the site) is published as a copy of the bytes."""
    root = make_site(tmp_path / "s", {"content/files/data.csv": "x,y\n1,2\n", "content/about.md": "# About\n"})
    (root / "content/files/latest.csv").symlink_to("data.csv")
    build_into(root, root / "_site")
    copy = root / "_site/files/latest.csv"
    assert copy.is_file() and not copy.is_symlink()
    assert copy.read_bytes() == b"x,y\n1,2\n"
    assert list(verify.check_symlinks(root / "_site")) == []
    found = [p for p in (root / "_site").rglob("*") if p.is_symlink()]
    assert found == []


def test_demo_output_has_no_symlinks(demo: Path) -> None:
    """GitHub Pages rejects artifacts with symlinks."""
    assert [p for p in demo.rglob("*") if p.is_symlink()] == []


@pytest.mark.parametrize(
    ("fixture", "base_url"),
    [("demo", None), ("demo_at_root", None), ("demo_at_repo", None), ("demo_at_repo", "/repo/")],
)
def test_every_link_resolves_to_a_file(fixture: str, base_url: str | None, request: pytest.FixtureRequest) -> None:
    """Every href/src/srcset (and og:image, canonical, CSS url()) points at a file; #ids exist."""
    output: Path = request.getfixturevalue(fixture)
    assert problems_of(output, base_url, KNOWN_FEED_CODES) == []


def test_a_build_for_a_full_base_url_checks_clean(demo_source: Path) -> None:
    """configure-pages gives `https://user.github.io/repo`: the build takes it whole."""
    output = build_into(demo_source, demo_source.parent / "out-full", "https://u.github.io/repo/")
    index = verify.parse_page((output / "index.html").read_text("utf-8"))
    assert index.canonical == "https://u.github.io/repo/"
    assert problems_of(output, None, KNOWN_FEED_CODES) == []


def test_the_check_finds_what_is_broken(demo_at_repo: Path, tmp_path: Path) -> None:
    """Break the output on purpose: every check must notice."""
    broken = tmp_path / "broken"
    shutil.copytree(demo_at_repo, broken, symlinks=True)
    (broken / "assets/css/highlight.css").unlink()
    (broken / "assets/x.css").symlink_to("css/style.css")
    post = broken / MATH_POST / "index.html"
    post.write_text(
        post.read_text("utf-8").replace("</main>", '<a href="#nowhere">x</a><a href="../../none/">y</a></main>')
    )
    feed = broken / "feed.xml"
    feed.write_text(
        feed.read_text("utf-8").replace("<updated>", "<updatedx>", 1).replace("&lt;p&gt;", '&lt;a href="/x"&gt;', 1)
    )
    (broken / "sitemap.xml").write_text("<urlset>")
    found = {(p.file, p.code) for p in verify.check_output(broken, "/repo/").problems}
    assert {
        ("assets/x.css", "symlink"),
        ("index.html", "link"),  # the stylesheet link to highlight.css
        (MATH_POST + "index.html", "link"),
        ("feed.xml", "xml"),
        ("sitemap.xml", "xml"),
    } <= found
    assert verify.main([str(broken), "--base-url", "/repo/"]) == 1
    assert verify.main([str(demo_at_repo / "missing")]) == 2


HEAD_CODES = {"head-lang", "head-title", "head-canonical", "head-description"}


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ('<div class="slide">A slide a post includes, <a href="#x">x</a></div>\n', {"link"}),
        ("google-site-verification: google0123.html\n", set()),
        ("<!doctype html><p>a page with no head</p>", HEAD_CODES),
        ("<html><body>no lang</body></html>", HEAD_CODES),
    ],
)
def test_head_checks_are_for_whole_pages_not_fragments(tmp_path: Path, text: str, codes: set[str]) -> None:
    """A static HTML fragment (an include_relative source, a search engine's verification file) is no page."""
    (tmp_path / "part.html").write_text(text, encoding="utf-8")
    assert {p.code for p in verify.check_output(tmp_path).problems if p.file == "part.html"} == codes


def test_the_feed_check_finds_what_is_incomplete(demo: Path, tmp_path: Path) -> None:
    """An entry without id, a root-relative link and TeX left in the feed are problems."""
    output = tmp_path / "out"
    shutil.copytree(demo, output)
    feed = output / "feed.xml"
    text = feed.read_text("utf-8")
    text = text.replace("<id>", "<idx>", 2).replace("</id>", "</idx>", 2)
    text = text.replace("&lt;p&gt;", '&lt;p&gt;&lt;a href="/mathpress/about/"&gt;a&lt;/a&gt; \\(x\\) ', 1)
    feed.write_text(text)
    messages = [p.message for p in verify.check_output(output).problems if p.file == "feed.xml"]
    assert "the feed has no <id>" in messages
    assert any(m.endswith("has no <id>") and m.startswith("entry 1") for m in messages)
    assert any("href='/mathpress/about/' is not absolute" in m for m in messages)
    assert any("math left as TeX" in m for m in messages)


# -- over HTTP ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("fixture", "prefix"), [("demo_at_root", "/"), ("demo_at_repo", "/repo/")])
def test_crawl_over_http_from_the_index(fixture: str, prefix: str, request: pytest.FixtureRequest) -> None:
    """Follow every link from the index on a local server: all answer 200, all #fragments exist."""
    from tests.browser import serve_directory

    output: Path = request.getfixturevalue(fixture)
    with serve_directory(output, prefix) as base:
        result = verify.crawl(base)
    assert [str(p) for p in result.problems] == []
    pages = len(html_files(output)) - 1  # every page but 404.html is linked from somewhere
    assert result.pages >= pages and result.visited > pages + 20


def test_crawl_reports_a_dead_link_and_a_lost_fragment(demo_at_repo: Path, tmp_path: Path) -> None:
    """The crawler can fail."""
    from tests.browser import serve_directory

    output = tmp_path / "out"
    shutil.copytree(demo_at_repo, output)
    index = output / "index.html"
    index.write_text(
        index.read_text("utf-8").replace("</main>", '<a href="gone/">a</a><a href="about/#nope">b</a></main>')
    )
    with serve_directory(output, "/repo/") as base:
        found = {(p.code, p.file.split("/repo/", 1)[1]) for p in verify.crawl(base).problems}
    assert found == {("http", "gone/"), ("http-fragment", "")}


# -- feed and sitemap -------------------------------------------------------------------------


def entries(output: Path) -> list[ET.Element]:
    """The feed's entries."""
    return ET.parse(output / "feed.xml").getroot().findall(ATOM + "entry")


def test_feed_is_complete_with_mathml_and_absolute_links(demo: Path) -> None:
    """Feed id/updated/author/self link; per entry id/updated/title/link; MathML, no TeX, absolute URLs."""
    feed = ET.parse(demo / "feed.xml").getroot()
    assert feed.findtext(ATOM + "id") == ORIGIN + "/mathpress/"
    assert feed.findtext(ATOM + "updated") and feed.findtext(f"{ATOM}author/{ATOM}name") == "Hanako Sato"
    assert [link.get("href") for link in feed.findall(ATOM + "link") if link.get("rel") == "self"] == [
        ORIGIN + "/mathpress/feed.xml"
    ]
    items = entries(demo)
    assert len(items) == 5
    for entry in items:
        for name in ("id", "updated", "title"):
            assert entry.findtext(ATOM + name), name
        link = entry.find(ATOM + "link")
        assert link is not None and link.get("href", "").startswith(ORIGIN + "/mathpress/20")
        content = entry.findtext(ATOM + "content") or ""
        assert 'href="/' not in content and 'src="/' not in content and "\\(" not in content
    math = [e.findtext(ATOM + "content") or "" for e in items if "sigmoid" in (e.findtext(ATOM + "id") or "")]
    assert "<math" in math[0] and 'class="math' not in math[0]
    problems = [p for p in verify.check_feed(verify.read_output(demo), verify.find_address(verify.read_output(demo)))]
    assert [str(p) for p in problems if p.code not in KNOWN_FEED_CODES] == []


def test_feed_entry_ids_are_stable_across_builds(demo_source: Path, demo: Path) -> None:
    """A second build from scratch gives every entry the same id (readers would show it twice)."""
    again = build_into(demo_source, demo_source.parent / "out-again")
    first = [e.findtext(ATOM + "id") for e in entries(demo)]
    assert first == [e.findtext(ATOM + "id") for e in entries(again)]
    assert len(set(first)) == len(first) == 5


def test_sitemap_lists_every_page_with_absolute_urls(demo: Path) -> None:
    """Every loc is absolute and built; every generated page is listed."""
    root = ET.parse(demo / "sitemap.xml").getroot()
    locs = [loc.text or "" for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(locs) >= 15 and all(loc.startswith(ORIGIN + "/mathpress/") for loc in locs)
    output = verify.read_output(demo)
    assert list(verify.check_sitemap(output, verify.find_address(output))) == []
    assert list(verify.check_robots(output, verify.find_address(output))) == []


# -- the site `init` makes --------------------------------------------------------------------


def test_init_site_checks_clean(init_site: Path) -> None:
    """Links, head tags, feed and sitemap of a brand-new site."""
    report = verify.check_output(init_site)
    assert [str(p) for p in report.problems] == []
    assert report.address == verify.Address("https://example.github.io", "/")
    assert len(entries(init_site)) == 1


def test_init_site_crawls_clean(init_site: Path) -> None:
    """Served at /, every link answers."""
    from tests.browser import serve_directory

    with serve_directory(init_site, "/") as base:
        assert verify.crawl(base).problems == ()


# -- Nu HTML Checker ----------------------------------------------------------------------------


def run_vnu(files: list[Path]) -> list[dict[str, Any]]:
    """vnu.jar's error messages for these files (one Java start for all)."""
    if not VNU_JAR.is_file() or not shutil.which("java"):
        pytest.skip("vnu.jar or java missing: run bash tests/install_deps.sh")
    args = ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    messages: list[dict[str, Any]] = json.loads(result.stderr)["messages"]
    assert (result.returncode == 0) == (messages == []), result.stderr[:2000]
    return messages


@pytest.fixture(scope="module")
def vnu_messages(demo: Path, init_site: Path) -> dict[tuple[str, str], int]:
    """Every vnu error of both sites: (site/page, message) → count."""
    found: dict[tuple[str, str], int] = {}
    for message in run_vnu(html_files(demo) + html_files(init_site)):
        path = Path(message["url"].removeprefix("file:"))
        site, root = ("demo", demo) if path.is_relative_to(demo) else ("init", init_site)
        key = (f"{site}:{path.relative_to(root).as_posix()}", message["message"])
        found[key] = found.get(key, 0) + 1
    return found


@pytest.mark.browser
def test_nu_html_checker_finds_no_error_on_any_demo_page(vnu_messages: dict[tuple[str, str], int]) -> None:
    """Zero errors on every page (the only one left comes from a post body, see KNOWN_VNU)."""
    demo = {(page.removeprefix("demo:"), text) for page, text in vnu_messages if page.startswith("demo:")}
    assert demo - KNOWN_VNU == set()


@pytest.mark.browser
def test_nu_html_checker_finds_no_error_on_the_init_site(vnu_messages: dict[tuple[str, str], int]) -> None:
    """A new site is valid HTML out of the box."""
    assert [key for key in vnu_messages if key[0].startswith("init:")] == []


@pytest.mark.browser
def test_nu_html_checker_can_fail(tmp_path: Path) -> None:
    """A broken page is reported (the checker really runs)."""
    page = tmp_path / "bad.html"
    page.write_text("<!doctype html><html lang=en><title>x</title><p><div></span>", encoding="utf-8")
    assert run_vnu([page])


# -- Chromium: axe-core and the 404 page ------------------------------------------------------


@pytest.fixture(scope="module")
def served_demo(demo_at_repo: Path) -> Iterator[str]:
    """The /repo/ build on a local server (MathJax served locally)."""
    from tests.browser import serve_directory

    with serve_directory(demo_at_repo, "/repo/") as base:
        yield base


AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                 inCode: !!document.querySelector(n.target.join(' '))?.closest('.highlight')})),
  }));
}"""


def axe_violations(browser: Any, url: str, width: int) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of one page, after MathJax typeset it."""
    from tests.browser import typeset

    if not AXE_JS.is_file():
        pytest.skip("axe-core missing: run bash tests/install_deps.sh")
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        report = typeset(page, url)
        assert report.console_errors == [] or report.status == 404, report.console_errors
        assert report.errors == [], report.errors
        page.add_script_tag(path=str(AXE_JS))
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN)
        return violations
    finally:
        page.close()


def unexpected(rel: str, violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Violations not listed in KNOWN_AXE."""
    left = []
    for violation in violations:
        known = (rel, violation["id"], ".highlight") in KNOWN_AXE
        if not (known and all(node["inCode"] for node in violation["nodes"])):
            left.append(violation)
    return left


@pytest.mark.browser
@pytest.mark.parametrize(
    ("rel", "width"),
    [
        ("", 1200),
        (MATH_POST, 1200),
        (MATH_POST, 390),
        (CODE_POST, 1200),
        (CODE_POST, 390),
        ("tags/sigmoid/", 1200),
        ("a/b/c/missing", 1200),
    ],
)
def test_axe_finds_no_serious_violation(rel: str, width: int, served_demo: str, browser_session: Any) -> None:
    """No serious or critical accessibility violation on the index, posts, a tag page and the 404 page."""
    assert unexpected(rel, axe_violations(browser_session, served_demo + rel, width)) == []


@pytest.mark.browser
def test_axe_can_fail(served_demo: str, browser_session: Any) -> None:
    """axe really runs: an image without alt text is critical."""
    page = browser_session.new_page()
    try:
        page.goto(served_demo)
        page.evaluate("document.querySelector('img').removeAttribute('alt')")
        page.add_script_tag(path=str(AXE_JS))
        assert "image-alt" in [v["id"] for v in page.evaluate(AXE_RUN)]
    finally:
        page.close()


@pytest.mark.browser
def test_404_three_folders_deep_is_the_styled_404_page(served_demo: str, browser_session: Any) -> None:
    """A missing page under /repo/a/b/c/ gets the 404 page with its stylesheet loaded."""
    page = browser_session.new_page()
    css: dict[str, int] = {}
    page.on("response", lambda r: css.__setitem__(r.url, r.status) if r.url.endswith(".css") else None)
    try:
        response = page.goto(served_demo + "a/b/c/missing")
        assert response is not None and response.status == 404
        assert page.title().startswith("Page not found")
        assert css == {served_demo + "assets/css/style.css": 200, served_demo + "assets/css/highlight.css": 200}
        header = "getComputedStyle(document.querySelector('.site-header')).borderBottomStyle"
        assert page.evaluate(header) == "solid"  # style.css applied, not just fetched
        assert page.evaluate("document.querySelector('a.site-title').href") == served_demo
    finally:
        page.close()


# -- known problems whose fix lies outside the theme (an XPASS means: delete the entry) ----------


def test_known_feed_fragment_links_are_gone(demo: Path) -> None:
    """Feed readers ignore xml:base: footnote links must be absolute too."""
    assert problems_of(demo) == []


def test_known_description_spacing_is_gone(demo: Path) -> None:
    """A description reads like the text: no space before punctuation after <strong>, <em>, <code>."""
    about = verify.parse_page((demo / "about/index.html").read_text("utf-8"))
    assert about.description and " ," not in about.description and " ." not in about.description


@pytest.mark.browser
def test_known_vnu_heading_error_is_gone(vnu_messages: dict[tuple[str, str], int]) -> None:
    """The demo site has no vnu error at all."""
    assert vnu_messages == {}


@pytest.mark.browser
def test_known_code_contrast_is_gone(served_demo: str, browser_session: Any) -> None:
    """The code post has no serious axe violation at all."""
    assert axe_violations(browser_session, served_demo + CODE_POST, 1200) == []
