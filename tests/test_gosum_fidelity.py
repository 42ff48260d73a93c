"""gosum-missing in deep runs against the real go command: each go.sum line is dropped in
turn, and the rule must report it exactly when `go build ./...` or `go test ./...`
(-mod=readonly, offline) refuses; and it never asks for a line `go mod tidy` drops."""

from __future__ import annotations

from pathlib import Path

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from tests import gotool, oracle_worlds

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
