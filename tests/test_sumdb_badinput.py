"""Garbage where the checksum-database state should be: findings or silence, never a
traceback, never a hang; plus the hover API and workspaces."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint.context import Context, Options
from gozt_lint.sumdb.check import record_status
from tests import gotool
from tests.test_sumdb_faults import M, UPPER, World, _writable, by_rule, pristine, unverified, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def _replace_with(path: Path, data: bytes | None = None, *, directory: bool = False, fifo: bool = False) -> None:
    _writable(path)
    path.unlink()
    if directory:
        path.mkdir()
        (path / "x").write_bytes(b"0\n")
    elif fifo:
        os.mkfifo(path)
    else:
        assert data is not None
        path.write_bytes(data)


@pytest.mark.parametrize(
    "content, gist",
    [
        (os.urandom(300) + b"\n\n\xff", "malformed record data"),
        (b"", None),  # the go command's own half-written file: treated as absent
        (b"0\n" + b"x" * (2 << 20), "malformed record data"),
        (b"0\nexample.com/m v1.0.0 h1:x\n\nnot a note\n", "does not verify"),
        (b"-1\nexample.com/m v1.0.0 h1:x\n\n", "does not verify"),
    ],
)
def test_garbage_lookup_files(world: World, content: bytes, gist: str | None) -> None:
    lf = world.lookup_file(M, "v1.0.0")
    _replace_with(lf, content)
    found = by_rule(world.lint())
    assert "sumdb-mismatch" not in found
    if gist is None:
        assert set(found) == {"sumdb-unverified"}
    else:
        (f,) = found["sumdb-bad-signature"]
        assert f.file == str(lf) and gist in f.message, f.message
    assert [m for m, _ in unverified(found)] == [M, M]
    assert len(found["sumdb-unverified"]) == 1


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_lookup_that_is_not_a_file(world: World, kind: str) -> None:
    lf = world.lookup_file(M, "v1.0.0")
    _replace_with(lf, directory=kind == "directory", fifo=kind == "fifo")
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--select", "sumdb"], cwd=world.app, env=world.environ(), capture_output=True, text=True, timeout=120
    )
    assert "Traceback" not in p.stderr
    assert p.returncode == 0, p.stdout + p.stderr  # only info findings
    assert p.stdout.count("[sumdb-unverified]") == 1
    assert "[sumdb-unverified] 2 of 4 go.sum lines not verified" in p.stdout


def test_garbage_latest_and_tiles(world: World) -> None:
    _replace_with(world.latest, b"\x00\x01garbage")
    tiles = world.go_sumdb / "tile" / "8" / "0"
    _writable(tiles / "000.p" / "2")
    (tiles / "junk").write_bytes(b"not a tile path")
    (tiles / "000.p" / "0777").write_bytes(b"x")  # not canonical: never read
    os.symlink("loop", tiles / "loop")
    found = by_rule(world.lint())
    (f,) = found["sumdb-bad-signature"]
    assert f.file == str(world.latest) and "malformed note" in f.message
    assert set(found) == {"sumdb-bad-signature"}, "records still verify against their own signed heads"


def test_latest_that_is_a_directory(world: World) -> None:
    _replace_with(world.latest, directory=True)
    assert by_rule(world.lint()) == {}


def test_symlink_loops_in_the_module_cache(world: World) -> None:
    d = world.env.gomodcache / "cache" / "download" / "example.com"
    _writable(d / "m")
    os.symlink("..", d / "m" / "up")
    os.symlink("self", d / "self")
    assert by_rule(world.lint()) == {}


def test_invalid_paths_in_gosum_are_not_looked_up(world: World) -> None:
    text = world.gosum.read_text()
    world.gosum.write_text(text + "../../etc/passwd v1.0.0 h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=\n")
    found = by_rule(world.lint())
    (f,) = found["sumdb-unverified"]
    assert "cannot be looked up" in f.message and "malformed module path" in f.message


def test_unwritable_own_cache_is_a_note(world: World, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    result = world.lint(GOZT_LINT_CACHE_DIR=str(blocker))
    assert by_rule(result) == {}
    assert any("cannot write gozt-lint's cache" in n for n in result.notes)


def test_relative_gomodcache_and_gopath(world: World) -> None:
    result = world.lint(GOMODCACHE="rel/mod", GOPATH="rel")
    found = by_rule(result)
    assert set(found) <= {"sumdb-unverified"}
    assert len(unverified(found)) == 4


# -- the hover API ------------------------------------------------------------------------------


def test_record_status(world: World) -> None:
    ctx = Context(cwd=world.app, environ=world.environ(GONOSUMDB="example.com/Upper"), options=Options(select=["sumdb"]))
    ctx.discover()
    st = record_status(ctx, M, "v1.0.0")
    assert st["verified"] is True and st["status"] == "verified"
    assert st["database"] == "sumdb.test" and st["tree_size"] == 2 and st["record_id"] == 0
    assert st["hashes"] == {"zip": ["h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4="], "go.mod": ["h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0="]}
    assert record_status(ctx, UPPER, "v1.0.0-RC1")["status"] == "excluded"
    assert record_status(ctx, "example.com/nope", "v1.0.0") == {
        "database": "sumdb.test", "verified": False, "status": "missing",
        "reason": "no sumdb.test record of example.com/nope@v1.0.0 in the cache",
    }
    off = Context(cwd=world.app, environ=world.environ(GOSUMDB="off"))
    assert record_status(off, M, "v1.0.0")["status"] == "disabled"


# -- workspaces ----------------------------------------------------------------------------------


def test_go_work_sum_lines_are_checked(world: World) -> None:
    ws = world.root / "ws"
    ws.mkdir()
    (ws / "go.work").write_text("go 1.22\n\nuse ../app\n")
    (ws / "go.work.sum").write_text("example.com/m v1.0.0/go.mod h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW1=\n")
    ctx = Context(cwd=ws, environ=world.environ(), options=Options(select=["sumdb"], paths=[str(ws / "go.work"), str(world.app)]))
    from gozt_lint import engine

    found = by_rule(engine.run(ctx))
    (f,) = found["sumdb-mismatch"]
    assert f.file == str(ws / "go.work.sum") and f.line == 1
    assert "h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=" in f.message


def test_family_runs_with_all_not_by_default(world: World) -> None:
    world.gosum.write_text(world.gosum.read_text().replace("h1:My", "h1:Xy"))
    base = [sys.executable, "-m", "gozt_lint", "--no-env", "--format", "json"]
    p = subprocess.run(base, cwd=world.app, env=world.environ(), capture_output=True, text=True, timeout=120)
    assert "sumdb-mismatch" not in p.stdout
    p = subprocess.run(base + ["--all"], cwd=world.app, env=world.environ(), capture_output=True, text=True, timeout=300)
    assert '"rule": "sumdb-mismatch"' in p.stdout, p.stdout + p.stderr
    assert p.returncode == 1


def test_gotool_escape_agrees(world: World) -> None:
    assert gotool.escape(UPPER) == "example.com/!upper/!mod"


# -- other databases' cached state -------------------------------------------------------------


def test_cached_state_of_another_trusted_database(world: World, sumdb_server_binary: Path) -> None:
    from gozt_lint import engine
    from gozt_lint.config import Config
    from tests import sumdbtool

    skey, vkey = sumdbtool.generate_key(sumdb_server_binary, "other.test")
    other = sumdbtool.Server(sumdb_server_binary, world.proxy, world.root / "other", skey=skey, vkey=vkey).start()
    try:
        saved = world.gosum.read_bytes()
        world.gosum.unlink()
        world.go("mod", "tidy", server=other)
        world.gosum.write_bytes(saved)
    finally:
        other.stop()
    cache = world.env.gomodcache / "cache" / "download" / "sumdb" / "other.test"
    lf = cache / "lookup" / "example.com" / "m@v1.0.0"
    _writable(lf)
    lf.write_bytes(lf.read_bytes().replace(b"h1:MyEV72q", b"h1:MyEV72Q"))

    result = world.lint()
    assert by_rule(result) == {}
    assert any("other.test not verified: no key" in n for n in result.notes)

    ctx = Context(cwd=world.app, environ=world.environ(), options=Options(select=["sumdb"]), config=Config(trusted_sumdbs=[vkey]))
    found = by_rule(engine.run(ctx))
    (f,) = found["sumdb-bad-signature"]
    assert f.file == str(lf) and "cannot authenticate record data" in f.message
    assert set(found) == {"sumdb-bad-signature"}
