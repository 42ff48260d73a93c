"""The build cache: a cache filled by real `go build`/`go run` is clean; every
malformed entry the go command would reject is reported; GOCACHEPROG is said."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gozt_lint import buildcache, engine
from gozt_lint.context import Context, Options
from gozt_lint.memo import Memo
from tests import gotool

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("gocache")
    env = gotool.hermetic_env(root / "env")
    app = root / "app"
    gotool.write_module(app, "example.com/app", code='package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n')
    env.go("build", "-o", str(root / "app.bin"), ".", cwd=app)
    env.go("run", ".", cwd=app)
    env.go("vet", ".", cwd=app)
    yield env
    env.cleanup()


def findings(environ: dict[str, str], cwd: Path, select: str = "buildcache") -> list:  # type: ignore[type-arg]
    ctx = Context(cwd=cwd, environ=environ, options=Options(select=[select], memo=False))
    ctx.discover()
    res = engine.run(ctx)
    assert not res.internal_errors
    return res.findings


@pytest.mark.rule("buildcache-entry-invalid", "buildcache-external", "buildcache-output-tampered", clean=True)
def test_real_cache_is_clean_and_outputs_hash_to_their_names(filled) -> None:  # type: ignore[no-untyped-def]
    rep = buildcache.verify(str(filled.gocache), Memo(None, None), jobs=2)
    assert rep.exists and rep.problems == []
    assert rep.entries > 50 and rep.outputs > 50
    assert findings(filled.environ, filled.root) == []
    # And the rule really looks: every -a entry parses and names its own file.
    for a in sorted(filled.gocache.glob("??/*-a"))[:50]:
        parsed = buildcache.parse_action(a.read_bytes())
        assert not isinstance(parsed, str) and parsed[0] == a.name[:64]
    for d in sorted(filled.gocache.glob("??/*-d"))[:50]:
        if d.is_file():
            assert hashlib.sha256(d.read_bytes()).hexdigest() == d.name[:64]


GOOD = b"v1 " + b"a" * 64 + b" " + b"b" * 64 + b" " + b"%20d" % 676 + b" " + b"%20d" % 1795721041871099926 + b"\n"


@pytest.mark.parametrize(
    "data, why",
    [
        (GOOD[:-1], "entry file incomplete"),
        (GOOD + b"x", "too long"),
        (b"", "file is empty"),
        (b"v2" + GOOD[2:], "invalid header"),
        (GOOD.replace(b"a" * 64, b"g" * 64), "decoding ID"),
        (GOOD.replace(b"%20d" % 676, b"%20d" % -676), "negative size"),
        (GOOD.replace(b"%20d" % 676, b"%20s" % b"x6"), "parsing size"),
    ],
)
def test_parse_action_rejects_what_go_rejects(data: bytes, why: str) -> None:
    assert len(GOOD) == buildcache.ENTRY_SIZE
    assert buildcache.parse_action(GOOD) == ("a" * 64, "b" * 64, 676, 1795721041871099926)
    got = buildcache.parse_action(data)
    assert isinstance(got, str) and why in got


def test_bad_entries_in_a_real_cache(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    gc = tmp_path / "gocache"
    shutil.copytree(filled.gocache, gc, symlinks=True)
    a = sorted(gc.glob("??/*-a"))
    # mismatched id: a valid entry copied under another name
    other = "0" * 62 + "ff"
    (gc / "00" / f"{'0' * 64}-a").write_bytes(a[0].read_bytes())
    # size mismatch with the referenced output
    parsed = buildcache.parse_action(a[1].read_bytes())
    assert not isinstance(parsed, str)
    out = gc / parsed[1][:2] / f"{parsed[1]}-d"
    if out.exists():
        data = a[1].read_bytes()
        a[1].write_bytes(data[:133] + b"%20d" % (parsed[2] + 1) + data[153:])
    # unexpected names, a symlink and a stray top-level file
    (gc / "ab" / "junk").write_text("x")
    (gc / "ab" / f"{other}-d").write_text("x")  # wrong subdirectory for its name
    (gc / "cd" / f"{'cd' * 32}-d").symlink_to(a[2])
    (gc / "notes").write_text("x")
    rep = buildcache.verify(str(gc), Memo(None, None), jobs=1)
    msgs = sorted(p.message for p in rep.problems)
    assert all(p.kind == buildcache.INVALID for p in rep.problems), msgs
    assert any("mismatched ID" in m for m in msgs)
    assert any("unexpected file 'junk'" in m for m in msgs)
    assert any(f"unexpected file '{other}-d'" in m for m in msgs)
    assert any("neither a regular file nor a directory" in m for m in msgs)
    assert any("unexpected file 'notes' in GOCACHE" in m for m in msgs)
    if out.exists():
        assert any("action entry says its output" in m for m in msgs)


def test_executable_cache_entry_tampered(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    gc = tmp_path / "gocache"
    shutil.copytree(filled.gocache, gc, symlinks=True)
    exe_dirs = [d for d in gc.glob("??/*-d") if d.is_dir()]
    if not exe_dirs:
        pytest.skip("this go version did not cache an executable for `go run`")
    f = next(exe_dirs[0].iterdir())
    b = bytearray(f.read_bytes())
    b[len(b) // 2] ^= 1
    f.write_bytes(bytes(b))
    rep = buildcache.verify(str(gc), Memo(None, None), jobs=1)
    assert [p.kind for p in rep.problems] == [buildcache.TAMPERED]


def test_output_no_entry_points_at_is_an_interrupted_write(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import shutil

    gc = tmp_path / "gocache"
    shutil.copytree(filled.gocache, gc, symlinks=True)
    refs = {}
    for a in gc.glob("??/*-a"):
        parsed = buildcache.parse_action(a.read_bytes())
        assert not isinstance(parsed, str)
        refs.setdefault(parsed[1], []).append(a)
    out = next(p for p in sorted(gc.glob("??/*-d")) if p.is_file() and p.stat().st_size > 100)
    # What a killed `go build` leaves: the output cut short, its entry never written.
    out.write_bytes(out.read_bytes()[:100])
    for a in refs[out.name[:64]]:
        a.unlink()
    rep = buildcache.verify(str(gc), Memo(None, None), jobs=1)
    assert [(p.kind, p.file) for p in rep.problems] == [(buildcache.INVALID, str(out))]
    assert "no action entry points at it" in rep.problems[0].message
    # Referenced by an entry again, the same bytes are tampering (the go command would use them).
    a = refs[out.name[:64]][0]
    a.write_bytes((filled.gocache / a.relative_to(gc)).read_bytes())
    rep = buildcache.verify(str(gc), Memo(None, None), jobs=1)
    assert buildcache.TAMPERED in [p.kind for p in rep.problems]


@pytest.mark.rule("buildcache-external", fires=True)
def test_gocacheprog_is_said_and_gocache_off_is_a_note(filled) -> None:  # type: ignore[no-untyped-def]
    env = {**filled.environ, "GOCACHEPROG": "/usr/local/bin/remote-cache"}
    fs = findings(env, filled.root)
    assert [f.rule for f in fs] == ["buildcache-external"]
    assert "remote-cache" in fs[0].message and fs[0].file is None
    ctx = Context(cwd=filled.root, environ={**filled.environ, "GOCACHE": "off"}, options=Options(select=["buildcache"], memo=False))
    ctx.discover()
    res = engine.run(ctx)
    assert res.findings == [] and any("GOCACHE is off" in n for n in res.notes)
