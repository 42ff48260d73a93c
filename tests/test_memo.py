"""The memo store: where it lives, who may own it, no pickles, and that a memoized
hash is never replayed over changed content."""

from __future__ import annotations

import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint import memo as M
from gozt_lint import modcache
from tests import gotool


def test_store_dir_precedence(tmp_path: Path) -> None:
    assert M.store_dir({"GOZT_LINT_CACHE_DIR": str(tmp_path / "x"), "XDG_CACHE_HOME": "/c", "HOME": "/h"}) == tmp_path / "x"
    assert M.store_dir({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == Path("/c/gozt-lint")
    assert M.store_dir({"XDG_CACHE_HOME": "relative", "HOME": "/h"}) == Path("/h/.cache/gozt-lint")
    assert M.store_dir({}) is None
    assert M.store_dir({"GOZT_LINT_CACHE_DIR": "rel"}) is None


def test_created_owner_only_and_round_trips(tmp_path: Path) -> None:
    d = tmp_path / "cache" / "gozt-lint"
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)})
    assert m.enabled
    assert os.stat(d).st_mode & 0o777 == 0o700
    m.set("k", {"h1": "x", "n": [1, 2]})
    m.set_many([("a", 1), ("b", "two")])
    assert m.get("k") == {"h1": "x", "n": [1, 2]}
    assert m.get("b") == "two" and m.get("missing") is None
    m.close()
    again = M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)})
    assert again.get("a") == 1


@pytest.mark.parametrize("mode", [0o770, 0o777, 0o722])
def test_group_or_world_writable_store_is_refused(tmp_path: Path, mode: int) -> None:
    d = tmp_path / "store"
    d.mkdir()
    os.chmod(d, mode)
    notes: list[str] = []
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)}, note=notes.append)
    assert not m.enabled
    assert notes and "group- or world-writable" in notes[0]


def test_symlinked_store_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(real)
    notes: list[str] = []
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "link")}, note=notes.append).enabled
    assert "symbolic link" in notes[0]


def test_foreign_owned_store_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the directory away")
    d = tmp_path / "theirs"
    d.mkdir(mode=0o700)
    os.chown(d, 12345, 12345)
    notes: list[str] = []
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)}, note=notes.append).enabled
    assert "owned by uid 12345" in notes[0]


def test_writable_file_inside_the_store_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "s"
    M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)}).close()
    os.chmod(d / "cache.db", 0o666)
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)}).enabled


def test_no_memo_option_disables(tmp_path: Path) -> None:
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "s")}, enabled=False).enabled
    assert not (tmp_path / "s").exists()


def test_plain_disk_refuses_pickles_on_write(tmp_path: Path) -> None:
    import diskcache

    c = diskcache.Cache(str(tmp_path / "s"), disk=M.plain_disk())
    with pytest.raises(TypeError):
        c.set("k", {"a": 1})
    with pytest.raises(TypeError):
        c.set(("tuple", "key"), "v")
    c.close()


class Boom:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {os.environ.get('BOOM_MARK', '/nonexistent/boom')}",))


def test_planted_pickle_is_refused_not_executed(tmp_path: Path) -> None:
    """CVE-2025-69872: a writer of the store plants a pickle; we must not run it."""
    d = tmp_path / "s"
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)})
    m.set("victim", {"h1": "ok"})
    m.close()
    mark = tmp_path / "pwned"
    os.environ["BOOM_MARK"] = str(mark)
    try:
        payload = pickle.dumps(Boom())
        con = sqlite3.connect(d / "cache.db")
        # mode 4 = MODE_PICKLE, value in the row.
        con.execute("UPDATE Cache SET mode = 4, value = ? WHERE key = ?", (payload, M.SCHEMA + "\0victim"))
        con.commit()
        con.close()
        m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(d)})
        assert m.get("victim") is None
        assert m.errors and "refusing to unpickle" in m.errors[0]
        assert not mark.exists()
        # The same through the unsafe default Disk would have run the payload:
        import diskcache

        c = diskcache.Cache(str(d))
        c.get(M.SCHEMA + "\0victim")
        c.close()
        assert mark.exists(), "sanity: the planted row really was a live pickle"
    finally:
        del os.environ["BOOM_MARK"]


def _make_module(d: Path) -> None:
    (d / "sub").mkdir(parents=True)
    (d / "a.go").write_text("package a\n")
    (d / "sub" / "b.go").write_text("package sub\n")


def test_memoized_dir_hash_is_not_replayed_after_a_write_that_restores_mtime(tmp_path: Path) -> None:
    top = tmp_path / "example.com" / "m@v1.0.0"
    _make_module(top)
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "memo")})
    out: dict = {"bytes": 0, "memo": []}  # type: ignore[type-arg]
    first = modcache._memo_dir(str(top), "example.com/m", "v1.0.0", "module", m, out)
    m.set_many(out["memo"])
    out2: dict = {"bytes": 0, "memo": []}  # type: ignore[type-arg]
    hit = modcache._memo_dir(str(top), "example.com/m", "v1.0.0", "module", m, out2)
    assert hit == first and out2["bytes"] == 0 and m.hits == 1  # served from the memo
    f = top / "a.go"
    st = f.stat()
    f.write_text("package b\n")  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # put the mtime back
    out3: dict = {"bytes": 0, "memo": []}  # type: ignore[type-arg]
    again = modcache._memo_dir(str(top), "example.com/m", "v1.0.0", "module", m, out3)
    assert again["h1"] != first["h1"] and out3["bytes"] > 0


def test_memoized_zip_hash_is_not_replayed_after_a_write(tmp_path: Path) -> None:
    z = tmp_path / "v1.0.0.zip"
    z.write_bytes(gotool.make_zip("example.com/m", "v1.0.0", {"go.mod": "module example.com/m\n", "a.go": "package a\n"}))
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "memo")})
    out: dict = {"bytes": 0, "memo": []}  # type: ignore[type-arg]
    first = modcache._memo_zip(str(z), "example.com/m", "v1.0.0", m, out)
    m.set_many(out["memo"])
    assert modcache._memo_zip(str(z), "example.com/m", "v1.0.0", m, {"bytes": 0, "memo": []}) == first
    st = z.stat()
    z.write_bytes(gotool.make_zip("example.com/m", "v1.0.0", {"go.mod": "module example.com/m\n", "a.go": "package b\n"}))
    os.utime(z, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert modcache._memo_zip(str(z), "example.com/m", "v1.0.0", m, {"bytes": 0, "memo": []})["h1"] != first["h1"]


def test_cli_warm_run_uses_memo_and_no_memo_rehashes(goenv: gotool.GoEnvDirs, tmp_path: Path) -> None:
    """The real CLI twice over a real cache: the second run is served from the memo."""
    proxy = tmp_path / "proxy"
    gotool.add_module(proxy, "example.com/m", "v1.0.0", {"go.mod": "module example.com/m\n", "m.go": "package m\n"})
    app = tmp_path / "app"
    gotool.write_module(app, "example.com/app", requires={"example.com/m": "v1.0.0"}, code='package main\n\nimport _ "example.com/m"\n\nfunc main() {}\n')
    goenv.go("mod", "tidy", cwd=app, env={"GOPROXY": gotool.proxy_url(proxy), "GOFLAGS": "-mod=mod"})
    env = {**goenv.environ, "GOZT_LINT_CACHE_DIR": str(tmp_path / "memo")}
    cmd = [sys.executable, "-m", "gozt_lint", "--select", "modcache", "--format", "json"]
    for extra in ([], [], ["--no-memo"]):
        p = subprocess.run(cmd + extra, cwd=app, env=env, capture_output=True, text=True)
        assert p.returncode == 0, p.stdout + p.stderr
    assert (tmp_path / "memo" / "cache.db").exists()
    import diskcache

    c = diskcache.Cache(str(tmp_path / "memo"), disk=M.plain_disk())
    keys = list(c.iterkeys())
    c.close()
    assert any("\0zip\0" in k for k in keys) and any("\0dir\0" in k for k in keys)


# -- every directory above the store, as ssh checks a key's path ---------------------------


def test_world_writable_parent_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)  # anyone could rename the store away and plant their own
    notes: list[str] = []
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(shared / "cache" / "gozt-lint")}, note=notes.append)
    assert not m.enabled
    assert f"{shared}: a directory above the memo store is group- or world-writable without the sticky bit" in notes[0]


def test_group_writable_grandparent_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    os.chmod(tmp_path / "a", 0o775)
    notes: list[str] = []
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "a" / "b" / "store")}, note=notes.append).enabled
    assert "group- or world-writable without the sticky bit (mode 0775)" in notes[0]


def test_sticky_world_writable_parent_is_fine(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    os.chmod(tmpdir, 0o1777)  # like /tmp: others can't rename what is ours
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmpdir / "mine")})
    assert m.enabled
    m.close()


def test_parent_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to give the directory away")
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o755)
    (theirs / "store").mkdir(mode=0o700)
    os.chown(theirs, 12345, 12345)
    notes: list[str] = []
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(theirs / "store")}, note=notes.append).enabled
    assert "owned by uid 12345, neither you" in notes[0]


def test_link_on_the_way_is_walked_and_checked(tmp_path: Path) -> None:
    safe = tmp_path / "safe"
    safe.mkdir()
    (tmp_path / "home").symlink_to(safe)  # like /home -> /usr/home: fine when the target is safe
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "home" / "store")})
    assert m.enabled
    m.close()
    assert (safe / "store" / "cache.db").exists()
    unsafe = tmp_path / "unsafe"
    unsafe.mkdir()
    os.chmod(unsafe, 0o777)
    (tmp_path / "home2").symlink_to(unsafe)  # ... and refused when it leads somewhere unsafe
    notes: list[str] = []
    assert not M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "home2" / "store")}, note=notes.append).enabled
    assert str(unsafe) in notes[0] or "home2" in notes[0]


def test_store_is_used_through_the_checked_directory_not_its_path(tmp_path: Path) -> None:
    """Once checked, the store is reached through its descriptor: a directory
    swapped in at the same path afterwards (the race a writable parent allows) is
    never written to, even by a connection opened later in another thread."""
    import threading

    store = tmp_path / "store"
    m = M.open_memo({"GOZT_LINT_CACHE_DIR": str(store)})
    assert m.enabled
    evil = tmp_path / "evil"
    evil.mkdir()
    os.rename(store, tmp_path / "moved")
    store.symlink_to(evil)
    t = threading.Thread(target=m.set, args=("k", "v"))
    t.start()
    t.join()
    assert m.errors == []
    m.close()
    assert os.listdir(evil) == []
    again = M.open_memo({"GOZT_LINT_CACHE_DIR": str(tmp_path / "moved")})
    assert again.get("k") == "v"
    again.close()
