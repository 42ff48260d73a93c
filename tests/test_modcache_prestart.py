"""The module cache hashed ahead of the rules (modcache.Verification / Hashing):
single entries taken early, from the pool or computed in place, give exactly
what the whole-cache verification gives, and a changed tree is seen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gozt_lint import modcache
from gozt_lint.memo import Memo, open_memo

N = 12


def _cache(root: Path) -> list[tuple[str, str]]:
    keys = []
    for i in range(N):
        path, version = f"example.com/m{i:02d}", "v1.0.0"
        d = root / f"example.com/m{i:02d}@v1.0.0"
        (d / "sub").mkdir(parents=True)
        (d / "go.mod").write_text(f"module {path}\n")
        (d / "a.go").write_text(f"package m{i}\n" + "// filler\n" * (i * 50))
        (d / "sub" / "b.go").write_text("package sub\n")
        keys.append((path, version))
    return keys


def _plain(results: dict[tuple[str, str], dict]) -> dict[tuple[str, str], dict]:
    return {k: {f: v for f, v in r.items() if f != "bytes"} for k, r in results.items()}


@pytest.mark.parametrize("pool, jobs, helper", [("process", 2, False), ("thread", 2, False), ("process", 2, True), ("thread", 3, True)])
def test_early_entries_match_the_whole_verification(tmp_path: Path, pool: str, jobs: int, helper: bool) -> None:
    # helper: the caller takes batches back from the end of the queue in report().
    root = tmp_path / "mod"
    keys = _cache(root)
    want = modcache.verify(str(root), Memo(None, None), jobs=1)
    v = modcache.Verification(str(root), Memo(None, None), jobs=jobs, pool=pool, helper=helper)
    try:
        # The last batches are still queued: taken back and computed here.
        early = {k: v.entry(k) for k in [keys[0], keys[-1], keys[N // 2]]}
        assert v.entry(("example.com/absent", "v1.0.0")) is None
        rep = v.report()
    finally:
        v.close()
    assert _plain(rep.results) == _plain(want.results)
    for k, r in early.items():
        assert r is rep.results[k] and "memo" not in r
        assert r["dir"]["h1"] == want.results[k]["dir"]["h1"]


def test_early_entry_sees_a_changed_tree_with_the_memo(tmp_path: Path) -> None:
    root = tmp_path / "mod"
    keys = _cache(root)
    env = {"GOZT_LINT_CACHE_DIR": str(tmp_path / "memo")}
    m = open_memo(env)
    try:
        cold = modcache.verify(str(root), m, jobs=2, pool="thread")
        v = modcache.Verification(str(root), m, jobs=2, pool="thread")
        early = v.entry(keys[3])
        assert early is not None and early["dir"] == cold.results[keys[3]]["dir"] and early["bytes"] == 0  # from the memo
        v.report()
        f = root / "example.com/m03@v1.0.0" / "a.go"
        f.write_text(f.read_text() + "// changed\n")
        v = modcache.Verification(str(root), m, jobs=2, pool="process")
        got = v.entry(keys[3])
        v.report()
        assert got is not None and got["dir"]["h1"] != cold.results[keys[3]]["dir"]["h1"]
        assert got["dir"]["h1"] == modcache.verify(str(root), Memo(None, None), jobs=1).results[keys[3]]["dir"]["h1"]
    finally:
        m.close()


def test_engine_prestart_gives_the_same_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same findings, notes and counts whether the cache is hashed ahead or not.
    from gozt_lint import engine
    from gozt_lint.context import Context, Options

    root = tmp_path / "mod"
    _cache(root)
    (root / "example.com/m05@v1.0.0" / "a.go").chmod(0o644)  # writable: a finding
    work = tmp_path / "w"
    work.mkdir()
    (work / "go.mod").write_text("module example.com/w\n\ngo 1.22\n")
    environ = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "GOMODCACHE": str(root), "GOFLAGS": "",
               "GOTOOLCHAIN": "local", "GOENV": "off", "GOZT_LINT_CACHE_DIR": str(tmp_path / "memo"),
               "GOPATH": str(tmp_path / "gopath"), "GOCACHE": str(tmp_path / "gocache")}

    def run(prestart: bool) -> tuple[list[str], list[str], dict[str, int]]:
        if not prestart:
            monkeypatch.setattr(modcache, "prestart", lambda ctx: None)
        ctx = Context(cwd=work, environ=environ, options=Options(select=["modcache"], jobs=2))
        res = engine.run(ctx)
        monkeypatch.undo()
        return [f"{f.rule} {f.message}" for f in res.findings], res.notes, res.coverage

    assert run(prestart=True) == run(prestart=False)
