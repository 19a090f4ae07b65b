"""Python-Markdown made cheaper for mathpress, with output byte for byte the same.

Python-Markdown tries each of its ~15 inline patterns on every piece of text, and most
text holds none of the characters a pattern needs (a link needs `[`, code a backtick).
`TriggeredInlineProcessor` skips a pattern whose required text is absent: the regex could
not have matched, so skipping it changes nothing. Inline processing only ever replaces
matched text by placeholders (no pattern's characters), so a text that lacks a pattern's
trigger keeps lacking it while the patterns run.
"""

from __future__ import annotations

from typing import Any

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor

# What each inline pattern's regex cannot match without (any one of the strings). Checked
# against the regexes by tests/test_mdext.py; a pattern not listed is always tried.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",),
    "escape": ("\\",),
    "footnote": ("[^",),
    "reference": ("[",),
    "link": ("[",),
    "image_link": ("![",),
    "image_reference": ("![",),
    "short_reference": ("[",),
    "short_image_ref": ("![",),
    "autolink": ("<",),
    "automail": ("<",),
    "linebreak": ("  \n",),
    "html": ("<",),
    "entity": ("&",),
    "delimiter": ("*", "_", "~"),
}


class TriggeredInlineProcessor(InlineProcessor):
    """Python-Markdown's inline processor, skipping patterns whose trigger text is absent."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self._patterns: list[Any] = []  # the stubs type the registry wrongly (tree processors)
        self._triggers: list[tuple[str, ...] | None] = []

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        """Freeze the pattern list for this document (the registry is read once, not per text)."""
        registry = self.inlinePatterns
        by_pattern = {id(registry[name]): needed for name, needed in TRIGGERS.items() if name in registry}
        self._patterns = list(registry)
        self._triggers = [by_pattern.get(id(pattern)) for pattern in self._patterns]
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        """Apply the patterns from patternIndex on, as Python-Markdown does, skipping those that cannot match."""
        if isinstance(data, util.AtomicString):
            return data
        patterns, triggers = self._patterns, self._triggers
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        index = patternIndex
        count = len(patterns)
        while index < count:
            needed = triggers[index]
            if needed is not None and not any(text in data for text in needed):
                index, start = index + 1, 0
                continue
            data, matched, start = apply(patterns[index], data, index, start)
            if not matched:
                index += 1
        return data


def install(md: markdown.Markdown) -> markdown.Markdown:
    """Put the triggered inline processor in place of Python-Markdown's own (same name, same priority)."""
    md.treeprocessors.register(TriggeredInlineProcessor(md), "inline", 20)
    return md
