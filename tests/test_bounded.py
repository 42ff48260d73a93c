"""Links to /dev/zero, FIFOs and devices anywhere in the module cache or the checkout:
`gozt-lint --all` finishes within 30 s, the whole process tree stays under 300 MB
resident, and the odd files are reported."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests import gomods, gotool

LIMIT_S = 30.0
LIMIT_MB = 300.0
CODE = 'package main\n\nimport (\n\t"example.com/dep"\n\t_ "example.com/mid"\n\t_ "example.com/old"\n)\n\nfunc main() { println(dep.X) }\n'


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    total, stack, seen = 0, [pid], set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            with open(f"/proc/{p}/status") as f:
                for ln in f:
                    if ln.startswith("VmRSS:"):
                        total += int(ln.split()[1])
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """(result, wall seconds, peak MB of the process tree): /proc sampled every 20 ms,
    and RUSAGE_CHILDREN's peak of any single process as a floor."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
            done.wait(0.02)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        out, err = proc.communicate(timeout=LIMIT_S * 4)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    done.set()
    th.join()
    wall = time.monotonic() - t0
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mb = max(peak[0], single if single > before else 0) / 1024
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak_mb


@pytest.fixture
def hostile(goenv: gotool.GoEnvDirs, tmp_path: Path) -> Path:
    proxy = gomods.build_proxy(tmp_path / "proxy")
    app = tmp_path / "app"
    gomods.tidy(goenv, proxy, app, {"example.com/dep": "v1.0.0", "example.com/mid": "v1.0.0", "example.com/old": "v1.0.0"}, code=CODE)
    cache = goenv.gomodcache
    gotool.make_writable(cache)
    dl = cache / "cache" / "download" / "example.com"
    root = os.geteuid() == 0
    # The module cache: a go.mod the graph reads is a link to /dev/zero; an extracted
    # package file is a FIFO; another module's zip is a FIFO; a .info a device.
    (dl / "leaf" / "@v" / "v1.0.0.mod").unlink()
    os.symlink("/dev/zero", dl / "leaf" / "@v" / "v1.0.0.mod")
    mid = next(cache.glob("example.com/mid@v1.0.0"))
    os.chmod(mid, 0o755)
    os.mkfifo(mid / "fifo.go")
    os.symlink("/dev/zero", mid / "zero.go")
    (dl / "old" / "@v" / "v1.0.0.zip").unlink()
    os.mkfifo(dl / "old" / "@v" / "v1.0.0.zip")
    if root:
        (dl / "dep" / "@v" / "v1.0.0.info").unlink(missing_ok=True)
        os.mknod(dl / "dep" / "@v" / "v1.0.0.info", 0o644 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    # The checkout: package files that are a FIFO, a link to /dev/zero, a device; a FIFO
    # where a nested module's go.sum would be.
    os.mkfifo(app / "pipe.go")
    os.symlink("/dev/zero", app / "zero.go")
    (app / "sub").mkdir()
    (app / "sub" / "go.mod").write_text("module example.com/app/sub\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n")
    os.mkfifo(app / "sub" / "go.sum")
    if root:
        os.mknod(app / "dev.go", 0o644 | stat.S_IFCHR, os.makedev(1, 5))
    return app


def test_all_is_bounded_and_reports(goenv: gotool.GoEnvDirs, hostile: Path) -> None:
    env = {**goenv.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), goenv.environ["PATH"]])}
    p, wall, peak_mb = run_measured([sys.executable, "-m", "gozt_lint", "--all"], hostile, env)
    assert wall < LIMIT_S, (wall, p.stdout[-2000:], p.stderr[-2000:])
    assert peak_mb < LIMIT_MB, peak_mb
    assert p.returncode in (1, 2), (p.returncode, p.stdout, p.stderr)
    text = p.stdout + p.stderr
    assert "Traceback" not in text
    # Each odd file is named, as what it is.
    assert "leaf" in text and ("symbolic link" in text or "character device" in text), text
    assert "fifo.go" in text and "named pipe" in text.lower() or "FIFO" in text, text
    assert str(hostile / "sub" / "go.sum") in text, text
    assert "v1.0.0.zip" in text, text
    for name in ("pipe.go", "zero.go") + (("dev.go",) if os.geteuid() == 0 else ()):
        assert str(hostile / name) in text, text
