"""Living with the output: commands, `explain`, exit codes for CI, info findings
counted rather than listed, baselines across edits, several reports from one run.
Runs the real CLI in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from gozt_lint.registry import all_rules
from tests.test_cli import assert_clean_error, run

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = Path(__file__).parent / "data" / "schemas"

H = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4="
H2 = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v5="
PSEUDO = "v0.0.0-20240101000000-abcdefabcdef"


def module(d: Path, pseudo: int = 3, extra_requires: str = "", header: str = "", sum_prefix: str = "") -> None:
    """A module with findings of each severity: one error (two hashes for one
    version in go.sum, reported on the second), one warning (a replace to a local directory) and ``pseudo``
    info findings (requirements at pseudo-versions)."""
    reqs = "".join(f"\texample.com/p{i} {PSEUDO} // indirect\n" for i in range(pseudo))
    (d / "go.mod").write_text(
        f"{header}module example.com/app\n\ngo 1.21\n\nrequire (\n\texample.com/m v1.0.0\n{reqs}{extra_requires})\n\n"
        "replace example.com/m => ../m\n"
    )
    sums = "".join(f"example.com/p{i} {PSEUDO}/go.mod {H}\n" for i in range(pseudo))
    (d / "go.sum").write_text(f"{sum_prefix}example.com/x v1.0.0 {H}\nexample.com/x v1.0.0 {H2}\n{sums}")


def rules_of(p: subprocess.CompletedProcess[str]) -> list[str]:
    return [ln.split("[", 1)[1].split("]", 1)[0] for ln in p.stdout.splitlines() if " [" in ln and ln.split(" [", 1)[0].split()[-1] in ("error", "warning", "info")]


# -- commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(all_rules()))
def test_explain_prints_every_rules_page(slug: str, tmp_path: Path) -> None:
    p = run(["explain", slug], tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout == (ROOT / "docs" / "rules" / f"{slug}.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (["explain", "sumdb-frk"], "unknown rule 'sumdb-frk'; did you mean 'sumdb-fork'?"),
        (["explain", "sumdb"], "'sumdb' is a family, not a rule; its rules: sumdb-bad-signature,"),
        (["explain"], "the following arguments are required: RULE"),
        (["rules", "nope"], "unknown rule or family 'nope'"),
    ],
)
def test_command_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    p = run(args, tmp_path)
    assert_clean_error(p)
    assert message in p.stderr


def test_rules_names_rules_and_families(tmp_path: Path) -> None:
    p = run(["rules", "gosum-hash-changed", "sumdb"], tmp_path)
    assert p.returncode == 0, p.stderr
    listed = [ln.split()[0] for ln in p.stdout.splitlines() if ln.startswith("  ")]
    assert listed == [s for s, r in all_rules().items() if s == "gosum-hash-changed" or r.family == "sumdb"]
    doc = json.loads(run(["rules", "--format", "json", "pseudo-version"], tmp_path).stdout)
    assert [r["rule"] for r in doc] == ["pseudo-version"]


def test_help_lists_the_commands(tmp_path: Path) -> None:
    p = run(["--help"], tmp_path)
    assert p.returncode == 0
    assert p.stdout.startswith("usage: gozt-lint [check] [PATH ...] [options]")
    for name in ("check", "rules", "explain", "init", "snapshot", "cache", "lsp"):
        assert f"\n  {name} " in p.stdout
    assert "--min-severity" in p.stdout and "--baseline FILE" in p.stdout


def test_check_is_the_default_command_and_paths_can_be_named_like_commands(tmp_path: Path) -> None:
    module(tmp_path)
    implicit = run(["--no-env", "go.mod", "go.sum"], tmp_path)
    explicit = run(["check", "--no-env", "go.mod", "go.sum"], tmp_path)
    assert implicit.returncode == explicit.returncode == 1
    assert implicit.stdout == explicit.stdout
    d = tmp_path / "explain"
    d.mkdir()
    (d / "go.mod").write_text("module example.com/e\n\ngo 1.21\n")
    p = run(["--no-env", "./explain"], tmp_path)
    assert p.returncode == 0, p.stderr


def test_an_option_value_never_swallows_a_path(tmp_path: Path) -> None:
    """`--baseline FILE PATH`: the file is the option's, the path is checked."""
    module(tmp_path)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "go.mod").write_text("module example.com/sub\n\ngo 1.21\n")
    base = tmp_path / "b.json"
    assert run(["--no-env", "--write-baseline", str(base), "sub"], tmp_path).returncode == 0
    p = run(["--no-env", "--baseline", str(base), "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 1 and "[gosum-conflict]" in p.stdout, p.stdout + p.stderr


# -- exit codes and noise -------------------------------------------------------------------------


def test_errors_come_first_and_info_is_listed_by_default(tmp_path: Path) -> None:
    module(tmp_path)
    p = run(["--no-env", "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 1
    assert rules_of(p) == ["gosum-conflict", "replace-local-path", "pseudo-version", "pseudo-version", "pseudo-version"]


def test_hook_arguments_count_info_instead_of_listing_it(tmp_path: Path) -> None:
    """What `.pre-commit-hooks.yaml` runs: the one error is not under a screenful
    of notes about an unchanged go.mod."""
    module(tmp_path, pseudo=29)
    hook = ROOT.joinpath(".pre-commit-hooks.yaml").read_text().split("- id: gozt-lint\n", 1)[1]
    entry = next(ln for ln in hook.splitlines() if ln.strip().startswith("entry:")).split(":", 1)[1].split()[1:]
    assert "--min-severity" in entry
    p = run([*entry, "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 1
    assert rules_of(p) == ["gosum-conflict", "replace-local-path"]
    assert p.stdout.splitlines()[-1] == "Found 2 problems (1 error, 1 warning); 29 info not shown (pseudo-version 29); --show-info lists them."
    shown = run([*entry, "--show-info", "go.mod", "go.sum"], tmp_path)
    assert rules_of(shown).count("pseudo-version") == 29


def test_github_format_summarises_info_unless_asked(tmp_path: Path) -> None:
    module(tmp_path, pseudo=12)
    p = run(["--no-env", "--format", "github", "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 1
    assert not [ln for ln in p.stdout.splitlines() if ln.startswith("::notice file=")]
    assert "::notice title=gozt-lint::12 info not shown (pseudo-version 12); --show-info lists them" in p.stdout
    p = run(["--no-env", "--format", "github", "--show-info", "go.mod", "go.sum"], tmp_path)
    assert len([ln for ln in p.stdout.splitlines() if ln.startswith("::notice file=go.mod")]) == 12


def test_hidden_findings_still_fail_the_run(tmp_path: Path) -> None:
    module(tmp_path)
    p = run(["--no-env", "--min-severity", "error", "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 1 and "replace-local-path" not in rules_of(p)
    assert "1 warning, 3 info not shown" in p.stdout


def test_exit_zero(tmp_path: Path) -> None:
    module(tmp_path)
    p = run(["--no-env", "--exit-zero", "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 0 and "[gosum-conflict]" in p.stdout
    # Errors that stop the run still exit 2.
    p = run(["--no-env", "--exit-zero", "missing/go.mod"], tmp_path)
    assert p.returncode == 2


def test_one_run_writes_several_reports(tmp_path: Path) -> None:
    module(tmp_path)
    p = run(
        ["--no-env", "--format", "github", "--sarif-output", "r.sarif", "--json-output", "r.json", "--gitlab-output", "r.gl.json", "go.mod", "go.sum"],
        tmp_path,
    )
    assert p.returncode == 1
    assert "::error file=go.sum" in p.stdout
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    jsonschema.Draft4Validator(json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text())).validate(sarif)
    # The annotations leave info out; the SARIF file, written for code scanning, keeps it.
    assert len(sarif["runs"][0]["results"]) == 5
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["total"] == 5
    gl = json.loads((tmp_path / "r.gl.json").read_text())
    jsonschema.Draft7Validator(json.loads((SCHEMAS / "gitlab-codequality.json").read_text())).validate(gl)
    assert len(gl) == 5 and len({i["fingerprint"] for i in gl}) == 5
    # An unwritable extra report is refused before the run.
    p = run(["--no-env", "--sarif-output", "no/such/dir/r.sarif"], tmp_path)
    assert_clean_error(p)
    assert "is not an existing directory" in p.stderr


# -- baselines ----------------------------------------------------------------------------------


def test_baseline_hides_recorded_findings_across_line_moves(tmp_path: Path) -> None:
    module(tmp_path)
    base = tmp_path / "gozt-lint-baseline.json"
    p = run(["--no-env", "--write-baseline", str(base), "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 0, p.stderr  # recording is not gating
    assert "recorded 5 findings" in p.stderr and "[gosum-conflict]" in p.stdout
    doc = json.loads(base.read_text())
    assert doc["tool"] == "gozt-lint" and doc["baseline_version"] == 1
    assert sorted(e["rule"] for e in doc["findings"]) == ["gosum-conflict"] + ["pseudo-version"] * 3 + ["replace-local-path"]
    assert {e["file"] for e in doc["findings"]} == {"go.mod", "go.sum"}

    p = run(["--no-env", "--baseline", str(base), "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 0, p.stdout
    assert p.stdout.splitlines()[-1] == "No problems found; 5 in the baseline."

    # Lines move: a comment block on top of go.mod, new go.sum lines above the
    # conflicting pair, the requirements reordered. Nothing new is reported.
    module(
        tmp_path,
        header="// The application.\n// Maintained by the platform team.\n\n",
        sum_prefix=f"example.com/a v1.2.0 {H}\nexample.com/b v1.0.0/go.mod {H}\n",
    )
    text = (tmp_path / "go.mod").read_text()
    assert text.index("module") > 0
    p = run(["--no-env", "--baseline", str(base), "go.mod", "go.sum"], tmp_path)
    assert p.returncode == 0, p.stdout
    assert p.stdout.splitlines()[-1] == "No problems found; 5 in the baseline."

    # A new problem is reported, and only it; so is a second copy of a recorded one.
    module(tmp_path, pseudo=4, extra_requires="")
    p = run(["--no-env", "--baseline", str(base), "go.mod", "go.sum"], tmp_path)
    assert rules_of(p) == ["pseudo-version"] and "example.com/p3" in p.stdout
    assert p.returncode == 0  # info only
    assert p.stdout.splitlines()[-1] == "Found 1 problem (1 info); 5 in the baseline."
    # In every machine format too.
    doc = json.loads(run(["--no-env", "--baseline", str(base), "--format", "json", "go.mod", "go.sum"], tmp_path).stdout)
    assert doc["summary"]["baselined"] == 5 and [f["rule"] for f in doc["findings"]] == ["pseudo-version"]
    sarif = json.loads(run(["--no-env", "--baseline", str(base), "--format", "sarif", "go.mod", "go.sum"], tmp_path).stdout)
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["pseudo-version"]


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "no such baseline (write one with --write-baseline)"),
        (b"\xff\xfe not json", "not a gozt-lint baseline"),
        (b"[]", "not a gozt-lint baseline (written by --write-baseline)"),
        (b'{"tool": "gozt-lint", "baseline_version": 9, "findings": []}', "baseline version 9 is not supported"),
        (b'{"tool": "gozt-lint", "baseline_version": 1, "findings": [{"rule": "x"}]}', "finding #1 has no fingerprint"),
        ("dir", "not a regular file"),
        ("fifo", "not a regular file"),
    ],
)
def test_bad_baselines_are_clear_errors(tmp_path: Path, content: bytes | str | None, message: str) -> None:
    import os

    module(tmp_path)
    base = tmp_path / "b.json"
    if content == "dir":
        base.mkdir()
    elif content == "fifo":
        os.mkfifo(base)
    elif isinstance(content, bytes):
        base.write_bytes(content)
    p = run(["--no-env", "--baseline", str(base), "go.mod", "go.sum"], tmp_path)
    assert_clean_error(p)
    assert message in p.stderr
    assert p.stdout == ""


def test_incomplete_run_writes_no_baseline(tmp_path: Path) -> None:
    module(tmp_path)
    base = tmp_path / "b.json"
    p = run(["--no-env", "--write-baseline", str(base), "go.mod", "missing/go.sum"], tmp_path)
    assert p.returncode == 2
    assert "not written: the run was incomplete" in p.stderr
    assert not base.exists()


def test_module_entry_point_runs_commands() -> None:
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "explain", "pseudo-version"], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.startswith("# pseudo-version\n")
