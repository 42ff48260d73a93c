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
GITLAB_SCHEMA = json.loads((Path(__file__).parent / "data" / "schemas" / "gitlab-codequality.json").read_text())


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
    # Errors first (by place: files, then findings without one), then warnings, then info.
    assert lines[:5] == [
        "/nonexistent/cache/x@v1.0.0.zip: error [modcache-zip-tampered] zip has been modified",
        "go.sum:3:1: error [gosum-conflict] two hashes for example.com/m v1.0.0",
        "error [sumdb-disabled] GOSUMDB=off set in the environment",
        "go.sum:1:1: warning [proxy-direct] line one",
        "    line two, with: commas % and colons",
    ]
    assert lines[5] == f"sub{os.sep}go.mod:5:2: info [pseudo-version] untagged commit"
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
    assert doc["summary"] == {"error": 3, "warning": 1, "info": 1, "total": 5, "suppressed": 2, "hidden": 0, "baselined": 0, "verified": {}}
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
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    lines = render("github", sample(tmp_path)).splitlines()
    # Errors first; a file outside the checkout is named in the message, not annotated.
    assert lines[0] == "::error title=gozt-lint [modcache-zip-tampered]::/nonexistent/cache/x@v1.0.0.zip: zip has been modified"
    assert lines[1] == "::error file=go.sum,line=3,endLine=3,col=1,endColumn=62,title=gozt-lint [gosum-conflict]::two hashes for example.com/m v1.0.0"
    assert lines[2] == "::error title=gozt-lint [sumdb-disabled]::GOSUMDB=off set in the environment"
    assert "::line one%0Aline two, with: commas %25 and colons" in lines[3]
    assert lines[4].startswith("::notice file=sub/go.mod,line=5,")  # info -> notice, last
    assert lines[-1] == "::notice title=gozt-lint::history rules skipped: not a git repository"


def test_github_paths_are_relative_to_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The runner resolves annotation paths against GITHUB_WORKSPACE: a repository
    checked out in a subdirectory of the workspace keeps its prefix."""
    repo = tmp_path / "checkout" / "repo"
    repo.mkdir(parents=True)
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "checkout"))
    lines = render("github", sample(repo)).splitlines()
    assert lines[1].startswith("::error file=repo/go.sum,line=3,")
    monkeypatch.delenv("GITHUB_WORKSPACE")
    assert render("github", sample(repo)).splitlines()[1].startswith("::error file=go.sum,line=3,")


def test_info_below_min_severity_is_summarised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gozt_lint.report import shown

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    res = sample(tmp_path)
    res.findings += [
        Finding(f"untagged {i}", "pseudo-version", Severity.INFO, str(tmp_path / "go.mod"), i, 1, i, 9) for i in range(2, 30)
    ]
    view = shown(res, Severity.WARNING)
    assert len(view.hidden) == 29 and all(f.severity == Severity.INFO for f in view.hidden)
    assert len(res.findings) == 33 and res.hidden == []  # the run's own result is untouched
    text = render("text", view)
    assert "[pseudo-version]" not in text
    assert text.splitlines()[-1] == (
        "Found 4 problems (3 error, 1 warning); 29 info not shown (pseudo-version 29); --show-info lists them; "
        "2 suppressed by configuration or inline ignores."
    )
    gh = render("github", view).splitlines()
    assert not any("pseudo-version" in line and "file=" in line for line in gh)
    assert gh[-1] == "::notice title=gozt-lint::29 info not shown (pseudo-version 29); --show-info lists them"
    doc = json.loads(render("json", view))
    assert doc["summary"]["hidden"] == 29 and doc["summary"]["total"] == 4
    # Only info hidden and nothing else: no all-clear that hides what it hid.
    only_info = Result(findings=[f for f in res.findings if f.severity == Severity.INFO], root=str(tmp_path))
    out = render("text", shown(only_info, Severity.ERROR))
    assert out.splitlines()[-1] == "No problems at or above warning; 29 info not shown (pseudo-version 29); --show-info lists them."
    warn = Result(findings=[f for f in res.findings if f.severity != Severity.ERROR], root=str(tmp_path))
    out = render("text", shown(warn, Severity.ERROR))
    assert out.splitlines()[-1] == (
        "No problems at or above error; 1 warning, 29 info not shown (pseudo-version 29, proxy-direct 1); --min-severity info lists them."
    )


def test_gitlab_code_quality_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI_PROJECT_DIR", raising=False)
    res = sample(tmp_path)
    # The same message twice in one file: GitLab keeps only the first issue of a fingerprint.
    res.findings.append(Finding("two hashes for example.com/m v1.0.0", "gosum-conflict", Severity.ERROR, str(tmp_path / "go.sum"), 9, 1, 9, 62, "example.com/m", "v1.0.0"))
    doc = json.loads(render("gitlab", res))
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate(doc)
    assert len(doc) == 6
    assert len({i["fingerprint"] for i in doc}) == 6
    first = doc[0]
    assert first["check_name"] == "gosum-conflict" and first["severity"] == "critical"
    assert first["location"] == {"path": "go.sum", "lines": {"begin": 3}}
    assert [i["severity"] for i in doc] == ["critical", "info", "critical", "critical", "major", "critical"]
    # No file in the repository: pinned to the anchor go.mod's module line, the place named.
    cache = doc[3]
    assert cache["location"] == {"path": "sub/go.mod", "lines": {"begin": 1}}
    assert "/nonexistent/cache/x@v1.0.0.zip" in cache["description"]
    # Stable across runs and line moves, like the SARIF fingerprint.
    moved = sample(tmp_path)
    moved.findings[0] = moved.findings[0].replace(line=30, end_line=30)
    assert json.loads(render("gitlab", moved))[0]["fingerprint"] == first["fingerprint"]
    # Paths relative to GitLab's checkout when the job says where it is.
    monkeypatch.setenv("CI_PROJECT_DIR", str(tmp_path.parent))
    assert json.loads(render("gitlab", res))[0]["location"]["path"] == f"{tmp_path.name}/go.sum"


def test_gitlab_schema_rejects_what_gitlab_would_drop() -> None:
    """The schema is a test of the reporter only if it can fail."""
    good = {"description": "d", "check_name": "c", "fingerprint": "f", "severity": "minor", "location": {"path": "a/b", "lines": {"begin": 1}}}
    jsonschema.Draft7Validator(GITLAB_SCHEMA).validate([good])
    bad = [
        {**good, "severity": "warning"},
        {**good, "location": {"path": "./a/b", "lines": {"begin": 1}}},
        {**good, "location": {"path": "a/b", "lines": {"begin": "1"}}},
        {**good, "location": {"path": "a/b"}},
        {k: v for k, v in good.items() if k != "fingerprint"},
    ]
    for item in bad:
        assert not jsonschema.Draft7Validator(GITLAB_SCHEMA).is_valid([item]), item


def test_sarif_has_a_stable_category(tmp_path: Path) -> None:
    doc = json.loads(render("sarif", sample(tmp_path)))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["runs"][0]["automationDetails"] == {"id": "gozt-lint/"}


def test_fingerprints_ignore_line_numbers_in_messages(tmp_path: Path) -> None:
    from gozt_lint.report.sarif import fingerprint

    root = str(tmp_path)
    gosum = str(tmp_path / "go.sum")

    def fp(message: str, line: int = 4, **data: object) -> str:
        return fingerprint(Finding(message, "gosum-line-removed", Severity.WARNING, gosum, line, data=dict(data)), root)

    a = fp("go.sum line for m v1 was removed (recorded at HEAD, go.sum:12), but go.mod:7 still requires m v1")
    assert a == fp("go.sum line for m v1 was removed (recorded at HEAD, go.sum:40), but go.mod:9 still requires m v1", line=30)
    assert fp("conflicts with line 3") == fp("conflicts with line 8")
    assert a != fp("go.sum line for m v2 was removed (recorded at HEAD, go.sum:12), but go.mod:7 still requires m v2")
    # A summary whose counts change names a stable text instead.
    assert fp("3 of 9 lines", fingerprint="unverified") == fp("4 of 10 lines", fingerprint="unverified")
    assert fp("3 of 9 lines") != fp("4 of 10 lines")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_handles_no_findings(fmt: str) -> None:
    out = render(fmt, Result(root="/tmp"))
    if fmt == "github":
        assert out == ""  # nothing to annotate
    elif fmt == "gitlab":
        assert json.loads(out) == []
    elif fmt == "text":
        assert out == "No problems found.\n"
    else:
        json.loads(out)


def test_sarif_fingerprint_does_not_change_with_the_checksum_database_tree() -> None:
    # The same go.sum line, verified against a head the go command fetched later:
    # one alert in code scanning, not a closed one and a new one per CI run.
    def fingerprints(tree: int, record: int) -> list[str]:
        msg = f"example.com/m@v1.0.0: go.sum has h1:A= but sum.golang.org recorded h1:B= (record #{record}, tree {tree})"
        f = Finding(msg, "sumdb-mismatch", Severity.ERROR, "/r/go.sum", 1, 1, 1, 40, "example.com/m", "v1.0.0")
        buf = io.StringIO()
        get("sarif")(Result(findings=[f], rules_run=["sumdb-mismatch"], root="/r"), buf)
        return [r["partialFingerprints"]["goztLint/v1"] for r in json.loads(buf.getvalue())["runs"][0]["results"]]

    assert fingerprints(72097574, 22152757) == fingerprints(72282352, 22152757)
    assert fingerprints(72097574, 22152757) != fingerprints(72097574, 22152758)


def test_sarif_fingerprint_does_not_change_with_the_base_commit() -> None:
    # A history finding against a base branch that moved on: the same alert.
    def fingerprint(base: str, old_line: int, hash_: str) -> str:
        msg = (f"hash of example.com/m v1.0.0 changed: origin/main (merge base {base}) records h1:A= "
               f"(go.sum:{old_line}), the index has {hash_}; a published module version never changes")
        f = Finding(msg, "gosum-hash-changed", Severity.ERROR, "/r/go.sum", 3, 1, 3, 40, "example.com/m", "v1.0.0")
        buf = io.StringIO()
        get("sarif")(Result(findings=[f], rules_run=["gosum-hash-changed"], root="/r"), buf)
        return str(json.loads(buf.getvalue())["runs"][0]["results"][0]["partialFingerprints"]["goztLint/v1"])

    assert fingerprint("3f2a9c1", 7, "h1:B=") == fingerprint("9be04d7e2", 9, "h1:B=")
    assert fingerprint("3f2a9c1", 7, "h1:B=") != fingerprint("3f2a9c1", 7, "h1:C=")
