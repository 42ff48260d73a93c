"""The module graph computed in Python, against what the go command itself lists."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gozt_lint import engine, graph
from gozt_lint.context import Context, Options, Unit
from tests import gomods, gotool

OLD_CODE = 'package main\n\nimport (\n\t"example.com/dep"\n\t_ "example.com/old"\n)\n\nfunc main() { println(dep.X) }\n'


def tree_state(top: Path) -> dict[str, tuple[int, int, int, int]]:
    out = {}
    for dirpath, dirs, files in os.walk(top):
        for n in files + dirs:
            st = os.lstat(os.path.join(dirpath, n))
            out[os.path.join(dirpath, n)] = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
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


def go_list(goenv: gotool.GoEnvDirs, d: Path, env: dict[str, str]) -> list[tuple[str, str, bool, bool, object]]:
    p = goenv.go("list", "-m", "-json", "all", cwd=d, env=env)
    out = []
    for o in gotool.json_stream(p.stdout):
        rep = o.get("Replace")
        out.append((str(o["Path"]), str(o.get("Version", "")), bool(o.get("Indirect")), bool(o.get("Main")),
                    (rep.get("Path"), rep.get("Version", "")) if isinstance(rep, dict) else None))
    return out


def ours(g: graph.Graph) -> list[tuple[str, str, bool, bool, object]]:
    assert g.modules is not None
    return [
        (m.path, m.version, m.indirect, m.main, (m.replace_path, m.replace_version or "") if m.replace_path is not None else None)
        for m in g.modules
    ]


def test_build_list_matches_go_list_and_nothing_is_written(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, proxy = app
    before = (tree_state(goenv.gomodcache), tree_state(d), tree_state(goenv.gocache))
    ctx, unit = ctx_for(d, goenv.environ)
    g = graph.get(ctx, unit)
    assert g is not None and g.complete, ctx.notes
    assert (tree_state(goenv.gomodcache), tree_state(d), tree_state(goenv.gocache)) == before
    assert ours(g) == go_list(goenv, d, gomods.proxy_env(goenv, proxy))
    # Everything the build needs is a line `go mod tidy` wrote, and every line was verified.
    tidy = {tuple(ln.split()[:2]) for ln in (d / "go.sum").read_text().splitlines()}
    assert g.needed_gomod is not None and g.needed_zip is not None
    assert g.needed_gomod | g.needed_zip <= tidy
    assert g.needed_zip == {("example.com/dep", "v1.0.0"), ("example.com/old", "v1.0.0")}
    # third's go.mod is read for the graph (old is unpruned) but not by a build.
    assert ("example.com/third", "v1.0.0/go.mod") in tidy and ("example.com/third", "v1.0.0/go.mod") not in g.needed_gomod
    assert all(v == "go.sum" for v in g.provenance.values()), g.provenance
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
    assert ours(g) == go_list(goenv, d, gomods.proxy_env(goenv, proxy))
    assert g.needed_zip is not None and ("example.com/dep", "v1.1.0") in g.needed_zip


def test_missing_cached_gomod_is_said_and_nothing_fetched(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, _ = app
    gotool.make_writable(goenv.gomodcache)
    mod = goenv.gomodcache / "cache" / "download" / "example.com" / "old" / "@v" / "v1.0.0.mod"
    mod.unlink()
    ctx, unit = ctx_for(d, goenv.environ)
    g = graph.get(ctx, unit)
    assert g is not None and g.modules is None and not g.complete
    assert any("could not be read" in n and "example.com/old@v1.0.0" in n and "not in the module cache" in n for n in ctx.notes), ctx.notes
    # What is certain is still known: old's go.mod line is needed (it provides a package).
    assert g.needed_gomod is not None and ("example.com/old", "v1.0.0/go.mod") in g.needed_gomod
    assert not mod.exists()


def test_no_module_cache_is_never_created(goenv: gotool.GoEnvDirs, app: tuple[Path, Path], tmp_path: Path) -> None:
    d, _ = app
    empty = tmp_path / "empty-gopath"
    env = {**goenv.environ, "GOPATH": str(empty)}
    del env["GOMODCACHE"]
    ctx, unit = ctx_for(d, env, all=True)
    assert graph.get(ctx, unit) is None
    assert any(f"no module cache at {empty}/pkg/mod" in n for n in ctx.notes), ctx.notes
    assert not empty.exists()


def test_go_line_newer_than_the_local_toolchain(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    """The local go version plays no part: a go.mod asking for go 1.99 gets its graph,
    and no note blames the cache."""
    d, proxy = app
    ctx, unit = ctx_for(d, goenv.environ)
    before = graph.get(ctx, unit)
    (d / "go.mod").write_text((d / "go.mod").read_text().replace("go 1.21", "go 1.99.0"))
    ctx, unit = ctx_for(d, goenv.environ)
    g = graph.get(ctx, unit)
    assert g is not None and before is not None and g.complete, ctx.notes
    assert ours(g) == ours(before)
    assert (g.needed_gomod, g.needed_zip) == (before.needed_gomod, before.needed_zip)
    assert not any("cache" in n for n in ctx.notes), ctx.notes
    # Release tags follow the toolchain that runs: local here, go1.99 when GOTOOLCHAIN may switch.
    assert g.build_config.endswith("go1." + gotool.go_version().split(".")[1])
    ctx, unit = ctx_for(d, {**goenv.environ, "GOTOOLCHAIN": "auto"})
    g = graph.get(ctx, unit)
    assert g is not None and g.build_config.endswith("go1.99")


def test_one_notion_of_deep(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, _ = app
    for opts, deep in (({}, False), ({"select": ["gosum-missing"]}, False), ({"all": True}, True),
                       ({"select": ["ALL"]}, True), ({"select": ["modcache"]}, True), ({"select": ["gosum-missing"], "all": True}, True)):
        ctx, unit = ctx_for(d, goenv.environ, **opts)
        engine.select_rules(ctx)
        assert ctx.deep is deep, opts
        assert (graph.available(ctx, unit) is not None) is deep
        if not deep:
            assert graph._graphs not in ctx._memo  # nothing was loaded


def test_workspace_graph(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, proxy = app
    (d / "go.work").write_text("go 1.21\n\nuse .\n")
    ctx = Context(cwd=d, environ=goenv.environ, options=Options(paths=["go.work"]))
    ctx.discover()
    unit = next(u for u in ctx.units if u.kind == "work")
    g = graph.get(ctx, unit)
    assert g is not None and g.modules is not None
    env = {**gomods.proxy_env(goenv, proxy), "GOWORK": str(d / "go.work"), "GOFLAGS": ""}
    assert [(m.path, m.version) for m in g.modules] == [(p, v) for p, v, *_ in go_list(goenv, d, env)]


def test_graph_sharpens_gosum_missing(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    """Without the graph, a go.mod-only reading has to guess; with it (deep runs) the
    finding is exactly what `go build`/`go test` refuse: old provides a package, so its
    go.mod line is needed; third's (read only for `go list -m all`) is not."""
    d, _ = app
    gosum = d / "go.sum"
    full = gosum.read_text()
    off = {"GOFLAGS": "-mod=readonly", "GOPROXY": "off"}
    for drop, needed in (("example.com/old v1.0.0/go.mod", True), ("example.com/third v1.0.0/go.mod", False)):
        gosum.write_text("".join(ln + "\n" for ln in full.splitlines() if not ln.startswith(drop + " ")))
        refused = goenv.go("build", "./...", cwd=d, env=off, check=False).returncode != 0
        assert refused is needed
        deep = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"], all=True)))
        assert [f.data["sum_line"] for f in deep.findings] == ([drop] if needed else []), deep.findings
    gosum.write_text(full)


def test_shallow_run_says_it_did_not_load_the_graph(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    d, _ = app
    shallow = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"])))
    assert any("--all" in n and "go.mod alone" in n for n in shallow.notes), shallow.notes
    deep = engine.run(Context(cwd=d, environ=goenv.environ, options=Options(select=["gosum-missing"], all=True)))
    assert not any("go.mod alone" in n for n in deep.notes), deep.notes


def test_has_go_files_is_remembered_per_source_and_a_new_source_sees_a_change(tmp_path: Path) -> None:
    # pkgload.has_go_files is remembered on the source (listed once per run); a new run
    # builds new sources and sees the directory as it is then.
    from gozt_lint import pkgload
    from gozt_lint.modsource import DirSource

    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.go").write_text("package p\n")
    (tmp_path / "q").mkdir()
    (tmp_path / "q" / "x.txt").write_text("")
    (tmp_path / "nested" / "sub").mkdir(parents=True)
    (tmp_path / "nested" / "go.mod").write_text("module other\n")
    (tmp_path / "nested" / "sub" / "b.go").write_text("package sub\n")
    src = DirSource(str(tmp_path), local=True)
    for _ in range(2):
        assert pkgload.has_go_files(src, "p") is True
        assert pkgload.has_go_files(src, "q") is False
        assert pkgload.has_go_files(src, "nested/sub") is False  # another module's
        assert pkgload.has_go_files(src, "absent") is False
    (tmp_path / "p" / "a.go").unlink()
    (tmp_path / "q" / "y.go").write_text("package q\n")
    (tmp_path / "nested" / "go.mod").unlink()
    fresh = DirSource(str(tmp_path), local=True)
    assert pkgload.has_go_files(fresh, "p") is False
    assert pkgload.has_go_files(fresh, "q") is True
    assert pkgload.has_go_files(fresh, "nested/sub") is True
    assert not pkgload.has_go_files(DirSource(str(tmp_path), local=False), "absent")


def test_gosum_copies_share_a_table_and_a_different_copy_does_not(goenv: gotool.GoEnvDirs, app: tuple[Path, Path]) -> None:
    # Units whose go.sum lines are equal share the graph's table of them within a run;
    # a unit whose go.sum differs (here: dep's zip line gone) is decided on its own.
    import shutil

    d, _ = app
    same, other = d.parent / "same", d.parent / "other"
    for copy in (same, other):
        shutil.copytree(d, copy)
    lines = (other / "go.sum").read_text().splitlines(keepends=True)
    (other / "go.sum").write_text("".join(ln for ln in lines if not ln.startswith("example.com/dep v1.0.0 ")))
    ctx = Context(cwd=d, environ=goenv.environ, options=Options(paths=[str(d), str(same), str(other)]))
    ctx.discover()
    got = {u.dir.name: graph.get(ctx, u) for u in ctx.units}
    assert set(got) == {"app", "same", "other"}
    for name in ("app", "same"):
        g = got[name]
        assert g is not None and g.provenance[("example.com/dep", "v1.0.0")] == "go.sum", g.provenance if g else None
    g = got["other"]
    assert g is not None and g.provenance[("example.com/dep", "v1.0.0")] != "go.sum", g.provenance
    assert g.provenance[("example.com/dep", "v1.0.0/go.mod")] == "go.sum"


def test_package_walks_are_shared_only_between_units_they_are_provably_the_same_for(
    goenv: gotool.GoEnvDirs, app: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The walk beyond a unit's main module is reused by a unit with the same frontier,
    # go.sum and answers for every prefix it looked at (a copy); a unit that replaces a
    # dependency by a directory, or whose go.sum lacks a line, walks on its own. Every
    # unit's graph is the one computed without sharing.
    import shutil

    d, _ = app
    units = {"same": "example.com/same", "rep": "example.com/rep", "sums": "example.com/sums"}
    for name, path in units.items():
        shutil.copytree(d, d.parent / name)
        gm = d.parent / name / "go.mod"
        gm.write_text(gm.read_text().replace("module example.com/app", f"module {path}"))
    local = d.parent / "rep" / "localdep"
    local.mkdir()
    (local / "go.mod").write_text("module example.com/dep\n\ngo 1.21\n")
    (local / "dep.go").write_text('package dep\n\nimport _ "example.com/third"\n\nconst X = 1\n')
    gm = d.parent / "rep" / "go.mod"
    gm.write_text(gm.read_text() + "\nreplace example.com/dep => ./localdep\n")
    lines = (d.parent / "sums" / "go.sum").read_text().splitlines(keepends=True)
    (d.parent / "sums" / "go.sum").write_text("".join(ln for ln in lines if not ln.startswith("example.com/old v1.0.0 ")))

    def graphs() -> tuple[dict[str, tuple[object, ...]], graph.Store]:
        ctx = Context(cwd=d, environ=goenv.environ, options=Options(paths=[str(d), *(str(d.parent / n) for n in units)]))
        ctx.discover()
        out = {}
        for u in ctx.units:
            if u.dir.name not in ("app", *units):
                continue  # (rep/localdep)
            g = graph.get(ctx, u)
            assert g is not None
            out[u.dir.name] = (g.needed_gomod, g.needed_zip, g.complete, g.provenance, g.providers, g.modules, list(ctx.notes))
        return out, graph.store(ctx)

    shared, st = graphs()
    assert set(shared) == {"app", *units}
    (entries,) = st.walks.values()
    # app's, reused by same. rep's walk needed the whole graph (third is no root) and
    # sums' read unverified content, which is said in a note: neither is ever stored.
    assert len(entries) == 1
    assert any("example.com/old@v1.0.0" in n for n in shared["sums"][6])
    assert ("example.com/dep", "v1.0.0") not in (shared["rep"][1] or set())
    assert ("example.com/third", "v1.0.0") in (shared["rep"][1] or set())
    assert ("example.com/third", "v1.0.0") not in (shared["app"][1] or set())
    assert shared["sums"][3][("example.com/old", "v1.0.0")] != "go.sum"
    monkeypatch.setattr(graph._UnitGraph, "shared_walks", lambda self: None)
    alone, st = graphs()
    assert not st.walks
    assert shared == alone
