"""Small, data-driven checks of what modcache reads from .info and .ziphash files,
and of the lock probe. (The whole-cache behaviour is tested on caches filled by
the real go command: test_modcache_faults.py and friends.)"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint import modcache

PV = "v0.0.0-20240102030405-abcdef123456"
NOW = 1_800_000_000.0  # 2027-01-15


@pytest.mark.parametrize(
    "version, time, problem",
    [
        ("v1.0.0", "2024-01-02T03:04:05Z", None),
        ("v1.0.0", "2024-01-02T03:04:05.123456789+02:00", None),
        ("v1.0.0", "0001-01-01T00:00:00Z", None),  # Go's zero time: unknown, not a claim
        ("v1.0.0", "2027-01-15T20:00:00Z", None),  # within a day of the clock: skew
        ("v1.0.0", "2027-01-17T00:00:00Z", "is in the future"),
        ("v1.0.0", "2024-13-02T03:04:05Z", "is not an RFC 3339 time"),
        ("v1.0.0", "yesterday", "is not an RFC 3339 time"),
        (PV, "2024-01-02T03:04:05Z", None),
        (PV, "2024-01-02T03:04:34Z", None),  # committer time after the author time it was named by
        (PV, "2025-06-01T00:00:00Z", None),  # a rebased commit
        (PV, "2024-01-01T05:04:05Z", None),  # skew between two machines
        (PV, "2023-12-31T00:00:00Z", "before the commit time the pseudo-version itself records (2024-01-02T03:04:05Z)"),
        (PV, "2024-01-02T03:04:05-23:00", None),  # the same day, written in another zone
    ],
)
def test_info_time(version: str, time: str, problem: str | None) -> None:
    data = f'{{"Version":"{version}","Time":"{time}"}}'.encode()
    got = modcache._check_info(data, "example.com/m", version, now=NOW)
    if problem is None:
        assert got == []
    else:
        assert len(got) == 1 and problem in got[0], got


@pytest.mark.parametrize(
    "content, value, error",
    [
        (b"h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=", "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=", None),
        (b"h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=\n", "h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=", "48 bytes"),
        (b"h1:MyEV72q/QIGem", None, "truncated: 16 bytes"),
        (b"", None, "empty"),
        (b"\x00" * 47, None, "not an h1: hash (47 bytes"),
        (b"h2:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=", None, "not an h1: hash"),
    ],
)
def test_ziphash(tmp_path: Path, content: bytes, value: str | None, error: str | None) -> None:
    f = tmp_path / "v1.0.0.ziphash"
    f.write_bytes(content)
    got = modcache._check_ziphash(str(f))
    assert got["value"] == value
    assert (got["error"] is None) if error is None else (error in got["error"]), got


def test_ziphash_that_is_not_a_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "link").symlink_to(tmp_path / "fifo")
    for name in ("fifo", "link"):
        got = modcache._check_ziphash(str(tmp_path / name))
        assert got["value"] is None and got["error"]


def test_lock_probe(tmp_path: Path) -> None:
    lock = tmp_path / "v1.0.0.lock"
    lock.write_bytes(b"")
    assert modcache.lock_held(str(lock)) is False
    # Another process holds it as cmd/go's lockedfile.Mutex does: flock(LOCK_EX).
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl,sys,time; f=open(sys.argv[1],'r+'); fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)", str(lock)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert modcache.lock_held(str(lock)) is True
    finally:
        holder.kill()
        holder.wait()
    assert modcache.lock_held(str(lock)) is False
    # A shared lock (a reader) is not a download in progress.
    with open(lock) as f:
        fcntl.flock(f, fcntl.LOCK_SH)
        assert modcache.lock_held(str(lock)) is False
    assert modcache.lock_held(str(tmp_path / "missing.lock")) is None
    os.mkfifo(tmp_path / "fifo.lock")
    assert modcache.lock_held(str(tmp_path / "fifo.lock")) is None
    assert modcache.lock_held(None) is None


GITLAB_INFO = (
    b'{"Version":"v0.130.0","Time":"2025-06-11T15:31:19Z","Origin":{"VCS":"git",'
    b'"URL":"https://gitlab.com/gitlab-org/api/client-go.git","Hash":"89f40840a274c719f4ecc624472df9825c63e055",'
    b'"Ref":"refs/tags/v0.130.0"}}'
)


@pytest.mark.parametrize(
    ("path", "url", "subdir", "ok"),
    [
        # GitLab nests groups; the go command finds the repository root through
        # go-get, so it may be deeper than host/owner/repo (proxy.golang.org's
        # own .info for gitlab.com/gitlab-org/api/client-go, as cached).
        ("gitlab.com/gitlab-org/api/client-go", "https://gitlab.com/gitlab-org/api/client-go.git", None, True),
        ("gitlab.com/group/sub/project/pkg/v2", "https://gitlab.com/group/sub/project", "pkg", True),
        ("gitlab.com/group/project", "https://gitlab.com/group/project", None, True),
        ("gitlab.com/group/sub/project", "https://gitlab.com/other/project", None, False),
        ("gitlab.com/group/sub/project", "https://gitlab.com/group/sub/project", "elsewhere", False),
        # github.com's root is always host/owner/repo (cmd/go/internal/vcs vcsPaths).
        ("github.com/o/r/sub", "https://github.com/o/r/sub", None, False),
        ("github.com/o/r/sub", "https://github.com/o/r", "sub", True),
    ],
)
def test_info_origin_repository_roots(path: str, url: str, subdir: str | None, ok: bool) -> None:
    origin = {"VCS": "git", "URL": url, "Hash": "89f40840a274c719f4ecc624472df9825c63e055"}
    if subdir:
        origin["Subdir"] = subdir
    data = json.dumps({"Version": "v2.0.0", "Time": "2025-06-11T15:31:19Z", "Origin": origin}).encode()
    assert (modcache._check_info(data, path, "v2.0.0") == []) is ok
    if path == "gitlab.com/gitlab-org/api/client-go":
        assert modcache._check_info(GITLAB_INFO, path, "v0.130.0") == []
