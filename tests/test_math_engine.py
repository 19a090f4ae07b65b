"""MathJax at build time (math.engine, math.typeset): MathJax's verdicts at their file positions, its output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from mathpress.math import engine, typeset
from mathpress.math.engine import Settings
from mathpress.math.spans import MathSpan
from mathpress.math.typeset import Group, site_css, typeset_spans
from tests.conftest import build_site, make_site, read_output

SITE = "title: T\nmath:\n  render: build\n"


def warnings(tmp_path: Path, body: str, site: str = SITE) -> list[str]:
    """The warnings of a one-post build, as printed."""
    root = make_site(
        tmp_path / "site", {"site.yml": site, "content/posts/2024-01-02-x.md": f"---\ntitle: X\n---\n{body}"}
    )
    return [str(d) for d in build_site(root).diagnostics]


def text(mathml: str) -> str:
    """The characters a MathML formula shows."""
    return re.sub(r"<[^>]*>|\s", "", mathml)


def test_a_control_character_is_reported_at_its_place_and_the_page_still_typesets(tmp_path: Path) -> None:
    # The 2018 post: U+001C inside a display. MathJax 4 drops it silently, MathJax 3 fails on it.
    body = "Intro.\n\n\\[ a + \\frac{1}{2}\x1c \\qquad b \\]\n"
    found = warnings(tmp_path, body)
    assert found == [
        "content/posts/2024-01-02-x.md:6:19: warning: invisible control character U+001C in math "
        "(MathJax 3 fails on it with “Math input error”); delete it"
    ]
    page = read_output(tmp_path / "site", "2024/01/02/x/index.html")
    assert "<mfrac><mn>1</mn><mn>2</mn></mfrac>" in page and "\\frac" not in page.split("<annotation")[0]


def test_a_control_character_deep_in_an_align_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    # As in the imported post: equation (4) of an align, the byte after a fraction.
    body = "Intro.\n\n\\begin{align}\na &= b \\\\\nc &= \\frac{1}{2}\x1c d \\tag{4}\n\\end{align}\n"
    assert warnings(tmp_path, body) == [
        "content/posts/2024-01-02-x.md:8:17: warning: invisible control character U+001C in math "
        "(MathJax 3 fails on it with “Math input error”); delete it"
    ]
    page = read_output(tmp_path / "site", "2024/01/02/x/index.html")
    assert "\x1c" not in page and "<mtext>4</mtext>" in page and "data-mjx-error" not in page


def test_errors_only_mathjax_knows_are_reported_where_mathjax_stopped(tmp_path: Path) -> None:
    body = "One $x^1^2$ here.\n\nTwo $a & b$.\n\n$$\n\\sqrt[3{x}\n$$\n\n$\\frac{a}{\\frac{b}{\\sqrt[}}$\n"
    found = warnings(tmp_path, body)
    assert found == [
        "content/posts/2024-01-02-x.md:4:9: warning: MathJax: Double exponent: use braces to clarify",
        "content/posts/2024-01-02-x.md:6:8: warning: MathJax: Misplaced &",
        "content/posts/2024-01-02-x.md:9:1: warning: MathJax: Could not find closing ']' for argument to \\sqrt",
        "content/posts/2024-01-02-x.md:12:20: warning: MathJax: Could not find closing ']' for argument to \\sqrt",
    ]


def test_undefined_macros_and_unknown_environments_are_named(tmp_path: Path) -> None:
    body = "See $\\fracc{1}{2} + \\alpah$.\n\n$$\n\\begin{algn} x \\end{algn}\n$$\n"
    found = warnings(tmp_path, body)
    assert found == [
        "content/posts/2024-01-02-x.md:4:6: warning: unknown TeX macro `\\fracc` (did you mean `\\frac`?)",
        "content/posts/2024-01-02-x.md:4:21: warning: unknown TeX macro `\\alpah` (did you mean `\\alpha`?)",
        "content/posts/2024-01-02-x.md:7:1: warning: MathJax: Unknown environment 'algn' (did you mean `align`?)",
    ]


def test_a_delimiter_inside_math_is_named_as_mathjax_paints_it(tmp_path: Path) -> None:
    # A real Korean post: brackets written \\[ \\] for kramdown, read by MathJax as a display holding `\\[`.
    body = "> (라) \\[나는 \\[봄이 왔음]을 오늘에서야 깨달았다\\].\n"
    assert warnings(tmp_path, body) == [
        "content/posts/2024-01-02-x.md:4:12: warning: unknown TeX macro `\\[` (inside math `\\[` is not a "
        "delimiter: write `[` for the character itself)"
    ]


def test_a_macro_inside_text_that_mathjax_shows_as_written_is_named(tmp_path: Path) -> None:
    # A real post written for KaTeX: MathJax (in the browser too) reads \\text{…} without textmacros and
    # paints `\\textdollar` red, as written.
    assert warnings(tmp_path, "Pay $\\text{\\textdollar},b$ and $\\text{plain}$.\n") == [
        "content/posts/2024-01-02-x.md:4:12: warning: unknown TeX macro `\\textdollar` (inside \\text{…} MathJax "
        "shows macros as written: write the character itself)"
    ]


def test_site_macros_and_a_posts_own_definitions_are_mathjaxs(tmp_path: Path) -> None:
    site = SITE + '  macros:\n    R: "\\\\mathbb{R}"\n'
    body = "$\\newcommand{\\abs}[1]{|#1|}\\abs{x} \\in \\R$ and later $\\abs{y}$.\n"
    assert warnings(tmp_path, body, site) == []


def test_definitions_and_numbers_start_afresh_in_every_post() -> None:
    settings = Settings(tags="ams")
    engine.typeset([("x", False)], Settings(tags="all"))  # another site's settings first
    first = engine.typeset(
        [("\\newcommand{\\Q}{\\mathbb{Q}}\\Q", False), ("\\begin{equation}a\\end{equation}", True)], settings
    )
    engine.typeset([("x", False)], Settings())  # an excerpt, say, with the site's own settings
    second = engine.typeset([("\\Q", False), ("\\begin{equation}b\\end{equation}", True)], settings)
    assert first[0].undefined == () and second[0].undefined == ("\\Q",)
    assert "(1)a" in text(first[1].mathml) and "(1)b" in text(second[1].mathml)


def test_a_forward_eqref_gets_the_number_mathjax_gives_it() -> None:
    spans = [
        ("\\begin{equation}a\\end{equation}", True),
        ("\\eqref{later}", False),
        ("\\begin{equation}b\\label{later}\\end{equation}", True),
    ]
    result = engine.typeset(spans, Settings(tags="ams", svg=True))
    assert text(result[1].mathml) == "(2)"
    assert 'href="#mjx-eqn%3Alater"' in result[1].svg and 'id="mjx-eqn:later"' in result[2].svg


def test_chemistry_loads_mhchem_on_demand_as_the_browser_does() -> None:
    (result,) = engine.typeset([("\\ce{H2O}", False)], Settings(svg=True))
    assert result.error is None and "<svg" in result.svg


def test_an_unchanged_context_free_span_is_read_from_the_cache(tmp_path: Path) -> None:
    span = MathSpan("x^2 + y^2", False, 1, 1, "$", 1, 2)
    settings = Settings(svg=True)
    first, _ = typeset_spans([span], [Group((0,))], "a.md", settings, cache=tmp_path)
    (stored,) = list(tmp_path.rglob("*.json"))
    data = json.loads(stored.read_text())
    data["svg"] = data["svg"].replace("<svg ", '<svg data-from-cache="yes" ', 1)
    stored.write_text(json.dumps(data))
    typeset.RECENT.clear()  # a later build is another process: it has only the folder
    again, _ = typeset_spans([span], [Group((0,))], "a.md", settings, cache=tmp_path)
    assert "data-from-cache" not in first[0].svg and 'data-from-cache="yes"' in again[0].svg


def test_a_span_repeated_within_one_process_is_read_from_the_cache_folder_once(tmp_path: Path) -> None:
    span = MathSpan("a^2 + b^2 = c^2", False, 1, 1, "$", 1, 2)
    settings = Settings(svg=True)
    typeset.RECENT.clear()
    first, _ = typeset_spans([span], [Group((0,))], "a.md", settings, cache=tmp_path)
    for stored in tmp_path.rglob("*.json"):
        stored.unlink()  # were it read again, the span would be typeset again and stored again
    again, _ = typeset_spans([span], [Group((0,))], "b.md", settings, cache=tmp_path)
    assert again == first and not list(tmp_path.rglob("*.json"))


def test_the_themes_mathjax_css_is_what_the_engine_writes() -> None:
    committed = Path(__file__).resolve().parent.parent / "static" / "assets" / "css" / "mathjax.css"
    assert committed.read_text() == site_css()  # regenerate: python scripts/vendor_mathjax.py


def test_a_site_without_math_never_starts_the_engine(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"site.yml": SITE, "content/posts/2024-01-02-x.md": "---\ntitle: X\n---\nNo math.\n"})
    code = (
        "import sys; from pathlib import Path; from mathpress.pipeline import BuildOptions, build;"
        "from mathpress.math import engine; build(BuildOptions(Path(sys.argv[1]), jobs=1));"
        "print(engine.loaded())"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_engine_starts_and_typesets_inside_a_running_asyncio_loop() -> None:
    # Playwright's sync API and Jupyter run one; MiniRacer would adopt it and then fail on blocking calls.
    code = (
        "import asyncio; from mathpress.math import engine\n"
        "async def main():\n"
        "    print(engine.typeset([('x^2', False)], engine.Settings())[0].mathml.count('<msup'))\n"
        "asyncio.run(main())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout.strip()) == (0, "1"), out.stderr[-2000:]


def test_an_engine_started_on_a_thread_that_ended_closes_cleanly_at_exit() -> None:
    # The dev server's and `build --watch`'s builder thread starts the engine; the process exits from the
    # main thread after that thread ended. V8's context freed there crashed the process (SIGSEGV).
    code = (
        "import threading; from mathpress.math import engine\n"
        "def work():\n"
        "    print(engine.typeset([(r'\\nosuchmacro x', False)], engine.Settings())[0].undefined)\n"
        "thread = threading.Thread(target=work); thread.start(); thread.join()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (out.returncode, out.stdout.strip()) == (0, "('\\\\nosuchmacro',)"), out.stderr[-2000:]
