"""Human output: ``file:line:col: severity [rule] message`` and a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from gozt_lint.finding import Severity
from gozt_lint.report import display_path

if TYPE_CHECKING:
    from gozt_lint.engine import Result

_COLORS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m", Severity.INFO: "\x1b[1;36m"}
_DIM = "\x1b[2m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def location(f_file: str | None, line: int | None, column: int | None) -> str:
    if f_file is None:
        return ""
    where = display_path(f_file)
    if line:
        where += f":{line}"
        if column:
            where += f":{column}"
    return where


def write(result: Result, out: TextIO, *, color: bool = False) -> None:
    for f in result.findings:
        where = location(f.file, f.line, f.column)
        sev = f.severity.value
        rule = f"[{f.rule}]"
        if color:
            sev = f"{_COLORS[f.severity]}{sev}{_RESET}"
            rule = f"{_DIM}{rule}{_RESET}"
            where = f"{_BOLD}{where}{_RESET}" if where else where
        prefix = f"{where}: " if where else ""
        message = f.message.replace("\n", "\n    ")
        out.write(f"{prefix}{sev} {rule} {message}\n")
    for note in result.notes:
        out.write(f"note: {note}\n")
    counts = [(result.count(s), s.value) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    total = len(result.findings)
    errors = len(result.input_errors) + len(result.internal_errors)
    if total:
        parts = ", ".join(f"{n} {name}" for n, name in counts if n)
        summary = f"Found {total} problem{'s' if total != 1 else ''} ({parts})"
    elif errors:
        # Never an all-clear for a run that did not check everything it was asked to.
        summary = "No verdict"
    else:
        summary = "No problems found"
    if result.suppressed:
        summary += f"; {result.suppressed} suppressed by configuration or inline ignores"
    if errors:
        summary += f"; the run did not complete ({errors} error{'s' if errors != 1 else ''})"
    out.write(summary + ".\n")
