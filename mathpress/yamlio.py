"""YAML text → mapping with the line, column and written text of every key (safe loader only)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from .errors import Diagnostic, SourceError, error

# The C loader is the same safe constructor as yaml.SafeLoader, about ten times faster.
_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = tuple[str, ...]


@dataclass(frozen=True)
class YamlMap:
    """A parsed YAML mapping and, per key path, where it was written and its scalar text."""

    data: Mapping[str, Any]
    marks: Mapping[Key, tuple[int, int]]
    written: Mapping[Key, str]

    def where(self, *key: str) -> tuple[int, int]:
        """Line and column of a key (0, 0 when the key is absent)."""
        return self.marks.get(key, (0, 0))


EMPTY = YamlMap({}, {}, {})


def parse_mapping(text: str, path: str, first_line: int = 1) -> YamlMap:
    """Parse YAML text that must hold a mapping; positions are offset by first_line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return EMPTY
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        raise SourceError(_yaml_diagnostic(exc, path, first_line)) from None
    except ValueError as exc:  # well-formed but impossible, e.g. date: 2024-13-02
        line, col = _impossible_date(text)
        raise SourceError(error(path, line + first_line - 1, col, f"invalid date: {exc}")) from None
    except yaml.YAMLError as exc:
        raise SourceError(error(path, first_line, 1, f"invalid YAML: {exc}")) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        line = node.start_mark.line + first_line
        raise SourceError(error(path, line, 1, "expected a YAML mapping of `key: value` lines"))
    problem = _shape_problem(data)
    if problem:
        raise SourceError(error(path, first_line, 1, problem))
    marks: dict[Key, tuple[int, int]] = {}
    written: dict[Key, str] = {}
    _walk(node, (), path, first_line, marks, written)
    return YamlMap(data, marks, written)


MAX_VALUES = 100_000  # values once aliases are expanded ("billion laughs" stays small on disk)


def _shape_problem(data: Any) -> str:
    """Why parsed YAML cannot be used: it contains itself, or expands to a huge size ("" if fine)."""
    match shape_problem(data, MAX_VALUES):
        case "too big":
            return f"front matter expands to more than {MAX_VALUES} values through aliases (`*name`)"
        case "contains itself":
            return "front matter contains itself (an alias `*name` used inside its own anchor `&name`)"
    return ""


def shape_problem(data: Any, limit: int) -> str:
    """ "contains itself", "too big" (past limit values once aliases are expanded), or "" for usable YAML data."""
    count = 0
    stack: list[tuple[Any, frozenset[int]]] = [(data, frozenset())]
    while stack:
        value, parents = stack.pop()
        count += 1
        if count > limit:
            return "too big"
        if isinstance(value, dict | list):
            if id(value) in parents:
                return "contains itself"
            inner = parents | {id(value)}
            items = list(value.keys()) + list(value.values()) if isinstance(value, dict) else value
            stack.extend((item, inner) for item in items)
    return ""


def _walk(
    node: yaml.Node,
    prefix: Key,
    path: str,
    first_line: int,
    marks: dict[Key, tuple[int, int]],
    written: dict[Key, str],
) -> None:
    """Record positions of mapping keys, refusing duplicate keys."""
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        key = (str(key_node.value),)
        full = prefix + key
        position = (key_node.start_mark.line + first_line, key_node.start_mark.column + 1)
        if full in marks:
            line, col = position
            first = marks[full][0]
            message = f"duplicate key `{'.'.join(full)}` (first written on line {first})"
            raise SourceError(error(path, line, col, message))
        marks[full] = position
        if isinstance(value_node, yaml.ScalarNode):
            written[full] = value_node.value
        _walk(value_node, full, path, first_line, marks, written)


def _impossible_date(text: str) -> tuple[int, int]:
    """Where YAML met a date that does not exist (line and column within the text)."""
    for number, line in enumerate(text.split("\n"), start=1):
        for match in re.finditer(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", line):
            try:
                dt.date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:
                return number, match.start() + 1
    return 1, 1


def _yaml_diagnostic(exc: yaml.MarkedYAMLError, path: str, first_line: int) -> Diagnostic:
    """Turn a PyYAML error into `path:line:col: message` at the right line of the file."""
    mark = exc.problem_mark or exc.context_mark
    line = (mark.line if mark else 0) + first_line
    col = (mark.column + 1) if mark else 1
    problem = exc.problem or "invalid YAML"
    if exc.context and exc.context not in problem:
        problem = f"{exc.context}: {problem}"
    if "could not determine a constructor" in problem:
        problem = "YAML tags that build objects are not allowed (" + problem + ")"
    started = exc.context_mark
    if started is not None and mark is not None and started.line != mark.line:
        problem += f" (it started on line {started.line + first_line})"
    return error(path, line, col, f"invalid YAML: {problem}")
