"""A download in progress is said to be one: while the real go command is writing a
module into the cache it holds ``<version>.lock`` (flock), and the leftovers
gozt-lint sees then are work in progress, not an interrupted download.

The go command downloads through a local HTTP module proxy that stalls in the
middle of the zip until the test lets it finish.
"""

from __future__ import annotations

import http.server
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from gozt_lint import engine, modcache
from gozt_lint.context import Context, Options
from tests import gotool

pytestmark = pytest.mark.slow

M, V = "example.com/m", "v1.0.0"
BIG = "".join(f"// line {i} of filler so the zip is worth streaming in two parts\n" for i in range(4000))
FILES = {"go.mod": "module example.com/m\n\ngo 1.21\n", "m.go": "package m\n\n" + BIG}


class StallingProxy(http.server.ThreadingHTTPServer):
    """A module proxy serving a file:// proxy's tree; a .zip stops half-way until
    ``release`` is set."""

    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.release = threading.Event()
        self.stalled = threading.Event()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: StallingProxy

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        p = (self.server.root / self.path.lstrip("/")).resolve()
        if not p.is_relative_to(self.server.root.resolve()) or not p.is_file():
            self.send_error(404)
            return
        data = p.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if p.suffix != ".zip":
            self.wfile.write(data)
            return
        half = len(data) // 2
        self.wfile.write(data[:half])
        self.wfile.flush()
        self.server.stalled.set()
        self.server.release.wait(120)
        self.wfile.write(data[half:])

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[StallingProxy]:
    root = tmp_path / "proxy"
    gotool.add_module(root, M, V, FILES)
    srv = StallingProxy(root)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def lint(env: gotool.GoEnvDirs, cwd: Path) -> list[Any]:
    ctx = Context(cwd=cwd, environ={**env.environ, "GOPROXY": "off"}, options=Options(select=["modcache"], memo=False, jobs=1))
    res = engine.run(ctx)
    assert not res.internal_errors, res.internal_errors
    return res.findings


def test_a_running_download_is_named_as_such(tmp_path: Path, proxy: StallingProxy) -> None:
    env = gotool.hermetic_env(tmp_path / "env", GOPROXY=f"http://127.0.0.1:{proxy.server_address[1]}", GOFLAGS="-mod=mod")
    vdir = env.gomodcache / "cache" / "download" / "example.com" / "m" / "@v"
    go = subprocess.Popen(
        [gotool.find_go(), "mod", "download", "-json", f"{M}@{V}"],
        cwd=tmp_path, env=env.environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proxy.stalled.wait(120), "the go command never asked for the zip"
        deadline = time.monotonic() + 60
        while not list(vdir.glob(f"{V}.zip*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert modcache.lock_held(str(vdir / f"{V}.lock")) is True
        lock_before = os.stat(vdir / f"{V}.lock")
        findings = lint(env, tmp_path)
        tmp = [f for f in findings if f.rule == "modcache-incomplete"]
        assert tmp, findings
        for f in tmp:
            assert "a go command is downloading or extracting it right now: it holds v1.0.0.lock locked" in f.message
            assert f.data["in_progress"] is True
        # Probing the lock wrote nothing.
        after = os.stat(vdir / f"{V}.lock")
        assert (after.st_size, after.st_mtime_ns, after.st_ctime_ns) == (lock_before.st_size, lock_before.st_mtime_ns, lock_before.st_ctime_ns)
    finally:
        proxy.release.set()
        out, err = go.communicate(timeout=120)
    assert go.returncode == 0, err
    assert modcache.lock_held(str(vdir / f"{V}.lock")) is False
    assert lint(env, tmp_path) == []


def test_leftovers_of_a_dead_download_are_not_called_in_progress(tmp_path: Path, proxy: StallingProxy) -> None:
    """The go command killed mid-download: its temp file stays, nobody holds the lock."""
    env = gotool.hermetic_env(tmp_path / "env", GOPROXY=f"http://127.0.0.1:{proxy.server_address[1]}", GOFLAGS="-mod=mod")
    vdir = env.gomodcache / "cache" / "download" / "example.com" / "m" / "@v"
    go = subprocess.Popen([gotool.find_go(), "mod", "download", f"{M}@{V}"], cwd=tmp_path, env=env.environ,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert proxy.stalled.wait(120)
        deadline = time.monotonic() + 60
        while not list(vdir.glob(f"{V}.zip*.tmp")) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        go.kill()
        go.wait()
    assert modcache.lock_held(str(vdir / f"{V}.lock")) is False
    findings = [f for f in lint(env, tmp_path) if f.rule == "modcache-incomplete"]
    assert findings and all("right now" not in f.message and f.data["in_progress"] is False for f in findings)
