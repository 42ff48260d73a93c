"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from gozt_lint import __version__
from gozt_lint.finding import Finding, Severity

if TYPE_CHECKING:
    from gozt_lint.engine import Result

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gozt-lint/gozt-lint"
CATEGORY = "gozt-lint"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
# GitHub ranks security alerts by this property (CVSS-like scale).
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


# A checksum-database tree size in a message ("record #12, tree 72097574") grows
# with the database and changes with whatever head the go command last fetched:
# left in the fingerprint, code scanning would close the alert and open a new one
# on every CI run.
_TREE_SIZE = re.compile(r"\btree \d+")
# Likewise a history finding names the base commit and the line the old go.sum had
# the entry on: both move with every push to the base branch.
_COMMIT = re.compile(r"\b(?=[0-9]*[a-f])[0-9a-f]{7,40}\b")  # with a letter: not a record number
# Line numbers in a message ("go.mod:12 still requires", "conflicts with line 7")
# move with every edit above them; a finding must keep its fingerprint across such
# moves (code scanning alerts, `--baseline`).
_LINE_REF = re.compile(r"\b(go\.(?:mod|sum|work(?:\.sum)?)):\d+(?::\d+)?")
_LINE_WORD = re.compile(r"\bline \d+")


def _stable(message: str) -> str:
    message = _COMMIT.sub("<commit>", _TREE_SIZE.sub("tree N", message))
    return _LINE_WORD.sub("line N", _LINE_REF.sub(r"\1:N", message))


def fingerprint(f: Finding, root: str) -> str:
    """A finding's identity across runs: rule, file (relative to ``root``), module,
    version and the message without what moves (line numbers, commits, tree sizes);
    a check may name a stable text instead of its message (``data["fingerprint"]``,
    for summaries whose counts change). Positions take no part, so a finding keeps
    its fingerprint when lines above it are added or removed."""
    where = (_rel(f.file, root) or f.file) if f.file else ""
    text = f.data.get("fingerprint")
    what = text if isinstance(text, str) and text else _stable(f.message)
    key = "\0".join([f.rule, where, f.module or "", f.version or "", what])
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _rel(path: str, root: str) -> str | None:
    try:
        rel = os.path.relpath(path, root)
    except ValueError:
        return None
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return None
    return rel.replace(os.sep, "/")


def _region(f: Finding) -> dict[str, Any] | None:
    if not f.line:
        return None
    region: dict[str, Any] = {"startLine": f.line}
    if f.column:
        region["startColumn"] = f.column
    if f.end_line:
        region["endLine"] = f.end_line
    if f.end_column and (f.end_line or f.line) >= f.line:
        region["endColumn"] = f.end_column
    return region


def _location(path: str, region: dict[str, Any] | None, root: str) -> dict[str, Any]:
    rel = _rel(path, root)
    artifact: dict[str, Any] = (
        {"uri": rel, "uriBaseId": "%SRCROOT%"} if rel is not None else {"uri": Path(path).absolute().as_uri()}
    )
    phys: dict[str, Any] = {"artifactLocation": artifact}
    if region:
        phys["region"] = region
    return {"physicalLocation": phys}


def _result(f: Finding, index: int, result: Result) -> dict[str, Any]:
    root = result.root
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message},
    }
    locations: list[dict[str, Any]] = []
    related: list[dict[str, Any]] = []
    in_repo = f.file is not None and _rel(f.file, root) is not None
    if f.file is not None and in_repo:
        locations.append(_location(f.file, _region(f), root))
    else:
        # Code scanning needs a location in the repository: pin environment and
        # cache findings to the module they affect, keep the real place as related.
        if f.file is not None:
            rel_loc = _location(f.file, _region(f), root)
            rel_loc["id"] = 0
            rel_loc["message"] = {"text": "where the problem is"}
            related.append(rel_loc)
        if result.anchor is not None:
            locations.append(_location(result.anchor[0], {"startLine": result.anchor[1]}, root))
    if locations:
        out["locations"] = locations
    if related:
        out["relatedLocations"] = related
    props: dict[str, Any] = {}
    if f.module:
        props["module"] = f.module
    if f.version:
        props["version"] = f.version
    if props:
        out["properties"] = props
    out["partialFingerprints"] = {"goztLint/v1": fingerprint(f, root)}
    return out


def document(result: Result) -> dict[str, Any]:
    from gozt_lint.registry import all_rules

    registry = all_rules()
    slugs = list(dict.fromkeys([*result.rules_run, *(f.rule for f in result.findings)]))
    rules_meta: list[dict[str, Any]] = []
    for slug in slugs:
        r = registry.get(slug)
        if r is None:
            rules_meta.append({"id": slug, "name": slug})
            continue
        rules_meta.append(
            {
                "id": r.slug,
                "name": "".join(p.capitalize() for p in r.slug.split("-")),
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.summary},
                "helpUri": r.docs_url,
                "help": {"text": f"{r.summary}. See {r.docs_url}", "markdown": f"{r.summary}. [Documentation]({r.docs_url})"},
                "defaultConfiguration": {"level": _LEVEL[r.severity]},
                "properties": {
                    "tags": ["security", "supply-chain", r.family],
                    "security-severity": _SECURITY_SEVERITY[r.severity],
                },
            }
        )
    index = {m["id"]: i for i, m in enumerate(rules_meta)}
    notifications = [
        {"level": "error", "message": {"text": str(e)}} for e in result.input_errors
    ] + [{"level": "error", "message": {"text": e}} for e in result.internal_errors]
    notifications += [{"level": "note", "message": {"text": n}} for n in result.notes]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "gozt-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": rules_meta,
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(result.root).absolute().as_uri() + "/"}},
        "results": [_result(f, index[f.rule], result) for f in result.findings],
        "invocations": [_invocation(result, notifications)],
        "columnKind": "unicodeCodePoints",
        # One stable category: code scanning matches this run's alerts with the
        # previous run's of the same category, and keeps other tools' apart.
        "automationDetails": {"id": f"{CATEGORY}/"},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _invocation(result: Result, notifications: list[dict[str, Any]]) -> dict[str, Any]:
    from gozt_lint.report import coverage_summary

    inv: dict[str, Any] = {
        "executionSuccessful": not (result.input_errors or result.internal_errors),
        "toolExecutionNotifications": notifications,
    }
    verified = coverage_summary(result.coverage)
    if verified:
        # What the deep checks verified: an empty cache must not read as a clean one.
        inv["properties"] = {"verified": dict(result.coverage), "verifiedSummary": verified}
    return inv


def write(result: Result, out: TextIO, *, color: bool = False) -> None:
    json.dump(document(result), out, indent=2)
    out.write("\n")
