"""GitLab code quality report: the JSON array a job publishes as
``artifacts: reports: codequality:`` for the merge request widget.

The shape is GitLab's documented subset of the Code Climate issue format
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format):
``description``, ``check_name``, ``fingerprint``, ``severity`` (info, minor,
major, critical, blocker) and ``location.path`` (relative to the repository,
without ``./``) with ``location.lines.begin``. GitLab shows only the first issue of
each fingerprint, so fingerprints are unique within a report.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, Any, TextIO

from gozt_lint.finding import Finding, Severity

if TYPE_CHECKING:
    from gozt_lint.engine import Result

# Checks about the integrity of what gets built: an error is a critical issue,
# not a style nit.
_SEVERITY = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def _rel(path: str, root: str) -> str | None:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep) or os.path.isabs(rel):
        return None
    return rel.replace(os.sep, "/")


def _issue(f: Finding, result: Result, seen: dict[str, int]) -> dict[str, Any] | None:
    from gozt_lint.report.sarif import fingerprint
    from gozt_lint.registry import DOCS_BASE_URL

    # GitLab resolves paths against the project's checkout.
    root = os.environ.get("CI_PROJECT_DIR") or result.root or os.getcwd()
    path = _rel(f.file, root) if f.file else None
    line = f.line or 1
    description = f.message
    if path is None:
        # GitLab drops an issue without a file in the repository: pin environment
        # and cache findings to the module they affect, naming the real place.
        if result.anchor is None:
            return None
        path = _rel(result.anchor[0], root)
        if path is None:
            return None
        line = result.anchor[1]
        if f.file:
            description = f"{f.message} ({f.file}{':' + str(f.line) if f.line else ''})"
    fp = fingerprint(f, root)
    n = seen.get(fp, 0)
    seen[fp] = n + 1
    if n:
        # The same finding twice in one file (one message on two lines): each
        # occurrence needs its own fingerprint, stable in the order they appear.
        fp = hashlib.sha256(f"{fp}\0{n}".encode()).hexdigest()
    return {
        "description": description,
        "check_name": f.rule,
        "fingerprint": fp,
        "severity": _SEVERITY[f.severity],
        "location": {"path": path, "lines": {"begin": line}},
        "categories": ["Security"],
        "type": "issue",
        "content": {"body": f"[{f.rule}]({DOCS_BASE_URL}{f.rule}.md)"},
    }


def document(result: Result) -> list[dict[str, Any]]:
    seen: dict[str, int] = {}
    issues = (_issue(f, result, seen) for f in result.findings)
    return [i for i in issues if i is not None]


def write(result: Result, out: TextIO, *, color: bool = False) -> None:
    json.dump(document(result), out, indent=2)
    out.write("\n")
