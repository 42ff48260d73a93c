"""Minimal version selection with graph pruning, against the go command on generated
module worlds (`go mod graph` for the edges, `go list -m all` for the build list)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gozt_lint import graph, mvs
from gozt_lint.context import Context, Options
from tests import gotool

GO_LINES = [None, "1.16", "1.17", "1.20"]


def world(rng: random.Random, proxy: Path, n: int = 9, strict: bool = False) -> dict[str, list[str]]:
    """n modules, 1-3 versions each, every version requiring random versions of others
    (cycles allowed) with a random go line (none, unpruned, pruned, strict)."""
    versions = {f"example.com/m{i}": [f"v1.{j}.0" for j in range(rng.randint(1, 3))] for i in range(n)}
    for path, vs in versions.items():
        for v in vs:
            reqs = []
            for other, ovs in versions.items():
                if other != path and rng.random() < 0.3:
                    reqs.append(f"{other} {rng.choice(ovs)}")
            go = rng.choice(GO_LINES + (["1.21", "1.22"] if strict else []))
            gomod = f"module {path}\n" + (f"\ngo {go}\n" if go else "") + "".join(f"\nrequire {r}\n" for r in reqs)
            gotool.add_module(proxy, path, v, {"go.mod": gomod, "p.go": "package p\n"})
    return versions


def main_module(rng: random.Random, d: Path, versions: dict[str, list[str]], go: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    roots = rng.sample(sorted(versions), rng.randint(1, 4))
    lines = ["module example.com/main", "", f"go {go}", ""]
    lines += [f"require {p} {rng.choice(versions[p])}" for p in roots]
    extra = rng.random()
    paths = sorted(versions)
    if extra < 0.25 and len(versions[paths[0]]) > 1:
        lines.append(f"exclude {paths[0]} {versions[paths[0]][0]}")
    elif extra < 0.5:
        a, b = rng.sample(paths, 2)
        # a replaced (every version) by a version of b: b's go.mod says "module b"; the
        # go command accepts that only for a replacement, which is what this tests.
        lines.append(f"replace {a} => {b} {versions[b][-1]}")
    (d / "go.mod").write_text("\n".join(lines) + "\n")


def run_go(env: gotool.GoEnvDirs, d: Path, proxy: Path, *args: str) -> str:
    e = {**env.environ, "GOPROXY": gotool.proxy_url(proxy), "GOFLAGS": "-mod=mod", "GOSUMDB": "off"}
    return env.go(*args, cwd=d, env=e).stdout


@pytest.mark.parametrize("seed", range(24))
def test_graph_and_build_list_match_the_go_command(goenv: gotool.GoEnvDirs, tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    proxy = tmp_path / "proxy"
    strict = seed % 2 == 1  # go lines of 1.21+ become requirements on the go pseudo-module
    versions = world(rng, proxy, strict=strict)
    for i, go in enumerate(("1.16", "1.17", "1.21") if not strict else ("1.21", "1.22")):
        d = tmp_path / f"main{i}"
        main_module(rng, d, versions, go)
        # Let the go command make the roots consistent (it may rewrite go.mod), then compare
        # on the file it left: both sides read the same go.mod.
        run_go(goenv, d, proxy, "list", "-m", "all")
        if not strict:
            assert f"go {go}\n" in (d / "go.mod").read_text()  # unpruned and pruned both covered
        want_list = [ln.split()[:2] if " " in ln else [ln] for ln in run_go(goenv, d, proxy, "list", "-m", "all").splitlines()]
        edges_text = run_go(goenv, d, proxy, "mod", "graph")
        ctx = Context(cwd=d, environ=goenv.environ, options=Options())
        ctx.discover()
        g = graph.get(ctx, ctx.units[0], needs=False)
        assert g is not None and g.modules is not None, (ctx.notes, (d / "go.mod").read_text())
        got_list = [[m.path] if m.main else [m.path, m.version] for m in g.modules]
        assert got_list == want_list, (d / "go.mod").read_text()
        want_edges = set()
        for ln in edges_text.splitlines():
            a, b = ln.split()
            if not a.startswith(("go@", "toolchain@")) and not b.startswith(("go@", "toolchain@")):
                want_edges.add((a, b))
        got_edges = {
            (str(m) if m.version else m.path, str(r))
            for m, reqs in g.requirements.items()
            for r in reqs
            if not mvs.is_toolchain(m.path) and not mvs.is_toolchain(r.path)
        }
        assert got_edges == want_edges, ((d / "go.mod").read_text(), want_edges ^ got_edges)


@pytest.mark.parametrize("seed", range(6))
def test_workspace_graph_matches_the_go_command(goenv: gotool.GoEnvDirs, tmp_path: Path, seed: int) -> None:
    """Two modules in a go.work: every requirement of a workspace module is loaded, one
    level more than in a single module, and selected versions are reloaded."""
    rng = random.Random(1000 + seed)
    proxy = tmp_path / "proxy"
    versions = world(rng, proxy, strict=seed % 2 == 1)
    ws = tmp_path / "ws"
    for name in ("a", "b"):
        main_module(rng, ws / name, versions, "1.22")
        (ws / name / "go.mod").write_text((ws / name / "go.mod").read_text().replace("example.com/main", f"example.com/{name}"))
    (ws / "go.work").write_text("go 1.22\n\nuse (\n\t./b\n\t./a\n)\n")  # listed sorted, not in use order
    e = {**goenv.environ, "GOPROXY": gotool.proxy_url(proxy), "GOFLAGS": "", "GOSUMDB": "off"}
    want_list = [ln.split()[:2] if " " in ln else [ln] for ln in goenv.go("list", "-m", "all", cwd=ws / "a", env=e).stdout.splitlines()]
    edges_text = goenv.go("mod", "graph", cwd=ws / "a", env=e).stdout
    ctx = Context(cwd=ws, environ=goenv.environ, options=Options(paths=["go.work"]))
    ctx.discover()
    g = graph.get(ctx, ctx.units[0], needs=False)
    assert g is not None and g.modules is not None, ctx.notes
    assert [[m.path] if m.main else [m.path, m.version] for m in g.modules] == want_list
    want_edges = {(a, b) for a, b in (ln.split() for ln in edges_text.splitlines()) if not a.startswith(("go@", "toolchain@")) and not b.startswith(("go@", "toolchain@"))}
    got_edges = {
        (str(m), str(r)) for m, reqs in g.requirements.items() for r in reqs if not mvs.is_toolchain(m.path) and not mvs.is_toolchain(r.path)
    }
    assert got_edges == want_edges, want_edges ^ got_edges
