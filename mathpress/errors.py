"""Errors: Diagnostic records (`path:line:col: message`) shared by every stage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


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
