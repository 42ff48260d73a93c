"""--output against what may already be at the path: regular files replaced
atomically; FIFOs, character devices and /dev/stdout-style descriptors written
through; planted symbolic links refused. Real FIFOs, real device nodes (mknod in
a temp dir: needs root, which CI containers and this machine are) and the real CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

MODULE = "module example.com/m\n\ngo 1.22\n"
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="mknod needs root")


@pytest.fixture
def mod(tmp_path: Path) -> Path:
    d = tmp_path / "m"
    d.mkdir()
    (d / "go.mod").write_text(MODULE)
    return d


def gozt(cwd: Path, *args: str, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": ""}
    return subprocess.run(
        [sys.executable, "-m", "gozt_lint", "--no-env", "--format", "json", *args, "go.mod"],
        cwd=cwd, env=env, stdout=stdout, stderr=subprocess.PIPE, timeout=120,  # type: ignore[call-overload]
    )


def report(data: bytes) -> dict[str, object]:
    doc = json.loads(data)
    assert doc["tool"] == "gozt-lint"
    return doc  # type: ignore[no-any-return]


def test_regular_file_is_replaced_atomically(mod: Path) -> None:
    out = mod / "report.json"
    out.write_text("old report\n")
    other = mod / "hardlink"
    os.link(out, other)
    ino = out.stat().st_ino
    p = gozt(mod, "-o", "report.json")
    assert p.returncode == 0, p.stderr
    report(out.read_bytes())
    # A new file renamed into place: the old inode (and its other name) untouched.
    assert out.stat().st_ino != ino
    assert other.read_text() == "old report\n"
    assert not [n for n in os.listdir(mod) if n.endswith(".tmp")]


def test_new_file_is_created(mod: Path) -> None:
    p = gozt(mod, "-o", "new.json")
    assert p.returncode == 0, p.stderr
    report((mod / "new.json").read_bytes())


def test_fifo_is_written_through(mod: Path) -> None:
    fifo = mod / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    t = threading.Thread(target=reader, daemon=True)  # a regression must fail, not hang
    t.start()
    p = gozt(mod, "-o", str(fifo))
    t.join(60)
    assert p.returncode == 0, p.stderr
    report(got[0])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


@needs_root
def test_character_devices_are_written_through_never_replaced(mod: Path) -> None:
    null = mod / "null"
    os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    before = os.lstat(null)
    p = gozt(mod, "-o", str(null))
    assert p.returncode == 0, p.stderr
    after = os.lstat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


@pytest.mark.skipif(ROOT, reason="as root a regression would replace the machine's /dev/null: the mknod'd node above stands in")
def test_dev_null_itself(mod: Path) -> None:
    before = os.lstat("/dev/null")
    p = gozt(mod, "-o", "/dev/null")
    assert p.returncode == 0, p.stderr
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_descriptor_links_are_recognised() -> None:
    from gozt_lint.fileio import _output_plan

    # Decided without writing: a regression here must not replace the machine's /dev/stdout.
    assert _output_plan(Path("/dev/stdout")) == ("fd", 1)
    assert _output_plan(Path("/dev/stderr")) == ("fd", 2)
    assert _output_plan(Path("/proc/self/fd/1")) == ("fd", 1)


@needs_root
def test_block_device_is_refused(mod: Path) -> None:
    # A major number from the experimental range: nothing behind it, even if
    # the refusal broke.
    blk = mod / "disk"
    os.mknod(blk, stat.S_IFBLK | 0o600, os.makedev(240, 7))
    p = gozt(mod, "-o", str(blk))
    assert p.returncode == 2
    assert b"is a block device" in p.stderr
    assert stat.S_ISBLK(os.lstat(blk).st_mode)


def test_stdout_link_writes_to_whatever_stdout_is(mod: Path, tmp_path: Path) -> None:
    # /proc/self/fd/1 is what /dev/stdout points at (where a regression fails
    # harmlessly: nothing can be created in /proc). First a pipe ...
    p = gozt(mod, "-o", "/proc/self/fd/1")
    assert p.returncode == 0, p.stderr
    report(p.stdout)
    # ... then a regular file the "shell" opened for appending: appended to, not replaced.
    sink = tmp_path / "sink.txt"
    sink.write_bytes(b"first line\n")
    with open(sink, "ab") as f:
        p = gozt(mod, "-o", "/proc/self/fd/1", stdout=f)
    assert p.returncode == 0, p.stderr
    data = sink.read_bytes()
    assert data.startswith(b"first line\n")
    report(data[len(b"first line\n"):])


def test_dev_fd_of_an_inherited_pipe(mod: Path) -> None:
    r, w = os.pipe()
    try:
        p = subprocess.Popen(
            [sys.executable, "-m", "gozt_lint", "--no-env", "--format", "json", "-o", f"/dev/fd/{w}", "go.mod"],
            cwd=mod, pass_fds=(w,), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "GOTOOLCHAIN": "local"},
        )
        os.close(w)
        w = -1
        with os.fdopen(r, "rb") as f:
            r = -1
            data = f.read()
        assert p.wait(60) == 0, p.stderr.read() if p.stderr else ""
        report(data)
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)


def test_planted_link_to_a_file_is_refused(mod: Path, tmp_path: Path) -> None:
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH=/usr/bin\n")
    (mod / "report.sarif").symlink_to(victim)
    p = gozt(mod, "-o", "report.sarif")
    assert p.returncode == 2
    assert b"is a symbolic link" in p.stderr and b"Remove the link" in p.stderr
    assert victim.read_text() == "export PATH=/usr/bin\n"
    assert os.path.islink(mod / "report.sarif")
    assert p.stdout == b""  # refused before the run: no report anywhere


def test_dangling_link_is_refused_and_nothing_created(mod: Path, tmp_path: Path) -> None:
    (mod / "report.sarif").symlink_to(tmp_path / "authorized_keys")
    p = gozt(mod, "-o", "report.sarif")
    assert p.returncode == 2
    assert b"does not exist" in p.stderr
    assert not (tmp_path / "authorized_keys").exists()


@needs_root
def test_link_to_another_character_device_is_refused(mod: Path) -> None:
    dev = mod / "port"
    os.mknod(dev, stat.S_IFCHR | 0o600, os.makedev(240, 8))
    (mod / "report.sarif").symlink_to(dev)
    p = gozt(mod, "-o", "report.sarif")
    assert p.returncode == 2
    assert b"character device" in p.stderr


def test_links_to_a_fifo_and_to_dev_null_are_written_through(mod: Path) -> None:
    (mod / "quiet").symlink_to("/dev/null")
    p = gozt(mod, "-o", "quiet")
    assert p.returncode == 0, p.stderr
    assert os.readlink(mod / "quiet") == "/dev/null"
    fifo = mod / "pipe"
    os.mkfifo(fifo)
    (mod / "to-pipe").symlink_to(fifo)
    got: list[bytes] = []
    t = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    t.start()
    p = gozt(mod, "-o", "to-pipe")
    t.join(60)
    assert p.returncode == 0, p.stderr
    report(got[0])


def test_directory_and_link_to_directory_are_refused(mod: Path) -> None:
    (mod / "outdir").mkdir()
    (mod / "dirlink").symlink_to(mod / "outdir")
    for name in ("outdir", "dirlink"):
        p = gozt(mod, "-o", name)
        assert p.returncode == 2, name
    assert os.listdir(mod / "outdir") == []


def test_snapshot_output_follows_the_same_rules(mod: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep\n")
    (mod / "snap.json").symlink_to(victim)
    env = {**os.environ, "GOTOOLCHAIN": "local"}
    p = subprocess.run(
        [sys.executable, "-m", "gozt_lint", "snapshot", "-o", "snap.json"], cwd=mod, env=env, capture_output=True, timeout=120
    )
    assert p.returncode == 2
    assert b"is a symbolic link" in p.stderr
    assert victim.read_text() == "keep\n"
