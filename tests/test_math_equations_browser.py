"""MathJax in headless Chromium agrees with the MathML: the same equation numbers, the same references.

And a \\label defined twice no longer puts a MathJax error on the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser import MATHJAX3_URL_PATH, MATHJAX4_FONTS_URL_PATH, MATHJAX4_URL_PATH, serve_directory, typeset
from tests.conftest import build_site, make_site
from tests.test_math_equations import LABELS_POST, POST, TWICE, annotation, feed_content, maths, shown, tags_shown

pytestmark = pytest.mark.browser

VERSIONS = {
    "mathjax3": f"  mathjax_url: {MATHJAX3_URL_PATH}\n",
    "mathjax4": f"  mathjax_url: {MATHJAX4_URL_PATH}\n  font_url: {MATHJAX4_FONTS_URL_PATH}\n",
}
NUMBERED = """---
title: Numbered
---
$$
x = 1
$$

\\begin{gather*}
a \\\\ b \\tag{G} \\label{eq:g}
\\end{gather*}

\\begin{align}
p &= q \\label{eq:p} \\\\
r &= s \\nonumber \\\\
t &= u \\\\
\\end{align}

\\begin{equation}
\\begin{aligned} m &= n \\\\ o &= p \\end{aligned} \\label{eq:m}
\\end{equation}

$$
w \\tag{W}
$$

See \\eqref{eq:g}, \\eqref{eq:p}, \\eqref{eq:m} and \\ref{eq:p}.
"""
CASES = {
    "labels": ("none", LABELS_POST.replace("\\eqref{eq:none} is missing.", "")),
    "numbered-ams": ("ams", NUMBERED),
    "numbered-all": ("all", NUMBERED),
    "numbered-none": ("none", NUMBERED),
    "twice": ("none", TWICE),
}


def mathjax_references(page: Any) -> list[str]:
    """What MathJax shows for each math item that is only a reference (`\\eqref{…}`, `\\ref{…}`), in order."""
    texts: list[str] = page.evaluate(
        """() => Array.from(MathJax.startup.document.math)
            .filter(item => /^\\\\(eq)?ref\\{[^{}]*\\}$/.test(item.math))
            .map(item => item.typesetRoot.innerText.replace(/\\s+/g, ''))"""
    )
    return texts


@pytest.mark.parametrize("version", sorted(VERSIONS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_mathjax_shows_the_numbers_the_mathml_shows(
    tmp_path: Path, browser_session: Any, case: str, version: str
) -> None:
    tags, post = CASES[case]
    site = f"title: T\nurl: https://e.org\nmath:\n  tags: {tags}\n{VERSIONS[version]}"
    root = make_site(tmp_path, {"site.yml": site, POST: post})
    build_site(root)
    content = feed_content(root)
    references = [shown(m) for m in maths(content) if re.fullmatch(r"\\(eq)?ref\{[^{}]*\}", annotation(m))]
    page = browser_session.new_page()
    with serve_directory(root / "_site", "/") as base:
        report = typeset(page, base + "2024/01/02/p/")
        assert report.errors == [] and report.console_errors == []
        assert report.rendered == len(maths(content))
        assert report.tag_labels == tags_shown(content) != []
        assert mathjax_references(page) == references != []
    page.close()
