"""Toolchain provenance with real go binaries: copies with a byte changed, fake GOROOTs,
launcher scripts, cached toolchain modules and binaries installed by the real go."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint import buildinfo, engine, toolchain
from gozt_lint.config import parse_config
from gozt_lint.context import Context, Options
from tests import gomods, gotool

GO_HELP = b"Go is a tool for managing Go source code"


def run(environ: dict[str, str], cwd: Path, select: str = "toolchain", pins: dict[str, str] | None = None) -> engine.Result:
    config = parse_config({"toolchain": pins} if pins else {}, "test.toml")
    ctx = Context(cwd=cwd, environ=environ, options=Options(select=[select]), config=config)
    return engine.run(ctx)


def sha256sum(path: Path) -> str:
    """The pin as a user computes it: the sha256sum tool (falls back to hashlib)."""
    exe = shutil.which("sha256sum")
    if exe:
        return subprocess.run([exe, str(path)], capture_output=True, text=True, check=True).stdout.split()[0]
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fake_goroot(root: Path, *, version: str | None = None, tools: bool = True) -> Path:
    """A GOROOT with a copy of the real bin/go (GOROOT set explicitly, the go binary runs)."""
    real = gotool.goroot()
    (root / "bin").mkdir(parents=True)
    shutil.copy2(real / "bin" / "go", root / "bin" / "go")
    shutil.copy2(real / "go.env", root / "go.env")
    text = (real / "VERSION").read_text()
    if version:
        text = text.replace(gotool.go_version(), version, 1)
    (root / "VERSION").write_text(text)
    if tools:
        tooldir = root / "pkg" / "tool" / "linux_amd64"
        tooldir.mkdir(parents=True)
        shutil.copy2(real / "pkg" / "tool" / "linux_amd64" / "preprofile", tooldir / "preprofile")
    return root


def patch(path: Path, old: bytes, new: bytes, *, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = data.find(old) if at is None else at
    assert i >= 0 and len(old) == len(new)
    data[i : i + len(old)] = new
    path.write_bytes(bytes(data))


def buildinfo_version_offset(path: Path) -> int:
    data = path.read_bytes()
    pos = data.find(buildinfo.MAGIC)
    assert pos >= 0 and data[pos + 15] & 2
    return pos + 32 + 1  # one uvarint length byte, then the version


def env_with(goenv: gotool.GoEnvDirs, goroot: Path, *first: Path) -> dict[str, str]:
    return {**goenv.environ, "GOROOT": str(goroot), "PATH": os.pathsep.join([*map(str, first), str(goroot / "bin"), "/usr/bin", "/bin"])}


def by_rule(res: engine.Result, slug: str) -> list[str]:
    return [f.message for f in res.findings if f.rule == slug]


def test_clean_environment(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    res = run(goenv.environ, tmp_path)
    # Offline with empty caches, the release manifest is not there: said at info level, nothing else.
    assert [(f.rule, f.severity) for f in res.findings] == [("goroot-unverified", engine.Severity.INFO)], res.findings
    assert "--online" in res.findings[0].message
    assert not res.internal_errors and not res.input_errors
    assert {"toolchain-mismatch", "toolchain-drift", "gobin-unverified", "goroot-tampered"} <= set(res.rules_run)


@pytest.mark.rule("toolchain-drift", "toolchain-mismatch", fires=True)
@pytest.mark.rule("toolchain-drift", clean=True)
def test_pin_matches_and_a_changed_byte_is_caught(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    real_go = Path(gotool.find_go())
    pins = {"go-sha256": sha256sum(real_go)}
    assert run(goenv.environ, tmp_path, "toolchain-drift", pins).findings == []
    # A copy of the go binary with one byte of a help text changed, earlier on PATH.
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    shutil.copy2(real_go, shadow / "go")
    patch(shadow / "go", GO_HELP, GO_HELP[:-1] + b"E")
    p = subprocess.run([str(shadow / "go"), "version"], env={**goenv.environ, "GOROOT": str(gotool.goroot())}, capture_output=True, text=True)
    assert p.returncode == 0 and gotool.go_version() in p.stdout  # it still runs
    env = env_with(goenv, gotool.goroot(), shadow)
    res = run(env, tmp_path, "toolchain", pins)
    drift = [f for f in res.findings if f.rule == "toolchain-drift"]
    assert len(drift) == 1 and drift[0].file == str(shadow / "go")
    assert drift[0].data["actual"] == sha256sum(shadow / "go") and drift[0].data["pinned"] == pins["go-sha256"]
    mismatch = by_rule(res, "toolchain-mismatch")
    assert len(mismatch) == 1 and "modified copy" in mismatch[0]


def test_goroot_manifest_pin(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    root = fake_goroot(tmp_path / "goroot")
    (root / "src").mkdir()
    os.symlink("../VERSION", root / "src" / "link")
    # The manifest as documented, computed here with sha256sum and sort.
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    lines = [(str(p.relative_to(root)).encode(), sha256sum(p)) for p in files] + [(b"src/link", "symlink:../VERSION")]
    manifest = b"".join(d.encode() + b"  " + n + b"\n" for n, d in sorted(lines))
    pin = hashlib.sha256(manifest).hexdigest()
    env = env_with(goenv, root)
    assert run(env, tmp_path, "toolchain-drift", {"goroot-sha256": pin}).findings == []
    (root / "pkg" / "tool" / "linux_amd64" / "extra").write_text("new file\n")
    res = run(env, tmp_path, "toolchain-drift", {"goroot-sha256": pin})
    assert [f.rule for f in res.findings] == ["toolchain-drift"] and "GOROOT" in res.findings[0].message


def test_bad_pin_is_a_configuration_error(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    res = run(goenv.environ, tmp_path, "toolchain-drift", {"go-sha256": "abc"})
    assert len(res.internal_errors) == 1 and "64 hexadecimal digits" in res.internal_errors[0]
    assert engine.exit_status(res, engine.Severity.ERROR) == 2
    # A misspelt key is refused when the configuration is loaded, before any run.
    from gozt_lint.errors import UsageError

    with pytest.raises(UsageError, match="unknown key"):
        run(goenv.environ, tmp_path, "toolchain-drift", {"go-sha265": "0" * 64})


def test_version_file_disagrees_with_binary(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    root = fake_goroot(tmp_path / "goroot", version="go1.27.9")
    res = run(env_with(goenv, root), tmp_path)
    msgs = by_rule(res, "toolchain-mismatch")
    assert any("GOROOT/VERSION says go1.27.9" in m and f"built as {gotool.go_version()}" in m for m in msgs), msgs
    f = next(f for f in res.findings if "GOROOT/VERSION" in f.message)
    assert f.file == str(root / "VERSION") and f.line == 1


@pytest.mark.rule("toolchain-mismatch", fires=True)
def test_tool_from_another_toolchain(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    root = fake_goroot(tmp_path / "goroot")
    tool = root / "pkg" / "tool" / "linux_amd64" / "preprofile"
    other = gotool.go_version()[:-1] + ("9" if gotool.go_version()[-1] != "9" else "8")
    patch(tool, gotool.go_version().encode(), other.encode(), at=buildinfo_version_offset(tool))
    want = subprocess.run([gotool.find_go(), "version", str(tool)], env=goenv.environ, capture_output=True, text=True).stdout
    assert other in want  # the go command reads the same thing
    res = run(env_with(goenv, root), tmp_path, "toolchain-mismatch")
    assert [(f.rule, f.file) for f in res.findings] == [("toolchain-mismatch", str(tool))]
    assert f"built as {other}" in res.findings[0].message


def test_go_binary_with_altered_build_info(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    root = fake_goroot(tmp_path / "goroot", tools=False)
    go = root / "bin" / "go"
    other = gotool.go_version()[:-1] + ("9" if gotool.go_version()[-1] != "9" else "8")
    patch(go, gotool.go_version().encode(), other.encode(), at=buildinfo_version_offset(go))
    (root / "VERSION").write_text((root / "VERSION").read_text().replace(gotool.go_version(), other, 1))
    res = run(env_with(goenv, root), tmp_path)
    msgs = by_rule(res, "toolchain-mismatch")
    assert len(msgs) == 1 and f"says {gotool.go_version()}, but the binary was built as {other}" in msgs[0]


def test_launcher_script_earlier_on_path(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """A `go` earlier on PATH that answers `go version` with a lie and passes the rest on."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "go").write_text(
        f'#!/bin/sh\nif [ "$1" = version ]; then echo "go version go1.99.0 linux/amd64"; exit 0; fi\nexec {gotool.find_go()} "$@"\n'
    )
    (shadow / "go").chmod(0o755)
    real = Path(gotool.find_go())
    pins = {"go-sha256": sha256sum(real)}
    res = run(env_with(goenv, gotool.goroot(), shadow), tmp_path, "toolchain", pins)
    mismatch = by_rule(res, "toolchain-mismatch")
    assert len(mismatch) == 1 and "says go1.99.0" in mismatch[0] and "does not run this GOROOT's go" in mismatch[0]
    drift = [f for f in res.findings if f.rule == "toolchain-drift"]
    assert len(drift) == 1 and drift[0].file == str(shadow / "go")


def _cached_toolchain(gomodcache: Path, name: str, go_version_file: str) -> Path:
    d = gomodcache / "golang.org" / f"toolchain@v0.0.1-{name}.linux-amd64"
    (d / "bin").mkdir(parents=True)
    shutil.copy2(gotool.find_go(), d / "bin" / "go")
    (d / "VERSION").write_text(f"{go_version_file}\ntime 2026-01-01T00:00:00Z\n")
    return d


def test_cached_toolchain_modules(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    v = gotool.go_version()
    _cached_toolchain(goenv.gomodcache, v, v)  # consistent: not reported
    bad = _cached_toolchain(goenv.gomodcache, "go1.99.0", "go1.99.0")
    res = run(goenv.environ, tmp_path, "toolchain-mismatch")
    assert [(f.rule, f.file) for f in res.findings] == [("toolchain-mismatch", str(bad / "bin" / "go"))]
    f = res.findings[0]
    assert f.module == "golang.org/toolchain" and f.version == "v0.0.1-go1.99.0.linux-amd64"
    assert f"would run {v}" in f.message and f.data["would_run"] == v
    listed = {(c.name, c.go.go_version if c.go else None) for c in toolchain.cached_toolchains(Context(environ=goenv.environ))}
    assert listed == {(v, v), ("go1.99.0", v)}


@pytest.mark.rule("toolchain-mismatch", clean=True)
def test_interrupted_toolchain_extraction_is_not_a_mismatch(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    # Ctrl-C while the go command unpacks a toolchain leaves a .partial marker and
    # a half-filled directory (no bin/go yet). The go command never runs such a
    # directory (it removes and unpacks it again); modcache-incomplete says it.
    d = _cached_toolchain(goenv.gomodcache, "go1.99.0", "go1.99.0")
    shutil.rmtree(d / "bin")
    vdir = goenv.gomodcache / "cache" / "download" / "golang.org" / "toolchain" / "@v"
    vdir.mkdir(parents=True)
    (vdir / "v0.0.1-go1.99.0.linux-amd64.partial").write_bytes(b"")
    assert run(goenv.environ, tmp_path, "toolchain-mismatch").findings == []
    (vdir / "v0.0.1-go1.99.0.linux-amd64.partial").unlink()
    assert [f.rule for f in run(goenv.environ, tmp_path, "toolchain-mismatch").findings] == ["toolchain-mismatch"]


# -- GOBIN ----------------------------------------------------------------------------------------


@pytest.fixture
def gobin(goenv: gotool.GoEnvDirs, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    proxy = gomods.build_proxy(tmp_path / "proxy")
    penv = gomods.proxy_env(goenv, proxy)
    bindir = goenv.gopath / "bin"
    goenv.go("install", "example.com/tool@v1.0.0", env=penv)
    assert (bindir / "tool").exists()
    return bindir, proxy, penv


@pytest.mark.rule("gobin-unverified", clean=True)
def test_installed_with_sum_is_verified(goenv: gotool.GoEnvDirs, gobin: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    res = run(goenv.environ, tmp_path, "gobin-unverified")
    assert res.findings == []


def test_links_to_the_goroot_in_use_are_the_toolchain_not_installed_binaries(
    goenv: gotool.GoEnvDirs, gobin: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    # `ln -s $GOROOT/bin/go ~/go/bin/go`, or GOBIN=$GOROOT/bin: the go distribution's
    # own cmd/go has no module information by nature; toolchain-mismatch and
    # toolchain-drift judge it, gobin-unverified has nothing to add.
    bindir, _proxy, _penv = gobin
    goroot = gotool.goroot()
    (bindir / "go").symlink_to(goroot / "bin" / "go")
    env = {**goenv.environ, "GOROOT": str(goroot)}
    assert run(env, tmp_path, "gobin-unverified").findings == []
    res = run({**env, "GOBIN": str(goroot / "bin")}, tmp_path, "gobin-unverified")
    assert res.findings == [] and not res.internal_errors


@pytest.mark.rule("gobin-unverified", fires=True)
def test_local_build_and_dirty_tree(goenv: gotool.GoEnvDirs, gobin: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    bindir, proxy, penv = gobin
    src = tmp_path / "src"
    gomods.tidy(goenv, proxy, src, {"example.com/dep": "v1.0.0"}, modpath="example.com/mytool")
    genv = gomods.git_env(penv)
    gomods.init_repo(src, genv)
    (src / "main.go").write_text((src / "main.go").read_text() + "\n// local change\n")
    goenv.go("install", ".", cwd=src, env={**penv, **genv})
    res = run(goenv.environ, tmp_path, "gobin-unverified")
    assert [(f.rule, f.file, f.module) for f in res.findings] == [("gobin-unverified", str(bindir / "mytool"), "example.com/mytool")]
    f = res.findings[0]
    oracle = subprocess.run([gotool.find_go(), "version", "-m", f.file], env=goenv.environ, capture_output=True, text=True).stdout
    assert "vcs.modified=true" in oracle and f.data["vcs_modified"] is True
    assert "no module sum" in f.message and "vcs.modified=true" in f.message and gotool.go_version() in f.message


def test_sum_differing_from_go_sum_in_scope(goenv: gotool.GoEnvDirs, gobin: tuple[Path, Path, dict[str, str]], tmp_path: Path) -> None:
    bindir, proxy, penv = gobin
    mod = tmp_path / "mod"
    gomods.tidy(goenv, proxy, mod, {"example.com/dep": "v1.0.0"})
    gosum = mod / "go.sum"
    lines = gosum.read_text().splitlines()
    lines = [gomods.edit_hash(ln) if ln.startswith("example.com/dep v1.0.0 ") else ln for ln in lines]
    gosum.write_text("\n".join(lines) + "\n")
    res = run(goenv.environ, mod, "gobin-unverified")
    assert [f.file for f in res.findings] == [str(bindir / "tool")]
    assert "dependency example.com/dep v1.0.0 was built with" in res.findings[0].message
    assert f"{gosum}:" in res.findings[0].message


def test_cli_toolchain_family(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    _cached_toolchain(goenv.gomodcache, "go1.99.0", "go1.99.0")
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--select", "toolchain", "--format", "json"], cwd=tmp_path, env=goenv.environ, capture_output=True, text=True)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert '"toolchain-mismatch"' in p.stdout
