"""Scaffold: `init` writes a new site that builds; `new` writes a post file (never overwriting)."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import metadata, resources
from pathlib import Path
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from . import __version__
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
  render: build      # build: typeset now, no JavaScript; mathml: MathJax's MathML; mathjax: in the browser
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


def init_site(folder: Path, force: bool, today: dt.date, requirement: str | None) -> list[Path]:
    """Create a new site in folder (refusing a non-empty folder unless force), deploying with requirement."""
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
        **deploy_files(requirement),
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


# -- deploying: the workflow and the one line that says which mathpress it installs ---------------

EXAMPLE_REQUIREMENT = f"mathpress @ git+https://github.com/OWNER/mathpress@v{__version__}"

PINNED_REQUIREMENTS = """\
# The mathpress that builds this site in .github/workflows/pages.yml: the one it was made
# with. Change this line to upgrade (e.g. mathpress==X.Y.Z, or mathpress @ git+URL@TAG).
{requirement}
"""

# No requirement line: the workflow's first step finds none and prints these comments.
UNPINNED_REQUIREMENTS = f"""\
# mathpress ran from a local folder when this site was made, and GitHub's runner cannot
# install that: the Pages workflow stops at its first step until this file has a line
# naming a mathpress that pip can install, such as a tag of your mathpress repository:
#   {EXAMPLE_REQUIREMENT}
# or a release from PyPI: mathpress=={__version__}
"""

NOT_INSTALLABLE = (
    "this mathpress runs from a local folder, which GitHub's runner cannot install, so the site's "
    "Pages workflow will stop at its first step until requirements.txt names one it can. "
    f'Write a line such as "{EXAMPLE_REQUIREMENT}" (your repository and tag) in requirements.txt, '
    "or give it to init or import: --requirement LINE."
)


def deploy_files(requirement: str | None, baseline: str | None = None) -> dict[str, str]:
    """A site's deploy files: the Pages workflow and the requirements.txt it installs mathpress from.

    With a baseline file (an imported site's), the workflow's build and check accept what it lists.
    """
    pins = PINNED_REQUIREMENTS.format(requirement=requirement) if requirement else UNPINNED_REQUIREMENTS
    workflow = workflow_text() if baseline is None else baseline_workflow(baseline)
    return {".github/workflows/pages.yml": workflow, "requirements.txt": pins}


BUILD_LINE = "run: mathpress build --strict "
CHECK_LINE = "run: python -m mathpress.verify _site"
HTML_STEP = "      - name: Check the HTML (Nu HTML Checker)\n"
# HTML carried as written from a Jekyll site is often not valid (an <img> without alt) and a baseline
# cannot list it without running vnu at import time, so an imported site's HTML check reports, not blocks.
HTML_STEP_REPORTING = (
    "      # Imported pages keep the Jekyll site's HTML as written, which the checker may reject: it reports\n"
    "      # here without blocking the deploy. Delete continue-on-error once this step passes.\n"
    "      - name: Check the HTML (Nu HTML Checker)\n"
    "        continue-on-error: true\n"
)


def baseline_workflow(baseline: str) -> str:
    """The Pages workflow with `--baseline FILE` on its build and check lines."""
    text = workflow_text()
    if text.count(BUILD_LINE) != 1 or text.count(CHECK_LINE) != 1:
        raise AssertionError("pages.yml: the build or check line moved; update scaffold.BUILD_LINE/CHECK_LINE")
    text = text.replace(BUILD_LINE, f"{BUILD_LINE}--baseline {baseline} ")
    text = text.replace(CHECK_LINE, f"{CHECK_LINE} --baseline {baseline}")
    if text.count(HTML_STEP) != 1:
        raise AssertionError("pages.yml: the Nu HTML Checker step moved; update scaffold.HTML_STEP")
    text = text.replace(HTML_STEP, HTML_STEP_REPORTING)
    note = f"# {baseline} lists what the imported Jekyll site already had; --baseline lets only new problems fail.\n"
    return text.replace("name: Pages\n", note + "name: Pages\n", 1)


def running_requirement() -> str | None:
    """The requirement that installs exactly the running mathpress, or None when no runner could install it."""
    here = Path(__file__).resolve().parent
    for dist in metadata.distributions(name="mathpress"):
        # Only an installer's record of this very code counts: a checkout's mathpress.egg-info (left by
        # `pip install -e .`) or an editable install's dist-info describes code no index serves.
        if dist.read_text("INSTALLER") and Path(str(dist.locate_file("mathpress"))).resolve() == here:
            return requirement_for(dist)
    return None


def requirement_for(dist: metadata.Distribution) -> str | None:
    """`mathpress==V` from an index, `mathpress @ git+URL@COMMIT` from Git (PEP 610), None from a local folder."""
    recorded = dist.read_text("direct_url.json")
    if recorded is None:
        return f"mathpress=={dist.version}"
    direct = json.loads(recorded)
    url = str(direct.get("url", ""))
    if urlsplit(url).scheme not in ("https", "http") or "dir_info" in direct:
        return None
    subdirectory = f"#subdirectory={direct['subdirectory']}" if direct.get("subdirectory") else ""
    if "vcs_info" in direct:
        vcs = direct["vcs_info"]
        return f"mathpress @ {vcs['vcs']}+{url}@{vcs['commit_id']}{subdirectory}"
    sha256 = direct.get("archive_info", {}).get("hashes", {}).get("sha256")
    return f"mathpress @ {url}" + (f"#sha256={sha256}" if sha256 else "")


def checked_requirement(text: str) -> str:
    """A requirement given to --requirement, refused unless it is one PEP 508 line naming mathpress."""
    try:
        parsed = Requirement(text)
    except InvalidRequirement as exc:
        raise UsageError(f"--requirement {text!r} is not a requirement pip reads: {exc}") from None
    if canonicalize_name(parsed.name) != "mathpress":
        raise UsageError(f"--requirement {text!r} installs {parsed.name}, not mathpress")
    return text.strip()


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
