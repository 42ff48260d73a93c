"""go.sum against the module cache: the disagreement is reported neutrally, and the
checksum database names the wrong side when its record is available (offline from
the go command's cached lookups and tiles, or fetched with --online). Only a cache
proven wrong is offered for quarantine.

The world: a checksum database built from the toolchain's x/mod (tests/sumdbtool.py)
and a file:// proxy; the real go command fills go.sum, the module cache and its
checksum-database cache through them.
"""

from __future__ import annotations

import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import dirhash, engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from tests import gotool, sumdbtool

pytestmark = pytest.mark.slow

M, V = "example.com/m", "v1.0.0"
FILES = {
    "go.mod": "module example.com/m\n\ngo 1.21\n",
    "m.go": 'package m\n\n// Hello returns a greeting.\nfunc Hello() string { return "hello" }\n',
}
CODE = 'package main\n\nimport "example.com/m"\n\nfunc main() { println(m.Hello()) }\n'
OTHER = "h1:" + "B" * 43 + "="


@dataclass
class World:
    root: Path
    env: gotool.GoEnvDirs
    server: sumdbtool.Server

    @property
    def app(self) -> Path:
        return self.root / "app"

    @property
    def gosum(self) -> Path:
        return self.app / "go.sum"

    def dl(self, ext: str) -> Path:
        return self.env.gomodcache / "cache" / "download" / "example.com" / "m" / "@v" / f"{V}.{ext}"

    @property
    def ext(self) -> Path:
        return self.env.gomodcache / f"{M}@{V}"

    def environ(self) -> dict[str, str]:
        return sumdbtool.go_env_for(self.env, self.server, self.root / "proxy", GOPROXY="off", GOFLAGS="")

    def go_mod_verify(self) -> str:
        """"detects" or "misses": does `go mod verify` name example.com/m? (The
        column of docs/modcache.md's table.)"""
        env = {**self.environ(), "GOFLAGS": "-mod=mod"}
        p = gotool.GoEnvDirs(self.root, env).go("mod", "verify", cwd=self.app, check=False, timeout=60)
        out = p.stdout + p.stderr
        return "detects" if f"{M} " in out or f"{M}@" in out else "misses"

    def lint(self, online: bool = False) -> dict[str, list[Finding]]:
        ctx = Context(cwd=self.app, environ=self.environ(), options=Options(select=["modcache"], memo=False, jobs=1, online=online))
        res = engine.run(ctx)
        assert not res.internal_errors, res.internal_errors
        out: dict[str, list[Finding]] = {}
        for f in res.findings:
            out.setdefault(f.rule, []).append(f)
        return out


@pytest.fixture(scope="module")
def pristine(sumdb_server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("blame")
    proxy = root / "proxy"
    gotool.add_module(proxy, M, V, FILES)
    server = sumdbtool.Server(sumdb_server_binary, proxy, root / "server").start()
    env = gotool.hermetic_env(root / "goenv")
    w = World(root, env, server)
    gotool.write_module(w.app, "example.com/app", requires={M: V}, code=CODE)
    gotool.GoEnvDirs(root, sumdbtool.go_env_for(env, server, proxy)).go("mod", "tidy", cwd=w.app)
    yield w
    server.stop()
    env.cleanup()


@pytest.fixture
def world(pristine: World, tmp_path: Path) -> Iterator[World]:
    root = tmp_path / "w"
    shutil.copytree(pristine.root, root, symlinks=True, ignore=shutil.ignore_patterns("server"))
    w = World(root, gotool.hermetic_env(root / "goenv"), pristine.server)
    yield w
    gotool.make_writable(root)


def _writable(p: Path) -> None:
    for q in (p.parent, p):
        q.chmod(q.stat().st_mode | stat.S_IWUSR)


def _edit_gosum(w: World, gomod: bool, new: str = OTHER) -> str:
    """Replace go.sum's zip (or /go.mod) hash of m; returns the old hash."""
    lines = w.gosum.read_text().splitlines()
    key = f"{M} {V}/go.mod " if gomod else f"{M} {V} "
    old = next(ln for ln in lines if ln.startswith(key)).split()[2]
    w.gosum.write_text("".join((f"{key}{new}" if ln.startswith(key) else ln) + "\n" for ln in lines))
    return old


def _rewrite_zip(w: World) -> str:
    """Another m.go in the zip, the .ziphash made to agree (a consistent rewrite)."""
    data = gotool.make_zip(M, V, {**FILES, "m.go": 'package m\n\nfunc Hello() string { return "pwned" }\n'})
    for ext in ("zip", "ziphash"):
        _writable(w.dl(ext))
    w.dl("zip").write_bytes(data)
    h1 = dirhash.hash_zip(w.dl("zip")).h1
    assert h1
    w.dl("ziphash").write_text(h1)
    return h1


@pytest.mark.rule("gosum-cache-mismatch", "modcache-mod-tampered", clean=True)
def test_clean_world_has_no_finding(world: World) -> None:
    assert world.lint() == {}
    assert world.go_mod_verify() == "misses"


@pytest.mark.rule("gosum-cache-mismatch", fires=True)
@pytest.mark.parametrize("gomod", [False, True], ids=["zip-line", "gomod-line"])
def test_a_wrong_gosum_line_is_blamed_on_go_sum(world: World, gomod: bool) -> None:
    good = _edit_gosum(world, gomod)
    found = world.lint()
    assert set(found) == {"gosum-cache-mismatch"}, found
    (f,) = found["gosum-cache-mismatch"]
    assert f.file == str(world.gosum) and f.data["verdict"] == "go.sum"
    assert "this go.sum line is wrong: sumdb.test (record #" in f.message and f"records {good} like the cache" in f.message
    assert "fix" not in f.data, "a genuine cache entry is never offered for quarantine"
    assert world.go_mod_verify() == ("detects" if gomod else "misses")


@pytest.mark.rule("modcache-mod-tampered", fires=True)
def test_a_tampered_mod_is_blamed_on_the_cache(world: World) -> None:
    _writable(world.dl("mod"))
    world.dl("mod").write_text("module example.com/m\n\ngo 1.21\n\nrequire example.com/evil v1.0.0\n")
    found = world.lint()
    assert set(found) == {"modcache-mod-tampered"}, found
    (f,) = found["modcache-mod-tampered"]
    assert f.file == str(world.dl("mod"))
    assert "the cache is wrong" in f.message and f"go.sum ({world.gosum}:" in f.message and "sumdb.test (record #" in f.message
    assert f.data["fix"] == {"kind": "quarantine", "module": M, "version": V}
    assert world.go_mod_verify() == "detects"


def test_a_consistently_rewritten_zip_is_blamed_on_the_cache(world: World) -> None:
    h1 = _rewrite_zip(world)
    found = world.lint()
    # The tree is what the database records: only the zip and its .ziphash are wrong.
    assert set(found) == {"modcache-zip-tampered"}, found
    (f,) = found["modcache-zip-tampered"]
    assert f.file == str(world.dl("ziphash")) and f"the cached .ziphash records {h1}" in f.message
    assert f.data["fix"]["kind"] == "quarantine"
    assert world.go_mod_verify() == "detects"  # (the extracted dir no longer matches)


def test_both_sides_wrong(world: World) -> None:
    _rewrite_zip(world)
    _edit_gosum(world, gomod=False)
    found = world.lint()
    assert set(found) == {"gosum-cache-mismatch", "modcache-zip-tampered"}, found
    (g,) = found["gosum-cache-mismatch"]
    assert g.data["verdict"] == "both" and "both are wrong" in g.message and "fix" not in g.data
    assert world.go_mod_verify() == "detects"


def test_unusable_ziphash_the_zip_is_cited(world: World) -> None:
    """A truncated .ziphash is an error of its own; the dispute then cites the hash
    computed from the zip, and names the zip as where it comes from."""
    _writable(world.dl("ziphash"))
    world.dl("ziphash").write_text("h1:trunc")
    _edit_gosum(world, gomod=False)
    found = world.lint()
    assert set(found) == {"modcache-ziphash-invalid", "gosum-cache-mismatch"}, found
    assert found["modcache-ziphash-invalid"][0].severity.value == "error"
    (g,) = found["gosum-cache-mismatch"]
    assert "the cached .zip hashes to" in g.message and f"({world.dl('zip')})" in g.message
    assert ".ziphash" not in g.message


def test_without_a_record_it_is_undecided_until_online(world: World) -> None:
    _writable(world.dl("mod"))
    world.dl("mod").write_text("module example.com/m\n\ngo 1.21\n\nrequire example.com/evil v1.0.0\n")
    lookups = world.env.gomodcache / "cache" / "download" / "sumdb" / sumdbtool.TEST_NAME / "lookup"
    gotool.make_writable(lookups)
    shutil.rmtree(lookups)
    before = len(world.server.requests())
    found = world.lint()
    assert set(found) == {"gosum-cache-mismatch"}, found
    (f,) = found["gosum-cache-mismatch"]
    assert f.data["verdict"] == "undecided" and "fix" not in f.data
    assert "which is wrong is not known: no sumdb.test record of it is cached; run with --online to decide" in f.message
    assert len(world.server.requests()) == before, "offline: no request"
    found = world.lint(online=True)
    assert set(found) == {"modcache-mod-tampered"}, found
    assert found["modcache-mod-tampered"][0].data["fix"]["kind"] == "quarantine"


def test_gonosumdb_keeps_it_undecided(world: World) -> None:
    _edit_gosum(world, gomod=True)
    ctx = Context(cwd=world.app, environ={**world.environ(), "GONOSUMDB": "example.com"}, options=Options(select=["modcache"], memo=False, jobs=1))
    res = engine.run(ctx)
    (f,) = [f for f in res.findings if f.rule == "gosum-cache-mismatch"]
    assert f.data["verdict"] == "undecided" and "GONOSUMDB/GOPRIVATE pattern 'example.com'" in f.message
