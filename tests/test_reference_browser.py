"""The demo blog's reference-style post (kramdown-era habits) in headless Chromium with MathJax 3 and 4."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from mathpress.pipeline import BuildOptions, build
from tests.browser import MATHJAX3_URL_PATH, MATHJAX4_FONTS_URL_PATH, MATHJAX4_URL_PATH, serve_directory, typeset

REPO = Path(__file__).resolve().parent.parent
REFERENCE = "2018/03/08/sigmoid-differential/"
LABELS = "2023/10/19/damped-oscillator-matrix-exponential/"
VERSIONS = {
    "mathjax3": {"mathjax_url": MATHJAX3_URL_PATH},
    "mathjax4": {"mathjax_url": MATHJAX4_URL_PATH, "font_url": MATHJAX4_FONTS_URL_PATH},
}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module", params=sorted(VERSIONS))
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """This repository's demo blog built at /, MathJax served locally (version 3 or 4)."""
    root = tmp_path_factory.mktemp(request.param) / "site"
    shutil.copytree(REPO / "content", root / "content")
    settings = yaml.safe_load((REPO / "site.yml").read_text(encoding="utf-8"))
    settings["base_url"] = "/"
    settings.setdefault("math", {}).update(VERSIONS[request.param])
    (root / "site.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    build(BuildOptions(source=root, jobs=1))
    return request.param, root / "_site"


def test_the_reference_post_renders_as_its_author_meant(demo: tuple[str, Path], browser_session: Any) -> None:
    version, output = demo
    page = browser_session.new_page()
    with serve_directory(output, "/") as base:
        report = typeset(page, base + REFERENCE)
        assert report.version.startswith(version[-1]), report.version
        assert report.errors == [] and report.console_errors == []
        assert report.rendered >= 40
        assert report.tag_labels == ["(1)", "(2)", "(3)", "(4)"]  # the author's tags, no automatic numbers
        for junk in ("\\(", "\\[", "\\begin", "__", "$$"):
            assert junk not in report.visible_text, junk
        headings = page.eval_on_selector_all(
            ".post-body h2",
            "els => els.map(e => [e.innerText, getComputedStyle(e.querySelector('strong')).fontWeight])",
        )
        assert len(headings) == 4 and all(int(weight) >= 600 for _, weight in headings)
        tags = page.eval_on_selector_all(".tags a", "els => els.map(e => e.getAttribute('href'))")
        assert tags == ["/tags/sigmoid/", "/tags/differential/"]
        assert all((output / href.lstrip("/") / "index.html").exists() for href in tags)
        assert page.eval_on_selector("img.cover", "img => img.complete && img.naturalWidth > 0")
        scripts = page.eval_on_selector_all("script[src]", "els => els.map(e => e.getAttribute('src'))")
        scripts = [s for s in scripts if not s.endswith("/assets/js/preview.js")]  # the theme's hover previews
        assert scripts == [VERSIONS[version]["mathjax_url"]]  # only the layout's MathJax, not the post's own
        separators = page.eval_on_selector_all(".post-body hr", "els => els.length")
        assert separators >= 4
    page.close()


def test_eqref_points_at_its_label(demo: tuple[str, Path], browser_session: Any) -> None:
    _, output = demo
    page = browser_session.new_page()
    with serve_directory(output, "/") as base:
        report = typeset(page, base + LABELS)
        assert report.errors == []
        assert "???" not in report.visible_text
        shown = page.evaluate(
            """() => Array.from(MathJax.startup.document.math)
                .filter(item => item.math.startsWith('\\\\eqref'))
                .map(item => item.typesetRoot.innerText.replace(/\\s+/g, ''))"""
        )
        assert len(shown) == 2 and shown[0] == shown[1] and re.fullmatch(r"\(\d+\)", shown[0]), shown
    page.close()
