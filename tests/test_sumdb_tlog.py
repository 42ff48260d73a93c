"""RFC 6962 hashing, stored-hash indexes, tiles and proofs: the reference's vectors
(all produced by the real go client and x/mod server) and properties over random trees."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gozt_lint.sumdb import tlog
from gozt_lint.sumdb.client import fork_report
from gozt_lint.sumdb.tlog import Tile, TileHashReader, Tree

R0 = (
    b"example.com/m v1.0.0 h1:MyEV72q/QIGemRj+rq1utSJkzkRlAF3ZxMs8UyFx3v4=\n"
    b"example.com/m v1.0.0/go.mod h1:ONeDgCa5UF/jJRjGzpOKmUiezgFEk4IPFZ96frvroW0=\n"
)
R1 = (
    b"example.com/Upper/Mod v1.0.0-RC1 h1:W1l/5+6T9uzOGjpvYjNvbvhiTNLkpY2i3n6UKAxsznI=\n"
    b"example.com/Upper/Mod v1.0.0-RC1/go.mod h1:/mIFcTFWyhwcCRvfyjrdLkM9a2BplJYWfNC6XjlMCWc=\n"
)
THIRD = (
    b"example.com/third v1.0.0 h1:MeHhWbOw5J7oYjqgubmFVdn8K5Eatj5Gjm5wJVawmPw=\n"
    b"example.com/third v1.0.0/go.mod h1:yFe4SQ3ke685nt7AISemykK29g3W8Pr0WfbdT2WJB1U=\n"
)


def b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


class MemLog:
    """A log kept as its stored hashes, as x/mod's TestServer keeps it."""

    def __init__(self, height: int = 8) -> None:
        self.hashes: list[bytes] = []
        self.n = 0
        self.h = height
        self.reads: list[Tile] = []

    def add(self, record: bytes) -> None:
        new = tlog.stored_hashes_for_record_hash(self.n, tlog.record_hash(record), self.read)
        self.hashes.extend(new)
        self.n += 1

    def read(self, indexes: list[int] | tuple[int, ...]) -> list[bytes]:
        return [self.hashes[i] for i in indexes]

    def tree(self) -> Tree:
        return Tree(self.n, tlog.tree_hash(self.n, self.read))

    # TileSource
    def height(self) -> int:
        return self.h

    def read_tiles(self, tiles: list[Tile]) -> list[bytes]:
        self.reads.extend(tiles)
        return [tlog.read_tile_data(t, self.read) for t in tiles]

    def save_tiles(self, tiles: list[Tile], data: list[bytes]) -> None:
        pass


def test_leaf_hashes_and_roots_of_the_reference() -> None:
    assert b64(tlog.record_hash(R0)) == "L6/GXVmt+/k1Z+3BpbV9upVDeThBDr4Ia2QXa+uQB6s="
    assert tlog.record_hash(R0).hex() == "2fafc65d59adfbf93567edc1a5b57dba95437938410ebe086b64176beb9007ab"
    assert b64(tlog.record_hash(R1)) == "g8C+Q2eFUW3VIRhHwacEf1Z72je3vWGqvpudEvuGiks="
    log = MemLog()
    log.add(R0)
    assert log.tree().hash == tlog.record_hash(R0)
    log.add(R1)
    assert b64(log.tree().hash) == "MB3ZZ+WKwzTwlzdJCy8qJ7ObyLXSBfrmg6uheeYg0vM="
    assert b64(tlog.tree_hash(0, log.read)) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


@pytest.mark.parametrize(
    "level, n, index",
    [(0, 0, 0), (0, 1, 1), (1, 0, 2), (0, 2, 3), (0, 3, 4), (1, 1, 5), (2, 0, 6), (0, 4, 7), (0, 255, 502), (8, 0, 510), (0, 256, 511)],
)
def test_stored_hash_index_table(level: int, n: int, index: int) -> None:
    assert tlog.stored_hash_index(level, n) == index
    assert tlog.split_stored_hash_index(index) == (level, n)


@given(st.integers(0, 40), st.integers(0, 1 << 40))
def test_split_stored_hash_index_inverts(level: int, n: int) -> None:
    assert tlog.split_stored_hash_index(tlog.stored_hash_index(level, n)) == (level, n)


def test_stored_hash_count_matches_the_log() -> None:
    log = MemLog()
    for i in range(300):
        log.add(b"record %d\n" % i)
        assert tlog.stored_hash_count(log.n) == len(log.hashes)


@pytest.mark.parametrize(
    "tile, path",
    [
        (Tile(3, 4, 1234067, 1), "tile/3/4/x001/x234/067.p/1"),
        (Tile(3, 4, 1234067, 8), "tile/3/4/x001/x234/067"),
        (Tile(8, 0, 0, 2), "tile/8/0/000.p/2"),
        (Tile(8, -1, 0, 2), "tile/8/data/000.p/2"),
        (Tile(8, 0, 273, 112), "tile/8/0/273.p/112"),
        (Tile(8, 1, 1, 17), "tile/8/1/001.p/17"),
        (Tile(8, 2, 1000, 256), "tile/8/2/x001/000"),
    ],
)
def test_tile_paths(tile: Tile, path: str) -> None:
    assert tile.path() == path
    assert tlog.parse_tile_path(path) == tile


@pytest.mark.parametrize(
    "path",
    [
        "tile/8/0/0.p/2", "tile/8/0/000.p/256", "tile/8/0/000.p/0", "tile/8/0/x000/000", "tile/8/0/1000",
        "tile/8/-1/000", "tile/0/0/000", "tile/31/0/000", "tile/8/0/000.p/02", "tile/8/0", "tiles/8/0/000",
        "tile/8/0/000/", "tile/+8/0/000", "tile/8/0/x001", "tile/8/data/x1/000",
    ],
)
def test_non_canonical_tile_paths_are_rejected(path: str) -> None:
    with pytest.raises(tlog.TlogError):
        tlog.parse_tile_path(path)


@given(st.integers(1, 30), st.integers(-1, 63), st.integers(0, 10**12), st.data())
def test_tile_path_round_trip(h: int, level: int, n: int, data: st.DataObject) -> None:
    w = data.draw(st.integers(1, 1 << min(h, 20)))
    if h > 20:
        w = 1 << h
    t = Tile(h, level, n, w)
    assert tlog.parse_tile_path(t.path()) == t


def test_tiles_for_a_tree_of_70000() -> None:
    tiles = tlog.new_tiles(8, 0, 70000)
    level0 = [t for t in tiles if t.l == 0]
    assert len(level0) == 274 and level0[-1].path() == "tile/8/0/273.p/112"
    assert [t.path() for t in tiles if t.l == 1] == ["tile/8/1/000", "tile/8/1/001.p/17"]
    assert [t.path() for t in tiles if t.l == 2] == ["tile/8/2/000.p/1"]


def test_record_framing() -> None:
    msg = tlog.format_record(1, R1) + b"signed note\n"
    assert tlog.parse_record(msg) == (1, R1, b"signed note\n")
    for bad in (b"1\n", b"x\n" + R1 + b"\n", b"1\n" + R1, b"1\nno newline", b"1\n\x01bad\n\n"):
        with pytest.raises(tlog.TlogError):
            tlog.parse_record(bad)


@pytest.mark.parametrize(
    "text",
    [
        b"go.sum database tree\n02\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        b"go.sum database tree\n-1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        b"go.sum database tree\n2\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU\n",
        b"go.sum database tree v2\n2\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        b"go.sum database tree\n2\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    ],
)
def test_malformed_tree_heads(text: bytes) -> None:
    with pytest.raises(tlog.TlogError):
        tlog.parse_tree(text)


def test_tree_head_round_trip_ignores_extra_lines() -> None:
    t = Tree(2, base64.b64decode("MB3ZZ+WKwzTwlzdJCy8qJ7ObyLXSBfrmg6uheeYg0vM="))
    assert tlog.parse_tree(t.format()) == t
    assert tlog.parse_tree(t.format() + b"future line\n") == t


def test_fork_proof_of_the_reference() -> None:
    """The go client's SECURITY ERROR for a server restarted with records (Upper, third, m)
    after having served (m, Upper): TreeHash(2) of the new tree and its consistency proof."""
    old = MemLog()
    for r in (R0, R1):
        old.add(r)
    new = MemLog()
    for r in (R1, THIRD, R0):
        new.add(r)
    assert b64(new.tree().hash) == "WFpiRyTy5Vujy2GI+c1HgWWJ8NZR2mSdYgGAsUzAw/4="
    thr = TileHashReader(new.tree(), new)
    h = tlog.tree_hash(2, thr)
    assert b64(h) == "uOPhZKqgDJ2UQFWUEKXkl1kxchfQUF9XWtdjv0hOCbE="
    assert h != old.tree().hash
    proof = tlog.prove_tree(3, 2, thr)
    assert [b64(x) for x in proof] == ["L6/GXVmt+/k1Z+3BpbV9upVDeThBDr4Ia2QXa+uQB6s="]
    tlog.check_tree(proof, 3, new.tree().hash, 2, h)
    report = fork_report(b"OLD\n\nsig\n", b"NEW\n\nsig\n", h, proof)
    assert report.endswith(
        "proof of misbehavior:\n\tuOPhZKqgDJ2UQFWUEKXkl1kxchfQUF9XWtdjv0hOCbE=\n\tL6/GXVmt+/k1Z+3BpbV9upVDeThBDr4Ia2QXa+uQB6s="
    )
    assert "old database:\n\tOLD\n\t\n\tsig\n\t\nnew database:\n\tNEW\n" in report


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 700), st.integers(1, 3), st.data())
def test_proofs_from_authenticated_tiles(n: int, height: int, data: st.DataObject) -> None:
    log = MemLog(height)
    for i in range(n):
        log.add(b"record %d\n" % i)
    tree = log.tree()
    thr = TileHashReader(tree, log)
    rid = data.draw(st.integers(0, n - 1))
    leaf = thr.read_hashes([tlog.stored_hash_index(0, rid)])[0]
    assert leaf == tlog.record_hash(b"record %d\n" % rid)
    p = tlog.prove_record(n, rid, thr)
    tlog.check_record(p, n, tree.hash, rid, leaf)
    with pytest.raises(tlog.TlogError):
        tlog.check_record(p, n, tree.hash, rid, tlog.record_hash(b"other\n"))
    m = data.draw(st.integers(1, n))
    old = tlog.tree_hash(m, thr)
    assert old == tlog.tree_hash(m, log.read)
    q = tlog.prove_tree(n, m, thr)
    tlog.check_tree(q, n, tree.hash, m, old)
    if m < n:
        with pytest.raises(tlog.TlogError):
            tlog.check_tree(q, n, tree.hash, m, tlog.record_hash(b"other\n"))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 600), st.data())
def test_a_changed_tile_byte_never_authenticates(n: int, data: st.DataObject) -> None:
    log = MemLog(2)
    for i in range(n):
        log.add(b"r%d\n" % i)
    tree = log.tree()
    rid = data.draw(st.integers(0, n - 1))
    thr = TileHashReader(tree, log)
    tiles, *_ = thr.plan([tlog.stored_hash_index(0, rid)])
    victim = data.draw(st.sampled_from(tiles))
    pos = data.draw(st.integers(0, victim.w * 32 - 1))

    class Flipped(MemLog):
        pass

    bad = Flipped(2)
    bad.hashes, bad.n = log.hashes, log.n

    def read_tiles(ts: list[Tile]) -> list[bytes]:
        out = []
        for t in ts:
            d = bytearray(tlog.read_tile_data(t, log.read))
            if t == victim:
                d[pos] ^= 0x40
            out.append(bytes(d))
        return out

    bad.read_tiles = read_tiles  # type: ignore[method-assign]
    with pytest.raises(tlog.InconsistentTile) as e:
        TileHashReader(tree, bad).read_hashes([tlog.stored_hash_index(0, rid)])
    assert victim in e.value.tiles


def test_index_beyond_tree_and_short_tiles() -> None:
    log = MemLog()
    for r in (R0, R1):
        log.add(r)
    thr = TileHashReader(log.tree(), log)
    with pytest.raises(tlog.TlogError, match="not in tree"):
        thr.read_hashes([tlog.stored_hash_index(0, 2)])

    class Short(MemLog):
        def read_tiles(self, tiles: list[Tile]) -> list[bytes]:
            return [d[:-1] for d in log.read_tiles(tiles)]

    with pytest.raises(tlog.BadTileData):
        TileHashReader(log.tree(), Short()).read_hashes([0])
