"""Reporters: each format from the same findings; SARIF validated against the official schema."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import jsonschema
import pytest

from gozt_lint.engine import Result
from gozt_lint.finding import Finding, Severity
from gozt_lint.report import FORMATS, get

SCHEMA = json.loads((Path(__file__).parent / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text())


def sample(root: Path) -> Result:
    gosum = str(root / "go.sum")
    gomod = str(root / "sub" / "go.mod")
    return Result(
        findings=[
            Finding("two hashes for example.com/m v1.0.0", "gosum-conflict", Severity.ERROR, gosum, 3, 1, 3, 62, "example.com/m", "v1.0.0"),
            Finding("untagged commit", "pseudo-version", Severity.INFO, gomod, 5, 2, 5, 40, "example.com/p", "v0.0.0-20240101000000-abcdefabcdef"),
            Finding("GOSUMDB=off set in the environment", "sumdb-disabled", Severity.ERROR),
            Finding("zip has been modified", "modcache-zip-tampered", Severity.ERROR, "/nonexistent/cache/x@v1.0.0.zip", module="x.org/y", version="v1.0.0"),
            Finding("line one\nline two, with: commas % and colons", "proxy-direct", Severity.WARNING, gosum, 1, 1, 1, 5),
        ],
        suppressed=2,
        notes=["history rules skipped: not a git repository"],
        rules_run=["gosum-conflict", "pseudo-version", "sumdb-disabled", "modcache-zip-tampered", "proxy-direct"],
        anchor=(gomod, 1),
        root=str(root),
    )


def render(fmt: str, result: Result) -> str:
    buf = io.StringIO()
    get(fmt)(result, buf, color=False)
    return buf.getvalue()


def test_text_lines_and_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = render("text", sample(tmp_path))
    lines = out.splitlines()
    assert lines[0] == "go.sum:3:1: error [gosum-conflict] two hashes for example.com/m v1.0.0"
    assert f"sub{os.sep}go.mod:5:2: info [pseudo-version] untagged commit" in lines
    assert "error [sumdb-disabled] GOSUMDB=off set in the environment" in lines
    assert "note: history rules skipped: not a git repository" in lines
    assert lines[-1] == "Found 5 problems (3 error, 1 warning, 1 info); 2 suppressed by configuration or inline ignores."
    assert "\x1b[" not in out


def test_text_color_only_when_asked(tmp_path: Path) -> None:
    buf = io.StringIO()
    get("text")(sample(tmp_path), buf, color=True)
    assert "\x1b[1;31merror\x1b[0m" in buf.getvalue()


def test_text_clean() -> None:
    assert render("text", Result()) == "No problems found.\n"


def test_json_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    doc = json.loads(render("json", sample(tmp_path)))
    assert doc["tool"] == "gozt-lint" and doc["schema_version"] == 1
    first = doc["findings"][0]
    assert first == {
        "rule": "gosum-conflict",
        "severity": "error",
        "message": "two hashes for example.com/m v1.0.0",
        "file": "go.sum",
        "line": 3,
        "column": 1,
        "end_line": 3,
        "end_column": 62,
        "module": "example.com/m",
        "version": "v1.0.0",
        "docs": "https://github.com/gozt-lint/gozt-lint/blob/main/docs/rules/gosum-conflict.md",
        "details": {},
    }
    env = doc["findings"][2]
    assert env["file"] is None and env["line"] is None
    assert doc["summary"] == {"error": 3, "warning": 1, "info": 1, "total": 5, "suppressed": 2, "verified": {}}
    assert doc["notes"] == ["history rules skipped: not a git repository"]


def test_sarif_validates_and_pins_fileless_findings(tmp_path: Path) -> None:
    doc = json.loads(render("sarif", sample(tmp_path)))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    run = doc["runs"][0]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["gosum-conflict", "pseudo-version", "sumdb-disabled", "modcache-zip-tampered", "proxy-direct"]
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "go.sum", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 3, "startColumn": 1, "endLine": 3, "endColumn": 62}
    assert results[1]["level"] == "note"
    # No file: pinned to the anchor go.mod so code scanning accepts it.
    env_loc = results[2]["locations"][0]["physicalLocation"]
    assert env_loc["artifactLocation"]["uri"] == "sub/go.mod"
    # Outside the repository: anchored, real place kept as a related location.
    cache = results[3]
    assert cache["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub/go.mod"
    assert cache["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("file:///nonexistent/")
    assert all("goztLint/v1" in r["partialFingerprints"] for r in results)
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert all(results[i]["ruleIndex"] == ids.index(r["ruleId"]) for i, r in enumerate(results))


def test_sarif_empty_validates() -> None:
    doc = json.loads(render("sarif", Result(root="/tmp")))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["runs"][0]["results"] == []


def test_github_annotations_escape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines = render("github", sample(tmp_path)).splitlines()
    assert lines[0] == "::error file=go.sum,line=3,endLine=3,col=1,endColumn=62,title=gozt-lint [gosum-conflict]::two hashes for example.com/m v1.0.0"
    assert lines[2] == "::error title=gozt-lint [sumdb-disabled]::GOSUMDB=off set in the environment"
    assert "::line one%0Aline two, with: commas %25 and colons" in lines[4]
    assert lines[-1] == "::notice title=gozt-lint::history rules skipped: not a git repository"
    assert any(line.startswith("::notice file=") for line in lines)  # info -> notice


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_handles_no_findings(fmt: str) -> None:
    out = render(fmt, Result(root="/tmp"))
    if fmt == "github":
        assert out == ""  # nothing to annotate
    elif fmt == "text":
        assert out == "No problems found.\n"
    else:
        json.loads(out)
