"""Baseline stage: what a site already had when it was imported, which `build --strict` and `check` accept.

An imported Jekyll site often starts with warnings (a plugin's tag left as a link) and broken links the
Jekyll site had too. The importer records them in a baseline file; given `--baseline FILE`, `build --strict`
fails only on warnings beyond it and `check` only on problems beyond it, so the first deploy works and anything
new still stops it. Entries leave out line numbers (an edit above a known warning keeps it known) and count:
a second copy of a known warning in the same file is new.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .errors import Diagnostic, UsageError

BASELINE_FILE = "jekyll-baseline.txt"
SECTIONS = ("[build]", "[check]", "[import]")
HEADER = """\
# What this site already had when `mathpress import` made it from a Jekyll site: build warnings
# ([build], as `file: message`) and `mathpress check` problems ([check]). The Pages workflow passes
# --baseline with this file, so these do not block a deploy; anything new does. Delete a line once
# it is fixed (or the whole file, and --baseline from the workflow, once all are).
# [import] lists, for reading only, every thing the import did not carry or carried in another form,
# at its line in the Jekyll site (what `mathpress import --verbose` printed).
"""

T = TypeVar("T")
LINK_PROBLEM = re.compile(r"^(.*?: <\w+ [\w-]+> \S+?)(?::| is outside the site's base).* \[link\]$")


@dataclass(frozen=True)
class Baseline:
    """Accepted build warnings and check problems, each a text key, repeated as often as accepted."""

    build: tuple[str, ...] = ()
    check: tuple[str, ...] = ()
    imported: tuple[str, ...] = ()  # the import's notes: read by people, never matched


def diagnostic_key(diagnostic: Diagnostic) -> str:
    """A build warning as the baseline writes it: its file and message, no line."""
    return f"{diagnostic.path}: {diagnostic.message}"


def problem_key(line: str) -> str:
    """A check problem as matched: a broken link's page, tag and address, not how it is broken.

    The same missing file reads "no such file" at the import's address and "outside the site's base"
    under a project site's /REPO/ base; either way it is the link the Jekyll site had.
    """
    return LINK_PROBLEM.sub(r"\1 [link]", line.strip())


def baseline_text(warnings: Iterable[Diagnostic], problems: Iterable[object], imported: Iterable[str] = ()) -> str:
    """The baseline file for these warnings and check problems (written with str()) and the import's notes."""
    build = sorted(diagnostic_key(d) for d in warnings)
    check = sorted(str(p) for p in problems)
    notes = list(imported)
    tail = ["", "[import]", *notes] if notes else []
    return HEADER + "\n".join(["[build]", *build, "", "[check]", *check, *tail]) + "\n"


def read_baseline(path: Path) -> Baseline:
    """Read a baseline file; a missing file or a line outside a section is a usage error at its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the baseline: {exc}") from exc
    found: dict[str, list[str]] = {name: [] for name in SECTIONS}
    section: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.strip() in SECTIONS:
            section = line.strip()
        elif section is None:
            raise UsageError(f"{path}:{number}: a baseline line before [build] or [check]")
        else:
            found[section].append(line.strip())
    return Baseline(tuple(found["[build]"]), tuple(found["[check]"]), tuple(found["[import]"]))


def beyond(items: Sequence[T], key: Callable[[T], str], accepted: Sequence[str]) -> list[T]:
    """The items the baseline does not account for (each accepted key covers one item)."""
    left = Counter(accepted)
    new: list[T] = []
    for item in items:
        if left[key(item)] > 0:
            left[key(item)] -= 1
        else:
            new.append(item)
    return new
