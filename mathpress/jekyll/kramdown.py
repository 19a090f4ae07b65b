"""kramdown habits stage: Markdown written for kramdown → Markdown that Python-Markdown reads alike.

Three rewrites, all outside fenced code (and a fourth for sites that set kramdown's
`parse_block_html`: see `parse_block_html`): kramdown attribute lists (`{: .class}`) are moved
to where Python-Markdown's attr_list applies them or dropped, never printed; list items
indented by their content column (2 or 3 spaces, as kramdown and GFM allow) are re-indented
to Python-Markdown's 4; raw `<p>` and `<h1>`…`<h6>` blocks get Markdown inside them (real
posts write `<h4>__bold__</h4>` and mean bold), except inside a raw HTML container, which
Markdown leaves as written (the attribute would reach the page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})")
IAL_LINE = re.compile(r"^[ \t>]*\{:?[ \t]*((?:[.#][^}\s]|[A-Za-z_][\w-]*=)[^}]*?)[ \t]*:?\}[ \t]*$")
EXTENSION_LINE = re.compile(r"^[ \t]*\{::[^}]*\}[ \t]*$")
SPAN_IAL = re.compile(r"\{:[ \t]*([^}\n]*?)[ \t]*:?\}")
HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]")
LIST_MARKER = re.compile(r"^([ \t]*)([-+*]|\d{1,9}[.)])([ \t]+)(?=\S)")
THEMATIC_BREAK = re.compile(r"^[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*$")
CONTAINER_TAG = re.compile(
    r"^\s*<(?:div|section|article|aside|details|figure|header|footer|main|nav|blockquote)\b[^>]*?()/?>", re.I
)
RAW_CONTAINER = re.compile(r"^<(?:div|section|article|aside|figure|blockquote)\b(?![^>]*\bmarkdown=)[^>]*>", re.I)
RAW_CONTAINER_OPEN = re.compile(r"<(?:div|section|article|aside|figure|blockquote)\b[^>]*?(?<!/)>", re.I)
RAW_CONTAINER_CLOSE = re.compile(r"</(?:div|section|article|aside|figure|blockquote)\s*>", re.I)
FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
SPAN_HTML_BLOCK = re.compile(r"^<(p|h[1-6])((?:\s[^>]*)?)>", re.I)


def normalize(text: str, markdown_in_html: bool = False) -> str:
    """Apply the kramdown rewrites (and kramdown's parse_block_html when markdown_in_html)."""
    lines = _drop_unused_footnotes(text.split("\n"))
    lines = _reindent_lists(lines)
    lines = _place_block_ials(lines)
    if markdown_in_html:
        lines = parse_block_html(lines)
    lines = _open_html_ancestors(lines)
    raw = _inside_raw_html(lines)
    return "\n".join(line if inside else _rewrite_spans(line) for line, inside in zip(lines, raw, strict=True))


def _drop_unused_footnotes(lines: list[str]) -> list[str]:
    """kramdown drops a footnote definition nothing refers to (Python-Markdown would list it, linking nowhere)."""
    code = _code_mask(lines)
    starts = {i: m[1] for i, line in enumerate(lines) if not code[i] and (m := FOOTNOTE_DEF.match(line))}
    if not starts:
        return lines
    text = "\n".join(FOOTNOTE_DEF.sub("", line) for line in lines)
    unused = {i for i, label in starts.items() if f"[^{label}]" not in text}
    out: list[str] = []
    dropping = False
    for index, line in enumerate(lines):
        if index in starts:
            dropping = index in unused
        elif dropping and line.strip() and not line.startswith((" ", "\t")):
            dropping = False
        if not dropping or not line.strip():
            out.append(line)
    return out


def _inside_raw_html(lines: list[str]) -> list[bool]:
    """True for lines inside a raw HTML container (one without markdown=): Markdown leaves them, so do we."""
    inside = [False] * len(lines)
    depth = 0
    for index, (line, code) in enumerate(zip(lines, _code_mask(lines), strict=True)):
        inside[index] = depth > 0
        if code:
            continue
        if depth or RAW_CONTAINER.match(line):
            depth = max(0, depth + len(RAW_CONTAINER_OPEN.findall(line)) - len(RAW_CONTAINER_CLOSE.findall(line)))
    return inside


def _code_mask(lines: list[str]) -> list[bool]:
    """True for lines inside (or opening/closing) a fenced code block."""
    mask = [False] * len(lines)
    fence: str | None = None
    for index, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is None and match:
            fence = match[2]
            mask[index] = True
        elif fence is not None:
            mask[index] = True
            if _closes_fence(line, fence):
                fence = None
    return mask


def normalize_attributes(inner: str) -> str:
    """`.a.b key=v :` → `.a .b key=v` (kramdown chains classes; attr_list needs spaces)."""
    inner = inner.strip().rstrip(":").strip()
    inner = re.sub(r"(?<=[\w-])\.(?=[A-Za-z_])", " .", inner)
    return re.sub(r"(?<=[\w-])#(?=[A-Za-z_])", " #", inner)


def _place_block_ials(lines: list[str]) -> list[str]:
    """Move standalone `{: …}` lines onto the block they style, or drop them."""
    mask = _code_mask(lines)
    out: list[str] = []
    pending: str | None = None  # an IAL written before its block
    for index, line in enumerate(lines):
        if mask[index]:
            pending = None
            out.append(line)
            continue
        if EXTENSION_LINE.match(line):
            continue
        ial = IAL_LINE.match(line)
        if ial:
            attrs = "{: " + normalize_attributes(ial[1]) + " }"
            previous = out[-1] if out else ""
            if previous.strip() and not mask[index - 1]:
                out[-1] = _attach(previous, attrs)
            elif index + 1 < len(lines) and lines[index + 1].strip():
                pending = attrs
            continue
        if pending and (not line.strip() or index + 1 == len(lines)):
            _attach_pending(out, line, pending)
            pending = None
            continue
        if pending and HEADING.match(line):
            line = f"{line} {pending}"
            pending = None
        out.append(line)
    return out


def _attach_pending(out: list[str], line: str, pending: str) -> None:
    """Close a paragraph that had its IAL written before it."""
    if line.strip():
        out.append(line)
        out.append(pending)
    else:
        out.append(pending)
        out.append(line)


def _attach(previous: str, attrs: str) -> str:
    """Put an IAL on the line before it: headings and quotes inline, paragraphs on the next line."""
    if HEADING.match(previous):
        return f"{previous} {attrs}"
    if previous.lstrip().startswith("|"):
        return previous  # tables cannot take attributes in Python-Markdown
    return f"{previous}\n{_indent_of(previous)}{attrs}"


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _open_html_ancestors(lines: list[str]) -> list[str]:
    """kramdown honours markdown="1" at any depth; Python-Markdown needs it on every ancestor."""
    out = list(lines)
    start = 0
    while start < len(lines):
        end = start
        while end < len(lines) and lines[end].strip():
            end += 1
        block = lines[start:end]
        if block and block[0].lstrip().startswith("<") and any("markdown=" in line for line in block[1:]):
            last = max(i for i, line in enumerate(block) if "markdown=" in line)
            for index in range(last):
                out[start + index] = _mark_markdown(block[index])
        start = end + 1
    return out


def _mark_markdown(line: str) -> str:
    """Add markdown="1" to a block element's opening tag at the start of a line."""
    match = CONTAINER_TAG.match(line)
    if not match or "markdown=" in match[0]:
        return line
    return line[: match.end(1)] + ' markdown="1"' + line[match.end(1) :]


def _rewrite_spans(line: str) -> str:
    """Fix span IALs and open raw `<p>`/`<hN>` blocks to Markdown, outside code spans."""
    match = SPAN_HTML_BLOCK.match(line)
    if match and "markdown=" not in match[2]:
        line = f'<{match[1]}{match[2]} markdown="1">' + line[match.end() :]
    if "{:" not in line:
        return line
    parts = re.split(r"(`+[^`]*`+)", line)
    for index in range(0, len(parts), 2):
        parts[index] = SPAN_IAL.sub(lambda m: "{: " + normalize_attributes(m[1]) + " }", parts[index])
    return "".join(parts)


@dataclass
class _Item:
    """An open list item: where its content starts in the source and in the output."""

    marker: int
    content: int
    new_content: int


def _reindent_lists(lines: list[str]) -> list[str]:
    """Re-indent list item content from its source column to multiples of 4."""
    out: list[str] = []
    stack: list[_Item] = []
    fence_shift: int | None = None
    fence_mark = ""
    previous_blank = True
    paragraphs = False  # a blank line since the last item opened: its text runs in paragraphs
    for line in lines:
        expanded = line.expandtabs(4)
        if fence_shift is not None:
            out.append(_shift(expanded, fence_shift))
            if _closes_fence(expanded, fence_mark):
                fence_shift = None
            continue
        if not expanded.strip():
            out.append("")
            previous_blank = paragraphs = True
            continue
        indent = len(expanded) - len(expanded.lstrip(" "))
        marker = LIST_MARKER.match(expanded)
        if marker and not THEMATIC_BREAK.match(expanded) and (stack or indent < 4):
            if stack and paragraphs and not previous_blank and indent < stack[-1].content:
                out.append("")  # kramdown starts the next item here; Python-Markdown would read on in the paragraph
            out.append(_open_item(stack, expanded, indent, marker))
            paragraphs = False
        else:
            shift = _continuation_shift(stack, indent, previous_blank)
            fence = FENCE.match(expanded)
            if fence:
                fence_shift, fence_mark = shift, fence[2]
            out.append(_shift(expanded, shift))
        previous_blank = False
    return out


def _open_item(stack: list[_Item], line: str, indent: int, marker: re.Match[str]) -> str:
    """Push a list item (popping the items it is not nested in); return its re-indented line."""
    while stack and indent < stack[-1].content:
        stack.pop()
    base = stack[-1].new_content if stack else 0
    spaces = len(marker[3]) if len(marker[3]) <= 4 else 1
    stack.append(_Item(indent, indent + len(marker[2]) + spaces, base + 4))
    return " " * base + line.lstrip(" ")


def _continuation_shift(stack: list[_Item], indent: int, previous_blank: bool) -> int:
    """How far to move a non-marker line: by its owning item's change of content column."""
    if stack and previous_blank and indent < stack[0].content:
        stack.clear()
    owner = next((item for item in reversed(stack) if indent >= item.content), None)
    if owner is None:
        return 0
    while stack[-1] is not owner:
        stack.pop()
    return owner.new_content - owner.content


def _closes_fence(line: str, mark: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(mark) and set(stripped) == {mark[0]}


def _shift(line: str, shift: int) -> str:
    """Indent (or dedent, as far as the spaces go) a line by shift columns."""
    if shift >= 0:
        return " " * shift + line if line.strip() else line
    lead = len(line) - len(line.lstrip(" "))
    return line[min(lead, -shift) :]


# -- parse_block_html ------------------------------------------------------------------------

# Elements whose content kramdown 2.4 parses with parse_block_html (its HTML_CONTENT_MODEL
# block and span lists) that Python-Markdown also reads as blocks; md_in_html parses an
# element marked markdown="1" as a block (div, details) or a span (p, summary) alike. Any
# other element is raw for kramdown (table, ul, center, pre) and so is all it holds.
PARSED_HTML = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "dd",
        "details",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "iframe",
        "legend",
        "li",
        "main",
        "map",
        "menu",
        "nav",
        "noscript",
        "object",
        "p",
        "section",
        "summary",
        "td",
        "th",
    }
)
RAW_HTML = frozenset(
    {
        "canvas",
        "center",
        "colgroup",
        "group",
        "html",
        "math",
        "ol",
        "option",
        "output",
        "pre",
        "progress",
        "script",
        "style",
        "table",
        "tbody",
        "textarea",
        "tfoot",
        "thead",
        "tr",
        "ul",
        "video",
    }
)
BLOCK_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
BLOCK_START = re.compile(r"^ {0,3}<[A-Za-z]")
MARKDOWN_ATTRIBUTE = re.compile(r"\s+markdown\s*=\s*[\"']?(\w+)[\"']?")
COMMENT_OR_CODE = re.compile(r"<!--.*?(?:-->|$)|(`+).*?(?<!`)\1(?!`)")


def parse_block_html(lines: list[str]) -> list[str]:
    """kramdown's parse_block_html: mark the HTML blocks kramdown reads Markdown in with markdown="1"."""
    out: list[str] = []
    stack: list[tuple[str, bool]] = []  # open block elements: (name, whether their content is Markdown)
    comment = False
    for line, code in zip(lines, _code_mask(lines), strict=True):
        if code or comment or (not stack and not BLOCK_START.match(line)):
            out.append(line)
        else:
            out.append(_mark_tags(line, stack))
        if not code:
            comment = _in_comment(line, comment)
    return out


def _in_comment(line: str, comment: bool) -> bool:
    """Whether an HTML comment is still open after this line."""
    for token in re.findall(r"<!--|-->", line):
        comment = token == "<!--"
    return comment


def _mark_tags(line: str, stack: list[tuple[str, bool]]) -> str:
    """Add markdown="1" to the block tags of one line that kramdown would parse Markdown in."""
    hidden = COMMENT_OR_CODE.sub(lambda m: " " * len(m.group()), line)
    edits: list[tuple[int, int, str]] = []  # (start, end, new text) in the line
    for tag in BLOCK_TAG.finditer(hidden):
        name = tag[2].lower()
        if name not in PARSED_HTML and name not in RAW_HTML:
            continue
        if tag[1]:
            if any(open_name == name for open_name, _ in stack):
                while stack.pop()[0] != name:
                    pass
            continue
        if hidden[: tag.start()].strip() and not re.fullmatch(r"(?:\s*<[^>]*>)*\s*", hidden[: tag.start()]):
            continue  # a tag inside a line of text: Markdown's inline HTML
        parsed = (not stack or stack[-1][1]) and name in PARSED_HTML
        attrs = tag[3]
        given = MARKDOWN_ATTRIBUTE.search(attrs)
        if given:
            parsed = given[1] != "0"
            if not parsed:  # kramdown drops the attribute; Python-Markdown would print a raw block's
                edits.append((tag.start(3) + given.start(), tag.start(3) + given.end(), ""))
        elif parsed:
            at = tag.end() - (2 if attrs.rstrip().endswith("/") else 1)
            edits.append((at, at, ' markdown="1"'))
        if not attrs.rstrip().endswith("/"):
            stack.append((name, parsed))
    for start, end, text in reversed(edits):
        line = line[:start] + text + line[end:]
    return line
