"""Display math wider than the column scrolls inside its own box, at a phone's width and a desktop's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import build_site, make_site

LONG = " + ".join(f"a_{{{n}}} x^{{{n}}}" for n in range(17))
POST = f"""---
title: Wide
---
A display block:

$$
f(x) = {LONG}
$$

In a list:

- item

  $$
  f(x) = {LONG}
  $$

In a quote:

> $$
> f(x) = {LONG}
> $$

Numbered:

\\begin{{equation}}
f(x) = {LONG} \\label{{eq:long}}
\\end{{equation}}
"""

# Each display: its box, the column's right edge, how far it scrolls, and where the formula ends once a
# sideways wheel (a trackpad swipe) has moved it as far as it goes.
MEASURE = """async (el) => {
  const main = document.querySelector('main .post-body').getBoundingClientRect();
  const box = el.getBoundingClientRect();
  return {right: box.right, column: main.right, scrollWidth: el.scrollWidth, clientWidth: el.clientWidth,
          background: getComputedStyle(el).backgroundImage};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [375, 1280], ids=["phone", "desktop"])
def test_a_wide_display_scrolls_and_never_widens_the_page(tmp_path: Path, browser_session, width: int) -> None:  # type: ignore[no-untyped-def]
    from tests.browser import MATHJAX3_URL_PATH, serve_directory, typeset

    config = f"title: T\nurl: https://example.org\nmath:\n  mathjax_url: {MATHJAX3_URL_PATH}\n  tags: ams\n"
    root = make_site(tmp_path / "site", {"site.yml": config, "content/posts/2024-01-01-wide.md": POST})
    build_site(root)
    page = browser_session.new_page(viewport={"width": width, "height": 800})
    with serve_directory(root / "_site", "/") as base:
        report = typeset(page, f"{base}2024/01/01/wide/")
        assert report.errors == [] and report.rendered == 4
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page never widens
        displays = page.locator(".math.display").all()
        assert len(displays) == 4
        for display in displays:
            seen = display.evaluate(MEASURE)
            assert seen["scrollWidth"] > seen["clientWidth"] * 1.5, seen  # wider than the column: it must scroll
            assert seen["right"] <= seen["column"] + 0.5, seen  # its box stays inside the column
            assert "radial-gradient" in seen["background"], seen  # the edge it goes on past is shaded
            display.scroll_into_view_if_needed()
            box = display.bounding_box()
            assert box is not None
            page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
            page.mouse.wheel(seen["scrollWidth"], 0)
            page.wait_for_function(
                "e => e.scrollLeft + e.clientWidth >= e.scrollWidth - 1", arg=display.element_handle(), timeout=5000
            )
            end = display.evaluate("e => e.querySelector('mjx-math').getBoundingClientRect().right")
            assert end <= box["x"] + box["width"] + 0.5  # the formula's end is in view: nothing is cut off
    page.close()
