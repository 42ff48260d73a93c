"""Machine output: a stable, versioned JSON document.

Schema version 1::

    {"tool": "gozt-lint", "version": "...", "schema_version": 1,
     "findings": [{"rule", "severity", "message", "file", "line", "column",
                   "end_line", "end_column", "module", "version", "docs", "details"}],
     "summary": {"error": n, "warning": n, "info": n, "total": n, "suppressed": n,
                 "hidden": n, "baselined": n,
                 "verified": {"module_versions": n, "gosum_lines_against_cache": n, ...}},
     "notes": [...], "errors": [...], "complete": bool}

``complete`` is false when an error kept part of the run from being checked.

``total`` counts the findings listed; ``hidden`` those below ``--min-severity``
(not listed), ``baselined`` those a ``--baseline`` hid. Keys are never removed or
renamed within a schema version; absent values are null.
``summary.verified`` counts what the deep checks verified, one key per kind that
ran (``module_versions``, ``module_versions_cached``, ``gosum_lines_against_cache``,
``gosum_lines_against_sumdb``, ``cached_versions_against_sumdb``,
``buildcache_entries``, ``buildcache_outputs``); ``{}`` when none ran.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from gozt_lint import __version__
from gozt_lint.finding import Finding, Severity
from gozt_lint.report import display_path

if TYPE_CHECKING:
    from gozt_lint.engine import Result

SCHEMA_VERSION = 1


def finding_to_json(f: Finding) -> dict[str, Any]:
    from gozt_lint.registry import DOCS_BASE_URL

    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "file": display_path(f.file) if f.file else None,
        "line": f.line,
        "column": f.column,
        "end_line": f.end_line,
        "end_column": f.end_column,
        "module": f.module,
        "version": f.version,
        "docs": f"{DOCS_BASE_URL}{f.rule}.md",
        "details": f.data or {},
    }


def document(result: Result) -> dict[str, Any]:
    return {
        "tool": "gozt-lint",
        "version": __version__,
        "schema_version": SCHEMA_VERSION,
        "findings": [finding_to_json(f) for f in result.findings],
        "summary": {
            "error": result.count(Severity.ERROR),
            "warning": result.count(Severity.WARNING),
            "info": result.count(Severity.INFO),
            "total": len(result.findings),
            "suppressed": result.suppressed,
            "verified": dict(result.coverage),
            "hidden": len(result.hidden),
            "baselined": result.baselined,
        },
        "rules_run": result.rules_run,
        "notes": result.notes,
        "errors": [str(e) for e in result.input_errors] + result.internal_errors,
        # False when something could not be checked (the errors say what): an
        # empty findings list is then no all-clear.
        "complete": not (result.input_errors or result.internal_errors),
    }


def write(result: Result, out: TextIO, *, color: bool = False) -> None:
    json.dump(document(result), out, indent=2, sort_keys=False, default=str)
    out.write("\n")
