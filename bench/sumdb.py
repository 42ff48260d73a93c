"""Offline checksum-database verification of a go.sum with thousands of lines.

Builds (once, in --workdir) a file:// proxy of N small modules, a checksum database
server from the toolchain's own x/mod (tests/sumdbtool.py), and a module requiring all
of them; the real go downloads everything through the server, so the go command's own
sumdb lookups, tiles and `latest` are real. Then times the sumdb family, offline:

    python bench/sumdb.py --modules 1500 --runs 7 --preload          # one signed head for all records
    python bench/sumdb.py --modules 1500 --runs 7 --publish 250ms    # heads signed in batches, as sum.golang.org does
    python bench/sumdb.py --modules 1500 --runs 7                    # worst case: a new head per record

The last is the hardest case: the go command looks modules up in parallel while the
server signs a new head after every record, so nearly every lookup carries its own
signed tree head (1,500 signatures to check, each head checked for consistency) and
the go command keeps a partial tile for each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import gotool, sumdbtool  # noqa: E402


def build(workdir: Path, n: int, preload: bool, publish: str = "0") -> tuple[Path, dict[str, str]]:
    app = workdir / "app"
    env = gotool.hermetic_env(workdir / "goenv")
    marker = workdir / "ready"
    proxy = workdir / "proxy"
    mods = [(f"example.com/bench/m{i:05d}", f"v1.{i % 7}.{i % 3}") for i in range(n)]
    if not marker.exists():
        if workdir.exists():
            gotool.make_writable(workdir)
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        for path, version in mods:
            gotool.add_module(proxy, path, version, {"go.mod": f"module {path}\n\ngo 1.21\n", "x.go": f"package m\n\n// {path}\nconst V = {len(path)}\n"})
        binary = sumdbtool.build_server(workdir / "build")
        server = sumdbtool.Server(
            binary, proxy, workdir / "server", preload=[f"{p}@{v}" for p, v in mods] if preload else None, publish=publish
        ).start()
        try:
            imports = "".join(f'\t_ "{p}"\n' for p, _ in mods)
            gotool.write_module(app, "example.com/benchapp", requires=dict(mods), code=f"package main\n\nimport (\n{imports})\n\nfunc main() {{}}\n")
            e = sumdbtool.go_env_for(env, server, proxy)
            t0 = time.monotonic()
            p = subprocess.run([gotool.find_go(), "mod", "tidy"], cwd=app, env=e, capture_output=True, text=True, timeout=3600)
            if p.returncode != 0:
                raise SystemExit(p.stderr)
            print(f"go mod tidy of {n} modules through the server: {time.monotonic() - t0:.1f}s", file=sys.stderr)
        finally:
            server.stop()
        marker.write_text(server.gosumdb)
    e = sumdbtool.go_env_for(env, sumdbtool.Server(Path(), proxy, workdir), proxy)
    e["GOSUMDB"] = marker.read_text()
    return app, e


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", type=int, default=1500)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--preload", action="store_true", help="records preloaded: one tree head")
    ap.add_argument("--publish", default="0", help="the server signs a new head at most this often (e.g. 250ms); 0: per record")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    kind = "preload" if args.preload else f"publish{args.publish}"
    workdir = args.workdir or Path(os.environ.get("TMPDIR", "/tmp")) / f"gozt-sumdb-bench-{args.modules}-{kind}"
    app, environ = build(workdir, args.modules, args.preload, args.publish)

    from gozt_lint import engine, goenv
    from gozt_lint.context import Context, Options, load_env
    from gozt_lint.sumdb import check

    lines = sum(1 for ln in (app / "go.sum").read_text().splitlines() if ln.strip())
    go_sumdb = Path(environ["GOMODCACHE"]) / "cache" / "download" / "sumdb" / "sumdb.test"
    tiles = sum(1 for p in (go_sumdb / "tile").rglob("*") if p.is_file())
    lookups = sum(1 for p in (go_sumdb / "lookup").rglob("*") if p.is_file())
    env = goenv.load(environ)  # `go env` is the env family's cost, measured in bench/env.py
    family: list[float] = []
    cpu: list[float] = []
    for i in range(args.runs):
        ctx = Context(cwd=app, environ=environ, options=Options(select=["sumdb"]))
        ctx._memo[load_env] = env
        ctx.discover()
        for u in ctx.units:  # parsing go.sum is shared with the gosum family; timed apart
            ctx.sumfile(u)
        t0, c0 = time.perf_counter(), time.process_time()
        rep = ctx.once(check.report)
        family.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        if i == 0:
            result = engine.run(ctx)
            bad = [f for f in result.findings]
            print(f"{lines} go.sum lines, {lookups} cached lookups, {tiles} cached tiles, "
                  f"{len(rep.client.heads) if rep.client else 0} signed heads; findings: {len(bad)}", file=sys.stderr)
            for n in result.notes:
                print("  note:", n, file=sys.stderr)
            assert not bad, bad[:3]
    cli: list[float] = []
    for _ in range(max(3, args.runs // 2)):
        t0 = time.perf_counter()
        p = subprocess.run([sys.executable, "-m", "gozt_lint", "--select", "sumdb"], cwd=app, env=environ, capture_output=True, text=True)
        cli.append(time.perf_counter() - t0)
        assert p.returncode == 0, p.stdout + p.stderr

    # The machine is shared: CPU time shows the work, wall time what a user waits.
    print(f"load average before: {os.getloadavg()[0]:.1f}", file=sys.stderr)

    def row(name: str, xs: list[float]) -> str:
        return f"| {name} | {statistics.median(xs) * 1000:.0f} ms | {min(xs) * 1000:.0f} ms | {max(xs) * 1000:.0f} ms |"

    print("| step | median | min | max |\n| --- | ---: | ---: | ---: |")
    heads = len(rep.client.heads) if rep.client else 0
    print(row(f"sumdb family in process ({lines} lines, {heads} heads), wall", family))
    print(row(f"sumdb family in process ({lines} lines, {heads} heads), CPU", cpu))
    print(row("`gozt-lint --select sumdb` (whole process)", cli))


if __name__ == "__main__":
    main()
