"""gosum-missing in workspaces, with the real go command as the oracle."""

from __future__ import annotations

from pathlib import Path

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from gozt_lint.registry import get
from tests import gomods, gotool


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
    found = missing(ws, [ws / "c" / "go.mod"], alone)
    assert sorted(f.data["sum_line"] for f in found) == ["example.com/dep v1.0.0", "example.com/dep v1.0.0/go.mod"]


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
    found = missing(d, [d / "go.mod"], {**environ, "GOFLAGS": "-mod=readonly"})
    assert sorted(f.data["sum_line"] for f in found) == ["example.com/dep v1.0.0", "example.com/dep v1.0.0/go.mod"]


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
        found = engine.run(ctx).findings
        assert bool(found) == refused, (drop, found)
        if found:
            assert [f.data["sum_line"] for f in found] == [" ".join(drop.split()[:2])], (drop, found)
    gosum.write_text("".join(ln + "\n" for ln in full))
