#!/usr/bin/env python3
"""The steps of the gozt-lint GitHub Action (action.yml), as plain commands so they
can be run, and tested, outside a runner:

    gozt_lint_action.py install   make a virtualenv in RUNNER_TEMP and install
                                  gozt-lint from the action's own checkout
                                  (GITHUB_ACTION_PATH); output `gozt-lint`
    gozt_lint_action.py check     run `gozt-lint --all` in GITHUB_WORKSPACE with the
                                  inputs (INPUT_* variables), annotations to the log,
                                  SARIF to a file, a summary to GITHUB_STEP_SUMMARY;
                                  outputs `exit-code`, `sarif-file` and counts. It
                                  exits 0 so the SARIF upload runs whatever was found
    gozt_lint_action.py finish    exit with the status `check` recorded (EXIT_CODE):
                                  the job fails after the upload, not before

Inputs arrive as environment variables, never spliced into a shell command, so a
branch name or an input cannot inject code. Only the standard library is used: this
runs with whatever python3 the runner has.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

TRUE = ("true", "1", "yes", "on")
SEVERITIES = ("error", "warning", "info")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _append(var: str, text: str) -> None:
    """Append to the file a GitHub variable names (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY)."""
    path = os.environ.get(var)
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def set_output(name: str, value: str) -> None:
    if "\n" in value:
        # The heredoc form, with a delimiter the value cannot contain.
        delim = "GOZT_LINT_EOF"
        while delim in value:
            delim += "_"
        _append("GITHUB_OUTPUT", f"{name}<<{delim}\n{value}\n{delim}\n")
    else:
        _append("GITHUB_OUTPUT", f"{name}={value}\n")


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotate(level: str, message: str) -> None:
    print(f"::{level} title=gozt-lint action::{_escape(message)}", flush=True)


# -- install --------------------------------------------------------------------------------------


def install() -> int:
    if os.name == "nt":
        annotate("error", "gozt-lint runs on Linux and macOS runners only")
        return 2
    if sys.version_info < (3, 10):
        annotate("error", f"gozt-lint needs Python 3.10 or newer; {sys.executable} is {sys.version.split()[0]} (set the `python` input, or use actions/setup-python)")
        return 2
    source = Path(_env("GITHUB_ACTION_PATH") or Path(__file__).resolve().parent.parent)
    if not (source / "pyproject.toml").is_file():
        annotate("error", f"{source} is not a gozt-lint checkout (no pyproject.toml)")
        return 2
    temp = Path(_env("RUNNER_TEMP") or os.environ.get("TMPDIR", "/tmp"))
    env_dir = temp / "gozt-lint-venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", str(source)]
    print("+ " + shlex.join(cmd), flush=True)
    p = subprocess.run(cmd)
    if p.returncode != 0:
        annotate("error", f"installing gozt-lint from {source} failed (pip exited {p.returncode})")
        return 2
    exe = env_dir / "bin" / "gozt-lint"
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    if version.returncode != 0:
        annotate("error", f"the installed gozt-lint does not run: {version.stderr.strip()}")
        return 2
    print(version.stdout.strip(), flush=True)
    if shutil.which("go") is None:
        annotate("warning", "no `go` on PATH: add actions/setup-go before this action, or the toolchain checks report go-not-found")
    set_output("gozt-lint", str(exe))
    set_output("version", version.stdout.strip().split()[-1])
    return 0


# -- check ------------------------------------------------------------------------------------------


def command(exe: str, sarif: str) -> list[str]:
    """The gozt-lint command line the inputs ask for."""
    cmd = [exe, "--all", "--format", "github", "--sarif-output", sarif, "--no-progress"]
    fail_on = _env("INPUT_FAIL_ON", "warning").lower()
    if fail_on not in SEVERITIES:
        raise ValueError(f"fail-on must be one of {', '.join(SEVERITIES)}, not {fail_on!r}")
    cmd += ["--fail-on", fail_on]
    if _env("INPUT_BASE"):
        cmd += ["--base", _env("INPUT_BASE")]
    if _env("INPUT_ONLINE").lower() in TRUE:
        cmd.append("--online")
    cmd += shlex.split(_env("INPUT_ARGS"))
    cmd += shlex.split(_env("INPUT_PATHS"))
    return cmd


def counts(sarif_path: Path) -> dict[str, dict[str, int]] | None:
    """{rule: {level: n}} from the SARIF gozt-lint wrote, or None when there is none."""
    try:
        doc = json.loads(sarif_path.read_text(encoding="utf-8"))
        results = [r for run in doc["runs"] for r in run.get("results", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    out: dict[str, dict[str, int]] = {}
    for r in results:
        level = {"note": "info"}.get(r.get("level", "warning"), r.get("level", "warning"))
        by = out.setdefault(str(r.get("ruleId", "?")), {})
        by[level] = by.get(level, 0) + 1
    return out


def summary(code: int, by_rule: dict[str, dict[str, int]] | None, cmd: list[str], fail_on: str) -> str:
    verdict = {0: "passed", 1: f"failed: findings at or above `{fail_on}`", 2: "could not complete (see the log)"}.get(code, f"exited {code}")
    lines = [f"## gozt-lint {verdict}", ""]
    if by_rule:
        totals = {s: sum(v.get(s, 0) for v in by_rule.values()) for s in SEVERITIES}
        lines.append(", ".join(f"{n} {s}" for s, n in totals.items() if n) + ".")
        lines += ["", "| rule | error | warning | info |", "| --- | ---: | ---: | ---: |"]
        order = sorted(by_rule.items(), key=lambda kv: tuple(-kv[1].get(s, 0) for s in SEVERITIES) + (kv[0],))
        for rule, by in order:
            link = f"[`{rule}`](https://github.com/gozt-lint/gozt-lint/blob/main/docs/rules/{rule}.md)"
            lines.append(f"| {link} | {by.get('error', '')} | {by.get('warning', '')} | {by.get('info', '')} |")
        if totals["info"]:
            lines += ["", "Info findings are not annotated (pass `args: --show-info` to annotate them); they are in the SARIF report."]
    elif by_rule is not None:
        lines.append("No findings.")
    else:
        lines.append("No SARIF report was written.")
    lines += ["", "<details><summary>command</summary>", "", "```sh", shlex.join(cmd), "```", "", "</details>", ""]
    return "\n".join(lines)


def check() -> int:
    exe = _env("GOZT_LINT") or shutil.which("gozt-lint") or ""
    if not exe:
        annotate("error", "gozt-lint is not installed (the install step did not run?)")
        set_output("exit-code", "2")
        return 0
    workspace = Path(_env("GITHUB_WORKSPACE") or os.getcwd())
    sarif = Path(_env("INPUT_SARIF_FILE") or "gozt-lint.sarif")
    if not sarif.is_absolute():
        sarif = workspace / sarif
    try:
        cmd = command(exe, str(sarif))
    except ValueError as e:
        annotate("error", str(e))
        set_output("exit-code", "2")
        return 0
    sarif.parent.mkdir(parents=True, exist_ok=True)
    sarif.unlink(missing_ok=True)  # never upload a stale report from an earlier step
    print("+ " + shlex.join(cmd), flush=True)
    # stdout carries the annotations; the runner reads them from this step's log.
    code = subprocess.run(cmd, cwd=workspace).returncode
    by_rule = counts(sarif)
    set_output("exit-code", str(code))
    set_output("sarif-file", str(sarif) if by_rule is not None else "")
    for s in SEVERITIES:
        set_output(f"{s}s" if s != "info" else "infos", str(sum(v.get(s, 0) for v in (by_rule or {}).values())))
    _append("GITHUB_STEP_SUMMARY", summary(code, by_rule, cmd, _env("INPUT_FAIL_ON", "warning")))
    return 0


# -- finish ------------------------------------------------------------------------------------------


def finish() -> int:
    raw = _env("EXIT_CODE")
    if not raw.isdigit():
        annotate("error", "gozt-lint did not run")
        return 2
    code = int(raw)
    if code == 1:
        print("gozt-lint: findings at or above fail-on (the annotations and the step summary list them)", file=sys.stderr)
    elif code != 0:
        print(f"gozt-lint: the check could not complete (exit status {code}); see the log of the run step", file=sys.stderr)
    return code


def main(argv: list[str]) -> int:
    steps = {"install": install, "check": check, "finish": finish}
    if len(argv) != 1 or argv[0] not in steps:
        print(f"usage: {Path(__file__).name} {{{','.join(steps)}}}", file=sys.stderr)
        return 2
    return steps[argv[0]]()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
