"""TeX macros: site.yml's `math.macros` → (name, TeX, number of arguments, default) tuples, MathJax's `tex.macros`.

MathJax expands the site's macros and a post's own `\\def`/`\\newcommand` itself, at build
time (math.engine) as in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping

MacroDefinition = tuple[str, str, int, str | None]  # name, TeX, number of arguments, the first one's default


def macro_definitions(config_macros: Mapping[str, str | list[object]]) -> tuple[MacroDefinition, ...]:
    """site.yml's `math.macros` (`name: TeX`, `name: [TeX, n]` or `name: [TeX, n, default of #1]`) as sorted
    (name, TeX, n, default) tuples."""
    found: list[MacroDefinition] = []
    for name, value in sorted(config_macros.items()):
        if isinstance(value, str):
            found.append((name, value, 0, None))
        else:
            default = str(value[2]) if len(value) > 2 else None
            found.append((name, str(value[0]), int(str(value[1])), default))
    return tuple(found)
