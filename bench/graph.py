#!/usr/bin/env python3
"""`gozt-lint --all` on a kubernetes-shaped monorepo, side by side with `go mod verify`.

    python bench/build_k8s.py               # once: builds the data (network)
    python bench/graph.py [--data /work/bench-data/k8s] [--runs 5]

DATA/repo is kubernetes' go.mod/go.sum with ~30 staging modules stubbed as local
directories (31 go.mod units over one set of module versions), DATA/gopath a module
cache filled by the real `go mod download all`. Runs, interleaved so all see the same
page cache and machine load:

  go mod verify        in DATA/repo (GOFLAGS=-mod=mod GOPROXY=off)
  gozt-lint cold       `gozt-lint --all`, empty memo store (page cache warm)
  gozt-lint warm       the same again, with the memo store the cold run filled
  graph only           `gozt-lint --all --select gosum-missing` warm: the module graphs
                       and package loads of all 31 units (plus start-up)
  graph, root only     the same for the root go.mod alone (one unit)

and prints medians (wall, CPU of the whole process tree, peak RSS) as Markdown rows for
bench/RESULTS.md. `--profile` prints where the warm run's time goes instead.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = Path("/work/bench-data/k8s")


def go_binary() -> str:
    sys.path.insert(0, str(HERE.parent))
    from tests.gotool import find_go

    return find_go()


def env_for(data: Path, memo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOPATH=str(data / "gopath"), GOMODCACHE=str(data / "gopath" / "pkg" / "mod"), GOCACHE=str(data / "gocache"),
        GOENV="off", GOTOOLCHAIN="local", GOFLAGS="", GOPROXY="off", GOWORK="off", GOTELEMETRY="off",
        GOZT_LINT_CACHE_DIR=str(memo),
    )
    env["PATH"] = os.pathsep.join([str(Path(go_binary()).parent), env.get("PATH", "")])
    return env


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Wall, CPU (self + children) and peak RSS of one process tree, via fork/exec/wait4."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(cwd)
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execve(argv[0], argv, env)
    _pid, status, ru = os.wait4(pid, 0)
    return {"wall": time.perf_counter() - t, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024,
            "rc": os.waitstatus_to_exitcode(status)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    repo = args.data / "repo"
    go = go_binary()
    py = sys.executable
    memo = Path(tempfile.mkdtemp(prefix="gozt-bench-graph-memo-"))
    if args.profile:
        env = env_for(args.data, memo)
        subprocess.run([py, "-m", "gozt_lint", "--all", "--no-progress"], cwd=repo, env=env, capture_output=True)
        code = ("import cProfile,pstats,sys;from gozt_lint.cli import main;"
                "cProfile.run('main([\"--all\",\"--no-progress\",\"--output\",\"/dev/null\"])','/tmp/gozt-graph.prof');"
                "pstats.Stats('/tmp/gozt-graph.prof').sort_stats('cumulative').print_stats(40)")
        subprocess.run([py, "-c", code], cwd=repo, env=env)
        return 0
    print(f"go: {go} ({subprocess.run([go, 'version'], capture_output=True, text=True).stdout.strip()})")
    n_mods = sum(1 for _ in (args.data / "gopath" / "pkg" / "mod" / "cache" / "download").rglob("*.mod"))
    units = sum(1 for _ in repo.rglob("go.mod"))
    print(f"data: {repo}: {units} go.mod units, {n_mods} cached .mod files")
    rows: dict[str, list[dict[str, float]]] = {k: [] for k in ("verify", "cold", "warm", "graph", "graph1")}
    for i in range(args.runs):
        shutil.rmtree(memo, ignore_errors=True)
        env = env_for(args.data, memo)
        rows["verify"].append(timed([go, "mod", "verify"], repo, {**env, "GOFLAGS": "-mod=mod"}))
        rows["cold"].append(timed([py, "-m", "gozt_lint", "--all", "--no-progress"], repo, env))
        rows["warm"].append(timed([py, "-m", "gozt_lint", "--all", "--no-progress"], repo, env))
        rows["graph"].append(timed([py, "-m", "gozt_lint", "--all", "--select", "gosum-missing"], repo, env))
        rows["graph1"].append(timed([py, "-m", "gozt_lint", "--all", "--select", "gosum-missing", "go.mod", "go.sum"], repo, env))
        print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]['wall']:.2f}s (rc {v[-1]['rc']})" for k, v in rows.items()), flush=True)
    shutil.rmtree(memo, ignore_errors=True)

    def med(k: str, f: str) -> float:
        return statistics.median(r[f] for r in rows[k])

    g = med("verify", "wall")
    print()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    print("| run | wall s (median) | CPU s | peak RSS MB (largest process) | wall vs `go mod verify` |")
    print("| --- | ---: | ---: | ---: | ---: |")
    names = {"verify": "`go mod verify`", "cold": "`gozt-lint --all` cold", "warm": "`gozt-lint --all` warm",
             "graph": "`--all --select gosum-missing` (31 units)", "graph1": "the same, root go.mod only"}
    for k, name in names.items():
        print(f"| {name} | {med(k, 'wall'):.2f} | {med(k, 'cpu'):.2f} | {med(k, 'rss_mb'):.0f} | {med(k, 'wall') / g:.2f} |")
    print(json.dumps({k: [round(r["wall"], 3) for r in v] for k, v in rows.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
