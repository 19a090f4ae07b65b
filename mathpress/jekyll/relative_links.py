"""Relative links stage: a Markdown body whose links name files by their path beside it → links to their URLs.

As GitHub Pages' jekyll-relative-links (on by default there) does: `[text](../about.md)`, `![](../assets/a.png)`
and `[x]: other-post.md` whose path, taken from the document's own folder, is a post, page or static file of the
site become that document's or file's URL (under the base URL). Anything else is left as written.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from urllib.parse import unquote

LINK_TEXT = r"[^\]]+"
FRAGMENT_AND_TITLE = r"(#[^\s)]*)?(\s+\"[^\"]*\"|\s+'[^']*')?"
INLINE = re.compile(rf"\[({LINK_TEXT})\]\(([^)\s]+?){FRAGMENT_AND_TITLE}\)")
REFERENCE = re.compile(rf"^(\s*?\[{LINK_TEXT}\]: )(\S+?){FRAGMENT_AND_TITLE}\s*?$", re.M)
RELATIVE_LINK = re.compile(
    r"\]\((?![a-z][a-z0-9+.-]*:|/|#|\{)|^\s*\[[^\]]+\]: (?![a-z][a-z0-9+.-]*:|/|#|\{)", re.I | re.M
)
NOT_RELATIVE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//|#|\{)", re.I)


def link_relative_files(body: str, source: str, targets: Mapping[str, str], base_url: str) -> str:
    """The body with each link to a site file, named relative to the document's folder, made that file's URL.

    `targets`: site path (`content/about.md`, `assets/a.png`) → URL path (`/about/`, `/assets/a.png`)."""
    if "](" not in body and "]:" not in body:
        return body
    folder = posixpath.dirname(source)

    def url(path: str) -> str | None:
        if NOT_RELATIVE.match(path) or path.startswith("/"):
            return None
        joined = posixpath.normpath(posixpath.join(folder, unquote(path)))
        found = targets.get(joined) or targets.get(joined.removeprefix("content/"))
        return base_url.rstrip("/") + found if found else None

    def inline(match: re.Match[str]) -> str:
        found = url(match[2])
        if found is None:
            return match[0]
        return f"[{match[1]}]({found}{match[3] or ''}{match[4] or ''})"

    def reference(match: re.Match[str]) -> str:
        found = url(match[2])
        return match[0] if found is None else f"{match[1]}{found}{match[3] or ''}{match[4] or ''}"

    return REFERENCE.sub(reference, INLINE.sub(inline, body))
