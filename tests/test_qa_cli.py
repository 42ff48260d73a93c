"""Black-box QA of the command line: report destinations, annotations, selection and
configuration mistakes that used to pass silently or end as internal errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gozt_lint.config import parse_config
from gozt_lint.errors import UsageError
from tests.test_cli import GOOD_GOMOD, assert_clean_error, run

TAMPERED_SUM = "example.com/m v1.0.0 h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=\nexample.com/m v1.0.0 h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v5=\n"


@pytest.mark.parametrize("sub", ["snapshot", None])
@pytest.mark.parametrize("where, message", [("missing-dir/report.json", "is not an existing directory"), (".", "is a directory")])
def test_unwritable_output_is_a_clear_error_before_any_work(tmp_path: Path, sub: str | None, where: str, message: str) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    args = [sub] if sub else ["--no-env", "--format", "json"]
    p = run([*args, "--output", where], tmp_path)
    assert_clean_error(p)
    assert "internal error" not in p.stderr
    assert message in p.stderr
    assert p.stdout == ""


def test_github_annotations_name_files_relative_to_the_repository(tmp_path: Path) -> None:
    # The runner reads a relative `file=` as relative to the repository, not to the
    # step's working directory: a module in a subdirectory must be named sub/go.sum.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    mod = tmp_path / "svc"
    mod.mkdir()
    (mod / "go.mod").write_text(GOOD_GOMOD)
    (mod / "go.sum").write_text(TAMPERED_SUM)
    p = run(["--no-env", "--select", "gosum-conflict", "--format", "github"], mod)
    assert p.returncode == 1, p.stderr
    lines = [ln for ln in p.stdout.splitlines() if "[gosum-conflict]" in ln]
    assert lines and all(ln.startswith("::error file=svc/go.sum,line=") for ln in lines), p.stdout


@pytest.mark.parametrize("select", ["", ",", " , "])
def test_empty_select_is_a_usage_error_not_a_silent_pass(tmp_path: Path, select: str) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "go.sum").write_text(TAMPERED_SUM)
    p = run(["--no-env", "--select", select], tmp_path)
    assert_clean_error(p)
    assert "--select: no rule or family given" in p.stderr


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"history": {"base": "origin/main"}}, "[history] unknown key(s) base (it has no settings yet)"),
        ({"sumdb": {"online": True}}, "[sumdb] unknown key(s) online"),
        ({"cache": {"memo": False}}, "[cache] unknown key(s) memo"),
        ({"toolchain": {"go-sha265": "0" * 64}}, "[toolchain] unknown key(s) go-sha265 (known: go-sha256, goroot-sha256)"),
        ({"lsp": {"familes": ["gosum"]}}, "[lsp] unknown key(s) familes (known: families)"),
    ],
)
def test_unknown_keys_in_plain_tables_are_errors(raw: dict[str, dict[str, object]], message: str) -> None:
    # README: "Unknown tables, keys or rule slugs are errors (exit 2), so typos don't
    # silently disable a check" -- also in the tables no plain run reads.
    with pytest.raises(UsageError) as e:
        parse_config(raw, ".gozt-lint.toml")
    assert message in str(e.value)


def test_known_keys_in_plain_tables_are_accepted() -> None:
    cfg = parse_config({"toolchain": {"go-sha256": "0" * 64}, "lsp": {"families": ["gosum"]}, "history": {}}, "x.toml")
    assert cfg.table("toolchain") == {"go-sha256": "0" * 64}


def test_toolchain_pin_typo_fails_the_hook_run_too(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / ".gozt-lint.toml").write_text('[toolchain]\ngo-sha265 = "' + "0" * 64 + '"\n')
    p = run(["--no-env", "--config", str(tmp_path / ".gozt-lint.toml")], tmp_path)
    assert_clean_error(p)
    assert "go-sha265" in p.stderr


def test_sarif_fingerprint_does_not_change_with_the_checksum_database_tree() -> None:
    # The same go.sum line, verified against a head the go command fetched later:
    # one alert in code scanning, not a closed one and a new one per CI run.
    import io
    import json

    from gozt_lint.engine import Result
    from gozt_lint.finding import Finding, Severity
    from gozt_lint.report import get

    def fingerprints(tree: int, record: int) -> list[str]:
        msg = f"example.com/m@v1.0.0: go.sum has h1:A= but sum.golang.org recorded h1:B= (record #{record}, tree {tree})"
        f = Finding(msg, "sumdb-mismatch", Severity.ERROR, "/r/go.sum", 1, 1, 1, 40, "example.com/m", "v1.0.0")
        buf = io.StringIO()
        get("sarif")(Result(findings=[f], rules_run=["sumdb-mismatch"], root="/r"), buf)
        return [r["partialFingerprints"]["goztLint/v1"] for r in json.loads(buf.getvalue())["runs"][0]["results"]]

    assert fingerprints(72097574, 22152757) == fingerprints(72282352, 22152757)
    assert fingerprints(72097574, 22152757) != fingerprints(72097574, 22152758)


def test_configuration_of_the_project_checked_from_elsewhere(tmp_path: Path) -> None:
    # README's own usage, `gozt-lint --all path/to/your/go/project`, from outside the
    # project: its .gozt-lint.toml (here: an ignore with a reason) still applies.
    proj = tmp_path / "proj"
    proj.mkdir()
    subprocess.run(["git", "init", "-q", str(proj)], check=True)
    (proj / "go.mod").write_text(GOOD_GOMOD)
    (proj / "go.sum").write_text(TAMPERED_SUM)
    (proj / ".gozt-lint.toml").write_text('[[ignore]]\nrule = "gosum-conflict"\nreason = "fixture"\n')
    for args in (["proj"], ["proj/go.sum"], ["proj/go.mod", "proj/go.sum"]):
        p = run(["--no-env", "--select", "gosum-conflict", "--format", "json", *args], tmp_path)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        doc = __import__("json").loads(p.stdout)
        assert doc["findings"] == [] and doc["summary"]["suppressed"] >= 1, args


@pytest.mark.parametrize(
    "pattern, matched",
    [
        ("go.sum", ["go.sum"]),
        ("**/go.sum", ["go.sum", "svc/go.sum", "a/b/go.sum"]),
        ("svc", ["svc/go.sum"]),
        ("{root}/svc/go.sum", ["svc/go.sum"]),
        ("{root}/a", ["a/b/go.sum"]),
    ],
)
def test_ignore_file_globs(tmp_path: Path, pattern: str, matched: list[str]) -> None:
    # An absolute path or a gitignore-style `**/` used to match nothing, silently.
    from gozt_lint.config import Ignore

    ig = Ignore(reason="r", file=pattern.format(root=tmp_path))
    files = ["go.sum", "svc/go.sum", "a/b/go.sum"]
    assert [f for f in files if ig.matches("x", None, str(tmp_path / f), str(tmp_path))] == matched


def test_an_unreadable_input_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "go.sum").mkdir()
    p = run(["--no-env", "go.sum"], tmp_path)
    assert_clean_error(p)
    assert p.stderr.count("is a directory, not a file") == 1, p.stderr


def test_snapshot_given_without_its_family_is_a_usage_error(tmp_path: Path) -> None:
    # `gozt-lint --snapshot FILE` (no --all) used to compare nothing and exit 0.
    (tmp_path / "go.mod").write_text(GOOD_GOMOD)
    (tmp_path / "snap.json").write_text("{}")
    p = run(["--no-env", "--snapshot", "snap.json"], tmp_path)
    assert_clean_error(p)
    assert "--snapshot: the snapshot family is not selected" in p.stderr


def test_sarif_fingerprint_does_not_change_with_the_base_commit() -> None:
    # A history finding against a base branch that moved on: the same alert.
    import io
    import json

    from gozt_lint.engine import Result
    from gozt_lint.finding import Finding, Severity
    from gozt_lint.report import get

    def fingerprint(base: str, old_line: int, hash_: str) -> str:
        msg = (f"hash of example.com/m v1.0.0 changed: origin/main (merge base {base}) records h1:A= "
               f"(go.sum:{old_line}), the index has {hash_}; a published module version never changes")
        f = Finding(msg, "gosum-hash-changed", Severity.ERROR, "/r/go.sum", 3, 1, 3, 40, "example.com/m", "v1.0.0")
        buf = io.StringIO()
        get("sarif")(Result(findings=[f], rules_run=["gosum-hash-changed"], root="/r"), buf)
        return json.loads(buf.getvalue())["runs"][0]["results"][0]["partialFingerprints"]["goztLint/v1"]

    assert fingerprint("3f2a9c1", 7, "h1:B=") == fingerprint("9be04d7e2", 9, "h1:B=")
    assert fingerprint("3f2a9c1", 7, "h1:B=") != fingerprint("3f2a9c1", 7, "h1:C=")
