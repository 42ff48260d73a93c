"""The one result type every check produces and every reporter prints.

Positions are 1-based lines and 1-based columns counted in Unicode code points,
with ``end_column`` exclusive (the column just after the last character), which is
what SARIF uses. The language server converts to 0-based LSP positions at its edge.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple


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


class Span(NamedTuple):
    """A region of a file; what editors underline."""

    line: int
    column: int
    end_line: int
    end_column: int


# The model's value classes are NamedTuples or plain classes, not dataclasses:
# importing dataclasses (and inspect behind it) and building each class costs
# tens of milliseconds, which the pre-commit hook pays on every commit.


class Finding:
    """One problem: which rule, how bad, what and where.

    Checks leave ``rule`` and ``severity`` empty; the engine stamps them from the
    rule registry and the configuration, so a check cannot mislabel its findings.
    ``data`` carries machine-readable details for fixes and code actions; it takes
    no part in equality.
    """

    # Declared for the type checker; __slots__ holds the storage and __init__ fills
    # it through object.__setattr__ because our own __setattr__ refuses writes.
    message: str
    rule: str
    severity: Severity
    file: str | None
    line: int | None
    column: int | None
    end_line: int | None
    end_column: int | None
    module: str | None
    version: str | None
    data: dict[str, Any]

    FIELDS = ("message", "rule", "severity", "file", "line", "column", "end_line", "end_column", "module", "version", "data")
    __slots__ = FIELDS

    def __init__(
        self,
        message: str,
        rule: str = "",
        severity: Severity = Severity.WARNING,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        module: str | None = None,
        version: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        set_ = object.__setattr__
        set_(self, "message", message)
        set_(self, "rule", rule)
        set_(self, "severity", severity)
        set_(self, "file", file)
        set_(self, "line", line)
        set_(self, "column", column)
        set_(self, "end_line", end_line)
        set_(self, "end_column", end_column)
        set_(self, "module", module)
        set_(self, "version", version)
        set_(self, "data", {} if data is None else data)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Finding is immutable; use .replace({name}=...)")

    def _key(self) -> tuple[Any, ...]:
        return (self.message, self.rule, self.severity, self.file, self.line, self.column,
                self.end_line, self.end_column, self.module, self.version)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Finding) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.FIELDS)
        return f"Finding({inner})"

    def replace(self, **changes: Any) -> Finding:
        kw = {k: getattr(self, k) for k in self.FIELDS}
        kw.update(changes)
        return Finding(**kw)

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.FIELDS}

    def with_span(self, span: Span | None) -> Finding:
        if span is None:
            return self
        return self.replace(line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column)

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
        return f.replace(line=line, column=1, end_line=line, end_column=1)
    return f
