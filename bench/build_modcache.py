#!/usr/bin/env python3
"""Build the module cache the modcache benchmarks run on, from real module graphs.

    python bench/build_modcache.py [--data /work/bench-data/modcache] [--repos grafana__grafana,...]

For each corpus repository (go.mod + go.sum from ../shared/corpus/<repo>/) it makes a
module directory under DATA/mods/<repo>/ and runs the real go command there:

    GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download all

with GOPATH=DATA/gopath (so GOMODCACHE=DATA/gopath/pkg/mod) and the public proxy
(proxy.golang.org; go.sum pins every hash, sum.golang.org covers the rest). Every
module version of each graph ends up in cache/download (.mod files for the whole
graph; .info/.zip/.ziphash and an extracted directory for the selected versions),
which is what `go mod verify` then checks in each module directory.

When the proxy cannot be reached, --generate N fills a file:// proxy with N
generated modules instead and downloads those (same layout, no network).

Nothing here is part of the test suite; the data stays outside the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent.parent / "shared" / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path("/work/shared/corpus")
DEFAULT_DATA = Path("/work/bench-data/modcache")
DEFAULT_REPOS = "grafana__grafana,kubernetes__kubernetes,gohugoio__hugo,prometheus__prometheus,caddyserver__caddy,cli__cli"


def go_binary() -> str:
    sys.path.insert(0, str(HERE.parent))
    from tests.gotool import find_go

    return find_go()


def bench_env(data: Path, proxy: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOPATH=str(data / "gopath"),
        GOMODCACHE=str(data / "gopath" / "pkg" / "mod"),
        GOCACHE=str(data / "gocache"),
        GOENV="off",
        GOTOOLCHAIN="local",
        GOFLAGS="-mod=mod",
        GOPROXY=proxy,
        GOTELEMETRY="off",
        GOWORK="off",
    )
    if proxy.startswith("file://"):
        env["GOSUMDB"] = "off"
    return env


def strip_local_replaces(gomod: str) -> str:
    """Drop `replace X => ./local` lines (their targets are not in the corpus)."""
    out = []
    in_block = False
    for line in gomod.splitlines():
        s = line.strip()
        if s.startswith("replace ("):
            in_block = True
            out.append(line)
            continue
        if in_block and s == ")":
            in_block = False
        if "=>" in s and (s.split("=>", 1)[1].strip().startswith((".", "/"))):
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def build_from_corpus(data: Path, repos: list[str], go: str) -> None:
    env = bench_env(data, "https://proxy.golang.org,direct")
    for repo in repos:
        src = CORPUS / repo
        mod = data / "mods" / repo
        if (mod / ".done").exists():
            continue
        mod.mkdir(parents=True, exist_ok=True)
        (mod / "go.mod").write_text(strip_local_replaces((src / "go.mod").read_text()))
        shutil.copy(src / "go.sum", mod / "go.sum")
        (mod / "main.go").write_text("package main\n\nfunc main() {}\n")
        t = time.time()
        p = subprocess.run([go, "mod", "download", "all"], cwd=mod, env=env, capture_output=True, text=True)
        print(f"{repo}: go mod download all: rc={p.returncode} in {time.time() - t:.0f}s", flush=True)
        if p.returncode != 0:
            # Some versions are gone from the proxy; what could be fetched still counts.
            print(p.stderr[-3000:], file=sys.stderr)
        (mod / ".done").write_text("")


def build_generated(data: Path, n: int, go: str) -> None:
    sys.path.insert(0, str(HERE.parent))
    from tests.gotool import add_module, proxy_url, write_module

    proxy = data / "proxy"
    requires = {}
    for i in range(n):
        path = f"example.com/gen/m{i:05d}"
        files: dict[str, bytes | str] = {"go.mod": f"module {path}\n\ngo 1.21\n"}
        for j in range(40):
            files[f"pkg{j % 5}/f{j}.go"] = f"package pkg{j % 5}\n\n// {'x' * (j * 97 % 4000)}\nconst C{j} = {i * j}\n"
        add_module(proxy, path, "v1.0.0", files)
        requires[path] = "v1.0.0"
    mod = data / "mods" / "generated"
    write_module(mod, "example.com/bench", requires=requires, code="package main\n\nfunc main() {}\n")
    env = bench_env(data, proxy_url(proxy))
    p = subprocess.run([go, "mod", "download", "all"], cwd=mod, env=env, capture_output=True, text=True)
    print(f"generated: rc={p.returncode}", flush=True)
    subprocess.run([go, "mod", "tidy"], cwd=mod, env=env, capture_output=True, text=True)


def build_single(data: Path, repo: str, source: Path, go: str) -> Path:
    """A cache holding exactly one module graph (what `go mod verify` in that module
    checks), filled offline from the shared download cache used as a file:// proxy."""
    out = data / f"only-{repo}"
    mod = out / "mod"
    mod.mkdir(parents=True, exist_ok=True)
    src = source / "mods" / repo
    for name in ("go.mod", "go.sum", "main.go"):
        shutil.copy(src / name, mod / name)
    env = bench_env(out, (source / "gopath" / "pkg" / "mod" / "cache" / "download").as_uri())
    t = time.time()
    p = subprocess.run([go, "mod", "download", "all"], cwd=mod, env=env, capture_output=True, text=True)
    print(f"only-{repo}: go mod download all (offline): rc={p.returncode} in {time.time() - t:.0f}s", flush=True)
    if p.returncode != 0:
        print(p.stderr[-2000:], file=sys.stderr)
    return out


def summarize(data: Path) -> dict[str, int]:
    dl = data / "gopath" / "pkg" / "mod" / "cache" / "download"
    counts = {"mod": 0, "zip": 0, "info": 0, "bytes_zip": 0}
    for dirpath, _dirs, files in os.walk(dl):
        if "/sumdb" in dirpath:
            continue
        for f in files:
            ext = f.rsplit(".", 1)[-1]
            if ext in counts:
                counts[ext] += 1
                if ext == "zip":
                    counts["bytes_zip"] += os.path.getsize(os.path.join(dirpath, f))
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--repos", default=DEFAULT_REPOS)
    ap.add_argument("--generate", type=int, default=0, metavar="N", help="generated modules instead of the corpus")
    ap.add_argument("--single", default="grafana__grafana", help="also make DATA/only-REPO: a cache of just this graph ('' to skip)")
    args = ap.parse_args()
    go = go_binary()
    args.data.mkdir(parents=True, exist_ok=True)
    if args.generate:
        build_generated(args.data, args.generate, go)
    else:
        build_from_corpus(args.data, [r for r in args.repos.split(",") if r], go)
    print(json.dumps(summarize(args.data)))
    if args.single and not args.generate:
        single = build_single(args.data, args.single, args.data, go)
        print(json.dumps(summarize(single)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
