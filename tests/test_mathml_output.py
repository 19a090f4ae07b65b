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
    assert re.findall(r"<script(?![^>]*application/ld\+json)", page) == []  # JSON-LD is data, not code
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in page
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in page and "<mfrac>" in page
    assert '<code class="math-tex">\\frac{a}{</code>' in page  # the TeX stays readable
    mathml = [str(d) for d in report.diagnostics if "MathML" in str(d)]
    assert mathml and all(m.startswith("content/posts/2024-01-02-fractions.md:10:") for m in mathml)


def test_the_feed_carries_mathml_and_names_what_it_could_not_convert(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/2024-01-02-fractions.md": POST})
    report = build_site(root)
    feed = ET.fromstring(read_output(root, "feed.xml"))
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.text is not None
    assert "<math" in content.text and "<mfrac>" in content.text and "\\(" not in content.text
    mathml = [str(d) for d in report.diagnostics if "MathML" in str(d)]
    assert len(mathml) == 1 and mathml[0].startswith("content/posts/2024-01-02-fractions.md:10:")
