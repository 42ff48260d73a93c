#!/usr/bin/env python3
"""gozt-lint's module-cache verification against `go mod verify`, side by side.

    python bench/build_modcache.py                 # once: builds the data (network)
    python bench/modcache.py [--cache DIR] [--runs 3] [--jobs N]

DIR (default /work/bench-data/modcache/only-grafana__grafana) holds gopath/ (a
module cache filled by the real `go mod download all` of one module graph) and
mod/ (that module: go.mod + go.sum). Runs, interleaved so both see the same page
cache and machine load:

  go mod verify            in mod/ (GOFLAGS=-mod=mod GOPROXY=off): hashes every
                           build-list zip and extracted dir
  gozt-lint cold           --select modcache, empty memo store: hashes every zip and
                           dir of the whole cache, plus .mod/.ziphash/.info of every
                           version, go.sum against the cache, modes, layout
  gozt-lint warm           the same again with the memo store the cold run filled

and prints medians (wall seconds, CPU seconds, peak RSS of the main process and of
the largest worker) as a Markdown table row for bench/RESULTS.md.
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
DEFAULT = Path("/work/bench-data/modcache/only-grafana__grafana")

RUNNER = r"""
import json, resource, sys, time
from gozt_lint.cli import main
t = time.perf_counter()
rc = main(sys.argv[1:])
wall = time.perf_counter() - t
s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "cpu": s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime,
                  "rss_main_mb": s.ru_maxrss / 1024, "rss_worker_mb": c.ru_maxrss / 1024}), file=sys.stderr)
"""


def go_binary() -> str:
    sys.path.insert(0, str(HERE.parent))
    from tests.gotool import find_go

    return find_go()


def env_for(cache: Path, memo: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    gopath = cache / "gopath"
    env.update(
        GOPATH=str(gopath), GOMODCACHE=str(gopath / "pkg" / "mod"), GOCACHE=str(cache / "gocache"),
        GOENV="off", GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY="off", GOWORK="off",
        GOTELEMETRY="off", GOZT_LINT_CACHE_DIR=str(memo),
    )
    return env


def run_go_verify(go: str, cache: Path, env: dict[str, str]) -> dict[str, float]:
    t = time.perf_counter()
    p = subprocess.Popen([go, "mod", "verify"], cwd=cache / "mod", env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    _pid, status, ru = os.wait4(p.pid, 0) if p.returncode is None else (0, 0, None)
    wall = time.perf_counter() - t
    res = {"wall": wall, "rc": p.returncode, "out": (out + err).decode()[-300:]}
    return res


def run_go_verify_timed(go: str, cache: Path, env: dict[str, str]) -> dict[str, float]:
    # /usr/bin/time-free CPU and RSS: fork, exec, wait4.
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.chdir(cache / "mod")
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execve(go, [go, "mod", "verify"], env)
    _pid, status, ru = os.wait4(pid, 0)
    return {"wall": time.perf_counter() - t, "cpu": ru.ru_utime + ru.ru_stime, "rss_main_mb": ru.ru_maxrss / 1024,
            "rc": os.waitstatus_to_exitcode(status)}


def run_ours(cache: Path, env: dict[str, str], jobs: int | None) -> dict[str, float]:
    args = ["--select", "modcache", "--format", "json", "--no-progress"]
    if jobs:
        args += ["--jobs", str(jobs)]
    p = subprocess.run([sys.executable, "-c", RUNNER, *args], cwd=cache / "mod", env={**env, "GOFLAGS": ""},
                       capture_output=True, text=True)
    stats = json.loads(p.stderr.strip().splitlines()[-1])
    findings = json.loads(p.stdout)["findings"]
    stats["findings"] = len(findings)
    return stats


def count(cache: Path) -> dict[str, int]:
    sys.path.insert(0, str(HERE.parent))
    from gozt_lint import modcache

    lay = modcache.scan_layout(cache / "gopath" / "pkg" / "mod")
    zips = sum(1 for e in lay.entries.values() if "zip" in e.files)
    dirs = sum(1 for e in lay.entries.values() if e.extracted)
    return {"versions": len(lay.entries), "zips": zips, "dirs": dirs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=DEFAULT)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    go = go_binary()
    print(f"go: {go} ({subprocess.run([go, 'version'], capture_output=True, text=True).stdout.strip()})")
    print(f"cache: {args.cache}: {count(args.cache)}")
    gv, cold, warm = [], [], []
    for i in range(args.runs):
        memo = Path(tempfile.mkdtemp(prefix="gozt-bench-memo-"))
        shutil.rmtree(memo)
        env = env_for(args.cache, memo)
        gv.append(run_go_verify_timed(go, args.cache, env))
        cold.append(run_ours(args.cache, env, args.jobs))
        warm.append(run_ours(args.cache, env, args.jobs))
        shutil.rmtree(memo, ignore_errors=True)
        print(f"run {i + 1}: go mod verify {gv[-1]['wall']:.1f}s (rc {gv[-1]['rc']}), cold {cold[-1]['wall']:.1f}s, "
              f"warm {warm[-1]['wall']:.2f}s, findings {cold[-1]['findings']}/{warm[-1]['findings']}", flush=True)

    def med(rows: list[dict[str, float]], k: str) -> float:
        return statistics.median(r.get(k, 0.0) for r in rows)

    g = med(gv, "wall")
    print()
    print("| run | wall s (median) | CPU s | peak RSS main / worker MB | vs go mod verify |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(f"| go mod verify | {g:.1f} | {med(gv, 'cpu'):.1f} | {med(gv, 'rss_main_mb'):.0f} | 1 |")
    print(f"| gozt-lint cold | {med(cold, 'wall'):.1f} | {med(cold, 'cpu'):.1f} | {med(cold, 'rss_main_mb'):.0f} / {med(cold, 'rss_worker_mb'):.0f} | {med(cold, 'wall') / g:.2f} |")
    print(f"| gozt-lint warm | {med(warm, 'wall'):.2f} | {med(warm, 'cpu'):.1f} | {med(warm, 'rss_main_mb'):.0f} / {med(warm, 'rss_worker_mb'):.0f} | 1/{g / med(warm, 'wall'):.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
