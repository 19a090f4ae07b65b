"""Record the links the navigation of each nav-* fixture site shows, as Jekyll 4.3 builds it with its own layouts.

Usage: python tests/tools/record_jekyll_nav.py   (needs Debian's `jekyll`, 4.3)
Builds each tests/fixtures/jekyll/nav-* site in a temporary folder (plugins off) and writes
tests/data/jekyll_urls/<site>.nav.json: [[text, href], ...], the links of the first <nav> of its post's page
as a reader sees them (links inside HTML comments are not shown, so not listed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
SITES = sorted((TESTS / "fixtures/jekyll").glob("nav-*"))
OUT = TESTS / "data" / "jekyll_urls"


class NavLinks(HTMLParser):
    """The (text, href) of each <a href> inside the first <nav>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[list[str]] = []
        self.depth = 0
        self.done = False
        self.href: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "nav" and not self.done:
            self.depth += 1
        elif tag == "a" and self.depth and "href" in dict(attrs):
            self.href, self.text = dict(attrs)["href"] or "", ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0
        elif tag == "a" and self.href is not None:
            self.links.append([" ".join(self.text.split()), self.href])
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.text += data


def record(site: Path) -> list[list[str]]:
    """The links of the site's navigation on its post's page, as Jekyll builds it."""
    with tempfile.TemporaryDirectory() as tmp:
        copy, out = Path(tmp) / site.name, Path(tmp) / "_site"
        shutil.copytree(site, copy)
        subprocess.run(["jekyll", "build", "--quiet", "-s", str(copy), "-d", str(out)], check=True)
        page = next(p for p in sorted(out.rglob("*.html")) if "a-post" in str(p.relative_to(out)))
        parser = NavLinks()
        parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def main() -> None:
    """Rewrite every nav recording."""
    for site in SITES:
        links = record(site)
        (OUT / f"{site.name}.nav.json").write_text(json.dumps(links, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"{site.name}: {len(links)} links", file=sys.stderr)


if __name__ == "__main__":
    main()
