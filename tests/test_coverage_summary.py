"""The run summary says what the deep checks verified, so an empty or missing cache
never reads as a clean one (text, JSON ``summary.verified``, SARIF invocation
properties, GitHub notice). The caches are filled by the real go command from a
file:// proxy; the CLI runs in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests import gotool

pytestmark = pytest.mark.slow

MODS = {
    "example.com/a": {"go.mod": "module example.com/a\n\ngo 1.21\n", "a.go": "package a\n\nconst A = 1\n"},
    "example.com/b": {"go.mod": "module example.com/b\n\ngo 1.21\n", "b.go": "package b\n\nconst B = 2\n"},
}
CODE = 'package main\n\nimport (\n\t"example.com/a"\n\t"example.com/b"\n)\n\nfunc main() { println(a.A + b.B) }\n'
DEEP = ["--select", "modcache,buildcache,sumdb", "--no-progress"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[gotool.GoEnvDirs]:
    root = tmp_path_factory.mktemp("coverage")
    proxy = root / "proxy"
    for path, files in MODS.items():
        gotool.add_module(proxy, path, "v1.0.0", files)
    env = gotool.hermetic_env(root / "env", GOPROXY=gotool.proxy_url(proxy), GOFLAGS="-mod=mod")
    app = root / "app"
    gotool.write_module(app, "example.com/app", requires={p: "v1.0.0" for p in MODS}, code=CODE)
    env.go("mod", "tidy", cwd=app)
    env.go("build", "-o", os.devnull, ".", cwd=app)
    yield env
    env.cleanup()


def lint(env: gotool.GoEnvDirs, *args: str, **over: str) -> subprocess.CompletedProcess[str]:
    e = {**env.environ, "GOPROXY": "off", "GOFLAGS": "", "GOZT_LINT_CACHE_DIR": str(env.root / "memo"), **over}
    return subprocess.run(
        [sys.executable, "-m", "gozt_lint", *DEEP, *args], cwd=env.root.parent / "app", env=e, capture_output=True, text=True, timeout=300
    )


def doc(p: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert "Traceback" not in p.stderr, p.stderr
    return json.loads(p.stdout)  # type: ignore[no-any-return]


def test_a_filled_cache_says_how_much_was_verified(world: gotool.GoEnvDirs) -> None:
    gosum_lines = len((world.root.parent / "app" / "go.sum").read_text().splitlines())
    v = doc(lint(world, "--format", "json"))["summary"]["verified"]
    assert v["module_versions"] == v["module_versions_cached"] == len(MODS)
    assert v["gosum_lines_against_cache"] == gosum_lines == 2 * len(MODS)
    assert v["buildcache_entries"] > 0 and v["buildcache_outputs"] > 0
    # GOSUMDB=off: the sumdb family ran and checked nothing, and says so in numbers.
    assert v["gosum_lines_against_sumdb"] == 0 and v["cached_versions_against_sumdb"] == 0
    text = lint(world).stdout
    assert f"Verified {len(MODS)} of {len(MODS)} cached module versions (zip or extracted tree), {gosum_lines} go.sum lines against the module cache" in text


@pytest.mark.parametrize("which", ["empty", "missing"])
def test_an_empty_or_missing_cache_says_nothing_was_verified(world: gotool.GoEnvDirs, tmp_path: Path, which: str) -> None:
    mc, gc = tmp_path / "mod", tmp_path / "gocache"
    if which == "empty":
        mc.mkdir()
        gc.mkdir()
    over = {"GOMODCACHE": str(mc), "GOCACHE": str(gc)}
    p = lint(world, **over)
    assert "Verified nothing (0 of 0 cached module versions (zip or extracted tree), 0 go.sum lines against the module cache" in p.stdout
    assert "0 build-cache entries" in p.stdout
    v = doc(lint(world, "--format", "json", **over))["summary"]
    assert set(v["verified"].values()) == {0} and "module_versions" in v["verified"] and "buildcache_entries" in v["verified"]
    # The shape stays additive: the counts by severity are where they were.
    assert {"error", "warning", "info", "total", "suppressed"} <= set(v)
    sarif = doc(lint(world, "--format", "sarif", **over))
    props = sarif["runs"][0]["invocations"][0]["properties"]
    assert props["verified"]["module_versions"] == 0 and props["verifiedSummary"].startswith("Verified nothing")
    gh = lint(world, "--format", "github", **over).stdout
    assert "::notice title=gozt-lint::Verified nothing" in gh


def test_a_shallow_run_makes_no_claim(world: gotool.GoEnvDirs) -> None:
    """The hook's default run reads no cache: it neither claims nor denies anything."""
    e = {**world.environ, "GOPROXY": "off", "GOFLAGS": ""}
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--no-env", "--format", "json"], cwd=world.root.parent / "app", env=e,
                       capture_output=True, text=True, timeout=120)
    assert doc(p)["summary"]["verified"] == {}
    p = subprocess.run([sys.executable, "-m", "gozt_lint", "--no-env"], cwd=world.root.parent / "app", env=e, capture_output=True, text=True, timeout=120)
    assert "Verified" not in p.stdout


def test_counts_follow_the_cache(world: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """A copy of the cache with one extracted tree and its zip gone counts one version fewer."""
    mc = tmp_path / "mod"
    shutil.copytree(world.gomodcache, mc, symlinks=True)
    gotool.make_writable(mc)
    shutil.rmtree(mc / "example.com" / "b@v1.0.0")
    for ext in ("zip", "ziphash"):
        (mc / "cache" / "download" / "example.com" / "b" / "@v" / f"v1.0.0.{ext}").unlink()
    v = doc(lint(world, "--format", "json", GOMODCACHE=str(mc)))["summary"]["verified"]
    assert v["module_versions"] == len(MODS) - 1
    assert v["module_versions_cached"] == len(MODS)  # b's .mod and .info are still there
    assert v["gosum_lines_against_cache"] == 2 * len(MODS) - 1  # b's zip line has nothing to compare with
