"""MathML where JavaScript cannot go: pages with `math.render: mathml`, and the Atom feed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import build_site, make_site, read_output

POST = """---
title: Fractions
---
Inline $x^2$ and a display:

$$
\\frac{a}{b}
$$

and one that cannot be converted: $\\frac{a}{$ here.
"""
ATOM = "{http://www.w3.org/2005/Atom}"


def test_mathml_pages_need_no_javascript(tmp_path: Path) -> None:
    root = make_site(
        tmp_path,
        {
            "site.yml": "title: T\nurl: https://e.org\nmath:\n  render: mathml\n",
            "content/posts/2024-01-02-fractions.md": POST,
        },
    )
    report = build_site(root)
    page = read_output(root, "2024/01/02/fractions/index.html")
    scripts = re.findall(r"<script(?![^>]*application/ld\+json)[^>]*>", page)  # JSON-LD is data, not code
    assert scripts == ['<script defer src="/assets/js/preview.js">']  # hover previews only: links work without it
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in page
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in page and "<mfrac>" in page
    assert "<merror><mtext>Missing close brace</mtext></merror>" in page  # MathJax's error box, as in browsers
    found = [str(d) for d in report.diagnostics if "MathJax:" in str(d)]
    assert found == ["content/posts/2024-01-02-fractions.md:10:36: warning: MathJax: Missing close brace"]


def test_the_feed_carries_mathjax_mathml_and_names_what_mathjax_rejects(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/2024-01-02-fractions.md": POST})
    report = build_site(root)
    feed = ET.fromstring(read_output(root, "feed.xml"))
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.text is not None
    assert "<math" in content.text and "<mfrac>" in content.text and "\\(" not in content.text
    assert "data-latex" not in content.text and "<merror>" in content.text
    found = [str(d) for d in report.diagnostics if "MathJax:" in str(d)]
    assert len(found) == 1 and found[0].startswith("content/posts/2024-01-02-fractions.md:10:36:")
