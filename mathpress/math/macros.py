"""TeX macros: TeX with the site's and a post's macro definitions → TeX without them (for MathML).

MathJax expands `math.macros` and a post's `\\def`/`\\newcommand` itself; latex2mathml knows
neither, so the MathML path expands them first, the way MathJax does: a macro's body
replaces it (its `#1`…`#9` by the arguments), and the result is read again, so macros may
use macros. A macro that never stops expanding (`\\def\\a{\\a}`) is stopped after MathJax's
own limit of substitutions and reported (MacroError).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_EXPANSIONS = 10_000  # MathJax's `maxMacros`
MAX_LENGTH = 100_000  # characters of expanded TeX; MathJax stops at its `maxBuffer` likewise
CONTROL_WORD = re.compile(r"\\([A-Za-z]+)|\\.", re.S)
PARAMETER = re.compile(r"#([1-9#])")
DEFINITION = re.compile(r"\\(?P<kind>(?:re|provide|new)command\*?|g?def|DeclareMathOperator\*?|let)(?![A-Za-z])\s*")
ENDS_IN_WORD = re.compile(r"\\[A-Za-z]+$")


class MacroError(Exception):
    """A macro that cannot be expanded: it never stops, or an argument is missing."""


@dataclass(frozen=True)
class Macro:
    """A macro's replacement TeX, its number of arguments, and the default of an optional first one."""

    body: str
    arity: int = 0
    default: str | None = None


def site_macros(definitions: Iterable[tuple[str, str, int]]) -> dict[str, Macro]:
    """The site's `math.macros` as (name, TeX, number of arguments) triples → Macros by name."""
    return {name: Macro(body, arity) for name, body, arity in definitions}


def expand(tex: str, macros: Mapping[str, Macro]) -> str:
    """TeX with every known macro replaced by its body, again and again; MacroError if it never ends."""
    if not macros or not any(m[1] in macros for m in CONTROL_WORD.finditer(tex) if m[1]):
        return tex
    count, pos = 0, 0
    while match := CONTROL_WORD.search(tex, pos):
        macro = macros.get(match[1]) if match[1] else None
        if macro is None:
            pos = match.end()
            continue
        count += 1
        if count > MAX_EXPANSIONS or len(tex) > MAX_LENGTH:
            raise MacroError(f"`\\{match[1]}` never stops expanding (a macro that uses itself?)")
        args, end = _arguments(tex, match.end(), macro, match[1])
        body = _substitute(macro.body, args)
        if ENDS_IN_WORD.search(body) and tex[end : end + 1].isalpha():
            body += " "  # `\foo` + `x` must not read as `\foox`
        tex, pos = tex[: match.start()] + body + tex[end:], match.start()
    return tex


def _substitute(body: str, args: list[str]) -> str:
    """A macro's body with `#1`…`#9` replaced by its arguments and `##` by `#`."""
    return PARAMETER.sub(lambda p: "#" if p[1] == "#" else args[int(p[1]) - 1], body)


def _arguments(tex: str, pos: int, macro: Macro, name: str) -> tuple[list[str], int]:
    """The macro's arguments read from `pos` (padded with "" up to 9) and where reading stopped."""
    args: list[str] = []
    for index in range(macro.arity):
        pos = _skip_space(tex, pos)
        if index == 0 and macro.default is not None:
            if tex.startswith("[", pos):
                close = _bracket_end(tex, pos)
                args.append(tex[pos + 1 : close])
                pos = close + 1
            else:
                args.append(macro.default)
            continue
        argument, pos = _argument(tex, pos, name)
        args.append(argument)
    return args + [""] * (9 - len(args)), pos


def _argument(tex: str, pos: int, name: str) -> tuple[str, int]:
    """One undelimited argument: a brace group's content, a control sequence, or one character."""
    if pos >= len(tex) or tex[pos] == "}":
        raise MacroError(f"`\\{name}` is missing an argument")
    if tex[pos] == "{":
        end = group_end(tex, pos)
        if end is None:
            raise MacroError(f"`\\{name}`: an argument's `{{` is never closed")
        return tex[pos + 1 : end - 1], end
    word = CONTROL_WORD.match(tex, pos)
    end = word.end() if word else pos + 1
    return tex[pos:end], end


def _skip_space(tex: str, pos: int) -> int:
    while pos < len(tex) and tex[pos].isspace():
        pos += 1
    return pos


def _bracket_end(tex: str, pos: int) -> int:
    """The offset of the `]` closing the `[` at `pos` (outside braces), or the end of the TeX."""
    depth, index = 0, pos + 1
    while index < len(tex):
        char = tex[index]
        if char == "]" and depth == 0:
            return index
        depth += {"{": 1, "}": -1}.get(char, 0)
        index += 2 if char == "\\" else 1
    return len(tex)


def group_end(tex: str, start: int) -> int | None:
    """The offset just past the `}` matching the `{` at `start`, if there is one."""
    depth, pos = 0, start
    while pos < len(tex):
        char = tex[pos]
        if char == "\\":
            pos += 2
            continue
        if char in "{}":
            depth += 1 if char == "{" else -1
            if depth == 0:
                return pos + 1
        pos += 1
    return None


# -- definitions in a post -------------------------------------------------------------------


def take_definitions(tex: str, macros: Mapping[str, Macro]) -> tuple[str, dict[str, Macro]]:
    """TeX without its \\newcommand/\\def/\\DeclareMathOperator/\\let definitions, and the macros with them."""
    found = dict(macros)
    if "\\" not in tex or not DEFINITION.search(tex):
        return tex, found
    parts: list[str] = []
    pos = 0
    for match in DEFINITION.finditer(tex):
        if match.start() < pos:
            continue
        parsed = _definition(tex, match, found)
        if parsed is None:
            continue  # malformed: left in place, so the conversion reports it
        name, macro, end = parsed
        found[name] = macro
        parts.append(tex[pos : match.start()])
        pos = end
    return "".join(parts) + tex[pos:], found


def _definition(tex: str, match: re.Match[str], known: Mapping[str, Macro]) -> tuple[str, Macro, int] | None:
    """(name, Macro, end offset) of the definition starting at `match`, or None if malformed."""
    kind, pos = match["kind"], match.end()
    braced = tex.startswith("{", pos)
    name = CONTROL_WORD.match(tex, pos + 1 if braced else pos)
    if not name or not name[1]:
        return None
    pos = name.end()
    if braced:
        pos = _skip_space(tex, pos)
        if not tex.startswith("}", pos):
            return None
        pos += 1
    if kind == "let":
        return _let(tex, name[1], pos, known)
    if kind.startswith("DeclareMathOperator"):
        body = _group(tex, pos)
        return (name[1], Macro(f"\\operatorname{{{body[0]}}}"), body[1]) if body else None
    if kind.endswith("def"):
        params = re.compile(r"(?:\s*#[1-9])*").match(tex, pos)
        assert params is not None
        body = _group(tex, params.end())
        return (name[1], Macro(body[0], params[0].count("#")), body[1]) if body else None
    return _newcommand(tex, name[1], pos)


def _newcommand(tex: str, name: str, pos: int) -> tuple[str, Macro, int] | None:
    """`\\newcommand{\\name}[n][default]{body}` from just after the name."""
    arity, default = 0, None
    count = re.compile(r"\s*\[\s*([0-9])\s*\]").match(tex, pos)
    if count:
        arity, pos = int(count[1]), count.end()
        pos = _skip_space(tex, pos)
        if tex.startswith("[", pos):
            close = _bracket_end(tex, pos)
            default, pos = tex[pos + 1 : close], close + 1
    body = _group(tex, pos)
    return (name, Macro(body[0], arity, default), body[1]) if body else None


def _let(tex: str, name: str, pos: int, known: Mapping[str, Macro]) -> tuple[str, Macro, int] | None:
    """`\\let\\new\\old` (or `\\let\\new=\\old`): the new name means what the old one means now."""
    target = re.compile(r"\s*=?\s*(\\[A-Za-z]+|\\.)").match(tex, pos)
    if not target:
        return None
    old = target[1][1:]
    return name, known.get(old, Macro(target[1])), target.end()


def _group(tex: str, pos: int) -> tuple[str, int] | None:
    """The content of the brace group starting at `pos` (after spaces) and the offset past it."""
    pos = _skip_space(tex, pos)
    if not tex.startswith("{", pos):
        return None
    end = group_end(tex, pos)
    return (tex[pos + 1 : end - 1], end) if end is not None else None


def macro_definitions(config_macros: Mapping[str, str | list[object]]) -> tuple[tuple[str, str, int], ...]:
    """site.yml's `math.macros` (`name: TeX` or `name: [TeX, n]`) as sorted (name, TeX, n) triples."""
    triples = []
    for name, value in sorted(config_macros.items()):
        body, arity = (value, 0) if isinstance(value, str) else (str(value[0]), int(str(value[1])))
        triples.append((name, body, arity))
    return tuple(triples)
