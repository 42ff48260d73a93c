"""The one result type every check produces and every reporter prints.

Positions are 1-based lines and 1-based columns counted in Unicode code points,
with ``end_column`` exclusive (the column just after the last character), which is
what SARIF uses. The language server converts to 0-based LSP positions at its edge.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True)
class Span:
    """A region of a file; what editors underline."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, how bad, what and where.

    Checks leave ``rule`` and ``severity`` empty; the engine stamps them from the
    rule registry and the configuration, so a check cannot mislabel its findings.
    ``data`` carries machine-readable details for fixes and code actions.
    """

    message: str
    rule: str = ""
    severity: Severity = Severity.WARNING
    file: str | None = None
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    module: str | None = None
    version: str | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def with_span(self, span: Span | None) -> Finding:
        if span is None:
            return self
        return dataclasses.replace(
            self,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
        )

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (
            self.file is None,
            self.file or "",
            self.line or 0,
            self.column or 0,
            self.rule,
            self.module or "",
            self.version or "",
            self.message,
        )


def finding(
    message: str,
    *,
    file: str | None = None,
    span: Span | None = None,
    line: int | None = None,
    module: str | None = None,
    version: str | None = None,
    **data: Any,
) -> Finding:
    """Build a finding for the rule being run (rule and severity are stamped later)."""
    f = Finding(message=message, file=file, module=module, version=version, data=data)
    if span is not None:
        return f.with_span(span)
    if line is not None:
        return dataclasses.replace(f, line=line, column=1, end_line=line, end_column=1)
    return f
