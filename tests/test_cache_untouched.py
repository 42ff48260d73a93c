"""Every mode without --fix leaves GOMODCACHE and GOCACHE exactly as they were (paths,
inodes, sizes, modes, mtimes, ctimes; atimes may move: reading is reading), on a clean
cache and on one with an interrupted extraction (.partial), .tmp leftovers, a zip whose
tree is not extracted and a tree whose zip is gone; and `--all` reports each fault."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import gomods, gotool

CODE = 'package main\n\nimport (\n\t"example.com/dep"\n\t_ "example.com/mid"\n\t_ "example.com/old"\n)\n\nfunc main() { println(dep.X) }\n'


def state(top: Path) -> dict[str, tuple[int, int, int, int, int]]:
    out = {}
    for dirpath, dirs, files in os.walk(top):
        for n in [*files, *dirs, ""]:
            p = os.path.join(dirpath, n) if n else dirpath
            st = os.lstat(p)
            out[p] = (st.st_ino, st.st_size, st.st_mode, st.st_mtime_ns, st.st_ctime_ns)
    return out


@pytest.fixture
def world(goenv: gotool.GoEnvDirs, tmp_path: Path) -> Path:
    proxy = gomods.build_proxy(tmp_path / "proxy")
    app = tmp_path / "app"
    gomods.tidy(goenv, proxy, app, {"example.com/dep": "v1.0.0", "example.com/mid": "v1.0.0", "example.com/old": "v1.0.0"}, code=CODE)
    goenv.go("build", "./...", cwd=app, env={"GOPROXY": "off", "GOFLAGS": "-mod=readonly"})  # fills GOCACHE
    return app


def faults(goenv: gotool.GoEnvDirs) -> dict[str, str]:
    """Damage the cache as interrupted or partial go commands leave it; what each is."""
    cache = goenv.gomodcache
    gotool.make_writable(cache)
    dl = cache / "cache" / "download" / "example.com"
    # An extraction interrupted: the marker the go command removes when done.
    (dl / "dep" / "@v" / "v1.0.0.partial").write_text("")
    # A download interrupted before its rename.
    (dl / "mid" / "@v" / "v1.0.0.zip123456.tmp").write_bytes(b"PK")
    # A zip the go command has not extracted yet.
    for p in sorted((cache / "example.com").glob("leaf@v1.0.0")):
        gotool.make_writable(p)
        subprocess.run(["rm", "-rf", str(p)], check=True)
    # An extracted tree whose zip (and .ziphash) is gone.
    for ext in ("zip", "ziphash"):
        (dl / "old" / "@v" / f"v1.0.0.{ext}").unlink()
    return {
        "dep": "example.com/dep@v1.0.0", "mid": "example.com/mid@v1.0.0",
        "leaf": "example.com/leaf@v1.0.0", "old": "example.com/old@v1.0.0",
    }


def run(app: Path, env: dict[str, str], *args: str) -> tuple[int, dict[str, object], str]:
    p = subprocess.run([sys.executable, "-m", "gozt_lint", *args], cwd=app, env=env, capture_output=True, text=True, timeout=600)
    try:
        doc = json.loads(p.stdout) if p.stdout.strip().startswith("{") else {}
    except ValueError:
        doc = {}
    return p.returncode, doc, p.stderr


@pytest.mark.parametrize("damaged", [False, True])
def test_every_mode_leaves_the_caches_as_they_were(goenv: gotool.GoEnvDirs, world: Path, tmp_path: Path, damaged: bool) -> None:
    from gozt_lint.lsp.check import Request
    from gozt_lint.lsp.worker import Job

    if damaged:
        faults(goenv)
    env = {**goenv.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), goenv.environ["PATH"]])}
    before = (state(goenv.gomodcache), state(goenv.gocache))
    rc, doc, err = run(world, env, "--all", "--format", "json")
    assert rc in (0, 1), err
    assert (state(goenv.gomodcache), state(goenv.gocache)) == before
    rc, _, err = run(world, env, "snapshot", "--cache", "--output", str(tmp_path / "snap.json"))
    assert rc == 0, err
    rc, _, err = run(world, env, "--all", "--snapshot", str(tmp_path / "snap.json"), "--format", "json")
    assert rc in (0, 1), err
    assert (state(goenv.gomodcache), state(goenv.gocache)) == before
    req = Request(cwd=str(world), paths=[str(world / "go.mod"), str(world / "go.sum")],
                  families=["modcache", "buildcache", "sumdb", "toolchain", "history", "gosum-missing"])
    out = Job(req).run(timeout=600)
    assert out is not None and out.rules_run and not out.errors, out
    assert (state(goenv.gomodcache), state(goenv.gocache)) == before
    findings = doc["findings"]  # type: ignore[index]
    if not damaged:
        assert [f for f in findings if f["rule"].startswith(("modcache", "gosum"))] == [], findings  # type: ignore[index]
        return
    by_version: dict[str, set[str]] = {}
    for f in findings:  # type: ignore[union-attr]
        key = f"{f.get('module')}@{f.get('version')}"
        by_version.setdefault(key, set()).add(f["rule"])
    assert "modcache-incomplete" in by_version.get("example.com/dep@v1.0.0", set()), by_version
    assert by_version.get("example.com/mid@v1.0.0"), by_version  # the .tmp leftover
    assert by_version.get("example.com/old@v1.0.0"), by_version  # a tree without its zip
    # A zip not extracted yet is how `go mod download` leaves modules no build used: no
    # finding, but it is verified from the zip (and the graph reads its packages there).
    assert not by_version.get("example.com/leaf@v1.0.0"), by_version
