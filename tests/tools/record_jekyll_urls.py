"""Record the URL Jekyll gives every post, page and collection document of each fixture site.

Usage: python tests/tools/record_jekyll_urls.py   (needs Debian's `jekyll`, 4.3)
Writes tests/data/jekyll_urls/<site>.json: {source path: [url, output file]}, and
tests/data/jekyll_urls/math/<site>__<post stem>.json: the math kramdown finds in each post
(made by tests/tools/kramdown_math.rb, as for tests/data/kramdown_math/).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
SITES = sorted([*(TESTS / "fixtures/jekyll-sites").iterdir(), *(TESTS / "fixtures/jekyll").iterdir()])
SCRIPT = Path(__file__).with_suffix(".rb")
OUT = TESTS / "data" / "jekyll_urls"
KRAMDOWN = Path(__file__).with_name("kramdown_math.rb")


def record(site: Path) -> dict[str, list[str]]:
    """Jekyll's {source: [url, output]} for one site, read from a temporary copy (the fixture is never touched)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / site.name
        shutil.copytree(site, copy)
        result = subprocess.run(["ruby", str(SCRIPT), str(copy)], capture_output=True, text=True, check=True)
    data: dict[str, list[str]] = json.loads(result.stdout)
    # A post whose front matter YAML cannot read is published by Jekyll dated at build time (the wall clock):
    # not a URL anyone can keep, so it is left out (the importer reports the post instead).
    broken = re.findall(r"YAML Exception reading " + re.escape(str(copy)) + r"/(.+?): ", result.stderr)
    return {rel: value for rel, value in data.items() if rel not in broken}


def _utf8(path: Path) -> bool:
    """Whether a file is UTF-8 text (Jekyll cannot read others: it reports them and leaves them out)."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def record_math(site: Path) -> None:
    """kramdown's math for every post of one site, into OUT/math/."""
    posts = sorted(p for p in site.rglob("*") if "_posts" in p.parts and p.suffix in (".md", ".markdown") and _utf8(p))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / site.name
        folder.mkdir()
        for post in posts:
            shutil.copyfile(post, folder / post.name)
        names = [str(folder / post.name) for post in posts]
        if names:
            subprocess.run(["ruby", str(KRAMDOWN), "-o", str(OUT / "math"), *names], check=True, capture_output=True)


def main() -> None:
    """Rewrite every recording."""
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(OUT / "math", ignore_errors=True)
    (OUT / "math").mkdir()
    for site in SITES:
        if not site.is_dir():
            continue
        urls = record(site)
        record_math(site)
        (OUT / f"{site.name}.json").write_text(json.dumps(urls, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{site.name}: {len(urls)} documents", file=sys.stderr)


if __name__ == "__main__":
    main()
