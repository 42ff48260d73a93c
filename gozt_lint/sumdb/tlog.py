"""The tamper-evident log behind the checksum database (golang.org/x/mod/sumdb/tlog).

RFC 6962 hashing (leaf ``SHA-256(0x00 ‖ record)``, node ``SHA-256(0x01 ‖ l ‖ r)``),
the stored-hash index order, tree heads, record framing, tiles and their paths,
inclusion and consistency proofs, and :class:`TileHashReader`, which serves
hashes only from tiles it has authenticated against a signed tree head, in the
same order and with the same checks as the go command's client.

Hashes are 32-byte ``bytes``; tree sizes and indexes are Python ints.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from typing import Callable, Protocol, Sequence

HASH_SIZE = 32
EMPTY_HASH = hashlib.sha256(b"").digest()
TREE_PREFIX = b"go.sum database tree\n"
PATH_BASE = 1000

_sha256 = hashlib.sha256


class TlogError(Exception):
    """Malformed input or a failed proof."""


class InconsistentTile(TlogError):
    """Tiles that do not hash to the signed root (or to their parent tile).

    ``parent`` is set when a tile failed the check against its parent tile;
    ``skipped_before_fix`` when that tile is one the tile reader of x/mod before
    v0.40.0 never checked (CVE-2026-56865: the tiles after those holding the
    tree's subtree hashes, up to position len(stx))."""

    def __init__(self, tiles: Sequence[Tile], detail: str = "", *, parent: Tile | None = None, skipped_before_fix: bool = False) -> None:
        self.tiles = list(tiles)
        self.parent = parent
        self.skipped_before_fix = skipped_before_fix
        super().__init__("downloaded inconsistent tile" + (f": {detail}" if detail else ""))


class BadTileData(TlogError):
    """A tile whose data has the wrong length for its path (truncated, padded)."""

    def __init__(self, tile: Tile, length: int) -> None:
        self.tile = tile
        self.length = length
        super().__init__(f"tile {tile.path()} has {length} bytes, want {tile.w * HASH_SIZE}")


class MissingTile(TlogError):
    """A tile not available from any source (offline, not cached)."""

    def __init__(self, tile: Tile) -> None:
        self.tile = tile
        super().__init__(f"tile {tile.path()} is not available")


def hash_string(h: bytes) -> str:
    return base64.b64encode(h).decode("ascii")


def parse_hash(s: str) -> bytes:
    try:
        data = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise TlogError("malformed hash") from None
    if len(data) != HASH_SIZE:
        raise TlogError("malformed hash")
    return data


def record_hash(data: bytes) -> bytes:
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def maxpow2(n: int) -> tuple[int, int]:
    """(k, log2 k) for k the largest power of two smaller than n (n >= 2)."""
    level = (n - 1).bit_length() - 1
    return 1 << level, level


# -- stored-hash indexes --------------------------------------------------------------


def stored_hash_index(level: int, n: int) -> int:
    """Where node (level, n) is stored: walk down to level 0 (n = 2n+1, ``level``
    times), then n + n/2 + n/4 + ... (which is 2n - popcount(n)), plus the level."""
    n = ((n + 1) << level) - 1
    return 2 * n - bin(n).count("1") + level


def _trailing_zeros(x: int) -> int:
    return (x & -x).bit_length() - 1 if x else 64


def split_stored_hash_index(index: int) -> tuple[int, int]:
    """The inverse of :func:`stored_hash_index`: (level, n)."""
    n = index // 2
    index_n = stored_hash_index(0, n)
    if index_n > index:
        raise AssertionError("bad math")
    while True:
        x = index_n + 1 + _trailing_zeros(n + 1)
        if x > index:
            break
        n += 1
        index_n = x
    level = index - index_n
    return level, n >> level


def stored_hash_count(n: int) -> int:
    if n == 0:
        return 0
    num = stored_hash_index(0, n - 1) + 1
    i = n - 1
    while i & 1:
        num += 1
        i >>= 1
    return num


def stored_hashes_for_record_hash(n: int, h: bytes, read: Callable[[list[int]], list[bytes]]) -> list[bytes]:
    """The hashes written when record ``n`` with leaf hash ``h`` is appended."""
    hashes = [h]
    m = _trailing_zeros(n + 1)
    indexes = [0] * m
    for i in range(m):
        indexes[m - 1 - i] = stored_hash_index(i, (n >> i) - 1)
    old = read(indexes)
    for i in range(m):
        h = node_hash(old[m - 1 - i], h)
        hashes.append(h)
    return hashes


# -- tree hashes and proofs -----------------------------------------------------------

HashReader = Callable[[Sequence[int]], list[bytes]]


def _sub_tree_index(lo: int, hi: int, need: list[int]) -> list[int]:
    while lo < hi:
        k, level = maxpow2(hi - lo + 1)
        if lo & (k - 1):
            raise AssertionError("tlog: bad math in subTreeIndex")
        need.append(stored_hash_index(level, lo >> level))
        lo += k
    return need


def _sub_tree_hash(lo: int, hi: int, hashes: list[bytes]) -> tuple[bytes, list[bytes]]:
    num = 0
    while lo < hi:
        k, _ = maxpow2(hi - lo + 1)
        num += 1
        lo += k
    if len(hashes) < num:
        raise AssertionError("tlog: bad index math in subTreeHash")
    h = hashes[num - 1]
    for i in range(num - 2, -1, -1):
        h = node_hash(hashes[i], h)
    return h, hashes[num:]


def tree_hash(n: int, read: HashReader) -> bytes:
    """The root of the tree with ``n`` records, from at most 1 + log2 n stored hashes."""
    if n == 0:
        return EMPTY_HASH
    indexes = _sub_tree_index(0, n, [])
    hashes = read(indexes)
    if len(hashes) != len(indexes):
        raise TlogError(f"tlog: ReadHashes({len(indexes)} indexes) = {len(hashes)} hashes")
    h, rest = _sub_tree_hash(0, n, list(hashes))
    if rest:
        raise AssertionError("tlog: bad index math in TreeHash")
    return h


def _leaf_proof_index(lo: int, hi: int, n: int, need: list[int]) -> list[int]:
    if lo + 1 == hi:
        return need
    k, _ = maxpow2(hi - lo)
    if n < lo + k:
        _leaf_proof_index(lo, lo + k, n, need)
        _sub_tree_index(lo + k, hi, need)
    else:
        _sub_tree_index(lo, lo + k, need)
        _leaf_proof_index(lo + k, hi, n, need)
    return need


def _leaf_proof(lo: int, hi: int, n: int, hashes: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    if lo + 1 == hi:
        return [], hashes
    k, _ = maxpow2(hi - lo)
    if n < lo + k:
        p, hashes = _leaf_proof(lo, lo + k, n, hashes)
        th, hashes = _sub_tree_hash(lo + k, hi, hashes)
    else:
        th, hashes = _sub_tree_hash(lo, lo + k, hashes)
        p, hashes = _leaf_proof(lo + k, hi, n, hashes)
    return p + [th], hashes


def prove_record(t: int, n: int, read: HashReader) -> list[bytes]:
    """The RFC 6962 audit path showing record ``n`` is in the tree of size ``t``."""
    if t < 0 or n < 0 or n >= t:
        raise TlogError("tlog: invalid inputs in ProveRecord")
    indexes = _leaf_proof_index(0, t, n, [])
    if not indexes:
        return []
    hashes = read(indexes)
    p, rest = _leaf_proof(0, t, n, list(hashes))
    if rest:
        raise AssertionError("tlog: bad index math in ProveRecord")
    return p


def _run_record_proof(p: list[bytes], lo: int, hi: int, n: int, leaf: bytes) -> bytes:
    if lo + 1 == hi:
        if p:
            raise TlogError("invalid transparency proof")
        return leaf
    if not p:
        raise TlogError("invalid transparency proof")
    k, _ = maxpow2(hi - lo)
    if n < lo + k:
        return node_hash(_run_record_proof(p[:-1], lo, lo + k, n, leaf), p[-1])
    return node_hash(p[-1], _run_record_proof(p[:-1], lo + k, hi, n, leaf))


def check_record(p: list[bytes], t: int, th: bytes, n: int, h: bytes) -> None:
    """Raise TlogError unless ``p`` proves record ``n`` (leaf hash ``h``) is in tree (t, th)."""
    if t < 0 or n < 0 or n >= t:
        raise TlogError("tlog: invalid inputs in CheckRecord")
    if _run_record_proof(p, 0, t, n, h) != th:
        raise TlogError("invalid transparency proof")


def _tree_proof_index(lo: int, hi: int, n: int, need: list[int]) -> list[int]:
    if n == hi:
        if lo == 0:
            return need
        return _sub_tree_index(lo, hi, need)
    k, _ = maxpow2(hi - lo)
    if n <= lo + k:
        _tree_proof_index(lo, lo + k, n, need)
        _sub_tree_index(lo + k, hi, need)
    else:
        _sub_tree_index(lo, lo + k, need)
        _tree_proof_index(lo + k, hi, n, need)
    return need


def _tree_proof(lo: int, hi: int, n: int, hashes: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    if n == hi:
        if lo == 0:
            return [], hashes
        th, hashes = _sub_tree_hash(lo, hi, hashes)
        return [th], hashes
    k, _ = maxpow2(hi - lo)
    if n <= lo + k:
        p, hashes = _tree_proof(lo, lo + k, n, hashes)
        th, hashes = _sub_tree_hash(lo + k, hi, hashes)
    else:
        th, hashes = _sub_tree_hash(lo, lo + k, hashes)
        p, hashes = _tree_proof(lo + k, hi, n, hashes)
    return p + [th], hashes


def prove_tree(t: int, n: int, read: HashReader) -> list[bytes]:
    """The RFC 6962 consistency proof that tree ``t`` extends tree ``n``."""
    if t < 1 or n < 1 or n > t:
        raise TlogError("tlog: invalid inputs in ProveTree")
    indexes = _tree_proof_index(0, t, n, [])
    if not indexes:
        return []
    hashes = read(indexes)
    p, rest = _tree_proof(0, t, n, list(hashes))
    if rest:
        raise AssertionError("tlog: bad index math in ProveTree")
    return p


def _run_tree_proof(p: list[bytes], lo: int, hi: int, n: int, old: bytes) -> tuple[bytes, bytes]:
    if n == hi:
        if lo == 0:
            if p:
                raise TlogError("invalid transparency proof")
            return old, old
        if len(p) != 1:
            raise TlogError("invalid transparency proof")
        return p[0], p[0]
    if not p:
        raise TlogError("invalid transparency proof")
    k, _ = maxpow2(hi - lo)
    if n <= lo + k:
        oh, th = _run_tree_proof(p[:-1], lo, lo + k, n, old)
        return oh, node_hash(th, p[-1])
    oh, th = _run_tree_proof(p[:-1], lo + k, hi, n, old)
    return node_hash(p[-1], oh), node_hash(p[-1], th)


def check_tree(p: list[bytes], t: int, th: bytes, n: int, h: bytes) -> None:
    """Raise TlogError unless ``p`` proves tree (t, th) extends tree (n, h)."""
    if t < 1 or n < 1 or n > t:
        raise TlogError("tlog: invalid inputs in CheckTree")
    h2, th2 = _run_tree_proof(p, 0, t, n, h)
    if th2 != th or h2 != h:
        raise TlogError("invalid transparency proof")


# -- tree heads and records -----------------------------------------------------------


@dataclass(frozen=True, order=True)
class Tree:
    n: int
    hash: bytes

    def format(self) -> bytes:
        return b"go.sum database tree\n%d\n%s\n" % (self.n, hash_string(self.hash).encode())


def parse_tree(text: bytes) -> Tree:
    """A tree head's text: three lines (extra lines are ignored, as Go does)."""
    if not text.startswith(TREE_PREFIX) or text.count(b"\n") < 3 or len(text) > 1_000_000:
        raise TlogError("malformed tree note")
    lines = text.split(b"\n", 3)
    raw_n = lines[1]
    if not raw_n.isdigit() or not raw_n.isascii() or (len(raw_n) > 1 and raw_n[0:1] == b"0") or len(raw_n) > 19:
        raise TlogError("malformed tree note")
    n = int(raw_n)
    if n >= 1 << 63:
        raise TlogError("malformed tree note")
    try:
        h = parse_hash(lines[2].decode("ascii"))
    except (TlogError, UnicodeDecodeError):
        raise TlogError("malformed tree note") from None
    return Tree(n, h)


_CONTROL = re.compile(rb"[\x00-\x09\x0b-\x1f]")


def is_valid_record_text(text: bytes) -> bool:
    """UTF-8, no control characters but newline, no blank line, ends in newline."""
    if not text.endswith(b"\n") or b"\n\n" in text or _CONTROL.search(text):
        return False
    try:
        text.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def format_record(rid: int, text: bytes) -> bytes:
    if not is_valid_record_text(text):
        raise TlogError("malformed record data")
    return b"%d\n" % rid + text + b"\n"


def parse_record(msg: bytes) -> tuple[int, bytes, bytes]:
    """(id, record text, the rest: the signed tree note) of a /lookup response."""
    i = msg.find(b"\n")
    if i < 0:
        raise TlogError("malformed record data")
    raw = msg[:i]
    # strconv.ParseInt accepts an optional sign and leading zeros.
    body = raw[1:] if raw[:1] in (b"+", b"-") else raw
    if not body or not body.isdigit() or not body.isascii():
        raise TlogError("malformed record data")
    rid = int(raw)
    if not -(1 << 63) <= rid < 1 << 63:
        raise TlogError("malformed record data")
    msg = msg[i + 1 :]
    j = msg.find(b"\n\n")
    if j < 0:
        raise TlogError("malformed record data")
    text, rest = msg[: j + 1], msg[j + 2 :]
    if not is_valid_record_text(text):
        raise TlogError("malformed record data")
    return rid, text, rest


# -- tiles ----------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Tile:
    """Tile (H, L, N, W): W consecutive hashes at level H·L from index N·2^H.
    L = -1 holds record data instead of hashes."""

    h: int
    l: int  # noqa: E741 - the name x/mod uses
    n: int
    w: int

    def path(self) -> str:
        n = self.n
        n_str = f"{n % PATH_BASE:03d}"
        while n >= PATH_BASE:
            n //= PATH_BASE
            n_str = f"x{n % PATH_BASE:03d}/{n_str}"
        p_str = f".p/{self.w}" if self.w != 1 << self.h else ""
        level = "data" if self.l == -1 else str(self.l)
        return f"tile/{self.h}/{level}/{n_str}{p_str}"

    @property
    def full(self) -> Tile:
        return Tile(self.h, self.l, self.n, 1 << self.h)


def _atoi(s: str) -> int | None:
    """strconv.Atoi for the digits tile paths use (optional sign, decimal)."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isdigit() or not body.isascii():
        return None
    return int(s)


def parse_tile_path(path: str) -> Tile:
    """The tile named by ``tile/H/L/NNN[.p/W]``; only the canonical spelling is accepted."""
    f = path.split("/")
    bad = TlogError(f"malformed tile path {path!r}")
    if len(f) < 4 or f[0] != "tile":
        raise bad
    h = _atoi(f[1])
    is_data = f[2] == "data"
    level = 0 if is_data else _atoi(f[2])
    if h is None or level is None or h < 1 or level < 0 or h > 30:
        raise bad
    w = 1 << h
    if f[-2].endswith(".p"):
        ww = _atoi(f[-1])
        if ww is None or ww <= 0 or ww >= w:
            raise bad
        w = ww
        f[-2] = f[-2][: -len(".p")]
        f = f[:-1]
    n = 0
    for s in f[3:]:
        nn = _atoi(s[1:] if s.startswith("x") else s)
        if nn is None or nn < 0 or nn >= PATH_BASE:
            raise bad
        n = n * PATH_BASE + nn
    t = Tile(h, -1 if is_data else level, n, w)
    if t.path() != path:
        raise bad
    return t


def tile_for_index(h: int, index: int) -> tuple[Tile, int, int]:
    """The least-width tile of height ``h`` holding stored hash ``index``, and the
    byte range [start, end) whose tile hash is that stored hash."""
    if h <= 0:
        raise ValueError(f"TileForIndex: invalid height {h}")
    level, n = split_stored_hash_index(index)
    tl = level // h
    level -= tl * h
    tn = (n << level) >> h
    n -= (tn << h) >> level
    return Tile(h, tl, tn, (n + 1) << level), (n << level) * HASH_SIZE, ((n + 1) << level) * HASH_SIZE


_TILE_HASH_MEMO: dict[bytes, bytes] = {}
_TILE_HASH_MEMO_BYTES = [0]
_TILE_HASH_MEMO_MAX = 32 << 20  # bytes of keys kept; the memo is dropped beyond that


def tile_hash(data: bytes) -> bytes:
    """The perfect-subtree hash of the 2^k hashes in ``data``."""
    if len(data) == HASH_SIZE:
        return data
    if not data:
        raise AssertionError("bad math in tileHash")
    # A pure function of its input, so a memo keyed by the bytes is sound; tiles
    # shared by many tree heads are hashed once.
    got = _TILE_HASH_MEMO.get(data)
    if got is not None:
        return got
    level = [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
    sha = _sha256
    while len(level) > 1:
        level = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    if _TILE_HASH_MEMO_BYTES[0] + len(data) > _TILE_HASH_MEMO_MAX:
        _TILE_HASH_MEMO.clear()
        _TILE_HASH_MEMO_BYTES[0] = 0
    _TILE_HASH_MEMO[data] = level[0]
    _TILE_HASH_MEMO_BYTES[0] += len(data)
    return level[0]


def hash_from_tile(t: Tile, data: bytes, index: int) -> bytes:
    if t.h < 1 or t.h > 30 or t.l < 0 or t.l >= 64 or t.w < 1 or t.w > 1 << t.h:
        raise TlogError(f"invalid tile {t.path()}")
    if len(data) < t.w * HASH_SIZE:
        raise TlogError(f"data len {len(data)} too short for tile {t.path()}")
    t1, start, end = tile_for_index(t.h, index)
    if t.l != t1.l or t.n != t1.n or t.w < t1.w:
        raise TlogError(f"index {index} is in {t1.path()} not {t.path()}")
    return tile_hash(data[start:end])


def new_tiles(h: int, old_size: int, new_size: int) -> list[Tile]:
    """The tiles published when the tree grows from ``old_size`` to ``new_size``."""
    if h <= 0:
        raise ValueError(f"NewTiles: invalid height {h}")
    tiles = []
    level = 0
    while new_size >> (h * level) > 0:
        old_n = old_size >> (h * level)
        new_n = new_size >> (h * level)
        if old_n != new_n:
            for n in range(old_n >> h, new_n >> h):
                tiles.append(Tile(h, level, n, 1 << h))
            n = new_n >> h
            w = new_n - (n << h)
            if w > 0:
                tiles.append(Tile(h, level, n, w))
        level += 1
    return tiles


def read_tile_data(t: Tile, read: HashReader) -> bytes:
    size = t.w or 1 << t.h
    start = t.n << t.h
    indexes = [stored_hash_index(t.h * t.l, start + i) for i in range(size)]
    hashes = read(indexes)
    if len(hashes) != len(indexes):
        raise TlogError(f"tlog: ReadHashes({len(indexes)} indexes) = {len(hashes)} hashes")
    return b"".join(hashes)


def tile_parent(t: Tile, k: int, n: int) -> Tile | None:
    """``t``'s k-th parent among the tiles of a tree of size ``n`` (None if none)."""
    level = t.l + k
    tn = t.n >> (k * t.h)
    w = 1 << t.h
    top = n >> (level * t.h)
    if (tn << t.h) + w >= top:
        if tn << t.h >= top:
            return None
        w = top - (tn << t.h)
    return Tile(t.h, level, tn, w)


# -- authenticated reading -------------------------------------------------------------


class TileSource(Protocol):
    def height(self) -> int: ...

    def read_tiles(self, tiles: list[Tile]) -> list[bytes]:
        """Tile data, each exactly ``w * 32`` bytes, or raise MissingTile / BadTileData."""
        ...

    def save_tiles(self, tiles: list[Tile], data: list[bytes]) -> None:
        """Called with tiles just authenticated (what may be kept on disk)."""
        ...


class AuthMemo(Protocol):
    """Successful tile checks, by content (a set, or one that also keeps them across runs)."""

    def __contains__(self, key: object) -> bool: ...

    def add(self, key: tuple[object, ...]) -> None: ...


class TileHashReader:
    """Hashes of tree ``tree`` read from tiles, each tile authenticated first:
    the tiles holding the tree's subtree hashes must hash to the signed root, and
    every other tile to its entry in its (authenticated) parent.

    ``auth_memo`` remembers successful checks by content (the tree and the exact
    bytes checked), so a run authenticates each tile once however many records
    and heads share it.
    """

    def __init__(self, tree: Tree, source: TileSource, auth_memo: AuthMemo | None = None) -> None:
        self.tree = tree
        self.source = source
        self.memo: AuthMemo = auth_memo if auth_memo is not None else set()

    def plan(self, indexes: Sequence[int]) -> tuple[list[Tile], list[int], list[int], list[int]]:
        """(tiles to read, stx, stx tile positions, index tile positions), as Go orders them."""
        h = self.source.height()
        n = self.tree.n
        order: dict[Tile, int] = {}
        tiles: list[Tile] = []
        stx = _sub_tree_index(0, n, [])
        stx_order = [0] * len(stx)
        for i, x in enumerate(stx):
            t0, _, _ = tile_for_index(h, x)
            tile = tile_parent(t0, 0, n)
            assert tile is not None
            if tile in order:
                stx_order[i] = order[tile]
                continue
            stx_order[i] = len(tiles)
            order[tile] = len(tiles)
            tiles.append(tile)
        limit = stored_hash_index(0, n)
        index_order = [0] * len(indexes)
        for i, x in enumerate(indexes):
            if x >= limit:
                raise TlogError("indexes not in tree")
            t0, _, _ = tile_for_index(h, x)
            k = 0
            while True:
                p = tile_parent(t0, k, n)
                if p in order:
                    if k == 0:
                        index_order[i] = order[p]
                    break
                k += 1
            for kk in range(k - 1, -1, -1):
                p = tile_parent(t0, kk, n)
                assert p is not None
                if p.w != 1 << p.h:
                    raise TlogError(f"bad math in tileHashReader: {n} {x} {p}")
                order[p] = len(tiles)
                if kk == 0:
                    index_order[i] = len(tiles)
                tiles.append(p)
        return tiles, stx, stx_order, index_order

    def read_hashes(self, indexes: Sequence[int]) -> list[bytes]:
        tiles, stx, stx_order, index_order = self.plan(indexes)
        data = self.source.read_tiles(tiles)
        if len(data) != len(tiles):
            raise TlogError("TileReader returned bad result slice")
        for t, d in zip(tiles, data):
            if len(d) != t.w * HASH_SIZE:
                raise BadTileData(t, len(d))
        self._authenticate(tiles, data, stx, stx_order)
        self.source.save_tiles(tiles, data)
        return [hash_from_tile(tiles[j], data[j], x) for j, x in zip(index_order, indexes)]

    def _authenticate(self, tiles: list[Tile], data: list[bytes], stx: list[int], stx_order: list[int]) -> None:
        n = self.tree.n
        if not stx:
            return
        # First the tiles holding the subtree hashes of the tree: they must make its root.
        stx_tiles = sorted(set(stx_order))
        key = ("root", self.tree, tuple((tiles[j], data[j]) for j in stx_tiles))
        if key not in self.memo:
            th = b""
            for i in range(len(stx) - 1, -1, -1):
                j = stx_order[i]
                hh = hash_from_tile(tiles[j], data[j], stx[i])
                th = hh if i == len(stx) - 1 else node_hash(hh, th)
            if th != self.tree.hash:
                raise InconsistentTile([tiles[j] for j in stx_tiles], f"tree {n} root does not match")
            self.memo.add(key)
        # Then every other (full) tile against its entry in its parent, starting right
        # after the last tile the tree hash used (x/mod v0.40.0; before, Go started at
        # len(stx) and skipped up to two tiles: CVE-2026-56865).
        order = {t: i for i, t in enumerate(tiles)}
        for i in range(stx_order[-1] + 1, len(tiles)):
            tile = tiles[i]
            p = tile_parent(tile, 1, n)
            pj = order.get(p) if p is not None else None
            if pj is None or p is None:
                raise TlogError(f"bad math in tileHashReader {n}: lost parent of {tile}")
            ckey = ("child", tile, data[i], p, data[pj])
            if ckey in self.memo:
                continue
            want = hash_from_tile(p, data[pj], stored_hash_index(p.l * p.h, tile.n))
            if want != tile_hash(data[i]):
                # Go's loop started at len(stx) before the fix: tiles up to there went unchecked.
                raise InconsistentTile([tile], f"does not match its parent {p.path()}", parent=p, skipped_before_fix=i < len(stx))
            self.memo.add(ckey)

    def __call__(self, indexes: Sequence[int]) -> list[bytes]:
        return self.read_hashes(indexes)
