"""The default theme in headless Chromium: hover previews, sidenotes, dark mode and Pagefind search.

Screenshots go to /tmp/theme-shots/ (for a person to look at; nothing reads them back).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import MATHJAX4_FONTS_URL_PATH, MATHJAX4_URL_PATH, serve_directory
from tests.conftest import NOW, make_site

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parent.parent
SHOTS = Path("/tmp/theme-shots")
POST = "2024/05/01/zeta/"
FILLER = "The series converges for every real part above one, and the argument goes term by term. " * 4
POST_MD = f"""---
title: The zeta function
---
{FILLER}

Riemann's zeta function $\\zeta(s) = \\sum_{{n \\ge 1}} n^{{-s}}$ has the Euler product \\eqref{{eq:euler}}
that ties it to the primes.[^primes]

$$
\\zeta(s) = \\prod_p \\frac{{1}}{{1 - p^{{-s}}}} \\label{{eq:euler}}
$$

{FILLER}

A second paragraph with a longer note.[^long] {FILLER}

```python
def zeta(s, terms=1000):
    return sum(n ** -s for n in range(1, terms + 1))  # a partial sum
```

{FILLER * 3}

[^primes]: Euler found it in 1737; the product runs over every prime $p$.
[^long]: Notes may hold displays too: $$\\sum_p \\frac{{1}}{{p}} = \\infty.$$
"""
JAPANESE_MD = """---
title: 期待値のノート
lang: ja
---
期待値の線形性はとても便利な性質です。確率変数が独立でなくても成り立ちます。
"""


def _site(root: Path, render: str) -> Path:
    """A small site with footnotes as sidenotes and search, in one math mode; its output folder."""
    math = f"  render: {render}\n  tags: ams\n"
    if render == "mathjax":
        math += f"  mathjax_url: {MATHJAX4_URL_PATH}\n  font_url: {MATHJAX4_FONTS_URL_PATH}\n"
    make_site(
        root,
        {
            "site.yml": f"title: Theme test\nfootnotes: side\nsearch: true\nmath:\n{math}",
            "content/posts/2024-05-01-zeta.md": POST_MD,
            "content/posts/2024-05-02-kitaichi.md": JAPANESE_MD,
        },
    )
    # Its own process: the math engine refuses to run inside the event loop Playwright's sync API holds.
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": str(int(NOW.timestamp()))}
    command = [sys.executable, "-m", "mathpress.cli", "build", "--quiet", "--no-cache", "--jobs", "1"]
    subprocess.run([*command, "--source", str(root)], check=True, env=env, timeout=300)
    return root / "_site"


@pytest.fixture(scope="module", params=["build", "mathjax"])
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The site built with `render: build` or `render: mathjax`, served at /: (render, base URL)."""
    output = _site(tmp_path_factory.mktemp(request.param) / "site", request.param)
    with serve_directory(output, "/") as base:
        yield request.param, base


def _open(browser: Any, url: str, width: int = 1400, dark: bool = False) -> Any:
    """A page at this URL in a viewport this wide (light or dark), once its math is typeset."""
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light")
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(url)
    page.wait_for_function("() => document.querySelectorAll('mjx-container').length >= 3")
    page.wait_for_load_state("networkidle")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    assert errors == []
    return page


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _popup(page: Any) -> Any:
    popup = page.locator("#preview-popup")
    popup.wait_for(state="visible", timeout=5000)
    return popup


def test_hovering_an_eqref_link_shows_the_equation(served: tuple[str, str], browser_session: Any) -> None:
    render, base = served
    page = _open(browser_session, base + POST)
    link = page.locator(".post-body p :is(a[href^='#mjx-eqn'], a[data-mjx-href^='#mjx-eqn'])").first
    link.scroll_into_view_if_needed()
    link.hover()
    popup = _popup(page)
    assert popup.get_attribute("role") == "tooltip"
    assert popup.locator("mjx-container[display]").count() == 1  # the equation itself, typeset
    assert popup.locator("[id]").count() == 0  # a copy: no id is there twice
    assert "(1)" in "".join(popup.inner_text().split())  # its number (MathML's text, one token a line)
    _shot(page, f"preview-eqref-{render}")
    page.keyboard.press("Escape")
    assert popup.is_hidden()
    page.close()


def test_a_footnote_reference_previews_on_hover_and_on_focus(served: tuple[str, str], browser_session: Any) -> None:
    _, base = served
    page = _open(browser_session, base + POST)
    ref = page.locator("a.footnote-ref[href='#fn:primes']")
    ref.hover()
    popup = _popup(page)
    assert "Euler found it in 1737" in popup.inner_text()
    assert popup.locator(".footnote-backref").count() == 0
    page.mouse.move(5, 5)
    popup.wait_for(state="hidden")
    ref.focus()
    popup = _popup(page)
    assert "Euler found it in 1737" in popup.inner_text()
    assert ref.get_attribute("aria-describedby") == "preview-popup"
    page.keyboard.press("Escape")
    assert popup.is_hidden()
    heading_links = page.locator(".headerlink")
    if heading_links.count():
        heading_links.first.focus()
        assert page.locator("#preview-popup").is_hidden()
    page.close()


def test_sidenotes_sit_in_the_margin_on_wide_screens_and_at_the_end_on_phones(
    served: tuple[str, str], browser_session: Any
) -> None:
    render, base = served
    wide = _open(browser_session, base + POST, width=1400)
    note = wide.locator(".sidenote").first
    ref = wide.locator("a.footnote-ref[href='#fn:primes']")
    body = wide.locator(".post-body").bounding_box()
    note_box, ref_box = note.bounding_box(), ref.bounding_box()
    assert "Euler found it in 1737" in note.inner_text()
    assert note_box["x"] >= body["x"] + body["width"]  # in the right margin, beside the column
    assert abs(note_box["y"] - ref_box["y"]) < 40  # level with the line of its reference
    assert wide.locator(".footnote").is_hidden()  # every note is beside its line: no list at the end
    assert wide.locator(".sidenote").nth(1).locator("mjx-container").count() >= 1  # a display in a note
    note.scroll_into_view_if_needed()
    _shot(wide, f"sidenotes-wide-{render}")
    wide.close()
    phone = _open(browser_session, base + POST, width=390)
    assert phone.locator(".sidenote").first.is_hidden()
    assert phone.locator(".footnote").is_visible()
    assert "Euler found it in 1737" in phone.locator(".footnote li#fn\\:primes").inner_text()
    phone.locator(".footnote").scroll_into_view_if_needed()
    _shot(phone, f"sidenotes-phone-{render}")
    phone.close()


def _luminance(css_colour: str) -> float:
    """Relative brightness (0 black … 1 white) of an `rgb(…)`/`rgba(…)` colour."""
    parts = [float(p) for p in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    return sum(weight * value / 255 for weight, value in zip((0.2126, 0.7152, 0.0722), parts, strict=True))


def test_dark_mode_follows_the_system_setting(served: tuple[str, str], browser_session: Any) -> None:
    render, base = served
    colours = """() => {
      const style = (el) => getComputedStyle(el);
      const math = document.querySelector('.post-body mjx-container');
      const glyph = math.querySelector('svg g[fill]') || math;
      return {
        background: style(document.body).backgroundColor,
        text: style(document.querySelector('.post-body p')).color,
        math: glyph.tagName === 'g' ? style(glyph).fill : style(glyph).color,
        code: style(document.querySelector('.highlight')).backgroundColor,
        keyword: style(document.querySelector('.highlight .k')).color,
      };
    }"""
    light = _open(browser_session, base + POST).evaluate(colours)
    dark_page = _open(browser_session, base + POST, dark=True)
    dark = dark_page.evaluate(colours)
    assert _luminance(light["background"]) > 0.9 and _luminance(light["text"]) < 0.2
    assert _luminance(dark["background"]) < 0.1 and _luminance(dark["text"]) > 0.8
    assert dark["math"] == dark["text"]  # typeset math takes the text colour
    assert _luminance(dark["code"]) < 0.15 and dark["keyword"] != light["keyword"]
    dark_page.locator("div.math.display").first.scroll_into_view_if_needed()
    _shot(dark_page, f"dark-{render}")
    dark_page.close()


def _results(page: Any) -> list[str]:
    try:
        page.wait_for_selector(".pagefind-ui__result-link", timeout=15000)
    except Exception:
        _shot(page, "search-failed")
        print(page.content()[-3000:])
        raise
    return page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.textContent.trim())")


def test_search_finds_english_japanese_and_tex(served: tuple[str, str], browser_session: Any) -> None:
    render, base = served
    page = browser_session.new_page(viewport={"width": 1000, "height": 900})
    page.goto(base + POST)
    page.fill(".search-box input", "primes")
    page.press(".search-box input", "Enter")
    page.wait_for_url("**/search/?q=primes")
    assert _results(page) == ["The zeta function"]
    _shot(page, f"search-primes-{render}")
    wanted = (("線形性", "期待値のノート"), ("\\zeta", "The zeta function"), ("\\prod_p", "The zeta function"))
    for words, title in wanted:
        box = page.locator(".pagefind-ui__search-input")
        box.fill(words)
        page.wait_for_function(
            "words => document.querySelector('.pagefind-ui__message')?.textContent.includes(words)", arg=words
        )
        assert _results(page) == [title], words
    _shot(page, f"search-tex-{render}")
    page.close()
