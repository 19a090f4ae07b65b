"""The tuned Markdown instance renders exactly what plain Python-Markdown renders, only faster."""

from __future__ import annotations

import re

import markdown
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathpress import markup, mdext
from mathpress.math.spans import inline_text


def untuned(name: str) -> str:
    """The stock extension an extension of mdext stands in for."""
    return "pymdownx.highlight" if name == "mathpress.mdext" else name


PLAIN_EXTENSIONS = [untuned(name) for name in markup.EXTENSIONS]
PLAIN_CONFIGS = {untuned(name): config for name, config in markup.EXTENSION_CONFIGS.items()}


def plain() -> markdown.Markdown:
    """Python-Markdown with mathpress's extensions and no tuning."""
    return markdown.Markdown(extensions=PLAIN_EXTENSIONS, extension_configs=PLAIN_CONFIGS)


def convert(md: markdown.Markdown, text: str) -> tuple[str, str]:
    """One document through one instance, reset first, as markup.to_html does."""
    md.reset()
    return md.convert(text), getattr(md, "toc", "")


def test_every_inline_pattern_has_a_known_trigger() -> None:
    """A pattern added by a new extension must be looked at (and listed) before it is skipped."""
    names = {item.name for item in plain().inlinePatterns._priority}
    assert names == set(mdext.TRIGGERS)


def test_the_tuned_instance_uses_the_triggered_processor() -> None:
    assert isinstance(markup._markdown().treeprocessors["inline"], mdext.TriggeredInlineProcessor)


NOISE = st.text("ab `\\[]^!()<>&;#*_~:/@. \n-=|{}\"'x1", max_size=60)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NOISE)
def test_no_pattern_matches_text_without_its_trigger(text: str) -> None:
    """Each trigger is necessary: with it removed from the text, the pattern's regex finds nothing."""
    md = plain()
    for item in md.inlinePatterns._priority:
        cleaned = text
        for trigger in mdext.TRIGGERS[item.name]:
            cleaned = cleaned.replace(trigger, "")
        if any(trigger in cleaned for trigger in mdext.TRIGGERS[item.name]):
            continue  # removing one trigger made another; not a text without triggers
        regex: re.Pattern[str] = md.inlinePatterns[item.name].getCompiledRegExp()
        assert regex.search(cleaned) is None, (item.name, cleaned)


LINE = st.lists(
    st.sampled_from(
        [
            "word",
            " ",
            "*em*",
            "**strong**",
            "_u_",
            "~~del~~",
            "`code`",
            "[link](http://x.org)",
            "![img](a.png)",
            "[ref][r]",
            "[r]",
            "<b>x</b>",
            "<http://a.org>",
            "<a@b.org>",
            "&amp;",
            "\\*",
            "[^1]",
            "  \n",
            "*",
            "_",
            "[",
            "]",
            "<",
            "&",
            "`",
            "{: .c}",
            "HTML",
        ]
    ),
    max_size=12,
).map("".join)
BLOCK = st.sampled_from(["", "# ", "## ", "- ", "1. ", "> ", "    ", "| a | b |\n|---|---|\n| "])
DOCUMENT = st.lists(st.tuples(BLOCK, LINE).map("".join), max_size=6).map(
    lambda blocks: "\n\n".join(blocks) + "\n\n[r]: http://r.org\n[^1]: a note\n*[HTML]: Hypertext\n"
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_tuned_output_equals_plain_output(text: str) -> None:
    """Random documents of every inline construct render to the same bytes, table of contents included."""
    assert convert(markup._markdown(), text) == convert(plain(), text)


CODE = st.sampled_from(["python", "py", "c", "rust", "text", "", "nosuchlanguage", "PYTHON", "{.python}", "bash"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(CODE, st.text("ab(){}=;:'\"#\\ \n\t<>&x1", max_size=40)), min_size=1, max_size=4))
def test_code_blocks_render_as_with_a_fresh_lexer_each(blocks: list[tuple[str, str]]) -> None:
    """Fenced code through cached lexers (languages repeated, unknown, differently cased) renders the same."""
    text = "\n\n".join(f"```{language}\n{code}\n```" for language, code in blocks)
    assert convert(markup._markdown(), text) == convert(plain(), text)


def test_the_tuned_instance_highlights_with_cached_lexers() -> None:
    """superfences got the caching highlighter, and a language's lexer is made once."""
    md = markup._markdown()
    convert(md, "```python\nx = 1\n```\n\n```python\ny = 2\n```")
    assert md.preprocessors["fenced_code_block"].highlighter is mdext.CachedLexerHighlight
    lexers = [lexer for key, (lexer, _) in mdext.CachedLexerHighlight._lexers.items() if key[0] == "python"]
    assert len(lexers) == 1


def pathological_reference(body: str) -> str:
    """markup.pathological as first written: every character Markdown reads as text and every line counted."""
    depth = unclosed = 0
    for char in inline_text(body):
        if char == "[":
            depth += 1
        elif char == "]" and depth:
            depth -= 1
        unclosed = max(unclosed, depth)
    if unclosed > markup.MAX_OPEN_BRACKETS:
        return f"{unclosed} `[` open at once (at most {markup.MAX_OPEN_BRACKETS}); Markdown would take minutes"
    if max(map(markup._nesting, body.split("\n")), default=0) > markup.MAX_NESTING:
        return f"nested too deeply to render (lists or quotes more than {markup.MAX_NESTING} levels deep)"
    return ""


PIECES = st.sampled_from(
    ["[", "]", "[" * 500, "]" * 3, "\n", ">", "> " * 40, "\t" * 49, "\t", " " * 30, "- ", "1. ", "x"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_pathological_skips_only_bodies_that_cannot_be(body: str) -> None:
    """The quick checks (few `[`, no deeply indented line) give the full count's answer."""
    assert markup.pathological(body) == pathological_reference(body)


def test_pathological_at_its_limits() -> None:
    """Just past each limit is caught; just inside is not."""
    assert markup.pathological("\t" * 50 + "- x") != "" and markup.pathological("\t" * 49 + "- x") == ""
    assert markup.pathological(">" * 101 + " x") != "" and markup.pathological(">" * 100 + " x") == ""
    assert markup.pathological("[" * 1001) != "" and markup.pathological("[" * 1000) == ""
