"""Search stage: the site's HTML files → Pagefind's index files (`pagefind/…`), for `search: true`.

Pagefind (a Rust program that its PyPI wheel ships, so the build needs no network) indexes
the pages a copy of them in a temporary folder holds; its files join the others before
`output.publish`, so the index is swapped in with the pages it describes and the output is
never half-written. Only what the post layout marks `data-pagefind-body` is indexed. Math
is indexed as its TeX: typeset math (`render: build`/`mathml`) carries its TeX in MathML's
`<annotation>`, so the SVG and MathML's presentation elements are left out (EXCLUDE); with
`render: mathjax` the page holds the TeX itself. The extended binary splits Chinese and
Japanese text into words.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

BUNDLE = "pagefind"  # the index's folder in the output (templates load pagefind/pagefind-ui.js)
EXCLUDE = "svg, semantics > :not(annotation), .headerlink"  # math's drawing and presentation MathML; the # links
SEGMENTED = ("ja", "zh")  # languages written without spaces, which the extended binary splits into words
_LANG = re.compile(rb"<html[^>]*\slang=\"([A-Za-z]+)")


class SearchError(Exception):
    """Pagefind failed (its own output says why)."""


def pagefind_binary() -> Path | None:
    """Pagefind's executable: the extended wheel's (CJK word splitting), the plain wheel's, or one on PATH."""
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found: Path = __import__(module).get_executable()
            return found
        except (ImportError, FileNotFoundError):
            continue
    on_path = shutil.which("pagefind_extended") or shutil.which("pagefind")
    return Path(on_path) if on_path else None


def index_files(pages: Mapping[str, Callable[[], bytes]], language: str) -> dict[str, bytes]:
    """Pagefind's bundle for these HTML pages (output path → its bytes), one index for the whole site."""
    binary = pagefind_binary()
    if binary is None:
        raise SearchError('search: true needs Pagefind: pip install "mathpress[search]"')
    with tempfile.TemporaryDirectory(prefix="mathpress-search-") as temp:
        site, bundle = Path(temp, "site"), Path(temp, "bundle")
        languages: list[str] = []
        for rel, read in sorted(pages.items()):
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            content = read()
            path.write_bytes(content)
            languages += [m.decode().lower() for m in _LANG.findall(content[:2000])]
        _run(binary, site, bundle, index_language(language, languages))
        return {f"{BUNDLE}/{p.relative_to(bundle).as_posix()}": p.read_bytes() for p in _files(bundle)}


def index_language(site: str, pages: list[str]) -> str:
    """The one language the index is made for, so the search page finds every post whatever its `lang`:
    the site's, or Japanese or Chinese if some pages are and the site's is not (their words are split;
    other words still split at spaces, only not stemmed)."""
    own = site.split("-")[0].lower()
    cjk = sorted((p for p in pages if p in SEGMENTED), key=lambda p: (-pages.count(p), p))
    return cjk[0] if cjk and own not in SEGMENTED else own


def _run(binary: Path, site: Path, bundle: Path, language: str) -> None:
    """Run Pagefind over a folder of pages, writing its bundle into another."""
    command = [str(binary), "--site", str(site), "--output-path", str(bundle), "--exclude-selectors", EXCLUDE]
    command += ["--force-language", language]
    done = subprocess.run(
        [*command, "--silent"], capture_output=True, text=True, check=False, env={**os.environ, "NO_COLOR": "1"}
    )
    if done.returncode != 0:
        raise SearchError(f"Pagefind failed ({binary}): {(done.stdout + done.stderr).strip()}")


def _files(folder: Path) -> list[Path]:
    """Every file under a folder, sorted."""
    return sorted(p for p in folder.rglob("*") if p.is_file())
