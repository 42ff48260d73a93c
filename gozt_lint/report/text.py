"""Human output: ``file:line:col: severity [rule] message`` and a summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from gozt_lint.finding import Severity
from gozt_lint.report import coverage_summary, display_path, hidden_summary, ordered

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
    for f in ordered(result.findings):
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
    verified = coverage_summary(result.coverage)
    if verified:
        out.write(verified + "\n")
    counts = [(result.count(s), s.value) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    total = len(result.findings)
    errors = len(result.input_errors) + len(result.internal_errors)
    if total:
        parts = ", ".join(f"{n} {name}" for n, name in counts if n)
        summary = f"Found {total} problem{'s' if total != 1 else ''} ({parts})"
    elif errors:
        # Never an all-clear for a run that did not check everything it was asked to.
        summary = "No verdict"
    elif result.hidden:
        # The threshold is the severity above the highest one hidden.
        highest = max(f.severity.rank for f in result.hidden)
        above = [s.value for s in (Severity.WARNING, Severity.ERROR) if s.rank > highest]
        summary = f"No problems at or above {above[0] if above else 'error'}"
    else:
        summary = "No problems found"
    hidden = hidden_summary(result)
    if hidden:
        summary += f"; {hidden}"
    if result.baselined:
        summary += f"; {result.baselined} in the baseline"
    if result.suppressed:
        summary += f"; {result.suppressed} suppressed by configuration or inline ignores"
    if errors:
        summary += f"; the run did not complete ({errors} error{'s' if errors != 1 else ''})"
    out.write(summary + ".\n")
