"""The site's own address: `build` writes site.yml's url, `serve` the server's (as `jekyll serve`), and `check`
and the dev server treat absolute links and images on the site's own host as internal."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from mathpress import verify
from mathpress.cli import main as cli
from mathpress.serve import Snapshot, served_here
from tests.conftest import build_site, make_site, read_output
from tests.serve_helpers import Served


def png(width: int, height: int) -> bytes:
    """A real PNG of this size (a browser must be able to decode it)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


FIGURES = "content/posts/2024-01-02-figures.md"
PAGE = "2024/01/02/figures/index.html"
POST = """---
title: Figures
date: 2024-01-02
---

<img id="liquid" src="{{ site.url }}/images/a.png" alt="a">

![markdown]({{ site.github.url }}/images/b.png)

<img id="hard" src="https://example.org/images/a.png" alt="written out">

<a id="other" href="https://other.example/images/missing.png">elsewhere</a>

github: {{ site.github.baseurl }}|{{ site.github.repository_name }}
"""
SITE = {
    "site.yml": "title: Figures\nauthor: Tester\nurl: https://example.org\n"
    "extra:\n  github:\n    repository_name: blog\n",
    FIGURES: POST,
    "content/images/a.png": png(4, 3),
    "content/images/b.png": png(6, 2),
}


def test_build_writes_the_configured_address(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", SITE)
    build_site(root)
    page = read_output(root, PAGE)
    assert '<img id="liquid" src="https://example.org/images/a.png" alt="a">' in page
    assert '<img alt="markdown" src="https://example.org/images/b.png" />' in page
    assert "github: |blog" in page  # github.baseurl of a user site is empty; the config's github keys are kept


def test_site_github_url_carries_the_project_path(tmp_path: Path) -> None:
    root = make_site(
        tmp_path / "site",
        {
            "site.yml": "url: https://u.github.io\nbase_url: /repo/\n",
            FIGURES: "{{ site.github.url }}|{{ site.github.baseurl }}",
        },
    )
    build_site(root)
    assert "https://u.github.io/repo|/repo" in read_output(root, PAGE)


def test_a_github_value_that_is_not_a_mapping_replaces_the_metadata(tmp_path: Path) -> None:
    # al-folio's `github: [metadata]`: jekyll-github-metadata then gives site.github as written (its spec:
    # "with site.github as a non-hash"), so site.github.url is empty there too.
    files = {"site.yml": "url: https://u.github.io\nextra:\n  github: [metadata]\n", FIGURES: "[{{ site.github.url }}]"}
    root = make_site(tmp_path / "site", files)
    build_site(root)
    assert "<p>[]</p>" in read_output(root, PAGE)


def test_check_reports_a_missing_figure_on_the_sites_own_address_at_its_page(tmp_path: Path) -> None:
    body = (
        '<img src="{{ site.url }}/images/a.png" alt="here">\n\n'
        "![gone]({{ site.github.url }}/images/missing.png)\n\n"
        '<img src="http://EXAMPLE.org:80/images/a.png" alt="http, upper case, default port">\n\n'
        '<img src="http://example.org/images/gone.png" alt="http, missing">\n\n'
        '<img src="//example.org/images/a.png" srcset="https://example.org/images/b.png 2x, '
        'https://example.org/images/lost.png 3x" alt="scheme-relative and srcset">\n\n'
        '<img src="https://other.example/images/missing.png" alt="another site">\n\n'
        '<img src="https://example.org.other.example/images/missing.png" alt="a longer host">\n\n'
        '<img src="https://www.example.org/images/missing.png" alt="www is another host">\n'
    )
    root = make_site(tmp_path / "site", {**SITE, FIGURES: f"---\ntitle: Figures\ndate: 2024-01-02\n---\n\n{body}"})
    build_site(root)
    report = verify.check_output(root / "_site")
    assert sorted(str(p) for p in report.problems if p.file == PAGE) == [
        f"{PAGE}: <img src> http://example.org/images/gone.png: no such file [link]",
        f"{PAGE}: <img src> https://example.org/images/missing.png: no such file [link]",
        f"{PAGE}: <img srcset> https://example.org/images/lost.png: no such file [link]",
    ]


def test_check_command_fails_on_a_missing_own_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = POST.replace("/images/b.png", "/images/nowhere.png")
    root = make_site(tmp_path / "site", {**SITE, FIGURES: post})
    build_site(root)
    assert cli(["check", "--source", str(root)]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert errors[0] == f"{PAGE}: <img src> https://example.org/images/nowhere.png: no such file [link]"
    assert len(errors) == 2 and errors[1].startswith("checked ")


def test_check_of_a_project_site_sees_its_base_path(tmp_path: Path) -> None:
    files = {
        "site.yml": "url: https://u.github.io/\nbase_url: /repo\n",
        FIGURES: "---\ntitle: F\ndate: 2024-01-02\n---\n\n"
        '<img src="{{ site.github.url }}/images/a.png" alt="">\n'
        '<img src="https://u.github.io/repo/images/missing.png" alt="">\n'
        '<a href="https://u.github.io/repo">home without the slash</a>\n'
        '<a href="http://u.github.io/repo/">home over http</a>\n',
        "content/images/a.png": png(1, 1),
    }
    root = make_site(tmp_path / "site", files)
    build_site(root)
    problems = [str(p) for p in verify.check_output(root / "_site").problems if p.file == PAGE]
    assert problems == [f"{PAGE}: <img src> https://u.github.io/repo/images/missing.png: no such file [link]"]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.org", "example.org"),
        ("http://example.org:80/", "example.org"),
        ("https://example.org:443", "example.org"),
        ("https://example.org:8443", "example.org:8443"),
        ("example.org", "example.org"),  # some Jekyll configs leave the scheme out
        ("https://www.example.org/blog/", "www.example.org"),
        ("", ""),
    ],
)
def test_site_host(url: str, host: str) -> None:
    assert verify.site_host(url) == host


def test_served_pages_point_the_sites_own_links_at_the_server() -> None:
    page = (
        b"<img src=\"https://u.github.io/repo/a.png\"><img src='http://U.GitHub.io/repo/b.png'>"
        b'<img src=//u.github.io/repo/c.png srcset="https://u.github.io/repo/d.png 2x, '
        b'https://u.github.io/repo/e.png 3x">'
        b'<a href="https://u.github.io/repo">home</a><a href="https://u.github.io/repository/">not ours</a>'
        b'<a href="https://u.github.io/">the user site</a><a href="https://u.github.io.evil/repo/">not ours</a>'
        b"<p>text naming https://u.github.io/repo/x stays</p>"
    )
    snapshot = Snapshot("/repo/", "v", site_url="https://u.github.io")
    served = served_here(page, snapshot, "http://127.0.0.1:8000")
    assert served == (
        b"<img src=\"http://127.0.0.1:8000/repo/a.png\"><img src='http://127.0.0.1:8000/repo/b.png'>"
        b'<img src=http://127.0.0.1:8000/repo/c.png srcset="http://127.0.0.1:8000/repo/d.png 2x, '
        b'http://127.0.0.1:8000/repo/e.png 3x">'
        b'<a href="http://127.0.0.1:8000/repo">home</a><a href="https://u.github.io/repository/">not ours</a>'
        b'<a href="https://u.github.io/">the user site</a><a href="https://u.github.io.evil/repo/">not ours</a>'
        b"<p>text naming https://u.github.io/repo/x stays</p>"
    )
    assert served_here(page, Snapshot("/repo/", "v"), "http://127.0.0.1:8000") == page  # no url in site.yml


# -- the dev server --------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    """The figures site under `mathpress serve`."""
    root = make_site(tmp_path / "site", SITE)
    server = Served(root).wait_ready()
    yield server, root
    server.close()


@pytest.mark.devserver
def test_serve_points_the_sites_address_at_itself(served: tuple[Served, Path]) -> None:
    server, root = served
    here = f"http://127.0.0.1:{server.port}"
    page = server.request("/2024/01/02/figures/").text
    assert f'<img id="liquid" src="{here}/images/a.png" alt="a">' in page  # {{ site.url }}
    assert f'<img alt="markdown" src="{here}/images/b.png" />' in page  # {{ site.github.url }}
    assert f'<img id="hard" src="{here}/images/a.png"' in page  # written out in the post
    assert '<a id="other" href="https://other.example/images/missing.png">' in page
    assert f'<link rel="canonical" href="{here}/2024/01/02/figures/">' in page
    for path in re.findall(rf'src="{re.escape(here)}(/images/[ab]\.png)"', page):
        image = server.request(path)
        assert (image.status, image.headers["content-type"]) == (200, "image/png")
        assert Image.open(io.BytesIO(image.body)).size in ((4, 3), (6, 2))
    assert server.status()["site_url"] == "https://example.org"
    server.close()
    build_site(root)  # the next `build` writes the configured address again
    assert '<img id="liquid" src="https://example.org/images/a.png" alt="a">' in read_output(root, PAGE)


@pytest.mark.devserver
@pytest.mark.browser
def test_figures_on_the_sites_address_load_from_the_dev_server(
    served: tuple[Served, Path], browser_session: object
) -> None:
    from playwright.sync_api import Browser, Route

    assert isinstance(browser_session, Browser)
    server, _ = served
    context = browser_session.new_context()
    outside: list[str] = []

    def local_only(route: Route) -> None:
        if re.match(r"https?://127\.0\.0\.1:", route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    try:
        page = context.new_page()
        page.route("**/*", local_only)
        page.goto(f"http://127.0.0.1:{server.port}/2024/01/02/figures/", wait_until="load")
        widths = page.eval_on_selector_all(
            ".post-body img", "images => images.map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])"
        )
    finally:
        context.close()
    here = f"http://127.0.0.1:{server.port}"
    assert widths == [
        [f"{here}/images/a.png", True, 4],
        [f"{here}/images/b.png", True, 6],
        [f"{here}/images/a.png", True, 4],
    ]
    assert not [url for url in outside if "example.org" in url]


def test_a_canonical_link_without_a_scheme_names_no_address(tmp_path: Path) -> None:
    # A Jekyll config's `url: u.github.io` (no scheme) makes every canonical link relative: `u.github.io/`.
    out = tmp_path / "_site"
    out.mkdir()
    (out / "index.html").write_text('<link rel="canonical" href="u.github.io/"><a href="about/">About</a>')
    (out / "about").mkdir()
    (out / "about" / "index.html").write_text('<link rel="canonical" href="u.github.io/about/">')
    report = verify.check_output(out)
    assert report.address == verify.Address("", "/")
    assert sorted(str(p) for p in report.problems if p.code == "link") == [  # relative URLs, as a browser reads them
        "about/index.html: <link href> u.github.io/about/: no such file [link]",
        "index.html: <link href> u.github.io/: no such file [link]",
    ]
