"""The cache families on caches the real go command fills, where the layout or an
entry is unusual: cache roots reached through a symlink, a .info that breaks the
JSON parser, an entry that cannot be hashed (hermetic: a file:// proxy,
GOTOOLCHAIN=local)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from tests import gotool

M, MV = "example.com/m", "v1.0.0"
FILES_M = {
    "go.mod": "module example.com/m\n\ngo 1.21\n",
    "m.go": 'package m\n\nfunc Hello() string { return "hello" }\n',
    "sub/sub.go": "package sub\n\nconst X = 1\n",
}
APP_MAIN = 'package main\n\nimport "example.com/m"\n\nfunc main() { println(m.Hello()) }\n'


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[gotool.GoEnvDirs, Path]]:
    proxy = tmp_path / "proxy"
    gotool.add_module(proxy, M, MV, FILES_M)
    env = gotool.hermetic_env(tmp_path / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    app = tmp_path / "app"
    gotool.write_module(app, "example.com/app", requires={M: MV}, code=APP_MAIN)
    env.go("mod", "tidy", cwd=app)
    yield env, app
    env.cleanup()


def run(env: gotool.GoEnvDirs, cwd: Path, *select: str, **environ: str) -> list[Finding]:
    e = {**env.environ, "GOFLAGS": "", **environ}
    ctx = Context(cwd=cwd, environ=e, options=Options(select=list(select), memo=False, jobs=1))
    ctx.discover()
    res = engine.run(ctx)
    assert not res.internal_errors and not res.input_errors, (res.internal_errors, res.input_errors)
    return res.findings


def test_symlinked_cache_roots_are_verified_through_the_link(world: tuple[gotool.GoEnvDirs, Path], tmp_path: Path) -> None:
    # GOMODCACHE / GOCACHE moved to another disk and linked back: the go command
    # uses them through the link, so they must be verified, not skipped with a note.
    env, app = world
    env.go("build", "-o", os.devnull, ".", cwd=app)
    moved = tmp_path / "disk"
    moved.mkdir()
    for var in ("GOMODCACHE", "GOCACHE"):
        src = Path(env.environ[var])
        src.rename(moved / var)
        src.symlink_to(moved / var)
    assert run(env, app, "modcache", "buildcache") == []
    ext = moved / "GOMODCACHE" / f"{M}@{MV}"
    os.chmod(ext, 0o755)
    (ext / "extra.go").write_text("package m\n")
    os.chmod(ext / "extra.go", 0o444)
    os.chmod(ext, 0o555)
    out = next(p for p in sorted((moved / "GOCACHE").glob("*/*-d")) if p.is_file() and p.stat().st_size > 0)
    data = bytearray(out.read_bytes())
    data[-1] ^= 1
    out.write_bytes(bytes(data))
    assert sorted(f.rule for f in run(env, app, "modcache", "buildcache")) == ["buildcache-output-tampered", "modcache-dir-tampered"]


def test_a_deeply_nested_info_does_not_switch_off_the_checks_of_its_entry(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    # json.loads raises RecursionError (not ValueError) on deep nesting; the worker
    # lost the whole entry, so a tampered directory next to such a planted .info
    # came out as a mere orphan-dir warning ("no .ziphash or .zip").
    env, app = world
    env.go("mod", "download", cwd=app)
    info = env.gomodcache / "cache" / "download" / M / "@v" / f"{MV}.info"
    os.chmod(info, 0o644)
    info.write_text("[" * 100_000 + "]" * 100_000)
    ext = env.gomodcache / f"{M}@{MV}"
    os.chmod(ext, 0o755)
    (ext / "extra.go").write_text("package m\n")
    os.chmod(ext / "extra.go", 0o444)
    os.chmod(ext, 0o555)
    found = sorted(f.rule for f in run(env, app, "modcache"))
    assert found == ["modcache-dir-tampered", "modcache-info-invalid"]


def test_an_entry_that_cannot_be_verified_is_said_not_passed_over(world: tuple[gotool.GoEnvDirs, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from gozt_lint import dirhash

    env, app = world
    env.go("mod", "download", cwd=app)

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(dirhash, "hash_zip", boom)
    e = {**env.environ, "GOFLAGS": "", "GOZT_LINT_POOL": "thread"}
    ctx = Context(cwd=app, environ=e, options=Options(select=["modcache"], memo=False, jobs=1))
    ctx.discover()
    res = engine.run(ctx)
    assert res.findings == []
    assert any(f"{M}@{MV}" in n and "boom" in n and "not verified" in n for n in res.notes), res.notes
