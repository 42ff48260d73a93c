"""Toolchain modules and GOFIPS140 snapshots as the real go command leaves them,
and layout oddities: each is modelled, clean ones give no finding."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine, modcache
from gozt_lint.context import Context, Options
from gozt_lint.memo import Memo
from tests import gotool

pytestmark = pytest.mark.slow


def rules(env: dict[str, str], cwd: Path) -> list:  # type: ignore[type-arg]
    ctx = Context(cwd=cwd, environ={**env, "GOFLAGS": ""}, options=Options(select=["modcache"], memo=False))
    ctx.discover()
    res = engine.run(ctx)
    assert not res.internal_errors, res.internal_errors
    return res.findings


@pytest.fixture
def toolchain(tmp_path: Path) -> Iterator[tuple[gotool.GoEnvDirs, Path]]:
    """A fake go1.99.0 toolchain module, downloaded and prepared by the real go command."""
    goos = gotool.hermetic_env(tmp_path / "probe").go("env", "GOOS").stdout.strip()
    goarch = gotool.hermetic_env(tmp_path / "probe").go("env", "GOARCH").stdout.strip()
    v = f"v0.0.1-go1.99.0.{goos}-{goarch}"
    proxy = tmp_path / "proxy"
    files = {
        "bin/go": '#!/bin/sh\necho "fake go1.99.0 $*"\n',
        "bin/gofmt": "#!/bin/sh\n",
        f"pkg/tool/{goos}_{goarch}/compile": "#!/bin/sh\n",
        "lib/README": "lib\n",
        "src/_go.mod": "module std\n\ngo 1.99\n",
        "src/cmd/_go.mod": "module cmd\n\ngo 1.99\n",
        "VERSION": "go1.99.0\n",
    }
    gotool.add_module(proxy, "golang.org/toolchain", v, files)
    env = gotool.hermetic_env(tmp_path / "env", GOPROXY=gotool.proxy_url(proxy), GOTOOLCHAIN="go1.99.0")
    p = env.go("version")
    assert "fake go1.99.0" in p.stdout
    d = env.gomodcache / "golang.org" / f"toolchain@{v}"
    assert (d / "src" / "go.mod").exists() and (d / "src" / "cmd" / "go.mod").exists()
    env.environ["GOTOOLCHAIN"] = "local"
    yield env, d
    env.cleanup()


def test_prepared_toolchain_module_is_clean(toolchain) -> None:  # type: ignore[no-untyped-def]
    env, d = toolchain
    assert rules(env.environ, env.root) == []
    rep = modcache.verify(env.gomodcache, Memo(None, None), jobs=1)
    [e] = [e for e in rep.layout.entries.values() if e.kind == "toolchain"]
    assert e.extracted == str(d) and set(e.files) == {"zip", "ziphash", "lock"}


def test_tampered_toolchain_binary_is_caught(toolchain) -> None:  # type: ignore[no-untyped-def]
    env, d = toolchain
    go = d / "bin" / "go"
    mode = go.stat().st_mode
    os.chmod(go, 0o755)
    go.write_text('#!/bin/sh\necho "evil"\n')
    os.chmod(go, mode)
    assert {f.rule for f in rules(env.environ, env.root)} == {"modcache-dir-tampered"}


def test_a_go_mod_that_is_not_a_copy_of_go_mod_underscore_is_caught(toolchain) -> None:  # type: ignore[no-untyped-def]
    env, d = toolchain
    src = d / "src"
    os.chmod(src, 0o755)
    os.chmod(src / "go.mod", 0o644)
    (src / "go.mod").write_text("module std\n\nreplace golang.org/x/net => ../evil\n")
    os.chmod(src / "go.mod", 0o444)
    os.chmod(src, 0o555)
    assert {f.rule for f in rules(env.environ, env.root)} == {"modcache-dir-tampered"}


def test_fips140_snapshot_is_modelled_and_checked(tmp_path: Path) -> None:
    goroot = gotool.goroot()
    snaps = sorted(p.name[: -len(".zip")] for p in (goroot / "lib" / "fips140").glob("v*.zip"))
    if not snaps:
        pytest.skip("this GOROOT ships no fips140 snapshots")
    env = gotool.hermetic_env(tmp_path / "env")
    app = tmp_path / "app"
    gotool.write_module(app, "example.com/app", code='package main\n\nimport "crypto/sha256"\n\nfunc main() { _ = sha256.Sum256(nil) }\n')
    p = env.go("build", "-o", str(tmp_path / "app.bin"), ".", cwd=app, env={"GOFIPS140": snaps[0]}, check=False)
    if p.returncode != 0:
        pytest.skip(f"GOFIPS140={snaps[0]} build not supported here: {p.stderr[:200]}")
    try:
        d = env.gomodcache / "golang.org" / f"fips140@{snaps[0]}"
        assert d.is_dir()
        assert rules(env.environ, app) == []
        f = next(q for q in sorted(d.rglob("*.go")))
        os.chmod(f.parent, 0o755)
        os.chmod(f, 0o644)
        f.write_text(f.read_text() + "// tampered\n")
        os.chmod(f, 0o444)
        os.chmod(f.parent, 0o555)
        assert {x.rule for x in rules(env.environ, app)} == {"modcache-dir-tampered"}
    finally:
        env.cleanup()


def test_layout_oddities_are_strays_never_followed(tmp_path: Path) -> None:
    mc = tmp_path / "mod"
    vdir = mc / "cache" / "download" / "example.com" / "m" / "@v"
    vdir.mkdir(parents=True)
    (vdir / "v1.0.0.mod").write_text("module example.com/m\n")
    (vdir / "list").write_text("v1.0.0\n")
    (vdir / "v1.0.0.zip").symlink_to("/etc/passwd")
    (vdir / "notes.txt").write_text("x")
    (vdir / "vBAD.info").write_text("{}")
    (mc / "cache" / "download" / "example.com" / "m" / "stray").write_text("x")
    (mc / "cache" / "download" / "!!bad" / "@v").mkdir(parents=True)
    (mc / "cache" / "vcs" / "abc").mkdir(parents=True)  # not walked
    (mc / "cache" / "download" / "sumdb" / "sum.golang.org").mkdir(parents=True)  # not walked
    (mc / "cache" / "weird").write_text("x")
    (mc / "example.com").mkdir()
    (mc / "example.com" / "m@v1.0.0").mkdir()
    (mc / "example.com" / "m@v1.0.0.tmp-123").mkdir()
    (mc / "example.com" / "loose.txt").write_text("x")
    (mc / "example.com" / "n@v1.0.0").symlink_to(mc / "example.com" / "m@v1.0.0")
    (mc / "example.com" / "p@notaversion").mkdir()
    lay = modcache.scan_layout(mc)
    e = lay.entries[("example.com/m", "v1.0.0")]
    assert e.files == {"mod": str(vdir / "v1.0.0.mod")}
    assert e.extracted == str(mc / "example.com" / "m@v1.0.0")
    assert e.extracted_tmp == [str(mc / "example.com" / "m@v1.0.0.tmp-123")]
    strays = {os.path.relpath(s.file, mc): s.message for s in lay.strays}
    assert set(strays) == {
        "cache/download/example.com/m/@v/v1.0.0.zip",
        "cache/download/example.com/m/@v/notes.txt",
        "cache/download/example.com/m/@v/vBAD.info",
        "cache/download/example.com/m/stray",
        "cache/download/!!bad/@v",
        "cache/weird",
        "example.com/loose.txt",
        "example.com/n@v1.0.0",
        "example.com/p@notaversion",
    }
    assert "symbolic link" in strays["cache/download/example.com/m/@v/v1.0.0.zip"]


def test_missing_or_odd_gomodcache_is_a_note(tmp_path: Path) -> None:
    env = gotool.hermetic_env(tmp_path / "env")
    shutil.rmtree(env.gopath)
    ctx = Context(cwd=tmp_path, environ=env.environ, options=Options(select=["modcache"], memo=False))
    ctx.discover()
    res = engine.run(ctx)
    assert res.findings == [] and any("no module cache" in n for n in res.notes)
    env.gopath.mkdir()
    (env.gopath / "pkg").mkdir()
    env.gomodcache.write_text("not a dir")
    ctx = Context(cwd=tmp_path, environ=env.environ, options=Options(select=["modcache"], memo=False))
    ctx.discover()
    res = engine.run(ctx)
    assert res.findings == [] and any("not a directory" in n for n in res.notes)
