"""The GitHub Action (action.yml): its steps run here as a runner would run them,
with a simulated GitHub environment (GITHUB_WORKSPACE, GITHUB_OUTPUT,
GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH, RUNNER_TEMP in temporary directories and the
inputs as INPUT_* variables), on real Go modules with a real go.

The install step installs gozt-lint from a copy of this checkout with pip into a
fresh virtualenv, offline: pip may not reach an index, so the build backend and the
dependencies come from this test environment (PYTHONPATH), where a runner would
download them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests import gotool

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "action/gozt_lint_action.py"
SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text())
H = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4="
H2 = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v5="


def action() -> dict[str, Any]:
    doc = yaml.safe_load((ROOT / "action.yml").read_text())
    assert isinstance(doc, dict)
    return doc


def outputs(path: Path) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it (name=value lines and name<<DELIM blocks)."""
    out: dict[str, str] = {}
    lines = path.read_text().split("\n") if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and "=" not in line.split("<<", 1)[0]:
            name, delim = line.split("<<", 1)
            end = lines.index(delim, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


class Runner:
    """One job's worth of GitHub environment, in temporary directories."""

    def __init__(self, tmp: Path, action_path: Path, goenv: gotool.GoEnvDirs) -> None:
        self.tmp = tmp
        self.workspace = tmp / "workspace"
        self.workspace.mkdir()
        (tmp / "runner-temp").mkdir()
        self.env = {
            **goenv.environ,
            "GOPROXY": "https://proxy.golang.org,direct",
            "GOSUMDB": "sum.golang.org",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(action_path),
            "RUNNER_TEMP": str(tmp / "runner-temp"),
            "PIP_NO_INDEX": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        }
        self.step_no = 0

    def step(self, name: str, inputs: dict[str, str] | None = None, **env: str) -> tuple[subprocess.CompletedProcess[str], dict[str, str], str]:
        """Run the action's step `name` as its `run:` line does; returns the process,
        the step's outputs and what it appended to the job summary."""
        self.step_no += 1
        out = self.tmp / f"output-{self.step_no}"
        summ = self.tmp / f"summary-{self.step_no}"
        e = {**self.env, "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summ), **env}
        for k, v in (inputs or {}).items():
            e[f"INPUT_{k.upper().replace('-', '_')}"] = v
        p = subprocess.run(
            [sys.executable, str(Path(e["GITHUB_ACTION_PATH"]) / SCRIPT), name],
            cwd=self.workspace,
            env=e,
            capture_output=True,
            text=True,
            timeout=900,
        )
        return p, outputs(out), summ.read_text() if summ.exists() else ""


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The install step, once: (the action checkout copy, the gozt-lint it installed)."""
    tmp = tmp_path_factory.mktemp("action-install")
    src = tmp / "action-checkout"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(".venv", "node_modules", ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis", "*.vsix"),
    )
    goenv = gotool.hermetic_env(tmp / "goenv")
    (tmp / "job").mkdir()
    r = Runner(tmp / "job", src, goenv)
    # What the runner would download from the index is taken from this environment.
    deps = os.pathsep.join(site.getsitepackages())
    p, out, _ = r.step("install", {"python": sys.executable}, PYTHONPATH=deps, PIP_NO_BUILD_ISOLATION="0")
    assert p.returncode == 0, p.stdout + p.stderr
    exe = out["gozt-lint"]
    assert exe == str(tmp / "job" / "runner-temp" / "gozt-lint-venv" / "bin" / "gozt-lint")
    # gozt-lint itself came from the checkout copy, into the new environment.
    where = subprocess.run(
        [str(Path(exe).parent / "python"), "-c", "import gozt_lint; print(gozt_lint.__file__)"],
        env={**os.environ, "PYTHONPATH": deps},
        cwd=tmp,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(Path(exe).parent.parent)), where.stdout + where.stderr
    assert out["version"] and out["version"] in p.stdout
    return src, exe


@pytest.fixture
def runner(installed: tuple[Path, str], tmp_path: Path, goenv: gotool.GoEnvDirs) -> Runner:
    src, exe = installed
    r = Runner(tmp_path, src, goenv)
    r.env["GOZT_LINT"] = exe  # the install step's output, as action.yml passes it on
    r.env["PYTHONPATH"] = os.pathsep.join(site.getsitepackages())
    return r


def git_repo(d: Path, env: dict[str, str]) -> None:
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(git + args, cwd=d, env=env, check=True, capture_output=True)


def bad_module(d: Path) -> None:
    """One error (two hashes for one version) and two info findings (pseudo-versions);
    with --all, one more: the go.sum lines unverified against the checksum database."""
    d.mkdir(parents=True, exist_ok=True)
    pseudo = "v0.0.0-20240101000000-abcdefabcdef"
    (d / "go.mod").write_text(
        f"module example.com/app\n\ngo 1.21\n\nrequire (\n\texample.com/p0 {pseudo} // indirect\n\texample.com/p1 {pseudo} // indirect\n)\n"
    )
    (d / "go.sum").write_text(
        f"example.com/p0 {pseudo}/go.mod {H}\nexample.com/p1 {pseudo}/go.mod {H}\nexample.com/x v1.0.0 {H}\nexample.com/x v1.0.0 {H2}\n"
    )


# -- the action's definition --------------------------------------------------------------------


def test_action_definition() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    steps = doc["runs"]["steps"]
    runs = [s for s in steps if "run" in s]
    # Every step that runs something runs the script, with inputs passed as environment
    # variables: an expression inside `run:` would be spliced into the shell (injection).
    assert [s["run"].split()[-1] for s in runs] == ["install", "check", "finish"]
    for s in runs:
        assert "${{" not in s["run"] and s["shell"] == "bash" and SCRIPT in s["run"]
    install, check, upload, finish = steps
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"
    # The upload runs when findings fail the job: the verdict comes after it, and
    # neither is skipped by an earlier failure (only by a cancelled run).
    assert "!cancelled()" in upload["if"] and "steps.check.outputs.sarif-file != ''" in upload["if"]
    assert "!cancelled()" in finish["if"] and finish["env"]["EXIT_CODE"] == "${{ steps.check.outputs.exit-code }}"
    assert check["env"]["GOZT_LINT"] == "${{ steps.install.outputs.gozt-lint }}"
    # Inputs: each declared one is used, each used one declared, and each INPUT_ variable
    # the script reads is passed.
    declared = set(doc["inputs"])
    used = set(re.findall(r"inputs\.([a-z-]+)", (ROOT / "action.yml").read_text()))
    assert used == declared
    script = (ROOT / SCRIPT).read_text()
    read = set(re.findall(r'_env\("(INPUT_[A-Z_]+)"', script))
    passed = {k for s in steps for k in s.get("env", {}) if k.startswith("INPUT_")}
    assert read <= passed, read - passed
    for name, spec in doc["inputs"].items():
        assert spec.get("description") and "default" in spec, name
    assert set(doc["outputs"]) == {"exit-code", "sarif-file", "errors", "warnings", "infos"}


# -- its steps, run -------------------------------------------------------------------------------


def test_findings_fail_the_job_after_the_sarif_is_written(runner: Runner) -> None:
    bad_module(runner.workspace)
    git_repo(runner.workspace, runner.env)
    p, out, summary = runner.step("check", {"fail-on": "warning", "sarif-file": "reports/gozt.sarif"})
    assert p.returncode == 0, p.stderr  # the step itself passes: the upload comes next
    assert out["exit-code"] == "1"
    sarif_path = Path(out["sarif-file"])
    assert sarif_path == runner.workspace / "reports" / "gozt.sarif"
    doc = json.loads(sarif_path.read_text())
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    assert doc["runs"][0]["automationDetails"] == {"id": "gozt-lint/"}
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"gosum-conflict", "pseudo-version"}
    # Two pseudo-versions, one summary of the go.sum lines the checksum database could
    # not vouch for offline (not one finding per line), and one for the GOROOT whose
    # release manifest is not cached in the hermetic environment.
    assert out["errors"] == "1" and out["infos"] == "4" and out["warnings"] == "0"
    # Annotations in the log, relative to the workspace; info counted, not annotated.
    assert re.search(r"^::error file=go\.sum,line=4,.*\[gosum-conflict\]", p.stdout, re.M), p.stdout
    assert "::notice file=" not in p.stdout
    assert "4 info not shown (pseudo-version 2, goroot-unverified 1, sumdb-unverified 1)" in p.stdout
    assert summary.startswith("## gozt-lint failed: findings at or above `warning`")
    assert "| [`pseudo-version`](https://github.com/gozt-lint/gozt-lint/blob/main/docs/rules/pseudo-version.md) |  |  | 2 |" in summary
    assert "--sarif-output" in summary  # the command, for reproducing it locally
    fin, _, _ = runner.step("finish", EXIT_CODE=out["exit-code"])
    assert fin.returncode == 1 and "findings at or above fail-on" in fin.stderr


def test_a_clean_module_passes(runner: Runner) -> None:
    d = runner.workspace
    (d / "go.mod").write_text("module example.com/clean\n\ngo 1.21\n")
    git_repo(d, runner.env)
    p, out, summary = runner.step("check", {"fail-on": "error"})
    assert p.returncode == 0, p.stderr
    assert out["exit-code"] == "0", p.stdout + p.stderr
    assert out["sarif-file"] == str(d / "gozt-lint.sarif") and out["errors"] == "0"
    assert summary.startswith("## gozt-lint passed")
    assert runner.step("finish", EXIT_CODE="0")[0].returncode == 0


def test_inputs_reach_gozt_lint_as_arguments(runner: Runner) -> None:
    """paths, base, online and args become arguments, split with shell rules but
    never run by a shell."""
    d = runner.workspace
    bad_module(d / "svc one")
    (d / "other").mkdir()
    (d / "other" / "go.mod").write_text("module example.com/other\n\ngo 1.21\n")
    git_repo(d, runner.env)
    p, out, summary = runner.step(
        "check",
        {"paths": "'svc one' other", "args": "--select gosum,gomod --show-info", "fail-on": "error", "base": "HEAD", "online": "false"},
    )
    assert out["exit-code"] == "1", p.stdout + p.stderr
    cmd = summary.split("```sh\n", 1)[1].split("\n", 1)[0]
    assert cmd.endswith("--fail-on error --base HEAD --select gosum,gomod --show-info 'svc one' other")
    assert "--online" not in cmd
    # The module in a subdirectory is annotated by its path in the repository; info
    # is annotated because the args asked for it.
    assert re.search(r"^::error file=svc one/go\.sum,line=4,", p.stdout, re.M), p.stdout
    assert "::notice file=svc one/go.mod" in p.stdout
    # An input is data, not code.
    p, out, _ = runner.step("check", {"paths": "$(touch pwned) `touch pwned2`"})
    assert not (d / "pwned").exists() and not (d / "pwned2").exists()
    assert out["exit-code"] == "2"


def test_errors_exit_2_with_no_report_to_upload(runner: Runner) -> None:
    (runner.workspace / "go.mod").write_text("module example.com/clean\n\ngo 1.21\n")
    git_repo(runner.workspace, runner.env)
    stale = runner.workspace / "gozt-lint.sarif"
    stale.write_text("{}")
    p, out, summary = runner.step("check", {"args": "--select no-such-rule"})
    assert p.returncode == 0 and out["exit-code"] == "2"
    assert out["sarif-file"] == "" and not stale.exists(), "a stale report must never be uploaded"
    assert "unknown rule or family 'no-such-rule'" in p.stderr
    assert summary.startswith("## gozt-lint could not complete")
    fin, _, _ = runner.step("finish", EXIT_CODE="2")
    assert fin.returncode == 2
    # A bad fail-on never reaches gozt-lint.
    p, out, _ = runner.step("check", {"fail-on": "high"})
    assert out["exit-code"] == "2" and "fail-on must be one of error, warning, info" in p.stdout
    # The check did not run at all (the install step failed): the verdict fails.
    fin, _, _ = runner.step("finish", EXIT_CODE="")
    assert fin.returncode == 2 and "::error title=gozt-lint action::gozt-lint did not run" in fin.stdout


def test_unknown_step_is_a_usage_error(runner: Runner) -> None:
    p, _, _ = runner.step("deploy")
    assert p.returncode == 2 and "usage:" in p.stderr
