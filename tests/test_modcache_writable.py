"""modcache-writable and go's -modcacherw layout, on caches the real go command
fills: a `chmod u+w` of one module's root directory is not mistaken for that
layout when nothing else in the cache shows the flag was used."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from tests import gotool

MULTI, SINGLE, V = "example.com/multi", "example.com/single", "v1.0.0"
APP = 'package main\n\nimport (\n\t_ "example.com/multi"\n\t_ "example.com/single"\n)\n\nfunc main() {}\n'


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[gotool.GoEnvDirs, Path]]:
    proxy = tmp_path / "proxy"
    gotool.add_module(proxy, MULTI, V, {"go.mod": f"module {MULTI}\n\ngo 1.21\n", "m.go": "package multi\n", "sub/s.go": "package sub\n"})
    # One directory only: the module root.
    gotool.add_module(proxy, SINGLE, V, {"go.mod": f"module {SINGLE}\n\ngo 1.21\n", "s.go": "package single\n"})
    env = gotool.hermetic_env(tmp_path / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    app = tmp_path / "app"
    gotool.write_module(app, "example.com/app", requires={MULTI: V, SINGLE: V}, code=APP)
    env.go("mod", "tidy", cwd=app)
    yield env, app
    env.cleanup()


def lint(env: gotool.GoEnvDirs, cwd: Path, *select: str) -> list[Finding]:
    e = {**env.environ, "GOFLAGS": ""}
    ctx = Context(cwd=cwd, environ=e, options=Options(select=list(select), memo=False, jobs=1))
    ctx.discover()
    res = engine.run(ctx)
    assert not res.internal_errors and not res.input_errors, (res.internal_errors, res.input_errors)
    return res.findings


def writable(env: gotool.GoEnvDirs, cwd: Path) -> list[Finding]:
    return [f for f in lint(env, cwd, "modcache") if f.rule == "modcache-writable"]


def fresh_download(env: gotool.GoEnvDirs, app: Path, *flags: str, modules: tuple[str, ...] = ()) -> None:
    gotool.make_writable(env.gomodcache)
    shutil.rmtree(env.gomodcache)
    env.go("mod", "download", *flags, *modules, cwd=app)


@pytest.mark.rule("modcache-writable", fires=True)
def test_chmod_of_a_single_directory_module_is_reported(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, app = world
    fresh_download(env, app)
    root = env.gomodcache / f"{SINGLE}@{V}"
    assert not os.stat(root).st_mode & 0o222
    os.chmod(root, os.stat(root).st_mode | 0o200)
    [f] = writable(env, app)
    assert f.module == SINGLE and "1 directory writable" in f.message


@pytest.mark.rule("modcache-writable", clean=True)
def test_modcacherw_layout_is_still_recognised(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, app = world
    fresh_download(env, app, "-modcacherw")
    assert os.stat(env.gomodcache / f"{SINGLE}@{V}").st_mode & 0o200
    assert writable(env, app) == []


def test_modcacherw_cache_of_single_directory_modules_only(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, app = world
    fresh_download(env, app, "-modcacherw", modules=(SINGLE,))
    assert writable(env, app) == []


def test_cache_filled_with_modcacherw_on_the_command_line_is_clean(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    # `go mod download -modcacherw` (a common CI step, so the cache can be
    # deleted) leaves every directory writable and every file 0444; gozt-lint,
    # run later without that flag in GOFLAGS, must recognise go's own layout.
    env, app = world
    fresh_download(env, app, "-modcacherw")
    env.go("build", "-modcacherw", "-o", os.devnull, ".", cwd=app)
    ext = env.gomodcache / f"{MULTI}@{V}"
    assert os.stat(ext / "sub").st_mode & 0o200 and not os.stat(ext / "m.go").st_mode & 0o222
    assert lint(env, app, "modcache", "buildcache") == []


def test_one_writable_directory_in_a_read_only_module_is_still_reported(world: tuple[gotool.GoEnvDirs, Path]) -> None:
    env, app = world
    fresh_download(env, app)
    ext = env.gomodcache / f"{MULTI}@{V}"
    os.chmod(ext / "sub", 0o755)
    [f] = writable(env, app)
    assert f.module == MULTI and "1 directory writable" in f.message
