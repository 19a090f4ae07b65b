"""Hostile input and faults (issue: nothing executed, nothing lost, nothing leaked).

Each case builds a real site in a temporary folder and checks the outcome. The dev server's
cases (traversal, symlinks, Host header, bind address) are in tests/test_serve.py.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathpress.errors import BuildFailed, UsageError
from tests.conftest import build_site, make_site, read_output

REPO = Path(__file__).resolve().parent.parent


def errors_of(root: Path, **options: object) -> list[str]:
    """The error lines of a build that must fail."""
    with pytest.raises(BuildFailed) as failure:
        build_site(root, **options)
    return [str(d) for d in failure.value.diagnostics if d.severity == "error"]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# 1. YAML that constructs objects; values of the wrong type -----------------------------------


def test_yaml_object_tags_are_refused_and_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    root = make_site(
        tmp_path / "site",
        {
            "content/posts/2024-01-02-a.md": "---\ntitle: x\n"
            f'boom: !!python/object/apply:os.system ["touch {marker}"]\n---\n'
        },
    )
    (message,) = errors_of(root)
    assert message.startswith(
        "content/posts/2024-01-02-a.md:3:7: invalid YAML: YAML tags that build objects are not allowed"
    )
    assert not marker.exists()
    assert not (root / "_site").exists()


def test_yaml_values_of_the_wrong_type(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-no.md": "---\ntitle: no\n---\nx\n",
            "content/posts/2024-01-03-year.md": "---\ntitle: 2024\ntags: 2024\n---\nx\n",
        }
    )
    build_site(root)
    assert "<title>no · Test Blog</title>" in read_output(root, "2024/01/02/no/index.html")
    assert "<title>2024 · Test Blog</title>" in read_output(root, "2024/01/03/year/index.html")
    assert (root / "_site/tags/2024/index.html").exists()
    (root / "content/posts/2024-01-04-bad.md").write_text("---\ntitle: ok\ntags: {a: 1}\n---\n")
    (root / "content/posts/2024-01-05-bad.md").write_text("---\ntitle: [a, b]\n---\n")
    assert errors_of(root) == [
        "content/posts/2024-01-04-bad.md:3:1: `tags` must be a list like [a, b] or words separated by spaces",
        "content/posts/2024-01-05-bad.md:2:1: `title` must be text, not a list",
    ]


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("a: &a [*a]", "front matter contains itself (an alias `*name` used inside its own anchor `&name`)"),
        (
            "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
            "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
            "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]",
            "front matter expands to more than 100000 values through aliases (`*name`)",
        ),
    ],
    ids=["self-reference", "billion-laughs"],
)
def test_yaml_aliases_that_loop_or_explode_are_refused(site, yaml_text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": f"---\n{yaml_text}\n---\nx\n"})
    assert errors_of(root) == [f"content/posts/2024-01-02-a.md:2:1: {message}"]


def test_yaml_syntax_errors_point_at_the_file_line(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-a.md": "---\ntitle: ok\ntags: [a, b\ndate: 2024-01-02\n---\nx\n",
            "content/posts/2024-01-04-c.md": "---\ntitle: y\n  bad: indent\n---\nx\n",
        }
    )
    assert errors_of(root) == [
        "content/posts/2024-01-02-a.md:4:5: invalid YAML: while parsing a flow sequence: "
        "did not find expected ',' or ']' (it started on line 3)",
        "content/posts/2024-01-04-c.md:3:6: invalid YAML: mapping values are not allowed in this context",
    ]


def test_a_missing_cover_names_the_post_and_where_it_looked(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-03-b.md": "---\ntitle: x\ncover: assets/none.jpg\n---\nx\n"})
    assert errors_of(root) == [
        "content/posts/2024-01-03-b.md:3:1: cover image not found: "
        "looked for content/assets/none.jpg and static/assets/none.jpg"
    ]


# 2. BOM, CRLF, unclosed front matter, not UTF-8 ----------------------------------------------


def test_bom_and_crlf_are_read_right(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": b"\xef\xbb\xbf---\r\ntitle: Windows\r\n---\r\nBody line.\r\n"})
    build_site(root)
    page = read_output(root, "2024/01/02/a/index.html")
    assert "<title>Windows · Test Blog</title>" in page and "<p>Body line.</p>" in page
    assert "title: Windows" not in page


def test_unclosed_front_matter_is_an_error_not_body_text(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "---\ntitle: Open\nsecret: yes\n\nBody.\n"})
    assert errors_of(root) == [
        "content/posts/2024-01-02-a.md:1:1: front matter opened with `---` is never closed (add a `---` line after it)"
    ]


def test_a_file_that_is_not_utf8_is_named(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "---\ntitle: ok\n---\ncaf\xe9\n".encode("latin-1")})
    assert errors_of(root) == ["content/posts/2024-01-02-a.md:4:4: not UTF-8 text (save the file as UTF-8)"]


# 3. permalinks and slugs that try to leave the output folder ---------------------------------


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("permalink", "../../x/"),
        ("permalink", "%2e%2e/%2e%2e/x/"),
        ("permalink", "/a/../../x.html"),
        ("permalink", "..\\\\x"),
        ("permalink", "/../_site_evil/x/"),
        ("slug", "../../x"),
        ("slug", "%2e%2e"),
    ],
)
def test_nothing_is_written_outside_the_output(tmp_path: Path, key: str, value: str) -> None:
    root = make_site(tmp_path / "site", {"content/posts/2024-01-02-a.md": f'---\n{key}: "{value}"\n---\nx\n'})
    before = sorted(p.name for p in tmp_path.iterdir())
    try:
        build_site(root)
    except BuildFailed as failure:
        assert str(failure.diagnostics[0]).startswith("content/posts/2024-01-02-a.md:2:1: ")
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    for path in tmp_path.rglob("*"):
        assert path.resolve().is_relative_to(tmp_path.resolve())
        assert path.name != "x.html" or path.resolve().is_relative_to((root / "_site").resolve())


def test_an_absolute_permalink_stays_inside_the_site(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "---\npermalink: /abs/\n---\nx\n"})
    build_site(root)
    assert (root / "_site/abs/index.html").exists()


# 4. two sources on one path; tags; titles with no letters ------------------------------------


def test_a_page_at_a_tag_pages_url_replaces_it(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-a.md": "---\ntags: [math]\n---\nx\n",
            "content/tags/math.md": "---\ntitle: Mine\n---\nmy math page\n",
        }
    )
    build_site(root)
    assert "my math page" in (root / "_site/tags/math/index.html").read_text(encoding="utf-8")


def test_a_page_against_a_post_names_both(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-a.md": "---\ntitle: A\n---\nx\n",
            "content/2024/01/02/a.md": "---\ntitle: B\n---\nx\n",
        }
    )
    assert errors_of(root) == [
        "content/posts/2024-01-02-a.md: /2024/01/02/a/ is also written by content/2024/01/02/a.md"
    ]


def test_a_static_file_cannot_replace_a_generated_page(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "x\n", "static/tags/index.html": "mine", "static/feed.xml": "x"})
    assert errors_of(root) == [
        "static/feed.xml: /feed.xml is also written by the Atom feed",
        "static/tags/index.html: /tags/index.html is also written by the tags page",
    ]


def test_a_site_may_replace_robots_txt(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "x\n", "static/robots.txt": "User-agent: *\nDisallow: /\n"})
    build_site(root)
    assert read_output(root, "robots.txt") == "User-agent: *\nDisallow: /\n"


def test_a_title_of_only_emoji_gets_a_fallback_slug(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-🎉🎉.md": "---\ntitle: 🎉🎉\n---\nParty.\n"})
    build_site(root)
    day = root / "_site/2024/01/02"
    pages = [p.relative_to(day).as_posix() for p in day.rglob("index.html")]
    assert len(pages) == 1 and pages[0].startswith("post-") and pages[0] != "index.html"
    assert "Party." in (day / pages[0]).read_text()


# 5. symlinks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", ["content", "static"])
def test_a_symlink_out_of_the_site_is_refused(tmp_path: Path, folder: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("private key")
    root = make_site(tmp_path / "site", {f"{folder}/keep.txt": "x"})
    (root / folder / "leak.txt").symlink_to(secret)
    assert errors_of(root) == [f"{folder}/leak.txt: symlink points outside the site folder (to {secret})"]
    assert not (root / "_site").exists()


def test_the_output_holds_no_symlinks(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/files/real.txt": "data", "content/posts/2024-01-02-a.md": "x\n"})
    (root / "content/files/alias.txt").symlink_to(root / "content/files/real.txt")
    build_site(root)
    assert not [p for p in (root / "_site").rglob("*") if p.is_symlink()]
    assert (root / "_site/files/alias.txt").read_text() == "data"


# 6. a build killed at a random point ---------------------------------------------------------


def _versioned_site(root: Path, version: int) -> None:
    """The same site at version 1 or 2: every post's text, one post added, one removed."""
    files = {
        f"content/posts/2024-01-{d:02d}-p{d}.md": f"---\ntitle: Post {d} v{version}\ntags: [t{d % 3}]\n---\n"
        f"Text of version {version}, with $x_{d}$.\n"
        for d in range(1, 28)
    }
    files["content/posts/2024-02-01-only-v1.md" if version == 1 else "content/posts/2024-02-02-only-v2.md"] = "x\n"
    for old in (root / "content/posts").glob("*.md") if (root / "content/posts").exists() else []:
        old.unlink()
    make_site(root, files)


@pytest.mark.slow
def test_a_build_killed_at_any_point_leaves_the_previous_output_complete(tmp_path: Path) -> None:
    references = {}
    for version in (1, 2):
        reference = tmp_path / f"reference{version}"
        _versioned_site(reference, version)
        build_site(reference, use_cache=False)
        references[version] = snapshot(reference / "_site")
    root = tmp_path / "site"
    _versioned_site(root, 1)
    build_site(root)
    rng = random.Random(7)
    version = 1
    for _ in range(12):
        version = 3 - version
        _versioned_site(root, version)
        process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--source", str(root), "--quiet"])
        time.sleep(rng.uniform(0.05, 1.2))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert snapshot(root / "_site") in (references[1], references[2])
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("._site")] == []
        assert [p.name for p in root.iterdir() if p.name.startswith("._site")] == []
    assert (
        subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--source", str(root), "--quiet"]).returncode
        == 0
    )
    assert snapshot(root / "_site") == references[version]
    assert [p.name for p in root.iterdir() if p.name.startswith("._site")] == []
    removed = "2024/02/01/only-v1/index.html" if version == 2 else "2024/02/02/only-v2/index.html"
    assert not (root / "_site" / removed).exists()


# 7. output folders that must never be replaced -----------------------------------------------


@pytest.mark.parametrize("where", ["root", "home", "source", "parent", "git"])
def test_dangerous_output_folders_are_refused_before_anything_is_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    root = make_site(home / "blog", {"content/posts/2024-01-02-a.md": "x\n"})
    (tmp_path / "repo/.git").mkdir(parents=True)
    output = {"root": Path("/"), "home": home, "source": root, "parent": home, "git": tmp_path / "repo"}[where]
    with pytest.raises(UsageError, match="refusing"):
        build_site(root, output=output)
    assert (home / "notes").is_dir() and (root / "content/posts/2024-01-02-a.md").exists()
    assert (tmp_path / "repo/.git").is_dir()


# 8. escaping and sanitising ------------------------------------------------------------------


def test_hostile_titles_and_tags_are_escaped_everywhere(site) -> None:  # type: ignore[no-untyped-def]
    root = site(
        {
            "content/posts/2024-01-02-a.md": '---\ntitle: "<script>alert(1)</script>"\n'
            "tags: ['\"onmouseover=x', '<b>t</b>']\ndescription: \"</script><script>alert(2)</script>\"\n---\nx\n",
        }
    )
    build_site(root)
    page = read_output(root, "2024/01/02/a/index.html")
    assert "<script>alert" not in page and "</script><script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert not re.search(r"<[^>]*\sonmouseover=", page)
    ld = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(ld)["headline"] == "<script>alert(1)</script>" and "<" not in ld
    feed = read_output(root, "feed.xml")
    assert "<script>" not in feed and "&lt;script&gt;alert(1)&lt;/script&gt;" in feed
    assert "<script>" not in read_output(root, "sitemap.xml")
    for name in ("index.html", "tags/index.html", "archive/index.html"):
        assert "<script>alert" not in read_output(root, name)


def test_raw_html_is_the_authors_unless_safe_html_is_on(tmp_path: Path) -> None:
    body = 'Hi <a href="javascript:alert(1)">x</a> $y$\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n'
    trusting = make_site(tmp_path / "a", {"content/posts/2024-01-02-a.md": body})
    build_site(trusting)
    assert "<script>alert(1)</script>" in read_output(trusting, "2024/01/02/a/index.html")
    careful = make_site(
        tmp_path / "b",
        {"site.yml": "title: T\nurl: https://e.org\nsafe_html: true\n", "content/posts/2024-01-02-a.md": body},
    )
    build_site(careful)
    page = read_output(careful, "2024/01/02/a/index.html")
    post = page.split('<div class="post-body">')[1]
    assert "javascript:" not in post and "<script>alert" not in post and "onerror" not in post
    assert '<span class="math inline">\\(y\\)</span>' in post


# 9. the feed: control characters, zones, drafts and future posts ------------------------------


def test_control_characters_in_a_title_are_an_error_naming_the_file(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": '---\ntitle: "bell\\a here"\n---\nx\n'})
    assert errors_of(root) == [
        "content/posts/2024-01-02-a.md:2:1: `title` contains control characters (invisible, and not allowed in feeds)"
    ]


def test_feed_dates_get_the_site_zone_and_hidden_posts_stay_hidden(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "site.yml": "title: T\nurl: https://e.org\ntimezone: Asia/Tokyo\n",
            "content/posts/2024-01-02-a.md": "---\ndate: 2024-01-02 10:00:00\ntags: [x]\n---\nx\n",
            "content/posts/2024-01-03-draft.md": "---\ndraft: true\ntags: [x]\n---\nx\n",
            "content/posts/2099-01-01-later.md": "---\ntags: [x]\n---\nx\n",
        },
    )
    build_site(root)
    feed = read_output(root, "feed.xml")
    assert "<published>2024-01-02T10:00:00+09:00</published>" in feed
    for name in ("feed.xml", "sitemap.xml", "tags/x/index.html", "archive/index.html", "index.html"):
        text = read_output(root, name)
        assert "draft" not in text.lower().replace("badge", "") and "later" not in text


# 10. pathological Markdown -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[" * 20000 + "]" * 20000, "20000 `[` open at once (at most 1000); Markdown would take minutes"),
        (
            "\n".join("    " * i + "- x" for i in range(400)),
            "nested too deeply to render (lists or quotes more than 100 levels deep)",
        ),
        ("> " * 5000 + "x", "nested too deeply to render (lists or quotes more than 100 levels deep)"),
    ],
    ids=["brackets", "nested-lists", "nested-quotes"],
)
def test_pathological_markdown_fails_that_file_quickly(site, body: str, message: str) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-bad.md": body, "content/posts/2024-01-03-good.md": "fine\n"})
    started = time.perf_counter()
    (error,) = errors_of(root)
    assert error.startswith("content/posts/2024-01-02-bad.md:1:1: " + message)
    assert time.perf_counter() - started < 30


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("```text\n" + "\x1b[0;31m GF= 5352.27\x1b[0m\n" * 1200 + "```\n\n[Done](/x/).\n", '<a href="/x/">Done</a>'),
        ("    [INFO started\n" * 1200 + "\n[Done](/x/).\n", '<a href="/x/">Done</a>'),
        (" ".join(["`a[`"] * 1200) + " [Done](/x/)\n", '<a href="/x/">Done</a>'),
        (" ".join(["$[0,1)$"] * 1200) + " [Done](/x/)\n", '<a href="/x/">Done</a>'),
    ],
    ids=["fenced-log", "indented-log", "code-spans", "half-open-intervals"],
)
def test_brackets_markdown_never_reads_as_links_are_not_counted(site, body: str, shown: str) -> None:  # type: ignore[no-untyped-def]
    """A post with a long terminal log (color codes `ESC[0;31m` in a fence) builds, as on Jekyll."""
    root = site({"content/posts/2024-01-02-log.md": body})
    started = time.perf_counter()
    report = build_site(root)
    assert time.perf_counter() - started < 30
    assert [d for d in report.diagnostics if d.severity == "error"] == []
    assert shown in read_output(root, "2024/01/02/log/index.html")


def test_brackets_in_an_unclosed_fence_are_text_and_still_counted(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-bad.md": "```\n" + "[" * 20000 + "\n"})
    (error,) = errors_of(root)
    assert error.startswith("content/posts/2024-01-02-bad.md:1:1: 20000 `[` open at once")


def test_a_two_megabyte_line_builds(site) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-long.md": "word " * 400_000})
    build_site(root)
    assert len(read_output(root, "2024/01/02/long/index.html")) > 2_000_000


# 12. fuzzing the whole build ------------------------------------------------------------------

YAML_PIECES = [
    "title: x",
    "title: [",
    "date: 2024-13-40",
    "date: tomorrow",
    "tags: {a: 1}",
    "tags: a b",
    "draft: maybe",
    "permalink: ../x",
    "cover: nope.jpg",
    "layout: wide",
    "math: true",
    "excerpt: $x$",
    "!!python/object:os.system",
    "a: &a [*a]",
    'title: "unclosed',
    "- list",
    "key: 'x'",
    ": :",
    "\t",
]
BODY_PIECES = [
    "$x$",
    "$$\n\\frac{a}{b\n$$",
    "\\begin{align}",
    "\\end{align}",
    "```",
    "{% include x %}",
    "{{ site.baseurl }}",
    "{: .x}",
    '<div markdown="1">',
    "[^1]",
    "\\\\(",
    "\\\\)",
    "# h",
    "- ",
    "\n\n",
    "|a|b|\n|-|-|\n",
    "<!--more-->",
    "é",
    "確率",
    "\x00",
    "\\",
    "*",
    "`",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(
    front=st.lists(st.sampled_from(YAML_PIECES), max_size=6),
    body=st.lists(st.sampled_from(BODY_PIECES), max_size=25),
    closed=st.booleans(),
)
def test_random_posts_never_crash_the_build(tmp_path: Path, front: list[str], body: list[str], closed: bool) -> None:
    root = tmp_path / f"fuzz{random.getrandbits(64)}"
    text = "---\n" + "\n".join(front) + ("\n---\n" if closed else "\n") + " ".join(body)
    make_site(root, {"content/posts/2024-01-02-fuzz.md": text, "content/posts/2024-01-03-fine.md": "ok $y$\n"})
    try:
        build_site(root, use_cache=False)
    except BuildFailed as failure:
        for diagnostic in failure.diagnostics:
            assert str(diagnostic).startswith(
                ("content/posts/2024-01-02-fuzz.md:", "content/posts/2024-01-02-fuzz.md: ")
            )
    assert os.path.isdir(root)


@pytest.mark.parametrize("rel", ["../evil.txt", "a/../../evil.txt", "/etc/x", "a//b", "a\\..\\b"])
def test_publish_refuses_paths_that_leave_the_output(tmp_path: Path, rel: str) -> None:
    """The last line of defence, below every URL check: plain relative paths only."""
    from mathpress.output import publish

    with pytest.raises(ValueError, match="refusing to write"):
        publish({rel: b"x", ".nojekyll": b""}, tmp_path / "_site")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


# 13. faults: damaged images, symlink loops, concurrent and killed builds ----------------------


def bomb_png(side: int = 40_000) -> bytes:
    """A side × side PNG of black pixels, one bit each: a few hundred KB that would decode to gigabytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = bytes(1 + side // 8) * 1000  # each row: filter byte 0, then side bits of 0
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(rows) for _ in range(side // 1000)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def noisy_jpeg(width: int = 640, height: int = 480) -> bytes:
    """A real JPEG of seeded noise, which does not compress away (so half of it is half of the picture)."""
    from PIL import Image

    stream = io.BytesIO()
    noise = random.Random(1).randbytes(width * height * 3)
    Image.frombytes("RGB", (width, height), noise).save(stream, "JPEG", quality=90)
    return stream.getvalue()


def run_build(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`build.py build` of a site in a process of its own."""
    command = [sys.executable, str(REPO / "build.py"), "build", "--source", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_a_decompression_bomb_cover_is_an_error_naming_the_image_and_the_post(site) -> None:  # type: ignore[no-untyped-def]
    bomb = bomb_png()
    assert len(bomb) < 400_000
    root = site(
        {
            "content/posts/2024-01-02-a.md": "---\ntitle: A\ncover: assets/bomb.png\n---\nx\n",
            "content/assets/bomb.png": bomb,
        }
    )
    result = run_build(root, "--jobs", "2")
    assert result.returncode == 1
    assert result.stderr == (
        "content/posts/2024-01-02-a.md:3:1: cover image content/assets/bomb.png has more than 89478485 pixels "
        "(a decompression bomb?); use a smaller image\n"
        "mathpress: 1 error(s); nothing was published\n"
    )
    assert sorted(p.name for p in root.iterdir()) == [".mathpress-cache", "content", "site.yml"]


def test_a_truncated_or_undecodable_cover_is_an_error_naming_the_image_and_each_post(site) -> None:  # type: ignore[no-untyped-def]
    whole = noisy_jpeg()
    root = site(
        {
            "content/posts/2024-01-02-a.md": "---\ntitle: A\ncover: assets/cut.jpg\n---\nx\n",
            "content/posts/2024-01-03-b.md": "---\ntitle: B\ndate: 2024-01-03\ncover: /assets/cut.jpg\n---\nx\n",
            "content/posts/2024-01-04-c.md": "---\ntitle: C\ncover: junk.png\n---\nx\n",
            "content/posts/2024-01-05-d.md": "---\ntitle: D\ncover: assets/fine.jpg\n---\nx\n",
            "content/assets/cut.jpg": whole[: len(whole) // 2],
            "static/junk.png": b"<html>a page saved under an image's name</html>",
            "content/assets/fine.jpg": whole,
        }
    )
    assert errors_of(root) == [
        "content/posts/2024-01-02-a.md:3:1: cover image content/assets/cut.jpg is truncated or damaged: "
        "image file is truncated (29 bytes not processed)",
        "content/posts/2024-01-03-b.md:4:1: cover image content/assets/cut.jpg is truncated or damaged: "
        "image file is truncated (29 bytes not processed)",
        "content/posts/2024-01-04-c.md:3:1: cover image static/junk.png cannot be read as an image: "
        "it is damaged, or not the format its name says",
    ]
    assert not (root / "_site").exists()
    (root / "content/assets/cut.jpg").write_bytes(whole)
    (root / "content/posts/2024-01-04-c.md").unlink()
    build_site(root)
    assert (root / "_site/assets/cut-480w.webp").exists()


@pytest.mark.parametrize(
    ("link", "target", "message"),
    [
        ("content/posts/self", ".", "symlink loop: it points to content/posts, which holds it"),
        ("content/notes/deep/up", "../..", "symlink loop: it points to content, which holds it"),
        ("content/notes/loop", "loop", "symlink loop: the link leads back to itself"),
        ("static/gone.css", "nothing.css", "broken symlink: what it points to does not exist"),
    ],
    ids=["self", "ancestor", "link-to-itself", "dangling"],
)
def test_a_symlink_loop_or_broken_link_is_an_error_naming_it(site, link: str, target: str, message: str) -> None:  # type: ignore[no-untyped-def]
    root = site({"content/posts/2024-01-02-a.md": "x\n", "content/notes/deep/n.md": "x\n", "static/s.css": "x"})
    (root / link).symlink_to(target)
    result = run_build(root)
    assert (result.returncode, result.stderr) == (
        1,
        f"{link}: {message}\nmathpress: 1 error(s); nothing was published\n",
    )
    assert not (root / "_site").exists()
    (root / link).unlink()
    (root / "content/notes/deep/alias").symlink_to("../../posts")  # a link to a folder elsewhere is fine
    build_site(root)
    assert (root / "_site/notes/deep/alias/2024-01-02-a/index.html").exists()


def descendants(pid: int) -> set[int]:
    """Every live process below pid (Linux: read from /proc)."""
    parents: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _proc_stat(int(name))):
            parents[int(name)] = int(stat[1])
    found: set[int] = set()
    wanted = {pid}
    while wanted:
        wanted = {child for child, parent in parents.items() if parent in wanted and child not in found}
        found |= wanted
    return {child for child in found if alive(child)}


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, parent, …); None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie has ended)."""
    stat = _proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll condition until it holds or the time is up; whether it held."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


# The dev server's case: a thread runs before the build, so workers come from the forkserver, not fork.
WITH_A_THREAD = (
    "import sys, threading, time; threading.Thread(target=time.sleep, args=(600,), daemon=True).start(); "
    "from mathpress.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads the process table from /proc")
@pytest.mark.parametrize("start", ["fork", "forkserver"])
def test_kill_9_of_a_parallel_build_leaves_no_worker_running(tmp_path: Path, start: str) -> None:
    root = make_site(
        tmp_path / "site",
        {f"content/posts/2024-01-{d % 28 + 1:02d}-p{d}.md": f"Post {d}, $x_{{{d}}}$.\n" for d in range(400)},
    )
    program = [str(REPO / "build.py")] if start == "fork" else ["-c", WITH_A_THREAD]
    command = [sys.executable, *program, "build", "--source", str(root), "--jobs", "2", "--no-cache", "--quiet"]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        least = 2 if start == "fork" else 4  # the forkserver and its resource tracker, then the two workers
        assert wait_until(lambda: len(descendants(process.pid)) >= least or process.poll() is not None, 60)
        workers = descendants(process.pid)
        assert len(workers) >= least, "the build ended before its workers were seen"
    finally:
        process.kill()
        process.wait()
    ended = wait_until(lambda: not any(alive(pid) for pid in workers), 5)
    survivors = [pid for pid in workers if alive(pid)]
    for pid in survivors:  # so that a failure here leaves nothing running either
        os.kill(pid, signal.SIGKILL)
    assert ended, f"workers still running after their build was killed: {survivors}"


@pytest.mark.slow
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="the check reads the process table from /proc")
def test_the_suite_fails_when_a_test_leaves_a_process_running(tmp_path: Path) -> None:
    """tests/conftest.py's end-of-run check, tried on a run of one test that starts `sleep` and forgets it."""
    (tmp_path / "test_leaky.py").write_text(
        "import subprocess\n\ndef test_forgets_a_process():\n    subprocess.Popen(['sleep', '60'])\n"
    )
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"]
    command += ["--rootdir", str(tmp_path), str(tmp_path / "test_leaky.py")]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    for pid in re.findall(r"pid (\d+): sleep 60", result.stdout):
        os.kill(int(pid), signal.SIGKILL)
    found = re.search(r"^tests left 1 process\(es\) running:\n  pid \d+: sleep 60$", result.stdout, re.MULTILINE)
    assert result.returncode == 1 and found, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def locked_by_another(folder: Path) -> bool:
    """Whether some other process holds the build lock on a folder (tried without waiting, let go at once)."""
    import fcntl

    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_two_builds_of_one_site_take_turns_and_publish_one_complete_site(tmp_path: Path) -> None:
    files = {f"content/posts/2024-01-{d % 28 + 1:02d}-p{d}.md": f"Post {d}, $x_{{{d}}}$.\n" for d in range(400)}
    reference = make_site(tmp_path / "reference", files)
    build_site(reference, use_cache=False)
    root = make_site(tmp_path / "site", files)
    command = [sys.executable, str(REPO / "build.py"), "build", "--source", str(root), "--jobs", "1", "--quiet"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    assert wait_until(lambda: locked_by_another(root) or first.poll() is not None, 60)
    assert first.poll() is None, "the first build ended before the second could start"
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    _, first_said = first.communicate(timeout=120)
    assert (first.returncode, second.returncode) == (0, 0), first_said + second.stderr
    waited = "mathpress: waiting for another build of this site{} to finish...\n"
    pid = os.path.exists("/proc/locks")  # where the system says who holds a lock
    assert second.stderr == waited.format(f" (pid {first.pid})" if pid else "")
    assert first_said in ("", waited.format(f" (pid {os.getpid()})" if pid else ""))  # if it met our probe
    assert snapshot(root / "_site") == snapshot(reference / "_site")
    assert sorted(p.name for p in root.iterdir()) == [".mathpress-cache", "_site", "content", "site.yml"]
