"""Liquid stage: the Liquid real Jekyll posts carry → plain Markdown (line count kept).

Handled: {% raw %}, {% comment %}, {% highlight lang [linenos] %} (becomes a fenced block),
{{ site.baseurl }}, {{ site.url }}, {{ site.title }}, {{ page.title }}, {{ "/x" | relative_url }},
{{ "/x" | absolute_url }}, {% post_url name %}. Any other tag or expression is left out
with a warning naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import Diagnostic, error, warning

RAW = re.compile(r"\{%-?\s*raw\s*-?%\}(.*?)\{%-?\s*endraw\s*-?%\}", re.S)
COMMENT = re.compile(r"\{%-?\s*comment\s*-?%\}.*?\{%-?\s*endcomment\s*-?%\}", re.S)
HIGHLIGHT = re.compile(
    r"\{%-?\s*highlight\s+([\w+#.-]+)((?:\s+[\w=\"']+)*)\s*-?%\}\n?(.*?)\n?\{%-?\s*endhighlight\s*-?%\}",
    re.S,
)
BASEURL_THEN_LINK = re.compile(r"\{\{-?\s*site\.baseurl\s*-?\}\}(?=\{%-?\s*(?:post_url|link)\s)")
TAG = re.compile(r"\{%-?\s*(\w+)(.*?)-?%\}", re.S)
OUTPUT = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
LITERAL = re.compile(r"""^\s*(?:"([^"]*)"|'([^']*)')\s*((?:\|\s*\w+\s*)*)$""")


@dataclass(frozen=True)
class LiquidContext:
    """The values Liquid in a post may ask for."""

    url: str  # the site's scheme and host, without a trailing slash
    base_url: str  # "/" or "/repo/"
    site: Mapping[str, str] = field(default_factory=dict)
    page: Mapping[str, str] = field(default_factory=dict)
    post_urls: Mapping[str, str] = field(default_factory=dict)  # file stem → URL path

    def relative(self, path: str) -> str:
        """A site path under the base URL (Jekyll's relative_url)."""
        if re.match(r"^[a-z][a-z0-9+.-]*:", path):
            return path
        return self.base_url.rstrip("/") + "/" + path.lstrip("/")

    def absolute(self, path: str) -> str:
        """A full URL (Jekyll's absolute_url)."""
        relative = self.relative(path)
        return relative if "://" in relative else self.url + relative


@dataclass
class _Run:
    """One pass over one document's Liquid."""

    text: str
    source: str
    first_line: int
    context: LiquidContext
    notes: list[Diagnostic] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        return self.text.count("\n", 0, offset) + self.first_line


def render_liquid(text: str, source: str, first_line: int, context: LiquidContext) -> tuple[str, list[Diagnostic]]:
    """Apply the supported Liquid; everything else is dropped with a warning."""
    if "{%" not in text and "{{" not in text:
        return text, []
    run = _Run(text, source, first_line, context)
    pieces: list[str] = []
    last = 0
    for match in RAW.finditer(text):
        pieces.append(_apply(run, last, match.start()))
        pieces.append(match[1])
        last = match.end()
    pieces.append(_apply(run, last, len(text)))
    return "".join(pieces), run.notes


def _apply(run: _Run, start: int, end: int) -> str:
    """Liquid outside {% raw %}: comments, highlight blocks, tags, then output expressions."""
    chunk = run.text[start:end]
    chunk = COMMENT.sub(lambda m: "\n" * m.group().count("\n"), chunk)
    chunk = HIGHLIGHT.sub(_fence, chunk)
    chunk = BASEURL_THEN_LINK.sub("", chunk)
    offset = start
    chunk = TAG.sub(lambda m: _tag(run, m, offset + m.start()), chunk)
    return OUTPUT.sub(lambda m: _output(run, m, offset + m.start()), chunk)


def _fence(match: re.Match[str]) -> str:
    """{% highlight lang linenos %} → a fenced block long enough for its content."""
    lang, options, code = match[1], match[2], match[3]
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * max(3, longest + 1)
    numbers = ' linenums="1"' if "linenos" in options else ""
    return f"{fence}{lang}{numbers}\n{code}\n{fence}"


def _tag(run: _Run, match: re.Match[str], offset: int) -> str:
    """{% post_url name %}; any other tag is left out with a warning."""
    name, argument = match[1], match[2].strip()
    keep_lines = "\n" * match.group().count("\n")
    if name == "post_url":
        url = run.context.post_urls.get(argument)
        if url is None:
            run.notes.append(error(run.source, run.line_of(offset), 1, f"{{% post_url {argument} %}}: no such post"))
            return keep_lines
        return run.context.relative(url)
    run.notes.append(
        warning(run.source, run.line_of(offset), 1, f"Liquid tag `{{% {name} %}}` is not supported; left out")
    )
    return keep_lines


def _output(run: _Run, match: re.Match[str], offset: int) -> str:
    """{{ site.x }}, {{ page.x }} and {{ "path" | relative_url }}; others are left out."""
    expression = match[1].strip()
    value = _evaluate(run.context, expression)
    if value is None:
        line = run.line_of(offset)
        run.notes.append(warning(run.source, line, 1, f"Liquid `{{{{ {expression} }}}}` is not supported; left out"))
        return ""
    return value


def _evaluate(context: LiquidContext, expression: str) -> str | None:
    """The value of a supported output expression, or None."""
    if expression == "site.baseurl":
        return context.base_url.rstrip("/")
    if expression == "site.url":
        return context.url
    for prefix, values in (("site.", context.site), ("page.", context.page)):
        if expression.startswith(prefix) and expression[len(prefix) :] in values:
            return values[expression[len(prefix) :]]
    literal = LITERAL.match(expression)
    if not literal:
        return None
    value = literal[1] if literal[1] is not None else literal[2]
    for name in re.findall(r"\|\s*(\w+)", literal[3]):
        if name == "relative_url":
            value = context.relative(value)
        elif name == "absolute_url":
            value = context.absolute(value)
        else:
            return None
    return value
