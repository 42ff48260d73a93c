#!/usr/bin/env python3
"""Build the kubernetes-shaped monorepo the graph benchmark runs on (network: the public proxy).

    python bench/build_k8s.py [--data /work/bench-data/k8s]

DATA/repo/ gets kubernetes' go.mod and go.sum (../shared/corpus/kubernetes__kubernetes) and a
stub for each of the ~30 modules it replaces with a local directory (`replace k8s.io/api =>
./staging/src/k8s.io/api`): a go.mod requiring what the root requires (the other staging modules
through `replace => ../name`, as kubernetes' own staging go.mod files do) and a copy of the root
go.sum, so the run sees 31 go.mod units over one set of module versions. Then, with
GOPATH=DATA/gopath and the public proxy (go.sum pins every hash, sum.golang.org checks the rest):

    GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download all

fills the module cache, and a `main.go` in the root (and one in each stub) imports one package of
every directly required module found in the cache whose import closure the real go command loads
without an error (readonly, offline: kubernetes' go.sum covers what kubernetes builds, not every
package of its dependencies), so the package loader has a real import graph to walk.

Nothing here is part of the test suite; the data stays outside the repository.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = Path("/work/shared/corpus/kubernetes__kubernetes")
DEFAULT_DATA = Path("/work/bench-data/k8s")
_REPLACE_DIR = re.compile(r"^\s*(\S+)\s*=>\s*(\./staging/src/\S+)\s*$")
_REQUIRE = re.compile(r"^\s*(\S+)\s+(v\S+)(\s*//.*)?$")


def go_binary() -> str:
    sys.path.insert(0, str(HERE.parent))
    from tests.gotool import find_go

    return find_go()


def bench_env(data: Path, proxy: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOPATH=str(data / "gopath"), GOMODCACHE=str(data / "gopath" / "pkg" / "mod"), GOCACHE=str(data / "gocache"),
        GOENV="off", GOTOOLCHAIN="local", GOFLAGS="-mod=mod", GOPROXY=proxy, GOTELEMETRY="off", GOWORK="off",
    )
    return env


def staging(gomod: str) -> dict[str, str]:
    """module path -> ./staging/src/... directory, from the root's replace block."""
    out = {}
    for line in gomod.splitlines():
        m = _REPLACE_DIR.match(line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def requires(gomod: str) -> list[tuple[str, str, bool]]:
    out, block = [], False
    for line in gomod.splitlines():
        s = line.strip()
        if s.startswith("require ("):
            block = True
            continue
        if block and s == ")":
            block = False
            continue
        if block:
            m = _REQUIRE.match(line)
            if m:
                out.append((m.group(1), m.group(2), bool(m.group(3) and "indirect" in m.group(3))))
    return out


def write_stubs(repo: Path, gomod: str, gosum: str) -> list[Path]:
    stubs = staging(gomod)
    reqs = requires(gomod)
    go_line = re.search(r"^go (\S+)$", gomod, re.M)
    dirs = []
    for path, rel in stubs.items():
        d = repo / rel
        d.mkdir(parents=True, exist_ok=True)
        lines = [f"module {path}", "", f"go {go_line.group(1) if go_line else '1.22.0'}", "", "require ("]
        lines += [f"\t{p} {v}{' // indirect' if ind else ''}" for p, v, ind in reqs if p != path]
        lines += [")", "", "replace ("]
        lines += [f"\t{p} => {os.path.relpath(repo / r, d)}" for p, r in stubs.items() if p != path]
        lines += [")"]
        (d / "go.mod").write_text("\n".join(lines) + "\n")
        (d / "go.sum").write_text(gosum)
        dirs.append(d)
    return dirs


def package_of(gomodcache: Path, path: str, version: str) -> str | None:
    """An importable (non-main, non-internal, non-test) package of path@version in the cache."""
    from gozt_lint.module import escape_path, escape_version

    root = gomodcache / f"{escape_path(path)}@{escape_version(version)}"
    if not root.is_dir():
        return None
    for dirpath, dirnames, files in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames if d not in ("internal", "testdata", "vendor", "cmd", "examples", "example") and not d.startswith((".", "_")))
        srcs = [f for f in files if f.endswith(".go") and not f.endswith("_test.go") and not f.startswith((".", "_"))]
        if not srcs:
            continue
        head = (Path(dirpath) / sorted(srcs)[0]).read_text(errors="replace")[:4000]
        if re.search(r"^package main\b", head, re.M) or "/internal" in "/" + rel:
            continue
        return path if rel == "." else f"{path}/{rel}"
    return None


def loads_cleanly(go: str, repo: Path, env: dict[str, str], pkg: str) -> bool:
    """Does the real go command load ``pkg`` and everything it imports (readonly, offline)
    without an error? Kubernetes' go.sum covers what kubernetes builds, not every package of
    its dependencies; the bench imports only packages a tidy kubernetes could import."""
    e = {**env, "GOFLAGS": "-mod=readonly", "GOPROXY": "off"}
    p = subprocess.run([go, "list", "-e", "-deps", "-f", "{{if .Error}}{{.ImportPath}}{{end}}", pkg], cwd=repo, env=e,
                       capture_output=True, text=True)
    return p.returncode == 0 and not p.stdout.strip()


def write_imports(d: Path, gomodcache: Path, reqs: list[tuple[str, str, bool]], skip: set[str], ok: set[str] | None = None) -> int:
    pkgs = sorted({p for path, v, ind in reqs if not ind and path not in skip for p in [package_of(gomodcache, path, v)] if p})
    if ok is not None:
        pkgs = [p for p in pkgs if p in ok]
    body = "".join(f'\t_ "{p}"\n' for p in pkgs)
    (d / "main.go").write_text(f"package main\n\nimport (\n{body})\n\nfunc main() {{}}\n")
    return len(pkgs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--proxy", default="https://proxy.golang.org")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE.parent))
    data: Path = args.data
    repo = data / "repo"
    repo.mkdir(parents=True, exist_ok=True)
    gomod, gosum = (CORPUS / "go.mod").read_text(), (CORPUS / "go.sum").read_text()
    (repo / "go.mod").write_text(gomod)
    (repo / "go.sum").write_text(gosum)
    (repo / "main.go").write_text("package main\n\nfunc main() {}\n")
    stubs = write_stubs(repo, gomod, gosum)
    go = go_binary()
    env = bench_env(data, args.proxy)
    if not (data / ".downloaded").exists():
        t = time.time()
        p = subprocess.run([go, "mod", "download", "all"], cwd=repo, env=env, capture_output=True, text=True)
        print(f"go mod download all: rc={p.returncode} in {time.time() - t:.0f}s", flush=True)
        if p.returncode != 0:
            print(p.stderr[-3000:], file=sys.stderr)
            return 1
        (data / ".downloaded").write_text("")
    # go mod download with -mod=mod may have rewritten go.mod/go.sum: put the corpus back.
    (repo / "go.mod").write_text(gomod)
    (repo / "go.sum").write_text(gosum)
    cache = data / "gopath" / "pkg" / "mod"
    reqs = requires(gomod)
    skip = set(staging(gomod))
    candidates = sorted({p for path, v, ind in reqs if not ind and path not in skip for p in [package_of(cache, path, v)] if p})
    ok = {p for p in candidates if loads_cleanly(go, repo, env, p)}
    print(f"{len(ok)} of {len(candidates)} candidate packages load cleanly", flush=True)
    n = write_imports(repo, cache, reqs, skip, ok)
    for d in stubs:
        write_imports(d, cache, reqs, skip | {d.relative_to(repo / "staging" / "src").as_posix()}, ok)
    versions = sum(1 for _ in (cache / "cache" / "download").rglob("*.mod"))
    print(f"{repo}: {len(stubs)} staging stubs, {n} imported packages, {versions} cached .mod files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
