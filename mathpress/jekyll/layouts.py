"""Jekyll layouts that make a page's list: the site's own _layouts/ → the layouts an import carries, and the
Liquid that makes the lists of a known theme's listing layouts when the theme is a gem the site does not hold.

A page whose list comes from its layout (`layout: posts`, a site's `category.html`) keeps that layout as
`jekyll_layout:`; the build wraps the page's body in `_layouts/NAME.html` up to the layout that is a whole
HTML page (mathpress's theme is the page around it). Layouts that list nothing are not carried: mathpress's
`page` layout shows the page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..content import decode
from ..errors import SourceError

LISTS = re.compile(
    r"\bsite\s*\.\s*(?:posts|categories|tags|pages|html_pages|documents|collections)\b|\bsite\s*\[|\bpaginator\b"
)
SHELL = re.compile(r"<!doctype|<html[\s>]|<head[\s>]|<body[\s>]", re.I)  # a layout that is a whole HTML page
INCLUDE = re.compile(r"\{%-?\s*include(?:_cached)?\s+([\w./-]+)")
MAX_CHAIN = 10


@dataclass(frozen=True)
class Layout:
    """One of a Jekyll site's layouts."""

    name: str
    text: str
    parent: str  # the layout its front matter names ("" when none)
    shell: bool  # a whole HTML page: where mathpress's theme takes over
    lists: bool  # its Liquid reads the site's documents


def read_layouts(src: Path) -> dict[str, Layout]:
    """The site's _layouts/*.html (a file that is not UTF-8 is left out: Jekyll cannot read it either)."""
    found: dict[str, Layout] = {}
    folder = src / "_layouts"
    for path in sorted(folder.glob("*.htm*")) if folder.is_dir() else []:
        try:
            text = decode(path.read_bytes(), path.name)
        except SourceError:
            continue
        front, body = _split(text)
        parent = str(front.get("layout") or "").removesuffix(".html")
        found[path.stem] = Layout(path.stem, text, parent, bool(SHELL.search(body)), bool(LISTS.search(body)))
    return found


def _split(text: str) -> tuple[dict[str, Any], str]:
    """A layout's front matter and body."""
    match = re.match(r"---[ \t]*\n(.*?\n)?---[ \t]*\n", text, re.S)
    if not match:
        return {}, text
    try:
        data = yaml.safe_load(match[1] or "") or {}
    except yaml.YAMLError:
        data = {}
    return (dict(data) if isinstance(data, dict) else {}), text[match.end() :]


def chain(name: str, layouts: Mapping[str, Layout]) -> list[Layout]:
    """A layout and those it sits in, innermost first, up to (not including) the one that is a whole page."""
    found: list[Layout] = []
    while name in layouts and len(found) < MAX_CHAIN and name not in [f.name for f in found]:
        layout = layouts[name]
        if layout.shell:
            break
        found.append(layout)
        name = layout.parent
    return found


def theme_name(config: Mapping[str, Any]) -> str:
    """The site's theme gem or remote theme, as a short name (`mmistakes/minimal-mistakes@4.24.0` →
    `minimal-mistakes`, `jekyll-theme-chirpy` → `chirpy`, `minimal-mistakes-jekyll` → `minimal-mistakes`)."""
    value = str(config.get("remote_theme") or config.get("theme") or "")
    name = value.split("@", 1)[0].rsplit("/", 1)[-1].lower()
    return name.removeprefix("jekyll-theme-").removesuffix("-jekyll").removesuffix("-theme")


@dataclass(frozen=True)
class Listing:
    """What an import does with a page's layout: the layouts to carry for it (name → text), or none."""

    layouts: dict[str, str]
    source: str  # "site" (its own _layouts), "theme" (mathpress's stand-in for a theme's), or ""


NONE = Listing({}, "")


def listing_for(layout: str, layouts: Mapping[str, Layout], theme: str) -> Listing:
    """The layouts a page with this layout needs for its list: the site's own when any below the HTML page
    lists documents, else a known theme's stand-in, else none."""
    own = chain(layout, layouts)
    if any(item.lists for item in own):
        return Listing({item.name: item.text for item in own}, "site")
    if layout not in layouts and layout in THEME_LAYOUTS.get(theme, {}):
        return Listing({layout: THEME_LAYOUTS[theme][layout]}, "theme")
    return NONE


def missing_includes(listing: Listing, includes: set[str]) -> list[str]:
    """Includes the carried layouts use that the site does not have (a theme's: those parts stay empty)."""
    used = {m[1] for text in listing.layouts.values() for m in INCLUDE.finditer(text)}
    return sorted(name for name in used if name not in includes)


def home_from_theme(layout: str, layouts: Mapping[str, Layout], theme: str) -> bool:
    """Whether a home page's list comes from a theme gem's home layout the site does not hold (mathpress's index
    takes its place; a home page whose layout or Liquid is in the site is carried and shows what it showed)."""
    return layout not in layouts and layout in HOME_LAYOUTS.get(theme, ())


# -- mathpress's stand-ins for the listing layouts of themes that sites use as gems (our own Liquid, written
# from each theme's documentation: the same documents in the same order, in plain HTML) --------------------

_LINK = '<a href="{{ post.url | relative_url }}">{{ post.title }}</a>'
_TIME = '<time datetime="{{ post.date | date_to_xmlschema }}">{{ post.date | date: "%Y-%m-%d" }}</time>'
_ITEM = f"<li>{_LINK} {_TIME}</li>"
_BY_YEAR = (
    "{{ content }}\n"
    '{%- assign shown = site.posts | where_exp: "post", "post.hidden != true" -%}\n'
    '{%- assign years = shown | group_by_exp: "post", "post.date | date: \'%Y\'" -%}\n'
    '{%- for year in years %}\n<section class="jekyll-list"><h2 id="{{ year.name }}">{{ year.name }}</h2><ul>'
    f"{{% for post in year.items %}}{_ITEM}{{% endfor %}}</ul></section>\n{{%- endfor %}}\n"
)


def _grouped(kind: str) -> str:
    """Every category (or tag) with its posts, the most posts first (minimal-mistakes' order)."""
    return (
        "{{ content }}\n"
        f"{{%- assign most = 0 -%}}{{%- for group in site.{kind} -%}}{{%- if group[1].size > most -%}}"
        "{%- assign most = group[1].size -%}{%- endif -%}{%- endfor -%}\n"
        f"{{%- for size in (1..most) reversed -%}}{{%- for group in site.{kind} -%}}{{%- if group[1].size == size %}}\n"
        '<section class="jekyll-list"><h2 id="{{ group[0] | slugify }}">{{ group[0] }}</h2><ul>'
        f"{{% for post in group[1] %}}{{% unless post.hidden %}}{_ITEM}{{% endunless %}}{{% endfor %}}"
        "</ul></section>\n{%- endif -%}{%- endfor -%}{%- endfor %}\n"
    )


def _by_name(kind: str) -> str:
    """Every category (or tag) by name, its number of posts and the posts (chirpy's pages name them and link
    each to jekyll-archives' page of it, which GitHub Pages does not build: here the posts are listed)."""
    return (
        "{{ content }}\n"
        f"{{%- assign names = site.{kind} | sort -%}}\n"
        '{%- for group in names %}\n<section class="jekyll-list"><h2 id="{{ group[0] | slugify }}">{{ group[0] }} '
        f"({{{{ group[1].size }}}})</h2><ul>{{% for post in group[1] %}}{_ITEM}{{% endfor %}}</ul></section>\n"
        "{%- endfor %}\n"
    )


def _one(kind: str, key: str) -> str:
    """The posts of one category or tag, named by the page (minimal-mistakes' `taxonomy`)."""
    return (
        "{{ content }}\n"
        f'<ul class="jekyll-list">{{% for post in site.{kind}[page.{key}] %}}{{% unless post.hidden %}}{_ITEM}'
        "{% endunless %}{% endfor %}</ul>\n"
    )


_COLLECTION = (
    "{{ content }}\n"
    "{%- assign entries = site[page.collection] -%}\n"
    "{%- if page.sort_by %}{% assign entries = entries | sort: page.sort_by %}{% endif -%}\n"
    "{%- if page.sort_order == 'reverse' %}{% assign entries = entries | reverse %}{% endif -%}\n"
    f'<ul class="jekyll-list">{{% for post in entries %}}{{% unless post.hidden %}}<li>{_LINK}</li>'
    "{% endunless %}{% endfor %}</ul>\n"
)
_HYDEJACK_LIST = (
    "{{ content }}\n"
    "{%- assign shown = site.categories[page.slug] | default: site.tags[page.slug] | default: site.posts -%}\n"
    '{%- assign years = shown | group_by_exp: "post", "post.date | date: \'%Y\'" -%}\n'
    '{%- for year in years %}\n<section class="jekyll-list"><h2>{{ year.name }}</h2><ul>'
    f"{{% for post in year.items %}}{_ITEM}{{% endfor %}}</ul></section>\n{{%- endfor %}}\n"
)
THEME_LAYOUTS: dict[str, dict[str, str]] = {
    "minimal-mistakes": {
        "posts": _BY_YEAR,
        "categories": _grouped("categories"),
        "tags": _grouped("tags"),
        "category": _one("categories", "taxonomy"),
        "tag": _one("tags", "taxonomy"),
        "collection": _COLLECTION,
    },
    "chirpy": {"archives": _BY_YEAR, "categories": _by_name("categories"), "tags": _by_name("tags")},
    "hydejack": {"list": _HYDEJACK_LIST},
}
# Layouts whose page is a home page listing the posts (mathpress's index takes its place).
HOME_LAYOUTS: dict[str, tuple[str, ...]] = {
    "minimal-mistakes": ("home",),
    "chirpy": ("home",),
    "hydejack": ("home", "blog"),
    "minima": ("home",),
}
