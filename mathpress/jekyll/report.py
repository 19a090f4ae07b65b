"""Import report: the notes an import gathered → lines a person reads, grouped by kind, what is lost first.

Every note keeps its own `path:line: message` (printed by `import --verbose` and written to the imported
site's jekyll-baseline.txt); the summary groups notes of one kind into a line with counts and examples.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .rules import POST_NAME

# How much a kind of note matters to a reader of the Jekyll site, the summary's order: what the new site
# lacks (a document, a figure, Markdown read differently), then settings and theme files, then what is kept
# for templates though nothing shows it, then what was translated.
LOST, SETTING, KEPT, TRANSLATED = 0, 1, 2, 3
HEADINGS = {
    LOST: "not carried: readers of the Jekyll site saw these",
    SETTING: "not carried: settings and theme files (mathpress's own theme shows the site)",
    KEPT: "kept, though mathpress's theme does not show them",
    TRANSLATED: "translated",
}
DETAILS_SHOWN = 8
EXAMPLES_SHOWN = 3


@dataclass(frozen=True, order=True)
class Note:
    """One thing an import reports about one file: where, what, and the kind the summary groups it under."""

    path: str
    line: int
    message: str
    kind: str = ""  # the summary's heading for the note; "" groups notes with the same message
    detail: str = ""  # what within the kind it is about (a front matter key, a layout, a setting)
    rank: int = LOST

    def __str__(self) -> str:
        """`path:line: message`, the line left out when it is not known."""
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


def note_from_line(text: str, rank: int = TRANSLATED) -> Note:
    """A note written as one `path:line: message` string."""
    match = re.match(r"^(\S[^:]*?)(?::(\d+))?: (.*)$", text, re.S)
    if not match:
        return Note("", 0, text, rank=rank)
    return Note(match[1], int(match[2] or 0), match[3], rank=rank)


def summary(notes: Sequence[Note], accepted: Sequence[str]) -> list[str]:
    """The report's lines: each rank's kinds with counts and a few examples, then what the site already had."""
    lines: list[str] = []
    for rank, heading in HEADINGS.items():
        group = [n for n in notes if n.rank == rank]
        if group:
            lines.append(f"{heading} ({_count(len(group), 'item')}):")
            lines.extend("  " + line for line in _kinds(group))
    if accepted:
        lines.append(f"already in the site, accepted by the baseline ({_count(len(accepted), 'item')}):")
        lines.extend("  " + line for line in _kinds([_accepted_note(line) for line in accepted]))
    return lines


def _kinds(notes: Sequence[Note]) -> list[str]:
    """One line per kind, the kind with most files first."""
    kinds: dict[str, list[Note]] = defaultdict(list)
    for note in notes:
        kinds[note.kind or note.message].append(note)
    ordered = sorted(kinds.items(), key=lambda item: (-len({n.path for n in item[1]}), item[0]))
    return [_kind_line(kind, group) for kind, group in ordered]


def _kind_line(kind: str, notes: Sequence[Note]) -> str:
    """`kind: detail (N posts), …` when the notes name details, else `kind (N files): a.md:3, b.md, …`; a kind
    with one note is that note."""
    if len(notes) == 1:
        return str(notes[0])
    if all(n.detail for n in notes):
        by_detail: dict[str, list[Note]] = defaultdict(list)
        for note in notes:
            by_detail[note.detail].append(note)
        ordered = sorted(by_detail.items(), key=lambda item: (-len({n.path for n in item[1]}), item[0]))
        paths = {n.path for n in notes}
        if len(paths) == 1:  # one file's settings: `_config.yml settings not carried (_config.yml): a, b`
            shown = [detail for detail, _ in ordered[:DETAILS_SHOWN]]
            return f"{kind} ({paths.pop()}): " + ", ".join(shown) + _more(len(ordered) - DETAILS_SHOWN)
        shown = [f"{detail} ({_files(group)})" for detail, group in ordered[:DETAILS_SHOWN]]
        return f"{kind}: " + ", ".join(shown) + _more(len(ordered) - DETAILS_SHOWN)
    first = {n.path: n for n in sorted(notes, reverse=True)}  # each file once, at its first note
    examples = [_where(first[path]) for path in sorted(first)[:EXAMPLES_SHOWN]]
    return f"{kind} ({_files(notes)}): " + ", ".join(examples) + _more(len(first) - EXAMPLES_SHOWN)


def _files(notes: Iterable[Note]) -> str:
    """How many files the notes are about: posts when every one is a post (a dated name in _posts/), else files."""
    paths = {n.path for n in notes}
    posts = all(
        ("/_posts/" in f"/{p}" and POST_NAME.match(p.rsplit("/", 1)[-1])) or p.startswith("content/posts/")
        for p in paths
    )
    return _count(len(paths), "post" if posts else "file")


def _count(number: int, what: str) -> str:
    """`1 post`, `3 posts`."""
    return f"{number} {what}" + ("" if number == 1 else "s")


def _more(left: int) -> str:
    """`, and 4 more` when some were left out."""
    return f", and {left} more" if left > 0 else ""


def _where(note: Note) -> str:
    """A note's place, `path:line` or the path alone."""
    return f"{note.path}:{note.line}" if note.line else note.path


def _accepted_note(line: str) -> Note:
    """A baseline entry (a build warning `file: message`, a check problem `page: … [kind]`) as a note.

    Notes group by their message with what differs taken out (quoted parts, addresses, numbers); a build
    warning's detail is its first quoted part (the macro, the tag).
    """
    path, _, message = line.partition(": ")
    quoted = re.findall(r"`([^`]*)`", message)
    kind = re.sub(r"\s*\(did you mean [^)]*\)", "", re.sub(r"`[^`]*`", "`…`", message))
    kind = re.sub(r"(?<=> )\S+?(?=:? )", "…", kind)  # the address after `<img src>`
    kind = re.sub(r"\S*/\S*|'[^']*'|\(as served at [^)]*\)", "…", kind)
    kind = re.sub(r"\b\d+\b", "N", kind).replace("…:", "…")
    detail = quoted[0] if quoted and not message.endswith("]") else ""
    detail = re.sub(r"^\{%-?\s*(\w+).*", r"{% \1 %}", detail)  # a tag by its name, not its arguments
    return Note(path, 0, message, kind, detail)
