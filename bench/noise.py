#!/usr/bin/env python3
"""How much a user reads: findings per face on a real project's go.mod/go.sum with
nothing cached (empty module cache, no checksum-database state), the situation of a
fresh clone in CI or on a new machine.

    python bench/noise.py [PROJECT_DIR ...]

Default projects: prometheus and grafana from ../shared/corpus (read in place,
never copied into the repository). For each, go.mod/go.sum are committed in a
temporary git repository; HOME, GOPATH, GOMODCACHE, GOCACHE, GOENV and gozt-lint's
own cache point at empty temporary directories; `go` runs with GOTOOLCHAIN=local.
Counted per face:

- text:    finding lines of `gozt-lint --all` (what a terminal shows)
- hook:    finding lines of the files hook (`gozt-lint --no-env go.mod go.sum`,
           with the arguments .pre-commit-hooks.yaml gives it)
- json:    findings in `--all --format json`, and of those `sumdb-unverified`
- sarif:   results in `--all --format sarif` (code-scanning alerts)
- github:  workflow-command lines of `--all --format github` (annotations)
- gitlab:  entries of `--all --format gitlab` (when the format exists)
- lsp:     diagnostics the language server would publish in the go.sum buffer
           (the editor's default families, placed by the server's own code)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS_CANDIDATES = [HERE.parent.parent / "shared" / "corpus", Path("/work/shared/corpus")]


def corpus_dir() -> Path:
    for c in CORPUS_CANDIDATES:
        if c.is_dir():
            return c
    raise SystemExit("corpus not found; pass project directories")


def hermetic_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GO", "GIT_", "XDG_")) and k not in ("CI", "GITHUB_ACTIONS")}
    for d in ("home", "gopath", "gocache", "xdg"):
        (tmp / d).mkdir()
    env.update(
        HOME=str(tmp / "home"),
        GOPATH=str(tmp / "gopath"),
        GOMODCACHE=str(tmp / "gopath" / "pkg" / "mod"),
        GOCACHE=str(tmp / "gocache"),
        GOENV=str(tmp / "home" / "goenv"),
        GOTOOLCHAIN="local",
        GOFLAGS="",
        XDG_CACHE_HOME=str(tmp / "xdg"),
        NO_COLOR="1",
    )
    return env


def hook_args() -> list[str]:
    """The files hook's entry, from .pre-commit-hooks.yaml (without a YAML parser:
    the entry line is plain)."""
    text = (HERE.parent / ".pre-commit-hooks.yaml").read_text()
    block = text.split("- id: gozt-lint\n", 1)[1]
    entry = next(line for line in block.splitlines() if line.strip().startswith("entry:"))
    args = entry.split(":", 1)[1].split()
    return args[1:]  # without the executable name


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p.stdout


def finding_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if "] " in line and line.split("] ")[0].split()[-1].startswith("["))


def lsp_diagnostics(repo: Path, env: dict[str, str]) -> int:
    from gozt_lint.lsp import check, settings
    from gozt_lint.lsp.place import DocView, place
    from gozt_lint.registry import all_rules

    gosum = repo / "go.sum"
    req = check.Request(cwd=str(repo), paths=[str(repo / "go.mod"), str(gosum)], families=list(settings.DEFAULT_FAMILIES))
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        out = check.run(req, env)
    finally:
        os.environ.clear()
        os.environ.update(old)
    families = {s: r.family for s, r in all_rules().items()}
    view = DocView.of(str(gosum), gosum.read_text())
    return len(place(out.findings, view, families=families))


def measure(project: Path) -> dict[str, object]:
    exe = str(Path(sys.executable).parent / "gozt-lint")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        env = hermetic_env(tmp)
        repo = tmp / "repo"
        repo.mkdir()
        for name in ("go.mod", "go.sum"):
            shutil.copy(project / name, repo / name)
        git = ["git", "-c", "user.name=b", "-c", "user.email=b@example.com", "-c", "commit.gpgsign=false"]
        for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
            subprocess.run(git + args, cwd=repo, env=env, check=True, capture_output=True)
        res: dict[str, object] = {"project": project.name, "go.sum lines": sum(1 for _ in open(repo / "go.sum"))}
        res["text"] = finding_lines(run([exe, "--all"], repo, env))
        res["hook"] = finding_lines(run([exe, *hook_args(), "go.mod", "go.sum"], repo, env))
        doc = json.loads(run([exe, "--all", "--format", "json"], repo, env))
        res["json"] = len(doc["findings"])
        res["json sumdb-unverified"] = sum(1 for f in doc["findings"] if f["rule"] == "sumdb-unverified")
        sarif = json.loads(run([exe, "--all", "--format", "sarif"], repo, env))
        res["sarif"] = sum(len(r["results"]) for r in sarif["runs"])
        gh = run([exe, "--all", "--format", "github"], repo, env)
        res["github"] = sum(1 for line in gh.splitlines() if line.startswith(("::error", "::warning", "::notice")))
        help_text = run([exe, "--help"], repo, env)
        if "gitlab" in help_text:
            res["gitlab"] = len(json.loads(run([exe, "--all", "--format", "gitlab"], repo, env)))
        res["lsp"] = lsp_diagnostics(repo, env)
        return res


def main() -> int:
    projects = [Path(p) for p in sys.argv[1:]] or [corpus_dir() / "prometheus__prometheus", corpus_dir() / "grafana__grafana"]
    for p in projects:
        print(json.dumps(measure(p)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
