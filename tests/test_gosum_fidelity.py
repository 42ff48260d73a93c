"""gosum-missing against the real go command: in deep runs each go.sum line is dropped in
turn, and the rule must report it exactly when `go build ./...` or `go test ./...`
(-mod=readonly, offline) refuses; it never asks for a line `go mod tidy` drops; and
in workspaces and vendored modules it asks for what the go command reads, no more."""

from __future__ import annotations

from pathlib import Path

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from gozt_lint.registry import get
from tests import gomods, gotool, oracle_worlds

OFFLINE_SUMDB = {"GOSUMDB": "sum.golang.org"}  # a missing line makes the go command ask it, and fail offline


def found(world: oracle_worlds.World, environ: dict[str, str]) -> list[str]:
    ctx = Context(cwd=world.root, environ=environ, options=Options(select=["gosum-missing"], all=True))
    res = engine.run(ctx)
    assert not res.internal_errors and not res.input_errors, (res.internal_errors, res.input_errors)
    return sorted({str(f.data["sum_line"]) for f in res.findings})


def drop_each_line(
    world: oracle_worlds.World, *, go_env: dict[str, str] | None = None, our_env: dict[str, str] | None = None, only: str = ""
) -> int:
    """Drop each go.sum line (starting with ``only``) in turn; return how many the go
    command refused without."""
    environ = {**world.env.environ, **(our_env or {})}
    assert found(world, environ) == []  # tidy and complete: nothing missing
    files = world.sum_files()
    full = {f: f.read_text() for f in files}
    lines = [(f, ln) for f in files for ln in full[f].splitlines() if ln.strip() and ln.startswith(only)]
    assert lines
    wrong = []
    refusals = 0
    for f, drop in lines:
        f.write_text("".join(ln + "\n" for ln in full[f].splitlines() if ln != drop))
        try:
            refused, out = world.refuses(go_env)
            got = found(world, environ)
        finally:
            f.write_text(full[f])
        want = [" ".join(drop.split()[:2])] if refused else []
        refusals += refused
        if got != want:
            wrong.append((f.name, drop.split()[:2], "go refuses" if refused else "go builds", got, out[-300:]))
    assert not wrong, "\n".join(map(str, wrong))
    return refusals


@pytest.fixture
def proxy(tmp_path: Path) -> Path:
    return oracle_worlds.build_proxy(tmp_path / "proxy")


def test_single_module(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path) -> None:
    world = oracle_worlds.single(tmp_path, goenv, proxy)
    tidy = (world.root / "go.sum").read_text()
    # tidy keeps lines for every platform and tag; a linux build without cgo needs fewer.
    for kept in ("example.com/winonly", "example.com/cgoonly", "example.com/extra", "example.com/third"):
        assert kept in tidy
    n = drop_each_line(world)
    assert n >= 10


def test_single_module_with_tags(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path) -> None:
    """-tags in GOFLAGS: the file behind //go:build extra is compiled, and its import counts
    (the other lines behave as without the tag: test_single_module)."""
    world = oracle_worlds.single(tmp_path, goenv, proxy)
    extra = {"GOFLAGS": "-mod=readonly -tags=extra"}
    assert drop_each_line(world, go_env=extra, our_env={"GOFLAGS": "-tags=extra"}, only="example.com/extra ") == 2


def test_unpruned_main_module(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path) -> None:
    """go 1.16: no graph pruning, the whole graph is loaded before any package."""
    world = oracle_worlds.single(tmp_path, goenv, proxy, go="1.16")
    drop_each_line(world)


def test_workspace(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path) -> None:
    world = oracle_worlds.workspace(tmp_path, goenv, proxy)
    drop_each_line(world, go_env=OFFLINE_SUMDB)


def test_vendored_module_needs_nothing(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path) -> None:
    world = oracle_worlds.single(tmp_path, goenv, proxy)
    goenv.go("mod", "vendor", cwd=world.root, env=oracle_worlds.proxy_env(goenv, proxy))
    full = (world.root / "go.sum").read_text()
    (world.root / "go.sum").write_text("")
    refused, out = world.refuses({"GOFLAGS": ""})
    assert not refused, out
    assert found(world, {**goenv.environ, "GOFLAGS": ""}) == []
    (world.root / "go.sum").write_text(full)


@pytest.fixture(scope="module")
def go199(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    got = oracle_worlds.build_go_binary(tmp_path_factory.mktemp("go199"), "go1.99.0")
    if got is None:
        pytest.skip("cannot build cmd/go from the installed toolchain's source here")
    return got


def test_go_line_newer_than_the_local_toolchain(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path, go199: tuple[Path, str]) -> None:
    """go.mod asks for go 1.99.0. The oracle is the installed toolchain's own cmd/go built
    with the version string go1.99.0, so it accepts the go line (GOTOOLCHAIN=local); it
    cannot drive the 1.27 compiler, so it answers with `go list -deps [-test] ./...`, which
    load modules and packages as build and test do. Its release tags are the source's
    (go1.1..go1.N of the installed toolchain), as gozt-lint's are under GOTOOLCHAIN=local,
    which is also what keeps gozt-lint's answer independent of the local version."""
    world = oracle_worlds.single(tmp_path, goenv, proxy)
    gomod = world.root / "go.mod"
    gomod.write_text(gomod.read_text().replace("go 1.21", "go 1.99.0"))
    world.go, world.goroot = str(go199[0]), go199[1]
    assert world.refuses()[0] is False, world.refuses()[1]
    drop_each_line(world)


def test_vendored_workspace_needs_nothing(goenv: gotool.GoEnvDirs, proxy: Path, tmp_path: Path) -> None:
    """`go work vendor` (go.work at 1.22+): the workspace builds from vendor/, go.sum unread."""
    world = oracle_worlds.workspace(tmp_path, goenv, proxy)
    work = world.root / "go.work"
    work.write_text(work.read_text().replace("go 1.21", "go 1.22"))
    goenv.go("work", "vendor", cwd=world.root, env={**oracle_worlds.proxy_env(goenv, proxy), "GOFLAGS": ""})
    for f in world.sum_files():
        f.write_text("")
    refused, out = world.refuses({"GOFLAGS": "", **OFFLINE_SUMDB})
    assert not refused, out
    assert found(world, {**goenv.environ, "GOFLAGS": ""}) == []
    # The same workspace without its vendor directory: the go command needs its lines, and so does the rule.
    import shutil

    shutil.rmtree(world.root / "vendor")
    assert world.refuses({"GOFLAGS": "", **OFFLINE_SUMDB})[0]
    assert found(world, {**goenv.environ, "GOFLAGS": ""}) != []


# -- workspaces, vendoring and deep runs, on small hand-built worlds ---------------------------


def missing(cwd: Path, paths: list[Path], environ: dict[str, str]) -> list[Finding]:
    ctx = Context(cwd=cwd, environ=environ, options=Options(paths=[str(p) for p in paths], env=False))
    return engine.run(ctx, [get("gosum-missing")]).findings


def test_module_in_workspace_needs_only_what_the_workspace_builds(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """c requires dep v1.0.0 but the workspace selects a's v1.1.0: the go command builds c
    with v1.1.0's zip (in a/go.sum) and keeps v1.0.0's go.mod line in go.work.sum; c has no
    go.sum at all. Checked alone (pre-commit passes just c/go.mod) or with the go.work, c
    lacks nothing."""
    proxy = gomods.build_proxy(tmp_path / "proxy")
    ws = tmp_path / "ws"
    gomods.tidy(goenv, proxy, ws / "a", {"example.com/dep": "v1.1.0"}, modpath="example.com/a")
    gotool.write_module(ws / "c", "example.com/c", requires={"example.com/dep": "v1.0.0"}, code=gomods.APP_CODE)
    env = {**gomods.proxy_env(goenv, proxy), "GOFLAGS": ""}  # -mod=mod is refused in workspace mode
    goenv.go("work", "init", "./a", "./c", cwd=ws, env=env)
    goenv.go("build", "./...", cwd=ws / "c", env=env)
    assert not (ws / "c" / "go.sum").exists()
    assert "example.com/dep v1.0.0/go.mod " in (ws / "go.work.sum").read_text()
    assert "example.com/dep v1.0.0 " not in (ws / "go.work.sum").read_text()
    offline = {"GOPROXY": "off", "GOFLAGS": "-mod=readonly"}
    goenv.go("build", "./...", cwd=ws / "c", env=offline)  # the go command is content

    environ = {k: v for k, v in goenv.environ.items() if k != "GOWORK"}
    assert missing(ws, [ws / "c" / "go.mod"], environ) == []  # the go.work found as the go command finds it
    assert missing(ws / "c", [], environ) == []  # no argument: the module here and its go.work
    assert missing(ws, [ws], environ) == []  # every go.mod and go.work below
    assert missing(ws, [ws / "go.work"], environ) == []

    # Without the workspace, c alone lacks both lines: the go command refuses, and so does the rule.
    alone = {**environ, "GOWORK": "off"}
    code = goenv.go("build", "./...", cwd=ws / "c", env={**offline, "GOWORK": "off"}, check=False).returncode
    assert code != 0
    lacking = missing(ws, [ws / "c" / "go.mod"], alone)
    assert sorted(f.data["sum_line"] for f in lacking) == ["example.com/dep v1.0.0", "example.com/dep v1.0.0/go.mod"]


def test_vendored_module_is_built_without_go_sum(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """With vendor/ and go >= 1.14 the go command builds with -mod=vendor and never reads
    go.sum, so nothing is missing from it; an explicit -mod in GOFLAGS decides otherwise."""
    proxy = gomods.build_proxy(tmp_path / "proxy")
    d = tmp_path / "app"
    gomods.tidy(goenv, proxy, d, {"example.com/dep": "v1.0.0"})
    goenv.go("mod", "vendor", cwd=d, env=gomods.proxy_env(goenv, proxy))
    (d / "go.sum").write_text("")
    offline = {"GOPROXY": "off", "GOFLAGS": ""}
    goenv.go("build", "./...", cwd=d, env=offline)
    environ = {**goenv.environ, "GOFLAGS": ""}
    assert missing(d, [d / "go.mod"], environ) == []
    assert missing(d, [d / "go.mod"], {**environ, "GOFLAGS": "-mod=vendor"}) == []
    readonly = {**offline, "GOFLAGS": "-mod=readonly"}
    assert goenv.go("build", "./...", cwd=d, env=readonly, check=False).returncode != 0
    lacking = missing(d, [d / "go.mod"], {**environ, "GOFLAGS": "-mod=readonly"})
    assert sorted(f.data["sum_line"] for f in lacking) == ["example.com/dep v1.0.0", "example.com/dep v1.0.0/go.mod"]


def test_deep_run_needs_exactly_the_lines_build_and_test_need(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """app imports mid (which imports leaf: an indirect module providing a package)
    and, in a test only, other. With --all each go.sum line is removed in turn: the
    finding appears exactly when `go build` or `go test` (readonly) refuses."""
    proxy = gomods.build_proxy(tmp_path / "proxy")
    app = tmp_path / "app"
    code = 'package main\n\nimport "example.com/mid"\n\nfunc main() { println(mid.M) }\n'
    gomods.tidy(goenv, proxy, app, {"example.com/mid": "v1.0.0", "example.com/other": "v1.0.0"}, code=code)
    (app / "main_test.go").write_text('package main\n\nimport (\n\t"testing"\n\n\t"example.com/other"\n)\n\nfunc TestY(t *testing.T) { _ = other.Y }\n')
    goenv.go("mod", "tidy", cwd=app, env=gomods.proxy_env(goenv, proxy))
    gosum = app / "go.sum"
    full = gosum.read_text().splitlines()
    assert any(ln.startswith("example.com/leaf v1.0.0 h1:") for ln in full), full
    off = {"GOFLAGS": "-mod=readonly", "GOPROXY": "off"}
    for drop in full:
        gosum.write_text("".join(ln + "\n" for ln in full if ln != drop))
        refused = any(
            goenv.go(*cmd, cwd=app, env=off, check=False).returncode != 0
            for cmd in (("build", "./..."), ("test", "-count=1", "-run", "^$", "./..."))
        )
        ctx = Context(cwd=app, environ=goenv.environ, options=Options(select=["gosum-missing"], all=True, env=False))
        lacking = engine.run(ctx).findings
        assert bool(lacking) == refused, (drop, lacking)
        if lacking:
            assert [f.data["sum_line"] for f in lacking] == [" ".join(drop.split()[:2])], (drop, lacking)
    gosum.write_text("".join(ln + "\n" for ln in full))
