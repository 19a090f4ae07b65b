"""The default theme's build-side parts: sidenotes, the dark code colours and the Pagefind index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mathpress.errors import SourceError
from mathpress.search import index_language
from tests.conftest import NOW, build_site, make_site, read_output

CONFIG = "title: T\nurl: https://example.org\n"
NOTES = """---
title: Notes
---
A claim.[^a] Another.[^list]

| a | b |
|---|---|
| cell[^cell] | x |

[^a]: The first note, with $x^2$.

    A second paragraph of it.
[^list]: A note with a list:

    - one
    - two
[^cell]: In a table.
"""


def test_side_footnotes_are_copied_beside_their_reference_and_stay_at_the_end(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"site.yml": CONFIG + "footnotes: side\n", "content/posts/2024-01-01-n.md": NOTES})
    build_site(root)
    page = read_output(root, "2024/01/01/n/index.html")
    ref = '<sup id="fnref:a"><a class="footnote-ref" href="#fn:a">1</a></sup>'
    after = page.split(ref, 1)[1]
    assert after.startswith('<span class="sidenote" role="note" data-pagefind-ignore><span class="sidenote-number">1')
    note = after[: after.index("Another.")]
    assert "The first note" in note and "A second paragraph" in note and "<p>" not in note and " id=" not in note
    assert '<li id="fn:a" class="sidenoted">' in page
    assert '<li id="fn:list">' in page and page.count('class="sidenote"') == 1  # a list, and a table cell: end only
    feed = read_output(root, "feed.xml")
    assert "sidenote" not in feed and "The first note" in feed  # the feed keeps plain footnotes


def test_footnotes_at_the_end_are_unchanged_by_default(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"site.yml": CONFIG, "content/posts/2024-01-01-n.md": NOTES})
    build_site(root)
    assert "sidenote" not in read_output(root, "2024/01/01/n/index.html")


def test_a_wrong_footnotes_setting_names_its_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"site.yml": CONFIG + "footnotes: margin\n"})
    with pytest.raises(SourceError) as caught:
        build_site(root)
    assert str(caught.value.diagnostic).startswith("site.yml:3:1: `footnotes` must be one of end, side")


def test_code_has_a_dark_style_under_the_media_query(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"site.yml": CONFIG + "highlight_style_dark: monokai\n"})
    build_site(root)
    css = read_output(root, "assets/css/highlight.css")
    light, dark = css.split("@media (prefers-color-scheme: dark) {")
    assert ".highlight .k { color: #A90D91 }" in light  # xcode, the light style
    assert "  .highlight .k { color: #66D9EF }" in dark and dark.rstrip().endswith("}")  # monokai, indented inside


JAPANESE = "---\ntitle: 期待値\nlang: ja\n---\n期待値の線形性は便利です。\n"
ZETA = "---\ntitle: Zeta\n---\nThe function $\\zeta(s)$ and its primes.\n"


def test_search_indexes_every_post_and_publishes_the_index_with_the_pages(tmp_path: Path) -> None:
    files = {
        "site.yml": CONFIG + "search: true\nmath:\n  render: build\n",
        "content/posts/2024-01-01-zeta.md": ZETA,
        "content/posts/2024-01-02-ja.md": JAPANESE,
    }
    root = make_site(tmp_path, files)
    first = build_site(root, use_cache=False)
    output = root / "_site"
    entry = json.loads((output / "pagefind/pagefind-entry.json").read_text(encoding="utf-8"))
    assert list(entry["languages"]) == ["ja"]  # one index for the site, split as Japanese
    assert entry["languages"]["ja"]["page_count"] == 2  # the two posts, not the listings
    assert (output / "pagefind/pagefind-ui.js").is_file()
    assert 'action="/search/"' in read_output(root, "index.html")
    assert "data-pagefind-body" in read_output(root, "2024/01/01/zeta/index.html")
    assert "PagefindUI" not in read_output(root, "search/index.html")  # the page loads it, and search.js starts it
    assert "pagefind-ui.js" in read_output(root, "search/index.html")
    assert "https://example.org/search/" in read_output(root, "sitemap.xml")
    assert any(rel.startswith("pagefind/fragment/") for rel in first.publish.written)
    again = build_site(root, use_cache=False)  # Pagefind's output is the same for the same pages
    assert again.publish.written == ()


def test_the_index_language_is_the_sites_unless_some_pages_need_word_splitting() -> None:
    assert index_language("en", ["en", "en"]) == "en"
    assert index_language("en-GB", []) == "en"
    assert index_language("en", ["en", "ja", "zh", "zh"]) == "zh"
    assert index_language("ja", ["ja", "zh", "zh"]) == "ja"


def test_search_without_pagefind_installed_is_an_error_naming_the_setting(tmp_path: Path) -> None:
    root = make_site(tmp_path / "site", {"site.yml": CONFIG + "search: true\n", "content/posts/2024-01-01-z.md": ZETA})
    # A Python where neither Pagefind wheel imports (None in sys.modules: "not installed") and PATH has no pagefind.
    hide = "import sys; sys.modules['pagefind_bin_extended'] = sys.modules['pagefind_bin'] = None; "
    program = hide + "from mathpress.cli import main; sys.exit(main())"
    command = [sys.executable, "-c", program, "build", "--source", str(root)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PATH": str(tmp_path)}
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    assert "site.yml:3:1: `search` needs Pagefind, which is not installed" in done.stderr
    assert "Traceback" not in done.stderr and not (root / "_site").exists()


def test_the_dev_servers_rebuild_of_an_edit_makes_the_index_again(tmp_path: Path) -> None:
    from mathpress.pipeline import BuildOptions, build_site
    from mathpress.rebuild import rebuild

    root = make_site(tmp_path, {"site.yml": CONFIG + "search: true\n", "content/posts/2024-01-01-zeta.md": ZETA})
    options = BuildOptions(source=root, now=NOW, jobs=1)
    _, built = build_site(options, keep=True)
    (root / "content/posts/2024-01-01-zeta.md").write_text(ZETA + "\nA new word: quaternion.\n", encoding="utf-8")
    done = rebuild(options, built, ["content/posts/2024-01-01-zeta.md"])
    assert done.full  # a full build, whose publishing indexes every page again
    assert any(rel.startswith("pagefind/fragment/") for rel in done.written)
