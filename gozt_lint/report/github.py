"""GitHub Actions workflow commands: one annotation line per finding."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, TextIO

from gozt_lint.finding import Severity
from gozt_lint.report import display_path

if TYPE_CHECKING:
    from gozt_lint.engine import Result

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def write(result: Result, out: TextIO, *, color: bool = False) -> None:
    for f in result.findings:
        props = []
        if f.file:
            # The runner takes a relative path as relative to the repository (and makes
            # an absolute one so), not to the step's working directory: a run from a
            # module in a subdirectory must still name sub/go.sum.
            props.append(f"file={_prop(display_path(f.file, result.root or None).replace(os.sep, '/'))}")
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
        out.write(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(f.message)}\n")
    for note in result.notes:
        out.write(f"::notice title=gozt-lint::{_data(note)}\n")
    # A run that did not complete must not look clean in the workflow summary.
    for err in [str(e) for e in result.input_errors] + result.internal_errors:
        out.write(f"::error title=gozt-lint (run incomplete)::{_data(err)}\n")
