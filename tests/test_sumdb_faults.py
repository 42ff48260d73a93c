"""The sumdb rules against a real checksum database and the real go command.

A server built from the toolchain's own x/mod serves records for modules in a
file:// proxy; the real go downloads through it, so the go command's own
``cache/download/sumdb/...`` and ``GOPATH/pkg/sumdb/<name>/latest`` are real. A clean
world verifies with no finding; each injected fault fires its rule, and where the
go command itself notices the fault, it is the oracle for what is wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding
from tests import gotool, sumdbtool

pytestmark = pytest.mark.slow

M = "example.com/m"
UPPER = "example.com/Upper/Mod"
THIRD = "example.com/third"

MODULES = {
    (M, "v1.0.0"): {
        "LICENSE": "MIT-ish test license\n",
        "go.mod": "module example.com/m\n\ngo 1.21\n",
        "m.go": 'package m\n\n// Hello returns a greeting.\nfunc Hello() string { return "hello" }\n',
        "sub/sub.go": "package sub\n\nconst X = 1\n",
    },
    (UPPER, "v1.0.0-RC1"): {"go.mod": "module example.com/Upper/Mod\n\ngo 1.22\n", "sub/a.go": "package sub\n"},
    (THIRD, "v1.0.0"): {"go.mod": "module example.com/third\n", "t.go": "package third\n"},
}
APP_CODE = 'package main\n\nimport (\n\t_ "example.com/m"\n\t_ "example.com/Upper/Mod/sub"\n)\n\nfunc main() {}\n'


@dataclass
class World:
    root: Path
    env: gotool.GoEnvDirs
    proxy: Path
    server: sumdbtool.Server

    @property
    def app(self) -> Path:
        return self.root / "app"

    @property
    def gosum(self) -> Path:
        return self.app / "go.sum"

    @property
    def go_sumdb(self) -> Path:
        return self.env.gomodcache / "cache" / "download" / "sumdb" / sumdbtool.TEST_NAME

    @property
    def latest(self) -> Path:
        return self.env.gopath / "pkg" / "sumdb" / sumdbtool.TEST_NAME / "latest"

    @property
    def own(self) -> Path:
        return Path(self.env.environ["XDG_CACHE_HOME"]) / "gozt-lint" / "sumdb" / sumdbtool.TEST_NAME

    def lookup_file(self, path: str, version: str) -> Path:
        return self.go_sumdb / "lookup" / f"{gotool.escape(path)}@{gotool.escape(version)}"

    def environ(self, server: sumdbtool.Server | None = None, **extra: str) -> dict[str, str]:
        return sumdbtool.go_env_for(self.env, server or self.server, self.proxy, **extra)

    def go(self, *args: str, server: sumdbtool.Server | None = None, check: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
        p = subprocess.run([gotool.find_go(), *args], cwd=self.app, env=self.environ(server, **extra), capture_output=True, text=True, timeout=300)
        if check and p.returncode != 0:
            raise AssertionError(f"go {' '.join(args)}: {p.stderr}")
        return p

    def lint(self, *, online: bool = False, server: sumdbtool.Server | None = None, **extra: str) -> engine.Result:
        ctx = Context(cwd=self.app, environ=self.environ(server, **extra), options=Options(select=["sumdb"], online=online))
        return engine.run(ctx)


def by_rule(result: engine.Result) -> dict[str, list[Finding]]:
    assert not result.internal_errors, result.internal_errors
    out: dict[str, list[Finding]] = {}
    for f in result.findings:
        out.setdefault(f.rule, []).append(f)
    return out


def unverified(found: dict[str, list[Finding]]) -> list[tuple[str, str]]:
    """(module, status) of every go.sum line the sumdb-unverified findings name:
    one summary per go.sum, plus the lines reported one by one."""
    out = []
    for f in found.get("sumdb-unverified", []):
        if "unverified" in f.data:
            assert f.module is None and f.data["count"] == len(f.data["unverified"])
            out += [(u["module"], u["status"]) for u in f.data["unverified"]]
        else:
            out.append((f.module, f.data["status"]))
    return out


def make_world(root: Path, binary: Path, preload: list[str] | None = None) -> World:
    proxy = root / "proxy"
    for (path, version), files in MODULES.items():
        gotool.add_module(proxy, path, version, files, dir_entries=path == UPPER)
    server = sumdbtool.Server(binary, proxy, root / "server", preload=preload).start()
    env = gotool.hermetic_env(root / "goenv")
    w = World(root, env, proxy, server)
    gotool.write_module(w.app, "example.com/app", requires={M: "v1.0.0", UPPER: "v1.0.0-RC1"}, code=APP_CODE)
    w.go("mod", "tidy")
    return w


@pytest.fixture(scope="module")
def pristine(sumdb_server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = make_world(tmp_path_factory.mktemp("pristine"), sumdb_server_binary, preload=[f"{M}@v1.0.0", f"{UPPER}@v1.0.0-RC1"])
    yield w
    w.server.stop()
    w.env.cleanup()


@pytest.fixture
def world(pristine: World, tmp_path: Path) -> Iterator[World]:
    """A private copy of the pristine world (same server, which nothing here changes)."""
    root = tmp_path / "w"
    shutil.copytree(pristine.root, root, symlinks=True, ignore=shutil.ignore_patterns("server"))
    env = gotool.hermetic_env(root / "goenv")
    w = World(root, env, root / "proxy", pristine.server)
    yield w
    gotool.make_writable(root)


def _writable(path: Path) -> None:
    path.chmod(path.stat().st_mode | stat.S_IWUSR)
    path.parent.chmod(path.parent.stat().st_mode | stat.S_IWUSR)


# -- a clean world ---------------------------------------------------------------------


def test_pristine_world_is_what_the_reference_describes(pristine: World) -> None:
    # Records preloaded in the order (m, Upper): the reference's tree of size 2.
    assert pristine.latest.read_bytes().startswith(b"go.sum database tree\n2\nMB3ZZ+WKwzTwlzdJCy8qJ7ObyLXSBfrmg6uheeYg0vM=\n")
    assert (pristine.go_sumdb / "tile" / "8" / "0" / "000.p" / "2").stat().st_size == 64
    assert pristine.lookup_file(UPPER, "v1.0.0-RC1").read_bytes().startswith(b"1\nexample.com/Upper/Mod v1.0.0-RC1 h1:W1l/")


@pytest.mark.rule("sumdb-bad-signature", "sumdb-excluded", "sumdb-fork", "sumdb-mismatch", "sumdb-unverified", clean=True)
def test_clean_world_has_no_findings_and_makes_no_request(world: World) -> None:
    before = len(world.server.requests())
    result = world.lint()
    assert by_rule(result) == {}
    assert any("go.sum lines: 4 verified, 0 unverified" in n and "cached versions: 2 verified" in n for n in result.notes)
    assert len(world.server.requests()) == before, "offline mode must not touch the network"
    # What gozt-lint remembered is the go command's head, owner-only.
    assert (world.own / "latest").read_bytes() == world.latest.read_bytes()
    for dirpath, dirnames, filenames in os.walk(world.own.parent.parent):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o700
        for fn in filenames:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, fn)).st_mode) == 0o600


def test_cli_json_exit_status_clean(world: World) -> None:
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--select", "sumdb", "--format", "json"],
        cwd=world.app, env=world.environ(), capture_output=True, text=True, timeout=300,
    )
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout)["findings"] == []


# -- go.sum and the module cache ------------------------------------------------------------


@pytest.mark.rule("sumdb-mismatch", fires=True)
def test_changed_gosum_line_is_a_mismatch(world: World) -> None:
    text = world.gosum.read_text()
    good = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4="
    bad = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v5="
    world.gosum.write_text(text.replace(good, bad))
    # The go command agrees the line is wrong.
    p = world.go("mod", "verify", check=False)
    p2 = world.go("build", "./...", check=False)
    assert p2.returncode != 0 and "checksum mismatch" in p2.stderr, p.stderr + p2.stderr
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-mismatch"}
    (f,) = found["sumdb-mismatch"]
    lineno = next(i for i, ln in enumerate(world.gosum.read_text().splitlines(), 1) if bad in ln)
    assert (f.file, f.line, f.module, f.version) == (str(world.gosum), lineno, M, "v1.0.0")
    assert good in f.message and bad in f.message
    assert f.data["expected"] == [good]
    assert "fix" not in f.data, "with one line there is nothing to choose between"


def test_database_decides_between_conflicting_lines(world: World) -> None:
    text = world.gosum.read_text()
    wrong = "example.com/m v1.0.0/go.mod h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW1=\n"
    world.gosum.write_text(text + wrong)
    found = by_rule(world.lint())
    (f,) = found["sumdb-mismatch"]
    n = len(text.splitlines()) + 1
    assert f.line == n
    assert f.data["fix"] == {"kind": "remove-line", "file": str(world.gosum), "line": n}


def test_changed_ziphash_and_mod_in_the_cache(world: World) -> None:
    v = world.env.gomodcache / "cache" / "download" / "example.com" / "m" / "@v"
    zh = v / "v1.0.0.ziphash"
    _writable(zh)
    zh.write_text("h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    mod = v / "v1.0.0.mod"
    _writable(mod)
    mod.write_text("module example.com/m\n\ngo 1.22\n")
    # The go command trusts the .ziphash (never rehashing the zip) and rejects the .mod.
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-mismatch"}
    files = {f.file: f for f in found["sumdb-mismatch"]}
    assert set(files) == {str(zh), str(mod)}
    for f in files.values():
        assert (f.module, f.version) == (M, "v1.0.0")
        assert f.data["fix"] == {"kind": "quarantine", "module": M, "version": "v1.0.0"}
    assert "h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=" in files[str(mod)].message


# -- the database's own state ---------------------------------------------------------------


@pytest.mark.rule("sumdb-bad-signature", "sumdb-unverified", fires=True)
def test_changed_lookup_record(world: World) -> None:
    lf = world.lookup_file(M, "v1.0.0")
    _writable(lf)
    data = lf.read_bytes()
    lf.write_bytes(data.replace(b"h1:MyEV72q", b"h1:MyEV72Q"))
    # The go command, asked to look the module up again, refuses the record.
    saved = world.gosum.read_bytes()
    world.gosum.unlink()
    p = world.go("mod", "tidy", check=False)
    assert p.returncode != 0 and "cannot authenticate record data" in p.stderr, p.stderr
    world.gosum.write_bytes(saved)
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-bad-signature", "sumdb-unverified"}
    (f,) = found["sumdb-bad-signature"]
    assert f.file == str(lf) and f.module == M
    assert "cannot authenticate record data" in f.message


def test_changed_lookup_record_leaves_gosum_lines_unverified(world: World) -> None:
    lf = world.lookup_file(M, "v1.0.0")
    _writable(lf)
    lf.write_bytes(lf.read_bytes().replace(b"h1:MyEV72q", b"h1:MyEV72Q"))
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-bad-signature", "sumdb-unverified"}
    (f,) = found["sumdb-unverified"]  # one summary for the go.sum
    assert f.file == str(world.gosum) and f.line is not None
    assert unverified(found) == [(M, "rejected"), (M, "rejected")]  # the zip line and the go.mod line
    assert f.message.startswith("2 of 4 go.sum lines not verified against sumdb.test (2 with a cached record that failed verification")


def test_record_id_beyond_the_tree(world: World) -> None:
    lf = world.lookup_file(UPPER, "v1.0.0-RC1")
    _writable(lf)
    data = lf.read_bytes()
    assert data.startswith(b"1\n")
    lf.write_bytes(b"7\n" + data[2:])
    saved = world.gosum.read_bytes()
    world.gosum.unlink()
    p = world.go("mod", "tidy", check=False)
    assert p.returncode != 0 and "cannot validate record 7 in tree of size 2" in p.stderr, p.stderr
    world.gosum.write_bytes(saved)
    found = by_rule(world.lint())
    (f,) = found["sumdb-bad-signature"]
    assert f.file == str(lf) and "record id 7 is beyond the size 2" in f.message
    assert [m for m, _ in unverified(found)] == [UPPER, UPPER]


@pytest.mark.parametrize("how", ["flip", "truncate"])
def test_damaged_tile(world: World, how: str) -> None:
    tile = world.go_sumdb / "tile" / "8" / "0" / "000.p" / "2"
    _writable(tile)
    data = bytearray(tile.read_bytes())
    if how == "flip":
        data[40] ^= 1
    else:
        del data[40:]
    tile.write_bytes(bytes(data))
    saved = world.gosum.read_bytes()
    world.gosum.unlink()
    p = world.go("mod", "tidy", check=False)
    assert p.returncode != 0, p.stderr
    assert ("downloaded inconsistent tile" if how == "flip" else "bad result slice") in p.stderr, p.stderr
    world.gosum.write_bytes(saved)
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-bad-signature", "sumdb-unverified"}
    (f,) = found["sumdb-bad-signature"]
    assert f.file == str(tile)
    assert ("does not hash to the signed root" if how == "flip" else "has 40 bytes, want 64") in f.message
    # Nothing else proves the records offline: one finding for the file says so,
    # with the command that fixes it.
    (f,) = found["sumdb-unverified"]
    assert len(unverified(found)) == 4 and f.data["count"] == 4 and f.data["total"] == 4
    assert "`gozt-lint --all --select sumdb --online`" in f.message


def test_latest_signed_with_another_key(world: World, sumdb_server_binary: Path) -> None:
    skey, vkey = sumdbtool.generate_key(sumdb_server_binary, sumdbtool.TEST_NAME)
    other = sumdbtool.Server(
        sumdb_server_binary, world.proxy, world.root / "other", skey=skey, vkey=vkey, preload=[f"{M}@v1.0.0", f"{UPPER}@v1.0.0-RC1"]
    ).start()
    try:
        # The impostor's head: same name, same records, another key.
        import urllib.request

        with urllib.request.urlopen(other.url + "/latest", timeout=30) as r:
            impostor = r.read()
    finally:
        other.stop()
    assert impostor.split(b"\n\n")[0] == world.latest.read_bytes().split(b"\n\n")[0]
    _writable(world.latest)
    world.latest.write_bytes(impostor)
    world.gosum.unlink()
    p = world.go("mod", "tidy", check=False)
    assert p.returncode != 0 and "no verifiable signatures" in p.stderr, p.stderr
    world.gosum.write_bytes(b"")
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-bad-signature"}
    (f,) = found["sumdb-bad-signature"]
    assert f.file == str(world.latest) and "no verifiable signatures" in f.message


# -- forks ------------------------------------------------------------------------------------


def _forked_server(world: World, binary: Path) -> sumdbtool.Server:
    """The same key, another history: the reference's fork (Upper, third, m)."""
    return sumdbtool.Server(
        binary, world.proxy, world.root / "forked", preload=[f"{UPPER}@v1.0.0-RC1", f"{THIRD}@v1.0.0", f"{M}@v1.0.0"]
    ).start()


def _security_error(text: str) -> str:
    i = text.index("SECURITY ERROR")
    return text[i:].rstrip("\n")


@pytest.mark.rule("sumdb-fork", fires=True)
def test_fork_seen_online_matches_the_go_command(world: World, sumdb_server_binary: Path) -> None:
    forked = _forked_server(world, sumdb_server_binary)
    try:
        found = by_rule(world.lint(online=True, server=forked))
        # The go command, meeting the same server, prints its proof of misbehaviour.
        p = world.go("get", f"{THIRD}@v1.0.0", server=forked, check=False)
    finally:
        forked.stop()
    assert p.returncode != 0
    go_report = _security_error(p.stderr)
    (f,) = found["sumdb-fork"]
    ours = _security_error(f.message)
    assert ours == go_report
    assert f.data["proof"] == ["L6/GXVmt+/k1Z+3BpbV9upVDeThBDr4Ia2QXa+uQB6s="]
    assert "\n\tuOPhZKqgDJ2UQFWUEKXkl1kxchfQUF9XWtdjv0hOCbE=\n" in ours
    assert (f.data["old_size"], f.data["new_size"]) == (2, 3)


def test_fork_across_runs_is_caught_offline(world: World, sumdb_server_binary: Path) -> None:
    # Run 1 remembers the honest head.
    assert by_rule(world.lint()) == {}
    remembered = (world.own / "latest").read_bytes()
    # The go command's state is wiped and rebuilt from a forked server: the go command
    # itself has nothing left to compare with and accepts it.
    gotool.make_writable(world.go_sumdb)
    shutil.rmtree(world.go_sumdb)
    world.latest.unlink()
    forked = _forked_server(world, sumdb_server_binary)
    try:
        world.gosum.unlink()
        world.go("mod", "tidy", server=forked)
        found = by_rule(world.lint(server=forked))
    finally:
        forked.stop()
    assert b"\n3\n" in world.latest.read_bytes()
    (f,) = found["sumdb-fork"]
    assert "old database:\n\t" + remembered.decode().replace("\n", "\n\t") in f.message
    assert f.data["proof"] == ["L6/GXVmt+/k1Z+3BpbV9upVDeThBDr4Ia2QXa+uQB6s="]
    assert f.file == str(world.latest)
    assert (world.own / "latest").read_bytes() == remembered, "a fork must not move what we remember"


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.rule("sumdb-excluded", fires=True)
def test_gonosumdb_lines_are_excluded(world: World) -> None:
    found = by_rule(world.lint(GONOSUMDB="example.com/Upper"))
    assert set(found) == {"sumdb-excluded"}
    assert {(f.module, f.data["pattern"]) for f in found["sumdb-excluded"]} == {(UPPER, "example.com/Upper")}
    assert len(found["sumdb-excluded"]) == 2


def test_goprivate_excludes_and_policy_private_modules_are_quiet(world: World) -> None:
    found = by_rule(world.lint(GOPRIVATE="example.com/m"))
    assert [f.module for f in found["sumdb-excluded"]] == [M, M]
    assert "GOPRIVATE" in found["sumdb-excluded"][0].message
    from gozt_lint.config import Config

    ctx = Context(cwd=world.app, environ=world.environ(GOPRIVATE="example.com/m"), options=Options(select=["sumdb"]),
                  config=Config(private_modules=["example.com/m"]))
    result = engine.run(ctx)
    assert by_rule(result) == {}
    assert any("2 excluded" in n for n in result.notes)


def test_gosumdb_off_checks_nothing(world: World) -> None:
    world.gosum.write_text(world.gosum.read_text().replace("h1:My", "h1:Xy"))
    result = world.lint(GOSUMDB="off")
    assert by_rule(result) == {}
    assert any("GOSUMDB=off" in n for n in result.notes)


def test_remembered_head_moves_forward_only_when_proven(world: World, sumdb_server_binary: Path) -> None:
    assert by_rule(world.lint()) == {}
    assert b"\n2\n" in (world.own / "latest").read_bytes()
    # The same database (same records, same key) grows by one record as the go command adds a module.
    grown = sumdbtool.Server(
        sumdb_server_binary, world.proxy, world.root / "grown", preload=[f"{M}@v1.0.0", f"{UPPER}@v1.0.0-RC1"]
    ).start()
    try:
        world.go("get", f"{THIRD}@v1.0.0", server=grown)
    finally:
        grown.stop()
    assert b"\n3\n" in world.latest.read_bytes()
    result = world.lint(server=grown)
    assert by_rule(result) == {}
    assert (world.own / "latest").read_bytes() == world.latest.read_bytes()
    # Without the tiles that prove the step (neither the go command's nor the copy we
    # kept of those that make the root), what we remember stays put.
    gotool.make_writable(world.go_sumdb)
    for t in [*(world.go_sumdb / "tile").rglob("*"), *(world.own / "tile").rglob("*")]:
        if t.is_file() and t.name == "3":
            t.unlink()
    saved = world.own / "latest"
    two = next(p for p in world.go_sumdb.joinpath("lookup").rglob("*") if p.is_file() and b"\n2\n" in p.read_bytes())
    saved.write_bytes(two.read_bytes().split(b"\n\n", 1)[1])
    result = world.lint(server=grown)
    assert (world.own / "latest").read_bytes() == two.read_bytes().split(b"\n\n", 1)[1]
    assert any("could not prove tree 3 extends the remembered tree 2" in n for n in result.notes), result.notes


def test_copies_of_a_gosum_each_get_their_own_findings(world: World) -> None:
    # The lines of identical go.sum copies are decided once; each copy still gets its
    # findings, for its own file, and a copy that differs is decided on its own.
    text = world.gosum.read_text()
    good = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4="
    bad = "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v5="
    world.gosum.write_text(text.replace(good, bad))
    copies = []
    for name in ("b", "c"):
        d = world.app / name
        d.mkdir()
        (d / "go.mod").write_text((world.app / "go.mod").read_text().replace("example.com/app", f"example.com/app/{name}"))
        copies.append(d / "go.sum")
    copies[0].write_text(world.gosum.read_text())
    copies[1].write_text(text)  # this one is right
    ctx = Context(cwd=world.app, environ=world.environ(),
                  options=Options(select=["sumdb"], paths=[str(world.app), *(str(c.parent) for c in copies)]))
    found = by_rule(engine.run(ctx))
    assert set(found) == {"sumdb-mismatch"}
    assert sorted(f.file for f in found["sumdb-mismatch"]) == sorted([str(world.gosum), str(copies[0])])
    lineno = next(i for i, ln in enumerate(text.replace(good, bad).splitlines(), 1) if bad in ln)
    assert {(f.line, f.module) for f in found["sumdb-mismatch"]} == {(lineno, M)}
    # A new run sees the fixed copy as fixed.
    copies[0].write_text(text)
    found = by_rule(engine.run(Context(cwd=world.app, environ=world.environ(),
                                       options=Options(select=["sumdb"], paths=[str(world.app), *(str(c.parent) for c in copies)]))))
    assert [f.file for f in found["sumdb-mismatch"]] == [str(world.gosum)]
