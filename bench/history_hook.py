#!/usr/bin/env python3
"""What the history family adds to the pre-commit hook, on a kubernetes-size go.sum.

    python bench/history_hook.py [--corpus DIR] [--runs N]

A temporary git repository holds the corpus go.mod/go.sum (committed); three
staged states are measured, each with the same interpreter pre-commit would use,
interleaving the commands so machine noise hits them alike:

  added:   one new module line staged (the common case: nothing to parse)
  changed: one existing line's hash changed (a finding: one line parsed)
  removed: one required module's /go.mod line removed (go.mod parsed)

For each: `python -c pass`, the files hook (`gozt-lint --no-env go.mod go.sum`) and
the same with `--ignore history`; the budget is median <= 2 x python -c pass + 100 ms.
The in-process cost of the history rules alone (git cat-file + diff) is timed too.
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
DEFAULT_CORPUS = Path("/work/shared/corpus/kubernetes__kubernetes")
if not DEFAULT_CORPUS.exists():
    DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus" / "kubernetes__kubernetes"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    # pre-commit users run with cached bytecode; PYTHONDONTWRITEBYTECODE (set on some CI
    # images) would make every run compile every module, so compile once and drop it.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "PYTHONDONTWRITEBYTECODE"}
    import compileall

    import gozt_lint

    compileall.compile_dir(str(Path(gozt_lint.__file__).parent), quiet=1)
    env.update(GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@example.com")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp)
        for name in ("go.mod", "go.sum"):
            shutil.copy(args.corpus / name, repo / name)
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, env=env, check=True, capture_output=True)  # noqa: E731
        git("init", "-q")
        git("add", ".")
        git("commit", "-qm", "base")
        base_sum = (repo / "go.sum").read_text()
        lines = base_sum.splitlines()
        required = _first_required(repo / "go.mod")
        states = {
            "added": base_sum + "example.com/added v1.0.0/go.mod h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=\n",
            "changed": "\n".join([_edit(lines[0])] + lines[1:]) + "\n",
            "removed": "".join(ln + "\n" for ln in lines if not ln.startswith(f"{required[0]} {required[1]}/go.mod ")),
        }
        print(f"corpus: {args.corpus} (go.sum {len(lines)} lines), runs: {args.runs}, python {sys.version.split()[0]}, cpus: {os.cpu_count()}")
        for state, text in states.items():
            (repo / "go.sum").write_text(text)
            git("add", "go.sum")
            cmds = {
                "python -c pass": [sys.executable, "-c", "pass"],
                "files hook": [sys.executable, "-m", "gozt_lint", "--no-env", "go.mod", "go.sum"],
                "files hook --ignore history": [sys.executable, "-m", "gozt_lint", "--no-env", "--ignore", "history", "go.mod", "go.sum"],
            }
            times: dict[str, list[float]] = {k: [] for k in cmds}
            rcs: dict[str, int] = {}
            for _ in range(args.runs):
                for k, cmd in cmds.items():
                    t = time.perf_counter()
                    p = subprocess.run(cmd, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    times[k].append(time.perf_counter() - t)
                    rcs[k] = p.returncode
            med = {k: statistics.median(v) * 1000 for k, v in times.items()}
            budget = 2 * med["python -c pass"] + 100
            inproc = _in_process(repo, env)
            verdict = "OK" if med["files hook"] <= budget else "OVER"
            ok = ok and verdict == "OK"
            print(
                f"[{state:7}] pass {med['python -c pass']:6.1f} ms | hook {med['files hook']:6.1f} ms (exit {rcs['files hook']}) | "
                f"without history {med['files hook --ignore history']:6.1f} ms | history rules in-process {inproc:5.1f} ms | "
                f"budget {budget:6.1f} ms -> {verdict}"
            )
            git("checkout", "HEAD", "--", "go.sum")
    return 0 if ok else 1


def _in_process(repo: Path, env: dict[str, str], n: int = 30) -> float:
    code = (
        "import time, statistics\n"
        "from gozt_lint import engine\n"
        "from gozt_lint.context import Context, Options\n"
        "from gozt_lint.registry import all_rules\n"
        "rules = [r for r in all_rules().values() if r.family == 'history']\n"
        "ts = []\n"
        f"for _ in range({n}):\n"
        "    ctx = Context(options=Options(paths=['go.mod', 'go.sum']))\n"
        "    ctx.discover()\n"
        "    t = time.perf_counter(); engine.run(ctx, rules); ts.append(time.perf_counter() - t)\n"
        "print(statistics.median(ts) * 1000)\n"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return float(p.stdout.strip())


def _first_required(gomod: Path) -> tuple[str, str]:
    inside = False
    for ln in gomod.read_text().splitlines():
        s = ln.strip()
        if s.startswith("require ("):
            inside = True
            continue
        if inside and s == ")":
            inside = False
        if inside and s and not s.startswith("//") and "// indirect" not in s:
            f = s.split()
            return f[0], f[1]
    raise SystemExit("no direct requirement in go.mod")


def _edit(line: str) -> str:
    mod, ver, h = line.split()
    return f"{mod} {ver} h1:{'A' if h[3] != 'A' else 'B'}{h[4:]}"


if __name__ == "__main__":
    raise SystemExit(main())
