"""Quarantine: a dry run moves nothing; --apply moves exactly the flagged entry out
(atomically, logged, read-only dirs handled); the real go command then downloads
it again and the cache is clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gozt_lint import repair
from gozt_lint.errors import UsageError
from tests import gotool
from tests.test_modcache_faults import M, MV, Case, f_edit_byte, f_partial

pytestmark = pytest.mark.slow


@pytest.fixture
def case(tmp_path: Path) -> Case:
    from tests.test_modcache_faults import _setup

    root = tmp_path / "c"
    root.mkdir()
    _setup(root)
    c = Case(root)
    yield c
    gotool.make_writable(root)


def snapshot(top: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for dp, dns, fns in os.walk(top):
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            out[os.path.relpath(p, top)] = (st.st_ino, st.st_mode)
    return out


def cli(c: Case, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**c.env.environ, "GOFLAGS": "", "GOZT_LINT_CACHE_DIR": str(c.root / "memo")}
    return subprocess.run([sys.executable, "-m", "gozt_lint", *args], cwd=c.app, env=env, capture_output=True, text=True, timeout=300)


def test_dry_run_moves_nothing_and_apply_moves_only_the_entry(case: Case) -> None:
    f_edit_byte(case)
    before = snapshot(case.mc)
    p = cli(case, "cache", "quarantine")
    assert p.returncode == 0, p.stderr
    assert "would move" in p.stdout and "dry run" in p.stdout
    assert snapshot(case.mc) == before
    dest = case.root / "q"
    p = cli(case, "cache", "quarantine", "--apply", "--dest", str(dest), "--format", "json")
    assert p.returncode == 0, p.stderr
    moves = json.loads(p.stdout)["moves"]
    assert {m["status"] for m in moves} == {"moved"}
    assert {(m["module"], m["version"]) for m in moves} == {(M, MV)}
    moved = {os.path.relpath(m["src"], case.mc) for m in moves}
    assert moved == {"example.com/m@v1.0.0", *(f"cache/download/example.com/m/@v/v1.0.0.{e}" for e in ("zip", "ziphash", "mod", "info"))}
    after = snapshot(case.mc)
    # Everything else is exactly as it was (same inodes, same modes).
    untouched = {k: v for k, v in before.items() if not any(k == r or k.startswith(r + "/") for r in moved)}
    assert {k: after[k] for k in untouched} == untouched
    assert (case.mc / "cache/download/example.com/m/@v/v1.0.0.lock").exists()
    # Moved with modes intact (the module dir stays read-only where it went).
    qdir = dest / "example.com" / "m@v1.0.0"
    assert qdir.is_dir() and not os.stat(qdir).st_mode & 0o222
    log = [json.loads(ln) for ln in (dest / repair.LOG_NAME).read_text().splitlines()]
    assert len(log) == len(moves) and all(r["status"] == "moved" for r in log)
    # The go command fetches it again, verified against go.sum; then all is clean.
    case.env.go("mod", "download", cwd=case.app, env={"GOPROXY": gotool.proxy_url(case.root / "proxy")})
    assert (case.ext() / "m.go").exists()
    p = cli(case, "--select", "modcache", "--format", "json")
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads(p.stdout)["findings"] == []


def test_fix_flag_quarantines_what_the_findings_name(case: Case) -> None:
    f_partial(case)
    p = cli(case, "--select", "modcache")
    assert p.returncode == 1 and "can be quarantined" in p.stderr
    assert case.dl("partial").exists()
    p = cli(case, "--select", "modcache", "--fix")
    assert "moved:" in p.stderr
    assert not case.dl("partial").exists() and not case.ext().exists()
    qroot = case.mc.parent / "gozt-lint-quarantine"
    assert list(qroot.glob("*/cache/download/example.com/m/@v/v1.0.0.partial"))


def test_explicit_entries_and_bad_arguments(case: Case) -> None:
    moves = repair.quarantine(case.mc, [(M, MV), (M, MV)], case.root / "q", apply=False)
    assert len({m.src for m in moves}) == len(moves) == 5
    assert all(m.status == "planned" for m in moves)
    assert repair.quarantine(case.mc, [("example.com/absent", "v1.0.0")], case.root / "q", apply=True) == []
    with pytest.raises(UsageError):
        repair.quarantine(case.mc, [(M, MV)], case.mc / "inside", apply=False)
    with pytest.raises(UsageError):
        repair.quarantine(Path("relative"), [(M, MV)], None, apply=False)
    p = cli(case, "cache", "quarantine", "not-a-module")
    assert p.returncode == 2 and "MODULE@VERSION" in p.stderr
    p = cli(case, "cache", "quarantine", f"{M}@{MV}")
    assert p.returncode == 0 and p.stdout.count("would move") == 5


def test_existing_destination_is_not_overwritten(case: Case) -> None:
    dest = case.root / "q"
    target = dest / "example.com" / "m@v1.0.0"
    target.mkdir(parents=True)
    moves = repair.quarantine(case.mc, [(M, MV)], dest, apply=True)
    by_src = {os.path.relpath(m.src, case.mc): m.status for m in moves}
    assert by_src["example.com/m@v1.0.0"] == "error: destination exists"
    assert case.ext().is_dir()
