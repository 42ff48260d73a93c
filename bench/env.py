#!/usr/bin/env python3
"""Where the environment checks spend their time.

    python bench/env.py [--runs N]

Times, in this process and with the current environment (the user's PATH, GOENV
file and go):

  load(run=False)   reading the environment, the GOENV file and GOROOT/go.env
  go env -json      the one go subprocess (run_go: GOTOOLCHAIN=local, GOENV=off, ...)
  env rules         every env rule on a fresh Context (includes the two above)
  process           `gozt-lint --select env` as the pre-commit env hook runs it,
                    next to `python -c pass`
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
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gozt_lint import engine, goenv  # noqa: E402
from gozt_lint.context import Context, Options  # noqa: E402


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), max(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    env = dict(os.environ)
    go = goenv.find_go_binary(env)
    if go is None:
        print("no go on PATH", file=sys.stderr)
        return 1
    cwd = Path(tempfile.mkdtemp(prefix="gozt-bench-env-"))
    exe = shutil.which("gozt-lint", path=str(Path(sys.executable).parent)) or "gozt-lint"

    def rules() -> None:
        ctx = Context(cwd=cwd, environ=env, options=Options(select=["env"]))
        ctx.discover()
        engine.run(ctx)

    rows = [
        ("load(run=False)", lambda: goenv.load(env, run=False)),
        ("go env -json (run_go)", lambda: goenv.run_go(go, ["env", "-json", *goenv.GO_ENV_KEYS], env)),
        ("load(run=True)", lambda: goenv.load(env)),
        ("env rules, in process", rules),
        ("python -c pass", lambda: subprocess.run([sys.executable, "-c", "pass"], cwd=cwd, env=env)),
        ("gozt-lint --select env", lambda: subprocess.run([exe, "--select", "env"], cwd=cwd, env=env, stdout=subprocess.DEVNULL)),
    ]
    print(f"go: {go} ({goenv.load(env).go_version}), runs: {args.runs}, python: {sys.version.split()[0]}, cpus: {os.cpu_count()}")
    for name, fn in rows:
        fn()  # warm up
        med, lo, hi = median_ms(fn, args.runs)
        print(f"{name:26} median {med:7.1f} ms   min {lo:6.1f}  max {hi:6.1f}")
    shutil.rmtree(cwd, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
