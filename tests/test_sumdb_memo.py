"""Checksum-database checks kept across runs in the memo store (valid signatures, tile
checks that passed) are keyed by exactly the bytes checked: a warm run repeats none of
them, and one byte changed in a cached note, tile or lookup is caught as on a cold run.

Uses the world of test_sumdb_faults (the go command's own caches, filled from a real
checksum-database server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gozt_lint import engine
from gozt_lint.context import Context, Options
from gozt_lint.sumdb import client as sc
from gozt_lint.sumdb import note
from tests.test_sumdb_faults import M, World, _writable, by_rule, pristine, world  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


class Counts:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.signatures = 0
        self.tile_checks = 0
        verify, add = note.Verifier.verify, sc._AuthMemo.add

        def counted_verify(v: note.Verifier, msg: bytes, sig: bytes) -> bool:
            self.signatures += 1
            return verify(v, msg, sig)

        def counted_add(m: sc._AuthMemo, key: tuple[object, ...]) -> None:
            self.tile_checks += 1  # (called only when a check was made, not remembered)
            add(m, key)

        monkeypatch.setattr(note.Verifier, "verify", counted_verify)
        monkeypatch.setattr(sc._AuthMemo, "add", counted_add)

    def reset(self) -> None:
        self.signatures = self.tile_checks = 0


def lint(w: World) -> engine.Result:
    # The module cache's family opens the memo store; the checksum database uses it then.
    ctx = Context(cwd=w.app, environ=w.environ(), options=Options(select=["sumdb", "modcache"]))
    return engine.run(ctx)


@pytest.fixture
def warm(world: World, monkeypatch: pytest.MonkeyPatch) -> tuple[World, Counts]:  # noqa: F811
    counts = Counts(monkeypatch)
    first = lint(world)
    assert counts.signatures > 0 and counts.tile_checks > 0
    counts.reset()
    again = lint(world)
    assert (counts.signatures, counts.tile_checks) == (0, 0)  # all remembered
    assert again.findings == first.findings and "sumdb-bad-signature" not in by_rule(again)
    counts.reset()
    return world, counts


@pytest.mark.parametrize("part", ["text", "signature"])
def test_changed_latest_note_is_caught_on_a_warm_run(warm: tuple[World, Counts], part: str) -> None:
    w, counts = warm
    _writable(w.latest)
    data = w.latest.read_bytes()
    text, sigs = data.split(b"\n\n", 1)
    if part == "text":
        text = text.replace(b"MB3ZZ", b"MB3ZY", 1)
    else:
        i = sigs.index(b" ", len("— ".encode())) + 10
        sigs = sigs[:i] + (b"A" if sigs[i : i + 1] != b"A" else b"B") + sigs[i + 1 :]
    w.latest.write_bytes(text + b"\n\n" + sigs)
    found = by_rule(lint(w))
    assert counts.signatures >= 1
    bad = [f for f in found.get("sumdb-bad-signature", []) if f.file == str(w.latest)]
    assert bad and "does not verify with the" in bad[0].message, found


def test_changed_tile_is_caught_on_a_warm_run(warm: tuple[World, Counts]) -> None:
    w, _ = warm
    tile = w.go_sumdb / "tile" / "8" / "0" / "000.p" / "2"
    _writable(tile)
    data = bytearray(tile.read_bytes())
    data[40] ^= 1
    tile.write_bytes(bytes(data))
    found = by_rule(lint(w))  # (a failed check is never remembered: nothing counted)
    bad = [f for f in found.get("sumdb-bad-signature", []) if f.file == str(tile)]
    assert bad and "does not hash to the signed root" in bad[0].message, found


def test_changed_lookup_is_caught_on_a_warm_run(warm: tuple[World, Counts]) -> None:
    w, _ = warm
    lf = w.lookup_file(M, "v1.0.0")
    _writable(lf)
    lf.write_bytes(lf.read_bytes().replace(b"h1:MyEV72q", b"h1:MyEV72Q"))
    found = by_rule(lint(w))
    bad = [f for f in found.get("sumdb-bad-signature", []) if f.file == str(lf)]
    assert bad and "cannot authenticate record data" in bad[0].message, found


def test_no_memo_checks_everything(world: World, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    counts = Counts(monkeypatch)
    for _ in range(2):
        counts.reset()
        ctx = Context(cwd=world.app, environ=world.environ(), options=Options(select=["sumdb", "modcache"], memo=False))
        engine.run(ctx)
        assert counts.signatures > 0 and counts.tile_checks > 0
