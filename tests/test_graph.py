"""The module graph loaded offline, against what the go command itself writes and lists."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gozt_lint import graph
from gozt_lint.context import Context, Options, Unit
from tests import gomods, gotool

OLD_CODE = 'package main\n\nimport (\n\t"example.com/dep"\n\t_ "example.com/old"\n)\n\nfunc main() { println(dep.X) }\n'


def tree_state(top: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dirpath, _dirs, files in os.walk(top):
        for n in files:
            st = os.lstat(os.path.join(dirpath, n))
            out[os.path.join(dirpath, n)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture
def app(goenv: gotool.GoEnvDirs, tmp_path: Path) -> tuple[Path, Path]:
    proxy = gomods.build_proxy(tmp_path / "proxy")
    d = tmp_path / "app"
    gomods.tidy(goenv, proxy, d, {"example.com/dep": "v1.0.0", "example.com/old": "v1.0.0"}, code=OLD_CODE)
    return d, proxy


def ctx_for(d: Path, env: dict[str, str], **opts: object) -> tuple[Context, Unit]:
    ctx = Context(cwd=d, environ=env, options=Options(**opts))  # type: ignore[arg-type]
    ctx.discover()
    return ctx, ctx.units[0]


def test_graph_matches_go_list_and_needed_lines_match_tidy(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, proxy = app
    before_mod = tree_state(goenv.gomodcache)
    before_app = tree_state(d)
    before_build = tree_state(goenv.gocache)
    ctx, unit = ctx_for(d, goenv.environ)
    g = graph.get(ctx, unit)
    assert g is not None, ctx.notes
    # Nothing written: not the module, not the module cache, not the build cache.
    assert tree_state(d) == before_app
    assert tree_state(goenv.gomodcache) == before_mod
    assert tree_state(goenv.gocache) == before_build
    # Oracle 1: the go command's own listing, with the proxy reachable.
    p = goenv.go("list", "-m", "-json", "all", cwd=d, env=gomods.proxy_env(goenv, proxy))
    want = [(o["Path"], o.get("Version", ""), bool(o.get("Indirect")), bool(o.get("Main"))) for o in graph.parse_json_stream(p.stdout)]
    assert [(m.path, m.version, m.indirect, m.main) for m in g.modules] == want
    # Oracle 2: the /go.mod lines `go mod tidy` wrote (including the unpruned old's third).
    tidy_lines = {(ln.split()[0], ln.split()[1]) for ln in (d / "go.sum").read_text().splitlines() if "/go.mod " in ln}
    assert ("example.com/third", "v1.0.0/go.mod") in tidy_lines
    assert g.needed_gomod == tidy_lines
    assert not g.gomod_updated
    assert graph.get(ctx, unit) is g  # computed once per run


def test_replacement_in_graph(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, proxy = app
    (d / "go.mod").write_text((d / "go.mod").read_text() + "\nreplace example.com/dep v1.0.0 => example.com/dep v1.1.0\n")
    goenv.go("mod", "tidy", cwd=d, env=gomods.proxy_env(goenv, proxy))
    ctx, unit = ctx_for(d, goenv.environ)
    g = graph.get(ctx, unit)
    assert g is not None
    dep = g.module("example.com/dep")
    assert dep is not None and (dep.version, dep.replace_path, dep.replace_version) == ("v1.0.0", "example.com/dep", "v1.1.0")
    assert dep.effective == ("example.com/dep", "v1.1.0")


def test_missing_cache_falls_back_with_a_note(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, _ = app
    gotool.make_writable(goenv.gomodcache)
    mod = goenv.gomodcache / "cache" / "download" / "example.com" / "third" / "@v" / "v1.0.0.mod"
    mod.unlink()
    ctx, unit = ctx_for(d, goenv.environ)
    assert graph.get(ctx, unit) is None
    assert any("go.mod-only analysis used" in n and "example.com/third" in n for n in ctx.notes), ctx.notes
    assert not mod.exists()  # nothing was fetched


def test_no_module_cache_is_never_created(goenv: gotool.GoEnvDirs, app: tuple[Path, Path], tmp_path: Path) -> None:
    d, _ = app
    empty = tmp_path / "empty-gopath"
    env = {**goenv.environ, "GOPATH": str(empty)}
    del env["GOMODCACHE"]
    ctx, unit = ctx_for(d, env, all=True)
    assert graph.get(ctx, unit) is None
    assert any(f"no module cache at {empty}/pkg/mod" in n for n in ctx.notes), ctx.notes
    assert not empty.exists()  # the go command would have created GOPATH/pkg/mod


def test_newer_go_requirement_never_switches(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, _ = app
    (d / "go.mod").write_text((d / "go.mod").read_text().replace("go 1.21", "go 1.99.0"))
    ctx, unit = ctx_for(d, goenv.environ)
    assert graph.get(ctx, unit) is None
    assert any("go.mod requires go >= 1.99.0" in n for n in ctx.notes), ctx.notes


def test_only_deep_runs_load_the_graph(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, _ = app
    ctx, unit = ctx_for(d, goenv.environ)
    assert graph.available(ctx, unit) is None and ctx._memo == {}
    ctx, unit = ctx_for(d, goenv.environ, all=True)
    assert graph.available(ctx, unit) is not None


def test_workspace_graph(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, proxy = app
    (d / "go.work").write_text("go 1.21\n\nuse .\n")
    ctx = Context(cwd=d, environ=goenv.environ, options=Options(paths=["go.work"]))
    ctx.discover()
    unit = next(u for u in ctx.units if u.kind == "work")
    g = graph.get(ctx, unit)
    assert g is not None and g.needed_gomod is None
    assert {m.path for m in g.modules} >= {"example.com/app", "example.com/dep", "example.com/old"}
    p = goenv.go("list", "-m", "-json", "all", cwd=d, env={**gomods.proxy_env(goenv, proxy), "GOWORK": str(d / "go.work"), "GOFLAGS": ""})
    assert [m.path for m in g.modules] == [o["Path"] for o in graph.parse_json_stream(p.stdout)]


def test_json_stream_parser() -> None:
    text = json.dumps({"Path": "a"}, indent="\t") + "\n" + json.dumps({"Path": "b"}) + "\n\n"
    assert [o["Path"] for o in graph.parse_json_stream(text)] == ["a", "b"]


def test_graph_sharpens_gosum_missing(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    """third's go.mod is read only because old is an unpruned (go 1.16) dependency: go.mod
    alone cannot tell, the graph can. The go command agrees that the line is needed."""
    from gozt_lint import engine

    d, _ = app
    gosum = d / "go.sum"
    gosum.write_text("".join(ln + "\n" for ln in gosum.read_text().splitlines() if not ln.startswith("example.com/third ")))
    p = goenv.go("list", "-m", "all", cwd=d, env={"GOFLAGS": "-mod=readonly"}, check=False)
    assert p.returncode != 0 and "example.com/third" in p.stderr and "go.sum" in p.stderr
    shallow = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"])))
    assert shallow.findings == []  # go.mod-only analysis: no claim about third
    deep = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"], all=True)))
    assert [(f.rule, f.module, f.version, f.file, f.line) for f in deep.findings] == [
        ("gosum-missing", "example.com/third", "v1.0.0", str(d / "go.mod"), 1)
    ]
    assert "example.com/third v1.0.0/go.mod" in deep.findings[0].message


def test_gomod_lines_the_go_command_reads_but_does_not_need(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """A pruned (go >= 1.17) dependency's own requirements are in the graph, but their go.mod
    files are not needed: `go mod tidy` writes no line for them and `go list -m all` succeeds.
    With -mod=mod the go command still reads and records them once the cache holds them (after
    `go mod download`, as in every CI), so that recording is no measure of need."""
    from gozt_lint import engine

    proxy = tmp_path / "proxy"
    gomod = lambda p, extra="": f"module {p}\n\ngo 1.21\n{extra}"  # noqa: E731
    gotool.add_module(proxy, "example.com/tools", "v1.0.0", {"go.mod": gomod("example.com/tools"), "t.go": "package tools\n"})
    gotool.add_module(
        proxy, "example.com/text", "v1.0.0",
        {"go.mod": gomod("example.com/text", "\nrequire example.com/tools v1.0.0\n"), "t.go": "package text\n\nconst T = 1\n"},
    )
    d = tmp_path / "app"
    gomods.tidy(goenv, proxy, d, {"example.com/text": "v1.0.0"}, code='package main\n\nimport "example.com/text"\n\nfunc main() { println(text.T) }\n')
    tidy_sum = (d / "go.sum").read_text()
    assert "example.com/tools" not in tidy_sum
    goenv.go("mod", "download", "all", cwd=d, env=gomods.proxy_env(goenv, proxy))
    (d / "go.sum").write_text(tidy_sum)  # -mod=mod let the download add lines; the checkout is tidy
    goenv.go("list", "-m", "all", cwd=d, env={"GOFLAGS": "-mod=readonly"})  # the go command is content
    deep = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"], all=True)))
    assert deep.findings == [], [f.message for f in deep.findings]
    ctx, unit = ctx_for(d, goenv.environ, all=True)
    g = graph.get(ctx, unit)
    assert g is not None, ctx.notes
    assert g.needed_gomod == {("example.com/text", "v1.0.0/go.mod")}
    # Without text's /go.mod line the go command refuses, and so does the rule, for that line only.
    (d / "go.sum").write_text("".join(ln + "\n" for ln in tidy_sum.splitlines() if "/go.mod" not in ln))
    assert goenv.go("list", "-m", "all", cwd=d, env={"GOFLAGS": "-mod=readonly"}, check=False).returncode != 0
    deep = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"], all=True)))
    assert [(f.module, f.version, "/go.mod" in f.message) for f in deep.findings] == [("example.com/text", "v1.0.0", True)]
