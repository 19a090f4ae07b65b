"""Typesetting: a post's MathSpans → the same spans with MathJax's output, and MathJax's verdicts as warnings.

Every span goes through MathJax (math.engine) at build time, whatever `math.render` says:
MathJax is the checker. A TeX error is reported where MathJax stopped reading, with its own
message (and a hint where the message is cryptic); a macro MathJax does not know (it paints
it red) is a warning naming it; an invisible control character is a warning at its place.
Each span then carries MathJax's MathML (made safe for HTML and feeds, see math.mathml) and,
for `render: build`, its SVG with that MathML inside for screen readers.

Spans that nothing else in the post can change (no labels, references, numbers or
definitions) are cached one by one under .mathpress-cache/math/, keyed by their TeX, display
mode, the site's MathJax settings and the engine's version; the rest are typeset with their
post, in page order, as MathJax numbers and resolves them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import Diagnostic, warning
from . import engine
from .check import hint, mathjax_names, tex_position
from .engine import Settings, Typeset
from .mathml import NOT_XML, clean_mathml, fallback
from .spans import MathSpan, numbered_if_labelled

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# TeX whose result depends on the rest of the post: numbers, labels, references, definitions.
CONTEXTUAL = re.compile(
    r"\\(?:label|eqref|ref|tag|notag|nonumber|g?def|edef|let|(?:re|provide|new)command|newenvironment|renewenvironment"
    r"|Declare\w+|require|begingroup|endgroup|global|newcounter)(?![A-Za-z])"
)
NUMBERED = re.compile(r"\\begin\s*\{(?:equation|align|gather|multline|eqnarray|alignat|flalign|xalignat|xxalignat)\}")
HINTS = {
    "UnknownEnv": "MathJax knows amsmath's environments; define others with \\newenvironment",
    "internal": "MathJax itself failed on this TeX (browsers show “Math input error”); look for unusual characters",
    "MultipleLabel": "a label can be defined once per page",
}


@dataclass(frozen=True)
class Group:
    """Spans MathJax typesets as one document (a post's body, its excerpt, its title), in page order."""

    indexes: tuple[int, ...]


def typeset_spans(
    spans: Sequence[MathSpan],
    groups: Sequence[Group],
    source: str,
    settings: Settings,
    check: bool = True,
    cache: Path | None = None,
) -> tuple[tuple[MathSpan, ...], list[Diagnostic]]:
    """Every span with its MathJax output, and MathJax's errors and warnings at their places."""
    done = list(spans)
    notes: list[Diagnostic] = []
    for group in groups:
        tex = [numbered_if_labelled(spans[i]) for i in group.indexes]
        results = _typeset_group(
            [(t, spans[i].display) for t, i in zip(tex, group.indexes, strict=True)], settings, cache
        )
        for index, wrapped, result in zip(group.indexes, tex, results, strict=True):
            span = spans[index]
            done[index] = _with_output(span, result, settings)
            shift = len(wrapped) - len(span.tex) and len("\\begin{equation}")  # numbered_if_labelled
            if check:
                notes.extend(span_notes(span, result, source, shift))
            if done[index].mathml.startswith("<code"):
                line, col = span.line, span.col
                notes.append(
                    warning(
                        source,
                        line,
                        col,
                        "MathML: MathJax's MathML for this formula has elements "
                        "MathML Core lacks; feeds (and `render: mathml` pages) show its TeX",
                    )
                )
    return tuple(done), notes


def _typeset_group(items: Sequence[tuple[str, bool]], settings: Settings, cache: Path | None) -> list[Typeset]:
    """MathJax's results for one document's spans: context-free ones from the cache where it has them."""
    post_wide = any(CONTEXTUAL.search(tex) for tex, _ in items)
    keys = [None if post_wide or _contextual(t, d, settings) else _key(t, d, settings) for t, d in items]
    found: list[Typeset | None] = [_recalled(cache, key) if key else None for key in keys]
    # Context-free spans change nothing around them: the others are typeset together, in order.
    missing = [i for i, result in enumerate(found) if result is None]
    made = engine.typeset([items[i] for i in missing], settings) if missing else []
    for index, result in zip(missing, made, strict=True):
        found[index] = result
        key = keys[index]
        if key:
            _remember(key, result)
            if cache is not None:
                _store(cache, key, result)
    return [result for result in found if result is not None]


RECENT: dict[str, Typeset] = {}  # this process's latest context-free results, oldest first
RECENT_SIZE = 4096  # a blog writes $x$, $n$, $\mathbb{R}$ in post after post: one file read each, not one per use


def _recalled(cache: Path | None, key: str) -> Typeset | None:
    """A context-free span's result: typeset or read by this process lately, else from the cache folder."""
    result = RECENT.get(key)
    if result is None:
        result = _cached(cache, key)
        if result is not None:
            _remember(key, result)
    return result


def _remember(key: str, result: Typeset) -> None:
    if len(RECENT) >= RECENT_SIZE:
        del RECENT[next(iter(RECENT))]
    RECENT[key] = result


def _contextual(tex: str, display: bool, settings: Settings) -> bool:
    """Whether a span's output can depend on the spans around it (an equation number)."""
    if not display or settings.tags == "none":
        return False
    return settings.tags == "all" or bool(NUMBERED.search(tex))


def _key(tex: str, display: bool, settings: Settings) -> str:
    """The cache key of a context-free span."""
    from ..cache import digest

    return digest(
        engine.ENGINE_VERSION, json.dumps(settings.as_json(), sort_keys=True), str(settings.svg), tex, str(display)
    )


def _cached(folder: Path | None, key: str) -> Typeset | None:
    """A span typeset by an earlier build, if it is stored and sound."""
    if folder is None:
        return None
    try:
        data = json.loads((folder / key[:2] / f"{key}.json").read_text(encoding="utf-8"))
        error = data["error"]
        return Typeset(
            str(data["mathml"]),
            str(data["svg"]),
            engine.TexError(str(error[0]), str(error[1]), int(error[2])) if error else None,
            tuple(str(name) for name in data["undefined"]),
        )
    except (OSError, ValueError, TypeError, KeyError, IndexError):
        return None


def _store(folder: Path, key: str, result: Typeset) -> None:
    """Keep a context-free span's result for later builds."""
    from ..cache import write_atomic

    error = [result.error.message, result.error.id, result.error.offset] if result.error else None
    data = {"mathml": result.mathml, "svg": result.svg, "error": error, "undefined": list(result.undefined)}
    write_atomic(folder / key[:2] / f"{key}.json", json.dumps(data, ensure_ascii=False).encode("utf-8"))


def _with_output(span: MathSpan, result: Typeset, settings: Settings) -> MathSpan:
    """The span carrying its MathML (and SVG with MathML inside, for `render: build`)."""
    mathml = clean_mathml(result.mathml, span.tex, span.display) or fallback(span.tex)
    # MathJax keeps a control character it cannot typeset as SVG text; HTML and XML forbid it.
    svg = with_assistive_mathml(NOT_XML.sub("", result.svg), mathml) if settings.svg and result.svg else ""
    return replace(span, mathml=mathml, svg=svg)


def with_assistive_mathml(container: str, mathml: str) -> str:
    """MathJax's `<mjx-container>` with the SVG hidden from screen readers and the MathML for them."""
    display = "block" if ' display="true"' in container[: container.find(">")] else "inline"
    container = container.replace("<svg ", '<svg aria-hidden="true" ', 1)
    assistive = f'<mjx-assistive-mml unselectable="on" display="{display}">{mathml}</mjx-assistive-mml>'
    return container[: container.rfind("</mjx-container>")] + assistive + "</mjx-container>"


ASSISTIVE_CSS = """
mjx-assistive-mml {
  top: 0;
  left: 0;
  clip: rect(1px, 1px, 1px, 1px);
  user-select: none;
  position: absolute !important;
  padding: 1px 0 0 0 !important;
  border: 0 !important;
  display: block !important;
  width: auto !important;
  overflow: hidden !important;
}

mjx-assistive-mml[display="block"] {
  width: 100% !important;
}
"""


def site_css() -> str:
    """The CSS of `render: build` pages (the theme's static/assets/css/mathjax.css): MathJax's SVG
    stylesheet and the assistive MathML's (as MathJax's assistive-mml extension writes it)."""
    sheet = engine.stylesheet(Settings(svg=True, width=1.0))
    head = f"/* MathJax {engine.MATHJAX_VERSION}'s SVG output and assistive MathML (scripts/vendor_mathjax.py) */\n"
    return head + sheet.strip() + "\n" + ASSISTIVE_CSS


def span_notes(span: MathSpan, result: Typeset, source: str, shift: int = 0) -> list[Diagnostic]:
    """MathJax's error, its undefined macros and any control character, each at its place in the file.

    `shift`: how many characters MathJax's TeX had before the span's (an `equation` put around it)."""
    notes = [_control(span, match, source) for match in CONTROL.finditer(span.tex)]
    if result.error is not None:
        notes.append(_error(span, result.error, source, shift))
    pos = 0
    for name in result.undefined:
        match = re.compile(re.escape(name) + "(?![A-Za-z])").search(span.tex, pos)
        at = match.start() if match else 0
        pos = match.end() if match else pos
        line, col = tex_position(span, at)
        notes.append(warning(source, line, col, f"unknown TeX macro `{name}`{_macro_hint(name)}"))
    return notes


def _macro_hint(name: str) -> str:
    """What to say after an unknown macro's name: why MathJax did not know it, or what was meant."""
    if not name[1:].isalpha():  # \[ or \( inside math: a delimiter where TeX wants a character
        return f" (inside math `{name}` is not a delimiter: write `{name[1:]}` for the character itself)"
    known = mathjax_names().macros
    if name[1:] in known:  # a textmacros name inside \text{…}: MathJax shows it as written
        return " (inside \\text{…} MathJax shows macros as written: write the character itself)"
    return hint(name[1:], (m for m in known if m.isalpha()), "\\")


def _control(span: MathSpan, match: re.Match[str], source: str) -> Diagnostic:
    """An invisible control character: MathJax 4 drops it, MathJax 3 fails on it."""
    line, col = tex_position(span, match.start())
    code = f"U+{ord(match.group()):04X}"
    message = f"invisible control character {code} in math (MathJax 3 fails on it with “Math input error”); delete it"
    return warning(source, line, col, message)


def _error(span: MathSpan, error: engine.TexError, source: str, shift: int) -> Diagnostic:
    """MathJax's TeX error where it stopped reading (the span's start when it gives no place)."""
    offset = min(max(error.offset - shift, 0), len(span.tex)) if error.offset >= 0 else 0
    line, col = tex_position(span, offset)
    extra = HINTS.get(error.id, "")
    if error.id == "UnknownEnv":
        name = re.search(r"'([^']*)'", error.message)
        close = hint(name[1], mathjax_names().environments) if name else ""
        extra = close.strip(" ()") or extra
    message = f"MathJax: {error.message}" + (f" ({extra})" if extra else "")
    return warning(source, line, col, message)


def page_markup(span: MathSpan, block: bool) -> str:
    """A typeset span in a page: its SVG (with MathML inside) in the element the theme styles."""
    inner = span.svg or span.mathml or fallback(span.tex)
    if not span.display:
        return f'<span class="math inline">{inner}</span>'
    tag = "div" if block else "span"
    return f'<{tag} class="math display">{inner}</{tag}>'


def mathml_markup(span: MathSpan, block: bool) -> str:
    """A span as MathML (MathJax's), for pages with `render: mathml` and for feeds."""
    return span.mathml or fallback(span.tex)
