"""The core pipeline on real sites built in temporary folders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mathpress.cli import main
from mathpress.errors import BuildFailed, UsageError
from tests.conftest import NOW, build_site, make_site, read_output

POST = "---\ntitle: {title}\ndate: {date}\n---\n\nBody of {title}.\n"


def post(title: str, date: str = "2024-01-02", extra: str = "") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n\nBody of {title}.\n"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2018-03-08", "2018-03-08T00:00:00+09:00"),
        ("2018-03-08 1:00:00", "2018-03-08T01:00:00+09:00"),
        ("2024-01-02T10:00:00+09:00", "2024-01-02T10:00:00+09:00"),
        ("2024-01-02 10:00:00 +0800", "2024-01-02T10:00:00+08:00"),
        ("2015-10-20 11:12:00-0400", "2015-10-20T11:12:00-04:00"),
        ("2021-01-05  9:00:00", "2021-01-05T09:00:00+09:00"),
    ],
)
def test_dates_in_every_form_real_posts_use(tmp_path: Path, written: str, expected: str) -> None:
    root = make_site(
        tmp_path,
        {
            "site.yml": "title: T\ntimezone: Asia/Tokyo\nurl: https://e.org\n",
            "content/posts/2000-01-01-a.md": f"---\ntitle: A\ndate: {written}\n---\nText.\n",
        },
    )
    build_site(root)
    page = next((root / "_site").glob("*/*/*/a/index.html")).read_text()
    assert f'datetime="{expected}"' in page


def test_file_name_date_and_title_from_slug(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2019-05-06-hello-world.md": "No front matter at all.\n"})
    build_site(root)
    page = read_output(root, "2019/05/06/hello-world/index.html")
    assert "<title>Hello World · Test Blog</title>" in page
    assert 'datetime="2019-05-06T00:00:00+00:00"' in page


def test_tags_as_one_string_mean_several(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2018-03-08-s.md": post("S", extra="tags: sigmoid differential\n")})
    build_site(root)
    page = read_output(root, "2024/01/02/s/index.html")
    assert 'href="/tags/sigmoid/"' in page and 'href="/tags/differential/"' in page
    for tag in ("sigmoid", "differential"):
        assert 'href="/2024/01/02/s/">S</a>' in read_output(root, f"tags/{tag}/index.html")


def test_tags_differing_in_case_or_spacing_share_one_page(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-01-a.md": post("A", "2024-01-01", "tags: [Math]\n"),
            "content/posts/2024-01-02-b.md": post("B", "2024-01-02", "tags: [math]\n"),
            "content/posts/2024-01-03-c.md": post("C", "2024-01-03", "tags: [' math ']\n"),
        }
    )
    build_site(root)
    assert [p.name for p in (root / "_site/tags").iterdir() if p.is_dir()] == ["math"]
    listing = read_output(root, "tags/math/index.html")
    assert all(f">{t}</a>" in listing for t in "ABC")


def test_unknown_front_matter_keys_reach_templates(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-a.md": post("A", extra="subtitle: There is more\n"),
            "templates/post.html": "{{ page.front.subtitle }}|{{ page.title }}",
        }
    )
    build_site(root)
    assert read_output(root, "2024/01/02/a/index.html") == "There is more|A"


def test_future_posts_are_left_out_and_named(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2030-01-01-later.md": post("Later", "2030-01-01")})
    report = build_site(root)
    assert report.skipped == ("content/posts/2030-01-01-later.md",)
    assert not (root / "_site/2030").exists()
    assert "Later" not in read_output(root, "feed.xml")
    report = build_site(root, future=True)
    assert "scheduled" in read_output(root, "2030/01/01/later/index.html")


@pytest.mark.parametrize("flag", ["draft: true", "published: false"])
def test_drafts_are_left_out_unless_asked(site, flag: str) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-d.md": post("D", extra=flag + "\n")})
    build_site(root)
    assert not (root / "_site/2024").exists()
    for name in ("feed.xml", "sitemap.xml", "archive/index.html", "index.html"):
        assert "/2024/01/02/d/" not in read_output(root, name)
    build_site(root, drafts=True)
    assert '<span class="badge">draft</span>' in read_output(root, "2024/01/02/d/index.html")


def test_pages_files_and_static(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/about.md": "---\ntitle: About me\n---\nHi.\n",
            "content/notes/index.md": "---\ntitle: Notes\n---\nList.\n",
            "content/files/data.csv": "a,b\n",
            "static/favicon.ico": b"\x00\x01",
        }
    )
    build_site(root)
    out = root / "_site"
    assert "About me" in (out / "about/index.html").read_text()
    assert "List." in (out / "notes/index.html").read_text()
    assert (out / "files/data.csv").read_text() == "a,b\n"
    assert (out / "favicon.ico").read_bytes() == b"\x00\x01"
    for name in (
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "404.html",
        ".nojekyll",
        "tags/index.html",
        "archive/index.html",
    ):
        assert (out / name).exists(), name


def test_unknown_layout_is_a_warning_and_the_default_is_used(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "---\nlayout: distill\ntitle: A\n---\nx\n"})
    report = build_site(root)
    assert [str(d) for d in report.diagnostics] == [
        "content/posts/2024-01-02-a.md:2:1: warning: unknown layout `distill` (known: page, post); using `post`"
    ]
    assert 'class="post"' in read_output(root, "2024/01/02/a/index.html")


def test_base_url_prefixes_every_internal_url(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-a.md": post("A", extra="tags: [t]\ncover: assets/c.svg\n"),
            "content/assets/c.svg": b'<svg xmlns="http://www.w3.org/2000/svg"/>',
            "content/about.md": "About.\n",
        }
    )
    build_site(root, base_url="https://u.github.io/repo/")
    for page in (root / "_site").rglob("*.html"):
        text = page.read_text()
        for url in re.findall(r'(?:href|src)="([^"]+)"', text):
            assert url.startswith(("/repo/", "https://u.github.io/repo/", "#", "https://cdn")), (page, url)
    feed = read_output(root, "feed.xml")
    assert "https://u.github.io/repo/2024/01/02/a/" in feed
    assert "<loc>https://u.github.io/repo/</loc>" in read_output(root, "sitemap.xml")


def test_permalinks_from_config_and_front_matter(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "site.yml": "title: T\npermalink: /blog/:categories/:year/:title.html\n",
            "content/posts/2024-01-02-My-Post.md": post("A", extra="categories: [Math, Notes]\n"),
            "content/posts/2024-01-03-b.md": post("B", "2024-01-03", "permalink: /special/\n"),
        }
    )
    build_site(root)
    assert (root / "_site/blog/math/notes/2024/My-Post.html").exists()
    assert (root / "_site/special/index.html").exists()


def test_non_ascii_titles_give_working_urls(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-確率の基礎.md": post("確率の基礎")})
    build_site(root)
    assert (root / "_site/2024/01/02/確率の基礎/index.html").exists()
    index = read_output(root, "index.html")
    assert 'href="/2024/01/02/%E7%A2%BA%E7%8E%87%E3%81%AE%E5%9F%BA%E7%A4%8E/"' in index


def test_two_sources_on_one_url_is_an_error_naming_both(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-same.md": post("One"),
            "content/posts/more/2024-01-02-same.md": post("Two"),
        }
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert [str(d) for d in failure.value.diagnostics] == [
        "content/posts/more/2024-01-02-same.md: /2024/01/02/same/ is also written by content/posts/2024-01-02-same.md"
    ]


def test_a_permalink_clash_blames_the_permalink_at_its_line(site) -> None:  # type: ignore[no-untyped-def]
    # a.md sorts first and holds the default URL; z.md's `permalink:` takes it: z.md is the one to fix.
    root = site(
        {
            "content/posts/2024-01-02-a.md": post("A"),
            "content/posts/2024-01-01-z.md": "---\ntitle: Z\npermalink: /2024/01/02/a/\n---\nz\n",
        }
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert [str(d) for d in failure.value.diagnostics] == [
        "content/posts/2024-01-01-z.md:3:1: /2024/01/02/a/ is also written by content/posts/2024-01-02-a.md"
    ]


def test_a_page_at_a_generated_url_replaces_that_listing(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/tags.md": "---\ntitle: My tags\npermalink: /tags/\n---\nmy own list\n",
            "content/archive.md": "---\ntitle: Old posts\n---\nby year\n",
            "content/posts/2024-01-02-a.md": "---\ntitle: A\ntags: [x]\n---\nA\n",
        }
    )
    build_site(root)
    assert "my own list" in read_output(root, "tags/index.html")
    assert "by year" in read_output(root, "archive/index.html")
    assert "A" in read_output(root, "tags/x/index.html")  # the tag pages stay
    sitemap = read_output(root, "sitemap.xml")
    assert sitemap.count("/tags/</loc>") == 1 and sitemap.count("/archive/</loc>") == 1


def test_a_static_file_cannot_take_a_generated_url(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"static/tags/index.html": "<p>x</p>"})
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert (
        str(failure.value.diagnostics[0]) == "static/tags/index.html: /tags/index.html is also written by the tags page"
    )


def test_failed_build_keeps_the_previous_output(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": post("A")})
    build_site(root)
    before = {p: p.read_bytes() for p in (root / "_site").rglob("*") if p.is_file()}
    (root / "content/posts/2024-01-03-b.md").write_text("---\ntitle: [unclosed\n---\n")
    with pytest.raises(BuildFailed):
        build_site(root)
    after = {p: p.read_bytes() for p in (root / "_site").rglob("*") if p.is_file()}
    assert after == before


def test_second_build_writes_nothing(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": post("A"), "static/x.txt": "x"})
    build_site(root)
    stamps = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (root / "_site").rglob("*") if p.is_file()}
    report = build_site(root)
    assert report.publish.written == () and report.publish.removed == ()
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (root / "_site").rglob("*") if p.is_file()} == stamps


def test_deleted_post_disappears_and_others_are_untouched(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": post("A"), "content/posts/2024-01-03-b.md": post("B", "2024-01-03")})
    build_site(root)
    asset = root / "_site/assets/css/style.css"
    inode = asset.stat().st_ino
    (root / "content/posts/2024-01-03-b.md").unlink()
    report = build_site(root)
    assert "2024/01/03/b/index.html" in report.publish.removed
    assert not (root / "_site/2024/01/03").exists()
    assert asset.stat().st_ino == inode


@pytest.mark.parametrize("where", ["source", "parent", "git"])
def test_dangerous_output_folders_are_refused(tmp_path: Path, where: str) -> None:
    root = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("A")})
    output = {"source": root, "parent": tmp_path, "git": tmp_path / "repo"}[where]
    (tmp_path / "repo/.git").mkdir(parents=True)
    with pytest.raises(UsageError):
        build_site(root, output=output)
    assert (root / "content/posts/2024-01-02-a.md").exists()


def test_a_folder_not_written_by_mathpress_is_not_replaced(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {})
    precious = tmp_path / "docs"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(UsageError, match="not written by mathpress"):
        build_site(root, output=precious)
    assert (precious / "thesis.tex").read_text() == "years of work"


def test_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = make_site(tmp_path / "good", {"content/posts/2024-01-02-a.md": post("A")})
    bad = make_site(tmp_path / "bad", {"content/posts/2024-01-02-a.md": "---\ndate: tomorrow\n---\n"})
    assert main(["build", "--source", str(good), "--quiet"]) == 0
    assert main(["--source", str(bad)]) == 1
    assert "content/posts/2024-01-02-a.md:2:1: cannot read date 'tomorrow'" in capsys.readouterr().err
    assert main(["build", "--source", str(tmp_path / "missing")]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["build", "--bogus"])
    assert usage.value.code == 2
    assert main(["build", "--source", str(good), "--output", str(good)]) == 2


def test_init_creates_a_site_that_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(tmp_path / "myblog")]) == 0
    assert main(["build", "--source", str(tmp_path / "myblog"), "--strict"]) == 0
    assert (tmp_path / "myblog/_site/index.html").exists()
    assert main(["init", str(tmp_path / "myblog")]) == 2
    assert "not empty" in capsys.readouterr().err
    # The site's own notes (README.md at its root) are not published; nothing but the site is.
    assert (tmp_path / "myblog/README.md").is_file()
    assert not list((tmp_path / "myblog/_site").rglob("README*"))
    assert ".venv/" in (tmp_path / "myblog/.gitignore").read_text().splitlines()


def test_init_and_the_readme_tell_one_story_about_base_url(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path / "blog")]) == 0
    settings = (tmp_path / "blog/site.yml").read_text()
    assert "base_url: /\n" in settings
    assert "passes the\n# right one to `mathpress build --base-url`" in settings
    assert "also set base_url" not in settings


def test_new_refuses_a_folder_that_is_not_a_site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new", "Title", "--source", str(tmp_path)]) == 2
    assert f"no site.yml in {tmp_path}" in capsys.readouterr().err
    assert not (tmp_path / "content").exists()


def test_new_with_tags_before_the_title(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path, {})
    assert main(["new", "--tags", "a", "b", "My Title", "--source", str(root)]) == 2
    assert capsys.readouterr().err == (
        'mathpress: error: new: no title (--tags took every word after it): write mathpress new "Title" '
        '--tags a b My Title  or  mathpress new --tags ... -- "Title"\n'
    )
    assert not (root / "content").exists()
    assert main(["new", "--source", str(root), "--date", "2024-05-06", "--tags", "a", "b", "--", "My Title"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.name == "2024-05-06-my-title.md"
    assert "tags: [a, b]" in path.read_text()


def test_new_dates_a_post_by_the_one_clock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path, {})
    assert main(["new", "Now", "--source", str(root)]) == 0  # SOURCE_DATE_EPOCH is NOW in every test
    assert Path(capsys.readouterr().out.strip()).name == f"{NOW.astimezone().date().isoformat()}-now.md"


def test_check_takes_the_source_like_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": post("A")})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--source", str(root)]) == 2  # not built yet
    assert f"{root / '_site'} is not a folder" in capsys.readouterr().err
    build_site(root)
    assert main(["check", "--source", str(root)]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def test_build_help_gives_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["build", "--help"])
    assert "exit status: 0 built; 1 content errors" in " ".join(capsys.readouterr().out.split())


def test_new_creates_a_post_and_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make_site(tmp_path, {})
    args = [
        "new",
        "Fourier series: a first look",
        "--tags",
        "analysis",
        "fourier",
        "--source",
        str(root),
        "--date",
        "2024-05-06",
    ]
    assert main(args) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path == root / "content/posts/2024-05-06-fourier-series-a-first-look.md"
    assert path.read_text().startswith('---\ntitle: "Fourier series: a first look"\ndate: 2024-05-06')
    assert "tags: [analysis, fourier]" in path.read_text()
    path.write_text("mine")
    assert main(args) == 2
    assert path.read_text() == "mine"
    assert main(["new", "確率の基礎", "--source", str(root), "--date", "2024-05-06"]) == 0
    assert capsys.readouterr().out.strip().endswith("2024-05-06-確率の基礎.md")


def test_build_py_without_arguments_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_site(tmp_path, {"content/posts/2024-01-02-a.md": post("A")})
    monkeypatch.chdir(root)
    assert main([]) == 0
    assert (root / "_site/2024/01/02/a/index.html").exists()


def test_a_post_without_neighbours_has_no_empty_nav(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-only.md": post("Only")})
    build_site(root)
    assert "post-nav" not in read_output(root, "2024/01/02/only/index.html")
    (root / "content/posts/2024-01-03-next.md").write_text(post("Next", "2024-01-03"), encoding="utf-8")
    build_site(root)
    assert '<nav class="post-nav"' in read_output(root, "2024/01/02/only/index.html")
