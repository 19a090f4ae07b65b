"""Scaffold: `init` writes a new site that builds; `new` writes a post file (never overwriting)."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

from .config import CONFIG_NAME
from .errors import UsageError
from .meta import slugify

SITE_YML = """\
# mathpress site settings: every key is optional; unknown keys are errors.
title: {title}
description: Notes with mathematics.
author: {author}
# The site's address: scheme and host, for absolute links in the feed and sitemap.
url: https://example.github.io
# The path the site is served under. Leave it at /: the GitHub Pages workflow passes the
# right one to `mathpress build --base-url` (/REPOSITORY/ for a project site).
base_url: /
language: en
timezone: UTC
permalink: /:year/:month/:day/:slug/
paginate: 10
math:
  tags: none         # equation numbers: none (only \\tag{{}}), ams or all
  macros:
    RR: "\\\\mathbb{{R}}"
"""

WELCOME = """\
---
title: Welcome to {title}
date: {date}
tags: [meta]
---

This blog is built by mathpress. Write inline math like $e^{{i\\pi}} + 1 = 0$ and
display math in its own paragraph:

$$
\\int_{{-\\infty}}^{{\\infty}} e^{{-x^2}}\\,dx = \\sqrt{{\\pi}}
$$

<!--more-->

Site-wide macros from `site.yml` work too: $\\RR^n$.
"""

ABOUT = """\
---
title: About
---

Who writes here, and what about.
"""

GITIGNORE = "/_site/\n/.mathpress-cache/\n.venv/\n__pycache__/\n"

# The site's own notes live at its root, which is never published (only content/ and static/ are).
SITE_README = """\
# {title}

A math blog built with mathpress.

```
site.yml           settings
content/posts/     posts: YYYY-MM-DD-slug.md (`mathpress new "Title"` makes one)
content/           any other .md is a page; any other file is copied as it is
static/            (optional) copied to the root of the built site
templates/         (optional) a template here replaces the default theme's of that name
```

`mathpress serve` previews the site with live reload; `mathpress build` writes it to `_site/`.
"""


def init_site(folder: Path, force: bool, today: dt.date) -> list[Path]:
    """Create a new site in folder (refusing a non-empty folder unless force)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise UsageError(f"{folder} is not empty (use --force to add a site to it anyway)")
    title = folder.resolve().name.replace("-", " ").replace("_", " ").title() or "My Math Blog"
    files = {
        CONFIG_NAME: SITE_YML.format(title=title, author="Your Name"),
        f"content/posts/{today.isoformat()}-welcome.md": WELCOME.format(title=title, date=today.isoformat()),
        "content/about.md": ABOUT,
        ".gitignore": GITIGNORE,
        ".github/workflows/pages.yml": workflow_text(),
        "README.md": SITE_README.format(title=title),
    }
    written = []
    for rel, text in files.items():
        path = folder / rel
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def workflow_text() -> str:
    """The GitHub Pages workflow shipped with every new site."""
    return resources.files("mathpress").joinpath("data/pages.yml").read_text(encoding="utf-8")


def new_post(
    source: Path, title: str, tags: list[str], when: dt.datetime, slug: str | None, math: bool, draft: bool
) -> Path:
    """Write content/posts/YYYY-MM-DD-slug.md with front matter; refuse to overwrite."""
    slug = slugify(slug or title)
    if not slug:
        raise UsageError("the title has no letters or digits for a file name; give --slug")
    path = source / "content" / "posts" / f"{when.date().isoformat()}-{slug}.md"
    if path.exists():
        raise UsageError(f"{path} already exists")
    lines = ["---", f"title: {_yaml_text(title)}", f"date: {when.strftime('%Y-%m-%d %H:%M:%S %z')}"]
    if tags:
        lines.append("tags: [" + ", ".join(_yaml_text(t) for t in tags) + "]")
    if math:
        lines.append("math: true")
    if draft:
        lines.append("draft: true")
    lines += ["---", "", "Write here. Inline math: $x^2$. Display math:", "", "$$", "E = mc^2", "$$", ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as stream:
        stream.write("\n".join(lines))
    return path


def _yaml_text(text: str) -> str:
    """A YAML scalar for any text: quoted unless plainly safe."""
    if re.fullmatch(r"[\w][\w .\-]*", text) and text.lower() not in ("yes", "no", "true", "false", "null", "on", "off"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
