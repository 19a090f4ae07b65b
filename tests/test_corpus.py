"""Real Jekyll posts build unchanged: kramdown's math reaches our pages intact and typesets."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest

from mathpress.errors import BuildFailed
from mathpress.pipeline import BuildReport
from tests.conftest import build_site, make_site

HERE = Path(__file__).parent
CORPUS = sorted((HERE / "corpus").glob("*/*.md"))
KRAMDOWN = HERE / "data" / "kramdown_math"
MATH = re.compile(r'<(?:span|div) class="math (inline|display)">\\[(\[](.*?)\\[)\]]</(?:span|div)>', re.S)
LOCAL_MATHJAX = "math:\n  mathjax_url: /_mathjax3/es5/tex-chtml.js\n"


def corpus_site(root: Path, config: str = "title: Corpus\nurl: https://example.org\n") -> tuple[Path, BuildReport]:
    """A site holding every corpus post, copied byte for byte, with default settings."""
    make_site(root, {"site.yml": config})
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    for path in CORPUS:
        shutil.copyfile(path, posts / path.name)
    return root, build_site(root)


def page_of(root: Path, source: Path) -> Path:
    """The built page of a corpus post (its URL comes from its date and slug)."""
    slug = source.stem[11:]
    matches = list((root / "_site").glob(f"*/*/*/{slug}/index.html"))
    assert len(matches) == 1, (source, matches)
    return matches[0]


def page_math(page: Path) -> list[tuple[str, bool]]:
    """(TeX, display?) of every math element in a built page, in order."""
    text = page.read_text(encoding="utf-8")
    body = text[text.index('<div class="post-body">') :]
    return [(html.unescape(m[2]), m[1] == "display") for m in MATH.finditer(body)]


def is_subsequence(needles: list[tuple[str, bool]], haystack: list[tuple[str, bool]]) -> bool:
    """Whether needles appear in haystack in the same order."""
    found = iter(haystack)
    return all(any(item == candidate for candidate in found) for item in needles)


def test_every_corpus_post_builds_without_errors(tmp_path: Path) -> None:
    _, report = corpus_site(tmp_path / "site")
    assert report.posts == len(CORPUS) == 9
    messages = [str(d) for d in report.diagnostics]
    assert all(": warning: " in m for m in messages), messages
    assert messages == [
        "content/posts/2018-12-22-distill.md:2:1: warning: unknown layout `distill` (known: page, post); using `post`",
        "content/posts/2019-08-08-text-and-typography.md:190:1: warning: "
        "`{% include embed/youtube.html %}`: no file _includes/embed/youtube.html; left out",
    ]


@pytest.fixture(scope="module")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus site, built once for the checks that only read it."""
    return corpus_site(tmp_path_factory.mktemp("corpus") / "site")[0]


@pytest.mark.parametrize("source", CORPUS, ids=[p.name for p in CORPUS])
def test_kramdown_math_reaches_the_page_byte_for_byte(built_corpus: Path, source: Path) -> None:
    root = built_corpus
    record = json.loads((KRAMDOWN / f"{source.parent.name}__{source.stem}.json").read_text(encoding="utf-8"))
    expected = [(item["tex"], item["display"]) for item in record["math"]]
    ours = page_math(page_of(root, source))
    assert is_subsequence(expected, ours), (expected, ours)


def test_the_kramdown_record_is_not_empty() -> None:
    total = sum(len(json.loads(p.read_text())["math"]) for p in KRAMDOWN.glob("*.json"))
    assert total == 14


VISIBLE_JUNK = ("\\(", "\\[", "$$", "{:", "{%", "%}", "{{")


@pytest.mark.browser
def test_corpus_pages_typeset_without_errors_in_chromium(tmp_path: Path, browser_session) -> None:  # type: ignore[no-untyped-def]
    from tests.browser import serve_directory, typeset

    root, _ = corpus_site(tmp_path / "site", "title: Corpus\nurl: https://example.org\n" + LOCAL_MATHJAX)
    page = browser_session.new_page()
    with serve_directory(root / "_site", "/") as base:
        for source in CORPUS:
            rel = page_of(root, source).parent.relative_to(root / "_site").as_posix()
            report = typeset(page, f"{base}{rel}/")
            assert report.errors == [], (source.name, report.errors)
            expected = len(page_math(page_of(root, source)))
            assert report.rendered >= expected, (source.name, report.rendered, expected)
            visible = _without_code(page)
            for junk in VISIBLE_JUNK:
                assert junk not in visible, (source.name, junk, visible[max(0, visible.find(junk) - 80) :][:160])
    page.close()


def _without_code(page) -> str:  # type: ignore[no-untyped-def]
    """The page's visible text outside code, math and the raw-HTML examples a post shows."""
    return str(
        page.evaluate(
            """() => {
                const body = document.querySelector('.post-body').cloneNode(true);
                body.querySelectorAll('code, pre, mjx-container, .math').forEach(e => e.remove());
                return body.innerText;
            }"""
        )
    )


def test_a_broken_post_among_them_names_its_file_and_line(tmp_path: Path) -> None:
    root, _ = corpus_site(tmp_path / "site")
    (root / "content/posts/2024-01-01-bad.md").write_text("---\ntitle: x\ntags: {a: 1}\n---\n")
    with pytest.raises(BuildFailed) as failure:
        build_site(root)
    assert [str(d) for d in failure.value.diagnostics if d.severity == "error"] == [
        "content/posts/2024-01-01-bad.md:3:1: `tags` must be a list like [a, b] or words separated by spaces"
    ]
