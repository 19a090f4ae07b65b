"""TeX macros: site.yml's `math.macros` → (name, TeX, number of arguments) triples, MathJax's `tex.macros`.

MathJax expands the site's macros and a post's own `\\def`/`\\newcommand` itself, at build
time (math.engine) as in the browser.
"""

from __future__ import annotations

from collections.abc import Mapping


def macro_definitions(config_macros: Mapping[str, str | list[object]]) -> tuple[tuple[str, str, int], ...]:
    """site.yml's `math.macros` (`name: TeX` or `name: [TeX, n]`) as sorted (name, TeX, n) triples."""
    triples = []
    for name, value in sorted(config_macros.items()):
        body, arity = (value, 0) if isinstance(value, str) else (str(value[0]), int(str(value[1])))
        triples.append((name, body, arity))
    return tuple(triples)
