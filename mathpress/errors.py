"""Errors: Diagnostic records (`path:line:col: message`) shared by every stage."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
NEWLINE = re.compile("\n")


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One finding about one place in one file; line and col are 1-based (0 = unknown)."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}"
            if self.col:
                where += f":{self.col}"
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {label}{self.message}"

    def as_error(self) -> Diagnostic:
        """The same finding, promoted to an error (for --strict)."""
        return Diagnostic(self.path, self.line, self.col, self.message, "error")


@dataclass(frozen=True)
class LineStarts:
    """Where each line of a text starts, so that every offset's file position is found by bisection."""

    starts: tuple[int, ...]
    first_line: int = 1

    @classmethod
    def of(cls, text: str, first_line: int = 1) -> LineStarts:
        """The line starts of a text whose first line is the file's line first_line."""
        return cls((0, *(m.end() for m in NEWLINE.finditer(text))), first_line)

    def position(self, offset: int) -> tuple[int, int]:
        """File line and 1-based column of an offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + self.first_line, offset - self.starts[index] + 1


def line_col(text: str, offset: int, first_line: int = 1) -> tuple[int, int]:
    """File line and 1-based column of one offset (for many, use LineStarts)."""
    return text.count("\n", 0, offset) + first_line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def error(path: str, line: int, col: int, message: str) -> Diagnostic:
    """An error diagnostic."""
    return Diagnostic(path, line, col, message, "error")


def warning(path: str, line: int, col: int, message: str) -> Diagnostic:
    """A warning diagnostic."""
    return Diagnostic(path, line, col, message, "warning")


class SourceError(Exception):
    """Bad input in one file; carries the diagnostic that explains it."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


class BuildFailed(Exception):
    """The build found errors; nothing was published."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(sort_diagnostics(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class UsageError(Exception):
    """The command line or the folders given cannot work (exit code 2)."""


def sort_diagnostics(items: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Unique diagnostics grouped by file and sorted by line."""
    return sorted(set(items))
