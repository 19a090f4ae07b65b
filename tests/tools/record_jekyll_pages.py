"""Record the pages real Jekyll renders for the fixture sites that test Liquid (tests/fixtures/jekyll/liquid-*).

Usage: python tests/tools/record_jekyll_pages.py   (needs Debian's `jekyll`, 4.3)
Builds a temporary copy of each site with `JEKYLL_ENV=production jekyll build` (the fixture is never touched)
and writes every HTML file of its output to tests/data/jekyll_pages/<site>/, so tests can compare what a
page of mathpress's shows with what Jekyll's showed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
SITES = sorted((TESTS / "fixtures" / "jekyll").glob("liquid-*"))
OUT = TESTS / "data" / "jekyll_pages"


def record(site: Path) -> None:
    """Jekyll's HTML output of one site, into OUT/<site>/."""
    target = OUT / site.name
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        copy, output = Path(tmp) / site.name, Path(tmp) / "_site"
        shutil.copytree(site, copy)
        env = {**os.environ, "JEKYLL_ENV": "production"}
        subprocess.run(["jekyll", "build", "-q", "-s", str(copy), "-d", str(output)], check=True, env=env)
        for page in sorted(output.rglob("*.html")):
            rel = page.relative_to(output)
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(page, target / rel)
    print(f"{site.name}: {sum(1 for _ in target.rglob('*.html'))} pages", file=sys.stderr)


def main() -> None:
    """Rewrite every recording."""
    for site in SITES:
        record(site)


if __name__ == "__main__":
    main()
