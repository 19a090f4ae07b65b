"""Python-Markdown made cheaper for mathpress, with output byte for byte the same.

Python-Markdown tries each of its ~15 inline patterns on every piece of text, and most
text holds none of the characters a pattern needs (a link needs `[`, code a backtick).
`TriggeredInlineProcessor` skips a pattern whose required text is absent: the regex could
not have matched, so skipping it changes nothing. Inline processing only ever replaces
matched text by placeholders (no pattern's characters), so a text that lacks a pattern's
trigger keeps lacking it while the patterns run.

Pygments lexers are looked up by name for every code block (a scan of Pygments' lexer
table); `CachedLexerHighlight` keeps one lexer per language and options per process, as
Sphinx does. A lexer holds only its options, so a shared one tokenizes exactly alike.
"""

from __future__ import annotations

from typing import Any, ClassVar

import markdown
from markdown import util
from markdown.treeprocessors import InlineProcessor
from pymdownx.highlight import Highlight, HighlightExtension

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
            if needed is not None:
                for text in needed:
                    if text in data:
                        break
                else:
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


class CachedLexerHighlight(Highlight):  # type: ignore[misc]
    """pymdownx's highlighter, with Pygments lexers looked up once per language and options."""

    _lexers: ClassVar[dict[tuple[Any, ...], tuple[Any, str]]] = {}  # per process: (language, options) → lexer

    def get_lexer(self, src: str, language: str, inline: bool, stripnl: bool) -> tuple[Any, str]:
        """The lexer for a language (guessing from the source, when on, is not cached: it reads the code)."""
        if self.guess_lang is not False:
            return super().get_lexer(src, language, inline, stripnl)  # type: ignore[no-any-return]
        key = (language, stripnl, self.default_lang, repr(self.extend_pygments_lang))
        found = self._lexers.get(key)
        if found is None:
            found = self._lexers[key] = super().get_lexer(src, language, inline, stripnl)
        return found


class CachedLexerHighlightExtension(HighlightExtension):  # type: ignore[misc]
    """pymdownx.highlight, handing superfences the lexer-caching highlighter."""

    def get_pymdownx_highlighter(self) -> type[Highlight]:
        """The highlighter superfences constructs for each code block."""
        return CachedLexerHighlight


def makeExtension(**kwargs: Any) -> CachedLexerHighlightExtension:
    """Python-Markdown's entry point: `mathpress.mdext` in an extension list."""
    return CachedLexerHighlightExtension(**kwargs)
