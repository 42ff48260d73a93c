"""GitHub Actions workflow commands: one annotation line per finding."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from gozt_lint.finding import Severity
from gozt_lint.report import coverage_summary, display_path, hidden_summary, ordered

if TYPE_CHECKING:
    from gozt_lint.engine import Result

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def write(result: Result, out: TextIO, *, color: bool = False) -> None:
    # The runner resolves an annotation's path against the checkout
    # (GITHUB_WORKSPACE), not the step's working directory: a run from a module in a
    # subdirectory, or of a repository checked out below the workspace, must still
    # name the file as the repository does.
    base = os.environ.get("GITHUB_WORKSPACE") or result.root or None
    for f in ordered(result.findings):
        props = []
        message = f.message
        rel = display_path(f.file, base) if f.file else None
        if f.file and os.path.isabs(rel or ""):
            # Outside the checkout (the module cache, GOROOT): no line of the
            # repository to annotate; the message names the place.
            message = f"{f.file}{':' + str(f.line) if f.line else ''}: {message}"
        elif f.file and rel:
            props.append(f"file={_prop(rel.replace(os.sep, '/'))}")
            if f.line:
                props.append(f"line={f.line}")
                if f.end_line:
                    props.append(f"endLine={f.end_line}")
                # GitHub ignores columns on multi-line annotations.
                if f.column and (f.end_line in (None, f.line)):
                    props.append(f"col={f.column}")
                    if f.end_column:
                        props.append(f"endColumn={f.end_column}")
        props.append(f"title={_prop(f'gozt-lint [{f.rule}]')}")
        out.write(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(message)}\n")
    for note in result.notes:
        out.write(f"::notice title=gozt-lint::{_data(note)}\n")
    verified = coverage_summary(result.coverage)
    if verified:
        out.write(f"::notice title=gozt-lint::{_data(verified)}\n")
    hidden = hidden_summary(result)
    if hidden:
        out.write(f"::notice title=gozt-lint::{_data(hidden)}\n")
    if result.baselined:
        out.write(f"::notice title=gozt-lint::{result.baselined} finding{'s' if result.baselined != 1 else ''} in the baseline not shown\n")
    # A run that did not complete must not look clean in the workflow summary.
    for err in [str(e) for e in result.input_errors] + result.internal_errors:
        out.write(f"::error title=gozt-lint (run incomplete)::{_data(err)}\n")
