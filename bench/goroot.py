"""GOROOT against its Go release, on a real toolchain and the real module proxy.

For the go binary given (default: `go` on PATH), in a fresh gozt-lint cache:

1. online, cold: the record of golang.org/toolchain@v0.0.1-<go>.<goos>-<goarch> from
   sum.golang.org (through GOPROXY), the release zip streamed from GOPROXY, GOROOT
   hashed in full: time, bytes downloaded, peak memory;
2. offline, cold memo: the release manifest from gozt-lint's cache, GOROOT hashed in full;
3. offline, warm: N runs, everything from the cache and the memo (a stat per file).

Each step runs in its own process (so peak memory is that step's), times
`goroot.report` in process and the whole `gozt-lint --select <goroot rules>` command,
and prints what the rules found.

    python bench/goroot.py --runs 11                                   # the go on PATH
    python bench/goroot.py --runs 11 --go .venv/lib/python3.11/site-packages/go/bin/go
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = "goroot-tampered,goroot-unexpected-file,goroot-unverified"


def step(online: bool) -> None:
    """One run in this process; prints a JSON line."""
    sys.path.insert(0, str(ROOT))
    from gozt_lint import engine, goroot, installs
    from gozt_lint.context import Context, Options

    ctx = Context(cwd=Path(tempfile.gettempdir()), environ=dict(os.environ), options=Options(select=RULES.split(","), online=online))
    ctx.env  # `go env` and `go version` are not what is measured
    from gozt_lint import toolchain

    toolchain.get(ctx)
    t0 = time.perf_counter()
    rep = goroot.report(ctx)
    elapsed = time.perf_counter() - t0
    res = engine.run(ctx)
    sess = installs.session(ctx)
    print(json.dumps({
        "report_s": elapsed,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "downloaded": sess.downloaded,
        "hashed_bytes": rep.hashed_bytes,
        "memo_hits": rep.memo_hits,
        "files": rep.files,
        "matched": rep.matched,
        "release_files": len(rep.outcome.manifest.files) if rep.outcome and rep.outcome.manifest else None,
        "module": rep.outcome.module if rep.outcome else None,
        "status": rep.outcome.status if rep.outcome else None,
        "findings": [f"{f.severity.value} [{f.rule}] {f.message.splitlines()[0]}" for f in res.findings],
        "notes": [n for n in res.notes if n.startswith("toolchain")],
    }))


def run_step(env: dict[str, str], online: bool) -> dict[str, object]:
    p = subprocess.run([sys.executable, __file__, "--step", "online" if online else "offline"], env=env, capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        raise SystemExit(p.stderr)
    return json.loads(p.stdout.strip().splitlines()[-1])


def cli(env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gozt_lint", "--select", RULES], env=env, capture_output=True, text=True, timeout=600, cwd=tempfile.gettempdir())
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--go", default=shutil.which("go"), help="the go binary whose GOROOT to verify (default: go on PATH)")
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--step", choices=["online", "offline"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.step:
        step(args.step == "online")
        return
    go = os.path.abspath(args.go)
    cache = Path(tempfile.mkdtemp(prefix="gozt-bench-goroot-"))
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOFLAGS")}
    env.update(GOZT_LINT_CACHE_DIR=str(cache), PATH=os.pathsep.join([os.path.dirname(go), "/usr/bin", "/bin"]))
    try:
        print(f"go: {go}", file=sys.stderr)
        cold = run_step(env, online=True)
        for n in ("cache.db", "cache.db-wal", "cache.db-shm"):
            (cache / n).unlink(missing_ok=True)  # forget the memo, keep the manifest
        memo_cold = run_step(env, online=False)
        warm = [run_step(env, online=False) for _ in range(args.runs)]
        cli_warm = [cli(env) for _ in range(args.runs)]
        ws = [float(w["report_s"]) for w in warm]  # type: ignore[arg-type]
        print(json.dumps({
            "go": go,
            "module": cold["module"],
            "status": cold["status"],
            "files": cold["files"],
            "release_files": cold["release_files"],
            "matched": cold["matched"],
            "online_cold": {k: cold[k] for k in ("report_s", "maxrss_kb", "downloaded", "hashed_bytes")},
            "offline_memo_cold": {k: memo_cold[k] for k in ("report_s", "maxrss_kb", "hashed_bytes")},
            "offline_warm_report_s": {"median": statistics.median(ws), "min": min(ws), "max": max(ws)},
            "offline_warm_maxrss_kb": max(int(w["maxrss_kb"]) for w in warm),  # type: ignore[call-overload]
            "offline_warm_hashed_bytes": max(int(w["hashed_bytes"]) for w in warm),  # type: ignore[call-overload]
            "cli_warm_s": {"median": statistics.median(cli_warm), "min": min(cli_warm), "max": max(cli_warm)},
            "findings": cold["findings"],
            "notes": warm[-1]["notes"],
        }, indent=2))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
