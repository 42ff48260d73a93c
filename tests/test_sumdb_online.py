"""``--online``: fetching what the caches lack from the real test database (loopback only),
through GOSUMDB's URL or a proxy's /sumdb/ endpoint, and behaving when the database is
away or lies."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests import gotool, sumdbtool
from tests.test_sumdb_faults import M, UPPER, World, by_rule, make_world, unverified

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pristine(sumdb_server_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    w = make_world(tmp_path_factory.mktemp("pristine-online"), sumdb_server_binary, preload=[f"{M}@v1.0.0", f"{UPPER}@v1.0.0-RC1"])
    yield w
    w.server.stop()
    w.env.cleanup()


@pytest.fixture
def world(pristine: World, tmp_path: Path) -> Iterator[World]:
    """A copy of the pristine world with the go command's sumdb state gone: the
    go.sum lines came from somewhere else (a clone, say)."""
    root = tmp_path / "w"
    shutil.copytree(pristine.root, root, symlinks=True, ignore=shutil.ignore_patterns("server"))
    w = World(root, gotool.hermetic_env(root / "goenv"), root / "proxy", pristine.server)
    gotool.make_writable(w.go_sumdb)
    shutil.rmtree(w.go_sumdb)
    w.latest.unlink()
    yield w
    gotool.make_writable(root)


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_offline_without_records_says_unverified(world: World) -> None:
    found = by_rule(world.lint())
    assert set(found) == {"sumdb-unverified"}
    # One finding for the go.sum, not one per line, with the command that fixes it.
    (f,) = found["sumdb-unverified"]
    assert f.file == str(world.gosum) and f.line == 1
    assert f.message == (
        "4 of 4 go.sum lines not verified against sumdb.test (4 with no record cached); run "
        "`gozt-lint --all --select sumdb --online` once to fetch and verify the records (later runs verify them offline)"
    )
    assert f.data["statuses"] == {"missing": 4} and sorted(set(unverified(found))) == [(UPPER, "missing"), (M, "missing")]


def test_online_verifies_keeps_what_it_fetched_and_then_works_offline(world: World) -> None:
    before = len(world.server.requests())
    assert by_rule(world.lint(online=True)) == {}
    reqs = world.server.requests()[before:]
    assert "/latest" in reqs
    assert sorted(r for r in reqs if r.startswith("/lookup/")) == ["/lookup/example.com/!upper/!mod@v1.0.0-!r!c1", "/lookup/example.com/m@v1.0.0"]
    # Nothing went into the go command's cache.
    assert not world.go_sumdb.exists() and not world.latest.exists()
    own = world.own
    assert (own / "lookup" / "example.com" / "m@v1.0.0").is_file()
    assert (own / "latest").read_bytes().startswith(b"go.sum database tree\n2\n")
    assert list((own / "tile").rglob("*"))
    for dirpath, _, filenames in os.walk(own.parent.parent):
        assert stat.S_IMODE(os.stat(dirpath).st_mode) == 0o700
        for fn in filenames:
            assert stat.S_IMODE(os.stat(os.path.join(dirpath, fn)).st_mode) == 0o600
    # Next time, offline, from gozt-lint's cache only.
    before = len(world.server.requests())
    result = world.lint()
    assert by_rule(result) == {}
    assert len(world.server.requests()) == before
    # And a record tampered in our own cache is caught like any other.
    lf = own / "lookup" / "example.com" / "m@v1.0.0"
    lf.write_bytes(lf.read_bytes().replace(b"h1:MyEV72q", b"h1:MyEV72Q"))
    found = by_rule(world.lint())
    assert [f.file for f in found["sumdb-bad-signature"]] == [str(lf)]


def test_online_through_the_proxy_sumdb_endpoint(world: World) -> None:
    s = world.server
    before = len(s.requests())
    # GOSUMDB without a URL: the proxy is asked whether it proxies the database.
    result = world.lint(online=True, GOSUMDB=s.vkey, GOPROXY=f"{gotool.proxy_url(world.proxy)},{s.proxy_url}")
    assert by_rule(result) == {}
    reqs = s.requests()[before:]
    assert reqs[0] == "/proxy/sumdb/sumdb.test/supported"
    assert all(r.startswith("/proxy/sumdb/sumdb.test/") for r in reqs)


def test_proxy_error_after_a_pipe_falls_through(world: World) -> None:
    s = world.server
    dead = f"http://127.0.0.1:{_closed_port()}"
    result = world.lint(online=True, GOSUMDB=s.vkey, GOPROXY=f"{dead}|{s.proxy_url}")
    assert by_rule(result) == {}


def test_unreachable_database_is_a_note_and_unverified_lines(world: World) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    t0 = time.monotonic()
    result = world.lint(online=True, GOSUMDB=f"{sumdbtool.TEST_VKEY} {url}")
    elapsed = time.monotonic() - t0
    found = by_rule(result)
    assert set(found) == {"sumdb-unverified"}
    (f,) = found["sumdb-unverified"]
    assert "4 with the database unreachable" in f.message and "again when sumdb.test is reachable" in f.message
    assert any("could not fetch the latest tree head" in n for n in result.notes)
    assert elapsed < 30, "retries are bounded and the circuit breaker stops the rest"


def test_unknown_module_version_is_not_found(world: World) -> None:
    text = world.gosum.read_text()
    world.gosum.write_text(text + "example.com/m v9.9.9/go.mod h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=\n")
    found = by_rule(world.lint(online=True))
    (f,) = found["sumdb-unverified"]
    assert f.version == "v9.9.9" and "has no record" in f.message


@pytest.mark.parametrize(
    "mode, gist",
    [
        ("badrecord", "cannot authenticate record data"),
        ("badid", "record id 1000 is beyond the size 2"),
        ("badtile", "fetched tile tile/8/0/000.p/2 does not hash to the signed root"),
    ],
)
def test_lying_server(world: World, sumdb_server_binary: Path, mode: str, gist: str) -> None:
    liar = sumdbtool.Server(
        sumdb_server_binary, world.proxy, world.root / "liar", preload=[f"{M}@v1.0.0", f"{UPPER}@v1.0.0-RC1"], mode=mode
    ).start()
    try:
        found = by_rule(world.lint(online=True, server=liar))
    finally:
        liar.stop()
    assert "sumdb-bad-signature" in found
    assert any(gist in f.message for f in found["sumdb-bad-signature"]), [f.message for f in found["sumdb-bad-signature"]]
    assert "sumdb-mismatch" not in found
    assert len(unverified(found)) == 4 and len(found["sumdb-unverified"]) == 1
    # Nothing unverified was kept.
    assert not (world.own / "lookup").exists()
    assert not (world.own / "tile").exists() or mode != "badtile"


def test_online_through_a_file_proxy_that_mirrors_the_database(world: World) -> None:
    import urllib.request

    s = world.server
    mirror = world.root / "mirror"
    base = mirror / "sumdb" / sumdbtool.TEST_NAME
    for path in ("/latest", "/lookup/example.com/m@v1.0.0", "/lookup/example.com/!upper/!mod@v1.0.0-!r!c1", "/tile/8/0/000.p/2"):
        with urllib.request.urlopen(s.url + path, timeout=30) as r:
            dst = base / path.lstrip("/")
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(r.read())
    (base / "supported").write_text("")
    before = len(s.requests())
    result = world.lint(online=True, GOSUMDB=s.vkey, GOPROXY=f"{gotool.proxy_url(mirror)},direct")
    assert by_rule(result) == {}
    assert len(s.requests()) == before
    assert (world.own / "lookup" / "example.com" / "m@v1.0.0").is_file()


def test_editor_shows_one_unverified_diagnostic_per_gosum(world: World) -> None:
    """The language server's go.sum buffer gets the one summary, not a diagnostic per
    line (what the server publishes: its own check and placement code)."""
    from gozt_lint.lsp import check
    from gozt_lint.lsp.place import DocView, place
    from gozt_lint.registry import all_rules

    req = check.Request(cwd=str(world.app), paths=[str(world.app / "go.mod"), str(world.gosum)], families=["gosum", "sumdb"])
    out = check.run(req, world.environ())
    assert not out.errors, out.errors
    families = {s: r.family for s, r in all_rules().items()}
    placed = place(out.findings, DocView.of(str(world.gosum), world.gosum.read_text()), families=families)
    unverified = [p for p in placed if p.finding.rule == "sumdb-unverified"]
    assert len(unverified) == 1 and len(world.gosum.read_text().splitlines()) == 4
    (p,) = unverified
    assert p.line == 0 and p.message.startswith("4 of 4 go.sum lines not verified")
