"""`render: build` with SVG (what mathpress writes) against CHTML: page weight and picture on the corpus.

    python benchmarks/chtml_vs_svg.py [--shots N] [--out DIR]

The corpus (tests/corpus) is built with `render: build` (SVG) and with `render: mathjax`
(MathJax 4.1.3 in Chromium, from tests/node_modules). A CHTML variant of every build page is
made by typesetting the same spans, in page order, with MathJax 4.1.3's CHTML output and the
newcm font's CHTML data (npm `mathjax@4.1.3` output/chtml.js and `@mathjax/mathjax-newcm-font`
4.1.3, the copies in tests/node_modules) in the same embedded V8 the build uses; its CSS
(the characters the whole site uses) is written once per site and the woff2 fonts it names
are copied once. Reported: bytes (raw and gzip) of the post pages, of the site's math CSS
and fonts; and, on a few posts, the share of pixels that differ between Chromium with
JavaScript off on each variant and browser MathJax's rendering.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mathpress.math.spans import NUMBERED_ENVIRONMENT  # noqa: E402
from mathpress.math.typeset import ASSISTIVE_CSS  # noqa: E402
from tests.browser import MATHJAX4_FONTS_URL_PATH, MATHJAX4_URL_PATH  # noqa: E402
from tests.conftest import build_site, make_site  # noqa: E402
from tests.test_corpus import CORPUS, page_of  # noqa: E402

NODE = ROOT / "tests" / "node_modules"
MATHJAX = NODE / "mathjax4"
FONT = NODE / "@mathjax" / "mathjax-newcm-font"
FONT_URL = "/assets/mathjax/woff2"
SITE = "title: Corpus\nurl: https://example.org\nmath:\n"
CONTAINER = re.compile(
    r'<mjx-container class="MathJax" jax="SVG"[^>]*>(<svg .*?</svg>)'
    r"(<mjx-assistive-mml .*?</mjx-assistive-mml>)</mjx-container>",
    re.S,
)
ANNOTATION = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)


def chtml_racer(tags: str):  # type: ignore[no-untyped-def]
    """A V8 context with MathJax's TeX input (numbering `tags`), CHTML output and the newcm font's ranges."""
    from py_mini_racer import MiniRacer

    racer = MiniRacer()
    racer.eval(
        "var global = globalThis, self = globalThis; var MathJax = {loader: {load: []}, startup: {typeset: false},"
        f" chtml: {{fontURL: '{FONT_URL}'}}, tex: {{tags: '{tags}', packages: {{'[+]': []}}}}}};"
    )
    for path in ("startup.js", "core.js", "adaptors/liteDOM.js", "input/tex.js", "output/chtml.js"):
        racer.eval((MATHJAX / path).read_text(encoding="utf-8"))
    racer.eval((FONT / "chtml.js").read_text(encoding="utf-8"))
    racer.eval(
        "MathJax.loader.preLoaded('loader','startup','core','adaptors/liteDOM','input/tex','output/chtml',"
        "'[mathjax-newcm]/chtml'); MathJax.startup.defaultReady();"
    )
    for path in sorted((FONT / "chtml" / "dynamic").glob("*.js")):
        racer.eval(path.read_text(encoding="utf-8"))
    return racer


def chtml_of(racer, spans: list[tuple[str, bool]]) -> list[str]:  # type: ignore[no-untyped-def]
    """One page's spans as CHTML containers, typeset in order as one page."""
    request = json.dumps({"spans": spans})
    code = f"""(async () => {{
        const r = JSON.parse({json.dumps(request)}); const a = MathJax.startup.adaptor;
        MathJax.texReset();
        const out = [];
        for (const [tex, display] of r.spans) out.push(a.outerHTML(await MathJax.tex2chtmlPromise(tex, {{display}})));
        return JSON.stringify(out);
    }})()"""
    return list(json.loads(str(racer.eval(code).get(timeout=120))))


def chtml_css(racer) -> str:  # type: ignore[no-untyped-def]
    """The CHTML stylesheet for every character typeset so far (once per site)."""
    return str(racer.eval("MathJax.startup.adaptor.textContent(MathJax.chtmlStylesheet())"))


def page_spans(page: str) -> list[tuple[str, bool]]:
    """(TeX, display) of every build-time formula of a page, in order, as MathJax was given it."""
    import html as html_lib

    spans = []
    for match in CONTAINER.finditer(page):
        tex = html_lib.unescape(ANNOTATION.search(match[2])[1])  # type: ignore[index]
        display = 'display="block"' in match[2][:60]
        if display and "\\label{" in tex and not NUMBERED_ENVIRONMENT.search(tex):
            tex = "\\begin{equation}" + tex + "\\end{equation}"
        spans.append((tex, display))
    return spans


def chtml_page(page: str, containers: list[str]) -> str:
    """The SVG page with each formula's SVG replaced by its CHTML (the assistive MathML kept)."""
    found = iter(containers)

    def swap(match: re.Match[str]) -> str:
        made = next(found)
        return made[: made.rfind("</mjx-container>")] + match[2] + "</mjx-container>"

    page = CONTAINER.sub(swap, page)
    return page.replace("/assets/css/mathjax.css", "/assets/css/mathjax-chtml.css")


def sizes(paths: list[Path]) -> tuple[int, int]:
    """Total bytes and gzip -9 bytes of the files."""
    data = [p.read_bytes() for p in paths]
    return sum(map(len, data)), sum(len(gzip.compress(d, 9)) for d in data)


def build(root: Path, render: str) -> Path:
    """The corpus built with `render`."""
    extra = f"  render: mathjax\n  mathjax_url: {MATHJAX4_URL_PATH}\n  font_url: {MATHJAX4_FONTS_URL_PATH}\n"
    make_site(root, {"site.yml": SITE + (extra if render == "mathjax" else "  render: build\n")})
    posts = root / "content" / "posts"
    posts.mkdir(parents=True)
    for path in CORPUS:
        shutil.copyfile(path, posts / path.name)
    build_site(root)
    return root


def make_chtml_site(svg_root: Path, chtml_root: Path) -> dict[str, object]:
    """A copy of the SVG site whose math is CHTML, its CSS and fonts once; the weights of both."""
    shutil.copytree(svg_root / "_site", chtml_root / "_site")
    racers: dict[str, object] = {}
    svg_pages, chtml_pages = [], []
    for source in CORPUS:
        page = page_of(svg_root, source)
        text = page.read_text(encoding="utf-8")
        spans = page_spans(text)
        tags = "ams" if any("\\label{" in tex for tex, _ in spans) else "none"
        target = chtml_root / page.relative_to(svg_root)
        racer = racers.setdefault(tags, chtml_racer(tags)) if tags not in racers else racers[tags]
        target.write_text(chtml_page(text, chtml_of(racer, spans) if spans else []), encoding="utf-8")
        svg_pages.append(page)
        chtml_pages.append(target)
    css = "\n".join(chtml_css(r) for _, r in sorted(racers.items())) + ASSISTIVE_CSS  # both numberings: counted twice
    (chtml_root / "_site/assets/css/mathjax-chtml.css").write_text(css, encoding="utf-8")
    fonts = sorted(set(re.findall(r"url\([\"']?" + re.escape(FONT_URL) + r"/([^\"')]+)", css)))
    (chtml_root / "_site" / FONT_URL.lstrip("/")).mkdir(parents=True)
    for name in fonts:
        shutil.copyfile(FONT / "chtml" / "woff2" / name, chtml_root / "_site" / FONT_URL.lstrip("/") / name)
    font_paths = [chtml_root / "_site" / FONT_URL.lstrip("/") / n for n in fonts]
    return {
        "svg_pages": sizes(svg_pages),
        "svg_css": sizes([svg_root / "_site/assets/css/mathjax.css"]),
        "chtml_pages": sizes(chtml_pages),
        "chtml_css": sizes([chtml_root / "_site/assets/css/mathjax-chtml.css"]),
        "chtml_fonts": (sizes(font_paths), len(fonts)),
        "spans": sum(len(page_spans(p.read_text(encoding="utf-8"))) for p in svg_pages),
    }


def diff_ratio(a: Path, b: Path) -> float:
    """The share of pixels that differ (any channel by more than 16) over the larger of two screenshots."""
    from PIL import Image, ImageChops

    one, two = Image.open(a).convert("RGB"), Image.open(b).convert("RGB")
    size = (max(one.width, two.width), max(one.height, two.height))
    canvas = [Image.new("RGB", size, "white") for _ in range(2)]
    canvas[0].paste(one)
    canvas[1].paste(two)
    mask = ImageChops.difference(*canvas).convert("L").point(lambda v: 255 if v > 16 else 0)
    return sum(1 for v in mask.get_flattened_data() if v) / (size[0] * size[1])


def formula_ratios(shots: list[Path], reference: list[Path]) -> tuple[float, float]:
    """Mean width ratio of formula crops to the browser's, and mean differing-pixel share once scaled to it."""
    from PIL import Image

    widths, diffs = [], []
    for mine, theirs in zip(shots, reference, strict=True):
        one, two = Image.open(mine), Image.open(theirs)
        widths.append(one.width / two.width)
        scaled = mine.with_suffix(".scaled.png")
        one.convert("RGB").resize(two.size).save(scaled)
        diffs.append(diff_ratio(scaled, theirs))
    return statistics.mean(widths), statistics.mean(diffs)


def shoot(page, url: str, out: Path, scripted: bool) -> tuple[Path, list[Path]]:  # type: ignore[no-untyped-def]
    """A full-page screenshot and one of each formula of the post's body."""
    from tests.browser import typeset

    if scripted:
        typeset(page, url)
    else:
        page.goto(url, wait_until="networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(out.with_suffix(".png")), full_page=True)
    crops = []
    for index, element in enumerate(page.locator(".post-body .math").all()):
        crops.append(out.with_name(f"{out.name}-{index:02d}.png"))
        element.screenshot(path=str(crops[-1]))
    return out.with_suffix(".png"), crops


def screenshots(roots: dict[str, Path], posts: list[Path], out: Path) -> list[tuple[str, ...]]:
    """Per post, SVG and CHTML (JS off) against browser MathJax (JS on): page and formula comparisons."""
    from playwright.sync_api import sync_playwright

    from tests.browser import launch_chromium, serve_directory

    rows = []
    viewport = {"width": 900, "height": 800}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        scripted = browser.new_page(viewport=viewport)
        static = browser.new_context(java_script_enabled=False, viewport=viewport).new_page()
        fetched: set[str] = set()
        static.on("response", lambda r: fetched.add(r.url.rsplit("/", 1)[-1]) if r.url.endswith(".woff2") else None)
        for source in posts:
            rel = page_of(roots["svg"], source).parent.relative_to(roots["svg"] / "_site").as_posix()
            shots = {}
            for name, root in roots.items():
                with serve_directory(root / "_site") as base:
                    page = scripted if name == "mathjax" else static
                    shots[name] = shoot(page, f"{base}{rel}/", out / f"{source.stem}-{name}", name == "mathjax")
            row = [source.name, str(len(shots["mathjax"][1]))]
            for name in ("svg", "chtml"):
                width, diff = formula_ratios(shots[name][1], shots["mathjax"][1])
                row += [f"{diff_ratio(shots[name][0], shots['mathjax'][0]):.2%}", f"{width:.3f}", f"{diff:.2%}"]
            rows.append(tuple(row))
        browser.close()
    print("woff2 files Chromium fetched for the CHTML pages shot:", len(fetched), sorted(fetched))
    return rows


def main() -> None:
    """Build, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=4, help="posts to screenshot (those with most math)")
    parser.add_argument("--out", type=Path, default=None, help="keep the sites and screenshots here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="chtml-vs-svg-"))
    roots = {"svg": build(out / "svg", "build"), "mathjax": build(out / "mathjax", "mathjax"), "chtml": out / "chtml"}
    weights = make_chtml_site(roots["svg"], roots["chtml"])
    print(json.dumps(weights))
    ranked = sorted(CORPUS, key=lambda s: -len(page_spans(page_of(roots["svg"], s).read_text(encoding="utf-8"))))
    print("post | formulas | SVG: page diff, formula width ratio, formula diff | CHTML: the same")
    for row in screenshots(
        roots,
        [s for s in ranked[: args.shots] if page_spans(page_of(roots["svg"], s).read_text(encoding="utf-8"))],
        out,
    ):
        print(" | ".join(row))
    print("sites and screenshots in", out)


if __name__ == "__main__":
    main()
