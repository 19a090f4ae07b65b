"""Screenshots for the README: build the demo blog, typeset it with local MathJax, capture PNGs.

    python scripts/screenshots.py            # docs/images/post.png, index.png and the theme's features
    python scripts/screenshots.py --phone /tmp/phone  # also a 390 px wide pair to look at

Needs `pip install -e .[test]` and `bash tests/install_deps.sh` (Chromium, MathJax 3).
Nothing is fetched from the network: MathJax comes from tests/node_modules.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import yaml
from playwright.sync_api import Browser, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the test harness's local server and Chromium launcher

from mathpress.pipeline import BuildOptions, build  # noqa: E402
from tests.browser import MATHJAX3_URL_PATH, launch_chromium, serve_directory, typeset  # noqa: E402

SHOTS = {"post.png": "2018/03/08/sigmoid-differential/", "index.png": ""}
SIDENOTES = "2021/05/02/checking-derivatives-numerically/"
EQREF = "2023/10/19/damped-oscillator-matrix-exponential/"
WIDE = {"width": 1400, "height": 800}
DESKTOP = {"width": 1200, "height": 1600}
PHONE = {"width": 390, "height": 1600}


def build_demo(work: Path) -> Path:
    """Build a copy of the demo blog whose pages load MathJax from the local server."""
    source = work / "site"
    shutil.copytree(REPO / "content", source / "content")
    settings = yaml.safe_load((REPO / "site.yml").read_text(encoding="utf-8"))
    settings.setdefault("math", {})["mathjax_url"] = MATHJAX3_URL_PATH
    (source / "site.yml").write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    build(BuildOptions(source=source, output=work / "out", base_url="/mathpress/", use_cache=False))
    return work / "out"


def capture(browser: Browser, url: str, target: Path, viewport: dict[str, int]) -> None:
    """Load a page, wait for MathJax, and save the first viewport-full as PNG."""
    page = browser.new_page(viewport=viewport, device_scale_factor=1)
    try:
        report = typeset(page, url)
        problems = report.errors + report.console_errors
        if problems:
            raise SystemExit(f"{url}: {problems}")
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=False)
        print(f"{target}: {report.rendered} formulas typeset by MathJax {report.version}")
    finally:
        page.close()


def capture_features(browser: Browser, base: str, out: Path) -> None:
    """The theme's features: dark mode, a sidenote, an equation's hover preview, a search."""
    shots: list[tuple[str, str, str, dict[str, int], str]] = [
        ("dark.png", SHOTS["post.png"], "dark", DESKTOP | {"height": 900}, ""),
        ("sidenotes.png", SIDENOTES, "light", WIDE, "sup[id^='fnref'] >> nth=0"),
        ("preview.png", EQREF, "light", WIDE, "p :is(a[href^='#mjx-eqn'], a[data-mjx-href^='#mjx-eqn']) >> nth=0"),
    ]
    for name, rel, scheme, viewport, target in shots:
        page = browser.new_page(viewport=viewport, device_scale_factor=1, color_scheme=scheme)
        typeset(page, base + rel)
        if target:
            page.locator(target).evaluate("el => el.scrollIntoView({block: 'center'})")
        if name == "preview.png":
            page.locator(target).hover()
            page.locator("#preview-popup").wait_for(state="visible")
        page.screenshot(path=str(out / name))
        print(f"{out / name}")
        page.close()
    page = browser.new_page(viewport=DESKTOP | {"height": 700}, device_scale_factor=1)
    page.goto(base + "search/?q=" + quote("\\sigma"))
    page.wait_for_selector(".pagefind-ui__result-link", timeout=30000)
    page.screenshot(path=str(out / "search.png"))
    print(f"{out / 'search.png'}")
    page.close()


def main() -> int:
    """Build, serve and capture."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images", help="where the PNGs go")
    parser.add_argument("--phone", type=Path, help="also capture at 390 px wide into this folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        output = build_demo(Path(work))
        with sync_playwright() as playwright, serve_directory(output, "/mathpress/") as base:
            browser = launch_chromium(playwright)
            for name, rel in SHOTS.items():
                capture(browser, base + rel, args.out / name, DESKTOP)
                if args.phone:
                    capture(browser, base + rel, args.phone / name, PHONE)
            capture_features(browser, base, args.out)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
