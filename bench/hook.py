#!/usr/bin/env python3
"""The pre-commit hook's cost on a kubernetes-size module, against a bare interpreter.

Budget (issue "checker core"): median hook process time <= 2 x `python -c pass` + 100 ms.

    python bench/hook.py [--corpus DIR] [--runs N]

By default it installs this checkout into a fresh virtualenv the way pre-commit does
(a regular, byte-compiled install, not an editable one: an editable install adds an
import hook to every interpreter start) and times that; `--here` times the current
interpreter's install instead.

It copies go.mod/go.sum from the corpus (default: ../shared/corpus/kubernetes__kubernetes)
into a temporary git repository, stages a one-line change to go.sum (so the history
rule has work to do) and times, with the same interpreter pre-commit would use:

  baseline: python -c pass
  hook:     the files hook's entry from .pre-commit-hooks.yaml + go.mod go.sum
  env hook: the environment hook's entry
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = next(
    (c for c in (HERE.parent.parent / "shared" / "corpus", Path("/work/shared/corpus")) if c.is_dir()),
    HERE.parent.parent / "shared" / "corpus",
) / "kubernetes__kubernetes"


def hook_entry(hook_id: str) -> list[str]:
    """A hook's entry arguments from .pre-commit-hooks.yaml (read without a YAML
    parser: entries are plain scalars), so the bench times what pre-commit runs."""
    text = (HERE.parent / ".pre-commit-hooks.yaml").read_text()
    block = text.split(f"- id: {hook_id}\n", 1)[1]
    entry = next(line for line in block.splitlines() if line.strip().startswith("entry:"))
    return entry.split(":", 1)[1].split()[1:]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--here", action="store_true", help="time this interpreter's install, not a fresh venv")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        python = sys.executable
        if not args.here:
            venv = Path(tmp) / "venv"
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
            python = str(venv / "bin" / "python")
            pip = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
            # The hook path needs no third-party package; install only what building needs.
            subprocess.run([*pip, "setuptools>=77"], check=True)
            subprocess.run([*pip, "--no-deps", "--no-build-isolation", str(HERE.parent)], check=True)
        exe = str(Path(python).parent / "gozt-lint")
        sys_executable = python
        repo = Path(tmp) / "repo"
        repo.mkdir()
        for name in ("go.mod", "go.sum"):
            shutil.copy(args.corpus / name, repo / name)
        # pre-commit installs the hook with byte-compiled modules; make sure we time that,
        # not a recompile on every run.
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
        import gozt_lint

        if args.here:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(gozt_lint.__file__).parent)], env=env, check=True)
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, env=env, check=True, capture_output=True)  # noqa: E731
        git("init", "-q")
        git("add", ".")
        git("-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-qm", "base")
        with open(repo / "go.sum", "a") as f:
            f.write("example.com/added v1.0.0/go.mod h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=\n")
        git("add", "go.sum")
        lines = sum(1 for _ in open(repo / "go.sum"))
        # Interleaved, so drift in the machine's load hits every command alike.
        cmds = {
            "base": [sys_executable, "-c", "pass"],
            "hook": [exe, *hook_entry("gozt-lint"), "go.mod", "go.sum"],
            "env": [exe, *hook_entry("gozt-lint-env")],
        }
        samples: dict[str, list[float]] = {k: [] for k in cmds}
        rcs: dict[str, int] = {}
        for _ in range(args.runs):
            for k, cmd in cmds.items():
                t = time.perf_counter()
                p = subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                samples[k].append(time.perf_counter() - t)
                rcs[k] = p.returncode
        base = statistics.median(samples["base"])
        hook, all_hook, rc = statistics.median(samples["hook"]), samples["hook"], rcs["hook"]
        envhook, rc_env = statistics.median(samples["env"]), rcs["env"]
    budget = 2 * base + 0.100
    where = "this interpreter" if args.here else "a fresh venv (pip install --no-deps .)"
    print(f"corpus: {args.corpus} (go.sum {lines} lines), runs: {args.runs}, python: {sys.version.split()[0]} in {where}, cpus: {os.cpu_count()}")
    print(f"python -c pass          median {base * 1000:7.1f} ms")
    print(f"files hook (exit {rc})     median {hook * 1000:7.1f} ms   min {min(all_hook) * 1000:.1f}  max {max(all_hook) * 1000:.1f}")
    print(f"env hook (exit {rc_env})       median {envhook * 1000:7.1f} ms")
    print(f"budget 2 x base + 100 ms       {budget * 1000:7.1f} ms -> files hook {'OK' if hook <= budget else 'OVER'}, env hook {'OK' if envhook <= budget else 'OVER'}")
    return 0 if hook <= budget else 1


if __name__ == "__main__":
    raise SystemExit(main())
